"""Writes of the waitlists in Redis: every rule about a place in line lives here.

Each write that reads before it writes is one Lua script (``waitlist.scripts``). A
join is two: the student's set of waitlists (their own hash tag) counts the section
first, then the section's line takes them; what the second refuses, the first gives
back. In that order a student is never in a line without being counted, so the limit
of waitlists per student holds even across a crash, which at worst leaves a count
without a place: the next join to that section, or ``check_integrity --repair``,
removes it. Two requests of one student on one line can interleave between the two
keys, so each change of a line ends by syncing the count with it (``_count_sync``).

Promotion to a seat crosses into DynamoDB and lives in ``enrollment.services.promotion``;
this module gives it the three Redis steps: park the head, settle, restore (and
``waitlist.selectors.promotion_is_stale`` says when a parked promotion's promoter died).
"""

import logging
import time
from collections.abc import Collection
from datetime import UTC, datetime

from django.conf import settings

from accounts.api import Actor, resolve_user_id
from waitlist import keys
from waitlist.data import Park, ParkedStudent, ParkOutcome, WaitlistPlace
from waitlist.errors import AlreadyWaitlisted, NotWaitlisted, NotYourPlace, WaitlistFull, WaitlistLimitReached
from waitlist.scripts import run, store, text

logger = logging.getLogger(__name__)

# How many times a count is written and checked against its line before giving up (it
# takes one unless another request of the student changes that line meanwhile).
_SYNC_ROUNDS = 5


def _now_seconds() -> int:
    return int(time.time())


def waitlist_join(*, section_id: str, student_id: str, capacity: int) -> WaitlistPlace:
    """Put a student at the end of a section's waitlist.

    Refused with ``WaitlistLimitReached`` when the student is on the most waitlists
    allowed (``WAITLIST_MAX_PER_STUDENT``), ``AlreadyWaitlisted`` when they are on this
    one, and ``WaitlistFull`` when ``capacity`` students wait (being promoted counts).
    """
    section = keys.section_keys(section_id)
    reservation = text(
        run("reserve", keys=[keys.student_key(student_id)], args=[section_id, settings.WAITLIST_MAX_PER_STUDENT])
    )
    if reservation == "limit":
        raise WaitlistLimitReached()
    now = datetime.now(UTC)
    try:
        # In the index before anyone waits in the line, so unfreezing finds every line.
        # A command of its own: the index has no hash tag, and a cluster runs no script
        # in a pipeline.
        store().sadd(keys.INDEX, section_id)
        outcome = run("join", keys=section.all, args=[student_id, capacity, now.isoformat(), int(now.timestamp())])
    except Exception:
        if reservation == "reserved":
            _count_release(section_id=section_id, student_id=student_id)
        raise
    status = text(outcome[0])
    if status == "already_waitlisted":
        raise AlreadyWaitlisted()  # and the count, whether just made or found, is right
    if status == "waitlist_full":
        # Counted now, or counted by an earlier join that crashed before taking a place.
        _count_release(section_id=section_id, student_id=student_id)
        raise WaitlistFull()
    # Counted again now that the place is taken: the reservation may have found the count
    # of a place of theirs that was going (a leave, a promotion settling), whose release
    # could remove it after this join.
    _count_sync(section_id=section_id, student_id=student_id, in_line=True)
    _, position, sequence, changed = outcome
    return WaitlistPlace(
        section_id=section_id,
        student_id=student_id,
        position=int(position),
        sequence=int(sequence),
        joined_at=now,
        changed=int(changed),
    )


def waitlist_leave(*, section_id: str, student_id: str) -> None:
    """Take a student off a section's waitlist; ``NotWaitlisted`` if they are not on it.

    Everyone behind them moves up one place. A student being promoted right now leaves
    too, unless their enrollment has already been written.
    """
    left = run("leave", keys=keys.section_keys(section_id).all, args=[student_id, _now_seconds()])
    if not left:
        raise NotWaitlisted()
    _count_release(section_id=section_id, student_id=student_id)


def waitlist_place_delete(*, actor: Actor, section_id: str, student_id: str) -> None:
    """Take a student off a section's waitlist: the student themself or the registrar.

    ``NotYourPlace`` for anyone else, ``NotWaitlisted`` if they are not on it.
    """
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id and not actor.is_registrar:
        raise NotYourPlace()
    waitlist_leave(section_id=section_id, student_id=student_id)


def waitlist_park_head(*, section_id: str, passed_over: Collection[str] = ()) -> Park:
    """Step 1 of a promotion: move the first in line to the section's "promoting" record,
    passing over ``passed_over`` (students this fill found unable to take the seat: they
    keep their places).

    At most one promotion per section is in flight: if one is, nothing moves and the
    answer is ``BUSY`` with the students it parked. ``EMPTY`` when nobody else waits.
    """
    section = keys.section_keys(section_id)
    now_ms = int(time.time() * 1000)
    reply = run("park_head", keys=[section.queue, section.promoting], args=[now_ms, *passed_over])
    outcome = ParkOutcome(text(reply[0]))
    if outcome is ParkOutcome.PARKED:
        student_id, sequence = text(reply[1]), int(float(text(reply[2])))
        head = ParkedStudent(section_id=section_id, student_id=student_id, sequence=sequence, parked_at_ms=now_ms)
        return Park(outcome=outcome, parked=(head,))
    entries = reply[1:]
    parked = tuple(
        ParkedStudent.from_stamp(section_id, text(entries[i]), text(entries[i + 1])) for i in range(0, len(entries), 2)
    )
    return Park(outcome=outcome, parked=parked)


def waitlist_settle(*, section_id: str, student_id: str) -> bool:
    """Step 3 of a promotion that enrolled the student: they leave the waitlist.

    False if they were not parked any more (settled by someone else, or they left).
    """
    section = keys.section_keys(section_id)
    settled = bool(
        run("settle", keys=[section.joined, section.promoting, section.meta], args=[student_id, _now_seconds()])
    )
    if settled:
        _count_release(section_id=section_id, student_id=student_id)
    return settled


def waitlist_restore(*, section_id: str, student_id: str) -> bool:
    """Step 3 of a promotion that found no seat: the student goes back to the head of the line.

    False if they were not parked any more (they left meanwhile).
    """
    section = keys.section_keys(section_id)
    return bool(run("restore", keys=[section.queue, section.promoting], args=[student_id]))


def waitlist_discard(*, section_id: str) -> list[str]:
    """Delete a section's waitlist and every student's reference to it; the students it held."""
    students = [text(student) for student in run("discard", keys=keys.section_keys(section_id).all, args=[])]
    with store().pipeline(transaction=False) as pipe:
        for student_id in students:
            pipe.srem(keys.student_key(student_id), section_id)
        pipe.srem(keys.INDEX, section_id)
        pipe.execute()
    return students


def waitlist_count_add(*, section_id: str, student_id: str) -> None:
    """Count a section among a student's waitlists (repairs a place that lost its count)."""
    store().sadd(keys.student_key(student_id), section_id)


def waitlist_count_remove(*, section_id: str, student_id: str) -> None:
    """Stop counting a section among a student's waitlists, once their place is gone (also
    repairs a count without a place)."""
    store().srem(keys.student_key(student_id), section_id)


def _count_release(*, section_id: str, student_id: str) -> None:
    """Stop counting a section among a student's waitlists once their place in it is gone
    (left, settled by a promotion, or never taken), unless they are in its line again."""
    _count_sync(section_id=section_id, student_id=student_id, in_line=False)


def _count_sync(*, section_id: str, student_id: str, in_line: bool) -> None:
    """Make the student's count of ``section_id`` say what its line says, after this
    request changed the line (``in_line``: what the change left).

    The count and the line live under different hash tags, so no script changes both,
    and two requests of one student on one line (a join racing a leave, or a promotion
    settling) can interleave between them. A plain write after the change can be stale
    by the time it lands: a place left uncounted, or counted without a place (the burst
    of issue 18 found both). So the count is written, then the line read again, and
    written again while the two disagree: every change of the line is followed by such
    a sync, and the last write of each sync follows a read that confirmed it, so once
    the requests are done the count agrees with the line.
    """
    section = keys.section_keys(section_id)
    for _ in range(_SYNC_ROUNDS):
        if in_line:
            waitlist_count_add(section_id=section_id, student_id=student_id)
        else:
            waitlist_count_remove(section_id=section_id, student_id=student_id)
        now_in_line = bool(run("in_line", keys=[section.queue, section.promoting], args=[student_id]))
        if now_in_line == in_line:
            return
        in_line = now_in_line
    logger.warning(
        "the count of student %s on the waitlist of %s kept changing; check_integrity repairs it",
        student_id,
        section_id,
    )


def waitlist_joined_forget(*, section_id: str, student_id: str) -> None:
    """Remove a join time left behind without a place (repair)."""
    store().hdel(keys.section_keys(section_id).joined, student_id)


def auto_enrollment_freeze(*, frozen: bool) -> None:
    """Freeze or unfreeze automatic enrollment from every waitlist (the global switch)."""
    if frozen:
        store().set(keys.FROZEN, "1")
    else:
        store().delete(keys.FROZEN)
