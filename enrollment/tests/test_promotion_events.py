"""Every automatic enrollment writes its ``enrollment.promoted`` event in the same
TransactWrite (the outbox): neither exists without the other."""

import json

import pytest
from pynamodb.exceptions import TransactWriteError

from accounts.roles import Role
from core import outbox
from core.models import OutboxRecord
from enrollment import services
from enrollment.data import EnrollmentStatus
from enrollment.models import Enrollment, Section
from enrollment.services import promotion
from enrollment.tests.test_integrity import actor, seated, waiting
from waitlist.api import waitlist_park_head


@pytest.fixture
def published(monkeypatch):
    """The events handed to the broker (not sent: these tests are about the outbox)."""
    handed = []

    def publish(*, event_id: str, event_type: str) -> bool:
        handed.append((event_id, event_type))
        return True

    monkeypatch.setattr(promotion, "outbox_publish", publish)
    return handed


@pytest.fixture
def full(new_section, make_user):
    """A 1-seat section: one student seated, three waiting (in this order)."""
    section = new_section(capacity=1)
    students = [make_user(Role.STUDENT) for _ in range(4)]
    for student in students:
        services.enrollment_create(actor=actor(student), section_id=section.id)
    return section, students[0], students[1:]


def test_each_promotion_writes_its_event_and_hands_it_over(full, published):
    section, _holder, waiters = full

    # When the capacity grows by three
    promoted = services.section_update(section_id=section.id, capacity=4)

    # Then three students are enrolled, and each has an event in the outbox, handed over
    assert promoted.enrolled == 4
    assert [event_type for _, event_type in published] == ["enrollment.promoted"] * 3
    events = [OutboxRecord.get(event_id, consistent_read=True) for event_id, _ in published]
    assert [json.loads(event.data)["student_id"] for event in events] == [student.id for student in waiters]
    for event, student in zip(events, waiters, strict=True):
        data = json.loads(event.data)
        row = Enrollment.get(section.id, student.id, consistent_read=True)
        assert data["section_id"] == section.id and data["course_id"] == section.course_id
        assert data["term"] == section.term and data["section_number"] == section.number
        assert row.status == EnrollmentStatus.ENROLLED and event.occurred_at == row.enrolled_at
        assert event.dispatched_at is None and event.due_at is not None  # until a worker consumes it


def test_a_promotion_whose_event_cannot_be_written_enrolls_nobody(full, published, monkeypatch):
    # Given a promotion whose event collides with an event already in the outbox
    section, holder, (head, *others) = full
    services.enrollment_drop(actor=actor(holder), section_id=section.id, student_id="me")
    ((taken_id, _),) = published
    fresh_id = outbox._event_id
    monkeypatch.setattr(outbox, "_event_id", lambda now: taken_id)

    # When a seat frees up and the promotion that follows cannot write its event
    with pytest.raises(TransactWriteError):
        services.enrollment_drop(actor=actor(head), section_id=section.id, student_id="me")

    # Then its transaction was refused whole: the seat is free, the row was not written,
    # and the student is back at the head of the line (nobody lost, nobody half-enrolled)
    assert seated(section.id) == []
    assert int(Section.get(section.id, consistent_read=True).enrolled) == 0
    assert waiting(section.id) == [student.id for student in others]
    # And once events can be written again, the next fill enrolls them
    monkeypatch.setattr(outbox, "_event_id", fresh_id)
    assert [registration.student_id for registration in services.seats_fill(section_id=section.id)] == [others[0].id]


def test_a_promotion_that_finds_no_seat_keeps_the_student_first_in_line(full, published):
    # Given the head of the line parked for a promotion, but the seat already taken
    # (another request took it after this promoter read the section)
    section, _holder, waiters = full
    park = waitlist_park_head(section_id=section.id)
    stale = Section.get(section.id, consistent_read=True)

    # When the promotion's transaction runs
    assert promotion._promote(stale, park.parked[0])[0] is None

    # Then it was refused for the seat: nobody enrolled, no event, and the student
    # is back at the head of the line (not settled as if enrolled)
    assert published == []
    assert waiting(section.id) == [student.id for student in waiters]
    assert int(Section.get(section.id, consistent_read=True).enrolled) == 1
