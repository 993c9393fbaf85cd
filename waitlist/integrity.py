"""The waitlist's own part of ``check_integrity``: its Redis keys against each other.

- each student's count of waitlists matches the places they hold, and nobody waits in
  more than ``WAITLIST_MAX_PER_STUDENT``;
- no join time is kept for a student who is not in the line;
- no waitlist is kept for a section the caller does not know (an orphan).

Which sections exist, and whatever crosses into DynamoDB (a seat and a place at once,
a stuck promotion, a free seat while students wait), is checked by
``enrollment.integrity``, which calls these. Section ids are opaque here: the caller
says which ones are in scope.
"""

from collections.abc import Callable, Mapping

from django.conf import settings

from core.integrity import Finding
from waitlist.data import WaitlistSnapshot
from waitlist.selectors import stored_section_ids, stored_student_counts, waitlist_section_ids, waitlist_snapshot
from waitlist.services import waitlist_count_add, waitlist_count_remove, waitlist_discard, waitlist_joined_forget


def stray_join_findings(section_id: str, snapshot: WaitlistSnapshot) -> list[Finding]:
    """A join time kept for a student who is not on the section's waitlist."""
    return [
        Finding(
            "stray_join_time",
            section_id,
            f"a join time is kept for student {student_id}, who is not on the waitlist",
            _forget_join(section_id, student_id),
        )
        for student_id in sorted(snapshot.joined - set(snapshot.students))
    ]


def orphan_waitlist_findings(*, known: set[str], in_scope: Callable[[str], bool]) -> list[Finding]:
    """Waitlists (or counts of them) kept in Redis for a section in scope that is not in ``known``."""
    in_redis = stored_section_ids() | set(waitlist_section_ids())
    findings = []
    for section_id in sorted(section_id for section_id in in_redis - known if in_scope(section_id)):
        snapshot = waitlist_snapshot(section_id=section_id)
        findings.append(
            Finding(
                "orphan_waitlist",
                section_id,
                f"a waitlist ({len(snapshot)} students) is kept for a section that does not exist",
                _discard(section_id),
            )
        )
    return findings


def student_count_findings(
    places: Mapping[str, set[str]], *, in_scope: Callable[[str], bool], ignored: set[str]
) -> list[Finding]:
    """Each student's count of waitlists against ``places`` (student → sections they wait
    for), over the sections in scope and not ``ignored`` (orphans and half-deleted sections,
    whose counts go with them)."""
    findings = []
    limit = settings.WAITLIST_MAX_PER_STUDENT
    counted_by = {
        student_id: {section_id for section_id in counted if in_scope(section_id) and section_id not in ignored}
        for student_id, counted in stored_student_counts()
    }
    for student_id in sorted(set(counted_by) | set(places)):
        counted, held = counted_by.get(student_id, set()), places.get(student_id, set())
        subject = f"student {student_id}"
        for section_id in sorted(counted - held):
            findings.append(
                Finding(
                    "count_without_place",
                    subject,
                    f"counted on the waitlist of {section_id} without a place on it",
                    _count(student_id, section_id, add=False),
                )
            )
        for section_id in sorted(held - counted):
            findings.append(
                Finding(
                    "place_without_count",
                    subject,
                    f"waits for {section_id} without it being counted",
                    _count(student_id, section_id, add=True) if len(held) <= limit else None,
                )
            )
        if len(held) > limit:
            findings.append(
                Finding(
                    "too_many_waitlists",
                    subject,
                    f"waits for {len(held)} sections ({', '.join(sorted(held))}); the limit is {limit}",
                )
            )
    return findings


def _forget_join(section_id: str, student_id: str) -> Callable[[], str]:
    def repair() -> str:
        waitlist_joined_forget(section_id=section_id, student_id=student_id)
        return "join time removed"

    return repair


def _discard(section_id: str) -> Callable[[], str]:
    def repair() -> str:
        students = waitlist_discard(section_id=section_id)
        return f"waitlist deleted ({len(students)} students' references removed)"

    return repair


def _count(student_id: str, section_id: str, add: bool) -> Callable[[], str]:
    def repair() -> str:
        if add:
            waitlist_count_add(section_id=section_id, student_id=student_id)
            return "counted"
        waitlist_count_remove(section_id=section_id, student_id=student_id)
        return "count removed"

    return repair
