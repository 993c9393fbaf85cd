"""Enroll and drop: a seat when one is free and nobody waits, the waitlist otherwise;
a drop frees the seat and hands it to the head of the line in the same request."""

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from accounts.api import Actor, Role
from core.errors import InvalidField
from enrollment.data import EnrollmentStatus, Registration
from enrollment.errors import (
    AlreadyEnrolled,
    EnrollmentNotFound,
    NotYourSection,
    NotYourself,
    SectionFull,
    SectionNotFound,
)
from enrollment.models import Enrollment, Section
from enrollment.selectors import registration_of, resolve_user_id, section_record, waitlist_registration
from enrollment.services.promotion import _seats_fill_after_write
from enrollment.services.seats import (
    _enrollment_row,
    _is_enrolled,
    _open_marker_sync,
    _seat_refusal,
    _seat_take,
    _seat_taken,
)
from enrollment.services.sections import _user_with_role
from enrollment.services.transactions import _CONDITION_FAILED, _now, _reason_codes, _transact
from waitlist.api import NotWaitlisted, waitlist_join, waitlist_lengths, waitlist_place


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
            if (
                section_reason is not None
                and section_reason.code == _CONDITION_FAILED
                and (not section_reason.raw_item or "deleting" in section_reason.raw_item)
            ):
                raise SectionNotFound() from exc
            raise EnrollmentNotFound() from exc
        raise
    _seats_fill_after_write(section_id=section_id)
