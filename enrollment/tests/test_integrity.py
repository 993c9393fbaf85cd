"""``check_integrity`` and the crash-safety of promotion.

Fault injection stops a promotion right after each of its steps, the way a killed
process would (an exception no handler catches), and shows that ``check_integrity
--repair``, or simply the section's next promotion, brings both stores back to a state
that satisfies every rule, with nobody lost and nobody enrolled twice.

Every check here is scoped to a term of its own (``--term``), so what other tests
leave behind is not counted.
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import waitlist.services
from accounts.api import Actor
from accounts.roles import Role
from enrollment import services
from enrollment.data import EnrollmentStatus
from enrollment.models import Course, Enrollment, Section
from enrollment.services import promotion
from enrollment.tests.http import unique_department, unique_term
from waitlist import keys
from waitlist.api import waitlist_join, waitlist_places
from waitlist.scripts import store

pytestmark = pytest.mark.django_db


class ProcessKilled(BaseException):
    """The process dies here: no ``except Exception`` runs, as with SIGKILL."""


def crash(*args, **kwargs):
    raise ProcessKilled()


def actor(profile) -> Actor:
    return Actor(id=profile.id, roles=frozenset(profile.roles))


def check(term: str, *, repair: bool = False) -> tuple[int, str]:
    """Run check_integrity on ``term``: (exit status, output)."""
    out = io.StringIO()
    try:
        call_command("check_integrity", "--term", term, *(["--repair"] if repair else []), stdout=out, stderr=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def seated(section_id: str) -> list[str]:
    rows = Enrollment.query(section_id, consistent_read=True)
    return sorted(row.student_id for row in rows if row.status == EnrollmentStatus.ENROLLED)


def waiting(section_id: str) -> list[str]:
    return [place.student_id for place in waitlist_places(section_id=section_id)]


@pytest.fixture
def term():
    return unique_term()


@pytest.fixture
def full_section(make_course, make_section, make_user, term):
    """A 1-seat section of ``term``: one student seated, three waiting (in this order)."""

    def make(capacity: int = 1):
        course = make_course(department=unique_department(), number="1")
        section = make_section(course_id=course.id, term=term, number="01", capacity=capacity)
        students = [make_user(Role.STUDENT) for _ in range(capacity + 3)]
        for student in students:
            services.enrollment_create(actor=actor(student), section_id=section.id)
        return section, students[:capacity], students[capacity:]

    return make


@pytest.fixture
def no_grace(settings):
    """A parked promotion counts as crashed at once (instead of after 30 s)."""
    settings.WAITLIST_PROMOTION_GRACE_SECONDS = 0


def test_a_consistent_term_has_no_findings(full_section, term):
    section, _, waiting_students = full_section()

    status, output = check(term)

    assert status == 0, output
    assert "No findings" in output
    assert waiting(section.id) == [student.id for student in waiting_students]


# --- fault injection: a promotion stopped after each step -------------------------


def test_crash_after_parking_the_head_is_repaired_without_losing_them(full_section, term, monkeypatch, no_grace):
    # Given a full section with three waiting, whose promotion dies right after step 1
    section, (first,), (head, second, third) = full_section()
    monkeypatch.setattr(promotion, "_promotion_transact", crash)
    with pytest.raises(ProcessKilled):
        services.enrollment_drop(actor=actor(first), section_id=section.id, student_id="me")
    monkeypatch.undo()
    # Then the head is parked (still first in line) and the seat is empty
    assert waiting(section.id) == [head.id, second.id, third.id]
    assert seated(section.id) == []

    # When check_integrity runs, it reports the stuck promotion; --repair fixes it
    status, report = check(term)
    repair_status, repaired = check(term, repair=True)

    assert status == 1 and "stuck_promotion" in report
    assert repair_status == 0, repaired
    assert "promotion of student" in repaired and "restored" in repaired
    # And the head got the seat, the others moved up, the counter matches
    assert seated(section.id) == [head.id]
    assert waiting(section.id) == [second.id, third.id]
    assert int(Section.get(section.id, consistent_read=True).enrolled) == 1


def test_crash_after_parking_is_also_repaired_by_the_next_promotion(full_section, term, monkeypatch, no_grace):
    section, (first,), (head, second, third) = full_section()
    monkeypatch.setattr(promotion, "_promotion_transact", crash)
    with pytest.raises(ProcessKilled):
        services.enrollment_drop(actor=actor(first), section_id=section.id, student_id="me")
    monkeypatch.undo()

    # When the section's next promotion runs (any drop, join or capacity change starts one)
    promoted = services.seats_fill(section_id=section.id)

    assert [registration.student_id for registration in promoted] == [head.id]
    assert seated(section.id) == [head.id]
    assert waiting(section.id) == [second.id, third.id]
    assert check(term)[0] == 0


def test_crash_after_the_enrollment_transaction_is_repaired_without_enrolling_twice(
    full_section, term, monkeypatch, no_grace
):
    # Given a promotion that dies after step 2: the head has the seat in DynamoDB but
    # is still parked in Redis
    section, (first,), (head, second, third) = full_section()
    monkeypatch.setattr(promotion, "waitlist_settle", crash)
    with pytest.raises(ProcessKilled):
        services.enrollment_drop(actor=actor(first), section_id=section.id, student_id="me")
    monkeypatch.undo()
    assert seated(section.id) == [head.id]
    assert waiting(section.id) == [head.id, second.id, third.id]

    status, report = check(term)
    repair_status, repaired = check(term, repair=True)

    assert status == 1 and "stuck_promotion" in report
    assert repair_status == 0 and "settled" in repaired, repaired
    # Then the head keeps exactly one seat and is off the waitlist
    assert seated(section.id) == [head.id]
    assert int(Section.get(section.id, consistent_read=True).enrolled) == 1
    assert waiting(section.id) == [second.id, third.id]


def test_crash_after_settling_leaves_only_empty_seats_which_repair_fills(full_section, term, monkeypatch, no_grace):
    # Given a capacity raise that dies after the first promotion's step 3
    section, _, (head, second, third) = full_section()
    monkeypatch.setattr(promotion, "_seat_taken", crash)
    with pytest.raises(ProcessKilled):
        services.section_update(section_id=section.id, capacity=3)
    monkeypatch.undo()
    assert waiting(section.id) == [second.id, third.id]

    status, report = check(term)
    repair_status, repaired = check(term, repair=True)

    # Then the empty seat is found and filled in line order
    assert status == 1 and "seats_left_empty" in report
    assert repair_status == 0, repaired
    assert head.id in seated(section.id) and second.id in seated(section.id)
    assert waiting(section.id) == [third.id]
    assert int(Section.get(section.id, consistent_read=True).enrolled) == 3


def test_a_promotion_in_flight_is_not_mistaken_for_a_crash(full_section, term, monkeypatch):
    # Given a parked promotion younger than the grace period (its promoter may be working)
    section, (first,), (head, *_) = full_section()
    monkeypatch.setattr(promotion, "_promotion_transact", crash)
    with pytest.raises(ProcessKilled):
        services.enrollment_drop(actor=actor(first), section_id=section.id, student_id="me")
    monkeypatch.undo()

    # Then neither the check nor another promotion touches it
    assert check(term)[0] == 0
    assert services.seats_fill(section_id=section.id) == []
    assert waiting(section.id)[0] == head.id and seated(section.id) == []


def test_crash_between_counting_and_joining_is_repaired(make_section, make_user, term, monkeypatch):
    # Given a join that dies after counting the section for the student, before the line takes them
    section = make_section(term=term, capacity=0)
    student = make_user(Role.STUDENT)
    real_run = waitlist.services.run
    monkeypatch.setattr(
        waitlist.services, "run", lambda name, **kw: crash() if name == "join" else real_run(name, **kw)
    )
    with pytest.raises(ProcessKilled):
        services.enrollment_create(actor=actor(student), section_id=section.id)
    monkeypatch.undo()

    status, report = check(term)
    repair_status, _ = check(term, repair=True)

    assert status == 1 and "count_without_place" in report
    assert repair_status == 0
    assert not store().sismember(keys.student_key(student.id), section.id)


# --- what check_integrity finds -----------------------------------------------------


def test_a_counter_that_drifted_is_found_and_reset_to_the_rows(full_section, term):
    section, _, _ = full_section(capacity=2)
    Section(section_id=section.id).update(actions=[Section.enrolled.set(1)])

    status, report = check(term)
    repair_status, repaired = check(term, repair=True)

    assert status == 1 and "seat_counter" in report and "2 rows are enrolled" in report
    assert repair_status == 0 and "counter set to 2" in repaired
    assert int(Section.get(section.id, consistent_read=True).enrolled) == 2


def test_a_section_over_capacity_needs_a_person(full_section, term):
    section, _, _ = full_section(capacity=2)
    Section(section_id=section.id).update(actions=[Section.capacity.set(1), Section.enrolled.set(2)])

    status, report = check(term, repair=True)

    assert status == 1
    assert "over_capacity" in report and "needs a person" in report


def test_a_student_both_enrolled_and_waiting_is_taken_off_the_waitlist(full_section, term):
    section, (enrolled,), _ = full_section()
    waitlist_join(section_id=section.id, student_id=enrolled.id, capacity=15)

    status, report = check(term)
    repair_status, _ = check(term, repair=True)

    assert status == 1 and "enrolled_and_waiting" in report
    assert repair_status == 0
    assert enrolled.id not in waiting(section.id) and seated(section.id) == [enrolled.id]


def test_a_waitlist_of_a_deleted_section_is_found_and_deleted(make_user, term):
    ghost = f"{term}-{unique_department()}-1-01"
    student = make_user(Role.STUDENT)
    waitlist_join(section_id=ghost, student_id=student.id, capacity=15)

    status, report = check(term)
    repair_status, _ = check(term, repair=True)

    assert status == 1 and "orphan_waitlist" in report and ghost in report
    assert repair_status == 0
    assert waiting(ghost) == []
    assert not store().sismember(keys.student_key(student.id), ghost)


def test_a_student_on_too_many_waitlists_needs_a_person(make_course, make_section, make_user, term):
    student = make_user(Role.STUDENT)
    for _ in range(4):
        course = make_course(department=unique_department(), number="1")
        section = make_section(course_id=course.id, term=term, number="01", capacity=0)
        # Past the per-student check, as only a bug or a hand edit could do
        store().sadd(keys.student_key(student.id), section.id)
        waitlist_join(section_id=section.id, student_id=student.id, capacity=15)

    status, report = check(term, repair=True)

    assert status == 1
    assert "too_many_waitlists" in report and "the limit is 3" in report


def test_a_full_waitlist_with_a_free_seat_is_filled_by_repair(full_section, term):
    section, _, (head, second, third) = full_section()
    Section(section_id=section.id).update(actions=[Section.capacity.set(2), Section.open_term.set(term)])

    status, report = check(term)
    repair_status, _ = check(term, repair=True)

    assert status == 1 and "seats_left_empty" in report
    assert repair_status == 0
    assert head.id in seated(section.id) and waiting(section.id) == [second.id, third.id]


def test_frozen_sections_may_keep_free_seats_while_students_wait(full_section, term):
    section, (first,), _ = full_section()
    services.section_update(section_id=section.id, auto_enrollment_frozen=True)
    services.enrollment_drop(actor=actor(first), section_id=section.id, student_id="me")

    assert check(term)[0] == 0


@pytest.mark.allow_scan
def test_an_unscoped_run_checks_course_counters_too(make_course):
    course = make_course(department=unique_department())
    Course(course_id=course.id).update(actions=[Course.section_count.set(2)])
    out = io.StringIO()

    try:  # other tests leave findings that need a person, so the exit status may be 1
        call_command("check_integrity", "--repair", stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        assert exc.returncode == 1

    assert f"section_count: {course.id}: the course counts 2 sections, it has 0" in out.getvalue()
    assert "count set to 0" in out.getvalue()
    assert int(Course.get(course.id, consistent_read=True).section_count) == 0
