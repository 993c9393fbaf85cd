"""What other apps may import from the waitlist app.

The waitlist app owns the line in Redis and every rule about a place in it: joining
(the section's waitlist capacity, ``WAITLIST_MAX_PER_STUDENT`` waitlists per student,
no one twice), order and positions, who may take a student off a line (the student or
the registrar), the three Redis steps of a promotion (park the head, settle, restore)
and when a parked promotion is stale, the global freeze flag, and the consistency of
its own keys (``waitlist.integrity``).

The enrollment app owns seats: whether an enroll takes a seat or joins the line, the
promotion's seat and its outbox event (``enrollment.services.promotion``), recovering a
stale promotion (which needs the student's row), and the checks that cross the two stores.
"""

from waitlist.data import ParkedStudent, ParkOutcome, WaitlistPlace, WaitlistSnapshot
from waitlist.errors import AlreadyWaitlisted, NotWaitlisted, NotYourPlace, WaitlistFull, WaitlistLimitReached
from waitlist.integrity import orphan_waitlist_findings, stray_join_findings, student_count_findings
from waitlist.selectors import (
    auto_enrollment_frozen,
    promotion_is_stale,
    student_waitlist_places,
    waitlist_lengths,
    waitlist_next,
    waitlist_place,
    waitlist_places,
    waitlist_section_ids,
    waitlist_snapshot,
)
from waitlist.services import (
    auto_enrollment_freeze,
    waitlist_discard,
    waitlist_join,
    waitlist_leave,
    waitlist_park_head,
    waitlist_place_delete,
    waitlist_restore,
    waitlist_settle,
)

__all__ = [
    "AlreadyWaitlisted",
    "NotWaitlisted",
    "NotYourPlace",
    "ParkOutcome",
    "ParkedStudent",
    "WaitlistFull",
    "WaitlistLimitReached",
    "WaitlistPlace",
    "WaitlistSnapshot",
    "auto_enrollment_freeze",
    "auto_enrollment_frozen",
    "orphan_waitlist_findings",
    "promotion_is_stale",
    "stray_join_findings",
    "student_count_findings",
    "student_waitlist_places",
    "waitlist_discard",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_lengths",
    "waitlist_next",
    "waitlist_park_head",
    "waitlist_place",
    "waitlist_place_delete",
    "waitlist_places",
    "waitlist_restore",
    "waitlist_section_ids",
    "waitlist_settle",
    "waitlist_snapshot",
]
