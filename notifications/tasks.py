"""Celery tasks of notifications: thin, taking ids and calling a service.

Every task may run more than once (acks_late, a worker that died, the sweep): the
services under them are idempotent (see ``notifications.services``).
"""

from celery import shared_task

from core.outbox import outbox_sweep
from notifications import services


@shared_task(name="notifications.deliver_event")
def deliver_event(event_id: str) -> int:
    """Consume an ``enrollment.promoted`` event from the outbox: one delivery per channel."""
    return len(services.event_deliver(event_id=event_id))


@shared_task(bind=True, name=services.SEND_TASK, max_retries=None)
def send_delivery(self, subscription_id: str, event_id: str, channel: str) -> str | None:
    """Make one attempt of a delivery; after a transient failure, run again after the backoff.

    The number of attempts is bounded by the delivery record, not by Celery's retry
    count: a retry that never ran (its message lost) is redone by the sweep.
    """
    attempt = services.delivery_send(subscription_id=subscription_id, event_id=event_id, channel=channel)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.status


@shared_task(name="notifications.sweep")
def sweep() -> dict[str, int]:
    """Celery beat, every OUTBOX_SWEEP_INTERVAL_SECONDS: hand over again the outbox events
    and the pending deliveries that have not reached a worker in time."""
    return {"events": outbox_sweep(), "deliveries": services.deliveries_sweep()}
