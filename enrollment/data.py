"""What the enrollment app hands to views and to other apps: plain frozen values."""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from enrollment.meetings import Meeting

# Ids are built from these parts joined by "-", so no part may contain one.
DEPARTMENT = r"[A-Za-z]{2,8}"
COURSE_NUMBER = r"[0-9A-Za-z]{1,6}"
TERM = r"[0-9]{4}(?:FA|SP|SU|WI|fa|sp|su|wi)"
SECTION_NUMBER = r"[0-9A-Za-z]{1,4}"
COURSE_ID = f"{DEPARTMENT}-{COURSE_NUMBER}"
SECTION_ID = f"{TERM}-{COURSE_ID}-{SECTION_NUMBER}"


def is_course_id(value: str) -> bool:
    """Whether a course could have this id (a store is never asked about one that could not)."""
    return re.fullmatch(COURSE_ID, value) is not None


def is_section_id(value: str) -> bool:
    """Whether a section could have this id (a store is never asked about one that could not)."""
    return re.fullmatch(SECTION_ID, value) is not None


class SectionStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    WAITLIST_FULL = "waitlist_full"


class EnrollmentStatus(StrEnum):
    ENROLLED = "enrolled"
    DROPPED = "dropped"


class EnrollOutcome(StrEnum):
    """What an enroll request achieved, and what a student's schedule lists."""

    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"


@dataclass(frozen=True)
class CourseData:
    id: str
    department: str
    number: str
    title: str
    description: str
    credits: int
    section_count: int


@dataclass(frozen=True)
class SectionData:
    id: str
    course_id: str
    department: str
    title: str
    term: str
    number: str
    instructor_id: str
    capacity: int
    enrolled: int
    waitlist_capacity: int
    auto_enrollment_frozen: bool
    meetings: tuple[Meeting, ...]
    credits: int  # the course's
    # How many wait (Redis); None when the waitlist store did not answer: a catalog read
    # degrades instead of failing, and the status then says only whether a seat is free.
    waitlisted: int | None = 0

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.enrolled, 0)

    @property
    def status(self) -> SectionStatus:
        if self.seats_left:
            return SectionStatus.OPEN
        if self.waitlisted is not None and self.waitlisted >= self.waitlist_capacity:
            return SectionStatus.WAITLIST_FULL
        return SectionStatus.FULL


@dataclass(frozen=True)
class EnrollmentData:
    section_id: str
    student_id: str
    status: EnrollmentStatus
    term: str
    course_id: str
    enrolled_at: datetime
    dropped_at: datetime | None
    dropped_by: str | None
    administrative: bool


@dataclass(frozen=True)
class Registration:
    """A student's seat in a section, or their place on its waitlist: what enroll
    answers and what a student's schedule lists."""

    section_id: str
    student_id: str
    course_id: str
    term: str
    status: EnrollOutcome
    enrolled_at: datetime | None = None  # when enrolled
    position: int | None = None  # when waitlisted: 1-based
    joined_at: datetime | None = None  # when waitlisted
    swap_for: str | None = None  # when waitlisted with a swap attached: the section to drop then


def section_id_parts(section_id: str) -> tuple[str, str, str]:
    """``(term, course_id, number)`` of a section id such as ``2026FA-CPSC-449-01``."""
    term, _, rest = section_id.partition("-")
    course_id, _, number = rest.rpartition("-")
    return term, course_id, number


def section_term(section_id: str) -> str:
    """The term a section id starts with (upper case, as sections store it)."""
    return section_id.partition("-")[0].upper()


@dataclass(frozen=True)
class StudentTermSummary:
    """A student's standing in a term: when they may register, whether they may now,
    their credits and limit, their holds (``enrollment.rules.Hold``, oldest first)."""

    term: str
    student_id: str
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    can_register_now: bool
    credits_enrolled: int
    max_credits: int
    max_credits_override: int | None
    holds: tuple  # of enrollment.rules.Hold
