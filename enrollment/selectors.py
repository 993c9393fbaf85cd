"""Reads of the catalog and of enrollments. Every read is a GetItem or a Query on a key
or an index (see docs/data-model.md); none scans a table.

Reads that only some callers may make take the ``actor`` and apply the rule here, so
REST and any other interface share one copy of it.
"""

import dataclasses
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import Index

from accounts.api import Actor, Role, resolve_user_id, user_profile_get
from accounts.errors import UserNotFound
from core.dynamodb import TableModel, batch_get_consistent
from core.outages import unavailable_store
from core.pagination import Page, PageRequest, index_key_names, list_page, query_page
from enrollment.data import (
    CourseData,
    EnrollmentData,
    EnrollmentStatus,
    EnrollOutcome,
    Registration,
    SectionData,
    StudentTermSummary,
    is_course_id,
    is_section_id,
    section_id_parts,
)
from enrollment.errors import (
    CourseNotFound,
    EnrollmentNotFound,
    NotYourRecord,
    NotYourSection,
    NotYourself,
    SectionNotFound,
    StudentNotFound,
    TermNotFound,
)
from enrollment.meetings import Meeting
from enrollment.models import (
    COURSES_PARTITION,
    SECTIONS_PARTITION,
    TERMS_PARTITION,
    Course,
    Enrollment,
    Section,
    StudentHolds,
    StudentTerm,
    Term,
    TimeTicket,
)
from enrollment.rules import Candidate, EnrolledSection, Hold, RegistrationState, TermSettings
from waitlist.api import WaitlistPlace, student_waitlist_places, waitlist_lengths, waitlist_place, waitlist_places

logger = logging.getLogger(__name__)


def _redis_is_down(exc: Exception) -> bool:
    """Whether ``exc`` says the waitlist store (Redis) does not answer: then a read of the
    catalog or of a schedule goes on without the waitlists (logged), instead of failing."""
    if unavailable_store(exc) != "redis":
        return False
    logger.warning("the waitlist store does not answer (%r): answering without the waitlists", exc)
    return True


# --- conversions -------------------------------------------------------------------


def course_data(course: Course) -> CourseData:
    return CourseData(
        id=course.course_id,
        department=course.department,
        number=course.number,
        title=course.title,
        description=course.description or "",
        credits=int(course.credits),
        section_count=int(course.section_count or 0),
    )


def section_meetings(section: Section) -> tuple[Meeting, ...]:
    """A stored section's meetings, in the order written."""
    return tuple(Meeting(days=meeting.days, start=meeting.start, end=meeting.end) for meeting in section.meetings or [])


def sections_credits(sections: Iterable[Section]) -> dict[str, int]:
    """Each section's credits (section id to credits).

    Sections carry their course's credits (copied at create, re-copied when the course
    changes them); a section written before that copy existed has none, and its course
    is read for it: one BatchGetItem for all such sections, nothing when there are none.
    """
    sections = list(sections)
    missing = {section.course_id for section in sections if section.credits is None}
    courses = courses_by_id(course_ids=missing) if missing else {}
    credits = {}
    for section in sections:
        if section.credits is not None:
            credits[section.section_id] = int(section.credits)
        else:  # a course is only deleted once it has no section, so it is there
            course = courses.get(section.course_id)
            credits[section.section_id] = course.credits if course else 0
    return credits


def sections_data(sections: Iterable[Section]) -> list[SectionData]:
    """Stored sections as data, in the same order (their waitlists not counted)."""
    sections = list(sections)
    credits = sections_credits(sections)
    return [
        SectionData(
            id=section.section_id,
            course_id=section.course_id,
            department=section.department,
            title=section.title,
            term=section.term,
            number=section.number,
            instructor_id=section.instructor_id,
            capacity=int(section.capacity),
            enrolled=int(section.enrolled),
            waitlist_capacity=int(section.waitlist_capacity),
            auto_enrollment_frozen=bool(section.auto_enrollment_frozen),
            meetings=section_meetings(section),
            credits=credits[section.section_id],
        )
        for section in sections
    ]


def section_data(section: Section) -> SectionData:
    """A stored section as data (its waitlist not counted)."""
    return sections_data([section])[0]


def with_waitlists(sections: list[SectionData]) -> list[SectionData]:
    """``sections`` with how many students wait for each (from Redis, in one round trip).

    While Redis does not answer, ``waitlisted`` is None: the catalog stays readable (its
    seats are in DynamoDB), and what waits is left unsaid rather than guessed.
    """
    try:
        lengths: dict[str, int | None] = dict(waitlist_lengths(section_ids=[section.id for section in sections]))
    except Exception as exc:
        if not _redis_is_down(exc):
            raise
        lengths = dict.fromkeys((section.id for section in sections), None)
    return [dataclasses.replace(section, waitlisted=lengths[section.id]) for section in sections]


def section_data_counted(section: Section) -> SectionData:
    """A stored section as data, with its waitlist counted."""
    return with_waitlists([section_data(section)])[0]


def enrollment_data(row: Enrollment) -> EnrollmentData:
    return EnrollmentData(
        section_id=row.section_id,
        student_id=row.student_id,
        status=EnrollmentStatus(row.status),
        term=row.term,
        course_id=row.course_id,
        enrolled_at=row.enrolled_at,
        dropped_at=row.dropped_at,
        dropped_by=row.dropped_by,
        administrative=bool(row.administrative),
    )


def registration_of(row: Enrollment) -> Registration:
    """A student's seat, as their schedule lists it."""
    return Registration(
        section_id=row.section_id,
        student_id=row.student_id,
        course_id=row.course_id,
        term=row.term,
        status=EnrollOutcome.ENROLLED,
        enrolled_at=row.enrolled_at,
    )


def waitlist_registration(place: WaitlistPlace) -> Registration:
    """A student's place on a waitlist, as their schedule lists it."""
    term, course_id, _ = section_id_parts(place.section_id)
    return Registration(
        section_id=place.section_id,
        student_id=place.student_id,
        course_id=course_id,
        term=term,
        status=EnrollOutcome.WAITLISTED,
        position=place.position,
        joined_at=place.joined_at,
    )


# --- courses -----------------------------------------------------------------------


def course_get(*, course_id: str) -> CourseData:
    """One course; ``CourseNotFound`` if there is none with this id."""
    try:
        return course_data(Course.get(course_id))
    except Course.DoesNotExist as exc:
        raise CourseNotFound() from exc


def courses_by_id(*, course_ids: Iterable[str]) -> dict[str, CourseData]:
    """Courses by id, read together (BatchGetItem, 100 keys per call); an unknown id is left out."""
    wanted = {course_id for course_id in course_ids if is_course_id(course_id)}
    return {course.course_id: course_data(course) for course in Course.batch_get(wanted)} if wanted else {}


def course_list(*, page: PageRequest, department: str | None = None) -> Page[CourseData]:
    """Courses in id order: a department's (Query ``by_department``) or all (Query ``catalog``)."""
    index: Index[Course]
    if department:
        index, partition = Course.by_department, department
    else:
        index, partition = Course.in_catalog, COURSES_PARTITION
    return query_page(
        query=functools.partial(index.query, partition),
        key_names=index_key_names(Course, index),
        scope=f"courses|{department or ''}",
        page=page,
        convert=course_data,
    )


# --- sections ----------------------------------------------------------------------


@dataclass(frozen=True)
class SectionFilters:
    term: str | None = None
    department: str | None = None
    course_id: str | None = None
    instructor_id: str | None = None
    open: bool | None = None

    @property
    def scope(self) -> str:
        # None (no filter) must differ from False (open=false) and from "".
        return "sections|" + "|".join("" if value is None else str(value) for value in vars(self).values())


def section_record(*, section_id: str, consistent: bool = False) -> Section:
    """The stored section, for this app's services; ``SectionNotFound`` if it is gone or being deleted."""
    try:
        section = Section.get(section_id, consistent_read=consistent)
    except Section.DoesNotExist as exc:
        raise SectionNotFound() from exc
    if section.deleting:
        raise SectionNotFound()
    return section


def section_get(*, section_id: str) -> SectionData:
    """One section with its waitlist counted; ``SectionNotFound`` if there is none (or it is being deleted)."""
    return section_data_counted(section_record(section_id=section_id))


def sections_by_id(*, section_ids: Iterable[str]) -> dict[str, SectionData]:
    """Sections by id with their waitlists counted, read together (BatchGetItem, 100 keys
    per call, and one Redis round trip); an unknown id, or a section being deleted, is left out."""
    wanted = {section_id for section_id in section_ids if is_section_id(section_id)}
    if not wanted:
        return {}
    found = sections_data(section for section in Section.batch_get(wanted) if not section.deleting)
    return {section.id: section for section in with_waitlists(found)}


def _section_query(filters: SectionFilters) -> tuple[Any, str, Condition | None, Condition | None]:
    """The index to query for ``filters``, its partition, and the conditions on the rest.

    The most selective index the filters name is queried. Every sections index sorts on
    the section id, which starts with term, department and course, so ``begins_with``
    narrows any of them; what is left is a filter on the query, never a scan.
    """
    prefix, covered = "", set()
    if filters.term:
        prefix = filters.term + "-"
        if filters.course_id:
            prefix, covered = f"{prefix}{filters.course_id}-", {"course_id"}
        elif filters.department:
            prefix, covered = f"{prefix}{filters.department}-", {"department"}

    index: Index[Section]
    if filters.term and filters.open:
        index, partition = Section.open_by_term, filters.term
    elif filters.instructor_id:
        index, partition, covered = Section.by_instructor, filters.instructor_id, covered | {"instructor_id"}
    elif filters.term:
        index, partition = Section.by_term, filters.term
    elif filters.course_id:
        index, partition, covered = Section.by_course, filters.course_id, covered | {"course_id"}
    else:
        index, partition = Section.in_catalog, SECTIONS_PARTITION

    rest: list[Condition] = [Section.deleting.does_not_exist()]
    for name in ("course_id", "department", "instructor_id"):
        value = getattr(filters, name)
        if value and name not in covered:
            rest.append(getattr(Section, name) == value)
    if filters.open is True:
        # The open index may still list a section that has just filled.
        rest.append(Section.enrolled < Section.capacity)
    elif filters.open is False:
        rest.append(Section.enrolled >= Section.capacity)
    key_condition = Section.section_id.startswith(prefix) if prefix else None
    return index, partition, key_condition, functools.reduce(lambda a, b: a & b, rest)


def section_list(*, page: PageRequest, filters: SectionFilters) -> Page[SectionData]:
    """Sections matching ``filters`` in section id order (term, department, course, number)."""
    index, partition, key_condition, filter_condition = _section_query(filters)
    found = query_page(
        query=functools.partial(
            index.query, partition, range_key_condition=key_condition, filter_condition=filter_condition
        ),
        key_names=index_key_names(Section, index),
        scope=filters.scope,
        page=page,
        convert=lambda section: section,
    )
    return dataclasses.replace(found, items=with_waitlists(sections_data(found.items)))


def section_for_staff(*, actor: Actor, section_id: str) -> SectionData:
    """A section whose roster ``actor`` may see: they teach it or are the registrar."""
    section = section_data(section_record(section_id=section_id))
    if not (actor.is_registrar or (actor.is_instructor and section.instructor_id == actor.id)):
        raise NotYourSection()
    return section


# --- enrollments -------------------------------------------------------------------


def roster_list(*, actor: Actor, section_id: str, status: EnrollmentStatus, page: PageRequest) -> Page[EnrollmentData]:
    """A section's enrolled (in enrollment order) or dropped (in drop order) students.

    Query on the ``roster`` local index with ``begins_with("{status}#")``. Only the
    section's instructor and the registrar may read it.
    """
    section_for_staff(actor=actor, section_id=section_id)
    return query_page(
        query=functools.partial(
            Enrollment.roster.query, section_id, range_key_condition=Enrollment.roster_key.startswith(f"{status}#")
        ),
        key_names=index_key_names(Enrollment, Enrollment.roster),
        scope=f"roster|{section_id}|{status}",
        page=page,
        convert=enrollment_data,
    )


def enrollment_get(*, actor: Actor, section_id: str, student_id: str) -> EnrollmentData:
    """One student's row in a section, for the student, the section's instructor or the registrar."""
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id:
        section_for_staff(actor=actor, section_id=section_id)
    try:
        return enrollment_data(Enrollment.get(section_id, student_id))
    except Enrollment.DoesNotExist as exc:
        raise EnrollmentNotFound() from exc


@dataclass(frozen=True)
class Schedule(Page[Registration]):
    """A page of a student's schedule. ``waitlists_unavailable``: Redis did not answer, so
    the waitlist places that lead the first page are missing from it (the seats are all there)."""

    waitlists_unavailable: bool = False


def student_enrollment_list(*, actor: Actor, student_id: str, page: PageRequest) -> Schedule:
    """A student's seats and waitlist places.

    The seats are a Query on the sparse ``by_student`` index, by section id; the places
    (at most a few) come from Redis and lead the first page. The student themself and
    the registrar may read it. While Redis does not answer, the first page lists the
    seats alone and says so (``waitlists_unavailable``).
    """
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id:
        if not actor.is_registrar:
            raise NotYourself("Only the student and the registrar may see a student's enrollments.")
        user_profile_get(user_id=student_id)  # UserNotFound (404) for an unknown student
    seats = query_page(
        query=functools.partial(Enrollment.by_student.query, student_id),
        key_names=index_key_names(Enrollment, Enrollment.by_student),
        scope=f"student|{student_id}",
        page=page,
        convert=registration_of,
    )
    schedule = Schedule(items=seats.items, next_cursor=seats.next_cursor, previous_cursor=seats.previous_cursor)
    first_page = seats.previous_cursor is None and (page.cursor is None or seats.items)
    if not first_page:
        return schedule
    try:
        places = [waitlist_registration(place) for place in student_waitlist_places(student_id=student_id)]
    except Exception as exc:
        if not _redis_is_down(exc):
            raise
        return dataclasses.replace(schedule, waitlists_unavailable=True)
    return dataclasses.replace(schedule, items=places + seats.items)


# --- waitlists ---------------------------------------------------------------------


def waitlist_page(*, actor: Actor, section_id: str, page: PageRequest) -> Page[WaitlistPlace]:
    """A section's waitlist in line order, for its instructor and the registrar."""
    section_for_staff(actor=actor, section_id=section_id)
    return list_page(
        items=waitlist_places(section_id=section_id),
        position=lambda place: place.sequence,
        scope=f"waitlist|{section_id}",
        page=page,
    )


def waitlist_place_get(*, actor: Actor, section_id: str, student_id: str) -> WaitlistPlace:
    """A student's place on a section's waitlist: for the student, the section's
    instructor and the registrar. ``NotWaitlisted`` if they are not on it.

    For the student and the registrar this reads Redis alone, so a client polling its
    position (with ``If-None-Match``) costs DynamoDB nothing.
    """
    student_id = resolve_user_id(actor, student_id)
    if student_id != actor.id and not actor.is_registrar:
        section_for_staff(actor=actor, section_id=section_id)
    return waitlist_place(section_id=section_id, student_id=student_id)


# --- registration rules ------------------------------------------------------------


def term_settings_of(term: Term) -> TermSettings:
    return TermSettings(
        term=term.term,
        registration_opens_at=term.registration_opens_at,
        registration_closes_at=term.registration_closes_at,
        max_credits=int(term.max_credits),
        created_at=term.created_at,
        updated_at=term.updated_at,
    )


def holds_of(item: StudentHolds | None) -> tuple[Hold, ...]:
    """A student's holds, oldest first."""
    if item is None or not item.holds:
        return ()
    holds = [
        Hold(
            id=hold_id,
            kind=str(value["kind"]),
            reason=str(value.get("reason", "")),
            created_at=datetime.fromisoformat(str(value["created_at"])),
            created_by=str(value.get("created_by", "")),
        )
        for hold_id, value in item.holds.as_dict().items()
    ]
    return tuple(sorted(holds, key=lambda hold: (hold.created_at, hold.id)))


def registration_state_of(
    *,
    student_id: str,
    term: str,
    settings: Term | None,
    ticket: TimeTicket | None,
    holds: StudentHolds | None,
    record: StudentTerm | None,
) -> RegistrationState:
    sections = record.sections.as_dict() if record is not None and record.sections else {}
    return RegistrationState(
        student_id=student_id,
        term=term,
        settings=term_settings_of(settings) if settings is not None else None,
        ticket_opens_at=ticket.opens_at if ticket is not None else None,
        holds=holds_of(holds),
        enrolled={section_id: EnrolledSection.from_item(section_id, item) for section_id, item in sections.items()},
        version=int(record.version or 0) if record is not None else 0,
        record_exists=record is not None,
        max_credits_override=int(record.max_credits) if record is not None and record.max_credits is not None else None,
        swaps={k: str(v) for k, v in record.swaps.as_dict().items()} if record is not None and record.swaps else {},
        skipped={k: str(v) for k, v in record.skipped.as_dict().items()}
        if record is not None and record.skipped
        else {},
    )


@dataclass(frozen=True)
class RegistrationRead:
    """One read of what an enroll, a swap or a promotion decides on."""

    state: RegistrationState
    section: Section | None  # None: no such section (or it is being deleted)


def registration_read(
    *, student_id: str, term: str, section_id: str | None = None, ticket: bool = True, holds: bool = True
) -> RegistrationRead:
    """The section (if one is named), the term's settings, the student's time ticket, holds
    and term record, in one strongly consistent BatchGetItem over those tables. A caller
    that decides nothing on the ticket (a drop, a promotion: windows do not bind them) or
    on holds (a drop) leaves them out: the state then has no ticket, or no holds."""
    models: dict[str, tuple[type[TableModel], tuple[str, ...]]] = {
        "term": (Term, (term,)),
        "record": (StudentTerm, (student_id, term)),
    }
    if ticket:
        models["ticket"] = (TimeTicket, (term, student_id))
    if holds:
        models["holds"] = (StudentHolds, (student_id,))
    if section_id is not None:
        models["section"] = (Section, (section_id,))
    found = batch_get_consistent(list(models.values()))
    items = {name: found.get((model.Meta.table_name, key)) for name, (model, key) in models.items()}
    section = items.get("section")
    if isinstance(section, Section) and section.deleting:
        section = None
    state = registration_state_of(
        student_id=student_id,
        term=term,
        settings=items["term"],  # type: ignore[arg-type]
        ticket=items.get("ticket"),  # type: ignore[arg-type]
        holds=items.get("holds"),  # type: ignore[arg-type]
        record=items["record"],  # type: ignore[arg-type]
    )
    return RegistrationRead(state=state, section=section)  # type: ignore[arg-type]


def registration_state(*, student_id: str, term: str) -> RegistrationState:
    """A student's standing in a term (window, ticket, holds, credits, limit), read at once."""
    return registration_read(student_id=student_id, term=term).state


def candidate_of(section: Section) -> Candidate:
    """What the rules need of a section the student asks for."""
    return Candidate(
        section_id=section.section_id,
        term=section.term,
        credits=sections_credits([section])[section.section_id],
        meetings=section_meetings(section),
    )


def term_get(*, term: str) -> TermSettings:
    """A term's registration settings; ``TermNotFound`` if it has none."""
    try:
        return term_settings_of(Term.get(term.upper()))
    except Term.DoesNotExist as exc:
        raise TermNotFound() from exc


def term_list(*, page: PageRequest) -> Page[TermSettings]:
    """The terms with settings, in term code order (Query GSI ``catalog``)."""
    return query_page(
        query=functools.partial(Term.in_catalog.query, TERMS_PARTITION),
        key_names=index_key_names(Term, Term.in_catalog),
        scope="terms",
        page=page,
        convert=term_settings_of,
    )


def student_of(*, actor: Actor, student_id: str) -> str:
    """The id of the student whose holds or term summary ``actor`` asks about (``me``
    stands for the caller). ``NotYourRecord`` (403) for another student's, or an
    instructor's; ``StudentNotFound`` (404) when the registrar names a user who is not
    an active student."""
    student_id = resolve_user_id(actor, student_id)
    if student_id == actor.id:
        return student_id
    if not actor.is_registrar:
        raise NotYourRecord()
    student_require(student_id=student_id)
    return student_id


def student_require(*, student_id: str) -> None:
    """``StudentNotFound`` unless ``student_id`` is an active user with the student role."""
    try:
        profile = user_profile_get(user_id=student_id)
    except UserNotFound as exc:
        raise StudentNotFound() from exc
    if Role.STUDENT not in profile.roles:
        raise StudentNotFound()


def student_term_summary_of(state: RegistrationState, *, now: datetime) -> StudentTermSummary:
    return StudentTermSummary(
        term=state.term,
        student_id=state.student_id,
        registration_opens_at=state.opens_at,
        registration_closes_at=state.closes_at,
        can_register_now=state.can_register_now(now),
        credits_enrolled=state.credits_enrolled,
        max_credits=state.max_credits,
        max_credits_override=state.max_credits_override,
        holds=state.holds,
    )


def student_term_summary_get(*, actor: Actor, student_id: str, term: str) -> StudentTermSummary:
    """A student's standing in a term, for the student and the registrar: their window
    (time ticket, else the term's; no settings: no window), whether they may register
    now, credits and limit, holds. One consistent BatchGetItem, so it agrees with what an
    enroll would decide at the same moment."""
    student_id = student_of(actor=actor, student_id=student_id)
    state = registration_state(student_id=student_id, term=term.upper())
    return student_term_summary_of(state, now=datetime.now(UTC))


def student_holds(*, actor: Actor, student_id: str) -> tuple[Hold, ...]:
    """A student's holds, oldest first (one consistent GetItem), for the student and the registrar."""
    student_id = student_of(actor=actor, student_id=student_id)
    try:
        return holds_of(StudentHolds.get(student_id, consistent_read=True))
    except StudentHolds.DoesNotExist:
        return ()


def student_hold_list(*, actor: Actor, student_id: str, page: PageRequest) -> Page[Hold]:
    """A page of ``student_holds`` (a student has at most ``MAX_HOLDS``, so a page or two)."""
    return list_page(
        items=student_holds(actor=actor, student_id=student_id),
        position=lambda hold: int(hold.created_at.timestamp() * 1_000_000),
        scope=f"holds|{resolve_user_id(actor, student_id)}",
        page=page,
    )


@dataclass(frozen=True)
class PendingSwap:
    """A waitlist place with a swap attached: when promoted into ``enroll_section_id``,
    the student leaves ``drop_section_id``."""

    student_id: str
    term: str
    enroll_section_id: str
    drop_section_id: str
    position: int | None  # None: the place is gone (a stale swap, which check_integrity detaches)


def student_swap_list(*, actor: Actor, student_id: str, page: PageRequest) -> Page[PendingSwap]:
    """The swaps a student waits with, term by term (one consistent Query of their term
    records, then their places in Redis), for the student and the registrar. A student has
    at most 3 waitlist places, so a page holds them all."""
    student_id = student_of(actor=actor, student_id=student_id)
    places = {place.section_id: place.position for place in student_waitlist_places(student_id=student_id)}
    swaps = [
        PendingSwap(
            student_id=student_id,
            term=record.term,
            enroll_section_id=target,
            drop_section_id=str(old),
            position=places.get(target),
        )
        for record in StudentTerm.query(student_id, consistent_read=True)
        for target, old in sorted((record.swaps.as_dict() if record.swaps else {}).items())
    ]
    return list_page(items=swaps, position=lambda swap: swaps.index(swap), scope=f"swaps|{student_id}", page=page)
