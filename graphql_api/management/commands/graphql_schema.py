"""Print the GraphQL schema (SDL), or check that a committed copy is current."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from graphql_api.schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


class Command(BaseCommand):
    help = "Print the GraphQL schema; --write updates graphql_api/schema.graphql, --check fails if it is stale."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--write", action="store_true", help=f"write it to {COMMITTED.name}")
        action.add_argument("--check", action="store_true", help=f"exit 1 if {COMMITTED.name} differs")

    def handle(self, *args, write: bool, check: bool, **options):
        sdl = schema.as_str() + "\n"
        if write:
            COMMITTED.write_text(sdl)
            self.stdout.write(f"wrote {COMMITTED}")
        elif check:
            if not COMMITTED.is_file() or COMMITTED.read_text() != sdl:
                raise CommandError(f"{COMMITTED} is stale: run `manage.py graphql_schema --write` and commit it.")
            self.stdout.write(f"{COMMITTED.name} is current")
        else:
            self.stdout.write(sdl, ending="")
