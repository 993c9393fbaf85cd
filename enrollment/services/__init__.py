"""Writes of the catalog and of enrollments: every rule about seats lives here, one
module per subject.

- ``courses``: create, update, delete a course;
- ``sections``: open, change and delete a section (with its enrollments and waitlist);
- ``enrollments``: enroll (a seat, or the waitlist), drop, leave a waitlist, under the registration rules;
- ``swaps``: drop one section and enroll in another as one change (or wait with the swap attached);
- ``records``: the student's term record inside those transactions (version, seats, swaps, passed-over marks);
- ``promotion``: the head of a waitlist gets a freed seat, with its outbox event; the freeze switch;
- ``repairs``: the conditional fixes of ``check_integrity --repair``;
- ``seats`` and ``transactions``: what those share, taking a seat and a retried ``TransactWrite``.

Seats are decided by DynamoDB, never by a read followed by a write: enroll and drop
each are one ``TransactWrite`` over the section's seat counter and the enrollment row,
with conditions, and a cancelled transaction is translated by its cancellation reasons.
Transactions that collide with others on the same section (``TransactionConflict``)
are retried with jittered backoff.
"""

from enrollment.services.courses import course_create, course_delete, course_update
from enrollment.services.enrollments import enrollment_create, enrollment_drop, waitlist_place_leave
from enrollment.services.promotion import (
    PROMOTED_EVENT,
    SKIPPED_EVENT,
    auto_enrollment_set,
    promotion_recover,
    seats_fill,
)
from enrollment.services.repairs import course_section_count_repair, open_marker_repair, section_counter_repair
from enrollment.services.sections import section_create, section_delete, section_update
from enrollment.services.swaps import SwapOutcome, swap_create

__all__ = [
    "PROMOTED_EVENT",
    "SKIPPED_EVENT",
    "SwapOutcome",
    "auto_enrollment_set",
    "course_create",
    "course_delete",
    "course_section_count_repair",
    "course_update",
    "enrollment_create",
    "enrollment_drop",
    "open_marker_repair",
    "promotion_recover",
    "seats_fill",
    "section_counter_repair",
    "section_create",
    "section_delete",
    "section_update",
    "swap_create",
    "waitlist_place_leave",
]
