from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app builds on: DynamoDB tables, errors, idempotency, health, throttles."""

    name = "core"
