"""Every Redis key the waitlists use. No other module spells a key name.

A section's keys share the hash tag ``{section_id}``, so on Redis Cluster they live in
one slot and one Lua script may read and write them together. A student's set of
waitlists carries the student's tag instead: the scripts that touch it touch nothing
else. docs/data-model.md says what each key holds and what each operation costs.
"""

from dataclasses import dataclass

# The sections that have had a waitlist: where "unfreeze" and the integrity check look.
INDEX = "waitlist-index"
# "1" while automatic enrollment is frozen for every section.
FROZEN = "auto-enrollment:frozen"

_SECTION_PREFIX = "waitlist:{"
_STUDENT_PREFIX = "waitlist-student:{"
# SCAN patterns, for the integrity check (never on a request path).
SECTION_KEYS_PATTERN = _SECTION_PREFIX + "*"
STUDENT_KEYS_PATTERN = _STUDENT_PREFIX + "*"


@dataclass(frozen=True)
class SectionKeys:
    """The keys of one section's waitlist."""

    queue: str  # ZSET: student id -> arrival sequence number (the order of the line)
    joined: str  # HASH: student id -> when they joined (RFC 3339)
    promoting: str  # HASH: student id -> "{sequence}:{parked at, unix ms}" while being enrolled
    meta: str  # HASH: "sequence" -> last number handed out; "changed" -> last change (unix s)

    @property
    def all(self) -> list[str]:
        return [self.queue, self.joined, self.promoting, self.meta]


def section_keys(section_id: str) -> SectionKeys:
    base = f"{_SECTION_PREFIX}{section_id}}}"
    return SectionKeys(queue=base, joined=f"{base}:joined", promoting=f"{base}:promoting", meta=f"{base}:meta")


def student_key(student_id: str) -> str:
    """SET of the section ids whose waitlists the student is on."""
    return f"{_STUDENT_PREFIX}{student_id}}}"


def _tag(key: str, prefix: str) -> str | None:
    if not key.startswith(prefix):
        return None
    end = key.find("}", len(prefix))
    return key[len(prefix) : end] if end > 0 else None


def section_id_of(key: str) -> str | None:
    """The section a waitlist key belongs to (None for any other key)."""
    return _tag(key, _SECTION_PREFIX)


def student_id_of(key: str) -> str | None:
    """The student a student key belongs to (None for any other key)."""
    return _tag(key, _STUDENT_PREFIX)
