"""The environment of a process that runs this test run's service under the production
settings: production secrets (a random SECRET_KEY, the run's JWT key pair copied outside
var/, where production accepts it), this run's stores, and nothing that production
refuses (DEBUG, NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS)."""

import os
import secrets
import shutil
from pathlib import Path

from django.conf import settings


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    keys = tmp_path / "production-keys"
    keys.mkdir(exist_ok=True)
    for name in ("private", "public"):
        shutil.copy(getattr(settings, f"JWT_{name.upper()}_KEY_PATH"), keys / f"jwt-{name}.pem")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        JWT_PRIVATE_KEY_PATH=str(keys / "jwt-private.pem"),
        JWT_PUBLIC_KEY_PATH=str(keys / "jwt-public.pem"),
        **overrides,
    )
    return environment
