"""Placeholder until the meetings module lands (see the meetings branch)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Meeting:
    days: str
    start: str
    end: str


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def meetings_overlap(a: Sequence[Meeting], b: Sequence[Meeting]) -> bool:
    return any(
        set(x.days) & set(y.days) and _minutes(x.start) < _minutes(y.end) and _minutes(y.start) < _minutes(x.end)
        for x in a
        for y in b
    )


def meeting_conflicts(meetings: Sequence[Meeting], enrolled: Mapping[str, Sequence[Meeting]]) -> list[str]:
    return sorted(section_id for section_id, other in enrolled.items() if meetings_overlap(meetings, other))


def meetings_from_dicts(items: Iterable[Mapping[str, str]]) -> list[Meeting]:
    return [Meeting(days=item["days"], start=item["start"], end=item["end"]) for item in items]


def meetings_to_dicts(meetings: Iterable[Meeting]) -> list[dict[str, str]]:
    return [{"days": m.days, "start": m.start, "end": m.end} for m in meetings]
