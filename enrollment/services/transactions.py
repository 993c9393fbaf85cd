"""The one way the enrollment services write across items: a ``TransactWrite``, retried
with jittered backoff while it collides with other transactions on the same section.

A cancelled transaction is translated by its cancellation reasons (``_reason_codes``)
by the service that ran it, never by guessing.
"""

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from core.dynamodb import connection
from enrollment.errors import SectionBusy

logger = logging.getLogger(__name__)

_CONDITION_FAILED = "ConditionalCheckFailed"
_TRANSACTION_CONFLICT = "TransactionConflict"
_COLLISION_ERRORS = frozenset({"TransactionConflictException", "TransactionInProgressException"})
_TRANSACTION_ATTEMPTS = 8
_BACKOFF_BASE_SECONDS = 0.01
_BACKOFF_CAP_SECONDS = 0.3


def _now() -> datetime:
    return datetime.now(UTC)


def _reason_codes(exc: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in exc.cancellation_reasons]


def backoff_sleep(attempt: int, *, base: float = _BACKOFF_BASE_SECONDS, cap: float = _BACKOFF_CAP_SECONDS) -> None:
    """Wait before retry ``attempt`` (0-based): exponential, with full jitter, so requests
    that collided spread out instead of colliding again."""
    time.sleep(random.uniform(0, min(cap, base * 2**attempt)))


def _transact(write: Callable[[TransactWrite], None]) -> None:
    """Run ``write`` in one TransactWrite, retrying while it collides with other transactions.

    Raises ``TransactWriteError`` when a condition fails (for the caller to translate)
    and ``SectionBusy`` when collisions outlast the retries.
    """
    for attempt in range(_TRANSACTION_ATTEMPTS):
        try:
            with TransactWrite(connection=connection()) as transaction:
                write(transaction)
            return
        except TransactWriteError as exc:
            codes = _reason_codes(exc)
            collided = (_TRANSACTION_CONFLICT in codes and _CONDITION_FAILED not in codes) or (
                exc.cause_response_code in _COLLISION_ERRORS
            )
            if not collided:
                raise
            backoff_sleep(attempt)
    logger.warning("transaction still colliding after %d attempts", _TRANSACTION_ATTEMPTS)
    raise SectionBusy()
