"""The test suite: `make test` points it at its own tables, Redis and queues."""

from config.env import env
from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK
from config.settings.graphql import graphiql_static_dirs

DEBUG = False
ALLOW_DEMO_DATA = True
SECRET_KEY = env("SECRET_KEY", default="django-insecure-test-key")
DYNAMODB_TABLE_PREFIX = env("DYNAMODB_TABLE_PREFIX", default="test_")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

# High enough that the suite is never throttled by accident; throttling tests lower
# the rates for themselves.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": "100000/min",
    "user": "100000/min",
    "login": "100000/min",
    "login_username": "100000/min",
}

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True

# The tests' webhook receivers listen on 127.0.0.1; the refusal tests turn this off.
NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = True
# Retries within a test's patience: 0.2 s, 0.4 s, ... (the production default starts at 5 s).
NOTIFICATIONS_RETRY_BASE_SECONDS = 0.2
NOTIFICATIONS_RETRY_MAX_SECONDS = 1.0
NOTIFICATIONS_MAX_ATTEMPTS = 4

GRAPHQL_INTROSPECTION = True
GRAPHQL_GRAPHIQL = True
STATICFILES_DIRS = graphiql_static_dirs()
