"""What other apps may import from the waitlist app: plain data, its services and selectors."""

from waitlist.data import Park, ParkedStudent, ParkOutcome, WaitlistPlace, WaitlistSnapshot
from waitlist.errors import AlreadyWaitlisted, NotWaitlisted, WaitlistFull, WaitlistLimitReached
from waitlist.selectors import (
    auto_enrollment_frozen,
    stored_section_ids,
    stored_student_counts,
    student_waitlist_places,
    waitlist_lengths,
    waitlist_place,
    waitlist_places,
    waitlist_section_ids,
    waitlist_snapshot,
)
from waitlist.services import (
    auto_enrollment_freeze,
    waitlist_count_add,
    waitlist_count_remove,
    waitlist_discard,
    waitlist_join,
    waitlist_joined_forget,
    waitlist_leave,
    waitlist_park_head,
    waitlist_restore,
    waitlist_settle,
)

__all__ = [
    "AlreadyWaitlisted",
    "NotWaitlisted",
    "Park",
    "ParkOutcome",
    "ParkedStudent",
    "WaitlistFull",
    "WaitlistLimitReached",
    "WaitlistPlace",
    "WaitlistSnapshot",
    "auto_enrollment_freeze",
    "auto_enrollment_frozen",
    "stored_section_ids",
    "stored_student_counts",
    "student_waitlist_places",
    "waitlist_count_add",
    "waitlist_count_remove",
    "waitlist_discard",
    "waitlist_join",
    "waitlist_joined_forget",
    "waitlist_leave",
    "waitlist_lengths",
    "waitlist_park_head",
    "waitlist_place",
    "waitlist_places",
    "waitlist_restore",
    "waitlist_section_ids",
    "waitlist_settle",
    "waitlist_snapshot",
]
