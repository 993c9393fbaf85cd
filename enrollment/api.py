"""What other apps may import from enrollment: plain data, the services and selectors they call."""

from enrollment.data import (
    CourseData,
    EnrollmentData,
    EnrollmentStatus,
    EnrollOutcome,
    Registration,
    SectionData,
    SectionStatus,
)
from enrollment.errors import SectionNotFound
from enrollment.selectors import course_get, section_get, section_list
from enrollment.serializers import SECTION_ID
from enrollment.services import course_create, enrollment_create, enrollment_drop, section_create

__all__ = [
    "SECTION_ID",
    "CourseData",
    "EnrollOutcome",
    "EnrollmentData",
    "EnrollmentStatus",
    "Registration",
    "SectionData",
    "SectionNotFound",
    "SectionStatus",
    "course_create",
    "course_get",
    "enrollment_create",
    "enrollment_drop",
    "section_create",
    "section_get",
    "section_list",
]
