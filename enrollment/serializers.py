"""Request and response shapes of the catalog and enrollment endpoints."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.validators import MaxLengthValidator
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.api import Actor
from core.errors import InvalidField
from core.serializers import PartialUpdateSerializer, StrictSerializer, validated
from enrollment.data import (
    COURSE_ID,
    COURSE_NUMBER,
    DEPARTMENT,
    SECTION_ID,
    SECTION_NUMBER,
    TERM,
    EnrollmentStatus,
    EnrollOutcome,
    SectionStatus,
)
from enrollment.meetings import DAY_LETTERS, MAX_MEETINGS, Meeting
from enrollment.rules import DEFAULT_MAX_CREDITS, HoldKind, Override
from enrollment.selectors import SectionFilters, resolve_user_id

# In URL paths (unanchored: the router anchors them): an id that cannot exist is a 404
# before any store is asked.
USER_ID = r"me|[0-9]{1,20}"


def _whole(pattern: str) -> str:
    return f"^(?:{pattern})$"


MAX_CAPACITY = 1000
MAX_WAITLIST_CAPACITY = 500


class CodeField(serializers.RegexField):
    """An id part: matched against ``regex`` and upper-cased (``cpsc`` is ``CPSC``)."""

    numbers_allowed = True  # a course number may come as 449

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data).upper()


class UserIdField(serializers.RegexField):
    """A user id (digits, or ``me``): a string, though a JSON number is accepted too."""

    numbers_allowed = True

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": "Not a user id: digits, or `me`."})
        super().__init__(_whole(USER_ID), max_length=64, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data)


# --- courses -----------------------------------------------------------------------


class CourseCreateInputSerializer(StrictSerializer):
    department = CodeField(_whole(DEPARTMENT), help_text="2 to 8 letters, e.g. CPSC.")
    number = CodeField(_whole(COURSE_NUMBER), help_text="1 to 6 letters or digits, e.g. 449.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    credits = serializers.IntegerField(min_value=0, max_value=30)


class CourseUpdateInputSerializer(PartialUpdateSerializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    credits = serializers.IntegerField(min_value=0, max_value=30, required=False)


class CourseListQuerySerializer(serializers.Serializer):
    department = CodeField(_whole(DEPARTMENT), required=False)


def department_filter(*, params: Mapping[str, Any]) -> str | None:
    """The ``department`` a course list is filtered by, checked (``ValidationError``, 400)."""
    return validated(CourseListQuerySerializer, params).get("department")


class CourseOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"{department}-{number}", e.g. CPSC-449.')
    department = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    credits = serializers.IntegerField()


# --- sections ----------------------------------------------------------------------

# Distinct day letters, Monday to Sunday (R is Thursday, U Sunday), e.g. MWF.
MEETING_DAYS = f"(?!.*(.).*\\1)[{DAY_LETTERS}]{{1,{len(DAY_LETTERS)}}}"
MEETING_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"  # HH:MM, 00:00 to 23:59


class MeetingSerializer(StrictSerializer):
    """One weekly meeting, e.g. ``{"days": "MWF", "start": "09:00", "end": "09:50"}``."""

    days = serializers.RegexField(
        _whole(MEETING_DAYS),
        trim_whitespace=False,
        help_text="Distinct upper-case letters of MTWRFSU (R: Thursday, U: Sunday), e.g. MWF.",
        error_messages={"invalid": "Distinct upper-case letters of MTWRFSU (R: Thursday, U: Sunday), e.g. MWF."},
    )
    start = serializers.RegexField(
        _whole(MEETING_TIME),
        trim_whitespace=False,
        help_text="Local time, HH:MM from 00:00 to 23:59.",
        error_messages={"invalid": "A time HH:MM from 00:00 to 23:59, e.g. 09:00."},
    )
    end = serializers.RegexField(
        _whole(MEETING_TIME),
        trim_whitespace=False,
        help_text="Local time, HH:MM, after start.",
        error_messages={"invalid": "A time HH:MM from 00:00 to 23:59, e.g. 09:50."},
    )

    def run_validation(self, data=serializers.empty):
        # StrictSerializer's unknown-key check reads initial_data, which a list's items lack.
        self.initial_data = data
        return super().run_validation(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["start"] >= attrs["end"]:  # HH:MM strings sort as the times do
            raise serializers.ValidationError({"end": ["Must be after start."]})
        return Meeting(**attrs)


def meetings_field(**kwargs) -> serializers.ListSerializer:
    return serializers.ListSerializer(
        child=MeetingSerializer(),
        max_length=MAX_MEETINGS,
        # Never reached (max_length refuses first): what shows the limit as maxItems in OpenAPI.
        validators=[MaxLengthValidator(MAX_MEETINGS)],
        help_text=f"Weekly meetings, at most {MAX_MEETINGS}; [] for none.",
        **kwargs,
    )


class SectionCreateInputSerializer(StrictSerializer):
    course_id = CodeField(_whole(COURSE_ID), help_text="e.g. CPSC-449.")
    term = CodeField(_whole(TERM), help_text="Year and FA, SP, SU or WI, e.g. 2026FA.")
    number = CodeField(_whole(SECTION_NUMBER), help_text="1 to 4 letters or digits, e.g. 01.")
    instructor_id = UserIdField(help_text="The id of a user with the instructor role.")
    capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY)
    waitlist_capacity = serializers.IntegerField(min_value=0, max_value=MAX_WAITLIST_CAPACITY, default=15)
    meetings = meetings_field(required=False)


class SectionUpdateInputSerializer(PartialUpdateSerializer):
    instructor_id = UserIdField(required=False)
    capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY, required=False)
    waitlist_capacity = serializers.IntegerField(min_value=0, max_value=MAX_WAITLIST_CAPACITY, required=False)
    auto_enrollment_frozen = serializers.BooleanField(required=False)
    meetings = meetings_field(required=False)


class SectionListQuerySerializer(serializers.Serializer):
    term = CodeField(_whole(TERM), required=False)
    department = CodeField(_whole(DEPARTMENT), required=False)
    course = CodeField(_whole(COURSE_ID), required=False)
    instructor = UserIdField(required=False, help_text="An instructor's user id, or `me`.")
    open = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: a seat is free; false: full."
    )


def section_filters(*, actor: Actor, params: Mapping[str, Any]) -> SectionFilters:
    """The filters of a section list (``term``, ``department``, ``course``, ``instructor``
    (an id or ``me``), ``open``), checked: a ``ValidationError`` (400) names a bad one."""
    query = validated(SectionListQuerySerializer, params)
    instructor_id = query.get("instructor")
    return SectionFilters(
        term=query.get("term"),
        department=query.get("department"),
        course_id=query.get("course"),
        instructor_id=resolve_user_id(actor, instructor_id) if instructor_id else None,
        open=query.get("open"),
    )


class SectionOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"{term}-{course_id}-{number}", e.g. 2026FA-CPSC-449-01.')
    course_id = serializers.CharField()
    department = serializers.CharField()
    title = serializers.CharField()
    term = serializers.CharField()
    number = serializers.CharField()
    instructor_id = serializers.CharField()
    capacity = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    waitlist_capacity = serializers.IntegerField()
    waitlisted = serializers.IntegerField(
        allow_null=True,
        help_text="Students waiting now; null while the waitlist store does not answer (the rest is there).",
    )
    status = serializers.ChoiceField(
        choices=[status.value for status in SectionStatus],
        help_text=(
            "`open` while a seat is free; else `waitlist_full` or `full`. While the waitlist store does not answer "
            "(`waitlisted` null), a section without a free seat reads `full`."
        ),
    )
    auto_enrollment_frozen = serializers.BooleanField()
    meetings = MeetingSerializer(many=True, help_text="Weekly meetings, as written; [] for none.")
    credits = serializers.IntegerField(help_text="The course's credits.")


# --- enrollments -------------------------------------------------------------------


class EnrollInputSerializer(StrictSerializer):
    student_id = UserIdField(
        required=False, help_text="Registrar only: whom to enroll. Students enroll themselves (or send `me`)."
    )
    override = serializers.ListField(
        child=serializers.ChoiceField(choices=[override.value for override in Override]),
        required=False,
        max_length=len(Override),
        help_text="Registrar only: rules to set aside for this enroll (`time_conflict`, `credit_limit`).",
    )


class RegistrationSerializer(serializers.Serializer):
    """A seat (``enrolled``, with ``enrolled_at``) or a waitlist place (``waitlisted``,
    with ``position`` and ``joined_at``). Members that do not apply are left out."""

    status = serializers.ChoiceField(choices=[outcome.value for outcome in EnrollOutcome])
    section_id = serializers.CharField()
    student_id = serializers.CharField()
    course_id = serializers.CharField()
    term = serializers.CharField()
    enrolled_at = serializers.DateTimeField(required=False, help_text="Only when enrolled.")
    position = serializers.IntegerField(required=False, min_value=1, help_text="Only when waitlisted: 1-based.")
    joined_at = serializers.DateTimeField(required=False, help_text="Only when waitlisted.")
    swap_for = serializers.CharField(
        required=False, help_text="Only when waiting with a swap attached: the section dropped when promoted."
    )

    def to_representation(self, instance):
        return {name: value for name, value in super().to_representation(instance).items() if value is not None}


@extend_schema_serializer(many=False)  # one page, not a list of pages (see core.pagination)
class SchedulePageSerializer(serializers.Serializer):
    """A page of a student's schedule (for the OpenAPI document)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RegistrationSerializer(many=True)
    waitlists_unavailable = serializers.BooleanField(
        help_text=(
            "true when the waitlist store did not answer: the waitlist places, which lead the first page, are missing "
            "from it, and the seats are all listed. Ask again later for the places."
        )
    )


class RosterQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[status.value for status in EnrollmentStatus], default=EnrollmentStatus.ENROLLED.value
    )


class RosterItemSerializer(serializers.Serializer):
    student_id = serializers.CharField()
    status = serializers.ChoiceField(choices=[status.value for status in EnrollmentStatus])
    enrolled_at = serializers.DateTimeField()
    dropped_at = serializers.DateTimeField(allow_null=True)
    dropped_by = serializers.CharField(allow_null=True)
    administrative = serializers.BooleanField(help_text="Dropped by the instructor or the registrar.")


# --- waitlists ---------------------------------------------------------------------


class WaitlistItemSerializer(serializers.Serializer):
    student_id = serializers.CharField()
    position = serializers.IntegerField(min_value=1, help_text="1-based.")
    joined_at = serializers.DateTimeField()


class WaitlistPlaceSerializer(WaitlistItemSerializer):
    section_id = serializers.CharField()


class AutoEnrollmentSerializer(StrictSerializer):
    frozen = serializers.BooleanField(
        help_text="true: drops free seats but nobody is enrolled from a waitlist; false: unfreezing fills them."
    )


# --- swaps -------------------------------------------------------------------------


class SwapInputSerializer(StrictSerializer):
    drop_section_id = serializers.RegexField(
        rf"^(?:{SECTION_ID})$", max_length=64, help_text="The section to drop, e.g. 2026FA-CPSC-449-01."
    )
    enroll_section_id = serializers.RegexField(
        rf"^(?:{SECTION_ID})$", max_length=64, help_text="The section to enroll in, of the same term."
    )
    waitlist = serializers.BooleanField(
        default=False, help_text="If the new section has no free seat: wait for it with the swap attached (true)."
    )


class SwapOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["swapped"])
    dropped = RosterItemSerializer()
    enrolled = RegistrationSerializer()


# --- registration: terms, time tickets, holds, a student's term ---------------------

MAX_CREDITS = 40
MAX_TICKETS = 1000
HOLD_ID = r"hold_[A-Za-z0-9_-]{1,40}"
# RFC 3339: a date, "T", a time with seconds, and an offset ("Z" or "+hh:mm").
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def term_code(value: str) -> str:
    """A term code given as an argument (GraphQL's), checked and upper-cased: ``InvalidField`` (400) otherwise."""
    if re.fullmatch(TERM, value) is None:
        raise InvalidField("term", "A term is a year and FA, SP, SU or WI, e.g. 2026FA.")
    return value.upper()


class InstantField(serializers.DateTimeField):
    """An RFC 3339 timestamp with its offset (a time without one is refused, not guessed),
    kept in UTC; read back as DRF writes instants, RFC 3339 UTC with ``Z``."""

    default_error_messages = {
        "rfc3339": (
            "Expected an RFC 3339 timestamp with an offset, e.g. 2026-11-02T08:00:00Z or 2026-11-02T08:00:00-08:00."
        )
    }

    def to_internal_value(self, value):
        if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
            self.fail("rfc3339")
        try:
            moment = datetime.fromisoformat(value.upper())
        except ValueError:
            self.fail("rfc3339")
        return moment.astimezone(UTC)


class TermSettingsInputSerializer(StrictSerializer):
    registration_opens_at = InstantField(help_text="RFC 3339 with an offset; stored in UTC.")
    registration_closes_at = InstantField(help_text="After `registration_opens_at`.")
    max_credits = serializers.IntegerField(
        min_value=1,
        max_value=MAX_CREDITS,
        default=DEFAULT_MAX_CREDITS,
        help_text="The term's credit limit per student.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["registration_closes_at"] <= attrs["registration_opens_at"]:
            raise serializers.ValidationError(
                {"registration_closes_at": ["Must be after registration_opens_at."]}, code="invalid"
            )
        return attrs


class TermOutputSerializer(serializers.Serializer):
    term = serializers.CharField(help_text="e.g. 2026FA.")
    registration_opens_at = serializers.DateTimeField()
    registration_closes_at = serializers.DateTimeField()
    max_credits = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TimeTicketItemSerializer(StrictSerializer):
    student_id = UserIdField(help_text="The id of a user with the student role.")
    opens_at = InstantField(help_text="RFC 3339 with an offset: the student's own opening.")


class TimeTicketsInputSerializer(StrictSerializer):
    """Checked ticket by ticket, so that every error names its ticket: ``tickets[3].opens_at``."""

    tickets: serializers.ListSerializer = serializers.ListSerializer(
        child=TimeTicketItemSerializer(),
        min_length=1,
        max_length=MAX_TICKETS,
        help_text=f"1 to {MAX_TICKETS} tickets, one per student.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        errors: dict[str, list[str]] = {name: ["Unknown or read-only field."] for name in set(data) - {"tickets"}}
        raw = data.get("tickets")
        tickets: list[dict[str, Any]] = []
        if raw is None:
            errors["tickets"] = ["This field is required."]
        elif not isinstance(raw, list):
            errors["tickets"] = ["Expected a list of tickets."]
        elif not raw:
            errors["tickets"] = ["Send at least one ticket."]
        elif len(raw) > MAX_TICKETS:
            errors["tickets"] = [f"At most {MAX_TICKETS} tickets per request ({len(raw)} sent)."]
        else:
            first_of: dict[str, int] = {}
            for position, item in enumerate(raw):
                ticket = TimeTicketItemSerializer(data=item)
                if not ticket.is_valid():
                    for name, messages in ticket.errors.items():
                        key = f"tickets[{position}]" if name == "non_field_errors" else f"tickets[{position}].{name}"
                        errors[key] = [str(message) for message in messages]
                    continue
                student_id = ticket.validated_data["student_id"]
                if student_id in first_of:
                    errors[f"tickets[{position}].student_id"] = [
                        f"Student '{student_id}' is listed twice (also tickets[{first_of[student_id]}])."
                    ]
                    continue
                first_of[student_id] = position
                tickets.append(dict(ticket.validated_data))
        if errors:
            raise serializers.ValidationError(errors)
        return {"tickets": tickets}


class TimeTicketsOutputSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="Tickets written (added or replaced).")


class HoldInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in HoldKind])
    reason = serializers.CharField(max_length=500, help_text="Shown to the student.")


class HoldSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Opaque, URL-safe: `hold_...`.")
    kind = serializers.ChoiceField(choices=[kind.value for kind in HoldKind])
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(help_text="The registrar's user id.")


class StudentTermInputSerializer(StrictSerializer):
    max_credits = serializers.IntegerField(
        min_value=1,
        max_value=MAX_CREDITS,
        allow_null=True,
        help_text="The student's own credit limit in this term; null removes it (the term's applies again).",
    )


class StudentTermSerializer(serializers.Serializer):
    term = serializers.CharField()
    student_id = serializers.CharField()
    registration_opens_at = serializers.DateTimeField(
        allow_null=True, help_text="The student's opening: their time ticket, else the term's; null: no window."
    )
    registration_closes_at = serializers.DateTimeField(allow_null=True, help_text="null: the term has no settings.")
    can_register_now = serializers.BooleanField(help_text="Inside the window and without a hold.")
    credits_enrolled = serializers.IntegerField()
    max_credits = serializers.IntegerField(help_text="The student's override, else the term's, else 18.")
    max_credits_override = serializers.IntegerField(allow_null=True, help_text="The registrar's per-student limit.")
    holds = HoldSerializer(many=True)


class PendingSwapSerializer(serializers.Serializer):
    term = serializers.CharField()
    enroll_section_id = serializers.CharField(help_text="The section waited for.")
    drop_section_id = serializers.CharField(help_text="The section dropped when promoted into it.")
    position = serializers.IntegerField(allow_null=True, help_text="The place on its waitlist (1-based).")
