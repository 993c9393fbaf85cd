"""Request and response shapes of the catalog and enrollment endpoints."""

from collections.abc import Mapping
from typing import Any

from django.core.validators import MaxLengthValidator
from rest_framework import serializers

from accounts.api import Actor
from core.serializers import StrictSerializer, validated
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
from enrollment.rules import Override
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

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        return super().to_internal_value(data).upper()


class PartialUpdateSerializer(StrictSerializer):
    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one field to change."]})
        return attrs


class UserIdField(serializers.CharField):
    """A user id: a string, though a JSON number is accepted too."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)

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
    waitlisted = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[status.value for status in SectionStatus])
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
