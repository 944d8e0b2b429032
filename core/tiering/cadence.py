"""Contact cadence (联络频率): is a contact, or a face-to-face visit, due or overdue?

Every tier may set an ideal and a maximum interval in days, for any contact and for visits.
When several of a customer's tiers set one, the tightest wins (smallest ideal and smallest max,
taken separately). Days are counted between *local* dates in the customer's timezone:

    counted_from = local date of the last contact (never contacted: of added_at, so a fresh
                   import is not overdue on day one)
    next_due     = counted_from + ideal   from this day on the status is `due`
    deadline     = counted_from + max     after this day the status is `overdue`
    days_overdue = days past the deadline

The caller decides which interactions reset which clock; as a safety net a visit also counts
as a contact here. Cadence follows the tiers it is given (normally the assigned ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .facts import CustomerFacts
from .localtime import as_utc, local_date, zone
from .policy import Policy
from .profiles import Span, TierProfile, tier_profile
from .results import jsonable

_SEVERITY = {"ok": 1, "due": 2, "overdue": 3}


@dataclass(frozen=True, slots=True)
class Countdown:
    """One cadence countdown (any contact, or a visit): status and dates derive from `days_since`
    and the interval."""

    kind: str  # 'any' | 'visit'
    last_at: datetime | None  # None: never, counted from added_at
    counted_from: date  # local date the clock runs from
    ideal_days: int
    max_days: int
    days_since: int
    set_by: str  # "model:tier" whose maximum interval is the tightest

    @property
    def status(self) -> str:
        if self.days_since > self.max_days:
            return "overdue"
        return "due" if self.days_since >= self.ideal_days else "ok"

    @property
    def next_due(self) -> date:
        return self.counted_from + timedelta(days=self.ideal_days)

    @property
    def deadline(self) -> date:
        return self.counted_from + timedelta(days=self.max_days)

    @property
    def days_overdue(self) -> int:
        return max(self.days_since - self.max_days, 0)

    def to_dict(self) -> dict[str, Any]:
        names = (*self.__slots__, "status", "next_due", "deadline", "days_overdue")
        return {name: jsonable(getattr(self, name)) for name in names}


@dataclass(frozen=True, slots=True)
class CadenceResult:
    any: Countdown | None
    visit: Countdown | None
    flags: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """'none' when no tier sets a cadence, else the worse of the two clocks."""
        statuses = [clock.status for clock in (self.any, self.visit) if clock is not None]
        return max(statuses, key=_SEVERITY.__getitem__, default="none")

    @property
    def next_due(self) -> date | None:
        return self.any.next_due if self.any else None

    @property
    def next_visit_due(self) -> date | None:
        return self.visit.next_due if self.visit else None

    @property
    def days_overdue(self) -> int:
        return max((c.days_overdue for c in (self.any, self.visit) if c), default=0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "next_due": jsonable(self.next_due),
            "next_visit_due": jsonable(self.next_visit_due),
            "days_overdue": self.days_overdue,
            "any": self.any.to_dict() if self.any else None,
            "visit": self.visit.to_dict() if self.visit else None,
            "flags": list(self.flags),
        }


def cadence_for(facts: CustomerFacts, tiers: Mapping[str, str], policy: Policy, now: datetime) -> CadenceResult:
    """Cadence from the given tiers {model code: tier code}, e.g. the stored assigned tiers.
    Tiers of models that do not apply to the customer's stage are ignored; tiers the policy
    does not know are ignored and flagged `unknown_tier:<model>:<tier>`."""
    zone_info, known = zone(facts.timezone)
    profile = tier_profile(policy, facts.stage, tuple(tiers.items()))
    today = as_utc(now).astimezone(zone_info).date()
    return cadence_from_profile(facts, profile, zone_info, today, known)


def cadence_from_profile(
    facts: CustomerFacts, profile: TierProfile, zone_info: tzinfo, today: date, zone_known: bool
) -> CadenceResult:
    flags = [*profile.flags, "unknown_timezone"] if not zone_known else list(profile.flags)
    any_clock = visit_clock = None
    if profile.any is not None:
        last = facts.last_contact_at
        if facts.last_visit_at is not None and (last is None or as_utc(facts.last_visit_at) > as_utc(last)):
            last = facts.last_visit_at
        any_clock = _clock("any", last, "last_contact_at", facts, profile.any, zone_info, today, flags)
    if profile.visit is not None:
        visit_clock = _clock(
            "visit", facts.last_visit_at, "last_visit_at", facts, profile.visit, zone_info, today, flags
        )
    return CadenceResult(any_clock, visit_clock, tuple(sorted(set(flags))) if flags else ())


def _clock(
    kind: str,
    last: datetime | None,
    field: str,
    facts: CustomerFacts,
    span: Span,
    zone_info: tzinfo,
    today: date,
    flags: list[str],
) -> Countdown:
    counted_from = local_date(last if last is not None else facts.added_at, zone_info)
    days_since = (today - counted_from).days
    if days_since < 0:  # a date after now: shown as is, flagged, never overdue
        flags.append(f"future_date:{field if last is not None else 'added_at'}")
    ideal, maximum, source = span
    return Countdown(kind, last, counted_from, ideal, maximum, days_since, source)
