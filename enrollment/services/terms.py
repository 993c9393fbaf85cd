"""Writes of the registration calendar: a term's settings (window and credit limit),
the students' time tickets, and a student's own credit limit in a term."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pynamodb.constants import ALL_OLD

from accounts.api import Actor, Role, user_profiles_by_id
from enrollment.data import StudentTermSummary
from enrollment.errors import InvalidTickets, TicketWriteIncomplete
from enrollment.models import TERMS_PARTITION, Term, TimeTicket
from enrollment.rules import TermSettings
from enrollment.selectors import registration_state, student_require, student_term_summary_of, term_settings_of
from enrollment.services.promotion import skip_marks_review_after_write
from enrollment.services.records import record_limit_set
from enrollment.services.transactions import _now, backoff_sleep

logger = logging.getLogger(__name__)

# BatchWriteItem takes at most 25 puts; what DynamoDB leaves unprocessed (throttling) is
# sent again with jittered backoff, then the request is a 503 that may be repeated.
_BATCH_SIZE = 25
_BATCH_ATTEMPTS = 8
_BACKOFF_BASE_SECONDS = 0.05
_BACKOFF_CAP_SECONDS = 1.0


def term_settings_put(
    *, term: str, registration_opens_at: datetime, registration_closes_at: datetime, max_credits: int
) -> tuple[TermSettings, bool]:
    """Create or replace a term's registration window and credit limit: the settings, and
    whether they were created (True) or replaced.

    One UpdateItem that sets every setting (``created_at`` only if absent) and returns the
    item as it was (``ALL_OLD``): nothing came back, so this request created it. Two
    concurrent PUTs of a new term: exactly one is told it created it.
    """
    term = term.upper()
    now = _now()
    actions = [
        Term.registration_opens_at.set(registration_opens_at),
        Term.registration_closes_at.set(registration_closes_at),
        Term.max_credits.set(max_credits),
        Term.catalog.set(TERMS_PARTITION),
        Term.updated_at.set(now),
        Term.created_at.set(Term.created_at | now),
    ]
    reply = Term._get_connection().update_item(term, actions=actions, return_values=ALL_OLD)
    old = reply.get("Attributes")
    created_at = Term.from_raw_data(old).created_at if old else now
    settings = Term(
        term=term,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        max_credits=max_credits,
        created_at=created_at,
        updated_at=now,
    )
    return term_settings_of(settings), not old


@dataclass(frozen=True)
class TicketInput:
    student_id: str
    opens_at: datetime


def time_tickets_put(*, actor: Actor, term: str, tickets: Sequence[TicketInput]) -> int:
    """Add or replace the time tickets of a term (a ticket replaces the term's opening for
    its student): the number written.

    Every ticket must name an active student (one read of the users for the whole batch):
    otherwise ``InvalidTickets`` names each bad one and nothing is written. The term need
    not have settings yet. The puts go out in BatchWriteItem calls of 25; the batch is not
    atomic against an outage (a 503 midway leaves the first batches written), but a ticket
    write is a replace, so the same request can simply be sent again.
    """
    term = term.upper()
    profiles = user_profiles_by_id(user_ids=[ticket.student_id for ticket in tickets])
    errors = {
        f"tickets[{position}].student_id": [f"No student with id '{ticket.student_id}'."]
        for position, ticket in enumerate(tickets)
        if ticket.student_id not in profiles or Role.STUDENT not in profiles[ticket.student_id].roles
    }
    if errors:
        raise InvalidTickets(errors)
    now = _now()
    items = [
        TimeTicket(
            term=term, student_id=ticket.student_id, opens_at=ticket.opens_at, created_at=now, created_by=actor.id
        ).serialize()
        for ticket in tickets
    ]
    for start in range(0, len(items), _BATCH_SIZE):
        _batch_put(items[start : start + _BATCH_SIZE])
    return len(items)


def _batch_put(items: list[dict]) -> None:
    """One BatchWriteItem of up to 25 puts, its unprocessed items sent again with backoff."""
    connection = TimeTicket._get_connection()
    pending = items
    for attempt in range(_BATCH_ATTEMPTS):
        reply = connection.batch_write_item(put_items=pending)
        unprocessed = (reply or {}).get("UnprocessedItems", {}).get(TimeTicket.Meta.table_name) or []
        if not unprocessed:
            return
        pending = [TimeTicket.from_raw_data(request["PutRequest"]["Item"]).serialize() for request in unprocessed]
        backoff_sleep(attempt, base=_BACKOFF_BASE_SECONDS, cap=_BACKOFF_CAP_SECONDS)
    logger.warning("time tickets still unprocessed after %d attempts", _BATCH_ATTEMPTS)
    raise TicketWriteIncomplete()


def student_term_max_credits_set(*, student_id: str, term: str, max_credits: int | None) -> StudentTermSummary:
    """Set (or, with None, remove) a student's own credit limit in a term; the summary after.

    One UpdateItem of the student's term record that also adds 1 to its ``version``: an
    enroll decided on the old limit carries the condition ``version = old`` and so cannot
    commit after a lowered limit. A limit below the credits already enrolled keeps the
    student's sections; it only refuses the next one. ``StudentNotFound`` if the student
    is not an active student. The record's maps are created empty if absent, so the
    seat transactions can set keys in them.
    """
    term = term.upper()
    student_require(student_id=student_id)
    record_limit_set(student_id=student_id, term=term, max_credits=max_credits)
    skip_marks_review_after_write(student_id=student_id, term=term)  # a higher limit may let them in
    state = registration_state(student_id=student_id, term=term)
    return student_term_summary_of(state, now=_now())
