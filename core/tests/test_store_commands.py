"""Operator commands with a store that does not answer: one line naming the store and
how to start it, before anything is written; and manage.py without Django."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from conftest import free_port
from core.dynamodb import registered_models

COMMANDS = [["create_tables"], ["seed_demo"], ["check_integrity"]]


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    """``.venv/bin/python manage.py ...`` as an operator types it, under local settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DYNAMODB_", "REDIS_", "CELERY_", "CACHE_", "AWS_", "DJANGO_SETTINGS"))
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_with_no_local_stack_each_command_says_so_in_one_line(command):
    # Given no `make run` on the ports the local settings default to
    ports = {"DYNAMODB_LOCAL_PORT": str(free_port()), "REDIS_LOCAL_PORT": str(free_port())}

    # When an operator runs the command as the README says
    result = manage(*command, **ports)

    # Then it names the store, where it looked, and how to start it: one line, no traceback
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"CommandError: DynamoDB does not answer at http://127.0.0.1:{ports['DYNAMODB_LOCAL_PORT']}: start the local "
        "stack with `make run` in another terminal (it serves until Ctrl-C), then run this again."
    ]


@pytest.mark.django_db
def test_seed_demo_with_dynamodb_down_writes_nothing(dynamodb_down):
    with pytest.raises(CommandError, match=r"^DynamoDB does not answer at http://127\.0\.0\.1:1: check "):
        call_command("seed_demo")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_with_redis_down_writes_nothing(settings):
    settings.CACHES = {
        **settings.CACHES,
        "waitlist": {**settings.CACHES["waitlist"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    with pytest.raises(CommandError, match=r"^Redis does not answer at redis://127\.0\.0\.1:1/0: check "):
        call_command("seed_demo")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_without_the_tables_seed_demo_says_to_create_them():
    # Given tables of another prefix, never created
    saved = [(model, model.Meta.table_name) for model in registered_models()]
    try:
        for model, name in saved:
            model.Meta.table_name, model._connection = f"absent_{name}", None
        with pytest.raises(CommandError, match=r"^The table absent_.* does not exist .* manage\.py create_tables"):
            call_command("seed_demo")
    finally:
        for model, name in saved:
            model.Meta.table_name, model._connection = name, None
    assert not User.objects.exists()


def test_manage_py_without_django_says_which_python_to_use():
    # Without site-packages, this interpreter has no Django: as a plain `python manage.py` would
    result = subprocess.run(
        [sys.executable, "-S", "manage.py", "check_integrity"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Django is not installed" in result.stderr
    assert ".venv/bin/python manage.py check_integrity" in result.stderr
