"""Commands that make a committed file from the code (the GraphQL schema, the gateway's
config): print it, ``--write`` it, or ``--check`` that the committed copy is current
(the test suite does, so a stale copy fails CI)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class GeneratedFileCommand(BaseCommand):
    path: Path  # the committed file (absolute)

    def render(self, **options) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--write", action="store_true", help=f"write {self.path.name}")
        action.add_argument("--check", action="store_true", help=f"exit 1 if {self.path.name} is stale")

    def handle(self, *args, write: bool, check: bool, **options):
        text = self.render(**options)
        if write:
            self.path.write_text(text)
            self.stdout.write(f"wrote {self.path}")
        elif check:
            if not self.path.is_file() or self.path.read_text() != text:
                raise CommandError(f"{self.path} is stale: run `manage.py {self.name} --write` and commit it.")
            self.stdout.write(f"{self.path.name} is current")
        else:
            self.stdout.write(text, ending="")

    @property
    def name(self) -> str:
        return self.__module__.rsplit(".", 1)[-1]
