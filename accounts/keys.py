"""The RSA keys that sign and verify access tokens, and the JWK Set that publishes them.

The signing key's public half and any retired public keys
(``JWT_PREVIOUS_PUBLIC_KEY_PATHS``) are published; each key's ``kid`` is its RFC 7638
thumbprint, so the ``kid`` in a token's header names exactly one key.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_key: RSAPublicKey) -> dict[str, str]:
    """The JWK of an RSA public key, with its RFC 7638 thumbprint as ``kid``."""
    numbers = public_key.public_numbers()
    members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**members, "kid": kid, "use": "sig", "alg": "RS256"}


@dataclass(frozen=True)
class Keyring:
    # Parsed key objects: parsing a PEM costs over 100 ms, far more than signing.
    private_key: RSAPrivateKey
    signing_kid: str
    public_keys: dict[str, RSAPublicKey]  # kid -> every key a valid token may be signed with
    jwks: dict[str, Any]


def _read(path: Path | str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"Cannot read the JWT {what} at {path}: {exc.strerror}. `make run` generates a "
            "development pair; in production set JWT_PRIVATE_KEY_PATH and JWT_PUBLIC_KEY_PATH."
        ) from exc


def _load_public(pem: bytes) -> RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, RSAPublicKey):
        raise ImproperlyConfigured("JWT keys must be RSA keys.")
    return key


@cache
def keyring() -> Keyring:
    """The keys from the configured paths, read once per process."""
    private_key = serialization.load_pem_private_key(_read(settings.JWT_PRIVATE_KEY_PATH, "private key"), password=None)
    if not isinstance(private_key, RSAPrivateKey):
        raise ImproperlyConfigured("JWT keys must be RSA keys.")
    signing_public = _load_public(_read(settings.JWT_PUBLIC_KEY_PATH, "public key"))
    if private_key.public_key().public_numbers() != signing_public.public_numbers():
        raise ImproperlyConfigured("JWT_PUBLIC_KEY_PATH is not the public half of JWT_PRIVATE_KEY_PATH.")
    public_keys = [signing_public] + [
        _load_public(_read(path, "previous public key")) for path in settings.JWT_PREVIOUS_PUBLIC_KEY_PATHS
    ]
    jwks = [public_jwk(key) for key in public_keys]
    return Keyring(
        private_key=private_key,
        signing_kid=jwks[0]["kid"],
        public_keys={jwk["kid"]: key for jwk, key in zip(jwks, public_keys, strict=True)},
        jwks={"keys": jwks},
    )
