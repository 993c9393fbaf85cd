"""Promotion from a waitlist: the head of the line gets a free seat, with its
``enrollment.promoted`` event in the same transaction; and the global freeze switch.

The line itself (parking its head, settling, restoring, when a parked promotion is
stale) belongs to the waitlist app; the seat and the event belong here.
"""

import logging
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from core.outages import unavailable_store
from core.outbox import OutboxEvent, outbox_add, outbox_event, outbox_publish
from enrollment.data import Registration
from enrollment.errors import AlreadyEnrolled, SectionNotFound
from enrollment.models import Section
from enrollment.selectors import section_record
from enrollment.services.seats import _is_enrolled, _seat_refusal, _seat_take, _seat_taken
from enrollment.services.transactions import _CONDITION_FAILED, _now, _reason_codes, _transact
from waitlist.api import (
    ParkedStudent,
    ParkOutcome,
    auto_enrollment_freeze,
    auto_enrollment_frozen,
    promotion_is_stale,
    waitlist_lengths,
    waitlist_park_head,
    waitlist_restore,
    waitlist_section_ids,
    waitlist_settle,
)

logger = logging.getLogger(__name__)

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
