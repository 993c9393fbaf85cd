"""``.venv/bin/python manage.py createuser USERNAME --role ROLE [--staff] --password PW``: staff and
other accounts. ``--staff`` lets the user log in to the admin (/admin/) to manage users and roles."""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import UsernameTaken
from accounts.roles import Role
from accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user holding one or more roles (repeat --role)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", dest="roles", action="append", choices=Role.values, required=True)
        parser.add_argument(
            "--staff",
            action="store_true",
            help="Let the user log in to the admin (/admin/) and manage users and their roles there.",
        )
        parser.add_argument("--password", help="Asked for on the terminal when omitted.")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username: str, roles: list[str], staff: bool, password: str | None, **options) -> None:
        if password is None:
            password = self.ask_password()
        try:
            profile = user_create(
                username=username,
                password=password,
                roles=roles,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                staff=staff,
            )
        except UsernameTaken as exc:
            raise CommandError(f"User '{username}' already exists.") from exc
        except ValidationError as exc:
            messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())
            raise CommandError(messages) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created user {profile.username} (id {profile.id}) with roles {', '.join(profile.roles)}"
                + (", staff: may log in at /admin/ to manage users and roles." if staff else ".")
            )
        )

    @staticmethod
    def ask_password() -> str:
        if not sys.stdin.isatty():
            raise CommandError("Give --password when not running on a terminal.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return password
