"""What a summary holds: frozen figures per model and tier, movements, overdue per person, time
allocation, lifetime values and overrides (built by core.reports.summary).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.json_values import jsonable
from core.reports.scoping import Scope


@dataclass(frozen=True)
class TierFigures:
    code: str
    name: dict[str, str]
    customers: int
    share: float | None  # of the model's tiered customers
    revenue: Decimal  # 12 months, base currency
    revenue_share: float | None
    with_cadence: int  # customers whose tiers set a contact interval
    covered: int  # ... of them not past their maximum interval
    coverage: float | None


@dataclass(frozen=True)
class ModelFigures:
    code: str
    name: dict[str, str]
    ordered: bool
    customers: int
    revenue: Decimal
    tiers: list[TierFigures]
    upgrades: int = 0
    downgrades: int = 0
    changed: int = 0  # moves between unordered segments (RFM)


@dataclass(frozen=True)
class Movement:
    customer_id: int
    name: str
    model: str
    model_name: dict[str, str]
    old: str
    old_name: dict[str, str]
    new: str
    new_name: dict[str, str]
    direction: str  # up | down | changed


@dataclass(frozen=True)
class PersonOverdue:
    user_id: int
    name: str
    overdue: int


@dataclass(frozen=True)
class GradeShare:
    code: str
    name: dict[str, str]
    interactions: int
    share: float | None
    target: float | None


@dataclass(frozen=True)
class LifetimeValue:
    code: str
    name: dict[str, str]
    customers: int
    average_revenue: Decimal  # per customer, last 12 months
    lifetime_years: float | None
    clv: Decimal | None


@dataclass(frozen=True)
class OverrideLine:
    customer_id: int
    name: str
    model: str
    model_name: dict[str, str]
    tier: str
    tier_name: dict[str, str]
    reason: str
    expires: date | None
    by: str | None


@dataclass(frozen=True)
class Summary:
    scope: Scope
    period: str
    since: datetime
    until: datetime
    first_day: date  # the period in the organisation's timezone
    last_day: date
    currency: str
    customers: int
    models: list[ModelFigures]
    movements: list[Movement]  # up to MOVEMENTS_SHOWN each way
    overdue_total: int
    overdue_people: list[PersonOverdue]  # most overdue first, up to OVERDUE_PEOPLE_SHOWN
    overdue_people_more: int
    complaints_open: int
    complaints_old: int
    allocation_model: dict[str, str] | None
    allocation_interactions: int
    allocation: list[GradeShare]
    clv_model: dict[str, str] | None
    retention: float | None  # observed annual retention of the scope
    retention_base: int  # customers with a deal in the previous 12 months
    lifetimes: list[LifetimeValue]
    overrides: list[OverrideLine]
    overrides_total: int = 0

    def params(self) -> dict[str, Any]:
        """JSON-safe (the weekly push stores it in the outbox): money as strings, instants and
        dates in ISO form."""
        return jsonable(asdict(self))
