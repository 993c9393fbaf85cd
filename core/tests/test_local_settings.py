"""Local settings talk to the local stack where `make run` puts it, following the same
variables (DYNAMODB_LOCAL_PORT, REDIS_LOCAL_PORT, RABBITMQ_LOCAL_PORT); real AWS only
when asked for."""

import json
import os
import subprocess
import sys

from django.conf import settings

# Everything the settings read about the stores, removed so the defaults show.
STORE_VARIABLES = (
    "DYNAMODB_ENDPOINT",
    "DYNAMODB_USE_AWS",
    "DYNAMODB_LOCAL_PORT",
    "REDIS_URL",
    "REDIS_LOCAL_PORT",
    "CACHE_REDIS_URL",
    "CELERY_BROKER_URL",
    "RABBITMQ_LOCAL_PORT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)
SHOWN = ("DYNAMODB_ENDPOINT", "DYNAMODB_LOCAL_CREDENTIALS", "REDIS_URL", "CELERY_BROKER_URL")


def settings_of(module: str, **environment: str) -> dict:
    """The store settings of ``module`` as a fresh process sees them in ``environment``."""
    env = {name: value for name, value in os.environ.items() if name not in STORE_VARIABLES}
    env.update(environment, DJANGO_SETTINGS_MODULE=module)
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_local_settings_default_to_the_stores_make_run_starts():
    found = settings_of("config.settings.local")

    assert found["DYNAMODB_ENDPOINT"] == "http://127.0.0.1:8100"
    assert found["DYNAMODB_LOCAL_CREDENTIALS"] == ["local", "local"]
    assert found["REDIS_URL"] == "redis://127.0.0.1:6380/0"
    assert found["CELERY_BROKER_URL"] == "amqp://guest:guest@127.0.0.1:5672//;amqp://guest:guest@127.0.0.1:5673//"


def test_local_settings_follow_the_ports_make_run_was_given():
    found = settings_of(
        "config.settings.local", DYNAMODB_LOCAL_PORT="8101", REDIS_LOCAL_PORT="6381", RABBITMQ_LOCAL_PORT="5674"
    )

    assert found["DYNAMODB_ENDPOINT"] == "http://127.0.0.1:8101"
    assert found["REDIS_URL"] == "redis://127.0.0.1:6381/0"
    assert found["CELERY_BROKER_URL"].endswith(";amqp://guest:guest@127.0.0.1:5674//")


def test_an_explicit_endpoint_still_wins():
    found = settings_of("config.settings.local", DYNAMODB_ENDPOINT="http://127.0.0.1:9999")

    assert found["DYNAMODB_ENDPOINT"] == "http://127.0.0.1:9999"


def test_real_aws_only_when_asked_for():
    assert settings_of("config.settings.local", DYNAMODB_USE_AWS="true")["DYNAMODB_ENDPOINT"] is None
