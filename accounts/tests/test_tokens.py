"""Tokens verify the way the gateway verifies them: by ``kid`` from the JWKS over HTTP."""

import time

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
