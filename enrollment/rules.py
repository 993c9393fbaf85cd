"""The registration rules, as pure functions over what one read gathered
(``enrollment.selectors.registration_state``): the window, holds, time conflicts and
credits. The services decide with them, then write under the condition that the
student's term record is still the version they decided on.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.errors import ServiceError
from enrollment.errors import (
    CreditLimitExceeded,
    RegistrationClosed,
    RegistrationHold,
    RegistrationNotOpen,
    TimeConflict,
)
from enrollment.meetings import Meeting, meeting_conflicts, meetings_from_dicts, meetings_to_dicts

DEFAULT_MAX_CREDITS = 18


class HoldKind(StrEnum):
    FINANCIAL = "financial"
    ADVISING = "advising"
    REGISTRAR = "registrar"
    OTHER = "other"


class Override(StrEnum):
    """Rules the registrar may set aside for one enroll (``override`` in the body)."""

    TIME_CONFLICT = "time_conflict"
    CREDIT_LIMIT = "credit_limit"


class SkipReason(StrEnum):
    """Why a promotion passed over a student (``data.reason`` of ``enrollment.promotion_skipped``)."""

    TIME_CONFLICT = "time_conflict"
    CREDIT_LIMIT_EXCEEDED = "credit_limit_exceeded"
    REGISTRATION_HOLD = "registration_hold"


@dataclass(frozen=True)
class Hold:
    id: str
    kind: str
    reason: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class TermSettings:
    term: str
    registration_opens_at: datetime
    registration_closes_at: datetime
    max_credits: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class EnrolledSection:
    """A seat the student holds, as the term record copied it when the seat was taken."""

    section_id: str
    credits: int
    meetings: tuple[Meeting, ...]
    overrides: tuple[str, ...] = ()  # rules the registrar set aside when enrolling them

    def as_item(self) -> dict[str, object]:
        item: dict[str, object] = {"credits": self.credits, "meetings": meetings_to_dicts(self.meetings)}
        if self.overrides:
            item["overrides"] = [str(value) for value in self.overrides]
        return item

    @classmethod
    def from_item(cls, section_id: str, item: Mapping[str, object]) -> "EnrolledSection":
        raw_meetings = item.get("meetings") or []
        return cls(
            section_id=section_id,
            credits=int(item.get("credits") or 0),  # type: ignore[call-overload]
            meetings=tuple(meetings_from_dicts(raw_meetings)),  # type: ignore[arg-type]
            overrides=tuple(str(value) for value in item.get("overrides") or ()),  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class Candidate:
    """The section a student asks for: what the rules need of it."""

    section_id: str
    term: str
    credits: int
    meetings: tuple[Meeting, ...]


@dataclass(frozen=True)
class RegistrationState:
    """Everything the rules decide on for one student in one term, read at one moment.

    ``version`` is the term record's (0 when it does not exist yet): a write that adds a
    seat is conditional on it.
    """

    student_id: str
    term: str
    settings: TermSettings | None = None
    ticket_opens_at: datetime | None = None
    holds: tuple[Hold, ...] = ()
    enrolled: Mapping[str, EnrolledSection] = field(default_factory=dict)
    version: int = 0
    record_exists: bool = False
    max_credits_override: int | None = None
    swaps: Mapping[str, str] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)

    @property
    def opens_at(self) -> datetime | None:
        """The student's opening: their time ticket, else the term's (None: no window)."""
        if self.ticket_opens_at is not None:
            return self.ticket_opens_at
        return self.settings.registration_opens_at if self.settings else None

    @property
    def closes_at(self) -> datetime | None:
        return self.settings.registration_closes_at if self.settings else None

    @property
    def max_credits(self) -> int:
        if self.max_credits_override is not None:
            return self.max_credits_override
        return self.settings.max_credits if self.settings else DEFAULT_MAX_CREDITS

    @property
    def credits_enrolled(self) -> int:
        return sum(section.credits for section in self.enrolled.values())

    @property
    def hold_kinds(self) -> list[str]:
        return sorted({hold.kind for hold in self.holds})

    def window_refusal(self, now: datetime, *, adding: bool = True) -> ServiceError | None:
        """Why the window refuses the student now: an add (enroll, swap, join) before their
        opening or after the close; a drop or a leave only after the close."""
        if self.closes_at is not None and now >= self.closes_at:
            return RegistrationClosed(closes_at=_rfc3339(self.closes_at))
        if adding and self.opens_at is not None and now < self.opens_at:
            return RegistrationNotOpen(
                f"Registration opens for this student at {_rfc3339(self.opens_at)}.", opens_at=_rfc3339(self.opens_at)
            )
        return None

    def hold_refusal(self) -> RegistrationHold | None:
        if not self.holds:
            return None
        kinds = self.hold_kinds
        return RegistrationHold(f"The student has a hold ({', '.join(kinds)}).", holds=kinds)

    def can_register_now(self, now: datetime) -> bool:
        return self.window_refusal(now) is None and not self.holds

    def conflicts_with(self, candidate: Candidate, *, dropping: str | None = None) -> list[str]:
        """The enrolled sections (but ``dropping``, and the candidate itself) that meet
        at the same time as the candidate."""
        others = {
            section_id: section.meetings
            for section_id, section in self.enrolled.items()
            if section_id not in (dropping, candidate.section_id)
        }
        return meeting_conflicts(candidate.meetings, others)

    def credits_after(self, candidate: Candidate, *, dropping: str | None = None) -> tuple[int, int]:
        """(credits enrolled, counting ``dropping`` as gone; credits requested)."""
        enrolled = sum(
            section.credits
            for section_id, section in self.enrolled.items()
            if section_id not in (dropping, candidate.section_id)
        )
        return enrolled, candidate.credits

    def rule_refusal(
        self,
        candidate: Candidate,
        *,
        dropping: str | None = None,
        overrides: frozenset[str] = frozenset(),
    ) -> ServiceError | None:
        """Holds, then time conflicts, then credits (windows are the caller's: they do not
        bind the registrar nor a promotion). ``dropping``: a swap's old section, counted gone."""
        hold = self.hold_refusal()
        if hold is not None:
            return hold
        if Override.TIME_CONFLICT not in overrides:
            conflicts = self.conflicts_with(candidate, dropping=dropping)
            if conflicts:
                return TimeConflict(
                    f"The section meets at the same time as {', '.join(conflicts)}.", conflicts=conflicts
                )
        if Override.CREDIT_LIMIT not in overrides:
            enrolled, requested = self.credits_after(candidate, dropping=dropping)
            if enrolled + requested > self.max_credits:
                return CreditLimitExceeded(
                    f"{enrolled} credits enrolled plus {requested} requested would exceed the limit of "
                    f"{self.max_credits}.",
                    credits_enrolled=enrolled,
                    credits_requested=requested,
                    max_credits=self.max_credits,
                )
        return None

    def skip_reason(self, candidate: Candidate) -> SkipReason | None:
        """Why a promotion must pass over the student now: None if they may take the seat.
        A swap attached to the place counts its old section as gone."""
        dropping = self.swaps.get(candidate.section_id)
        if self.holds:
            return SkipReason.REGISTRATION_HOLD
        if self.conflicts_with(candidate, dropping=dropping):
            return SkipReason.TIME_CONFLICT
        enrolled, requested = self.credits_after(candidate, dropping=dropping)
        if enrolled + requested > self.max_credits:
            return SkipReason.CREDIT_LIMIT_EXCEEDED
        return None


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
