"""``python manage.py seed_demo``: demo accounts for each role, for trying the service out."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.api import Role, user_create
from accounts.errors import UsernameTaken

# Public demo credentials: printed on purpose, refused outside development.
DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    ("registrar", "Rita", "Registrar", [Role.REGISTRAR]),
    ("prof.hopper", "Grace", "Hopper", [Role.INSTRUCTOR]),
    ("prof.turing", "Alan", "Turing", [Role.INSTRUCTOR]),
    ("ada", "Ada", "Lovelace", [Role.STUDENT]),
    ("linus", "Linus", "Torvalds", [Role.STUDENT]),
    ("margaret", "Margaret", "Hamilton", [Role.STUDENT]),
]


class Command(BaseCommand):
    help = "Create demo accounts (and, as the catalog grows, demo data). Safe to run twice."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even where ALLOW_DEMO_DATA is off.")

    def handle(self, *args, force: bool, **options) -> None:
        if not settings.ALLOW_DEMO_DATA and not force:
            raise CommandError("seed_demo creates accounts with a published password; use --force to seed anyway.")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for index, (username, first_name, last_name, roles) in enumerate(DEMO_ACCOUNTS, start=1):
            try:
                user_create(
                    username=username,
                    password=DEMO_PASSWORD,
                    roles=roles,
                    email=f"{username}@example.edu",
                    first_name=first_name,
                    last_name=last_name,
                )
                state = "created"
            except UsernameTaken:
                state = "exists"
            role_names = ", ".join(str(role) for role in roles)
            self.stdout.write(f"  [{index}/{len(DEMO_ACCOUNTS)}] {username:12} {role_names:11} {state}")
