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


def test_createuser_staff_can_log_in_to_the_admin_and_manage_users_and_roles(client, capsys):
    # Given a staff account made the documented way
    call_command("createuser", "dean", "--role", "registrar", "--staff", "--password", "a-long-pass-phrase")
    assert "may log in at /admin/" in capsys.readouterr().out
    call_command("createuser", "ada2", "--role", "student", "--password", "a-long-pass-phrase")

    # When they log in to the admin
    login = client.post(
        "/admin/login/?next=/admin/", {"username": "dean", "password": "a-long-pass-phrase", "next": "/admin/"}
    )

    # Then they are in, and see users with their roles, and the roles
    assert login.status_code == 302 and login["Location"] == "/admin/"
    users = client.get("/admin/accounts/user/")
    assert users.status_code == 200
    assert b"ada2" in users.content and b"student" in users.content
    assert client.get("/admin/auth/group/").status_code == 200
    ada2 = User.objects.get(username="ada2")
    assert client.get(f"/admin/accounts/user/{ada2.pk}/change/").status_code == 200


def test_createuser_without_staff_cannot_log_in_to_the_admin(client):
    call_command("createuser", "dean", "--role", "registrar", "--password", "a-long-pass-phrase")

    response = client.post("/admin/login/", {"username": "dean", "password": "a-long-pass-phrase"})

    assert response.status_code == 200  # the login form again, with its error
    assert not User.objects.get(username="dean").is_staff
    assert client.get("/admin/").status_code == 302
