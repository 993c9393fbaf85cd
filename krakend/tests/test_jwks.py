"""A token the service issues passes the gateway's checks, done the way KrakenD does
them with the validator config in krakend/krakend.json: the key picked by ``kid``
from the JWKS fetched over HTTP, the RS256 signature, ``iss``, ``aud``, ``exp``, and
the roles under ``roles_key``."""

import json
import time
import urllib.request

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from accounts.api import Role
from accounts.keys import keyring
from conftest import PASSWORD
from krakend.gateway import CONFIG_PATH

pytestmark = pytest.mark.django_db(transaction=True)

ROSTER = ("GET", "/api/v1/sections/{section_id}/enrollments/")
ENROLL = ("POST", "/api/v1/sections/{section_id}/enrollments/")


class Refused(Exception):
    pass


def validator_of(method: str, path: str) -> dict:
    config = json.loads(CONFIG_PATH.read_text())
    (endpoint,) = [e for e in config["endpoints"] if (e["method"], e["endpoint"]) == (method, path)]
    return endpoint["extra_config"]["auth/validator"]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return json.load(response)


def gateway_verifies(token: str, validator: dict, service_url: str) -> dict:
    """What KrakenD's validator does with ``token``; the claims, or ``Refused``."""
    # The JWKS at the configured path, on the service under test instead of `web:8000`.
    path = validator["jwk_url"].split("://", 1)[1].split("/", 1)[1]
    jwks = _get_json(f"{service_url}/{path}")
    header = jwt.get_unverified_header(token)
    if header.get("alg") != validator["alg"]:
        raise Refused(f"alg {header.get('alg')}")
    keys = [key for key in jwks["keys"] if key.get("kid") == header.get("kid")]
    if not keys:
        raise Refused(f"no key with kid {header.get('kid')!r}")
    public_key = RSAAlgorithm.from_jwk(json.dumps(keys[0]))
    assert isinstance(public_key, RSAPublicKey), "a JWKS publishes public keys only"
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[validator["alg"]],
            issuer=validator["issuer"],
            audience=validator["audience"],
            leeway=1,  # KrakenD's default leeway
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise Refused(str(exc)) from exc
    roles = claims.get(validator["roles_key"])
    if not isinstance(roles, list) or not set(roles) & set(validator["roles"]):
        raise Refused(f"roles {roles!r}")
    return claims


def token_over_http(service_url: str, username: str) -> str:
    request = urllib.request.Request(
        f"{service_url}/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["access"]


def test_an_issued_token_passes_the_gateway_with_the_roles_of_its_user(live_server, student, instructor):
    student_token = token_over_http(live_server.url, student.username)
    claims = gateway_verifies(student_token, validator_of(*ENROLL), live_server.url)
    assert claims["sub"] == student.id
    assert claims["roles"] == [Role.STUDENT]
    # The claims the gateway hands to Django as headers are there.
    assert {claim for claim, _header in validator_of(*ENROLL)["propagate_claims"]} <= set(claims)

    instructor_token = token_over_http(live_server.url, instructor.username)
    assert gateway_verifies(instructor_token, validator_of(*ROSTER), live_server.url)["sub"] == instructor.id


def test_the_gateway_refuses_a_role_the_endpoint_does_not_admit(live_server, student):
    token = token_over_http(live_server.url, student.username)
    with pytest.raises(Refused, match="roles"):
        gateway_verifies(token, validator_of(*ROSTER), live_server.url)


def _resigned(token: str, **changes) -> str:
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    return jwt.encode(claims, keyring().private_key, algorithm="RS256", headers={"kid": keyring().signing_kid})


def test_the_gateway_refuses_expired_foreign_and_altered_tokens(live_server, student):
    token = token_over_http(live_server.url, student.username)
    validator = validator_of(*ENROLL)

    with pytest.raises(Refused, match=r"(?i)expired"):
        gateway_verifies(_resigned(token, exp=int(time.time()) - 60), validator, live_server.url)
    with pytest.raises(Refused, match=r"(?i)issuer"):
        gateway_verifies(_resigned(token, iss="someone-else"), validator, live_server.url)
    with pytest.raises(Refused, match=r"(?i)audience"):
        gateway_verifies(_resigned(token, aud="another-api"), validator, live_server.url)

    claims = jwt.decode(token, options={"verify_signature": False})
    unknown_kid = jwt.encode(claims, keyring().private_key, algorithm="RS256", headers={"kid": "not-published"})
    with pytest.raises(Refused, match="kid"):
        gateway_verifies(unknown_kid, validator, live_server.url)

    header, _payload, signature = token.split(".")
    claims["roles"] = [Role.REGISTRAR]
    forged = jwt.encode(claims, "guess-" * 8, algorithm="HS256").split(".")[1]
    with pytest.raises(Refused, match=r"(?i)signature"):
        gateway_verifies(f"{header}.{forged}.{signature}", validator, live_server.url)
    with pytest.raises(Refused, match="alg HS256"):
        gateway_verifies(jwt.encode(claims, "guess-" * 8, algorithm="HS256"), validator, live_server.url)
