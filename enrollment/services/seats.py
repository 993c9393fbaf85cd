"""A seat: taking one in a transaction (the section's counter under ``enrolled <
capacity`` and the student's row), why one was refused, and the open-sections marker
that follows the seats. Enroll, promotion, capacity changes and repairs all go through here.
"""

from datetime import datetime

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from core.dynamodb import is_condition_failure
from enrollment.data import EnrollmentStatus, EnrollOutcome, Registration
from enrollment.errors import AlreadyEnrolled, EnrollmentNotFound, SectionFull, SectionNotFound
from enrollment.models import Enrollment, Section
from enrollment.services.transactions import _CONDITION_FAILED


def _open_marker_sync(section: Section) -> None:
    """Keep ``open_term`` (the sparse open-sections index) in step with the seats.

    Each change is conditional on the seats it assumes, so a concurrent enroll or drop
    can only leave the marker set on a full section (which the query filters out),
    never missing from a section with a free seat.
    """
    if section.enrolled < section.capacity and section.open_term is None:
        _conditional_update(
            section,
            actions=[Section.open_term.set(section.term)],
            condition=Section.section_id.exists() & (Section.enrolled < Section.capacity),
        )
    elif section.enrolled >= section.capacity and section.open_term is not None:
        _open_marker_remove(section)


def _open_marker_remove(section: Section) -> bool:
    """The section leaves the open-sections index if it is full: whether it was."""
    return _conditional_update(
        section,
        actions=[Section.open_term.remove()],
        condition=Section.section_id.exists() & (Section.enrolled >= Section.capacity),
    )


def _conditional_update(section: Section, *, actions: list[Action], condition: Condition) -> bool:
    """``section.update``: True if ``condition`` held, False (and nothing written) if not."""
    try:
        section.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


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
    return _open_marker_remove(section)


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


def seat_drop(transaction: TransactWrite, *, section_id: str, student_id: str, dropped_by: str, now: datetime) -> None:
    """Add to ``transaction``: the row turns ``dropped`` (only if it is ``enrolled``) and
    the seat is freed (only if the section exists, is not being deleted and ``enrolled >
    0``); the section goes back into the open-sections index under its own term, with no
    read first. The row's reason comes before the section's."""
    transaction.update(
        Enrollment(section_id=section_id, student_id=student_id),
        actions=[
            Enrollment.status.set(EnrollmentStatus.DROPPED),
            Enrollment.roster_key.set(f"{EnrollmentStatus.DROPPED}#{now.isoformat()}#{student_id}"),
            Enrollment.enrolled_student_id.remove(),
            Enrollment.dropped_at.set(now),
            Enrollment.dropped_by.set(dropped_by),
            Enrollment.administrative.set(dropped_by != student_id),
        ],
        condition=Enrollment.status == EnrollmentStatus.ENROLLED,
    )
    transaction.update(
        Section(section_id=section_id),
        actions=[Section.enrolled.add(-1), Section.open_term.set(Section.term)],
        condition=Section.section_id.exists() & Section.deleting.does_not_exist() & (Section.enrolled > 0),
        return_values="ALL_OLD",
    )


def seat_drop_refusal(exc: TransactWriteError, *, first: int = 0) -> SectionNotFound | EnrollmentNotFound | None:
    """Why ``seat_drop`` (its row's reason at ``first``, the section's after it) was
    refused: the section gone or being deleted, or no seat to drop; None if neither."""
    reasons = (exc.cancellation_reasons or [])[first : first + 2]
    if len(reasons) < 2 or not any(reason is not None and reason.code == _CONDITION_FAILED for reason in reasons):
        return None
    section_reason = reasons[1]
    if (
        section_reason is not None
        and section_reason.code == _CONDITION_FAILED
        and (not section_reason.raw_item or "deleting" in section_reason.raw_item)
    ):
        return SectionNotFound()
    return EnrollmentNotFound()
