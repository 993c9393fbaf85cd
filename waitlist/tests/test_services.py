"""The waitlist store's own rules, straight against Redis: order, positions, the change
clock behind Last-Modified, the promotion steps, and the per-student count."""

import itertools

import pytest

import waitlist.services
from waitlist import keys
from waitlist.api import (
    AlreadyWaitlisted,
    NotWaitlisted,
    ParkOutcome,
    WaitlistFull,
    WaitlistLimitReached,
    student_waitlist_places,
    waitlist_discard,
    waitlist_join,
    waitlist_leave,
    waitlist_lengths,
    waitlist_park_head,
    waitlist_place,
    waitlist_places,
    waitlist_restore,
    waitlist_settle,
)
from waitlist.scripts import store

_ids = itertools.count(1)


@pytest.fixture
def section_id() -> str:
    return f"2099FA-STORE-{next(_ids)}-01"


def students(n: int) -> list[str]:
    return [f"9{next(_ids):06d}" for _ in range(n)]


def line(section_id: str) -> list[tuple[str, int]]:
    return [(place.student_id, place.position) for place in waitlist_places(section_id=section_id)]


def test_the_line_keeps_arrival_order_even_within_one_instant(section_id, monkeypatch):
    # Given three joins stamped with the very same time
    frozen_clock = waitlist.services.datetime.now(waitlist.services.UTC)
    monkeypatch.setattr(
        waitlist.services, "datetime", type("Clock", (), {"now": staticmethod(lambda tz=None: frozen_clock)})
    )
    first, second, third = students(3)
    places = [waitlist_join(section_id=section_id, student_id=s, capacity=15) for s in (first, second, third)]

    # Then the arrival sequence, not the time, orders them
    assert [place.position for place in places] == [1, 2, 3]
    assert [place.sequence for place in places] == sorted(place.sequence for place in places)
    assert line(section_id) == [(first, 1), (second, 2), (third, 3)]


def test_every_change_moves_the_change_clock_even_within_one_second(section_id):
    first, second = students(2)
    joined = waitlist_join(section_id=section_id, student_id=first, capacity=15)
    behind = waitlist_join(section_id=section_id, student_id=second, capacity=15)
    before_leave = waitlist_place(section_id=section_id, student_id=second)

    waitlist_leave(section_id=section_id, student_id=first)
    after_leave = waitlist_place(section_id=section_id, student_id=second)

    assert joined.changed < behind.changed == before_leave.changed < after_leave.changed
    # The version (the ETag) moved only when the position did
    assert before_leave.version != after_leave.version
    assert waitlist_place(section_id=section_id, student_id=second).version == after_leave.version


def test_capacity_and_duplicates_are_refused_without_counting_the_student(section_id):
    first, second = students(2)
    waitlist_join(section_id=section_id, student_id=first, capacity=1)

    with pytest.raises(AlreadyWaitlisted):
        waitlist_join(section_id=section_id, student_id=first, capacity=1)
    with pytest.raises(WaitlistFull):
        waitlist_join(section_id=section_id, student_id=second, capacity=1)

    assert store().smembers(keys.student_key(first)) == {section_id.encode()}
    assert store().smembers(keys.student_key(second)) == set()


def test_a_student_is_counted_on_at_most_three_waitlists():
    (student,) = students(1)
    sections = [f"2099FA-LIMIT-{next(_ids)}-01" for _ in range(4)]
    for section in sections[:3]:
        waitlist_join(section_id=section, student_id=student, capacity=15)

    with pytest.raises(WaitlistLimitReached):
        waitlist_join(section_id=sections[3], student_id=student, capacity=15)

    assert [place.section_id for place in student_waitlist_places(student_id=student)] == sorted(sections[:3])
    assert waitlist_places(section_id=sections[3]) == []


def test_a_parked_student_stays_first_and_a_restore_gives_them_back_their_place(section_id):
    head, behind = students(2)
    for student in (head, behind):
        waitlist_join(section_id=section_id, student_id=student, capacity=15)
    sequence = waitlist_place(section_id=section_id, student_id=head).sequence

    park = waitlist_park_head(section_id=section_id)
    busy = waitlist_park_head(section_id=section_id)

    # While parked: still first in line and counted; nobody else can be parked
    assert park.outcome is ParkOutcome.PARKED and park.parked[0].student_id == head
    assert busy.outcome is ParkOutcome.BUSY and [p.student_id for p in busy.parked] == [head]
    parked_place = waitlist_place(section_id=section_id, student_id=head)
    assert (parked_place.position, parked_place.promoting) == (1, True)
    assert line(section_id) == [(head, 1), (behind, 2)]
    assert waitlist_lengths(section_ids=[section_id]) == {section_id: 2}

    # A restore puts them back with their own sequence number
    assert waitlist_restore(section_id=section_id, student_id=head)
    restored = waitlist_place(section_id=section_id, student_id=head)
    assert (restored.position, restored.sequence, restored.promoting) == (1, sequence, False)
    assert not waitlist_restore(section_id=section_id, student_id=head)  # once only


def test_settling_takes_the_student_off_the_line_and_uncounts_them(section_id):
    head, behind = students(2)
    for student in (head, behind):
        waitlist_join(section_id=section_id, student_id=student, capacity=15)
    waitlist_park_head(section_id=section_id)

    assert waitlist_settle(section_id=section_id, student_id=head)

    assert line(section_id) == [(behind, 1)]
    assert student_waitlist_places(student_id=head) == []
    assert not store().sismember(keys.student_key(head), section_id)
    assert waitlist_park_head(section_id=section_id).parked[0].student_id == behind
    assert not waitlist_settle(section_id=section_id, student_id=head)  # once only


def test_a_join_between_a_leave_and_its_uncount_keeps_the_new_place_counted(section_id, monkeypatch):
    # The burst found it: a student leaves a line while a request of theirs joins it again.
    # The count is the student's key, the line the section's: no one script changes both.
    student = students(1)[0]
    waitlist_join(section_id=section_id, student_id=student, capacity=15)
    release = waitlist.services._count_release

    def join_in_between(**kwargs):
        monkeypatch.setattr(waitlist.services, "_count_release", release)
        waitlist_join(section_id=section_id, student_id=student, capacity=15)  # finds the old count
        release(**kwargs)

    monkeypatch.setattr(waitlist.services, "_count_release", join_in_between)

    waitlist_leave(section_id=section_id, student_id=student)

    assert line(section_id) == [(student, 1)]
    assert store().sismember(keys.student_key(student), section_id)


def test_leaving_a_line_one_is_not_on_is_refused(section_id):
    with pytest.raises(NotWaitlisted):
        waitlist_leave(section_id=section_id, student_id=students(1)[0])


def test_discarding_a_waitlist_removes_every_key_and_count(section_id):
    waiting = students(3)
    for student in waiting:
        waitlist_join(section_id=section_id, student_id=student, capacity=15)
    waitlist_park_head(section_id=section_id)

    assert sorted(waitlist_discard(section_id=section_id)) == sorted(waiting)

    assert store().exists(*keys.section_keys(section_id).all) == 0
    assert not store().sismember(keys.INDEX, section_id)
    assert all(not store().sismember(keys.student_key(student), section_id) for student in waiting)
