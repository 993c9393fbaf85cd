"""Liveness and readiness: is the process up, and can it reach every backing store."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django_redis import get_redis_connection
from kombu import Connection

from core.dynamodb import registered_models, table_check


def _check_dynamodb() -> None:
    for model in registered_models():
        table_check(model=model)


def _check_redis() -> None:
    get_redis_connection("waitlist").ping()


def _check_rabbitmq() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1)


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "dynamodb": _check_dynamodb,
    "redis": _check_redis,
    "rabbitmq": _check_rabbitmq,
}


def readiness_report() -> dict[str, str]:
    """Each store's name, mapped to ``ok`` or the reason it failed; checked in parallel."""

    def run(check: Callable[[], None]) -> str:
        try:
            check()
        except Exception as exc:  # any failure means "not ready": report it, don't raise
            return f"unavailable: {type(exc).__name__}: {exc}"[:300]
        return "ok"

    with ThreadPoolExecutor(max_workers=len(READINESS_CHECKS)) as pool:
        results = {name: pool.submit(run, check) for name, check in READINESS_CHECKS.items()}
        return {name: future.result() for name, future in results.items()}
