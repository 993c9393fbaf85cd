"""SimpleJWT with RS256: the service signs, Django and the KrakenD gateway verify."""

from datetime import timedelta
from pathlib import Path

from config.env import BASE_DIR, env

JWT_PRIVATE_KEY_PATH = Path(env("JWT_PRIVATE_KEY_PATH", default=str(BASE_DIR / "var" / "keys" / "jwt-private.pem")))
JWT_PUBLIC_KEY_PATH = Path(env("JWT_PUBLIC_KEY_PATH", default=str(BASE_DIR / "var" / "keys" / "jwt-public.pem")))
# Public keys of retired signing keys: still served in the JWKS and accepted until
# the tokens they signed have expired, so a key can be rotated without logging anyone out.
JWT_PREVIOUS_PUBLIC_KEY_PATHS = env.list("JWT_PREVIOUS_PUBLIC_KEY_PATHS", default=[])
JWT_ISSUER = env("JWT_ISSUER", default="enrollment-service")
JWT_AUDIENCE = env("JWT_AUDIENCE", default="enrollment-api")

SIMPLE_JWT = {
    "ALGORITHM": "RS256",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=env.int("JWT_REFRESH_TOKEN_HOURS", default=24)),
    "ISSUER": JWT_ISSUER,
    "AUDIENCE": JWT_AUDIENCE,
    "LEEWAY": timedelta(seconds=30),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.AccessToken",),
    "TOKEN_USER_CLASS": "accounts.authentication.TokenPrincipal",
    "UPDATE_LAST_LOGIN": False,
}
