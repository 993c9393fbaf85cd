"""The student's term record (``StudentTerm``) inside the transactions that change seats.

Every write of the record adds 1 to its ``version``. Writes that depend on the rules
(a seat taken, a swap, a swap attached to a waitlist place, a promotion passed over)
replace the maps they change whole, under the condition that ``version`` is still the
one the rules were checked against: the whole map is then exactly what was read plus the
change, and a concurrent write of the same student makes the condition fail, so the
request reads again and decides again. A drop only removes its section, under the
condition that the record holds it, and needs no read.

The record is the last update of each transaction here, so its cancellation reason is
the last one (``record_refused``).
"""

from collections.abc import Mapping
from typing import cast

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from core.dynamodb import is_condition_failure
from enrollment.models import StudentTerm
from enrollment.rules import EnrolledSection, RegistrationState
from enrollment.services.transactions import _CONDITION_FAILED


def _entry(attribute: MapAttribute[str, object], key: str) -> Path:
    """The path of one key of a map attribute, for an update or a condition."""
    return cast(Path, attribute[key])


def _record(state: RegistrationState) -> StudentTerm:
    return StudentTerm(student_id=state.student_id, term=state.term)


def _unchanged(state: RegistrationState) -> Condition:
    """The record is still the version ``state`` was read at (absent counts as 0)."""
    if state.version:
        return StudentTerm.version == state.version
    return StudentTerm.version.does_not_exist() | (StudentTerm.version == 0)


def _maps_actions(
    state: RegistrationState,
    *,
    sections: Mapping[str, EnrolledSection] | None = None,
    swaps: Mapping[str, str] | None = None,
    skipped: Mapping[str, str] | None = None,
) -> list[Action]:
    """Replace the maps given; create the others empty if the record has none yet, so
    later nested writes (a drop's ``REMOVE sections.#id``) find their parent."""
    actions: list[Action] = [StudentTerm.version.add(1)]
    if sections is not None:
        actions.append(StudentTerm.sections.set({key: value.as_item() for key, value in sections.items()}))
    else:
        actions.append(StudentTerm.sections.set(StudentTerm.sections | {}))
    if swaps is not None:
        actions.append(StudentTerm.swaps.set(dict(swaps)))
    else:
        actions.append(StudentTerm.swaps.set(StudentTerm.swaps | {}))
    if skipped is not None:
        actions.append(StudentTerm.skipped.set(dict(skipped)))
    else:
        actions.append(StudentTerm.skipped.set(StudentTerm.skipped | {}))
    return actions


def record_take(
    transaction: TransactWrite,
    *,
    state: RegistrationState,
    seat: EnrolledSection,
    dropping: str | None = None,
) -> None:
    """Add to ``transaction``: the student now holds ``seat`` (and no longer ``dropping``,
    for a swap); the swap and the passed-over mark of the seat's section go."""
    sections = {key: value for key, value in state.enrolled.items() if key != dropping}
    sections[seat.section_id] = seat
    swaps = {key: value for key, value in state.swaps.items() if key != seat.section_id}
    skipped = {key: value for key, value in state.skipped.items() if key != seat.section_id}
    transaction.update(
        _record(state),
        actions=_maps_actions(state, sections=sections, swaps=swaps, skipped=skipped),
        condition=_unchanged(state),
    )


def record_free(transaction: TransactWrite, *, state: RegistrationState, section_id: str) -> None:
    """Add to ``transaction``: the student no longer holds ``section_id`` in this term;
    swaps that were to drop it go with it. Conditional on the record holding it (a seat
    taken before the records existed has none: ``check_integrity --repair`` writes them)
    and on its version: a swap attached to this seat after ``state`` was read would
    otherwise outlive it (the burst of issue 18 found one), so the drop reads again."""
    actions: list[Action] = [_entry(StudentTerm.sections, section_id).remove(), StudentTerm.version.add(1)]
    actions += [_entry(StudentTerm.swaps, target).remove() for target, old in state.swaps.items() if old == section_id]
    condition = _entry(StudentTerm.sections, section_id).exists() & _unchanged(state)
    transaction.update(_record(state), actions=actions, condition=condition)


def record_mark(transaction: TransactWrite, *, state: RegistrationState, skipped: Mapping[str, str]) -> None:
    """Add to ``transaction``: the record's passed-over marks become ``skipped``."""
    transaction.update(_record(state), actions=_maps_actions(state, skipped=skipped), condition=_unchanged(state))


def record_refused(exc: TransactWriteError) -> bool:
    """Whether the record's condition (the last item) is what cancelled the transaction."""
    reasons = exc.cancellation_reasons or []
    return bool(reasons) and reasons[-1] is not None and reasons[-1].code == _CONDITION_FAILED


def record_update(
    state: RegistrationState, *, swaps: Mapping[str, str] | None = None, skipped: Mapping[str, str] | None = None
) -> bool:
    """Replace the record's swaps or passed-over marks, if it is still at ``state``'s
    version: whether it was (False: read again and decide again)."""
    try:
        _record(state).update(actions=_maps_actions(state, swaps=swaps, skipped=skipped), condition=_unchanged(state))
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def record_swap_detach(*, student_id: str, term: str, section_id: str) -> None:
    """The swap attached to the student's place on ``section_id``'s waitlist goes (the
    place went, or was never taken); nothing if there is none."""
    try:
        StudentTerm(student_id=student_id, term=term).update(
            actions=[_entry(StudentTerm.swaps, section_id).remove(), StudentTerm.version.add(1)],
            condition=_entry(StudentTerm.swaps, section_id).exists(),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise


def record_section_forget(*, student_id: str, term: str, section_id: str) -> None:
    """The section is being deleted: it leaves the student's record (a seat, a swap
    waiting for it, a passed-over mark); nothing if the record has no maps."""
    try:
        StudentTerm(student_id=student_id, term=term).update(
            actions=[
                _entry(StudentTerm.sections, section_id).remove(),
                _entry(StudentTerm.swaps, section_id).remove(),
                _entry(StudentTerm.skipped, section_id).remove(),
                StudentTerm.version.add(1),
            ],
            condition=StudentTerm.sections.exists() & StudentTerm.swaps.exists() & StudentTerm.skipped.exists(),
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise


def record_repair(
    *,
    student_id: str,
    term: str,
    seen_version: int,
    sections: Mapping[str, EnrolledSection] | None = None,
    swaps: Mapping[str, str] | None = None,
) -> bool:
    """``check_integrity --repair``: set the record's seats (or swaps) to what the
    enrollment rows (or the waitlists) say, if it is still at ``seen_version``: True if
    it was set (False: it changed meanwhile, and is left alone)."""
    state = RegistrationState(student_id=student_id, term=term, version=seen_version)
    record = StudentTerm(student_id=student_id, term=term)
    try:
        record.update(actions=_maps_actions(state, sections=sections, swaps=swaps), condition=_unchanged(state))
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    return True


def record_limit_set(*, student_id: str, term: str, max_credits: int | None) -> None:
    """Set (None: remove) the student's own credit limit in a term. Unconditional, but it
    adds 1 to ``version``, so an enroll decided on the old limit decides again. Creates
    the record (with its maps) if there is none."""
    limit = StudentTerm.max_credits.set(max_credits) if max_credits is not None else StudentTerm.max_credits.remove()
    state = RegistrationState(student_id=student_id, term=term)
    _record(state).update(actions=[limit, *_maps_actions(state)])
