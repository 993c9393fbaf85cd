"""The GraphQL types: the REST API's shapes, plus the links between them (a section's
course and instructor, a registration's section) that REST leaves to a second request.

Each type is built from the apps' plain data (``enrollment.api``, ``accounts.api``);
linked objects come through the request's DataLoaders, so a list never reads them one
by one. Reads that only some callers may make check the same role lists as REST and
call the same selectors, which apply the per-object rules.
"""

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Generic, TypeVar

import strawberry
from asgiref.sync import sync_to_async
from rest_framework.fields import DateTimeField
from strawberry.types import Info

from core.pagination import Page as PageData
from core.pagination import PageRequest, page_request_of
from enrollment import api as enrollment
from enrollment.api import SectionData
from graphql_api.context import GraphQLContext
from waitlist.api import student_waitlist_places

Context = Info[GraphQLContext, None]

# The domain's own enums, made GraphQL enums in place (``strawberry.enum`` returns the
# class it is given), so that type checkers see them as the classes they are.
SectionStatus = enrollment.SectionStatus
EnrollmentStatus = enrollment.EnrollmentStatus
RegistrationStatus = enrollment.EnrollOutcome
strawberry.enum(SectionStatus, description="open: a seat is free; full: the waitlist has room; waitlist_full: neither.")
strawberry.enum(EnrollmentStatus, description="A roster row: enrolled, or dropped.")
strawberry.enum(
    RegistrationStatus,
    name="RegistrationStatus",
    description="A seat (enrolled) or a waitlist place (waitlisted).",
)

DateTime = strawberry.scalar(
    name="DateTime",
    description="An instant as the REST API writes it: ISO 8601 in UTC, e.g. 2026-11-24T09:30:00.123456Z.",
    serialize=DateTimeField().to_representation,
    parse_value=DateTimeField().to_internal_value,
)
PageSize = Annotated[int | None, strawberry.argument(description="Items per page: 20 by default, at most 100.")]
Cursor = Annotated[str | None, strawberry.argument(description="A `nextCursor` or `previousCursor` of the same list.")]

T = TypeVar("T")
D = TypeVar("D")


@strawberry.type(description="One page of a list, in the list's order.")
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = strawberry.field(description="Pass as `cursor` for the next page; null on the last.")
    previous_cursor: str | None = strawberry.field(
        description="Pass as `cursor` for the page before; null on the first."
    )


def copied(cls: type[T], data: object) -> T:
    """A GraphQL object whose plain fields are the same-named attributes of ``data``
    (the apps' data classes name things as the schema does, in snake case)."""
    # Strawberry's types are dataclasses at run time, which mypy cannot see through the decorator.
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    return cls(**{field.name: getattr(data, field.name) for field in fields if field.init})


def paged(page: PageData[D], cls: type[T]) -> "Page[T]":
    return Page(
        items=[copied(cls, item) for item in page.items],
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
    )


def page_of(page_size: int | None, cursor: str | None) -> PageRequest:
    """The REST API's page rules (``page_size``, ``cursor``), checked the same way."""
    params = {name: value for name, value in (("page_size", page_size), ("cursor", cursor)) if value is not None}
    return page_request_of(params)


# --- people and courses ----------------------------------------------------------


@strawberry.type(description="A person as others see them: their name, never their contact details.")
class Person:
    id: strawberry.ID
    first_name: str
    last_name: str


async def person(info: Context, user_id: str) -> Person | None:
    profile = await info.context.loaders.person.load(user_id)
    return copied(Person, profile) if profile else None


@strawberry.type(description="A course of the catalog, e.g. CPSC-449.")
class Course:
    id: strawberry.ID = strawberry.field(description='"{department}-{number}", e.g. CPSC-449.')
    department: str
    number: str
    title: str
    description: str
    credits: int
    section_count: int = strawberry.field(description="Sections of this course in any term.")


# --- rosters and waitlists -------------------------------------------------------


@strawberry.type(description="A student's row in a section's roster.")
class RosterEntry:
    student_id: strawberry.ID
    status: EnrollmentStatus
    enrolled_at: datetime
    dropped_at: datetime | None
    dropped_by: strawberry.ID | None
    administrative: bool = strawberry.field(description="Dropped by the instructor or the registrar.")

    @strawberry.field(description="The student's name.")
    async def student(self, info: Context) -> Person | None:
        return await person(info, self.student_id)


@strawberry.type(description="A student's place in a section's waitlist.")
class WaitlistEntry:
    section_id: strawberry.ID
    student_id: strawberry.ID
    position: int = strawberry.field(description="1-based.")
    joined_at: datetime

    @strawberry.field(description="The student's name.")
    async def student(self, info: Context) -> Person | None:
        return await person(info, self.student_id)

    @strawberry.field(description="The section waited for.")
    async def section(self, info: Context) -> "Section | None":
        return await section_loaded(info, self.section_id)


# --- sections --------------------------------------------------------------------


@strawberry.type(description='A weekly meeting of a section, e.g. days "MWF", start "09:00", end "09:50".')
class Meeting:
    days: str = strawberry.field(description="Distinct letters of MTWRFSU (R: Thursday, U: Sunday), e.g. MWF.")
    start: str = strawberry.field(description="Local time, HH:MM (24-hour).")
    end: str = strawberry.field(description="Local time, HH:MM, after start.")


@strawberry.type(description="A section of a course in a term, e.g. 2026FA-CPSC-449-01.")
class Section:
    id: strawberry.ID = strawberry.field(description='"{term}-{course_id}-{number}".')
    course_id: strawberry.ID
    department: str
    title: str
    term: str
    number: str
    instructor_id: strawberry.ID
    capacity: int
    enrolled: int
    seats_left: int
    waitlist_capacity: int
    waitlisted: int | None = strawberry.field(
        description="Students waiting now; null while the waitlist store does not answer (the rest is there)."
    )
    status: SectionStatus
    auto_enrollment_frozen: bool
    meetings: list[Meeting] = strawberry.field(description="Weekly meetings, as written; empty for none.")
    credits: int = strawberry.field(description="The course's credits.")

    @strawberry.field(description="The course this is a section of.")
    async def course(self, info: Context) -> Course | None:
        data = await info.context.loaders.course.load(self.course_id)
        return copied(Course, data) if data else None

    @strawberry.field(description="Who teaches it.")
    async def instructor(self, info: Context) -> Person | None:
        return await person(info, self.instructor_id)

    @strawberry.field(
        description=(
            "The roster: enrolled (default) or dropped students. The section's instructor and the registrar only; "
            "anyone else gets an error on this field."
        )
    )
    async def roster(
        self,
        info: Context,
        status: EnrollmentStatus = enrollment.EnrollmentStatus.ENROLLED,
        page_size: PageSize = None,
        cursor: Cursor = None,
    ) -> Page[RosterEntry] | None:
        context = info.context
        context.require(enrollment.ROSTER_READ)
        page = await sync_to_async(enrollment.roster_list)(
            actor=context.actor, section_id=self.id, status=status, page=page_of(page_size, cursor)
        )
        return paged(page, RosterEntry)

    @strawberry.field(
        description=(
            "The waitlist in line order. The section's instructor and the registrar only; anyone else gets an error "
            "on this field."
        )
    )
    async def waitlist(
        self,
        info: Context,
        page_size: PageSize = None,
        cursor: Cursor = None,
    ) -> Page[WaitlistEntry] | None:
        context = info.context
        context.require(enrollment.WAITLIST_READ)
        page = await sync_to_async(enrollment.waitlist_page)(
            actor=context.actor, section_id=self.id, page=page_of(page_size, cursor)
        )
        return paged(page, WaitlistEntry)


def section_of(data: SectionData) -> Section:
    section = copied(Section, data)
    section.meetings = [copied(Meeting, meeting) for meeting in data.meetings]
    return section


async def section_loaded(info: Context, section_id: str) -> Section | None:
    data = await info.context.loaders.section.load(section_id)
    return section_of(data) if data else None


def sections_listed(info: Context, sections: Iterable[SectionData]) -> list[Section]:
    sections = list(sections)
    info.context.loaders.sections_known(sections)
    return [section_of(section) for section in sections]


# --- a student's registrations ---------------------------------------------------


@strawberry.type(
    description="A seat (enrolled, with enrolledAt) or a waitlist place (waitlisted, with position and joinedAt)."
)
class Registration:
    section_id: strawberry.ID
    student_id: strawberry.ID
    course_id: strawberry.ID
    term: str
    status: RegistrationStatus
    enrolled_at: datetime | None = strawberry.field(description="When enrolled.")
    position: int | None = strawberry.field(description="When waitlisted: 1-based.")
    joined_at: datetime | None = strawberry.field(description="When waitlisted.")

    @strawberry.field(description="The section.")
    async def section(self, info: Context) -> Section | None:
        return await section_loaded(info, self.section_id)


@strawberry.type(name="RegistrationPage", description="One page of a list, in the list's order.")
class SchedulePage(Page[Registration]):
    waitlists_unavailable: bool = strawberry.field(
        description=(
            "True when the waitlist store did not answer: the waitlist places, which lead the first page, are missing "
            "from it, and the seats are all listed."
        )
    )


# --- registration: terms, holds, a student's standing in a term ------------------


@strawberry.type(description="A term's registration settings, e.g. 2026FA. Like `GET /api/v1/terms/{term}/`.")
class Term:
    term: str = strawberry.field(description="A year and FA, SP, SU or WI.")
    registration_opens_at: datetime
    registration_closes_at: datetime
    max_credits: int = strawberry.field(description="The term's credit limit per student.")
    created_at: datetime
    updated_at: datetime


@strawberry.type(description="A hold: while a student has one, they cannot enroll, swap or join a waitlist.")
class Hold:
    id: strawberry.ID
    kind: str = strawberry.field(description="financial, advising, registrar or other.")
    reason: str
    created_at: datetime
    created_by: strawberry.ID = strawberry.field(description="The registrar's user id.")


@strawberry.type(
    description="A student's standing in a term, as `GET /api/v1/students/{student_id}/terms/{term}/` answers it."
)
class TermRegistration:
    term: str
    student_id: strawberry.ID
    registration_opens_at: datetime | None = strawberry.field(
        description="Your opening: your time ticket, else the term's; null when the term has no settings."
    )
    registration_closes_at: datetime | None = strawberry.field(description="Null when the term has no settings.")
    can_register_now: bool = strawberry.field(description="Inside your window and without a hold.")
    credits_enrolled: int
    max_credits: int = strawberry.field(
        description="Your own limit if the registrar set one, else the term's, else 18."
    )
    max_credits_override: int | None
    holds: list[Hold]


def term_registration(summary: enrollment.StudentTermSummary) -> TermRegistration:
    fields = {field.name: getattr(summary, field.name) for field in dataclasses.fields(summary)}
    return TermRegistration(**{**fields, "holds": [copied(Hold, hold) for hold in summary.holds]})


@strawberry.type(description="The caller.")
class Me:
    id: strawberry.ID
    username: str
    first_name: str
    last_name: str
    email: str
    roles: list[str]

    @strawberry.field(
        description=(
            "Your seats and waitlist places, as `GET /api/v1/students/me/enrollments/` lists them: the places lead "
            "the first page, the seats follow by section id. Students and the registrar."
        )
    )
    async def enrollments(
        self,
        info: Context,
        page_size: PageSize = None,
        cursor: Cursor = None,
    ) -> SchedulePage | None:
        context = info.context
        context.require(enrollment.SCHEDULE_READ)
        page = await sync_to_async(enrollment.student_enrollment_list)(
            actor=context.actor, student_id="me", page=page_of(page_size, cursor)
        )
        listed = paged(page, Registration)
        return SchedulePage(
            items=listed.items,
            next_cursor=listed.next_cursor,
            previous_cursor=listed.previous_cursor,
            waitlists_unavailable=page.waitlists_unavailable,
        )

    @strawberry.field(
        description="Your waitlist places with their positions, by section id. Students and the registrar."
    )
    async def waitlists(self, info: Context) -> list[WaitlistEntry] | None:
        context = info.context
        context.require(enrollment.SCHEDULE_READ)
        places = await sync_to_async(student_waitlist_places)(student_id=context.actor.id)
        return [copied(WaitlistEntry, place) for place in places]

    @strawberry.field(description="Your holds, oldest first. Students and the registrar.")
    async def holds(self, info: Context) -> list[Hold] | None:
        context = info.context
        context.require(enrollment.REGISTRATION_READ)
        holds = await sync_to_async(enrollment.student_holds)(actor=context.actor, student_id="me")
        return [copied(Hold, hold) for hold in holds]

    @strawberry.field(
        description=(
            "Your standing in a term: your window, whether you may register now, credits, limit and holds. A term "
            "without settings answers too (no window). Students and the registrar."
        )
    )
    async def registration(self, info: Context, term: str) -> TermRegistration | None:
        context = info.context
        context.require(enrollment.REGISTRATION_READ)
        term = enrollment.term_code(term)
        summary = await sync_to_async(enrollment.student_term_summary_get)(
            actor=context.actor, student_id="me", term=term
        )
        return term_registration(summary)
