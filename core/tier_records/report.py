"""The stable JSON of `tierbot tiers` (scripts rely on it) and its plain-text table.

Per customer: id, external_id, name, owner, stage; `value` (the policy's main model, when it is a
weighted one), `rfm`, `pipeline`, `service` (the first model of each type; None where the model
does not apply); `models` (every model of the policy by code, built-in or not);
flags; cadence; actions. Tiers are stable codes; money is a decimal string in the organisation
currency; dates are ISO dates in the customer's timezone; texts are in the asked language.
"""

from __future__ import annotations

from typing import Any

from core.tier_records.retier import TierView
from core.tiering import Policy
from core.tiering.results import ModelResult, PipelineResult, RfmResult, ServiceResult, WeightedResult, jsonable


def tier_json(view: TierView, policy: Policy, lang: str, currency: str) -> dict[str, Any]:
    result = view.result
    models = result.models
    cadence = result.cadence
    main = policy.main_model.code if policy.main_model else ""
    return {
        "id": view.id,
        "external_id": view.external_id,
        "name": view.name,
        "owner": view.owner,
        "stage": view.stage,
        "value": _value(models.get(main), view.assigned.get(main)),
        "rfm": _first(
            models, RfmResult, lambda r: {"r": r.r, "f": r.f, "m": r.m, "segment": r.tier, "segment_name": r.name(lang)}
        ),
        "pipeline": _first(models, PipelineResult, lambda r: {"grade": r.tier, "maturity": r.score}),
        "service": _first(models, ServiceResult, lambda r: {"grade": r.tier, "total": r.score}),
        "models": {code: _model(model, view.assigned.get(code), lang) for code, model in models.items()},
        "flags": list(result.flags),
        "cadence": {
            "status": cadence.status,
            "next_due": jsonable(cadence.any.next_due) if cadence.any else None,
            "next_visit_due": jsonable(cadence.visit.next_due) if cadence.visit else None,
            "days_overdue": max((c.days_overdue for c in (cadence.any, cadence.visit) if c), default=0),
        },
        "actions": [{"code": a.code, "text": a.text(lang), "reason": a.reason(lang)} for a in result.actions],
        "currency": currency,
    }


def _value(model: ModelResult | None, assigned: str | None) -> dict[str, Any] | None:
    if not isinstance(model, WeightedResult):
        return None
    return {
        "tier": assigned if assigned is not None else model.tier,
        "live_tier": model.tier,
        "score": model.score,
        "components": {
            c.code: {"raw": jsonable(c.raw), "points": c.points, "weight": c.weight} for c in model.components
        },
    }


def _first(models: dict[str, ModelResult | None], kind: type, shape: Any) -> dict[str, Any] | None:
    """The first model of a built-in kind in the policy, shaped for its JSON key."""
    for model in models.values():
        if isinstance(model, kind):
            return shape(model)
    return None


def _model(model: ModelResult | None, assigned: str | None, lang: str) -> dict[str, Any] | None:
    if model is None:
        return None
    summary = jsonable(model.summary())
    return {
        **summary,
        "tier": assigned if assigned is not None else model.tier,
        "live_tier": model.tier,
        "name": model.name(lang),
    }


def tier_table(rows: list[dict[str, Any]], policy: Policy, words: dict[str, Any]) -> str:
    """A compact fixed-width table: one line per customer, in the language of `rows` (their
    `--lang`): `words` holds the column headers (`header`), stage names (`stages`) and cadence
    statuses (`cadence`) from the templates; tiers are shown by their policy names."""
    columns = ("id", "name", "owner", "stage", "models", "score", "cadence", "next_due")
    lines = [tuple(words["header"].get(c, c) for c in columns)]
    for row in rows:
        value = row["value"] or {}
        tiers = " ".join(
            _tier_word(policy, code, m["tier"], m.get("name"), words["lang"])
            for code, m in row["models"].items()
            if m and m.get("tier")
        )
        score = value.get("score")
        lines.append(
            (
                str(row["id"]),
                row["name"][:24],
                (row["owner"] or "—")[:16],
                words["stages"].get(row["stage"], row["stage"]),
                tiers,
                f"{score:.1f}" if isinstance(score, float) else "—",
                words["cadence"].get(row["cadence"]["status"], row["cadence"]["status"]),
                row["cadence"]["next_due"] or "—",
            )
        )
    widths = [max(_width(line[i]) for line in lines) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(line)).rstrip() for line in lines
    )


def _tier_word(policy: Policy, model: str, tier: str, live_name: str | None, lang: str) -> str:
    """'价值分档:VIP客户': the model and the assigned tier by their names in `lang`."""
    spec = policy.model_by_code.get(model)
    tier_spec = policy.tier(model, tier)
    model_name = spec.name.get(lang) if spec else model
    return f"{model_name}:{tier_spec.name.get(lang) if tier_spec else live_name or tier}"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\ufe4f" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)
