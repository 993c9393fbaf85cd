"""Errors of the waitlists, each with its stable ``code``."""

from core.errors import Conflict, Forbidden, NotFound


class WaitlistFull(Conflict):
    code = "waitlist_full"
    message = "The section is full and so is its waitlist."


class WaitlistLimitReached(Conflict):
    code = "waitlist_limit_reached"
    message = "The student is already on the most waitlists allowed; leave one first."


class AlreadyWaitlisted(Conflict):
    code = "already_waitlisted"
    message = "The student is already on this section's waitlist."


class NotWaitlisted(NotFound):
    message = "This student is not on this section's waitlist."


class NotYourPlace(Forbidden):
    message = "Only the student and the registrar may take a student off a waitlist."
