"""What an operator's command says when a store it needs does not answer: one line that
names the store and says how to start it, before anything is written, never a traceback.

Commands that read or write the stores derive from ``StoreCommand`` and name the stores
they need: ``dynamodb`` (answering), ``tables`` (answering, with every table created)
and ``redis``. The stores are checked before ``handle`` runs, so a command never stops
halfway because a store was down from the start; a store that goes down while it runs
is reported the same way.
"""

import urllib.parse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_redis import get_redis_connection
from pynamodb.exceptions import TableDoesNotExist

from core.dynamodb import TableMeta, connection, registered_models, table_check
from core.outages import unavailable_store

_NAMES = {"dynamodb": "DynamoDB", "redis": "Redis", "rabbitmq": "RabbitMQ"}


def _masked(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{hostport}"))


def store_address(store: str) -> str:
    """Where the settings say ``store`` is, printable (no password)."""
    if store == "dynamodb":
        return TableMeta.host or f"AWS DynamoDB ({settings.AWS_REGION})"
    if store == "redis":
        return _masked(settings.REDIS_URL)
    return ";".join(_masked(url) for url in settings.CELERY_BROKER_URL.split(";"))


def store_unavailable(store: str) -> CommandError:
    """The one-line error for a store that does not answer."""
    hint = settings.STORES_START_HINT
    if store == "dynamodb" and not TableMeta.host:
        hint = "check the AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and AWS_REGION"
    return CommandError(f"{_NAMES[store]} does not answer at {store_address(store)}: {hint}, then run this again.")


def stores_check(stores: tuple[str, ...]) -> None:
    """Raise a one-line ``CommandError`` for the first of ``stores`` that does not answer."""
    if "dynamodb" in stores or "tables" in stores:
        try:
            connection().list_tables(limit=1)
        except Exception as exc:
            raise store_unavailable("dynamodb") from exc
    if "tables" in stores:
        for model in registered_models():
            try:
                table_check(model=model)
            except TableDoesNotExist as exc:
                raise CommandError(
                    f"The table {model.Meta.table_name} does not exist at {store_address('dynamodb')}: "
                    "create the tables with `.venv/bin/python manage.py create_tables`, then run this again."
                ) from exc
    if "redis" in stores:
        try:
            get_redis_connection("waitlist").ping()
        except Exception as exc:
            raise store_unavailable("redis") from exc


class StoreCommand(BaseCommand):
    """A management command that needs the stores named in ``stores``."""

    stores: tuple[str, ...] = ()

    def execute(self, *args: Any, **options: Any) -> str | None:
        stores_check(self.stores)
        try:
            return super().execute(*args, **options)
        except CommandError:
            raise
        except Exception as exc:
            store = unavailable_store(exc)
            if store is None:
                raise
            raise store_unavailable(store) from exc
