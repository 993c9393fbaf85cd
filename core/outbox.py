"""The transactional outbox: events that are never lost between DynamoDB and RabbitMQ.

A change that must be reported (a student enrolled from a waitlist, say) adds its event
to the same ``TransactWrite`` as the change (``outbox_add``), so neither exists without
the other. After the transaction the event is handed to its consumer task over the
broker (``outbox_publish``); the consumer marks it dispatched once it has done its
work (``outbox_dispatched``). Until then the event stays in the outbox's sparse ``due``
index, and the sweep (``outbox_sweep``, run by Celery beat) hands over again every event
still there after ``OUTBOX_GRACE_SECONDS``: after a broker outage, a lost message or a
worker that died. Consumers are idempotent, since an event may reach them twice.

Which task consumes a type of event is registered by the consuming app
(``outbox_consumer_register``, from its ``AppConfig.ready``): the outbox knows no
consumer, and an event nobody consumes is marked dispatched at once. Tasks go through
the Celery app named by ``OUTBOX_CELERY_APP``.

The same "due" mechanism (``due_query``, ``due_postpone``) serves any table with a
``DueIndex``: the notifications app uses it for deliveries waiting to be sent.
"""

import functools
import json
import logging
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from django.conf import settings
from django.utils.module_loading import import_string
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from core.dynamodb import is_condition_failure
from core.errors import NotFound
from core.models import DueIndex, OutboxRecord
from core.outages import unavailable_store

logger = logging.getLogger(__name__)

# The partitions of every ``DueIndex``; an item's shard is fixed when it is written.
DUE_SHARDS = 8
# After a publish fails, publishing is skipped for this long: during a broker outage
# requests do not each wait for a connection that will fail (the sweep catches up).
_PUBLISH_PAUSE_SECONDS = 5.0
# The most items one sweep hands over, so one run stays short under a large backlog.
_SWEEP_BATCH = 500


# Event type -> the Celery task (by name) that consumes it; see outbox_consumer_register.
_consumers: dict[str, str] = {}


def outbox_consumer_register(*, event_type: str, task: str) -> None:
    """Have the Celery task named ``task`` consume the events of ``event_type`` (with the
    event id as its one argument). Called by the consuming app when Django starts."""
    _consumers[event_type] = task


@functools.cache
def celery_app() -> Celery:
    """The Celery app that sends tasks (``OUTBOX_CELERY_APP``)."""
    app: Celery = import_string(settings.OUTBOX_CELERY_APP)
    return app


class OutboxEventNotFound(NotFound):
    message = "No outbox event with this id."


@dataclass(frozen=True)
class OutboxEvent:
    id: str
    type: str
    occurred_at: datetime
    data: dict[str, Any]

    def as_message(self) -> dict[str, Any]:
        """The event as its consumers send it on: ``{"id", "type", "occurred_at", "data"}``."""
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


def _event_id(now: datetime) -> str:
    # Milliseconds first, so ids sort in the order events occurred; 80 random bits after.
    return f"evt_{int(now.timestamp() * 1000):012x}{secrets.token_hex(10)}"


def due_shard(key: str) -> str:
    """The ``DueIndex`` partition of the item keyed ``key`` (stable, evenly spread)."""
    return str(zlib.crc32(key.encode()) % DUE_SHARDS)


def outbox_event(*, event_type: str, data: dict[str, Any], occurred_at: datetime | None = None) -> OutboxEvent:
    """A new event with a fresh, time-ordered id, for ``outbox_add``."""
    occurred_at = occurred_at or datetime.now(UTC)
    return OutboxEvent(id=_event_id(occurred_at), type=event_type, occurred_at=occurred_at, data=data)


def outbox_add(transaction: TransactWrite, event: OutboxEvent) -> None:
    """Add to ``transaction``: write ``event`` to the outbox, due for the sweep after the grace period."""
    record = OutboxRecord(
        event_id=event.id,
        type=event.type,
        occurred_at=event.occurred_at,
        data=json.dumps(event.data, separators=(",", ":"), sort_keys=True),
        handovers=0,
        due_shard=due_shard(event.id),
        due_at=event.occurred_at.timestamp() + settings.OUTBOX_GRACE_SECONDS,
    )
    transaction.save(record, condition=OutboxRecord.event_id.does_not_exist())


class _PublishPause:
    """Whether publishing is paused after a failure (per process; a race only costs a try)."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def active(self) -> bool:
        return time.monotonic() < self._until

    def start(self) -> None:
        with self._lock:
            self._until = time.monotonic() + _PUBLISH_PAUSE_SECONDS

    def clear(self) -> None:
        with self._lock:
            self._until = 0.0


publish_pause = _PublishPause()


def task_publish(*, task: str, args: list[Any]) -> bool:
    """Send a Celery task by name; returns whether the broker took it. Never raises: work
    that is not taken waits in its table (``due`` index) for the sweep."""
    if publish_pause.active():
        return False
    try:
        celery_app().send_task(task, args=args, retry=False)
    except Exception as exc:
        # The work is safe in its table whatever went wrong, and the caller's change has
        # committed: log, and leave it to the sweep rather than fail the request.
        publish_pause.start()
        if unavailable_store(exc) == "rabbitmq":
            logger.warning("could not send %s%s (RabbitMQ unavailable): the sweep will", task, args)
        else:
            logger.exception("could not send %s%s: the sweep will", task, args)
        return False
    publish_pause.clear()
    return True


def outbox_publish(*, event_id: str, event_type: str) -> bool:
    """Hand an event to its consumer task; False if the broker did not take it (then the
    event waits in the outbox for the sweep). A caller whose change has committed
    therefore never fails because of RabbitMQ."""
    task = _consumers.get(event_type)
    if task is None:
        outbox_dispatched(event_id=event_id)  # nobody consumes this type
        return True
    return task_publish(task=task, args=[event_id])


def outbox_get(*, event_id: str) -> OutboxEvent:
    """An event of the outbox; ``OutboxEventNotFound`` if there is none with this id."""
    try:
        record = OutboxRecord.get(event_id, consistent_read=True)
    except OutboxRecord.DoesNotExist as exc:
        raise OutboxEventNotFound() from exc
    return OutboxEvent(
        id=record.event_id, type=record.type, occurred_at=record.occurred_at, data=json.loads(record.data)
    )


def outbox_dispatched(*, event_id: str) -> None:
    """Mark an event done: it leaves the ``due`` index, and DynamoDB's TTL removes it later."""
    now = datetime.now(UTC)
    try:
        OutboxRecord(event_id=event_id).update(
            actions=[
                OutboxRecord.dispatched_at.set(now),
                OutboxRecord.due_shard.remove(),
                OutboxRecord.due_at.remove(),
                OutboxRecord.expires_at.set(now + timedelta(days=settings.OUTBOX_RETENTION_DAYS)),
            ],
            condition=OutboxRecord.event_id.exists() & OutboxRecord.dispatched_at.does_not_exist(),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):  # dispatched already: nothing to do
            raise


# --- the sweep ---------------------------------------------------------------------


# A table model with a ``due`` ``DueIndex`` and a ``due_at`` attribute (``OutboxRecord``,
# notifications' ``Delivery``). PynamoDB declares attributes class by class, so no common
# base type can say that: the "due" helpers take such models as ``Any``.
DueModel = Any


def due_query(model: type[DueModel], *, now: float, limit: int) -> Iterator[DueModel]:
    """Items of ``model`` (which has a ``due`` ``DueIndex``) whose ``due_at`` has passed."""
    index: DueIndex = model.due
    found = 0
    for shard in range(DUE_SHARDS):
        for item in index.query(str(shard), model.due_at <= now, limit=limit - found):
            yield item
            found += 1
        if found >= limit:
            return


def due_postpone(item: DueModel, *, seen: float, until: float, also: Sequence[Action] = ()) -> bool:
    """Move an item's ``due_at`` from ``seen`` to ``until`` (with the ``also`` actions),
    unless someone changed it meanwhile (another sweep took it, or its work finished).
    True if this caller moved it."""
    model = type(item)
    key = getattr(model, model._hash_keyname)
    condition = key.exists() & (model.due_at == seen)
    try:
        item.update(actions=[model.due_at.set(until), *also], condition=condition)
    except UpdateError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def due_sweep(
    model: type[DueModel],
    *,
    hand_over: Callable[[DueModel], bool],
    now: float | None = None,
    also: Sequence[Action] = (),
) -> int:
    """Hand over again every item of ``model`` past its due time.

    Each item is first postponed by ``OUTBOX_GRACE_SECONDS`` with a conditional write, so
    concurrent sweeps hand it over once. ``hand_over`` gets the item's keys and returns
    whether the broker took it; the sweep stops at the first it did not take (the rest
    wait for the next sweep). Returns how many were handed over.
    """
    now = time.time() if now is None else now
    publish_pause.clear()  # a sweep always tries the broker
    handed_over = 0
    for key in due_query(model, now=now, limit=_SWEEP_BATCH):
        if not due_postpone(key, seen=key.due_at, until=now + settings.OUTBOX_GRACE_SECONDS, also=also):
            continue
        if not hand_over(key):
            break
        handed_over += 1
    if handed_over:
        logger.info("sweep handed %d item(s) of %s over again", handed_over, model.Meta.table_name)
    return handed_over


def outbox_sweep(*, now: float | None = None) -> int:
    """Hand over again every event still undispatched after the grace period (``due_sweep``)."""

    def hand_over(key: OutboxRecord) -> bool:
        return outbox_publish(event_id=key.event_id, event_type=outbox_get(event_id=key.event_id).type)

    return due_sweep(OutboxRecord, hand_over=hand_over, now=now, also=[OutboxRecord.handovers.add(1)])
