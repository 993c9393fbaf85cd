"""Tokens verify the way the gateway verifies them: by ``kid`` from the JWKS over HTTP."""

import base64
import hashlib
import hmac
import json
import time
from typing import cast

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.keys import keyring
from accounts.services import token_pair_issue
from conftest import PASSWORD

ME = "/api/v1/auth/me/"


@pytest.fixture
def fresh_keyring():
    keyring.cache_clear()
    yield
    keyring.cache_clear()


def _pem_pair(tmp_path, name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / f"{name}-private.pem"
    public = tmp_path / f"{name}-public.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


@pytest.mark.django_db(transaction=True)
def test_jwks_served_over_http_verifies_an_issued_token(live_server, student):
    access = token_pair_issue(username=student.username, password=PASSWORD).access

    signing_key = jwt.PyJWKClient(f"{live_server.url}/.well-known/jwks.json").get_signing_key_from_jwt(access)
    claims = jwt.decode(
        access,
        signing_key.key,
        algorithms=["RS256"],
        audience="enrollment-api",
        issuer="enrollment-service",
        options={"require": ["exp", "sub", "iss", "aud", "jti"]},
    )

    assert claims["sub"] == student.id
    assert claims["roles"] == ["student"]


def test_jwks_lists_public_keys_only(api_client):
    response = api_client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert {"n", "e", "kid"} <= set(key) and not {"d", "p", "q"} & set(key)
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_token_with_an_unknown_kid_is_rejected(api_client, student):
    access = token_pair_issue(username=student.username, password=PASSWORD).access
    claims = jwt.decode(access, options={"verify_signature": False})
    relabelled = jwt.encode(claims, keyring().private_key, algorithm="RS256", headers={"kid": "someone-else"})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {relabelled}")

    assert api_client.get(ME).status_code == 401


@pytest.mark.django_db
def test_an_expired_token_is_rejected(api_client, student):
    access = token_pair_issue(username=student.username, password=PASSWORD).access
    claims = jwt.decode(access, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 3600
    expired = jwt.encode(claims, keyring().private_key, algorithm="RS256", headers={"kid": keyring().signing_kid})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {expired}")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()


@pytest.mark.django_db
def test_a_token_for_another_audience_is_rejected(api_client, student):
    access = token_pair_issue(username=student.username, password=PASSWORD).access
    claims = {**jwt.decode(access, options={"verify_signature": False}), "aud": "another-api"}
    foreign = jwt.encode(claims, keyring().private_key, algorithm="RS256", headers={"kid": keyring().signing_kid})
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {foreign}")

    assert api_client.get(ME).status_code == 401


@pytest.mark.django_db
def test_rotation_keeps_tokens_of_the_previous_key_valid(api_client, student, settings, tmp_path, fresh_keyring):
    old_access = token_pair_issue(username=student.username, password=PASSWORD).access
    new_private, new_public = _pem_pair(tmp_path, "new")
    settings.JWT_PREVIOUS_PUBLIC_KEY_PATHS = [str(settings.JWT_PUBLIC_KEY_PATH)]
    settings.JWT_PRIVATE_KEY_PATH, settings.JWT_PUBLIC_KEY_PATH = new_private, new_public
    keyring.cache_clear()

    new_access = token_pair_issue(username=student.username, password=PASSWORD).access

    assert len(api_client.get("/.well-known/jwks.json").json()["keys"]) == 2
    assert jwt.get_unverified_header(new_access)["kid"] != jwt.get_unverified_header(old_access)["kid"]
    for access in (old_access, new_access):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert api_client.get(ME).status_code == 200


# --- every way a token can be wrong: a 401 problem document (OWASP API2) ----------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(header: dict, claims: dict, sign) -> str:
    """A JWS built without PyJWT, which refuses to make some of these on purpose."""
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64url(sign(signing_input.encode()))}"


def _claims_of(student) -> dict:
    access = token_pair_issue(username=student.username, password=PASSWORD).access
    return jwt.decode(access, options={"verify_signature": False})


def _signed(claims: dict, **header) -> str:
    return jwt.encode(
        claims, keyring().private_key, algorithm="RS256", headers={"kid": keyring().signing_kid, **header}
    )


def _expired(student, tmp_path):
    return _signed({**_claims_of(student), "exp": int(time.time()) - 3600})


def _not_yet_valid_nbf(student, tmp_path):
    return _signed({**_claims_of(student), "nbf": int(time.time()) + 3600})


def _issued_in_the_future(student, tmp_path):
    return _signed({**_claims_of(student), "iat": int(time.time()) + 3600})


def _signed_by_another_key_under_our_kid(student, tmp_path):
    other_private, _ = _pem_pair(tmp_path, "other")
    key = cast(rsa.RSAPrivateKey, serialization.load_pem_private_key(other_private.read_bytes(), password=None))
    return jwt.encode(_claims_of(student), key, algorithm="RS256", headers={"kid": keyring().signing_kid})


def _alg_none(student, tmp_path):
    header = {"alg": "none", "typ": "JWT", "kid": keyring().signing_kid}
    return _hand_made(header, _claims_of(student), lambda _: b"")


def _hs256_keyed_with_the_public_key(student, tmp_path):
    # The classic key confusion: the published public key used as an HMAC secret.
    public_pem = (
        keyring()
        .public_keys[keyring().signing_kid]
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": keyring().signing_kid}
    return _hand_made(header, _claims_of(student), lambda data: hmac.new(public_pem, data, hashlib.sha256).digest())


def _wrong_issuer(student, tmp_path):
    return _signed({**_claims_of(student), "iss": "someone-else"})


def _wrong_audience(student, tmp_path):
    return _signed({**_claims_of(student), "aud": "another-api"})


def _unknown_kid(student, tmp_path):
    return _signed(_claims_of(student), kid="someone-else")


def _no_kid(student, tmp_path):
    return jwt.encode(_claims_of(student), keyring().private_key, algorithm="RS256")


def _refresh_token(student, tmp_path):
    return token_pair_issue(username=student.username, password=PASSWORD).refresh


def _claims_tampered_after_signing(student, tmp_path):
    header, _, signature = _signed(_claims_of(student)).split(".")
    claims = {**_claims_of(student), "roles": ["registrar"]}
    return f"{header}.{_b64url(json.dumps(claims).encode())}.{signature}"


BAD_TOKENS = [
    _expired,
    _not_yet_valid_nbf,
    _issued_in_the_future,
    _signed_by_another_key_under_our_kid,
    _alg_none,
    _hs256_keyed_with_the_public_key,
    _wrong_issuer,
    _wrong_audience,
    _unknown_kid,
    _no_kid,
    _refresh_token,
    _claims_tampered_after_signing,
]


@pytest.mark.django_db
@pytest.mark.parametrize("make_token", BAD_TOKENS, ids=[make.__name__.strip("_") for make in BAD_TOKENS])
@pytest.mark.parametrize("path", [ME, "/graphql/"])
def test_a_bad_token_is_a_401_problem_document(api_client, student, tmp_path, make_token, path):
    token = make_token(student, tmp_path)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = (
        api_client.post(path, {"query": "{ me { id } }"}, format="json")
        if path == "/graphql/"
        else api_client.get(path)
    )

    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_the_same_claims_properly_signed_are_accepted(api_client, student):
    # The control for the cases above: only what each one changed made it fail.
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_signed(_claims_of(student))}")

    assert api_client.get(ME).status_code == 200
