"""The read-only GraphQL schema: queries only; every change goes through REST."""

from datetime import datetime

import strawberry
from asgiref.sync import sync_to_async
from strawberry.extensions import MaxAliasesLimiter
from strawberry.schema.config import StrawberryConfig

from accounts.api import user_profile_get
from enrollment import api as enrollment
from graphql_api.errors import ErrorCodes, LoggedSchema
from graphql_api.limits import QueryLimits
from graphql_api.types import (
    Context,
    Course,
    Cursor,
    DateTime,
    Me,
    Page,
    PageSize,
    Section,
    Term,
    copied,
    page_of,
    paged,
    section_loaded,
    sections_listed,
)


@strawberry.type(description="Reads of the catalog, rosters, waitlists and your own registrations.")
class Query:
    @strawberry.field(description="Courses in id order, optionally of one department. Like `GET /api/v1/courses/`.")
    async def courses(
        self,
        info: Context,
        department: str | None = None,
        page_size: PageSize = None,
        cursor: Cursor = None,
    ) -> Page[Course] | None:
        info.context.require(enrollment.CATALOG_READ)
        department = enrollment.department_filter(params={"department": department} if department is not None else {})
        page = await sync_to_async(enrollment.course_list)(page=page_of(page_size, cursor), department=department)
        return paged(page, Course)

    @strawberry.field(description="One course; null with a `not_found` error if there is none.")
    async def course(self, info: Context, id: strawberry.ID) -> Course | None:
        info.context.require(enrollment.CATALOG_READ)
        data = await info.context.loaders.course.load(id)
        if data is None:
            raise enrollment.CourseNotFound()
        return copied(Course, data)

    @strawberry.field(
        description=(
            "Sections in id order, with the filters of `GET /api/v1/sections/`: term, department, course, "
            "instructor (an id or `me`), open (true: a seat is free; false: full)."
        )
    )
    async def sections(
        self,
        info: Context,
        term: str | None = None,
        department: str | None = None,
        course: str | None = None,
        instructor: str | None = None,
        open: bool | None = None,
        page_size: PageSize = None,
        cursor: Cursor = None,
    ) -> Page[Section] | None:
        context = info.context
        context.require(enrollment.CATALOG_READ)
        given = {"term": term, "department": department, "course": course, "instructor": instructor, "open": open}
        filters = enrollment.section_filters(
            actor=context.actor, params={name: value for name, value in given.items() if value is not None}
        )
        page = await sync_to_async(enrollment.section_list)(page=page_of(page_size, cursor), filters=filters)
        return Page(
            items=sections_listed(info, page.items),
            next_cursor=page.next_cursor,
            previous_cursor=page.previous_cursor,
        )

    @strawberry.field(description="One section; null with a `not_found` error if there is none.")
    async def section(self, info: Context, id: strawberry.ID) -> Section | None:
        info.context.require(enrollment.CATALOG_READ)
        section = await section_loaded(info, id)
        if section is None:
            raise enrollment.SectionNotFound()
        return section

    @strawberry.field(description="The terms with registration settings, in term order. Like `GET /api/v1/terms/`.")
    async def terms(self, info: Context, page_size: PageSize = None, cursor: Cursor = None) -> Page[Term] | None:
        info.context.require(enrollment.TERMS_READ)
        page = await sync_to_async(enrollment.term_list)(page=page_of(page_size, cursor))
        return paged(page, Term)

    @strawberry.field(description="One term's settings; null with a `not_found` error if it has none.")
    async def term(self, info: Context, term: str) -> Term | None:
        info.context.require(enrollment.TERMS_READ)
        data = await sync_to_async(enrollment.term_get)(term=enrollment.term_code(term))
        return copied(Term, data)

    @strawberry.field(description="You: your profile, your enrollments, waitlist places, holds and term standing.")
    async def me(self, info: Context) -> Me | None:
        return copied(Me, await sync_to_async(user_profile_get)(user_id=info.context.actor.id))


schema = LoggedSchema(
    query=Query,
    config=StrawberryConfig(scalar_map={datetime: DateTime}),
    extensions=[QueryLimits, lambda: MaxAliasesLimiter(max_alias_count=30), ErrorCodes],
)
