"""The outbox's own rules: publishing never fails its caller, the sweep hands each
overdue event over once even when sweeps run at the same time, and a dispatched event
leaves the sweep's index."""

import threading
import time

import pytest
from pynamodb.transactions import TransactWrite

from core import outbox
from core.dynamodb import connection
from core.models import OutboxRecord


@pytest.fixture
def sent(monkeypatch):
    """The tasks Celery was asked to send (recorded, not sent)."""
    calls = []
    monkeypatch.setattr(outbox.celery_app(), "send_task", lambda task, args, **options: calls.append((task, args)))
    outbox.publish_pause.clear()
    return calls


def add_events(count: int, event_type: str = "enrollment.promoted") -> list[outbox.OutboxEvent]:
    events = [outbox.outbox_event(event_type=event_type, data={"n": n}) for n in range(count)]
    with TransactWrite(connection=connection()) as transaction:
        for event in events:
            outbox.outbox_add(transaction, event)
    return events


def test_two_sweeps_at_once_hand_each_overdue_event_over_once(sent, settings):
    # Given ten events nobody handed over, past their grace period
    events = add_events(10)
    later = time.time() + settings.OUTBOX_GRACE_SECONDS + 1

    # When two sweeps run at the same moment
    barrier = threading.Barrier(2)
    counts = []

    def sweep():
        barrier.wait()
        counts.append(outbox.outbox_sweep(now=later))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every event was sent to its consumer exactly once
    mine = [args[0] for task, args in sent if args[0] in {event.id for event in events}]
    assert sorted(mine) == sorted(event.id for event in events)
    assert all(task == "notifications.deliver_event" for task, _ in sent)
    assert sum(counts) >= len(events)
    # And each is postponed by a grace period, not handed over again by the next sweep at once
    sent.clear()
    outbox.outbox_sweep(now=later)
    assert not [args for _, args in sent if args[0] in {event.id for event in events}]
    assert all(OutboxRecord.get(event.id).handovers == 1 for event in events)


def test_an_event_is_not_swept_before_its_grace_period(sent):
    (event,) = add_events(1)

    outbox.outbox_sweep()

    assert ("notifications.deliver_event", [event.id]) not in sent


def test_a_dispatched_event_leaves_the_sweeps_index_and_expires_later(sent, settings):
    (event,) = add_events(1)

    outbox.outbox_dispatched(event_id=event.id)
    outbox.outbox_dispatched(event_id=event.id)  # a second consumer run changes nothing

    record = OutboxRecord.get(event.id, consistent_read=True)
    assert record.dispatched_at is not None and record.expires_at is not None
    assert record.due_at is None and record.due_shard is None
    later = time.time() + settings.OUTBOX_GRACE_SECONDS + 1
    assert event.id not in [key.event_id for key in outbox.due_query(OutboxRecord, now=later, limit=10_000)]


def test_an_event_nobody_consumes_is_dispatched_at_once(sent):
    (event,) = add_events(1, event_type="enrollment.unheard-of")

    assert outbox.outbox_publish(event_id=event.id, event_type=event.type)

    assert sent == []
    assert OutboxRecord.get(event.id, consistent_read=True).dispatched_at is not None


def test_publishing_to_an_unreachable_broker_returns_false_fast_then_pauses(broker_down, monkeypatch):
    # Given a broker that refuses connections
    (event,) = add_events(1)

    # When an event is handed over
    started = time.monotonic()
    taken = outbox.outbox_publish(event_id=event.id, event_type=event.type)

    # Then the caller hears "not taken" within a second, and the next caller does not even try
    assert taken is False
    assert time.monotonic() - started < 1.0
    assert outbox.publish_pause.active()
    monkeypatch.setattr(outbox.celery_app(), "send_task", lambda *args, **kwargs: pytest.fail("tried during the pause"))
    assert outbox.outbox_publish(event_id=event.id, event_type=event.type) is False
    outbox.publish_pause.clear()
    # And the event is still waiting in the outbox for the sweep
    assert OutboxRecord.get(event.id, consistent_read=True).due_at is not None
