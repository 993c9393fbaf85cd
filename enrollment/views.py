"""HTTP endpoints of the catalog and of enrollment. Thin: validate, call one service or
selector, serialize. Each action's roles are in ``permissions_by_action``, which the
gateway config is checked against."""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.api import ActionPermissionsMixin, IsAnyRole, IsRegistrar, actor_of, resolve_user_id
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.openapi import path_parameter, problem_responses
from core.pagination import PAGE_PARAMETERS, page_request, page_response, page_serializer
from core.serializers import validated
from enrollment import selectors, services
from enrollment.data import COURSE_ID, SECTION_ID, TERM, EnrollmentStatus, EnrollOutcome
from enrollment.permissions import (
    CATALOG_READ,
    CATALOG_WRITE,
    REGISTRATION_READ,
    ROSTER_READ,
    SCHEDULE_READ,
    TERMS_READ,
    WAITLIST_READ,
    IsStudentOrRegistrar,
)
from enrollment.serializers import (
    HOLD_ID,
    USER_ID,
    AutoEnrollmentSerializer,
    CourseCreateInputSerializer,
    CourseListQuerySerializer,
    CourseOutputSerializer,
    CourseUpdateInputSerializer,
    EnrollInputSerializer,
    HoldInputSerializer,
    HoldSerializer,
    PendingSwapSerializer,
    RegistrationSerializer,
    RosterItemSerializer,
    RosterQuerySerializer,
    SchedulePageSerializer,
    SectionCreateInputSerializer,
    SectionListQuerySerializer,
    SectionOutputSerializer,
    SectionUpdateInputSerializer,
    StudentTermInputSerializer,
    StudentTermSerializer,
    SwapInputSerializer,
    SwapOutputSerializer,
    TermOutputSerializer,
    TermSettingsInputSerializer,
    TimeTicketsInputSerializer,
    TimeTicketsOutputSerializer,
    WaitlistItemSerializer,
    WaitlistPlaceSerializer,
    department_filter,
    section_filters,
)
from waitlist.api import auto_enrollment_frozen

CATALOG_PERMISSIONS = {
    "list": CATALOG_READ,
    "retrieve": CATALOG_READ,
    "create": CATALOG_WRITE,
    "partial_update": CATALOG_WRITE,
    "destroy": CATALOG_WRITE,
}

COURSE_ID_PARAMETER = path_parameter("course_id", COURSE_ID, "e.g. CPSC-449")
SECTION_ID_PARAMETER = path_parameter("section_id", SECTION_ID, "e.g. 2026FA-CPSC-449-01")
STUDENT_ID_PARAMETER = path_parameter("student_id", USER_ID, "A user id, or `me`.")


class CourseViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """The catalog's courses. Everyone signed in reads; the registrar writes."""

    lookup_field = "course_id"
    lookup_value_regex = COURSE_ID
    permissions_by_action = CATALOG_PERMISSIONS

    @extend_schema(
        operation_id="courses_list",
        tags=["catalog"],
        summary="List courses, optionally of one department",
        parameters=[CourseListQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_serializer(CourseOutputSerializer), **problem_responses(400, 401, 403, 429, 503)},
    )
    def list(self, request: Request) -> Response:
        department = department_filter(params=request.query_params)
        page = selectors.course_list(page=page_request(request), department=department)
        return page_response(request, page, CourseOutputSerializer)

    @extend_schema(
        operation_id="courses_create",
        tags=["catalog"],
        summary="Add a course (registrar)",
        request=CourseCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: CourseOutputSerializer, **problem_responses(400, 401, 403, 409, 422, 429, 503)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        course = services.course_create(**validated(CourseCreateInputSerializer, request.data))
        location = reverse("course-detail", kwargs={"course_id": course.id}, request=request)
        return Response(
            CourseOutputSerializer(course).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        operation_id="courses_retrieve",
        tags=["catalog"],
        summary="One course",
        parameters=[COURSE_ID_PARAMETER],
        responses={200: CourseOutputSerializer, **problem_responses(401, 403, 404, 429, 503)},
    )
    def retrieve(self, request: Request, course_id: str) -> Response:
        return Response(CourseOutputSerializer(selectors.course_get(course_id=course_id)).data)

    @extend_schema(
        operation_id="courses_update",
        tags=["catalog"],
        summary="Change a course's title, description or credits (registrar)",
        parameters=[COURSE_ID_PARAMETER],
        request=CourseUpdateInputSerializer,
        responses={200: CourseOutputSerializer, **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def partial_update(self, request: Request, course_id: str) -> Response:
        changes = validated(CourseUpdateInputSerializer, request.data)
        course = services.course_update(course_id=course_id, **changes)
        return Response(CourseOutputSerializer(course).data)

    @extend_schema(
        operation_id="courses_delete",
        tags=["catalog"],
        summary="Delete a course without sections (registrar)",
        parameters=[COURSE_ID_PARAMETER],
        responses={204: None, **problem_responses(401, 403, 404, 409, 429, 503)},
    )
    def destroy(self, request: Request, course_id: str) -> Response:
        services.course_delete(course_id=course_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SectionViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """Sections of courses in a term. Everyone signed in reads; the registrar writes."""

    lookup_field = "section_id"
    lookup_value_regex = SECTION_ID
    permissions_by_action = CATALOG_PERMISSIONS

    @extend_schema(
        operation_id="sections_list",
        tags=["catalog"],
        summary="List sections, filtered by term, department, course, instructor, free seats",
        parameters=[SectionListQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_serializer(SectionOutputSerializer), **problem_responses(400, 401, 403, 429, 503)},
    )
    def list(self, request: Request) -> Response:
        filters = section_filters(actor=actor_of(request.user), params=request.query_params)
        page = selectors.section_list(page=page_request(request), filters=filters)
        return page_response(request, page, SectionOutputSerializer)

    @extend_schema(
        operation_id="sections_create",
        tags=["catalog"],
        summary="Add a section of a course in a term (registrar)",
        request=SectionCreateInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: SectionOutputSerializer, **problem_responses(400, 401, 403, 409, 422, 429, 503)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        section = services.section_create(**validated(SectionCreateInputSerializer, request.data))
        location = reverse("section-detail", kwargs={"section_id": section.id}, request=request)
        return Response(
            SectionOutputSerializer(section).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    @extend_schema(
        operation_id="sections_retrieve",
        tags=["catalog"],
        summary="One section",
        parameters=[SECTION_ID_PARAMETER],
        responses={200: SectionOutputSerializer, **problem_responses(401, 403, 404, 429, 503)},
    )
    def retrieve(self, request: Request, section_id: str) -> Response:
        return Response(SectionOutputSerializer(selectors.section_get(section_id=section_id)).data)

    @extend_schema(
        operation_id="sections_update",
        tags=["catalog"],
        summary="Change a section's instructor, capacities, freeze or meetings (registrar)",
        parameters=[SECTION_ID_PARAMETER],
        request=SectionUpdateInputSerializer,
        responses={200: SectionOutputSerializer, **problem_responses(400, 401, 403, 404, 409, 429, 503)},
    )
    def partial_update(self, request: Request, section_id: str) -> Response:
        changes = validated(SectionUpdateInputSerializer, request.data)
        return Response(SectionOutputSerializer(services.section_update(section_id=section_id, **changes)).data)

    @extend_schema(
        operation_id="sections_delete",
        tags=["catalog"],
        summary="Delete a section with its enrollments (registrar)",
        parameters=[SECTION_ID_PARAMETER],
        responses={204: None, **problem_responses(401, 403, 404, 429, 503)},
    )
    def destroy(self, request: Request, section_id: str) -> Response:
        services.section_delete(section_id=section_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SectionEnrollmentViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A section's enrollments: enroll, the roster, one student's row, drop."""

    permissions_by_action = {
        "create": [IsStudentOrRegistrar],
        "list": ROSTER_READ,
        "retrieve": [IsAnyRole],
        "destroy": [IsAnyRole],
    }

    @extend_schema(
        operation_id="enrollments_create",
        tags=["enrollment"],
        summary="Enroll (a student themself, or the registrar any student); if the section is full, join its waitlist",
        description=(
            "201 with `status: enrolled`, or `status: waitlisted` and the `position` when the section is full or "
            "anyone waits for it (no one jumps the line). `Location` is the seat or the waitlist place.\n\n"
            "The registration rules apply to both: 403 `registration_not_open` (with `opens_at`) or "
            "`registration_closed` outside the student's window (never for the registrar), 403 "
            "`registration_hold` (with `holds`), 409 `time_conflict` (with `conflicts`) and 409 "
            "`credit_limit_exceeded` (with `credits_enrolled`, `credits_requested`, `max_credits`). The "
            'registrar may send `override: ["time_conflict", "credit_limit"]`; anyone else doing so is 403.'
        ),
        parameters=[SECTION_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=EnrollInputSerializer,
        responses={201: RegistrationSerializer, **problem_responses(400, 401, 403, 404, 409, 422, 429, 503)},
    )
    @idempotent
    def create(self, request: Request, section_id: str) -> Response:
        body = validated(EnrollInputSerializer, request.data)
        registration = services.enrollment_create(
            actor=actor_of(request.user),
            section_id=section_id,
            student_id=body.get("student_id"),
            overrides=body.get("override", ()),
        )
        detail = (
            "section-enrollment-detail" if registration.status == EnrollOutcome.ENROLLED else "section-waitlist-detail"
        )
        location = reverse(
            detail, kwargs={"section_id": section_id, "student_id": registration.student_id}, request=request
        )
        body = RegistrationSerializer(registration).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        operation_id="enrollments_roster",
        tags=["enrollment"],
        summary="The roster: enrolled (default) or dropped students (the section's instructor, registrar)",
        parameters=[SECTION_ID_PARAMETER, RosterQuerySerializer, *PAGE_PARAMETERS],
        responses={200: page_serializer(RosterItemSerializer), **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def list(self, request: Request, section_id: str) -> Response:
        query = validated(RosterQuerySerializer, request.query_params)
        page = selectors.roster_list(
            actor=actor_of(request.user),
            section_id=section_id,
            status=EnrollmentStatus(query["status"]),
            page=page_request(request),
        )
        return page_response(request, page, RosterItemSerializer)

    @extend_schema(
        operation_id="enrollments_retrieve",
        tags=["enrollment"],
        summary="One student's enrollment (the student, the section's instructor, registrar)",
        parameters=[SECTION_ID_PARAMETER, STUDENT_ID_PARAMETER],
        responses={200: RosterItemSerializer, **problem_responses(401, 403, 404, 429, 503)},
    )
    def retrieve(self, request: Request, section_id: str, student_id: str) -> Response:
        enrollment = selectors.enrollment_get(
            actor=actor_of(request.user), section_id=section_id, student_id=student_id
        )
        return Response(RosterItemSerializer(enrollment).data)

    @extend_schema(
        operation_id="enrollments_drop",
        tags=["enrollment"],
        summary="Drop: the student, or administratively the section's instructor or the registrar",
        description="A student may drop until the term's registration closes (403 `registration_closed` after).",
        parameters=[SECTION_ID_PARAMETER, STUDENT_ID_PARAMETER],
        responses={204: None, **problem_responses(401, 403, 404, 429, 503)},
    )
    def destroy(self, request: Request, section_id: str, student_id: str) -> Response:
        services.enrollment_drop(actor=actor_of(request.user), section_id=section_id, student_id=student_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StudentEnrollmentViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A student's schedule: seats and waitlist places."""

    permissions_by_action = {"list": SCHEDULE_READ}

    @extend_schema(
        operation_id="student_enrollments_list",
        tags=["enrollment"],
        summary="A student's enrollments and waitlist places (the student, registrar)",
        description=(
            "Waitlist places lead the first page; seats follow, by section id. While the waitlist store does not "
            "answer, the first page lists the seats alone with `waitlists_unavailable: true`."
        ),
        parameters=[STUDENT_ID_PARAMETER, *PAGE_PARAMETERS],
        responses={
            200: SchedulePageSerializer,
            **problem_responses(400, 401, 403, 404, 429, 503),
        },
    )
    def list(self, request: Request, student_id: str) -> Response:
        page = selectors.student_enrollment_list(
            actor=actor_of(request.user), student_id=student_id, page=page_request(request)
        )
        return page_response(
            request, page, RegistrationSerializer, extra={"waitlists_unavailable": page.waitlists_unavailable}
        )


class SectionWaitlistViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A section's waitlist: the line, one student's place, leaving it."""

    permissions_by_action = {
        "list": WAITLIST_READ,
        "retrieve": [IsAnyRole],
        "destroy": [IsStudentOrRegistrar],
    }

    @extend_schema(
        operation_id="waitlist_list",
        tags=["waitlist"],
        summary="The waitlist in line order (the section's instructor, registrar)",
        parameters=[SECTION_ID_PARAMETER, *PAGE_PARAMETERS],
        responses={200: page_serializer(WaitlistItemSerializer), **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def list(self, request: Request, section_id: str) -> Response:
        page = selectors.waitlist_page(actor=actor_of(request.user), section_id=section_id, page=page_request(request))
        return page_response(request, page, WaitlistItemSerializer)

    @extend_schema(
        operation_id="waitlist_retrieve",
        tags=["waitlist"],
        summary="One student's place on the waitlist (the student, the section's instructor, registrar)",
        description=(
            "Answers with `ETag` (changes exactly when this answer does) and `Last-Modified` (the waitlist's last "
            "change). Send them back as `If-None-Match` or `If-Modified-Since` to get `304 Not Modified` while "
            "nothing moved; for the student and the registrar that is answered from Redis alone."
        ),
        parameters=[
            SECTION_ID_PARAMETER,
            STUDENT_ID_PARAMETER,
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("If-Modified-Since", str, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            200: WaitlistPlaceSerializer,
            304: OpenApiResponse(description="Not modified: the place is where the validators say."),
            **problem_responses(401, 403, 404, 429, 503),
        },
    )
    def retrieve(self, request: Request, section_id: str, student_id: str):
        place = selectors.waitlist_place_get(actor=actor_of(request.user), section_id=section_id, student_id=student_id)
        validators = {
            "ETag": f'"{place.version}"',
            "Last-Modified": http_date(place.changed),
            # A client may keep the answer, but must ask (cheaply, with the validators) before using it.
            "Cache-Control": "private, no-cache",
        }
        # The preconditions are decided on the validators alone: a 304 (the common answer
        # to a poll) serializes nothing, and carries the same headers as the 200 would.
        headers_only = HttpResponse(headers=validators)
        not_modified = get_conditional_response(
            request._request, etag=validators["ETag"], last_modified=place.changed, response=headers_only
        )
        if not_modified is not headers_only:
            return not_modified
        return Response(WaitlistPlaceSerializer(place).data, headers=validators)

    @extend_schema(
        operation_id="waitlist_leave",
        tags=["waitlist"],
        summary="Leave the waitlist (the student, registrar)",
        description=(
            "A student may leave until the term's registration closes (403 `registration_closed` after); a swap "
            "attached to the place goes with it."
        ),
        parameters=[SECTION_ID_PARAMETER, STUDENT_ID_PARAMETER],
        responses={204: None, **problem_responses(401, 403, 404, 429, 503)},
    )
    def destroy(self, request: Request, section_id: str, student_id: str) -> Response:
        services.waitlist_place_leave(actor=actor_of(request.user), section_id=section_id, student_id=student_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AutoEnrollmentViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """The global switch of automatic enrollment from waitlists."""

    permissions_by_action = {"retrieve": [IsAnyRole], "update": [IsRegistrar]}

    @extend_schema(
        operation_id="auto_enrollment_retrieve",
        tags=["waitlist"],
        summary="Whether automatic enrollment from waitlists is frozen",
        responses={200: AutoEnrollmentSerializer, **problem_responses(401, 403, 429, 503)},
    )
    def retrieve(self, request: Request) -> Response:
        return Response({"frozen": auto_enrollment_frozen()})

    @extend_schema(
        operation_id="auto_enrollment_update",
        tags=["waitlist"],
        summary="Freeze or unfreeze automatic enrollment (registrar); unfreezing fills every free seat",
        request=AutoEnrollmentSerializer,
        responses={200: AutoEnrollmentSerializer, **problem_responses(400, 401, 403, 429, 503)},
    )
    def update(self, request: Request) -> Response:
        frozen = validated(AutoEnrollmentSerializer, request.data)["frozen"]
        return Response({"frozen": services.auto_enrollment_set(frozen=frozen)})


class StudentSwapViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A student's swaps: drop one section and enroll in another as one change."""

    permissions_by_action = {"create": [IsStudentOrRegistrar], "list": [IsStudentOrRegistrar]}

    @extend_schema(
        operation_id="swaps_list",
        tags=["enrollment"],
        summary="The swaps a student waits with (the student, registrar)",
        description="Each waitlist place joined with `waitlist: true`: the section waited for, the one dropped then.",
        parameters=[STUDENT_ID_PARAMETER, *PAGE_PARAMETERS],
        responses={200: page_serializer(PendingSwapSerializer), **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def list(self, request: Request, student_id: str) -> Response:
        page = selectors.student_swap_list(
            actor=actor_of(request.user), student_id=student_id, page=page_request(request)
        )
        return page_response(request, page, PendingSwapSerializer)

    @extend_schema(
        operation_id="swaps_create",
        tags=["enrollment"],
        summary="Swap: drop one section and enroll in another of the same term, as one change (the student, registrar)",
        description=(
            "With a free seat in `enroll_section_id` (and nobody waiting for it) the drop and the enroll commit "
            "together: 200 `{status: swapped, dropped, enrolled}`. Otherwise, with `waitlist: false` (the default) "
            "nothing changes: 409 `section_full`; with `waitlist: true` the student joins its waitlist with the swap "
            "attached and keeps the old seat until promoted: 201 `{status: waitlisted, position, swap_for, ...}`. "
            "Conflicts and credits are computed as if the dropped section were gone. Not enrolled in "
            "`drop_section_id`: 404; the same section twice or sections of different terms: 400."
        ),
        parameters=[STUDENT_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=SwapInputSerializer,
        responses={
            200: SwapOutputSerializer,
            201: RegistrationSerializer,
            **problem_responses(400, 401, 403, 404, 409, 422, 429, 503),
        },
    )
    @idempotent
    def create(self, request: Request, student_id: str) -> Response:
        body = validated(SwapInputSerializer, request.data)
        outcome = services.swap_create(
            actor=actor_of(request.user),
            student_id=student_id,
            drop_section_id=body["drop_section_id"],
            enroll_section_id=body["enroll_section_id"],
            waitlist=body["waitlist"],
        )
        registration = outcome.registration
        if outcome.dropped is not None:
            swapped = {"status": "swapped", "dropped": outcome.dropped, "enrolled": registration}
            return Response(SwapOutputSerializer(swapped).data, status=status.HTTP_200_OK)
        location = reverse(
            "section-waitlist-detail",
            kwargs={"section_id": registration.section_id, "student_id": registration.student_id},
            request=request,
        )
        body = RegistrationSerializer(registration).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


# --- registration: terms, time tickets, a student's term, holds ---------------------

TERM_PARAMETER = path_parameter("term", TERM, "e.g. 2026FA (any case).")
HOLD_ID_PARAMETER = path_parameter("hold_id", HOLD_ID, "e.g. hold_3kT9xQ2bVw0aLm7p.")


class TermViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """Terms with their registration settings. Everyone signed in reads; the registrar writes."""

    lookup_field = "term"
    lookup_value_regex = TERM
    permissions_by_action = {"list": TERMS_READ, "retrieve": TERMS_READ, "update": [IsRegistrar]}

    @extend_schema(
        operation_id="terms_list",
        tags=["registration"],
        summary="The terms with registration settings, in term code order",
        parameters=PAGE_PARAMETERS,
        responses={200: page_serializer(TermOutputSerializer), **problem_responses(400, 401, 403, 429, 503)},
    )
    def list(self, request: Request) -> Response:
        return page_response(request, selectors.term_list(page=page_request(request)), TermOutputSerializer)

    @extend_schema(
        operation_id="terms_retrieve",
        tags=["registration"],
        summary="One term's registration settings (404 if it has none)",
        parameters=[TERM_PARAMETER],
        responses={200: TermOutputSerializer, **problem_responses(401, 403, 404, 429, 503)},
    )
    def retrieve(self, request: Request, term: str) -> Response:
        return Response(TermOutputSerializer(selectors.term_get(term=term)).data)

    @extend_schema(
        operation_id="terms_put",
        tags=["registration"],
        summary="Create or replace a term's registration window and credit limit (registrar)",
        description="201 when this created the settings, 200 when it replaced them. Omitted `max_credits` is 18.",
        parameters=[TERM_PARAMETER],
        request=TermSettingsInputSerializer,
        responses={
            200: TermOutputSerializer,
            201: TermOutputSerializer,
            **problem_responses(400, 401, 403, 404, 429, 503),
        },
    )
    def update(self, request: Request, term: str) -> Response:
        settings, created = services.term_settings_put(
            term=term, **validated(TermSettingsInputSerializer, request.data)
        )
        return Response(
            TermOutputSerializer(settings).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class TimeTicketViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A term's time tickets: each student's own opening."""

    permissions_by_action = {"update": [IsRegistrar]}

    @extend_schema(
        operation_id="time_tickets_put",
        tags=["registration"],
        summary="Add or replace time tickets of a term, up to 1000 per request (registrar)",
        description=(
            "A ticket replaces the term's opening for its student (earlier or later). Any bad ticket (unknown "
            "student, a student listed twice, a bad time) or more than 1000: 400 `invalid` with `errors` by ticket "
            "(`tickets[3].opens_at`), and nothing is written. The term need not have settings."
        ),
        parameters=[TERM_PARAMETER],
        request=TimeTicketsInputSerializer,
        responses={200: TimeTicketsOutputSerializer, **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def update(self, request: Request, term: str) -> Response:
        tickets = validated(TimeTicketsInputSerializer, request.data)["tickets"]
        written = services.time_tickets_put(
            actor=actor_of(request.user),
            term=term,
            tickets=[services.TicketInput(**ticket) for ticket in tickets],
        )
        return Response({"written": written})


class StudentTermViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A student's standing in a term: window, credits, holds; the registrar's credit override."""

    permissions_by_action = {"retrieve": REGISTRATION_READ, "partial_update": [IsRegistrar]}

    @extend_schema(
        operation_id="student_term_retrieve",
        tags=["registration"],
        summary="A student's registration summary for a term (the student, registrar)",
        description="A term without settings answers too: no window (`null`s), the default limit of 18.",
        parameters=[STUDENT_ID_PARAMETER, TERM_PARAMETER],
        responses={200: StudentTermSerializer, **problem_responses(401, 403, 404, 429, 503)},
    )
    def retrieve(self, request: Request, student_id: str, term: str) -> Response:
        summary = selectors.student_term_summary_get(actor=actor_of(request.user), student_id=student_id, term=term)
        return Response(StudentTermSerializer(summary).data)

    @extend_schema(
        operation_id="student_term_update",
        tags=["registration"],
        summary="Set or remove (null) a student's own credit limit in a term (registrar)",
        description="Answers the summary. A limit below the credits enrolled keeps the sections; it refuses the next.",
        parameters=[STUDENT_ID_PARAMETER, TERM_PARAMETER],
        request=StudentTermInputSerializer,
        responses={200: StudentTermSerializer, **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def partial_update(self, request: Request, student_id: str, term: str) -> Response:
        max_credits = validated(StudentTermInputSerializer, request.data)["max_credits"]
        summary = services.student_term_max_credits_set(
            student_id=resolve_user_id(actor_of(request.user), student_id), term=term, max_credits=max_credits
        )
        return Response(StudentTermSerializer(summary).data)


class StudentHoldViewSet(ActionPermissionsMixin, viewsets.ViewSet):
    """A student's holds: the student reads them; the registrar places and lifts them."""

    permissions_by_action = {"list": REGISTRATION_READ, "create": [IsRegistrar], "destroy": [IsRegistrar]}

    @extend_schema(
        operation_id="student_holds_list",
        tags=["registration"],
        summary="A student's holds, oldest first (the student, registrar)",
        parameters=[STUDENT_ID_PARAMETER, *PAGE_PARAMETERS],
        responses={200: page_serializer(HoldSerializer), **problem_responses(400, 401, 403, 404, 429, 503)},
    )
    def list(self, request: Request, student_id: str) -> Response:
        page = selectors.student_hold_list(
            actor=actor_of(request.user), student_id=student_id, page=page_request(request)
        )
        return page_response(request, page, HoldSerializer)

    @extend_schema(
        operation_id="student_holds_create",
        tags=["registration"],
        summary="Place a hold on a student (registrar)",
        description=f"At most {services.MAX_HOLDS} holds per student: 409 `hold_limit_reached` beyond.",
        parameters=[STUDENT_ID_PARAMETER, IDEMPOTENCY_KEY_PARAMETER],
        request=HoldInputSerializer,
        responses={201: HoldSerializer, **problem_responses(400, 401, 403, 404, 409, 422, 429, 503)},
    )
    @idempotent
    def create(self, request: Request, student_id: str) -> Response:
        actor = actor_of(request.user)
        student_id = resolve_user_id(actor, student_id)
        hold = services.hold_create(actor=actor, student_id=student_id, **validated(HoldInputSerializer, request.data))
        location = reverse(
            "student-hold-detail", kwargs={"student_id": student_id, "hold_id": hold.id}, request=request
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        operation_id="student_holds_delete",
        tags=["registration"],
        summary="Lift a hold (registrar)",
        parameters=[STUDENT_ID_PARAMETER, HOLD_ID_PARAMETER],
        responses={204: None, **problem_responses(401, 403, 404, 429, 503)},
    )
    def destroy(self, request: Request, student_id: str, hold_id: str) -> Response:
        services.hold_delete(student_id=resolve_user_id(actor_of(request.user), student_id), hold_id=hold_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
