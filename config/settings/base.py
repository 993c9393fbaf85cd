"""Settings shared by every environment.

Values come from the environment through ``config.env.env``; each integration keeps
its settings in a module of its own, imported at the end of this file.
"""

from config.env import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# `manage.py seed_demo` creates accounts with a published password: development only.
ALLOW_DEMO_DATA = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "accounts",
    "enrollment",
    "waitlist",
    "notifications",
    "graphql_api",
    "krakend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.BodyWithoutContentTypeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's MessageMiddleware, making its storage only when a message is used.
    "core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
# No redirect to the slashed URL: it would drop a POST's body behind a gateway. The
# API's paths end in a slash, and a path without it is a 404 problem document.
APPEND_SLASH = False
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Users and roles live in Django's own database; SQLite unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("OPTIONS", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers share the file: wait for a lock instead of failing.
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    # Older hashes still verify, and are re-hashed with the first hasher at login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "botocore": {"level": "WARNING"},
        "pynamodb": {"level": "WARNING"},
    },
}

# Problem details (RFC 9457): ``type`` is this prefix followed by the error's code.
PROBLEM_TYPE_BASE = env("PROBLEM_TYPE_BASE", default="urn:enrollment:problem:")

# What an operator's command (core.management.stores) says to do when a store does not answer.
STORES_START_HINT = "check DYNAMODB_ENDPOINT (or the AWS credentials), REDIS_URL and CELERY_BROKER_URL"

from config.settings.celery import *  # noqa: E402,F403
from config.settings.drf import *  # noqa: E402,F403
from config.settings.dynamodb import *  # noqa: E402,F403
from config.settings.email import *  # noqa: E402,F403
from config.settings.graphql import *  # noqa: E402,F403
from config.settings.jwt import *  # noqa: E402,F403
from config.settings.notifications import *  # noqa: E402,F403
from config.settings.outbox import *  # noqa: E402,F403
from config.settings.redis import *  # noqa: E402,F403
from config.settings.spectacular import *  # noqa: E402,F403
