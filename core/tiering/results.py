"""What the models return: frozen, slotted dataclasses with stable codes.

Words are not stored as sentences: a result keeps codes and numbers plus a reference to the
policy's LocalText, so `name(lang)` / `text(lang)` render in either language on demand.
`summary()` / `to_dict()` give the JSON shape (money as strings, dates in ISO form).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from .frozen import init_through_slots
from .texts import LocalText


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


@init_through_slots
@dataclass(frozen=True, slots=True)
class ModelResult:
    """One model's verdict for one customer. `tier` is a tier, grade or segment code."""

    model: str
    tier: str | None
    score: float | None
    flags: tuple[str, ...]
    label: LocalText | None = field(compare=False, repr=False)

    kind: ClassVar[str] = ""

    def name(self, lang: str) -> str | None:
        """The tier's name in `lang`, e.g. 重要客户 for `key`."""
        return self.label.get(lang) if self.label else None

    def summary(self) -> dict[str, Any]:
        return {"tier": self.tier, "score": self.score, "flags": list(self.flags)}


@dataclass(frozen=True, slots=True)
class Component:
    """One dimension of a weighted score: part = round(points × weight / total_weight, 2)."""

    code: str
    raw: Any  # the input as given: revenue (Decimal), rating, {"years", "active_months"}, ...
    points: float  # 0–100
    weight: float
    part: float
    inputs: tuple[tuple[str, Any], ...] = ()  # what else a reader needs to redo `points`

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw": jsonable(self.raw),
            "points": self.points,
            "weight": self.weight,
            "part": self.part,
            **{key: jsonable(value) for key, value in self.inputs},
        }


@init_through_slots
@dataclass(frozen=True, slots=True)
class WeightedResult(ModelResult):
    """Score 0–100 = Σ parts; `gap` is how many points the next tier up is away.

    Dimensions are stored column-wise in the policy's order, compactly, because a recompute
    builds 100k of these; `components` assembles the readable form on demand. Per source:

      source                   raw                      detail
      contribution_percentile  revenue (Decimal, base)  (lower, equal, others), + (True, own deals)
                                                        when the stated annual revenue was used
      rating:<field>           the rating as given      MISSING when scored missing_points
      stability                (years, active months)   the start date used (or None)
      attribute:<name>         the value as given       MISSING when scored missing_points
    """

    spec: Any = field(compare=False, repr=False)  # the WeightedModel: codes, weights, sources
    raws: tuple[Any, ...]
    points: tuple[float, ...]
    parts: tuple[float, ...]
    details: tuple[Any, ...]
    gap: float | None

    kind: ClassVar[str] = "weighted"

    @property
    def codes(self) -> tuple[str, ...]:
        return self.spec.dimension_codes

    @property
    def weights(self) -> tuple[float, ...]:
        return self.spec.dimension_weights

    @property
    def total_weight(self) -> float:
        return self.spec.total_weight

    @property
    def next_tier(self) -> str | None:
        rank = self.spec.tier_rank[self.tier]
        return self.spec.tiers[rank - 1].code if rank else None

    @property
    def components(self) -> tuple[Component, ...]:
        return tuple(
            _component(dimension, raw, points, part, detail)
            for dimension, raw, points, part, detail in zip(
                self.spec.dimensions, self.raws, self.points, self.parts, self.details
            )
        )

    def component(self, code: str) -> Component:
        return self.components[self.codes.index(code)]

    def summary(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "score": self.score,
            "components": {c.code: c.as_dict() for c in self.components},
            "flags": list(self.flags),
        }


MISSING = "missing"  # detail of a dimension whose input was missing or invalid


def _component(dimension: Any, raw: Any, points: float, part: float, detail: Any) -> Component:
    kind = dimension.source_kind
    if kind == "contribution_percentile":  # (lower, equal, others[, imported, own deals])
        inputs = tuple(zip(("lower", "equal", "others", "imported", "own_deals"), detail))
    elif kind == "stability":
        raw, inputs = {"years": raw[0], "active_months": raw[1]}, (("since", detail),)
    else:
        inputs = (("missing", True),) if detail == MISSING else ()
    return Component(dimension.code, raw, points, dimension.weight, part, inputs)


@init_through_slots
@dataclass(frozen=True, slots=True)
class RfmResult(ModelResult):
    """RFM scores 1–5 (None without purchases); `tier` is the segment code, `score` None."""

    r: int | None
    f: int | None
    m: int | None
    last_deal_at: datetime | None
    deal_count: int
    amount: Decimal | None  # in the base currency

    kind: ClassVar[str] = "rfm"

    def summary(self) -> dict[str, Any]:
        return {
            "segment": self.tier,
            "r": self.r,
            "f": self.f,
            "m": self.m,
            "last_deal_at": jsonable(self.last_deal_at),
            "deals": self.deal_count,
            "amount": jsonable(self.amount),
            "flags": list(self.flags),
        }


@init_through_slots
@dataclass(frozen=True, slots=True)
class PipelineResult(ModelResult):
    """Maturity 0–1 (`score`) = Σ parts of intention, progress and timing."""

    rating: int | None
    intention: float
    stage: str | None
    progress: float
    signing_date: date | None
    days_to_signing: int | None
    timing: float
    parts: tuple[float, float, float]  # intention, progress, timing after weighting

    kind: ClassVar[str] = "pipeline"

    def summary(self) -> dict[str, Any]:
        return {
            "grade": self.tier,
            "maturity": self.score,
            "rating": self.rating,
            "intention": self.intention,
            "stage": self.stage,
            "progress": self.progress,
            "signing_date": jsonable(self.signing_date),
            "timing": self.timing,
            "parts": dict(zip(("intention", "progress", "timing"), self.parts)),
            "flags": list(self.flags),
        }


@init_through_slots
@dataclass(frozen=True, slots=True)
class ServiceResult(ModelResult):
    """Total 2–10 (`score`) = expectation + satisfaction; no grade when either is missing."""

    expectation: int | None
    satisfaction: int | None
    satisfaction_source: str | None  # 'feedback' | 'rating'

    kind: ClassVar[str] = "service"

    def summary(self) -> dict[str, Any]:
        return {
            "grade": self.tier,
            "total": self.score,
            "expectation": self.expectation,
            "satisfaction": self.satisfaction,
            "satisfaction_source": self.satisfaction_source,
            "flags": list(self.flags),
        }
