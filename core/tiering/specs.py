"""The shape of a policy: pydantic models (frozen) for every table of the TOML file.

Field constraints here catch what one value can get wrong; `policy_checks` catches what
values get wrong together (overlapping tiers, weights that are all zero, ...). Every number has a
sane upper bound and none may be inf or nan: a policy that validates must never overflow a date
or a sum later (a cadence of 10⁹ days would fail every card of its tier).
Derived lookups the engine needs per customer are cached properties, computed once per policy.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .texts import LocalText

STAGES = ("prospect", "active", "lost")
RATING_FIELDS = ("potential", "influence", "intention", "expectation", "satisfaction")

Stage = Literal["prospect", "active", "lost"]
Code = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40)]
MAX_DAYS = 3660  # ten years: the longest interval, window or lead a policy may name
MAX_WEIGHT = 1000  # weights are relative; 1000 : 1 is already more than any policy needs
MAX_PRIORITY = 1000
MAX_AMOUNT = Decimal("1e15")  # attribute band thresholds, in the attribute's own unit


def _between(low: float, high: float):
    def check(value):
        if value is not None and not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return value

    return AfterValidator(check)


class Spec(BaseModel):
    # Unknown keys are typos until proven otherwise.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


# --- tiers and what hangs off them -----------------------------------------------------------


class Interval(Spec):
    """Days between contacts: `ideal` is when a contact becomes due, `max` when it is overdue."""

    ideal: int = Field(ge=1, le=MAX_DAYS)
    max: int = Field(ge=1, le=MAX_DAYS)

    @model_validator(mode="after")
    def _ideal_within_max(self) -> Interval:
        if self.ideal > self.max:
            raise ValueError(f"ideal ({self.ideal}) must not exceed max ({self.max})")
        return self


class Cadence(Spec):
    any: Interval | None = None
    visit: Interval | None = None


class PackageItem(Spec):
    code: Code
    text: LocalText


class TierSpec(Spec):
    """Anything a customer can be classed as: a tier, a grade or an RFM segment."""

    code: Code
    name: LocalText
    cadence: Cadence | None = None
    lead_days: int | None = Field(default=None, ge=0, le=366)
    package: tuple[PackageItem, ...] = ()
    # A priority tier's customers are nudged in the afternoon when overdue, escalated to the
    # manager when long overdue, ranked first in the digest and greeted with the personal draft.
    priority: bool = False


class ScoredTier(TierSpec):
    min_score: float


class ServiceTier(ScoredTier):
    time_share: Annotated[Decimal | None, _between(0, 1)] = None


class Segment(TierSpec):
    """An RFM segment row: inclusive score ranges `[low, high]` for R, F and M."""

    r: tuple[int, int]
    f: tuple[int, int]
    m: tuple[int, int]

    @model_validator(mode="after")
    def _ranges_within_scores(self) -> Segment:
        for name in ("r", "f", "m"):
            low, high = getattr(self, name)
            if not 1 <= low <= high <= 5:
                raise ValueError(f"{name} = [{low}, {high}]: ranges must satisfy 1 ≤ low ≤ high ≤ 5")
        return self

    def matches(self, r: int, f: int, m: int) -> bool:
        return self.r[0] <= r <= self.r[1] and self.f[0] <= f <= self.f[1] and self.m[0] <= m <= self.m[1]


# --- weighted models (value tiers, sponsor levels, ...) ---------------------------------------


class Band(Spec):
    """Points for an attribute at or above `min` (the highest band reached wins)."""

    min: Decimal = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    points: Annotated[float, _between(0, 100)]


class Dimension(Spec):
    """One weighted dimension. `source` says where its 0–100 points come from:

    contribution_percentile   12-month revenue as a percentile among the model's customers
    rating:<field>            a 1–5 rating mapped through `points`
    stability                 relationship length (`full_years` = full) and active months
    attribute:<name>          a numeric fact mapped through `bands`
    """

    code: Code
    name: LocalText
    source: str
    weight: float = Field(le=MAX_WEIGHT)  # negative: policy_checks says so in words
    points: tuple[Annotated[float, _between(0, 100)], ...] = (0, 25, 50, 75, 100)
    missing_points: Annotated[float, _between(0, 100)] = 0
    full_years: float = Field(default=5, gt=0, le=100)
    bands: tuple[Band, ...] = ()

    @cached_property
    def source_kind(self) -> str:
        return self.source.partition(":")[0]

    @cached_property
    def source_arg(self) -> str:
        return self.source.partition(":")[2]


class DevelopRule(Spec):
    """Flag `develop` (重点培养) for customers below the top tier whose rating reaches `min`."""

    rating: str = "potential"
    min: int = Field(default=4, ge=1, le=5)


class ModelBase(Spec):
    code: str = ""  # the TOML table name, filled in by the parser
    name: LocalText
    applies_to: tuple[Stage, ...] = Field(min_length=1)
    # Hysteresis is in the model's own score units, so each type has its own default:
    # 5 points (weighted), 0.05 maturity (pipeline), 1 point of the total (service).
    hysteresis: float = Field(default=0, ge=0, le=100)

    @cached_property
    def stage_set(self) -> frozenset[str]:
        return frozenset(self.applies_to)

    @cached_property
    def shared_results(self) -> dict:
        """Results fully determined by a few small inputs, made once and shared between
        customers (results are immutable, so sharing is safe). Filled by the evaluators,
        only for keys drawn from small finite sets so it stays bounded."""
        return {}


class OrderedModel(ModelBase):
    """A model whose tiers are ordered by `min_score`, listed from the highest tier down."""

    tiers: tuple[ScoredTier, ...] = Field(min_length=1)

    @cached_property
    def tier_rank(self) -> dict[str, int]:
        """0 for the top tier, growing downwards."""
        return {tier.code: index for index, tier in enumerate(self.tiers)}

    @cached_property
    def tier_by_code(self) -> dict[str, ScoredTier]:
        return {tier.code: tier for tier in self.tiers}

    def tier_for(self, score: float) -> ScoredTier:
        for tier in self.tiers:
            if score >= tier.min_score:
                return tier
        return self.tiers[-1]  # scores below the lowest threshold cannot pass validation


class WeightedModel(OrderedModel):
    type: Literal["weighted"]
    hysteresis: float = Field(default=5, ge=0, le=100)
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    upsell_margin: float = Field(default=0, ge=0, le=100)
    develop: DevelopRule | None = None
    # The annual revenue on the customer record (an import's 年交易额 column, or typed on the card):
    # "until_deals" counts it as the 12-month revenue (when higher) until the customer has
    # `own_deals` booked deals of its own in the 365 days; "never" counts booked deals only.
    imported_revenue: Literal["until_deals", "never"] = "never"
    own_deals: int = Field(default=3, ge=1, le=1000)

    scale: ClassVar[tuple[float, float]] = (0.0, 100.0)

    @cached_property
    def total_weight(self) -> float:
        return sum(dimension.weight for dimension in self.dimensions)

    @cached_property
    def dimension_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.dimensions)

    @cached_property
    def dimension_weights(self) -> tuple[float, ...]:
        return tuple(d.weight for d in self.dimensions)

    @cached_property
    def uses_contribution(self) -> bool:
        return any(d.source_kind == "contribution_percentile" for d in self.dimensions)


class TimingWindow(Spec):
    within_days: int = Field(ge=0, le=MAX_DAYS)
    points: Annotated[float, _between(0, 1)]


class PipelineStage(Spec):
    code: Code
    name: LocalText


class PipelineWeights(Spec):
    intention: float = Field(le=MAX_WEIGHT)
    progress: float = Field(le=MAX_WEIGHT)
    timing: float = Field(le=MAX_WEIGHT)


class PipelineModel(OrderedModel):
    """Maturity 0–1 of a prospect from intention, progress through `stages` and signing timing."""

    type: Literal["pipeline"]
    hysteresis: float = Field(default=0.05, ge=0, le=1)
    intention_rating: str = "intention"
    weights: PipelineWeights
    stages: tuple[PipelineStage, ...] = Field(min_length=2)
    timing: tuple[TimingWindow, ...] = ()

    scale: ClassVar[tuple[float, float]] = (0.0, 1.0)

    @cached_property
    def stage_index(self) -> dict[str, int]:
        return {stage.code: index for index, stage in enumerate(self.stages)}


class ServiceModel(OrderedModel):
    """Service grade from expectation + satisfaction (2–10); feedback beats the stored rating."""

    type: Literal["service"]
    hysteresis: float = Field(default=1, ge=0, le=8)
    tiers: tuple[ServiceTier, ...] = Field(min_length=1)

    scale: ClassVar[tuple[float, float]] = (2.0, 10.0)


class RfmModel(ModelBase):
    type: Literal["rfm"]
    window_days: int = Field(ge=1, le=MAX_DAYS)
    segments: tuple[Segment, ...] = Field(min_length=1)
    others: TierSpec
    no_purchases: TierSpec

    @cached_property
    def tier_by_code(self) -> dict[str, TierSpec]:
        rows = (*self.segments, self.others, self.no_purchases)
        return {row.code: row for row in rows}

    @cached_property
    def segment_table(self) -> dict[tuple[int, int, int], TierSpec]:
        """All 125 (r, f, m) combinations resolved once: first matching row, else others."""
        scores = range(1, 6)
        return {
            (r, f, m): next((s for s in self.segments if s.matches(r, f, m)), self.others)
            for r in scores
            for f in scores
            for m in scores
        }

    def segment_for(self, r: int, f: int, m: int) -> TierSpec:
        return self.segment_table[r, f, m]


ModelSpec = WeightedModel | RfmModel | PipelineModel | ServiceModel
MODEL_TYPES = {"weighted": WeightedModel, "rfm": RfmModel, "pipeline": PipelineModel, "service": ServiceModel}


# --- policy-wide sections ---------------------------------------------------------------------


def _month_day(value: str) -> str:
    month, _, day = value.partition("-")
    try:
        date(2000, int(month), int(day))  # a leap year, so "02-29" is allowed
    except ValueError:
        raise ValueError(f"'{value}' is not a month-day like \"04-01\"") from None
    return value


class ReviewSpec(Spec):
    """When tiers may move (re-evaluation 定期评估): `quarterly` (1 Jan/Apr/Jul/Oct on `day`),
    `monthly` (on `day`, clamped to the month's end) or `dates` (a list of "MM-DD"; 29 Feb
    is skipped in other years)."""

    cycle: Literal["monthly", "quarterly", "dates"] = "quarterly"
    day: int = Field(default=1, ge=1, le=31)
    dates: tuple[Annotated[str, AfterValidator(_month_day)], ...] = ()

    @model_validator(mode="after")
    def _dates_for_dates_cycle(self) -> ReviewSpec:
        if self.cycle == "dates" and not self.dates:
            raise ValueError('cycle = "dates" needs at least one entry in dates')
        return self

    @cached_property
    def month_days(self) -> tuple[tuple[int, int], ...]:
        pairs = {(int(m), int(d)) for m, _, d in (value.partition("-") for value in self.dates)}
        return tuple(sorted(pairs))


class ActionText(Spec):
    """A situational action: higher `priority` ranks first (see actions.rank)."""

    priority: int = Field(default=50, ge=0, le=MAX_PRIORITY)
    text: LocalText
    reason: LocalText


class ActivityAction(ActionText):
    # At risk when interactions of the last 90 days < ratio × those of the 90 days before.
    ratio: Annotated[float, _between(0, 1)] = 0.5


class ClosingAction(ActionText):
    model: str
    tiers: tuple[str, ...] = Field(min_length=1)
    within_days: int = Field(default=14, ge=0, le=MAX_DAYS)


class PackageAction(Spec):
    priority: int = Field(default=10, ge=0, le=MAX_PRIORITY)
    reason: LocalText


class ActionsSpec(Spec):
    # Lead time for greetings when none of the customer's tiers sets `lead_days`.
    default_lead_days: int = Field(default=1, ge=0, le=366)
    contact_overdue: ActionText | None = None
    visit_overdue: ActionText | None = None
    open_complaint: ActionText | None = None
    holiday: ActionText | None = None
    birthday: ActionText | None = None
    anniversary: ActionText | None = None
    upsell: ActionText | None = None
    activity_dropping: ActivityAction | None = None
    closing_incentive: ClosingAction | None = None
    package: PackageAction | None = None


class ExplainSpec(Spec):
    """Sentence templates for explanations (placeholders: see placeholders.EXPLAIN_PARAMS).
    Only the templates of the model types a policy uses are required (EXPLAIN_NEEDS)."""

    component: LocalText | None = None
    score: LocalText | None = None
    contribution: LocalText | None = None
    contribution_alone: LocalText | None = None
    contribution_imported: LocalText | None = None
    rating: LocalText | None = None
    stability: LocalText | None = None
    attribute: LocalText | None = None
    missing: LocalText | None = None
    rfm: LocalText | None = None
    rfm_none: LocalText | None = None
    pipeline: LocalText | None = None
    service: LocalText | None = None
    service_unscored: LocalText | None = None
    source_feedback: LocalText | None = None
    source_rating: LocalText | None = None
    flags: LocalText
    separator: LocalText | None = None  # between flags in the notes line; "; " when absent


EXPLAIN_NEEDS = {
    "weighted": ("component", "score"),
    "contribution_percentile": ("contribution", "contribution_alone"),
    "imported_revenue": ("contribution_imported",),
    "rating": ("rating", "missing"),
    "stability": ("stability",),
    "attribute": ("attribute", "missing"),
    "rfm": ("rfm", "rfm_none"),
    "pipeline": ("pipeline", "missing"),
    "service": ("service", "service_unscored", "source_feedback", "source_rating", "missing"),
}


class PolicyInfo(Spec):
    name: str = Field(min_length=1)
    title: LocalText
    # The model whose tiers the team overview, greetings, lifetime values and `tierbot tiers`
    # speak of first; when absent, the first model with ordered tiers (policy check says so).
    main_model: str | None = None


class RemindersSpec(Spec):
    """How much the morning digest and /today show."""

    digest_lines: int = Field(default=10, ge=1, le=30)  # one line (and one button row) per customer
    # an open follow-up this many days past its day is no longer listed on its own but counted
    # in one "old follow-ups — review" line
    rollup_days: int = Field(default=14, ge=1, le=365)
