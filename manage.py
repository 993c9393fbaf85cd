#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

Run it with the project's virtualenv: ``.venv/bin/python manage.py <command>`` (``make run``
or ``make test`` creates ``.venv`` the first time).
"""

import os
import sys
from pathlib import Path


def _without_django() -> str:
    """What to do when this interpreter has no Django: which python to run instead."""
    root = Path(__file__).resolve().parent
    venv_python = root / ".venv" / "bin" / "python"
    args = " ".join(sys.argv[1:]) or "<command>"
    if venv_python.exists():
        how = f"run it with the project's virtualenv: .venv/bin/python manage.py {args}"
    else:
        how = f"create the virtualenv with `make run` (or `make test`), then: .venv/bin/python manage.py {args}"
    return f"Django is not installed for {sys.executable}; {how}"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    try:
        from django.core.management import execute_from_command_line
    except ModuleNotFoundError as exc:
        if exc.name != "django":
            raise
        sys.exit(_without_django())
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
