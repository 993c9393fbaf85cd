"""Notifications end to end: a real Celery worker on the real RabbitMQ, a real webhook
receiver and a real SMTP server on 127.0.0.1. A student subscribes, waits, another
student drops, and the promotion reaches them: signed, once, even through failures."""

import threading
import time

import pytest
from standardwebhooks.webhooks import Webhook

from accounts.roles import Role
from core.models import OutboxRecord
from core.outbox import outbox_sweep
from enrollment.services import promotion
from enrollment.tests.http import enrollment_url, roster_ids
from notifications import services, tasks
from notifications.models import Delivery
from notifications.tests.conftest import SUBSCRIPTIONS, wait_until

pytestmark = pytest.mark.usefixtures("celery_worker")


def drop(client_for, student, section) -> None:
    response = client_for(student).delete(enrollment_url(section.id, "me"))
    assert response.status_code == 204, response.content


def deliveries(client_for, student, subscription) -> list[dict]:
    response = client_for(student).get(f"{SUBSCRIPTIONS}{subscription['id']}/deliveries/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def settled(client_for, student, subscription, *, count: int = 1) -> list[dict]:
    """The subscription's deliveries, once ``count`` of them have left ``pending``."""

    def done():
        items = deliveries(client_for, student, subscription)
        return items if len(items) == count and all(item["status"] != "pending" for item in items) else None

    return wait_until(done, what=f"{count} deliver(ies) to finish")


def only_event_id(subscription_deliveries: list[dict]) -> str:
    (event_id,) = {item["event_id"] for item in subscription_deliveries}
    return event_id


# --- the whole path ----------------------------------------------------------------


def test_a_promotion_reaches_the_student_by_a_signed_webhook_and_an_email(
    client_for, registrar, waiting_subscriber, webhook_receiver, smtp_server
):
    # Given a waiting student subscribed by webhook and by email
    section, holder, waiter, subscription = waiting_subscriber(
        email="waiter@example.edu", webhook_url=webhook_receiver.url
    )

    # When the student holding the seat drops
    drop(client_for, holder, section)

    # Then the waiting student is enrolled at once, by the same request
    assert roster_ids(client_for(registrar), section.id) == [waiter.id]
    # And the webhook arrives, signed with the secret shown at subscription
    (request,) = webhook_receiver.wait_for(1)
    payload = Webhook(subscription["webhook_secret"]).verify(request.body, request.headers)
    assert payload["id"] == request.headers["webhook-id"]
    assert payload["type"] == "enrollment.promoted"
    assert payload["data"]["section_id"] == section.id
    assert payload["data"]["student_id"] == waiter.id
    assert payload["occurred_at"].endswith("Z")
    assert request.path == "/hooks/enrollment"
    # And the email arrives, with a plain-text and an HTML part naming course, section and term
    (message,) = wait_until(lambda: smtp_server.messages, what="the email")
    assert message["To"] == "waiter@example.edu"
    assert section.course_id in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert section.course_id in part and section.term in part and section.number in part
    # And the deliveries list shows both, delivered at the first attempt, under the webhook's id
    items = settled(client_for, waiter, subscription, count=2)
    assert {item["channel"] for item in items} == {"email", "webhook"}
    assert all(item["status"] == "delivered" and item["attempts"] == 1 for item in items)
    assert all(item["last_error"] is None for item in items)
    assert only_event_id(items) == payload["id"]


def test_a_student_without_a_subscription_for_the_section_gets_nothing(
    client_for, registrar, make_user, new_section, enroll, webhook_receiver
):
    # Given a waiting student subscribed to ANOTHER section only
    section, other = new_section(capacity=1), new_section()
    holder, waiter = make_user(Role.STUDENT), make_user(Role.STUDENT)
    enroll(holder, section.id)
    enroll(waiter, section.id)
    client_for(waiter).post(SUBSCRIPTIONS, {"section_id": other.id, "webhook_url": webhook_receiver.url}, format="json")

    drop(client_for, holder, section)

    # Then they are enrolled, and their event is consumed without any delivery
    assert roster_ids(client_for(registrar), section.id) == [waiter.id]
    time.sleep(1.0)
    assert webhook_receiver.requests == []


# --- retries -----------------------------------------------------------------------


def test_a_receiver_that_fails_twice_gets_exactly_one_successful_delivery(
    client_for, waiting_subscriber, webhook_receiver
):
    # Given a receiver that answers 500, then 503, then 204
    webhook_receiver.respond(500, 503)
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)

    drop(client_for, holder, section)

    # Then the delivery succeeds at the third attempt, recorded as delivered
    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "delivered" and item["attempts"] == 3
    assert item["last_error"] is None
    # And the receiver saw three attempts of the same message, and no fourth
    time.sleep(1.0)
    requests = webhook_receiver.requests
    assert len(requests) == 3
    assert {request.headers["webhook-id"] for request in requests} == {item["event_id"]}


def test_a_receiver_that_always_fails_ends_failed_after_the_limit(
    client_for, waiting_subscriber, webhook_receiver, settings
):
    webhook_receiver.default = 503
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)

    drop(client_for, holder, section)

    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "failed"
    assert item["attempts"] == settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert item["last_error"].startswith("HTTP 503")
    assert item["next_attempt_at"] is None
    time.sleep(1.0)
    assert len(webhook_receiver.requests) == settings.NOTIFICATIONS_MAX_ATTEMPTS


def test_a_receiver_asking_to_slow_down_is_retried(client_for, waiting_subscriber, webhook_receiver):
    webhook_receiver.respond(429, headers={"Retry-After": "1"})
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)

    drop(client_for, holder, section)

    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "delivered" and item["attempts"] == 2
    first, second = webhook_receiver.requests
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) >= 1


@pytest.mark.parametrize(
    ("status", "headers"),
    [(410, {}), (400, {}), (302, {"Location": "/elsewhere"})],
    ids=["gone", "bad-request", "redirect"],
)
def test_a_refusal_or_a_redirect_fails_at_once(client_for, waiting_subscriber, webhook_receiver, status, headers):
    webhook_receiver.respond(status, headers=headers)
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)

    drop(client_for, holder, section)

    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "failed" and item["attempts"] == 1
    assert item["last_error"].startswith(f"HTTP {status}")
    time.sleep(0.5)
    assert [request.path for request in webhook_receiver.requests] == ["/hooks/enrollment"]  # no redirect followed


def test_an_unreachable_receiver_is_a_transient_failure(client_for, waiting_subscriber, settings):
    # Given a webhook URL where nothing listens
    section, holder, waiter, subscription = waiting_subscriber(webhook_url="http://127.0.0.1:1/hook")

    drop(client_for, holder, section)

    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "failed"
    assert item["attempts"] == settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert "Connection" in item["last_error"] or "refused" in item["last_error"]


def test_an_smtp_server_that_is_down_fails_the_email_only(client_for, waiting_subscriber, webhook_receiver, settings):
    # Given email going to a port where no SMTP server listens
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    section, holder, waiter, subscription = waiting_subscriber(email="w@example.edu", webhook_url=webhook_receiver.url)

    drop(client_for, holder, section)

    items = {item["channel"]: item for item in settled(client_for, waiter, subscription, count=2)}
    assert items["webhook"]["status"] == "delivered"
    assert items["email"]["status"] == "failed"
    assert items["email"]["attempts"] == settings.NOTIFICATIONS_MAX_ATTEMPTS


# --- nothing lost, nothing sent twice ----------------------------------------------


def test_with_rabbitmq_unreachable_a_drop_still_promotes_and_the_sweep_delivers_later(
    client_for, registrar, waiting_subscriber, webhook_receiver, broker_down, settings
):
    settings.OUTBOX_GRACE_SECONDS = 0.5
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)

    # When the student drops while the broker cannot be reached
    started = time.monotonic()
    drop(client_for, holder, section)

    # Then the drop succeeded, without waiting on the broker, and promoted the head
    assert time.monotonic() - started < 5
    assert roster_ids(client_for(registrar), section.id) == [waiter.id]
    # And nothing is delivered while the broker is down: the event waits in the outbox
    time.sleep(1.0)
    assert webhook_receiver.requests == []
    assert deliveries(client_for, waiter, subscription) == []
    assert outbox_sweep() == 0  # the sweep cannot hand it over either

    # When the broker is back and Celery beat's sweep runs (through the worker)
    broker_down.restore()
    time.sleep(settings.OUTBOX_GRACE_SECONDS)
    tasks.sweep.delay()

    # Then the webhook arrives, once
    (request,) = webhook_receiver.wait_for(1)
    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "delivered" and request.headers["webhook-id"] == item["event_id"]
    assert OutboxRecord.get(item["event_id"]).dispatched_at is not None
    time.sleep(1.0)
    assert len(webhook_receiver.requests) == 1


@pytest.fixture
def promoted_events(monkeypatch):
    """The outbox events the promotions of the test write, in order."""
    events = []
    make_event = promotion.outbox_event

    def recording(**fields):
        events.append(make_event(**fields))
        return events[-1]

    monkeypatch.setattr(promotion, "outbox_event", recording)
    return events


def test_the_same_event_handed_over_three_times_is_sent_once(
    client_for, waiting_subscriber, webhook_receiver, broker_down, promoted_events
):
    # Given a promotion whose event is still in the outbox (the broker was down)
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)
    drop(client_for, holder, section)
    broker_down.restore()
    (event,) = promoted_events
    assert OutboxRecord.get(event.id).dispatched_at is None

    # When its consumer task runs three times at once (a redelivery, the sweep, a retry)
    for _ in range(3):
        tasks.deliver_event.delay(event.id)

    # Then one delivery record, one attempt, one request
    (item,) = settled(client_for, waiter, subscription)
    assert item["event_id"] == event.id and item["status"] == "delivered" and item["attempts"] == 1
    time.sleep(1.0)
    assert len(webhook_receiver.requests) == 1
    assert OutboxRecord.get(event.id).dispatched_at is not None


def test_a_delivery_task_run_by_eight_workers_at_once_sends_once(
    client_for, waiting_subscriber, webhook_receiver, broker_down, promoted_events
):
    # Given a pending webhook delivery that no worker has been handed (the broker is down)
    section, holder, _waiter, _subscription = waiting_subscriber(webhook_url=webhook_receiver.url)
    drop(client_for, holder, section)
    (event,) = promoted_events
    (pending,) = services.event_deliver(event_id=event.id)

    # When eight workers run its task at the same moment
    barrier = threading.Barrier(8)
    outcomes = []

    def run():
        barrier.wait()
        outcomes.append(services.delivery_send(**pending.as_kwargs()))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one of them sent it
    assert sorted(str(outcome.status) for outcome in outcomes) == ["None"] * 7 + ["delivered"]
    assert len(webhook_receiver.requests) == 1
    # And the task run again later sends nothing either
    assert services.delivery_send(**pending.as_kwargs()).status is None
    assert len(webhook_receiver.requests) == 1


def test_a_worker_that_died_mid_attempt_is_retried_by_the_sweep_after_its_lease(
    client_for, waiting_subscriber, webhook_receiver, broker_down, promoted_events, settings
):
    # Given a delivery claimed by a worker that died before sending (its lease has expired)
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)
    drop(client_for, holder, section)
    (event,) = promoted_events
    (pending,) = services.event_deliver(event_id=event.id)
    claimed = services._delivery_claim(pending, "dead-worker", time.time())
    assert claimed is not None
    claimed.update(actions=[Delivery.lease_until.set(time.time() - 1)])
    broker_down.restore()

    # When the sweep runs after the lease and the grace period
    later = time.time() + services._lease_seconds() + settings.OUTBOX_GRACE_SECONDS + 1
    handed_over = services.deliveries_sweep(now=later)

    # Then it is handed to a worker again, which delivers it as its second attempt
    assert handed_over >= 1
    (item,) = settled(client_for, waiter, subscription)
    assert item["status"] == "delivered" and item["attempts"] == 2
    assert len(webhook_receiver.requests) == 1


def test_an_unsubscribed_students_pending_delivery_is_failed_not_sent(
    client_for, waiting_subscriber, webhook_receiver, broker_down, promoted_events
):
    section, holder, waiter, subscription = waiting_subscriber(webhook_url=webhook_receiver.url)
    drop(client_for, holder, section)
    (event,) = promoted_events
    (pending,) = services.event_deliver(event_id=event.id)

    # When the student unsubscribes before the delivery is attempted
    assert client_for(waiter).delete(f"{SUBSCRIPTIONS}{subscription['id']}/").status_code == 204
    attempt = services.delivery_send(**pending.as_kwargs())

    # Then nothing is sent and the record says why
    assert str(attempt.status) == "failed"
    assert webhook_receiver.requests == []
    record = Delivery.get(pending.subscription_id, pending.key)
    assert record.status == "failed" and "deleted" in record.last_error


def test_a_student_passed_over_for_a_hold_is_told_once_by_webhook_and_email(
    client_for, registrar, waiting_subscriber, webhook_receiver, smtp_server
):
    # Given a waiting student subscribed by webhook and email, then given a hold
    section, holder, waiter, subscription = waiting_subscriber(
        email="waiter@example.edu", webhook_url=webhook_receiver.url
    )
    hold = {"kind": "financial", "reason": "Tuition unpaid"}
    placed = client_for(registrar).post(f"/api/v1/students/{waiter.id}/holds/", hold, format="json")
    assert placed.status_code == 201, placed.content

    # When the seat frees up, and then frees up again (the capacity raised)
    drop(client_for, holder, section)
    raised = client_for(registrar).patch(f"/api/v1/sections/{section.id}/", {"capacity": 2}, format="json")
    assert raised.status_code == 200, raised.content

    # Then they keep their place, and hear why once: a signed webhook and an email
    assert roster_ids(client_for(registrar), section.id) == []
    (request,) = webhook_receiver.wait_for(1)
    payload = Webhook(subscription["webhook_secret"]).verify(request.body, request.headers)
    assert payload["type"] == "enrollment.promotion_skipped"
    assert payload["data"]["reason"] == "registration_hold" and payload["data"]["holds"] == ["financial"]
    assert payload["data"]["student_id"] == waiter.id and payload["data"]["section_id"] == section.id
    (message,) = wait_until(lambda: smtp_server.messages, what="the email")
    assert "hold" in message.get_body(preferencelist=("plain",)).get_content()
    items = settled(client_for, waiter, subscription, count=2)
    assert all(item["status"] == "delivered" for item in items) and only_event_id(items) == payload["id"]
    time.sleep(1)
    assert len(webhook_receiver.requests) == 1  # the second seat: the same reason, not told again
