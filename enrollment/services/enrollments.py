"""Enroll and drop: a seat when one is free and nobody waits, the waitlist otherwise;
a drop frees the seat and hands it to the head of the line in the same request.

The registration rules (the window, holds, time conflicts, credits: ``enrollment.rules``)
are decided on one consistent read of the section, the term, and the student's ticket,
holds and term record; the seat's transaction then also writes the record, under the
condition that it is still the version the rules were checked on. A concurrent request
of the same student changes that version, so this one reads again and decides again:
two requests can never both pass the rules on the same state.
"""

import dataclasses
import functools
from collections.abc import Collection
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from accounts.api import Actor, Role
from core.errors import InvalidField
from enrollment.data import EnrollmentStatus, Registration, section_term
from enrollment.errors import (
    AlreadyEnrolled,
    NotYourSection,
    NotYourself,
    OverrideNotAllowed,
    SectionFull,
    SectionNotFound,
    StudentBusy,
)
from enrollment.models import Section
from enrollment.rules import Candidate, EnrolledSection, Override, RegistrationState
from enrollment.selectors import (
    RegistrationRead,
    candidate_of,
    registration_of,
    registration_read,
    resolve_user_id,
    waitlist_registration,
)
from enrollment.services.promotion import _seats_fill_after_write, skip_marks_review_after_write
from enrollment.services.records import record_free, record_refused, record_swap_detach, record_take, record_update
from enrollment.services.seats import (
    _enrollment_row,
    _is_enrolled,
    _open_marker_sync,
    _seat_refusal,
    _seat_take,
    _seat_taken,
    seat_drop,
    seat_drop_refusal,
)
from enrollment.services.sections import _user_with_role
from enrollment.services.transactions import _now, _transact
from waitlist.api import (
    AlreadyWaitlisted,
    NotWaitlisted,
    NotYourPlace,
    waitlist_join,
    waitlist_leave,
    waitlist_lengths,
    waitlist_place,
    waitlist_place_delete,
)

# Reads and decisions again after a concurrent change of the student's record, at most.
DECIDE_ATTEMPTS = 6


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


def _overrides_of(actor: Actor, overrides: Collection[str]) -> frozenset[str]:
    """The rules ``actor`` sets aside: only the registrar may (403 for anyone else)."""
    if overrides and not actor.is_registrar:
        raise OverrideNotAllowed()
    return frozenset(Override(value) for value in overrides)


def _section_of(read: RegistrationRead) -> Section:
    if read.section is None:
        raise SectionNotFound()
    return read.section


def adding_check(
    *,
    actor: Actor,
    state: RegistrationState,
    candidate: Candidate,
    dropping: str | None = None,
    overrides: frozenset[str] = frozenset(),
) -> None:
    """Raise why ``state``'s student may not add ``candidate`` now (enroll, swap into it or
    wait for it): a seat there already, the window (not for the registrar), a hold, a time
    conflict, credits. ``dropping``: a swap's old section, counted as gone."""
    if candidate.section_id in state.enrolled:
        raise AlreadyEnrolled()
    if not actor.is_registrar:
        refusal = state.window_refusal(_now())
        if refusal is not None:
            raise refusal
    hold = state.hold_refusal()
    if hold is not None:
        raise hold
    refusal = state.rule_refusal(candidate, dropping=dropping, overrides=overrides)
    if refusal is not None:
        raise refusal


def seat_of(candidate: Candidate, overrides: frozenset[str] = frozenset()) -> EnrolledSection:
    """The seat as the student's record keeps it, with the rules set aside to take it
    (so that ``check_integrity`` does not report what the registrar allowed)."""
    return EnrolledSection(
        section_id=candidate.section_id,
        credits=candidate.credits,
        meetings=candidate.meetings,
        overrides=tuple(sorted(str(value) for value in overrides)),
    )


def enrollment_create(
    *, actor: Actor, section_id: str, student_id: str | None = None, overrides: Collection[str] = ()
) -> Registration:
    """Enroll a student in a section, or put them on its waitlist.

    The rules first (``adding_check``): ``RegistrationNotOpen``/``RegistrationClosed``
    (not for the registrar), ``RegistrationHold``, ``AlreadyEnrolled``, ``TimeConflict``,
    ``CreditLimitExceeded`` (the registrar may override the last two). The same rules
    apply to joining the waitlist, as if the seat were taken.

    A seat is taken only when one is free and nobody waits: no one jumps the line. Then
    one TransactWrite takes it (see ``_seat_take``) and records it on the student's term
    record (``record_take``). Otherwise (full, or people waiting, or the last seat went
    meanwhile) the student joins the waitlist: the waitlist's own refusals
    (``WaitlistFull``, ``WaitlistLimitReached``, ``AlreadyWaitlisted``). A seat freed
    while they joined is filled from the line at once, which may enroll them straight away.
    """
    student_id = _enrolling_student(actor, student_id)
    allowed = _overrides_of(actor, overrides)
    for _ in range(DECIDE_ATTEMPTS):
        read = registration_read(student_id=student_id, term=section_term(section_id), section_id=section_id)
        section = _section_of(read)
        candidate = candidate_of(section)
        adding_check(actor=actor, state=read.state, candidate=candidate, overrides=allowed)
        if section.enrolled < section.capacity and not waitlist_lengths(section_ids=[section_id])[section_id]:
            now = _now()

            try:
                _transact(
                    functools.partial(
                        _seat_write, section=section, state=read.state, seat=seat_of(candidate, allowed), now=now
                    )
                )
            except TransactWriteError as exc:
                if record_refused(exc):
                    continue  # another request of the student changed the record: decide again
                refusal = _seat_refusal(exc)
                if not isinstance(refusal, SectionFull):
                    raise refusal from exc
            else:
                return _seat_taken_off_the_line(section, student_id, now)
        else:
            _open_marker_sync(section)  # a marker left on a full section by a crash goes now
        try:
            return _waitlist_join(section=section, state=read.state, student_id=student_id)
        except RecordChanged:
            continue
    raise StudentBusy()


def _waitlist_join(
    *, section: Section, state: RegistrationState, student_id: str, swap_for: str | None = None
) -> Registration:
    """Put the student on the section's waitlist (the rules were checked), with a swap
    attached (``swap_for``: the section to drop when promoted) if given.

    The record lists every seat the student holds (``adding_check`` refused a seat in this
    section); a seat taken before records existed is found by ``check_integrity``.

    The swap is written on the record before the place is taken, so a place never exists
    without its swap; a refused join takes it back. A passed-over mark of an earlier place
    in this line goes, so a new skip is told again.
    """
    if swap_for is not None and section.section_id in state.swaps:
        raise AlreadyWaitlisted()  # with a swap attached already: a repeated request changes nothing
    attach = swap_for is not None or section.section_id in state.skipped or section.section_id in state.swaps
    if attach:
        swaps = {key: value for key, value in state.swaps.items() if key != section.section_id}
        if swap_for is not None:
            swaps[section.section_id] = swap_for
        skipped = {key: value for key, value in state.skipped.items() if key != section.section_id}
        if not record_update(state, swaps=swaps, skipped=skipped):
            raise RecordChanged()
    try:
        place = waitlist_join(
            section_id=section.section_id, student_id=student_id, capacity=int(section.waitlist_capacity)
        )
        # ``state`` may be older than a seat in this section taken since: by a request of
        # theirs racing this one, or by a promotion from this very line that settled just
        # before this join. Read after the join, so that of this and that request's own
        # check after its seat (``_seat_taken_off_the_line``), one sees the other.
        if _is_enrolled(section_id=section.section_id, student_id=student_id):
            _line_leave(section_id=section.section_id, student_id=student_id)
            raise AlreadyEnrolled()
    except Exception:
        if swap_for is not None:
            record_swap_detach(student_id=student_id, term=state.term, section_id=section.section_id)
        raise
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
    return dataclasses.replace(waitlist_registration(place), swap_for=swap_for)


def _line_leave(*, section_id: str, student_id: str) -> bool:
    """Take the student off the section's line if they are on it (or being promoted from
    it); whether they were."""
    try:
        waitlist_leave(section_id=section_id, student_id=student_id)
    except NotWaitlisted:
        return False
    return True


def _seat_taken_off_the_line(section: Section, student_id: str, now: datetime) -> Registration:
    """After an enroll's or a swap's seat committed: ``_seat_taken``, and the student leaves
    the section's line if a request of theirs, which had read them without this seat, put
    them on it meanwhile (with the swap attached to that place). Nobody is both seated in
    a section and waiting for it: see ``_waitlist_join``, which checks the other way."""
    registration = _seat_taken(section, student_id, now)
    if _line_leave(section_id=section.section_id, student_id=student_id):
        record_swap_detach(student_id=student_id, term=section.term, section_id=section.section_id)
    return registration


def _seat_write(
    transaction: TransactWrite, *, section: Section, state: RegistrationState, seat: EnrolledSection, now: datetime
) -> None:
    """An enroll's transaction: the seat, the row, and the seat on the student's record."""
    _seat_take(transaction, section=section, student_id=state.student_id, now=now)
    record_take(transaction, state=state, seat=seat)


class RecordChanged(Exception):
    """The student's record changed between the read and a write that depends on it."""


def enrollment_drop(*, actor: Actor, section_id: str, student_id: str) -> None:
    """Drop a student from a section: the student themself, the section's instructor or
    the registrar (the last two are administrative drops).

    A student may drop until the term's registration closes (``RegistrationClosed``
    after it); windows do not bind the instructor nor the registrar.

    One TransactWrite turns the row ``dropped`` (only if it is ``enrolled``: a second
    drop is ``EnrollmentNotFound``), frees the seat (only if ``enrolled > 0``, so the
    counter never goes negative) and takes it off the student's term record. The row is
    kept for the dropped roster. The freed seat goes to the head of the waitlist in the
    same request, unless auto-enrollment is frozen (see ``seats_fill``).
    """
    student_id = resolve_user_id(actor, student_id)
    administrative = student_id != actor.id
    for _ in range(DECIDE_ATTEMPTS):
        read = registration_read(
            student_id=student_id,
            term=section_term(section_id),
            section_id=section_id if administrative else None,
            ticket=False,  # a drop is allowed before the opening: only the close matters
            holds=False,  # and with holds
        )
        if administrative:  # only then does the section say who may drop: its instructor
            section = _section_of(read)
            if not (actor.is_registrar or (actor.is_instructor and section.instructor_id == actor.id)):
                raise NotYourSection("Only the student, the section's instructor or the registrar may drop.")
        elif not actor.is_registrar:
            refusal = read.state.window_refusal(_now(), adding=False)
            if refusal is not None:
                raise refusal
        if _drop(actor=actor, state=read.state, section_id=section_id):
            _seats_fill_after_write(section_id=section_id, seat_freed=True)
            if set(read.state.skipped) - {section_id}:  # a reason to pass them over may be gone
                skip_marks_review_after_write(student_id=student_id, term=read.state.term)
            return
    raise StudentBusy()


def _drop(*, actor: Actor, state: RegistrationState, section_id: str) -> bool:
    """The drop's transaction: True when done, False when the record changed meanwhile."""
    student_id = state.student_id
    now = _now()
    recorded = section_id in state.enrolled

    def write(transaction: TransactWrite) -> None:
        seat_drop(transaction, section_id=section_id, student_id=student_id, dropped_by=actor.id, now=now)
        if recorded:
            record_free(transaction, state=state, section_id=section_id)

    try:
        _transact(write)
    except TransactWriteError as exc:
        refusal = seat_drop_refusal(exc)
        if refusal is not None:
            raise refusal from exc
        if recorded and record_refused(exc):
            return False
        raise
    return True


def waitlist_place_leave(*, actor: Actor, section_id: str, student_id: str) -> None:
    """Take a student off a section's waitlist: the student themself (until the term's
    registration closes: ``RegistrationClosed`` after it) or the registrar; a swap
    attached to the place goes with it. ``NotYourPlace`` for anyone else,
    ``NotWaitlisted`` if they are not on it."""
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id and not actor.is_registrar:
        raise NotYourPlace()
    state = registration_read(student_id=student_id, term=section_term(section_id), ticket=False, holds=False).state
    if not actor.is_registrar:
        refusal = state.window_refusal(_now(), adding=False)
        if refusal is not None:
            raise refusal
    waitlist_place_delete(actor=actor, section_id=section_id, student_id=student_id)
    if section_id in state.swaps:
        record_swap_detach(student_id=student_id, term=state.term, section_id=section_id)
