"""Production: secrets and keys come from the environment; nothing insecure starts."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DEBUG, JWT_PRIVATE_KEY_PATH, SECRET_KEY

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 40 characters.")
if not env("JWT_PRIVATE_KEY_PATH", default=""):
    raise ImproperlyConfigured("Set JWT_PRIVATE_KEY_PATH and JWT_PUBLIC_KEY_PATH to the production keys.")
if JWT_PRIVATE_KEY_PATH.resolve().is_relative_to((BASE_DIR / "var").resolve()):
    raise ImproperlyConfigured("The JWT keys under var/ are development keys; use production keys.")
if env.bool("NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS", default=False):
    raise ImproperlyConfigured(
        "NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS must be off in production:"
        " students could make the service call private addresses."
    )

# `manage.py collectstatic` gathers Swagger UI's and the admin's files here for WhiteNoise.
STATIC_ROOT = BASE_DIR / "staticfiles"

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Browsers that reached the service over https keep to https (Strict-Transport-Security,
# sent on https requests: behind the gateway, those it forwards with X-Forwarded-Proto).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
