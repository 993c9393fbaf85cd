"""Writes of the catalog and of enrollments: every rule about seats lives here.

Seats are decided by DynamoDB, never by a read followed by a write: enroll and drop
each are one ``TransactWrite`` over the section's seat counter and the enrollment row,
with conditions, and a cancelled transaction is translated by its cancellation reasons.
Transactions that collide with others on the same section (``TransactionConflict``)
are retried with jittered backoff.
"""

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from accounts.api import Actor, Role, user_profile_get
from accounts.errors import UserNotFound
from core.dynamodb import connection, is_condition_failure
from core.errors import InvalidField
from enrollment.data import CourseData, EnrollmentData, EnrollmentStatus, SectionData
from enrollment.errors import (
    AlreadyEnrolled,
    CapacityBelowEnrolled,
    CourseExists,
    CourseHasSections,
    CourseNotFound,
    EnrollmentNotFound,
    NotYourSection,
    NotYourself,
    SectionBusy,
    SectionExists,
    SectionFull,
    SectionNotFound,
)
from enrollment.models import Course, Enrollment, Section
from enrollment.selectors import course_data, resolve_user_id, section_data, section_record

logger = logging.getLogger(__name__)

_CONDITION_FAILED = "ConditionalCheckFailed"
_TRANSACTION_CONFLICT = "TransactionConflict"
_COLLISION_ERRORS = frozenset({"TransactionConflictException", "TransactionInProgressException"})
_TRANSACTION_ATTEMPTS = 8
_BACKOFF_BASE_SECONDS = 0.01
_BACKOFF_CAP_SECONDS = 0.3


def _now() -> datetime:
    return datetime.now(UTC)


def _reason_codes(exc: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in exc.cancellation_reasons]


def _transact(write: Callable[[TransactWrite], None]) -> None:
    """Run ``write`` in one TransactWrite, retrying while it collides with other transactions.

    Raises ``TransactWriteError`` when a condition fails (for the caller to translate)
    and ``SectionBusy`` when collisions outlast the retries.
    """
    for attempt in range(_TRANSACTION_ATTEMPTS):
        try:
            with TransactWrite(connection=connection()) as transaction:
                write(transaction)
            return
        except TransactWriteError as exc:
            codes = _reason_codes(exc)
            collided = (_TRANSACTION_CONFLICT in codes and _CONDITION_FAILED not in codes) or (
                exc.cause_response_code in _COLLISION_ERRORS
            )
            if not collided:
                raise
            # Full jitter: colliding requests spread out instead of colliding again.
            time.sleep(random.uniform(0, min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2**attempt)))
    logger.warning("transaction still colliding after %d attempts", _TRANSACTION_ATTEMPTS)
    raise SectionBusy()


def _user_with_role(*, user_id: str, role: Role, field: str) -> str:
    """``user_id`` if it names an active user holding ``role``; 400 on ``field`` otherwise."""
    try:
        profile = user_profile_get(user_id=user_id)
    except UserNotFound:
        profile = None
    if profile is None or str(role) not in profile.roles:
        raise InvalidField(field, f"No {role} with id '{user_id}'.")
    return profile.id


# --- courses -----------------------------------------------------------------------


def course_create(*, department: str, number: str, title: str, credits: int, description: str = "") -> CourseData:
    """Add a course with id ``"{department}-{number}"``; ``CourseExists`` if it is taken."""
    now = _now()
    course = Course(
        course_id=f"{department}-{number}",
        department=department,
        number=number,
        title=title,
        description=description,
        credits=credits,
        section_count=0,
        created_at=now,
        updated_at=now,
    )
    try:
        course.save(condition=Course.course_id.does_not_exist())
    except PutError as exc:
        if is_condition_failure(exc):
            raise CourseExists() from exc
        raise
    return course_data(course)


def course_update(
    *, course_id: str, title: str | None = None, description: str | None = None, credits: int | None = None
) -> CourseData:
    """Change a course's title, description or credits; ``CourseNotFound`` if it does not exist.

    A new title is copied to the course's sections (which keep it so that lists need
    no second read); that copy is not atomic with the course, and a crash in between
    leaves old titles until the next title change.
    """
    changes: list[Any] = [Course.updated_at.set(_now())]
    if title is not None:
        changes.append(Course.title.set(title))
    if description is not None:
        changes.append(Course.description.set(description))
    if credits is not None:
        changes.append(Course.credits.set(credits))
    course = Course(course_id=course_id)
    try:
        course.update(actions=changes, condition=Course.course_id.exists())
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise CourseNotFound() from exc
        raise
    if title is not None:
        for section in Section.by_course.query(course_id, attributes_to_get=["section_id"]):
            try:
                section.update(actions=[Section.title.set(title)], condition=Section.section_id.exists())
            except UpdateError as exc:
                if not is_condition_failure(exc):  # deleted meanwhile: nothing to copy to
                    raise
    return course_data(course)


def course_delete(*, course_id: str) -> None:
    """Delete a course that has no sections: ``CourseHasSections`` (409) otherwise.

    The condition is on the course's ``section_count``, which section create and delete
    change in their own transactions, so a section created meanwhile cannot be orphaned.
    """
    try:
        Course(course_id=course_id).delete(condition=Course.course_id.exists() & (Course.section_count == 0))
    except DeleteError as exc:
        if not is_condition_failure(exc):
            raise
        try:
            Course.get(course_id, consistent_read=True)
        except Course.DoesNotExist as missing:
            raise CourseNotFound() from missing
        raise CourseHasSections() from exc


# --- sections ----------------------------------------------------------------------


def section_create(
    *,
    course_id: str,
    term: str,
    number: str,
    instructor_id: str,
    capacity: int,
    waitlist_capacity: int,
    meeting: str | None = None,
) -> SectionData:
    """Open section ``number`` of a course in ``term``, taught by an instructor.

    One transaction writes the section (``SectionExists`` if its id is taken) and
    counts it on its course (which must exist: 400 on ``course_id``).
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
        instructor_id=instructor_id,
        capacity=capacity,
        enrolled=0,
        waitlist_capacity=waitlist_capacity,
        auto_enrollment_frozen=False,
        meeting=meeting,
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


def _open_marker_sync(section: Section) -> None:
    """Keep ``open_term`` (the sparse open-sections index) in step with the seats.

    Each change is conditional on the seats it assumes, so a concurrent enroll or drop
    can only leave the marker set on a full section (which the query filters out),
    never missing from a section with a free seat.
    """
    try:
        if section.enrolled < section.capacity and section.open_term is None:
            section.update(
                actions=[Section.open_term.set(section.term)],
                condition=Section.section_id.exists() & (Section.enrolled < Section.capacity),
            )
        elif section.enrolled >= section.capacity and section.open_term is not None:
            section.update(
                actions=[Section.open_term.remove()],
                condition=Section.section_id.exists() & (Section.enrolled >= Section.capacity),
            )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise


def section_update(
    *,
    section_id: str,
    instructor_id: str | None = None,
    capacity: int | None = None,
    waitlist_capacity: int | None = None,
    auto_enrollment_frozen: bool | None = None,
    meeting: str | None = None,
) -> SectionData:
    """Change who teaches a section, its capacities, its freeze flag or its meeting time.

    The capacity never goes below the seats taken: the update's condition checks
    ``enrolled <= capacity`` in DynamoDB (``CapacityBelowEnrolled`` otherwise).
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
        changes.append(Section.waitlist_capacity.set(waitlist_capacity))
    if auto_enrollment_frozen is not None:
        changes.append(Section.auto_enrollment_frozen.set(auto_enrollment_frozen))
    if meeting is not None:  # "" clears it
        changes.append(Section.meeting.set(meeting) if meeting else Section.meeting.remove())
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
    return section_data(section)


def section_delete(*, section_id: str) -> None:
    """Delete a section with its enrollments.

    In three steps, each safe to repeat, so a DELETE retried after a crash finishes the
    job: mark the section ``deleting`` (enrolls are refused from then on), delete its
    enrollment rows, then delete the section and uncount it on its course in one
    transaction.
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
    with Enrollment.batch_write() as batch:
        for row in Enrollment.query(section_id, consistent_read=True, attributes_to_get=["section_id", "student_id"]):
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


# --- enrollments -------------------------------------------------------------------


def _enrolling_student(actor: Actor, student_id: str | None) -> str:
    """Whom ``actor`` enrolls: a student themself; the registrar anyone holding the student role."""
    if student_id is not None:
        student_id = resolve_user_id(actor, student_id)
    if actor.is_registrar and student_id not in (None, actor.id):
        return _user_with_role(user_id=student_id, role=Role.STUDENT, field="student_id")
    if student_id not in (None, actor.id):
        raise NotYourself()
    if not actor.is_student:
        raise InvalidField("student_id", "Name the student to enroll.")
    return actor.id


def enrollment_create(*, actor: Actor, section_id: str, student_id: str | None = None) -> EnrollmentData:
    """Enroll a student in a section.

    One TransactWrite takes a seat (``enrolled + 1`` under ``enrolled < capacity``) and
    writes the row (only if there is none, or it is ``dropped``: re-enrolling after a
    drop works). Its cancellation reasons give the error: ``AlreadyEnrolled`` (first,
    even when the section is also full), ``SectionNotFound``, ``SectionFull``.
    """
    student_id = _enrolling_student(actor, student_id)
    seen = section_record(section_id=section_id, consistent=True)
    now = _now()
    row = Enrollment(section_id=section_id, student_id=student_id)

    def write(transaction: TransactWrite) -> None:
        transaction.update(
            Section(section_id=section_id),
            actions=[Section.enrolled.add(1)],
            condition=(
                Section.section_id.exists() & Section.deleting.does_not_exist() & (Section.enrolled < Section.capacity)
            ),
            return_values="ALL_OLD",
        )
        transaction.update(
            row,
            actions=[
                Enrollment.status.set(EnrollmentStatus.ENROLLED),
                Enrollment.roster_key.set(f"{EnrollmentStatus.ENROLLED}#{now.isoformat()}#{student_id}"),
                Enrollment.enrolled_student_id.set(student_id),
                Enrollment.term.set(seen.term),
                Enrollment.course_id.set(seen.course_id),
                Enrollment.enrolled_at.set(now),
                Enrollment.dropped_at.remove(),
                Enrollment.dropped_by.remove(),
                Enrollment.administrative.remove(),
            ],
            condition=Enrollment.section_id.does_not_exist() | (Enrollment.status == EnrollmentStatus.DROPPED),
        )

    try:
        _transact(write)
    except TransactWriteError as exc:
        section_reason, row_reason = exc.cancellation_reasons or [None, None]
        if row_reason and row_reason.code == _CONDITION_FAILED:
            raise AlreadyEnrolled() from exc
        if section_reason and section_reason.code == _CONDITION_FAILED:
            old = section_reason.raw_item
            if not old or "deleting" in old:
                raise SectionNotFound() from exc
            _open_marker_sync(Section.from_raw_data(old))
            raise SectionFull() from exc
        raise
    if seen.enrolled + 1 >= seen.capacity:
        # This enroll may have taken the last seat (``seen`` is only a hint).
        _open_marker_sync(section_record(section_id=section_id, consistent=True))
    return EnrollmentData(
        section_id=section_id,
        student_id=student_id,
        status=EnrollmentStatus.ENROLLED,
        term=seen.term,
        course_id=seen.course_id,
        enrolled_at=now,
        dropped_at=None,
        dropped_by=None,
        administrative=False,
    )


def enrollment_drop(*, actor: Actor, section_id: str, student_id: str) -> None:
    """Drop a student from a section: the student themself, the section's instructor or
    the registrar (the last two are administrative drops).

    One TransactWrite turns the row ``dropped`` (only if it is ``enrolled``: a second
    drop is ``EnrollmentNotFound``) and frees the seat (only if ``enrolled > 0``, so the
    counter never goes negative). The row is kept for the dropped roster.
    """
    student_id = resolve_user_id(actor, student_id)
    section = section_record(section_id=section_id, consistent=True)
    if student_id != actor.id and not (
        actor.is_registrar or (actor.is_instructor and section.instructor_id == actor.id)
    ):
        raise NotYourSection("Only the student, the section's instructor or the registrar may drop.")
    now = _now()
    administrative = student_id != actor.id

    def write(transaction: TransactWrite) -> None:
        transaction.update(
            Enrollment(section_id=section_id, student_id=student_id),
            actions=[
                Enrollment.status.set(EnrollmentStatus.DROPPED),
                Enrollment.roster_key.set(f"{EnrollmentStatus.DROPPED}#{now.isoformat()}#{student_id}"),
                Enrollment.enrolled_student_id.remove(),
                Enrollment.dropped_at.set(now),
                Enrollment.dropped_by.set(actor.id),
                Enrollment.administrative.set(administrative),
            ],
            condition=Enrollment.status == EnrollmentStatus.ENROLLED,
        )
        transaction.update(
            Section(section_id=section_id),
            actions=[Section.enrolled.add(-1), Section.open_term.set(section.term)],
            condition=Section.section_id.exists() & (Section.enrolled > 0),
        )

    try:
        _transact(write)
    except TransactWriteError as exc:
        if _CONDITION_FAILED in _reason_codes(exc):
            raise EnrollmentNotFound() from exc
        raise
