"""Writes of holds: the registrar places one on a student, or lifts it. A student with a
hold cannot enroll, swap or join a waitlist (``enrollment.rules``)."""

import secrets

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import size
from pynamodb.expressions.operand import Path

from accounts.api import Actor
from core.dynamodb import is_condition_failure
from enrollment.errors import HoldLimitReached, HoldNotFound
from enrollment.models import StudentHolds
from enrollment.rules import Hold, HoldKind
from enrollment.selectors import student_require
from enrollment.services.promotion import skip_marks_review_after_write
from enrollment.services.transactions import _now

# A student has a handful of holds at most; the cap keeps their one item small.
MAX_HOLDS = 20
_ATTEMPTS = 3


def _hold_path(hold_id: str) -> Path:
    """``holds.<hold_id>``: one key of the raw map (whose items mypy cannot see as paths)."""
    return Path(StudentHolds.holds)[hold_id]


def hold_id_new() -> str:
    """A random, URL-safe hold id: ``hold_`` and 16 characters (96 bits)."""
    return f"hold_{secrets.token_urlsafe(12)}"


def hold_create(*, actor: Actor, student_id: str, kind: HoldKind, reason: str) -> Hold:
    """Place a hold on a student (``StudentNotFound`` unless they are an active student).

    One UpdateItem sets ``holds.<id>`` under the condition ``size(holds) < MAX_HOLDS``
    (``HoldLimitReached`` otherwise), so concurrent holds never pass the cap. A student's
    first hold creates their item with a put conditional on its absence; the two race
    safely (whichever loses tries the other).
    """
    student_require(student_id=student_id)
    now = _now()
    hold = Hold(id=hold_id_new(), kind=str(kind), reason=reason, created_at=now, created_by=actor.id)
    value = {"kind": hold.kind, "reason": hold.reason, "created_at": now.isoformat(), "created_by": hold.created_by}
    for _ in range(_ATTEMPTS):
        try:
            StudentHolds(student_id=student_id).update(
                actions=[_hold_path(hold.id).set(value), StudentHolds.updated_at.set(now)],
                condition=StudentHolds.student_id.exists() & (size(StudentHolds.holds) < MAX_HOLDS),
            )
            return hold
        except UpdateError as exc:
            if not is_condition_failure(exc):
                raise
        try:
            StudentHolds(student_id=student_id, holds={hold.id: value}, updated_at=now).save(
                condition=StudentHolds.student_id.does_not_exist()
            )
            return hold
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
        # The item exists: the update failed on the cap, unless the item was made meanwhile.
        if _hold_count(student_id) >= MAX_HOLDS:
            raise HoldLimitReached(f"A student may have at most {MAX_HOLDS} holds.")
    raise HoldLimitReached(f"A student may have at most {MAX_HOLDS} holds.")


def _hold_count(student_id: str) -> int:
    try:
        item = StudentHolds.get(student_id, consistent_read=True)
    except StudentHolds.DoesNotExist:
        return 0
    return len(item.holds.as_dict()) if item.holds else 0


def hold_delete(*, student_id: str, hold_id: str) -> None:
    """Lift a hold: one UpdateItem ``REMOVE holds.<id>`` conditional on it being there
    (``HoldNotFound`` otherwise, so a second DELETE is a 404). Once the last hold is gone,
    sections where promotions passed the student over for it offer their seats again
    (``skip_marks_review``)."""
    try:
        StudentHolds(student_id=student_id).update(
            actions=[_hold_path(hold_id).remove(), StudentHolds.updated_at.set(_now())],
            condition=_hold_path(hold_id).exists(),
        )
    except UpdateError as exc:
        if is_condition_failure(exc):
            raise HoldNotFound() from exc
        raise
    # The last hold lifted: where a promotion passed them over for it, the line is offered again.
    if not _hold_count(student_id):
        skip_marks_review_after_write(student_id=student_id)
