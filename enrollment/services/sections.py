"""Writes of sections: open one (counted on its course in the same transaction), change
its instructor, capacities, freeze flag or meeting times, and delete it with its
enrollments and its waitlist."""

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from accounts.api import Role, user_profile_get
from accounts.errors import UserNotFound
from core.dynamodb import is_condition_failure
from core.errors import InvalidField
from enrollment.data import EnrollmentStatus, SectionData, section_term
from enrollment.errors import (
    CapacityBelowEnrolled,
    SectionExists,
    SectionNotFound,
    WaitlistCapacityBelowWaitlisted,
)
from enrollment.meetings import Meeting
from enrollment.models import Course, Enrollment, MeetingAttribute, Section
from enrollment.selectors import section_data, section_data_counted, section_record
from enrollment.services.promotion import _seats_fill_after_write
from enrollment.services.records import record_section_forget
from enrollment.services.seats import _open_marker_sync
from enrollment.services.transactions import _CONDITION_FAILED, _now, _reason_codes, _transact
from waitlist.api import waitlist_discard, waitlist_lengths


def _meeting_attributes(meetings: Sequence[Meeting]) -> list[MeetingAttribute]:
    return [MeetingAttribute(days=meeting.days, start=meeting.start, end=meeting.end) for meeting in meetings]


def _user_with_role(*, user_id: str, role: Role, field: str) -> str:
    """``user_id`` if it names an active user holding ``role``; 400 on ``field`` otherwise."""
    try:
        profile = user_profile_get(user_id=user_id)
    except UserNotFound:
        profile = None
    if profile is None or str(role) not in profile.roles:
        raise InvalidField(field, f"No {role} with id '{user_id}'.")
    return profile.id


def section_create(
    *,
    course_id: str,
    term: str,
    number: str,
    instructor_id: str,
    capacity: int,
    waitlist_capacity: int,
    meetings: Sequence[Meeting] = (),
) -> SectionData:
    """Open section ``number`` of a course in ``term``, taught by an instructor, meeting
    at ``meetings`` (already checked: see ``enrollment.meetings``).

    One transaction writes the section (``SectionExists`` if its id is taken) and
    counts it on its course (which must exist: 400 on ``course_id``). The section keeps
    a copy of the course's title and credits.
    """
    instructor_id = _user_with_role(user_id=instructor_id, role=Role.INSTRUCTOR, field="instructor_id")
    try:
        course = Course.get(course_id)
    except Course.DoesNotExist as exc:
        raise InvalidField("course_id", f"No course with id '{course_id}'.") from exc
    now = _now()
    section = Section(
        section_id=f"{term}-{course_id}-{number}",
        course_id=course_id,
        department=course.department,
        term=term,
        number=number,
        title=course.title,
        credits=int(course.credits),
        instructor_id=instructor_id,
        capacity=capacity,
        enrolled=0,
        waitlist_capacity=waitlist_capacity,
        auto_enrollment_frozen=False,
        meetings=_meeting_attributes(meetings),
        open_term=term if capacity > 0 else None,
        created_at=now,
        updated_at=now,
    )

    def write(transaction: TransactWrite) -> None:
        transaction.save(section, condition=Section.section_id.does_not_exist())
        transaction.update(
            Course(course_id=course_id),
            actions=[Course.section_count.add(1)],
            condition=Course.course_id.exists(),
        )

    try:
        _transact(write)
    except TransactWriteError as exc:
        section_reason, course_reason = _reason_codes(exc) or [None, None]
        if section_reason == _CONDITION_FAILED:
            raise SectionExists() from exc
        if course_reason == _CONDITION_FAILED:
            raise InvalidField("course_id", f"No course with id '{course_id}'.") from exc
        raise
    return section_data(section)


def section_update(
    *,
    section_id: str,
    instructor_id: str | None = None,
    capacity: int | None = None,
    waitlist_capacity: int | None = None,
    auto_enrollment_frozen: bool | None = None,
    meetings: Sequence[Meeting] | None = None,
) -> SectionData:
    """Change who teaches a section, its capacities, its freeze flag or its meetings
    (replaced as a whole; an empty list clears them).

    The capacity never goes below the seats taken: the update's condition checks
    ``enrolled <= capacity`` in DynamoDB (``CapacityBelowEnrolled`` otherwise). The
    waitlist capacity never goes below the students waiting
    (``WaitlistCapacityBelowWaitlisted``; checked just before the update, so a join in
    between can still leave the line one over, which ``check_integrity`` reports).
    Seats freed by a larger capacity, or by lifting the section's freeze, are filled
    from its waitlist at once.
    """
    changes: list[Any] = [Section.updated_at.set(_now())]
    condition = Section.section_id.exists() & Section.deleting.does_not_exist()
    if instructor_id is not None:
        instructor_id = _user_with_role(user_id=instructor_id, role=Role.INSTRUCTOR, field="instructor_id")
        changes.append(Section.instructor_id.set(instructor_id))
    if capacity is not None:
        changes.append(Section.capacity.set(capacity))
        condition &= Section.enrolled <= capacity
    if waitlist_capacity is not None:
        if waitlist_lengths(section_ids=[section_id])[section_id] > waitlist_capacity:
            section_record(section_id=section_id)  # SectionNotFound when that is why
            raise WaitlistCapacityBelowWaitlisted()
        changes.append(Section.waitlist_capacity.set(waitlist_capacity))
    if auto_enrollment_frozen is not None:
        changes.append(Section.auto_enrollment_frozen.set(auto_enrollment_frozen))
    if meetings is not None:
        changes.append(Section.meetings.set(_meeting_attributes(meetings)))
    section = Section(section_id=section_id)
    try:
        section.update(actions=changes, condition=condition)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        section_record(section_id=section_id, consistent=True)  # SectionNotFound when that is why
        raise CapacityBelowEnrolled() from exc
    if capacity is not None:
        _open_marker_sync(section)
    if (capacity is not None or auto_enrollment_frozen is False) and _seats_fill_after_write(section_id=section_id):
        section = section_record(section_id=section_id, consistent=True)
    return section_data_counted(section)


def section_delete(*, section_id: str) -> None:
    """Delete a section with its enrollments and its waitlist.

    In four steps, each safe to repeat, so a DELETE retried after a crash finishes the
    job: mark the section ``deleting`` (enrolls and promotions are refused from then
    on), delete its waitlist and the students' references to it, delete its enrollment
    rows (and the seats on the students' term records), then delete the section and
    uncount it on its course in one transaction.
    """
    section = Section(section_id=section_id)
    try:
        section.update(
            actions=[Section.deleting.set(True), Section.open_term.remove()],
            condition=Section.section_id.exists(),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise SectionNotFound() from exc
        raise
    term = section_term(section_id)
    for student_id in waitlist_discard(section_id=section_id):
        record_section_forget(student_id=student_id, term=term, section_id=section_id)  # a swap attached
    with Enrollment.batch_write() as batch:
        rows = Enrollment.query(
            section_id, consistent_read=True, attributes_to_get=["section_id", "student_id", "status"]
        )
        for row in rows:
            if row.status == EnrollmentStatus.ENROLLED:
                record_section_forget(student_id=row.student_id, term=term, section_id=section_id)
            batch.delete(row)

    def write(transaction: TransactWrite) -> None:
        transaction.delete(Section(section_id=section_id), condition=Section.section_id.exists())
        transaction.update(
            Course(course_id=section.course_id),
            actions=[Course.section_count.add(-1)],
            condition=Course.section_count > 0,
        )

    try:
        _transact(write)
    except TransactWriteError as exc:
        if _reason_codes(exc)[:1] == [_CONDITION_FAILED]:
            raise SectionNotFound() from exc  # a concurrent DELETE finished first
        raise
