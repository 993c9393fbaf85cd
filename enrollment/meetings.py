"""Sections' weekly meeting times and the time conflicts between them. Pure: no I/O.

A meeting is ``{"days": "MWF", "start": "09:00", "end": "09:50"}``: distinct upper-case
day letters of ``MTWRFSU`` and local ``HH:MM`` times, start before end (the REST
serializers check the shape; these functions trust it). Two meetings overlap when they
share a day and one starts before the other ends, so a meeting ending at 09:50 does not
overlap one starting at 09:50.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DAY_LETTERS = "MTWRFSU"  # Monday to Sunday; R is Thursday, U Sunday
MAX_MEETINGS = 10  # per section: more is a data-entry mistake, not a timetable


@dataclass(frozen=True)
class Meeting:
    days: str  # e.g. "MWF"
    start: str  # "HH:MM", 24-hour
    end: str  # "HH:MM", after start


def _minutes(time: str) -> int:
    hours, _, minutes = time.partition(":")
    return int(hours) * 60 + int(minutes)


def _overlap(a: Meeting, b: Meeting) -> bool:
    if not set(a.days) & set(b.days):
        return False
    return _minutes(a.start) < _minutes(b.end) and _minutes(b.start) < _minutes(a.end)


def meetings_overlap(a: Sequence[Meeting], b: Sequence[Meeting]) -> bool:
    """Whether any meeting of ``a`` overlaps any meeting of ``b`` (an empty list overlaps nothing)."""
    return any(_overlap(first, second) for first in a for second in b)


def meeting_conflicts(meetings: Sequence[Meeting], enrolled: Mapping[str, Sequence[Meeting]]) -> list[str]:
    """The ids of the sections in ``enrolled`` (section id to its meetings) whose
    meetings overlap ``meetings``, sorted."""
    return sorted(section_id for section_id, theirs in enrolled.items() if meetings_overlap(meetings, theirs))


def meetings_from_dicts(values: Iterable[Mapping[str, str]]) -> tuple[Meeting, ...]:
    """Meetings from their plain form ``{"days", "start", "end"}`` (as stored or as sent)."""
    return tuple(Meeting(days=value["days"], start=value["start"], end=value["end"]) for value in values)


def meetings_to_dicts(meetings: Iterable[Meeting]) -> list[dict[str, str]]:
    """The plain form of ``meetings``: ``[{"days", "start", "end"}, ...]``, in order."""
    return [{"days": meeting.days, "start": meeting.start, "end": meeting.end} for meeting in meetings]
