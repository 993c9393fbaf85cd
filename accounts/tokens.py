"""SimpleJWT tokens signed with the keyring: a ``kid`` header, verified by that key.

Access tokens carry ``sub`` (the user id, a string), ``roles``, ``name``, ``iss``,
``aud``, ``exp``, ``iat`` and ``jti``; refresh tokens carry only who they are for.
"""

import time
from datetime import timedelta
from functools import cache
from typing import Any, cast

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken as SimpleAccessToken
from rest_framework_simplejwt.tokens import RefreshToken as SimpleRefreshToken

from accounts.keys import Keyring, keyring

# Verified tokens, per process: a client polling its waitlist place sends the same token
# every few seconds, and its RS256 signature need not be checked again each time. The
# claims that change with time (``exp``) are still checked on every request (SimpleJWT's
# ``Token.verify``); an entry is used only with the keyring that verified it.
_VERIFIED_MAX = 4096
_verified: dict[str | bytes, tuple[Keyring, dict[str, Any]]] = {}


def _unexpired(payload: dict[str, Any], leeway: timedelta) -> bool:
    """PyJWT's expiry test: an expired token goes back through ``jwt.decode``, which says so."""
    exp = payload.get("exp")
    return isinstance(exp, int | float) and exp > time.time() - leeway.total_seconds()


class KeyringTokenBackend(TokenBackend):
    """Signs with the current key and names it in ``kid``; verifies with the key named."""

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        if not verify or not isinstance(token, str | bytes):  # DRF's header gives bytes
            return super().decode(token, verify=verify)
        ring = keyring()
        known = _verified.get(token)
        if known is not None and known[0] is ring and _unexpired(known[1], self.get_leeway()):
            return dict(known[1])
        payload = super().decode(cast(Any, token), verify=True)
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()  # a crude bound: the active tokens come back at once
        _verified[token] = (ring, payload)
        return dict(payload)

    def encode(self, payload: dict[str, Any]) -> str:
        claims = {**payload, "aud": self.audience, "iss": self.issuer}
        return jwt.encode(
            claims, keyring().private_key, algorithm=self.algorithm, headers={"kid": keyring().signing_kid}
        )

    def get_verifying_key(self, token: Any) -> RSAPublicKey:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError("Token is invalid") from exc
        key = keyring().public_keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenBackendError("Token is signed with an unknown key")
        return key


@cache
def token_backend() -> KeyringTokenBackend:
    return KeyringTokenBackend(
        algorithm=api_settings.ALGORITHM,
        signing_key=None,
        audience=api_settings.AUDIENCE,
        issuer=api_settings.ISSUER,
        leeway=api_settings.LEEWAY,
    )


class _KeyringMixin:
    @property
    def token_backend(self) -> KeyringTokenBackend:
        return token_backend()


class AccessToken(_KeyringMixin, SimpleAccessToken):
    pass


# SimpleJWT's own base classes disagree on for_user's signature (BlacklistMixin vs Token).
class RefreshToken(_KeyringMixin, SimpleRefreshToken):  # type: ignore[misc]
    access_token_class = AccessToken
