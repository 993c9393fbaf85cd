"""Writes of the notifications app: subscriptions, and the delivery of events.

An event reaches a student in three steps, each safe to run more than once (Celery
delivers at least once):

1. ``event_deliver`` (the consumer of an outbox event) writes one pending delivery
   record per channel of the student's subscription for the section, conditionally,
   then marks the event dispatched. The records are the durable state from here on.
2. ``delivery_send`` claims one attempt of a delivery with a conditional write (pending,
   not leased by another worker, its next attempt due), sends, and records the outcome
   as the lease holder: delivered; pending again with a later ``next_attempt_at`` after
   a transient failure; failed after a permanent one or the last allowed attempt.
3. ``deliveries_sweep`` (with the outbox's) hands to a worker again every delivery still
   pending after its due time: a lost message, a worker that died mid-attempt.

So a task that runs twice sends once; a worker that dies after sending but before
recording it causes the one duplicate that at-least-once delivery allows, which the
receiver can recognise by the ``webhook-id`` (the event id).
"""

import json
import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from accounts.api import Actor
from core.dynamodb import is_condition_failure
from core.errors import InvalidField
from core.outbox import (
    OutboxEventNotFound,
    due_shard,
    due_sweep,
    outbox_dispatched,
    outbox_get,
    task_publish,
)
from enrollment.api import SectionNotFound, section_get
from notifications.data import Channel, DeliveryStatus, SubscriptionCreated, SubscriptionKey
from notifications.errors import SendFailed, SubscriptionExists, SubscriptionNotFound
from notifications.mail import notification_email_send
from notifications.models import Delivery, Subscription
from notifications.selectors import (
    owned_subscription_record,
    subscription_data,
    subscription_for,
    subscription_record,
)
from notifications.webhooks import (
    secret_seal,
    secret_unseal,
    webhook_post,
    webhook_secret_new,
    webhook_signature,
    webhook_url_check,
)

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.send_delivery"
# last_error is kept short: it is for a person reading the deliveries list.
_ERROR_LENGTH_MAX = 500


# --- subscriptions -----------------------------------------------------------------


def subscription_create(
    *, actor: Actor, section_id: str, email: str | None = None, webhook_url: str | None = None
) -> SubscriptionCreated:
    """Subscribe the calling student to a section's automatic enrollments.

    Needs an email, a webhook URL or both (400 otherwise), a section that exists (400
    on ``section_id``), and a webhook URL the service may call (see
    ``notifications.webhooks``). One subscription per student and section: a second is
    ``SubscriptionExists`` (409). The signing secret is returned this once (and in
    an ``Idempotency-Key`` replay of this response); the subscription stores it encrypted.
    """
    if not email and not webhook_url:
        raise InvalidField("non_field_errors", "Give an email, a webhook_url, or both.")
    try:
        section_get(section_id=section_id)
    except SectionNotFound as exc:
        raise InvalidField("section_id", f"No section with id '{section_id}'.") from exc
    if webhook_url:
        webhook_url_check(webhook_url)
    secret = webhook_secret_new()
    subscription = Subscription(
        student_id=actor.id,
        section_id=section_id,
        subscription_id=SubscriptionKey(student_id=actor.id, section_id=section_id).new_id(),
        email=email or None,
        webhook_url=webhook_url or None,
        sealed_secret=secret_seal(secret),
        created_at=datetime.now(UTC),
    )
    try:
        subscription.save(condition=Subscription.student_id.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            raise SubscriptionExists() from exc
        raise
    return SubscriptionCreated(**vars(subscription_data(subscription)), webhook_secret=secret)


def subscription_delete(*, actor: Actor, subscription_id: str) -> None:
    """Unsubscribe: only its student (``NotYourSubscription`` otherwise). Deliveries not
    sent yet are not sent; their records stay, failed, for the deliveries list."""
    subscription = owned_subscription_record(actor=actor, subscription_id=subscription_id)
    try:
        subscription.delete(condition=Subscription.subscription_id == subscription_id)
    except DeleteError as exc:
        if is_condition_failure(exc):
            raise SubscriptionNotFound() from exc  # a concurrent DELETE was first
        raise


# --- step 1: an event becomes deliveries -------------------------------------------


@dataclass(frozen=True)
class DeliveryRef:
    """What ``send_delivery`` needs to find a delivery: primitives only, for Celery."""

    subscription_id: str
    event_id: str
    channel: Channel

    @property
    def key(self) -> str:
        return f"{self.event_id}#{self.channel}"

    def __str__(self) -> str:
        return f"{self.subscription_id}/{self.key}"

    def as_args(self) -> list[str]:
        return [self.subscription_id, self.event_id, str(self.channel)]

    def as_kwargs(self) -> dict[str, str]:
        return {"subscription_id": self.subscription_id, "event_id": self.event_id, "channel": str(self.channel)}


def _delivery_open(ref: DeliveryRef, now: float) -> bool:
    """Write the pending record of a delivery unless it exists; True if it is still pending."""
    moment = datetime.fromtimestamp(now, UTC)
    record = Delivery(
        subscription_id=ref.subscription_id,
        delivery_key=ref.key,
        event_id=ref.event_id,
        channel=str(ref.channel),
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=moment,
        updated_at=moment,
        due_shard=due_shard(f"{ref.subscription_id}#{ref.key}"),
        due_at=now + settings.OUTBOX_GRACE_SECONDS,
        expires_at=moment + timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS),
    )
    try:
        record.save(condition=Delivery.delivery_key.does_not_exist())
    except PutError as exc:
        if not is_condition_failure(exc):
            raise
        existing = Delivery.get(ref.subscription_id, ref.key, consistent_read=True)
        return existing.status == DeliveryStatus.PENDING
    return True


def event_deliver(*, event_id: str) -> list[DeliveryRef]:
    """Turn an ``enrollment.promoted`` event into deliveries: one per channel of the
    student's subscription for the section (none without one). Then hand each to a
    worker, and mark the event dispatched. Safe to repeat. Returns the deliveries still
    pending."""
    try:
        event = outbox_get(event_id=event_id)
    except OutboxEventNotFound:
        logger.warning("event %s is not in the outbox (expired?): nothing to deliver", event_id)
        return []
    subscription = subscription_for(student_id=event.data["student_id"], section_id=event.data["section_id"])
    pending = []
    if subscription is not None:
        now = time.time()
        for channel in subscription.channels:
            ref = DeliveryRef(subscription_id=subscription.id, event_id=event.id, channel=channel)
            if _delivery_open(ref, now):
                pending.append(ref)
    # The pending records are in the sweep's index from here on: the event is done.
    outbox_dispatched(event_id=event.id)
    for ref in pending:
        task_publish(task=SEND_TASK, args=ref.as_args())
    return pending


# --- step 2: one attempt -----------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """The outcome of ``delivery_send``: ``retry_in`` seconds when it should run again."""

    status: DeliveryStatus | None  # None: nothing was attempted (not due, taken, or final)
    retry_in: float | None = None


def _lease_seconds() -> float:
    # Longer than a task may run (its hard time limit), so a live lease is never taken over.
    return settings.CELERY_TASK_TIME_LIMIT + 5


def _delivery_claim(ref: DeliveryRef, owner: str, now: float) -> Delivery | None:
    """Claim the next attempt of a delivery; None if it is not ours to make."""
    lease_until = now + _lease_seconds()
    record = Delivery(subscription_id=ref.subscription_id, delivery_key=ref.key)
    condition = (
        (Delivery.status == DeliveryStatus.PENDING)
        # A message that comes early (the sweep's, while a retry is scheduled) waits for the sweep.
        & (Delivery.next_attempt_at <= now + 1)
        & (Delivery.lease_until.does_not_exist() | (Delivery.lease_until < now))
    )
    try:
        record.update(
            actions=[
                Delivery.attempts.add(1),
                Delivery.lease_owner.set(owner),
                Delivery.lease_until.set(lease_until),
                Delivery.updated_at.set(datetime.fromtimestamp(now, UTC)),
                # Should this worker die mid-attempt, the sweep retries after the lease.
                Delivery.due_at.set(lease_until + settings.OUTBOX_GRACE_SECONDS),
            ],
            condition=condition,
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            return None
        raise
    return record


def _delivery_record(ref: DeliveryRef, owner: str, actions: list) -> None:
    """Record the outcome of an attempt, as long as this worker still holds its lease."""
    record = Delivery(subscription_id=ref.subscription_id, delivery_key=ref.key)
    actions = [*actions, Delivery.lease_owner.remove(), Delivery.lease_until.remove()]
    actions.append(Delivery.updated_at.set(datetime.now(UTC)))
    try:
        record.update(actions=actions, condition=Delivery.lease_owner == owner)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        logger.warning("delivery %s/%s: lease lost before its outcome was recorded", ref.subscription_id, ref.key)


def _backoff_seconds(attempts: int, retry_after: float | None) -> float:
    """Exponential (base * 2**(attempts - 1), capped) with jitter over its upper half;
    at least what the receiver asked for in Retry-After (capped too)."""
    cap = settings.NOTIFICATIONS_RETRY_MAX_SECONDS
    delay = min(cap, settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    delay = random.uniform(delay / 2, delay)
    return max(delay, min(retry_after or 0.0, cap))


def _send(ref: DeliveryRef) -> None:
    """Send the event of a delivery on its channel; ``SendFailed`` if it was not taken."""
    try:
        subscription = subscription_record(subscription_id=ref.subscription_id)
        event = outbox_get(event_id=ref.event_id)
    except SubscriptionNotFound as exc:
        raise SendFailed("The subscription was deleted.", transient=False) from exc
    except OutboxEventNotFound as exc:
        raise SendFailed("The event is no longer in the outbox.", transient=False) from exc
    message = event.as_message()
    try:
        if ref.channel is Channel.EMAIL:
            if not subscription.email:
                raise SendFailed("The subscription has no email.", transient=False)
            notification_email_send(to=subscription.email, event=message)
            return
        if not subscription.webhook_url:
            raise SendFailed("The subscription has no webhook URL.", transient=False)
        body = json.dumps(message, separators=(",", ":")).encode()
        timestamp = int(time.time())
        secret = secret_unseal(subscription.sealed_secret)
        webhook_post(
            url=subscription.webhook_url,
            body=body,
            headers={
                "webhook-id": event.id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": webhook_signature(
                    secret=secret, message_id=event.id, timestamp=timestamp, body=body
                ),
            },
        )
    except SoftTimeLimitExceeded as exc:
        raise SendFailed("Timed out (the task's time limit).", transient=True) from exc


def delivery_send(*, subscription_id: str, event_id: str, channel: str) -> Attempt:
    """Make the next attempt of a delivery, if it is due and nobody else is making it.

    Transient failures (no connection, timeouts, 408, 429, 5xx, a 4xx SMTP reply) leave
    it pending, due again after a backoff (``retry_in``), until
    ``NOTIFICATIONS_MAX_ATTEMPTS``; then, or after any other failure, it is failed with
    the last error. A deleted subscription fails its pending deliveries.
    """
    ref = DeliveryRef(subscription_id=subscription_id, event_id=event_id, channel=Channel(channel))
    owner = secrets.token_hex(8)
    claimed = _delivery_claim(ref, owner, time.time())
    if claimed is None:
        return Attempt(status=None)
    attempts = int(claimed.attempts)
    try:
        _send(ref)
    except SendFailed as failure:
        error = str(failure)[:_ERROR_LENGTH_MAX]
        if failure.transient and attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
            delay = _backoff_seconds(attempts, failure.retry_after)
            next_attempt_at = time.time() + delay
            retry = [
                Delivery.last_error.set(error),
                Delivery.next_attempt_at.set(next_attempt_at),
                Delivery.due_at.set(next_attempt_at + settings.OUTBOX_GRACE_SECONDS),
            ]
            _delivery_record(ref, owner, retry)
            logger.info("delivery %s attempt %d failed (%s): retry in %.1fs", ref, attempts, error, delay)
            return Attempt(status=DeliveryStatus.PENDING, retry_in=delay)
        failed = [
            Delivery.status.set(DeliveryStatus.FAILED),
            Delivery.last_error.set(error),
            Delivery.due_shard.remove(),
            Delivery.due_at.remove(),
        ]
        _delivery_record(ref, owner, failed)
        logger.warning("delivery %s failed after %d attempt(s): %s", ref, attempts, error)
        return Attempt(status=DeliveryStatus.FAILED)
    delivered = [
        Delivery.status.set(DeliveryStatus.DELIVERED),
        Delivery.delivered_at.set(datetime.now(UTC)),
        Delivery.last_error.remove(),
        Delivery.due_shard.remove(),
        Delivery.due_at.remove(),
    ]
    _delivery_record(ref, owner, delivered)
    logger.info("delivery %s delivered (attempt %d)", ref, attempts)
    return Attempt(status=DeliveryStatus.DELIVERED)


# --- step 3: the sweep -------------------------------------------------------------


def deliveries_sweep(*, now: float | None = None) -> int:
    """Hand to a worker again every pending delivery past its due time (``due_sweep``)."""

    def hand_over(key: Delivery) -> bool:
        event_id, _, channel = key.delivery_key.partition("#")
        ref = DeliveryRef(subscription_id=key.subscription_id, event_id=event_id, channel=Channel(channel))
        return task_publish(task=SEND_TASK, args=ref.as_args())

    return due_sweep(Delivery, hand_over=hand_over, now=now)
