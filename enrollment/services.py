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

from django.conf import settings
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from accounts.api import Actor, Role, user_profile_get
from accounts.errors import UserNotFound
from core.dynamodb import connection, is_condition_failure
from core.errors import InvalidField
from core.outages import unavailable_store
from core.outbox import OutboxEvent, outbox_add, outbox_event, outbox_publish
from enrollment.data import (
    CourseData,
    EnrollmentStatus,
    EnrollOutcome,
    Registration,
    SectionData,
)
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
    WaitlistCapacityBelowWaitlisted,
)
from enrollment.models import Course, Enrollment, Section
from enrollment.selectors import (
    course_data,
    registration_of,
    resolve_user_id,
    section_data,
    section_data_counted,
    section_record,
    waitlist_registration,
)
from waitlist.api import (
    NotWaitlisted,
    ParkedStudent,
    ParkOutcome,
    auto_enrollment_freeze,
    auto_enrollment_frozen,
    waitlist_discard,
    waitlist_join,
    waitlist_leave,
    waitlist_lengths,
    waitlist_park_head,
    waitlist_place,
    waitlist_restore,
    waitlist_section_ids,
    waitlist_settle,
)

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
    if (capacity is not None or auto_enrollment_frozen is False) and _seats_fill_after_write(section_id=section_id):
        section = section_record(section_id=section_id, consistent=True)
    return section_data_counted(section)


def section_delete(*, section_id: str) -> None:
    """Delete a section with its enrollments and its waitlist.

    In four steps, each safe to repeat, so a DELETE retried after a crash finishes the
    job: mark the section ``deleting`` (enrolls and promotions are refused from then
    on), delete its waitlist and the students' references to it, delete its enrollment
    rows, then delete the section and uncount it on its course in one transaction.
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
    waitlist_discard(section_id=section_id)
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


def _seat_take(transaction: TransactWrite, *, section: Section, student_id: str, now: datetime) -> None:
    """Add to ``transaction``: take a seat (``enrolled + 1`` under ``enrolled < capacity``)
    and write the student's row (only if there is none, or it is ``dropped``)."""
    transaction.update(
        Section(section_id=section.section_id),
        actions=[Section.enrolled.add(1)],
        condition=(
            Section.section_id.exists() & Section.deleting.does_not_exist() & (Section.enrolled < Section.capacity)
        ),
        return_values="ALL_OLD",
    )
    transaction.update(
        Enrollment(section_id=section.section_id, student_id=student_id),
        actions=[
            Enrollment.status.set(EnrollmentStatus.ENROLLED),
            Enrollment.roster_key.set(f"{EnrollmentStatus.ENROLLED}#{now.isoformat()}#{student_id}"),
            Enrollment.enrolled_student_id.set(student_id),
            Enrollment.term.set(section.term),
            Enrollment.course_id.set(section.course_id),
            Enrollment.enrolled_at.set(now),
            Enrollment.dropped_at.remove(),
            Enrollment.dropped_by.remove(),
            Enrollment.administrative.remove(),
        ],
        condition=Enrollment.section_id.does_not_exist() | (Enrollment.status == EnrollmentStatus.DROPPED),
    )


def _seat_refusal(exc: TransactWriteError, *, first: int = 0) -> AlreadyEnrolled | SectionNotFound | SectionFull:
    """Why ``_seat_take`` was refused, by its cancellation reasons (the seat's at index
    ``first``, the row's after it): ``AlreadyEnrolled`` first (even when the section is
    also full), then ``SectionNotFound``, ``SectionFull``."""
    section_reason, row_reason = (exc.cancellation_reasons or [None] * (first + 2))[first : first + 2]
    if row_reason and row_reason.code == _CONDITION_FAILED:
        return AlreadyEnrolled()
    if section_reason and section_reason.code == _CONDITION_FAILED:
        old = section_reason.raw_item
        if not old or "deleting" in old:
            return SectionNotFound()
        _open_marker_sync(Section.from_raw_data(old))
        return SectionFull()
    raise exc


def _last_seat_taken(section: Section) -> bool:
    """After a seat of ``section`` (as read before) was taken: whether it was the last one.

    If it may have been, the section leaves the open-sections index by a write conditional
    on ``enrolled >= capacity``, with no read first: True if the condition held (the section
    is full now, and ``section`` is updated to what is stored). If a seat was freed
    meanwhile, the condition fails, nothing changes (the drop that freed it marked the
    section open) and the answer is False.
    """
    if section.enrolled + 1 < section.capacity:
        return False
    try:
        section.update(
            actions=[Section.open_term.remove()],
            condition=Section.section_id.exists() & (Section.enrolled >= Section.capacity),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def _seat_taken(section: Section, student_id: str, now: datetime) -> Registration:
    _last_seat_taken(section)
    return Registration(
        section_id=section.section_id,
        student_id=student_id,
        course_id=section.course_id,
        term=section.term,
        status=EnrollOutcome.ENROLLED,
        enrolled_at=now,
    )


def _enrollment_row(*, section_id: str, student_id: str) -> Enrollment | None:
    try:
        return Enrollment.get(section_id, student_id, consistent_read=True)
    except Enrollment.DoesNotExist:
        return None


def _is_enrolled(*, section_id: str, student_id: str) -> bool:
    row = _enrollment_row(section_id=section_id, student_id=student_id)
    return row is not None and row.status == EnrollmentStatus.ENROLLED


def enrollment_create(*, actor: Actor, section_id: str, student_id: str | None = None) -> Registration:
    """Enroll a student in a section, or put them on its waitlist.

    A seat is taken only when one is free and nobody waits: no one jumps the line. Then
    one TransactWrite takes it (see ``_seat_take``): ``AlreadyEnrolled`` if the student
    has a seat. Otherwise (full, or people waiting, or the last seat went meanwhile) the
    student joins the waitlist: ``AlreadyEnrolled`` if they have a seat, and the
    waitlist's own refusals (``WaitlistFull``, ``WaitlistLimitReached``,
    ``AlreadyWaitlisted``). A seat freed while they joined is filled from the line at
    once, which may enroll them straight away.
    """
    student_id = _enrolling_student(actor, student_id)
    section = section_record(section_id=section_id, consistent=True)
    if section.enrolled < section.capacity and not waitlist_lengths(section_ids=[section_id])[section_id]:
        now = _now()
        try:
            _transact(lambda transaction: _seat_take(transaction, section=section, student_id=student_id, now=now))
        except TransactWriteError as exc:
            refusal = _seat_refusal(exc)
            if not isinstance(refusal, SectionFull):
                raise refusal from exc
        else:
            return _seat_taken(section, student_id, now)
    else:
        _open_marker_sync(section)  # a marker left on a full section by a crash goes now
    return _waitlist_join(section=section, student_id=student_id)


def _waitlist_join(*, section: Section, student_id: str) -> Registration:
    if _is_enrolled(section_id=section.section_id, student_id=student_id):
        raise AlreadyEnrolled()
    place = waitlist_join(section_id=section.section_id, student_id=student_id, capacity=int(section.waitlist_capacity))
    # A seat freed after ``section`` was read found the line without this student:
    # offer it to the line now, or it would stay empty until the next drop.
    promoted = _seats_fill_after_write(section_id=section.section_id)
    for registration in promoted:
        if registration.student_id == student_id:
            return registration
    if promoted:
        try:
            place = waitlist_place(section_id=section.section_id, student_id=student_id)
        except NotWaitlisted:
            # Another request's promotion enrolled them meanwhile.
            row = _enrollment_row(section_id=section.section_id, student_id=student_id)
            if row is not None and row.status == EnrollmentStatus.ENROLLED:
                return registration_of(row)
    return waitlist_registration(place)


def enrollment_drop(*, actor: Actor, section_id: str, student_id: str) -> None:
    """Drop a student from a section: the student themself, the section's instructor or
    the registrar (the last two are administrative drops).

    One TransactWrite turns the row ``dropped`` (only if it is ``enrolled``: a second
    drop is ``EnrollmentNotFound``) and frees the seat (only if ``enrolled > 0``, so the
    counter never goes negative). The row is kept for the dropped roster. The freed seat
    goes to the head of the waitlist in the same request, unless auto-enrollment is
    frozen (see ``seats_fill``).
    """
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id:  # only then does the section say who may drop: its instructor
        section = section_record(section_id=section_id, consistent=True)
        if not (actor.is_registrar or (actor.is_instructor and section.instructor_id == actor.id)):
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
            # Back in the open-sections index under its own term: no read of the section first.
            actions=[Section.enrolled.add(-1), Section.open_term.set(Section.term)],
            condition=Section.section_id.exists() & Section.deleting.does_not_exist() & (Section.enrolled > 0),
            return_values="ALL_OLD",
        )

    try:
        _transact(write)
    except TransactWriteError as exc:
        if _CONDITION_FAILED in _reason_codes(exc):
            _, section_reason = (exc.cancellation_reasons or [None, None])[:2]
            refused_for_section = section_reason is not None and section_reason.code == _CONDITION_FAILED
            if refused_for_section and (not section_reason.raw_item or "deleting" in section_reason.raw_item):
                raise SectionNotFound() from exc
            raise EnrollmentNotFound() from exc
        raise
    _seats_fill_after_write(section_id=section_id)


# --- promotion from the waitlist ---------------------------------------------------

# A bound on one fill, against livelock: more rounds than any waitlist has students.
_FILL_ROUNDS_MAX = 1000
PROMOTED_EVENT = "enrollment.promoted"
# PynamoDB sends a transaction's puts before its updates, so in a promotion's
# cancellation reasons the event (a put) comes first, then the seat and the row.
_PROMOTION_SEAT_ITEMS = slice(1, 3)


def seats_fill(*, section_id: str) -> list[Registration]:
    """Enroll students from the head of a section's waitlist while it has free seats.

    Nothing moves while auto-enrollment is frozen, for every section or for this one.
    Each promotion is three steps, and a crash after any of them is recoverable (see
    "Promotion" in docs/data-model.md):

    1. park the head of the line in the section's "promoting" record (Redis);
    2. one TransactWrite takes a seat and writes the row (DynamoDB), as enroll does;
    3. the student leaves the waitlist; or, if there was no seat after all, goes back
       to the head of the line; a student found enrolled already just leaves it.

    One promotion per section is in flight at a time, so seats go in line order. A
    caller that finds one in flight leaves the seats to it (it re-reads them after each
    promotion), unless it has been parked longer than the grace period: then its
    promoter died, and this one recovers it first (``promotion_recover``).

    Returns the students enrolled.
    """
    promoted: list[Registration] = []
    # Two cheap Redis reads spare the DynamoDB read of most drops: nobody waits.
    if auto_enrollment_frozen() or not waitlist_lengths(section_ids=[section_id])[section_id]:
        return promoted
    for _ in range(_FILL_ROUNDS_MAX):
        try:
            section = section_record(section_id=section_id, consistent=True)
        except SectionNotFound:
            break
        if section.auto_enrollment_frozen or section.enrolled >= section.capacity:
            break
        park = waitlist_park_head(section_id=section_id)  # step 1
        if park.outcome is ParkOutcome.EMPTY:
            break
        if park.outcome is ParkOutcome.BUSY:
            stale = [parked for parked in park.parked if promotion_is_stale(parked)]
            if not stale:
                break
            for parked in stale:
                promotion_recover(parked=parked)
            continue
        registration = _promote(section, park.parked[0])
        if registration is not None:
            promoted.append(registration)
            # ``section`` was read with a free seat, and is refreshed only when that seat
            # was the last one (``_last_seat_taken``). Then no re-read: any seat freed
            # since is its dropper's to fill (this promotion is settled, so that dropper
            # found none in flight).
            if section.enrolled >= section.capacity:
                break
    return promoted


def _promote(section: Section, parked: ParkedStudent) -> Registration | None:
    """Steps 2 and 3 of a promotion: the student parked in step 1 gets the seat, or not."""
    now = _now()
    try:
        event = _promotion_transact(section=section, student_id=parked.student_id, now=now)  # step 2
    except TransactWriteError as exc:
        if _CONDITION_FAILED not in _reason_codes(exc)[_PROMOTION_SEAT_ITEMS]:  # refused for the event
            waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
            raise
        if isinstance(_seat_refusal(exc, first=_PROMOTION_SEAT_ITEMS.start), AlreadyEnrolled):
            waitlist_settle(section_id=section.section_id, student_id=parked.student_id)
        else:  # no seat after all, or the section is being deleted
            waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        return None
    except Exception:
        # The outcome is unknown (DynamoDB down, say): back in line. Had the seat been
        # taken after all, the next promotion finds them enrolled and they leave the line.
        waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        raise
    waitlist_settle(section_id=section.section_id, student_id=parked.student_id)  # step 3
    logger.info("promoted student %s from the waitlist of %s", parked.student_id, section.section_id)
    outbox_publish(event_id=event.id, event_type=event.type)
    return _seat_taken(section, parked.student_id, now)


def _promotion_transact(*, section: Section, student_id: str, now: datetime) -> OutboxEvent:
    """Step 2: take the seat, write the row and the ``enrollment.promoted`` event, in one
    TransactWrite: a promotion cannot exist without its event, nor the event without it."""
    event = outbox_event(
        event_type=PROMOTED_EVENT,
        occurred_at=now,
        data={
            "section_id": section.section_id,
            "student_id": student_id,
            "course_id": section.course_id,
            "course_title": section.title,
            "term": section.term,
            "section_number": section.number,
            "enrolled_at": now.isoformat().replace("+00:00", "Z"),
        },
    )

    def write(transaction: TransactWrite) -> None:
        _seat_take(transaction, section=section, student_id=student_id, now=now)
        outbox_add(transaction, event)

    _transact(write)
    return event


def promotion_is_stale(parked: ParkedStudent) -> bool:
    """Parked for longer than any promotion takes: its promoter has died."""
    return parked.parked_at_ms < (time.time() - settings.WAITLIST_PROMOTION_GRACE_SECONDS) * 1000


def promotion_recover(*, parked: ParkedStudent) -> str:
    """Finish a promotion whose promoter died after parking the student.

    If the student's row says enrolled, step 2 happened (or they had a seat already):
    they leave the waitlist. Otherwise they go back to the head of the line, in their
    own place. Returns what was done: ``"settled"`` or ``"restored"``.
    """
    if _is_enrolled(section_id=parked.section_id, student_id=parked.student_id):
        waitlist_settle(section_id=parked.section_id, student_id=parked.student_id)
        return "settled"
    waitlist_restore(section_id=parked.section_id, student_id=parked.student_id)
    return "restored"


def _seats_fill_after_write(*, section_id: str) -> list[Registration]:
    """``seats_fill`` after a write that has already succeeded (a drop, a join, a change
    of capacity): a store outage while filling must not turn that write into an error.
    The seats are then filled by the section's next promotion or ``check_integrity --repair``.
    """
    try:
        return seats_fill(section_id=section_id)
    except Exception as exc:
        store = unavailable_store(exc)
        if store is None:
            raise
        logger.warning("could not fill the free seats of %s from its waitlist (%s unavailable)", section_id, store)
        return []


def auto_enrollment_set(*, frozen: bool) -> bool:
    """Freeze or unfreeze automatic enrollment for every section.

    Unfreezing fills every free seat from the waitlists, each in line order.
    """
    auto_enrollment_freeze(frozen=frozen)
    if not frozen:
        section_ids = waitlist_section_ids()
        lengths = waitlist_lengths(section_ids=section_ids)
        for section_id in section_ids:
            if lengths[section_id]:
                seats_fill(section_id=section_id)
    return frozen


def waitlist_place_delete(*, actor: Actor, section_id: str, student_id: str) -> None:
    """Take a student off a section's waitlist: the student themself or the registrar.

    ``NotWaitlisted`` if they are not on it.
    """
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id and not actor.is_registrar:
        raise NotYourself("Only the student and the registrar may take a student off a waitlist.")
    waitlist_leave(section_id=section_id, student_id=student_id)


# --- repairs (check_integrity --repair) --------------------------------------------


def _set_if_unchanged(item: Course | Section, attribute: Any, *, seen: int, value: int) -> bool:
    """Set a counter of an existing item to ``value`` if it still reads ``seen``."""
    key = getattr(type(item), item._hash_keyname)
    try:
        item.update(actions=[attribute.set(value)], condition=key.exists() & (attribute == seen))
    except UpdateError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def section_counter_repair(*, section_id: str, seen: int, enrolled_rows: int) -> bool:
    """Set a section's seat counter to its count of enrolled rows, if it still reads
    ``seen`` (so an enroll or drop meanwhile is never overwritten). True if it was set."""
    if not _set_if_unchanged(Section(section_id=section_id), Section.enrolled, seen=seen, value=enrolled_rows):
        return False
    _open_marker_sync(section_record(section_id=section_id, consistent=True))
    return True


def open_marker_repair(*, section_id: str) -> None:
    """Put a section with free seats back in the open-sections index."""
    _open_marker_sync(section_record(section_id=section_id, consistent=True))


def course_section_count_repair(*, course_id: str, seen: int, sections: int) -> bool:
    """Set a course's count of sections to the sections it has, if it still reads ``seen``."""
    return _set_if_unchanged(Course(course_id=course_id), Course.section_count, seen=seen, value=sections)
