"""Explanations in words: every input, point and weight, so a reader can redo the sums.

The structured form is each result's `summary()`; this module renders it with the policy's
`[explain]` sentences. Numbers are formatted here, in one place: points and parts with two
decimals (the parts add up to the score exactly), money with two decimals and separators.
"""

from __future__ import annotations

from typing import TypeVar

from .customer_result import CustomerResult
from .money import display_money
from .policy import Policy
from .results import Component, ModelResult, PipelineResult, RfmResult, ServiceResult, WeightedResult
from .specs import Dimension, ModelSpec, PipelineModel, RfmModel, ServiceModel, WeightedModel
from .texts import LocalText

_Model = TypeVar("_Model", bound=ModelSpec)


def explain(result: CustomerResult, policy: Policy, lang: str) -> str:
    """All applicable models of a customer result, one line per input, then the flags."""
    lines = []
    for model_result in result.results:
        if model_result is not None:
            lines += explain_model(model_result, policy, lang)
    if result.flags:
        separator = policy.explain.separator.get(lang) if policy.explain.separator else "; "
        words = separator.join(policy.flag_text(code, lang) for code in result.flags)
        lines.append(_sentence(policy.explain.flags).format(lang, {"flags": words}))
    return "\n".join(lines)


def explain_model(result: ModelResult | None, policy: Policy, lang: str) -> list[str]:
    if isinstance(result, WeightedResult):
        return _weighted(result, policy, lang)
    if isinstance(result, RfmResult):
        return [_rfm(result, policy, lang)]
    if isinstance(result, PipelineResult):
        return [_pipeline(result, policy, lang)]
    if isinstance(result, ServiceResult):
        return [_service(result, policy, lang)]
    return []


def _sentence(text: LocalText | None) -> LocalText:
    """An `[explain]` sentence the result needs: a policy without it is refused (policy_checks)."""
    assert text is not None
    return text


def _model(policy: Policy, code: str, kind: type[_Model]) -> _Model:
    """The model a result of that kind came from."""
    model = policy.model(code)
    assert isinstance(model, kind)
    return model


def _num(value: float) -> str:
    return f"{value:g}"


def _weighted(result: WeightedResult, policy: Policy, lang: str) -> list[str]:
    model = _model(policy, result.model, WeightedModel)
    lines = []
    for dimension, component in zip(model.dimensions, result.components):
        lines.append(
            _sentence(policy.explain.component).format(
                lang,
                {
                    "name": dimension.name.get(lang),
                    "raw": _raw(component, dimension, model, policy, lang),
                    "points": f"{component.points:.2f}",
                    "weight": _num(component.weight),
                    "total_weight": _num(result.total_weight),
                    "part": f"{component.part:.2f}",
                },
            )
        )
    lines.append(
        _sentence(policy.explain.score).format(
            lang, {"model": model.name.get(lang), "score": f"{result.score:.2f}", "tier": result.name(lang)}
        )
    )
    return lines


def _raw(component: Component, dimension: Dimension, model: WeightedModel, policy: Policy, lang: str) -> str:
    texts, kind, raw = policy.explain, dimension.source_kind, component.raw
    inputs = dict(component.inputs)
    if kind == "contribution_percentile":
        params = {
            "revenue": display_money(raw),
            "currency": policy.base_currency,
            "lower": str(inputs["lower"]),
            "equal": str(inputs["equal"]),
            "others": str(inputs["others"]),
        }
        if inputs.get("imported"):  # the annual revenue on the record, until own deals suffice
            return _sentence(texts.contribution_imported).format(
                lang, params | {"deals": str(inputs["own_deals"]), "own_deals": str(model.own_deals)}
            )
        template = texts.contribution if inputs["others"] else texts.contribution_alone
        return _sentence(template).format(lang, params)
    if kind == "stability":
        return _sentence(texts.stability).format(
            lang, {"years": f"{raw['years']:.2f}", "months": str(raw["active_months"])}
        )
    if inputs.get("missing"):
        return _sentence(texts.missing).format(lang, {})
    if kind == "rating":
        return _sentence(texts.rating).format(lang, {"rating": str(raw)})
    return _sentence(texts.attribute).format(lang, {"value": str(raw)})


def _missing(value, policy: Policy, lang: str) -> str:
    return _sentence(policy.explain.missing).format(lang, {}) if value is None else str(value)


def _rfm(result: RfmResult, policy: Policy, lang: str) -> str:
    model = _model(policy, result.model, RfmModel)
    if result.r is None:
        return _sentence(policy.explain.rfm_none).format(
            lang, {"model": model.name.get(lang), "window": str(model.window_days), "segment": result.name(lang)}
        )
    assert result.last_deal_at is not None and result.amount is not None  # scored from deals, like r
    return _sentence(policy.explain.rfm).format(
        lang,
        {
            "model": model.name.get(lang),
            "r": str(result.r),
            "f": str(result.f),
            "m": str(result.m),
            "last_deal": result.last_deal_at.date().isoformat(),
            "deals": str(result.deal_count),
            "amount": display_money(result.amount),
            "currency": policy.base_currency,
            "segment": result.name(lang),
        },
    )


def _pipeline(result: PipelineResult, policy: Policy, lang: str) -> str:
    model = _model(policy, result.model, PipelineModel)
    weights = model.weights
    total = weights.intention + weights.progress + weights.timing
    signing = result.signing_date.isoformat() if result.signing_date else None
    index = model.stage_index.get(result.stage) if result.stage is not None else None
    stage = model.stages[index].name.get(lang) if index is not None else result.stage
    assert result.score is not None  # a pipeline result always has its maturity
    return _sentence(policy.explain.pipeline).format(
        lang,
        {
            "model": model.name.get(lang),
            "rating": _missing(result.rating, policy, lang),
            "intention": _num(result.intention),
            "stage": _missing(stage, policy, lang),
            "progress": _num(round(result.progress, 4)),
            "signing_date": _missing(signing, policy, lang),
            "timing": _num(result.timing),
            "w_intention": _num(weights.intention / total),
            "w_progress": _num(weights.progress / total),
            "w_timing": _num(weights.timing / total),
            "maturity": _num(result.score),
            "grade": result.name(lang),
        },
    )


def _service(result: ServiceResult, policy: Policy, lang: str) -> str:
    model = _model(policy, result.model, ServiceModel)
    params = {
        "model": model.name.get(lang),
        "expectation": _missing(result.expectation, policy, lang),
        "satisfaction": _missing(result.satisfaction, policy, lang),
    }
    if result.tier is None:
        return _sentence(policy.explain.service_unscored).format(lang, params)
    source = _sentence(
        policy.explain.source_feedback if result.satisfaction_source == "feedback" else policy.explain.source_rating
    )
    return _sentence(policy.explain.service).format(
        lang, params | {"source": source.get(lang), "total": str(result.score), "grade": result.name(lang)}
    )
