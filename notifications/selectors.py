"""Reads of subscriptions and deliveries. Each is a GetItem or a Query on a key."""

import functools
from datetime import UTC, datetime

from accounts.api import Actor
from core.pagination import Page, PageRequest, index_key_names, query_page
from notifications.data import Channel, DeliveryData, DeliveryStatus, SubscriptionData, SubscriptionKey
from notifications.errors import NotYourSubscription, SubscriptionNotFound
from notifications.models import Delivery, Subscription


def subscription_data(subscription: Subscription) -> SubscriptionData:
    return SubscriptionData(
        id=subscription.subscription_id,
        student_id=subscription.student_id,
        section_id=subscription.section_id,
        email=subscription.email,
        webhook_url=subscription.webhook_url,
        created_at=subscription.created_at,
    )


def delivery_data(delivery: Delivery) -> DeliveryData:
    status = DeliveryStatus(delivery.status)
    return DeliveryData(
        event_id=delivery.event_id,
        channel=Channel(delivery.channel),
        status=status,
        attempts=int(delivery.attempts),
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
        delivered_at=delivery.delivered_at,
        next_attempt_at=(
            datetime.fromtimestamp(delivery.next_attempt_at, UTC) if status is DeliveryStatus.PENDING else None
        ),
    )


def subscription_record(*, subscription_id: str) -> Subscription:
    """The subscription with this id; ``SubscriptionNotFound`` if there is none."""
    key = SubscriptionKey.parse(subscription_id)
    if key is None:
        raise SubscriptionNotFound()
    try:
        subscription = Subscription.get(key.student_id, key.section_id, consistent_read=True)
    except Subscription.DoesNotExist as exc:
        raise SubscriptionNotFound() from exc
    if subscription.subscription_id != subscription_id:  # deleted, and made again since
        raise SubscriptionNotFound()
    return subscription


def owned_subscription_record(*, actor: Actor, subscription_id: str) -> Subscription:
    """The subscription with this id, if ``actor`` owns it: ``NotYourSubscription`` (403)
    for an id of another student's, ``SubscriptionNotFound`` if the caller has none by it.

    An id names its student, so another student's is refused before anything is read:
    the answer is the same whether or not that student has the subscription, and says
    nothing of what they subscribed to."""
    key = SubscriptionKey.parse(subscription_id)
    if key is not None and key.student_id != actor.id:
        raise NotYourSubscription()
    subscription = subscription_record(subscription_id=subscription_id)
    if subscription.student_id != actor.id:  # the id's own student, as checked above
        raise NotYourSubscription()
    return subscription


def subscription_get(*, actor: Actor, subscription_id: str) -> SubscriptionData:
    return subscription_data(owned_subscription_record(actor=actor, subscription_id=subscription_id))


def subscription_for(*, student_id: str, section_id: str) -> SubscriptionData | None:
    """The student's subscription for the section, if they have one."""
    try:
        return subscription_data(Subscription.get(student_id, section_id, consistent_read=True))
    except Subscription.DoesNotExist:
        return None


def subscription_list(*, actor: Actor, page: PageRequest) -> Page[SubscriptionData]:
    """The caller's subscriptions, by section id."""
    return query_page(
        query=functools.partial(Subscription.query, actor.id),
        key_names=index_key_names(Subscription),
        scope=f"subscriptions|{actor.id}",
        page=page,
        convert=subscription_data,
    )


def delivery_list(*, actor: Actor, subscription_id: str, page: PageRequest) -> Page[DeliveryData]:
    """The deliveries of one of the caller's subscriptions, oldest event first."""
    owned_subscription_record(actor=actor, subscription_id=subscription_id)
    return query_page(
        query=functools.partial(Delivery.query, subscription_id, consistent_read=True),
        key_names=index_key_names(Delivery),
        scope=f"deliveries|{subscription_id}",
        page=page,
        convert=delivery_data,
    )
