"""The cross-store integrity check behind ``manage.py check_integrity``.

It reads every section (a Scan, or a Query per term when scoped: this is an operator's
command, never a request path), its enrollment rows, its waitlist in Redis and every
student's count of waitlists, and checks them against each other and against the rules:

- each seat counter equals its enrolled rows, and no section holds more than its capacity;
- a section with a free seat is in the open-sections index;
- no waitlist holds more than its capacity, nobody waits in more than the allowed number,
  nobody both has a seat and waits in the same section;
- no waitlist belongs to a deleted section, no section is stuck half-deleted;
- no promotion is stuck (parked longer than the grace period), and no free seat is
  left empty while students wait and auto-enrollment is not frozen;
- each student's count of waitlists matches the places they hold;
- each course's count of sections equals its sections (unscoped runs only);
- each student's term record lists exactly their enrolled sections, with the sections'
  credits (so its credits are the sum over them); no two of those meet at the same time
  and their credits stay within the student's limit, unless the registrar overrode it;
  no swap is attached to a seat the student no longer holds, or to no waitlist place.

The waitlist's checks of its own keys (counts, join times, orphans) are in
``waitlist.integrity``; this module checks the catalog and what crosses the two stores.

Each finding says what is wrong and, where a safe fix exists, carries it: repairs use
the services, with conditions, so they never overwrite a concurrent change.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from functools import partial

from core.integrity import Finding
from enrollment import services
from enrollment.data import EnrollmentStatus
from enrollment.meetings import meetings_overlap
from enrollment.models import Course, Enrollment, Section, StudentTerm, Term
from enrollment.rules import EnrolledSection, RegistrationState
from enrollment.selectors import candidate_of, registration_read, registration_state_of
from waitlist.api import (
    ParkedStudent,
    WaitlistSnapshot,
    auto_enrollment_frozen,
    orphan_waitlist_findings,
    promotion_is_stale,
    stray_join_findings,
    student_count_findings,
    waitlist_leave,
    waitlist_snapshot,
)

__all__ = ["Finding", "Progress", "integrity_check"]

Progress = Callable[[int, int, str], None]


def _sections(terms: Sequence[str] | None) -> list[Section]:
    if terms:
        found: list[Section] = []
        for term in terms:
            found.extend(Section.by_term.query(term))
        # The index is eventually consistent: read each section itself.
        return list(Section.batch_get([section.section_id for section in found], consistent_read=True))
    return list(Section.scan(consistent_read=True))


def _enrolled_rows(section_id: str) -> set[str]:
    return {
        row.student_id
        for row in Enrollment.query(section_id, consistent_read=True, attributes_to_get=["student_id", "status"])
        if row.status == EnrollmentStatus.ENROLLED
    }


def _in_scope(section_id: str, *, terms: Sequence[str] | None) -> bool:
    return not terms or any(section_id.startswith(f"{term}-") for term in terms)


def _check_section(
    section: Section, snapshot: WaitlistSnapshot, globally_frozen: bool, seated: set[str]
) -> list[Finding]:
    section_id = section.section_id
    findings = []
    counter, capacity = int(section.enrolled), int(section.capacity)

    if counter != len(seated):
        findings.append(
            Finding(
                "seat_counter",
                section_id,
                f"the counter says {counter} seats are taken, {len(seated)} rows are enrolled",
                lambda: (
                    f"counter set to {len(seated)}"
                    if services.section_counter_repair(section_id=section_id, seen=counter, enrolled_rows=len(seated))
                    else "left alone: the counter changed meanwhile"
                ),
            )
        )
    if len(seated) > capacity:
        findings.append(
            Finding("over_capacity", section_id, f"{len(seated)} enrolled in {capacity} seats; drop someone to fix")
        )
    if counter < capacity and section.open_term is None:
        findings.append(
            Finding(
                "open_index",
                section_id,
                "has free seats but is missing from the open-sections index",
                lambda: (services.open_marker_repair(section_id=section_id), "put back in the open index")[1],
            )
        )
    if len(snapshot) > int(section.waitlist_capacity):
        findings.append(
            Finding(
                "waitlist_over_capacity",
                section_id,
                f"{len(snapshot)} wait for {int(section.waitlist_capacity)} places; nobody is removed automatically",
            )
        )
    for student_id in snapshot.waiting:
        if student_id in seated:
            findings.append(
                Finding(
                    "enrolled_and_waiting",
                    section_id,
                    f"student {student_id} has a seat and a place on the waitlist",
                    _leave(section_id, student_id),
                )
            )
    stale = [parked for parked in snapshot.parked if promotion_is_stale(parked)]
    for parked in stale:
        findings.append(
            Finding(
                "stuck_promotion",
                section_id,
                f"student {parked.student_id} has been parked for promotion since {parked.parked_at_ms} (unix ms)",
                _recover(parked),
            )
        )
    frozen = globally_frozen or bool(section.auto_enrollment_frozen)
    if (
        counter < capacity
        and len(snapshot)
        and not frozen
        and not (snapshot.parked and not stale)
        and (could := _could_take_a_seat(section, snapshot.waiting))
    ):
        findings.append(
            Finding(
                "seats_left_empty",
                section_id,
                f"{capacity - counter} free seats while {len(snapshot)} students wait, "
                f"{len(could)} of whom may take one",
                lambda: f"{len(services.seats_fill(section_id=section_id))} students enrolled from the waitlist",
            )
        )
    findings.extend(stray_join_findings(section_id, snapshot))
    return findings


def _could_take_a_seat(section: Section, waiting: Sequence[str]) -> list[str]:
    """Those waiting whom a promotion would enroll now (no hold, no conflict, within their
    credits): students passed over for a rule may wait while a seat stays free."""
    candidate = candidate_of(section)
    return [
        student_id
        for student_id in waiting
        if registration_read(student_id=student_id, term=section.term).state.skip_reason(candidate) is None
    ]


def _leave(section_id: str, student_id: str) -> Callable[[], str]:
    def repair() -> str:
        waitlist_leave(section_id=section_id, student_id=student_id)
        return f"student {student_id} taken off the waitlist (they keep their seat)"

    return repair


def _recover(parked: ParkedStudent) -> Callable[[], str]:
    def repair() -> str:
        return f"promotion of student {parked.student_id} " + services.promotion_recover(parked=parked)

    return repair


def _recount(course_id: str, *, seen: int, actual: int) -> Callable[[], str]:
    def repair() -> str:
        if services.course_section_count_repair(course_id=course_id, seen=seen, sections=actual):
            return f"count set to {actual}"
        return "left alone: the count changed meanwhile"

    return repair


def _finish_delete(section_id: str) -> Callable[[], str]:
    def repair() -> str:
        services.section_delete(section_id=section_id)
        return "delete finished"

    return repair


def _check_courses(sections: list[Section]) -> list[Finding]:
    findings = []
    per_course = Counter(section.course_id for section in sections)
    for course in Course.scan(consistent_read=True):
        seen, actual = int(course.section_count or 0), per_course.get(course.course_id, 0)
        if seen != actual:
            findings.append(
                Finding(
                    "section_count",
                    course.course_id,
                    f"the course counts {seen} sections, it has {actual}",
                    _recount(course.course_id, seen=seen, actual=actual),
                )
            )
    return findings


def integrity_check(*, terms: Sequence[str] | None = None, progress: Progress | None = None) -> list[Finding]:
    """Every finding, over all sections or those of ``terms``."""
    sections = _sections(terms)
    globally_frozen = auto_enrollment_frozen()
    findings: list[Finding] = []
    places: dict[str, set[str]] = defaultdict(set)
    seated: dict[tuple[str, str], set[str]] = defaultdict(set)
    live = set()
    for index, section in enumerate(sorted(sections, key=lambda section: section.section_id), start=1):
        if progress:
            progress(index, len(sections), section.section_id)
        if section.deleting:
            findings.append(
                Finding(
                    "unfinished_delete",
                    section.section_id,
                    "a delete of this section stopped halfway",
                    _finish_delete(section.section_id),
                )
            )
            continue
        live.add(section.section_id)
        snapshot = waitlist_snapshot(section_id=section.section_id)
        for student_id in snapshot.students:
            places[student_id].add(section.section_id)
        rows = _enrolled_rows(section.section_id)
        for student_id in rows:
            seated[(student_id, section.term)].add(section.section_id)
        findings.extend(_check_section(section, snapshot, globally_frozen, rows))

    half_deleted = {section.section_id for section in sections if section.deleting}
    in_scope = partial(_in_scope, terms=terms)
    orphans = orphan_waitlist_findings(known=live | half_deleted, in_scope=in_scope)
    findings.extend(orphans)
    ignored = {finding.subject for finding in orphans} | half_deleted
    findings.extend(student_count_findings(places, in_scope=in_scope, ignored=ignored))
    live_sections = {section.section_id: section for section in sections if not section.deleting}
    findings.extend(_check_records(live_sections, seated, places, terms))
    if not terms:
        findings.extend(_check_courses(sections))
    return findings


# --- the students' term records (the registration rules) ---------------------------


def _records(terms: Sequence[str] | None) -> list[StudentTerm]:
    """Every student's term record (of ``terms``: a Query of the index per term, then each
    record read consistently; else a Scan, as this is an operator's command)."""
    if terms:
        keys = [(key.student_id, key.term) for term in terms for key in StudentTerm.by_term.query(term)]
        return list(StudentTerm.batch_get(keys, consistent_read=True))
    return list(StudentTerm.scan(consistent_read=True))


def _seat_entry(section: Section, kept: EnrolledSection | None) -> EnrolledSection:
    """The seat as the record should keep it: the section's credits and meetings now,
    and the overrides the registrar gave when it was taken."""
    candidate = candidate_of(section)
    return EnrolledSection(
        section_id=section.section_id,
        credits=candidate.credits,
        meetings=candidate.meetings,
        overrides=kept.overrides if kept else (),
    )


def _check_records(
    sections: dict[str, Section],
    seated: dict[tuple[str, str], set[str]],
    places: dict[str, set[str]],
    terms: Sequence[str] | None,
) -> list[Finding]:
    """Each record against the enrollment rows and the waitlists, and against the rules:
    its seats are the student's enrolled rows, with their credits; no two of them meet at
    once and the credits stay within the limit (unless the registrar overrode it); each
    swap waits in a line and would drop a seat the student still holds."""
    findings: list[Finding] = []
    records = {(record.student_id, record.term): record for record in _records(terms)}
    keys = sorted(set(records) | set(seated))
    settings = {term.term: term for term in Term.batch_get({term for _, term in keys}, consistent_read=True)}
    for key in keys:
        student_id, term = key
        record = records.get(key)
        state = registration_state_of(
            student_id=student_id, term=term, settings=settings.get(term), ticket=None, holds=None, record=record
        )
        subject = f"{student_id}/{term}"
        rows = seated.get(key, set())
        expected = {
            section_id: _seat_entry(sections[section_id], state.enrolled.get(section_id))
            for section_id in rows
            if section_id in sections
        }
        recorded = {section_id: (entry.credits, entry.meetings) for section_id, entry in state.enrolled.items()}
        if recorded != {section_id: (entry.credits, entry.meetings) for section_id, entry in expected.items()}:
            findings.append(
                Finding(
                    "record_seats",
                    subject,
                    f"the record lists {sorted(recorded)} with {state.credits_enrolled} credits; the rows say "
                    f"{sorted(expected)} with {sum(entry.credits for entry in expected.values())} credits",
                    _rewrite_seats(state, expected),
                )
            )
        findings.extend(_rule_findings(subject, list(expected.values()), limit=state.max_credits))
        stale = {
            target: old
            for target, old in state.swaps.items()
            if old not in rows or target not in places.get(student_id, set())
        }
        if stale:
            kept = {target: old for target, old in state.swaps.items() if target not in stale}
            findings.append(
                Finding(
                    "stale_swap",
                    subject,
                    "swaps attached to a seat the student no longer holds or to no waitlist place: "
                    + ", ".join(f"{old} -> {target}" for target, old in sorted(stale.items())),
                    _detach_swaps(state, kept),
                )
            )
    return findings


def _rule_findings(subject: str, seats: list[EnrolledSection], *, limit: int) -> list[Finding]:
    findings = []
    for index, seat in enumerate(seats):
        for other in seats[index + 1 :]:
            allowed = "time_conflict" in seat.overrides or "time_conflict" in other.overrides
            if not allowed and meetings_overlap(seat.meetings, other.meetings):
                findings.append(
                    Finding("time_conflict", subject, f"{seat.section_id} and {other.section_id} meet at the same time")
                )
    credits = sum(seat.credits for seat in seats)
    if credits > limit and not any("credit_limit" in seat.overrides for seat in seats):
        findings.append(Finding("over_credit_limit", subject, f"{credits} credits enrolled, the limit is {limit}"))
    return findings


def _rewrite_seats(state: RegistrationState, expected: dict[str, EnrolledSection]) -> Callable[[], str]:
    def repair() -> str:
        if services.record_repair(
            student_id=state.student_id, term=state.term, seen_version=state.version, sections=expected
        ):
            return f"record rewritten from the rows: {sorted(expected)}"
        return "left alone: the record changed meanwhile"

    return repair


def _detach_swaps(state: RegistrationState, kept: dict[str, str]) -> Callable[[], str]:
    def repair() -> str:
        if services.record_repair(student_id=state.student_id, term=state.term, seen_version=state.version, swaps=kept):
            return "stale swaps detached"
        return "left alone: the record changed meanwhile"

    return repair
