"""What the enrollment app hands to views and to other apps: plain frozen values."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
    meeting: str | None
    waitlisted: int = 0

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.enrolled, 0)

    @property
    def status(self) -> SectionStatus:
        if self.seats_left:
            return SectionStatus.OPEN
        if self.waitlisted >= self.waitlist_capacity:
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
