"""Swap (drop-if-enroll): drop one section and enroll in another of the same term as one
change. The old seat is never lost unless the new one is taken."""

import functools
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from accounts.api import Actor, Role
from core.errors import InvalidField
from enrollment.data import EnrollmentData, Registration, section_term
from enrollment.errors import EnrollmentNotFound, NotYourself, SectionFull, StudentBusy
from enrollment.models import Section
from enrollment.rules import EnrolledSection, RegistrationState
from enrollment.selectors import candidate_of, enrollment_data, registration_read, resolve_user_id
from enrollment.services.enrollments import (
    DECIDE_ATTEMPTS,
    RecordChanged,
    _seat_taken_off_the_line,
    _section_of,
    _waitlist_join,
    adding_check,
    seat_of,
)
from enrollment.services.promotion import _seats_fill_after_write, skip_marks_review_after_write
from enrollment.services.records import record_refused, record_take
from enrollment.services.seats import (
    _enrollment_row,
    _seat_refusal,
    _seat_take,
    seat_drop,
    seat_drop_refusal,
)
from enrollment.services.sections import _user_with_role
from enrollment.services.transactions import _now, _transact
from waitlist.api import waitlist_lengths


@dataclass(frozen=True)
class SwapOutcome:
    """``swapped``: the old seat dropped and the new one taken; or ``waitlisted``: the
    student waits for the new section with the swap attached, and keeps the old seat."""

    dropped: EnrollmentData | None
    registration: Registration

    @property
    def swapped(self) -> bool:
        return self.dropped is not None


def swap_create(
    *, actor: Actor, student_id: str, drop_section_id: str, enroll_section_id: str, waitlist: bool = False
) -> SwapOutcome:
    """Drop ``drop_section_id`` and enroll in ``enroll_section_id`` as one change.

    The rules are those of an enroll (``adding_check``: the window but for the
    registrar, holds, a seat there already, time conflicts, credits), computed as if the
    dropped section were gone; no override. ``EnrollmentNotFound`` if the student holds no
    seat in ``drop_section_id``; the same section twice, or sections of different terms:
    400 ``invalid``.

    With a free seat and nobody waiting, one TransactWrite drops the old seat, takes the
    new one and updates the student's record: all of it or nothing. Otherwise, without
    ``waitlist``: ``SectionFull`` and nothing changes; with it, the student joins the
    waitlist with the swap attached and keeps the old seat until a promotion moves them
    (``enrollment.services.promotion``).
    """
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id:
        if not actor.is_registrar:
            raise NotYourself()
        student_id = _user_with_role(user_id=student_id, role=Role.STUDENT, field="student_id")
    if drop_section_id == enroll_section_id:
        raise InvalidField("enroll_section_id", "Swap into another section than the one dropped.")
    term = section_term(enroll_section_id)
    if section_term(drop_section_id) != term:
        raise InvalidField("enroll_section_id", "Both sections of a swap must be of the same term.")
    for _ in range(DECIDE_ATTEMPTS):
        read = registration_read(student_id=student_id, term=term, section_id=enroll_section_id)
        state = read.state
        if drop_section_id not in state.enrolled:
            raise EnrollmentNotFound(f"The student is not enrolled in {drop_section_id}.")
        section = _section_of(read)
        candidate = candidate_of(section)
        adding_check(actor=actor, state=state, candidate=candidate, dropping=drop_section_id)
        if (
            section.enrolled < section.capacity
            and not waitlist_lengths(section_ids=[section.section_id])[section.section_id]
        ):
            now = _now()
            try:
                _transact(
                    functools.partial(
                        _swap_write,
                        section=section,
                        state=state,
                        seat=seat_of(candidate),
                        dropping=drop_section_id,
                        dropped_by=actor.id,
                        now=now,
                    )
                )
            except TransactWriteError as exc:
                if record_refused(exc):
                    continue  # another request of the student changed the record: decide again
                drop_refusal = seat_drop_refusal(exc, first=2)
                if drop_refusal is not None:
                    raise drop_refusal from exc
                refusal = _seat_refusal(exc)
                if not isinstance(refusal, SectionFull):
                    raise refusal from exc
            else:
                registration = _seat_taken_off_the_line(section, student_id, now)
                _seats_fill_after_write(
                    section_id=drop_section_id, seat_freed=True
                )  # the old seat goes to its own line
                if set(state.skipped) - {enroll_section_id}:
                    skip_marks_review_after_write(student_id=student_id, term=term)
                row = _enrollment_row(section_id=drop_section_id, student_id=student_id)
                if row is None:  # the old section was deleted meanwhile
                    raise EnrollmentNotFound()
                return SwapOutcome(dropped=enrollment_data(row), registration=registration)
        if not waitlist:
            raise SectionFull("The section has no free seat (or students wait for it): nothing was changed.")
        try:
            registration = _waitlist_join(section=section, state=state, student_id=student_id, swap_for=drop_section_id)
        except RecordChanged:
            continue
        if registration.status == "enrolled":  # a seat freed as they joined: the promotion swapped them
            row = _enrollment_row(section_id=drop_section_id, student_id=student_id)
            return SwapOutcome(dropped=enrollment_data(row) if row else None, registration=registration)
        return SwapOutcome(dropped=None, registration=registration)
    raise StudentBusy()


def _swap_write(
    transaction: TransactWrite,
    *,
    section: Section,
    state: RegistrationState,
    seat: EnrolledSection,
    dropping: str,
    dropped_by: str,
    now: datetime,
) -> None:
    """A swap's transaction: the new seat and row (reasons 0, 1), the old row and seat
    (2, 3), the student's record (last)."""
    _seat_take(transaction, section=section, student_id=state.student_id, now=now)
    seat_drop(transaction, section_id=dropping, student_id=state.student_id, dropped_by=dropped_by, now=now)
    record_take(transaction, state=state, seat=seat, dropping=dropping)
