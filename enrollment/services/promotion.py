"""Promotion from a waitlist: the head of the line gets a free seat, with its
``enrollment.promoted`` event in the same transaction; and the global freeze switch.

The line itself (parking its head, settling, restoring, when a parked promotion is
stale) belongs to the waitlist app; the seat and the event belong here.
"""

import logging
from datetime import datetime
from enum import Enum
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from core.outages import unavailable_store
from core.outbox import OutboxEvent, outbox_add, outbox_event, outbox_publish
from enrollment.data import Registration, section_term
from enrollment.errors import AlreadyEnrolled
from enrollment.models import Section, StudentTerm
from enrollment.rules import Candidate, EnrolledSection, RegistrationState, SkipReason
from enrollment.selectors import RegistrationRead, candidate_of, registration_read, registration_state
from enrollment.services.records import record_mark, record_refused, record_take, record_update
from enrollment.services.seats import _is_enrolled, _seat_refusal, _seat_take, _seat_taken, seat_drop
from enrollment.services.transactions import _CONDITION_FAILED, _now, _reason_codes, _transact
from waitlist.api import (
    ParkedStudent,
    ParkOutcome,
    auto_enrollment_freeze,
    auto_enrollment_frozen,
    promotion_is_stale,
    waitlist_lengths,
    waitlist_next,
    waitlist_park_head,
    waitlist_restore,
    waitlist_section_ids,
    waitlist_settle,
)

logger = logging.getLogger(__name__)

# A bound on one fill, against livelock: more rounds than any waitlist has students.
_FILL_ROUNDS_MAX = 1000
PROMOTED_EVENT = "enrollment.promoted"
SKIPPED_EVENT = "enrollment.promotion_skipped"
_SKIP_TELL_ATTEMPTS = 3
# PynamoDB sends a transaction's puts before its updates, so in a promotion's
# cancellation reasons the event (a put) comes first, then the seat and the row.
_PROMOTION_SEAT_ITEMS = slice(1, 3)


class _Outcome(Enum):
    PASSED_OVER = "passed_over"  # may not take the seat now: keeps their place
    AGAIN = "again"  # their record changed while deciding: park them again


def seats_fill(*, section_id: str, seat_freed: bool = False) -> list[Registration]:
    """Enroll students from a section's waitlist, in line order, while it has free seats.

    Nothing moves while auto-enrollment is frozen, for every section or for this one.
    Each promotion is three steps, and a crash after any of them is recoverable (see
    "Promotion" in docs/data-model.md):

    1. park the first in line in the section's "promoting" record (Redis);
    2. read the student's standing (holds, term record) with the section, and decide:
       a student who may not take the seat now (a hold, a time conflict, the credit
       limit; windows do not apply) goes back to their place, is told once
       (``enrollment.promotion_skipped``) and is passed over for the rest of this fill;
       otherwise one TransactWrite takes a seat, writes the row, records the seat on the
       student's term record (conditional on its version) and the ``enrollment.promoted``
       event; a swap attached to the place also drops the old seat in it;
    3. the student leaves the waitlist; or, if there was no seat after all, goes back to
       the head of the line; a student found enrolled already just leaves it. A swap's
       old seat is then offered to its own line.

    One promotion per section is in flight at a time, so seats go in line order. A
    caller that finds one in flight leaves the seats to it (it re-reads them after each
    promotion), unless it has been parked longer than the grace period: then its
    promoter died, and this one recovers it first (``promotion_recover``).

    ``seat_freed``: the caller has just freed a seat (a drop), so the first round parks
    at once and reads after: when a promotion is in flight already (busy drops of one
    section), this caller leaves without reading anything.

    Returns the students enrolled.
    """
    promoted: list[Registration] = []
    # Two cheap Redis reads spare the DynamoDB read of most drops: nobody waits.
    if auto_enrollment_frozen() or not waitlist_lengths(section_ids=[section_id])[section_id]:
        return promoted
    passed_over: list[str] = []
    term = section_term(section_id)
    for _ in range(_FILL_ROUNDS_MAX):
        # The section and the standing of whom step 1 will park, in one read: a promotion
        # then decides without reading again (its writes are conditional on both).
        head = None if seat_freed else waitlist_next(section_id=section_id, passed_over=passed_over)
        seat_freed = False
        read = None
        if head is not None:
            read = registration_read(student_id=head, term=term, section_id=section_id, ticket=False)
            section = read.section
            if section is None or section.auto_enrollment_frozen or section.enrolled >= section.capacity:
                break
        # With nobody in line, parking still reports a promotion in flight (to recover if stale).
        park = waitlist_park_head(section_id=section_id, passed_over=passed_over)  # step 1
        if park.outcome is ParkOutcome.EMPTY:
            break
        if park.outcome is ParkOutcome.BUSY:
            stale = [parked for parked in park.parked if promotion_is_stale(parked)]
            if not stale:
                break
            for parked in stale:
                promotion_recover(parked=parked)
            continue
        if read is None or read.section is None:  # someone joined since the line was read
            read = registration_read(
                student_id=park.parked[0].student_id, term=term, section_id=section_id, ticket=False
            )
            if read.section is None:
                waitlist_restore(section_id=section_id, student_id=park.parked[0].student_id)
                break
        outcome, section = _promote(read.section, park.parked[0], read)
        if outcome is _Outcome.PASSED_OVER:
            passed_over.append(park.parked[0].student_id)
        elif isinstance(outcome, Registration):
            promoted.append(outcome)
            # ``section`` was read with a free seat, and is refreshed only when that seat
            # was the last one (``_last_seat_taken``). Then no re-read: any seat freed
            # since is its dropper's to fill (this promotion is settled, so that dropper
            # found none in flight).
            if section.enrolled >= section.capacity:
                break
    return promoted


def _promote(
    section: Section, parked: ParkedStudent, read: RegistrationRead | None = None
) -> tuple[Registration | _Outcome | None, Section]:
    """Steps 2 and 3 of a promotion: the student parked in step 1 gets the seat, is passed
    over, or goes back (no seat after all: None); with the section as last read.
    ``read``: the section and the student's standing read just before parking (read
    again here if it was someone else's: the line moved in between)."""
    if read is None or read.state.student_id != parked.student_id:
        try:
            read = registration_read(
                student_id=parked.student_id, term=section.term, section_id=section.section_id, ticket=False
            )  # step 2
        except Exception:
            waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
            raise
    if read.section is None:  # deleted meanwhile
        waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        return None, section
    section, state = read.section, read.state
    if section.enrolled >= section.capacity or section.auto_enrollment_frozen:
        waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        return None, section
    if section.section_id in state.enrolled:  # a seat already (a promotion that crashed after step 2)
        waitlist_settle(section_id=section.section_id, student_id=parked.student_id)
        return None, section
    candidate = candidate_of(section)
    skip = state.skip_reason(candidate)
    if skip is not None:
        waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        _skip_tell(section=section, state=state, candidate=candidate, reason=skip)
        return _Outcome.PASSED_OVER, section
    # A swap whose old seat is gone (dropped meanwhile) is a plain place now.
    swap_from = state.swaps.get(section.section_id)
    if swap_from is not None and swap_from not in state.enrolled:
        swap_from = None
    now = _now()
    try:
        event = _promotion_transact(section=section, state=state, candidate=candidate, swap_from=swap_from, now=now)
    except TransactWriteError as exc:
        if record_refused(exc):  # the student's record changed: decide again
            waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
            return _Outcome.AGAIN, section
        if _CONDITION_FAILED not in _reason_codes(exc)[_PROMOTION_SEAT_ITEMS]:  # refused for the event, or the old seat
            waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
            raise
        if isinstance(_seat_refusal(exc, first=_PROMOTION_SEAT_ITEMS.start), AlreadyEnrolled):
            waitlist_settle(section_id=section.section_id, student_id=parked.student_id)
        else:  # no seat after all, or the section is being deleted
            waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        return None, section
    except Exception:
        # The outcome is unknown (DynamoDB down, say): back in line. Had the seat been
        # taken after all, the next promotion finds them enrolled and they leave the line.
        waitlist_restore(section_id=section.section_id, student_id=parked.student_id)
        raise
    waitlist_settle(section_id=section.section_id, student_id=parked.student_id)  # step 3
    logger.info("promoted student %s from the waitlist of %s", parked.student_id, section.section_id)
    outbox_publish(event_id=event.id, event_type=event.type)
    if swap_from is not None:
        logger.info("student %s swapped %s for %s", parked.student_id, swap_from, section.section_id)
        _seats_fill_after_write(section_id=swap_from, seat_freed=True)  # the old seat goes to its own line
        if set(state.skipped) - {section.section_id}:
            skip_marks_review_after_write(student_id=parked.student_id, term=section.term)
    return _seat_taken(section, parked.student_id, now), section


def _event_data(section: Section, student_id: str) -> dict[str, Any]:
    return {
        "section_id": section.section_id,
        "student_id": student_id,
        "course_id": section.course_id,
        "course_title": section.title,
        "term": section.term,
        "section_number": section.number,
    }


def _promotion_transact(
    *, section: Section, state: RegistrationState, candidate: Candidate, swap_from: str | None, now: datetime
) -> OutboxEvent:
    """Step 2: take the seat, write the row, record the seat on the student's term record
    and write the ``enrollment.promoted`` event, in one TransactWrite: a promotion cannot
    exist without its event, nor the event without it. With a swap, the old seat is
    dropped in the same transaction."""
    data = {**_event_data(section, state.student_id), "enrolled_at": now.isoformat().replace("+00:00", "Z")}
    if swap_from is not None:
        data["swapped_from"] = swap_from
    event = outbox_event(event_type=PROMOTED_EVENT, occurred_at=now, data=data)
    seat = EnrolledSection(section_id=candidate.section_id, credits=candidate.credits, meetings=candidate.meetings)

    def write(transaction: TransactWrite) -> None:
        _seat_take(transaction, section=section, student_id=state.student_id, now=now)
        if swap_from is not None:
            seat_drop(
                transaction, section_id=swap_from, student_id=state.student_id, dropped_by=state.student_id, now=now
            )
        record_take(transaction, state=state, seat=seat, dropping=swap_from)
        outbox_add(transaction, event)

    _transact(write)
    return event


def _skip_tell(*, section: Section, state: RegistrationState, candidate: Candidate, reason: SkipReason) -> None:
    """Tell the student once that a promotion passed them over for ``reason``: the event
    ``enrollment.promotion_skipped`` and the mark ``skipped[section] = reason`` on their
    record are one transaction, so a reason is told once per section. The mark goes when
    the reason does (``skip_marks_review``, after a drop, a hold lifted or a higher limit),
    when they are promoted, or when they join the line again: then the reason coming back
    is told again."""
    mark = str(reason)
    for _ in range(_SKIP_TELL_ATTEMPTS):
        if state.skipped.get(section.section_id) == mark:
            return
        data: dict[str, Any] = {**_event_data(section, state.student_id), "reason": str(reason)}
        if reason is SkipReason.REGISTRATION_HOLD:
            data["holds"] = state.hold_kinds
        elif reason is SkipReason.TIME_CONFLICT:
            data["conflicts"] = state.conflicts_with(candidate, dropping=state.swaps.get(section.section_id))
        else:
            enrolled, requested = state.credits_after(candidate, dropping=state.swaps.get(section.section_id))
            data.update(credits_enrolled=enrolled, credits_requested=requested, max_credits=state.max_credits)
        event = outbox_event(event_type=SKIPPED_EVENT, data=data)
        skipped = {**state.skipped, section.section_id: mark}

        def write(
            transaction: TransactWrite,
            state: RegistrationState = state,
            skipped: dict[str, str] = skipped,
            event: OutboxEvent = event,
        ) -> None:
            record_mark(transaction, state=state, skipped=skipped)
            outbox_add(transaction, event)

        try:
            _transact(write)
        except TransactWriteError as exc:
            if not record_refused(exc):
                raise
            state = registration_state(student_id=state.student_id, term=state.term)
            continue
        logger.info("passed over student %s on the waitlist of %s (%s)", state.student_id, section.section_id, reason)
        outbox_publish(event_id=event.id, event_type=event.type)
        return
    logger.warning(
        "could not mark student %s passed over on %s: their record kept changing", state.student_id, section.section_id
    )


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


def _seats_fill_after_write(*, section_id: str, seat_freed: bool = False) -> list[Registration]:
    """``seats_fill`` after a write that has already succeeded (a drop, a join, a change
    of capacity): a store outage while filling must not turn that write into an error.
    The seats are then filled by the section's next promotion or ``check_integrity --repair``.
    """
    try:
        return seats_fill(section_id=section_id, seat_freed=seat_freed)
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


def skip_marks_review(*, student_id: str, term: str) -> list[str]:
    """After a change that may have taken a reason away (a seat dropped, a hold lifted, a
    higher credit limit): each section where a promotion passed the student over for a
    reason that no longer holds loses its mark (so the reason, should it come back, is
    told again) and is offered to its line again, where the student may now be first.
    Nothing is read when the record has no marks. Returns the sections reviewed."""
    state = registration_state(student_id=student_id, term=term)
    if not state.skipped:
        return []
    sections = {section.section_id: section for section in Section.batch_get(list(state.skipped), consistent_read=True)}
    for _ in range(_SKIP_TELL_ATTEMPTS):
        gone = {
            section_id
            for section_id, mark in state.skipped.items()
            if section_id not in sections or state.skip_reason(candidate_of(sections[section_id])) != mark
        }
        if not gone:
            return []
        kept = {section_id: mark for section_id, mark in state.skipped.items() if section_id not in gone}
        if record_update(state, skipped=kept):
            break
        state = registration_state(student_id=student_id, term=term)
    else:
        logger.warning("could not review the passed-over marks of %s in %s: the record kept changing", student_id, term)
        return []
    for section_id in sorted(gone & set(sections)):
        _seats_fill_after_write(section_id=section_id)
    return sorted(gone)


def skip_marks_review_after_write(*, student_id: str, term: str | None = None) -> None:
    """``skip_marks_review`` after a write that has already succeeded, for one term or (a
    hold lifted) every term the student has a record in; a store outage only logs: the
    marks are then reviewed by the section's next promotion."""
    try:
        terms = [term] if term else [record.term for record in StudentTerm.query(student_id, consistent_read=True)]
        for each in terms:
            skip_marks_review(student_id=student_id, term=each)
    except Exception as exc:
        store = unavailable_store(exc)
        if store is None:
            raise
        logger.warning("could not review the passed-over marks of %s (%s unavailable)", student_id, store)
