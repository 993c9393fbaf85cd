"""The rules of enrollment/services.py, straight against DynamoDB Local."""

import pytest
from pynamodb.connection.base import VerboseClientError
from pynamodb.exceptions import CancellationReason, TransactWriteError
from pynamodb.transactions import TransactWrite

from accounts.api import Actor
from accounts.roles import Role
from core.pagination import PageRequest
from enrollment import selectors, services
from enrollment.data import EnrollmentStatus
from enrollment.errors import (
    AlreadyEnrolled,
    CapacityBelowEnrolled,
    CourseHasSections,
    EnrollmentNotFound,
    SectionNotFound,
)
from enrollment.models import Course, Enrollment, Section
from enrollment.services import sections, transactions


def actor(profile, *roles: Role) -> Actor:
    return Actor(id=profile.id, roles=frozenset(str(role) for role in roles or profile.roles))


def open_ids(term: str) -> set[str]:
    page = selectors.section_list(page=PageRequest(size=100), filters=selectors.SectionFilters(term=term, open=True))
    return {section.id for section in page.items}


def marker(section_id: str) -> str | None:
    return Section.get(section_id, consistent_read=True).open_term


@pytest.mark.django_db
def test_enroll_and_drop_keep_counter_rows_and_the_open_index_in_step(make_section, make_user):
    # Given a 2-seat section and three students
    section = make_section(term="2031FA", capacity=2)
    first, second, third = (make_user(Role.STUDENT) for _ in range(3))

    # When two enroll, it leaves the open index; a third waits in line
    services.enrollment_create(actor=actor(first), section_id=section.id)
    services.enrollment_create(actor=actor(second), section_id=section.id)
    assert marker(section.id) is None and section.id not in open_ids("2031FA")
    assert services.enrollment_create(actor=actor(third), section_id=section.id).status == "waitlisted"

    # When one drops, the third gets the seat at once, and the section stays out of the open index
    services.enrollment_drop(actor=actor(first), section_id=section.id, student_id=first.id)
    assert marker(section.id) is None and section.id not in open_ids("2031FA")

    # Then the counter equals the enrolled rows, and the dropped row is kept
    stored = Section.get(section.id, consistent_read=True)
    rows = {row.student_id: row.status for row in Enrollment.query(section.id, consistent_read=True)}
    assert stored.enrolled == 2
    assert rows == {first.id: "dropped", second.id: "enrolled", third.id: "enrolled"}


@pytest.mark.django_db
def test_a_stale_open_marker_is_filtered_out_and_repaired_by_the_next_refusal(make_section, make_user):
    # Given a full section whose open marker was left behind (the enroll that filled it
    # crashed before removing it)
    section = make_section(term="2032FA", capacity=1)
    services.enrollment_create(actor=actor(make_user(Role.STUDENT)), section_id=section.id)
    Section(section_id=section.id).update(actions=[Section.open_term.set("2032FA")])

    # Then the open list does not show it
    assert section.id not in open_ids("2032FA")
    # And the next enroll that finds no seat (and waits in line) removes the marker
    waiting = services.enrollment_create(actor=actor(make_user(Role.STUDENT)), section_id=section.id)
    assert waiting.status == "waitlisted"
    assert marker(section.id) is None


@pytest.mark.django_db
def test_already_enrolled_wins_over_section_full(make_section, student):
    section = make_section(capacity=1)
    services.enrollment_create(actor=actor(student), section_id=section.id)

    with pytest.raises(AlreadyEnrolled):
        services.enrollment_create(actor=actor(student), section_id=section.id)
    assert Section.get(section.id, consistent_read=True).enrolled == 1


@pytest.mark.django_db
def test_a_double_drop_never_makes_the_counter_negative(make_section, student):
    section = make_section(capacity=5)
    services.enrollment_create(actor=actor(student), section_id=section.id)
    services.enrollment_drop(actor=actor(student), section_id=section.id, student_id="me")

    with pytest.raises(EnrollmentNotFound):
        services.enrollment_drop(actor=actor(student), section_id=section.id, student_id="me")
    assert Section.get(section.id, consistent_read=True).enrolled == 0


@pytest.mark.django_db
def test_capacity_cannot_go_below_the_enrolled(make_section, make_user):
    section = make_section(capacity=3)
    for _ in range(2):
        services.enrollment_create(actor=actor(make_user(Role.STUDENT)), section_id=section.id)

    with pytest.raises(CapacityBelowEnrolled):
        services.section_update(section_id=section.id, capacity=1)
    assert services.section_update(section_id=section.id, capacity=2).status == "full"
    assert marker(section.id) is None
    assert services.section_update(section_id=section.id, capacity=4).seats_left == 2
    assert marker(section.id) == section.term


@pytest.mark.django_db
def test_section_create_and_delete_count_on_the_course(course, make_section):
    # Given a course with a section, its delete is refused
    section = make_section()
    assert Course.get(course.id).section_count == 1
    with pytest.raises(CourseHasSections):
        services.course_delete(course_id=course.id)

    # When the section goes, the course can go
    services.section_delete(section_id=section.id)
    assert Course.get(course.id, consistent_read=True).section_count == 0
    services.course_delete(course_id=course.id)
    with pytest.raises(Course.DoesNotExist):
        Course.get(course.id, consistent_read=True)


@pytest.mark.django_db
def test_a_section_delete_cut_short_is_finished_by_the_next_delete(make_section, make_user, monkeypatch):
    # Given a section with enrollments whose delete crashes after removing the rows
    section = make_section(capacity=5)
    students = [make_user(Role.STUDENT) for _ in range(3)]
    for student in students:
        services.enrollment_create(actor=actor(student), section_id=section.id)

    class Crash(Exception):
        pass

    def crash(write):
        raise Crash("the process died before the last step")

    monkeypatch.setattr(sections, "_transact", crash)
    with pytest.raises(Crash):
        services.section_delete(section_id=section.id)
    monkeypatch.undo()

    # Then the half-deleted section reads as gone and refuses enrolls
    with pytest.raises(SectionNotFound):
        selectors.section_get(section_id=section.id)
    with pytest.raises(SectionNotFound):
        services.enrollment_create(actor=actor(make_user(Role.STUDENT)), section_id=section.id)

    # When the registrar deletes it again, the job is finished
    services.section_delete(section_id=section.id)
    with pytest.raises(Section.DoesNotExist):
        Section.get(section.id, consistent_read=True)
    assert list(Enrollment.query(section.id, consistent_read=True)) == []
    assert Course.get(section.course_id, consistent_read=True).section_count == 0


@pytest.mark.django_db
def test_a_course_title_change_reaches_its_sections(course, make_section):
    section = make_section()

    services.course_update(course_id=course.id, title="Distributed Back Ends")

    assert selectors.section_get(section_id=section.id).title == "Distributed Back Ends"


@pytest.mark.django_db
def test_colliding_transactions_are_retried(make_section, student, monkeypatch):
    # Given DynamoDB cancels the first two attempts for colliding with other transactions
    section = make_section(capacity=5)
    attempts = []

    class Colliding(TransactWrite):
        def __exit__(self, *exc):
            attempts.append(1)
            if len(attempts) <= 2:
                raise TransactWriteError("conflict", cause=_conflict_error())
            return super().__exit__(*exc)

    monkeypatch.setattr(transactions, "TransactWrite", Colliding)
    monkeypatch.setattr(transactions, "_BACKOFF_BASE_SECONDS", 0)

    # When the student enrolls, the third attempt goes through
    services.enrollment_create(actor=actor(student), section_id=section.id)

    assert len(attempts) == 3
    rows = selectors.roster_list(
        actor=Actor(id="0", roles=frozenset({"registrar"})),
        section_id=section.id,
        status=EnrollmentStatus.ENROLLED,
        page=PageRequest(),
    )
    assert [row.student_id for row in rows.items] == [student.id]


def _conflict_error() -> VerboseClientError:
    """What DynamoDB answers when another transaction holds the section's item."""
    return VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}},
        "TransactWriteItems",
        {},
        cancellation_reasons=[CancellationReason(code="TransactionConflict"), None],
    )
