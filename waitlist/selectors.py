"""Reads of the waitlists. Reads of several keys of one section run as one MULTI
transaction, so they see the waitlist between two scripts, never halfway through one;
reads of many sections are pipelined into one round trip."""

import time
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime

from django.conf import settings

from waitlist import keys
from waitlist.data import ParkedStudent, WaitlistPlace, WaitlistSnapshot
from waitlist.errors import NotWaitlisted
from waitlist.scripts import store, text

# A place whose join time is missing (which no script leaves behind) reads as this.
_UNKNOWN_TIME = datetime.fromtimestamp(0, UTC)


def _joined_at(value: bytes | str | None) -> datetime:
    return datetime.fromisoformat(text(value)) if value else _UNKNOWN_TIME


def _parked(section_id: str, flat: dict) -> list[ParkedStudent]:
    return sorted(
        (ParkedStudent.from_stamp(section_id, text(student), text(stamp)) for student, stamp in flat.items()),
        key=lambda parked: parked.sequence,
    )


def waitlist_place(*, section_id: str, student_id: str) -> WaitlistPlace:
    """A student's place on a section's waitlist; ``NotWaitlisted`` if they are not on it.

    Students being promoted are first in line, so they count before everyone waiting.
    """
    section = keys.section_keys(section_id)
    with store().pipeline(transaction=True) as pipe:
        pipe.zscore(section.queue, student_id)
        pipe.zrank(section.queue, student_id)
        pipe.hgetall(section.promoting)
        pipe.hget(section.joined, student_id)
        pipe.hget(section.meta, "changed")
        sequence, rank, promoting, joined, changed = pipe.execute()
    parked = _parked(section_id, promoting)
    if sequence is not None:
        position, is_promoting = len(parked) + rank + 1, False
    else:
        mine = [index for index, entry in enumerate(parked) if entry.student_id == student_id]
        if not mine:
            raise NotWaitlisted()
        position, is_promoting, sequence = mine[0] + 1, True, parked[mine[0]].sequence
    return WaitlistPlace(
        section_id=section_id,
        student_id=student_id,
        position=position,
        sequence=int(sequence),
        joined_at=_joined_at(joined),
        changed=int(changed or 0),
        promoting=is_promoting,
    )


def waitlist_places(*, section_id: str) -> list[WaitlistPlace]:
    """Everyone on a section's waitlist, in line order (those being promoted first)."""
    section = keys.section_keys(section_id)
    with store().pipeline(transaction=True) as pipe:
        pipe.hgetall(section.promoting)
        pipe.zrange(section.queue, 0, -1, withscores=True)
        pipe.hgetall(section.joined)
        pipe.hget(section.meta, "changed")
        promoting, waiting, joined, changed = pipe.execute()
    joined = {text(student): value for student, value in joined.items()}
    line = [(entry.student_id, entry.sequence, True) for entry in _parked(section_id, promoting)]
    line += [(text(student), int(score), False) for student, score in waiting]
    return [
        WaitlistPlace(
            section_id=section_id,
            student_id=student_id,
            position=position,
            sequence=sequence,
            joined_at=_joined_at(joined.get(student_id)),
            changed=int(changed or 0),
            promoting=is_promoting,
        )
        for position, (student_id, sequence, is_promoting) in enumerate(line, start=1)
    ]


def waitlist_lengths(*, section_ids: Iterable[str]) -> dict[str, int]:
    """How many students wait for each section (being promoted counts): one round trip."""
    section_ids = list(dict.fromkeys(section_ids))
    if not section_ids:
        return {}
    with store().pipeline(transaction=False) as pipe:
        for section_id in section_ids:
            section = keys.section_keys(section_id)
            pipe.zcard(section.queue)
            pipe.hlen(section.promoting)
        replies = pipe.execute()
    return {
        section_id: int(replies[2 * index]) + int(replies[2 * index + 1])
        for index, section_id in enumerate(section_ids)
    }


def waitlist_next(*, section_id: str, passed_over: Collection[str] = ()) -> str | None:
    """Who a promotion would park now: the first in line not in ``passed_over`` (None if
    nobody). A read, for the promoter to read that student's standing with the section
    before parking them; ``waitlist_park_head`` decides."""
    line: list[bytes | str] = store().zrange(keys.section_keys(section_id).queue, 0, len(passed_over))  # type: ignore[assignment]
    for member in line:
        student_id = text(member)
        if student_id not in passed_over:
            return student_id
    return None


def student_waitlist_places(*, student_id: str) -> list[WaitlistPlace]:
    """The places a student holds, by section id. A section counted for the student
    without a place on its line (left over by a crash) is not a place, and is skipped."""
    places = []
    for section_id in sorted(text(member) for member in store().smembers(keys.student_key(student_id))):
        try:
            places.append(waitlist_place(section_id=section_id, student_id=student_id))
        except NotWaitlisted:
            continue
    return places


def auto_enrollment_frozen() -> bool:
    """Whether automatic enrollment is frozen for every section (the global switch)."""
    return store().get(keys.FROZEN) is not None


def waitlist_section_ids() -> list[str]:
    """The sections that have had a waitlist (the index), in id order."""
    return sorted(text(member) for member in store().smembers(keys.INDEX))


def waitlist_snapshot(*, section_id: str) -> WaitlistSnapshot:
    """Everything stored for a section's waitlist, read at one instant."""
    section = keys.section_keys(section_id)
    with store().pipeline(transaction=True) as pipe:
        pipe.zrange(section.queue, 0, -1)
        pipe.hgetall(section.promoting)
        pipe.hkeys(section.joined)
        waiting, promoting, joined = pipe.execute()
    return WaitlistSnapshot(
        section_id=section_id,
        waiting=tuple(text(student) for student in waiting),
        parked=tuple(_parked(section_id, promoting)),
        joined=frozenset(text(student) for student in joined),
    )


# --- for the integrity check only: these SCAN the keyspace --------------------------


def stored_section_ids() -> set[str]:
    """Every section with any waitlist key in Redis, found by SCAN (not for request paths)."""
    found = set()
    for key in store().scan_iter(match=keys.SECTION_KEYS_PATTERN, count=1000):
        section_id = keys.section_id_of(text(key))
        if section_id:
            found.add(section_id)
    return found


def stored_student_counts() -> Iterator[tuple[str, set[str]]]:
    """Each student's set of counted waitlists, found by SCAN (not for request paths)."""
    client = store()
    for key in client.scan_iter(match=keys.STUDENT_KEYS_PATTERN, count=1000):
        student_id = keys.student_id_of(text(key))
        if student_id:
            yield student_id, {text(member) for member in client.smembers(key)}


def promotion_is_stale(parked: ParkedStudent) -> bool:
    """Parked for longer than any promotion takes (``WAITLIST_PROMOTION_GRACE_SECONDS``):
    its promoter has died, and whoever finds it recovers it."""
    return parked.parked_at_ms < (time.time() - settings.WAITLIST_PROMOTION_GRACE_SECONDS) * 1000
