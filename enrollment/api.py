"""What other apps may import from enrollment: plain data, the services and selectors they call."""

from enrollment.data import (
    SECTION_ID,
    CourseData,
    EnrollmentData,
    EnrollmentStatus,
    EnrollOutcome,
    Registration,
    SectionData,
    SectionStatus,
)
from enrollment.errors import CourseNotFound, SectionNotFound
from enrollment.permissions import CATALOG_READ, ROSTER_READ, SCHEDULE_READ, WAITLIST_READ
from enrollment.selectors import (
    SectionFilters,
    course_get,
    course_list,
    courses_by_id,
    roster_list,
    section_get,
    section_list,
    sections_by_id,
    student_enrollment_list,
    waitlist_page,
)
from enrollment.serializers import department_filter, section_filters
from enrollment.services import (
    PROMOTED_EVENT,
    SKIPPED_EVENT,
    course_create,
    enrollment_create,
    enrollment_drop,
    section_create,
)

__all__ = [
    "CATALOG_READ",
    "PROMOTED_EVENT",
    "ROSTER_READ",
    "SCHEDULE_READ",
    "SECTION_ID",
    "SKIPPED_EVENT",
    "WAITLIST_READ",
    "CourseData",
    "CourseNotFound",
    "EnrollOutcome",
    "EnrollmentData",
    "EnrollmentStatus",
    "Registration",
    "SectionData",
    "SectionFilters",
    "SectionNotFound",
    "SectionStatus",
    "course_create",
    "course_get",
    "course_list",
    "courses_by_id",
    "department_filter",
    "enrollment_create",
    "enrollment_drop",
    "roster_list",
    "section_create",
    "section_filters",
    "section_get",
    "section_list",
    "sections_by_id",
    "student_enrollment_list",
    "waitlist_page",
]
