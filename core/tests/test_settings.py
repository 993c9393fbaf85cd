"""Production settings refuse to start with development secrets."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

GOOD_SECRET = "x" * 50


def _import_production(tmp_path, **env):
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("SECRET_KEY", "JWT_", "DEBUG"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def production_keys(tmp_path):
    private, public = tmp_path / "private.pem", tmp_path / "public.pem"
    private.write_text("unused"), public.write_text("unused")
    return {"JWT_PRIVATE_KEY_PATH": str(private), "JWT_PUBLIC_KEY_PATH": str(public)}


def test_production_starts_with_real_secrets(tmp_path, production_keys):
    result = _import_production(tmp_path, SECRET_KEY=GOOD_SECRET, **production_keys)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": GOOD_SECRET, "DEBUG": "true"}, "DEBUG"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 40}, "SECRET_KEY"),
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short-" + "x" * 20}, "SECRET_KEY"),
        (
            {"SECRET_KEY": GOOD_SECRET, "NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS": "true"},
            "NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS",
        ),
    ],
    ids=["debug", "development-key", "no-key", "short-key", "private-webhooks"],
)
def test_production_refuses_insecure_settings(tmp_path, production_keys, env, message):
    result = _import_production(tmp_path, **production_keys, **env)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_the_development_keys(tmp_path):
    keys = settings.BASE_DIR / "var" / "keys"
    result = _import_production(
        tmp_path,
        SECRET_KEY=GOOD_SECRET,
        JWT_PRIVATE_KEY_PATH=str(keys / "jwt-private.pem"),
        JWT_PUBLIC_KEY_PATH=str(keys / "jwt-public.pem"),
    )

    assert result.returncode != 0
    assert "development keys" in result.stderr
