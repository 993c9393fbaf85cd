"""What the waitlist app hands to other apps: plain frozen values, never Redis replies."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class WaitlistPlace:
    """A student's place on a section's waitlist.

    ``sequence`` is the arrival number that orders the line (it never changes while the
    student waits); ``position`` is 1-based and counts a student being promoted as still
    in line. ``changed`` is when the waitlist last changed (unix seconds): Last-Modified.
    """

    section_id: str
    student_id: str
    position: int
    sequence: int
    joined_at: datetime
    changed: int
    promoting: bool = False

    @property
    def version(self) -> str:
        """Changes exactly when the student's answer changes: a new entry or a new position."""
        return f"{self.sequence}.{self.position}"


@dataclass(frozen=True)
class ParkedStudent:
    """A student moved off the line to be enrolled (step 1 of a promotion)."""

    section_id: str
    student_id: str
    sequence: int
    parked_at_ms: int

    @classmethod
    def from_stamp(cls, section_id: str, student_id: str, stamp: str) -> "ParkedStudent":
        """From an entry of the ``promoting`` hash: ``"{sequence}:{parked at ms}"``."""
        sequence, parked_at_ms = stamp.split(":")
        return cls(section_id=section_id, student_id=student_id, sequence=int(sequence), parked_at_ms=int(parked_at_ms))


class ParkOutcome(StrEnum):
    PARKED = "parked"  # the head of the line is parked: enroll them
    EMPTY = "empty"  # nobody waits
    BUSY = "busy"  # another promotion of this section is in flight (or crashed)


@dataclass(frozen=True)
class Park:
    outcome: ParkOutcome
    # PARKED: the one student parked now; BUSY: those parked by the promotion in flight.
    parked: tuple[ParkedStudent, ...] = ()


@dataclass(frozen=True)
class WaitlistSnapshot:
    """Everything stored for one section's waitlist, read atomically (for the integrity check)."""

    section_id: str
    waiting: tuple[str, ...]  # in line order
    parked: tuple[ParkedStudent, ...]
    joined: frozenset[str]  # students with a join time recorded

    @property
    def students(self) -> tuple[str, ...]:
        return tuple(parked.student_id for parked in self.parked) + self.waiting

    def __len__(self) -> int:
        return len(self.waiting) + len(self.parked)
