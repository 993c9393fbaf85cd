"""Errors of the catalog and of enrollment, each with its stable ``code``."""

from core.errors import Conflict, Duplicate, Forbidden, NotFound, StoreUnavailable


class CourseNotFound(NotFound):
    message = "No course with this id."


class SectionNotFound(NotFound):
    message = "No section with this id."


class EnrollmentNotFound(NotFound):
    message = "This student is not enrolled in this section."


class CourseExists(Duplicate):
    message = "A course with this department and number already exists."


class SectionExists(Duplicate):
    message = "This course already has a section with this number in this term."


class CourseHasSections(Conflict):
    code = "course_has_sections"
    message = "The course still has sections; delete them first."


class CapacityBelowEnrolled(Conflict):
    code = "capacity_below_enrolled"
    message = "The capacity cannot be set below the number of students enrolled."


class SectionFull(Conflict):
    """The seat transaction found no free seat. Services handle it (the student joins the
    waitlist, or a promotion puts them back in line): no endpoint answers it today."""

    code = "section_full"
    message = "The section has no free seat."


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
    message = "The student is already enrolled in this section."


class NotYourSection(Forbidden):
    message = "Only the section's instructor or the registrar may do this."


class NotYourself(Forbidden):
    message = "Students may act only for themselves."


class SectionBusy(StoreUnavailable):
    """Transactions kept colliding on a section's seat counter: the client may retry."""

    retry_after_seconds = 1

    def __init__(self) -> None:
        super().__init__("dynamodb", "The section is busy with other requests. Try again in a moment.")


class WaitlistCapacityBelowWaitlisted(Conflict):
    code = "waitlist_capacity_below_waitlisted"
    message = "The waitlist capacity cannot be set below the number of students waiting."


# --- registration rules ------------------------------------------------------------


class RegistrationNotOpen(Forbidden):
    code = "registration_not_open"
    message = "Registration has not opened for this student yet."


class RegistrationClosed(Forbidden):
    code = "registration_closed"
    message = "Registration for this term has closed."


class RegistrationHold(Forbidden):
    code = "registration_hold"
    message = "The student has a hold: lift it before registering."


class TimeConflict(Conflict):
    code = "time_conflict"
    message = "The section meets at the same time as a section the student is enrolled in."


class CreditLimitExceeded(Conflict):
    code = "credit_limit_exceeded"
    message = "The section's credits would take the student over their credit limit."


class TermNotFound(NotFound):
    message = "This term has no registration settings."


class HoldNotFound(NotFound):
    message = "The student has no hold with this id."


class OverrideNotAllowed(Forbidden):
    message = "Only the registrar may override a rule."


class StudentBusy(StoreUnavailable):
    """The student's own term record kept changing under concurrent requests of theirs."""

    retry_after_seconds = 1

    def __init__(self) -> None:
        super().__init__("dynamodb", "Other requests of this student are changing their registration. Try again.")
