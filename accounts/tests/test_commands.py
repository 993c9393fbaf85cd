"""``manage.py createuser``."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_createuser_with_several_roles(capsys):
    call_command(
        "createuser", "dean", "--role", "registrar", "--role", "instructor", "--password", "a-long-pass-phrase"
    )

    user = User.objects.get(username="dean")
    assert user.roles == {"registrar", "instructor"}
    assert user.check_password("a-long-pass-phrase")
    assert "Created user dean" in capsys.readouterr().out


def test_createuser_refuses_an_existing_username():
    call_command("createuser", "dean", "--role", "registrar", "--password", "a-long-pass-phrase")

    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", "dean", "--role", "student", "--password", "a-long-pass-phrase")


def test_createuser_refuses_a_weak_password():
    with pytest.raises(CommandError, match="password"):
        call_command("createuser", "dean", "--role", "registrar", "--password", "123")


def test_createuser_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("createuser", "dean", "--role", "dean", "--password", "a-long-pass-phrase")
