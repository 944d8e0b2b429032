"""Semantic checks: what a policy's values get wrong *together*.

Each check returns a list of PolicyIssue with a key path in the form the TOML author sees
(`value.tiers[1].min_score`), so PolicyError can report every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from string import Formatter
from typing import Any, Protocol

from .errors import PolicyIssue
from .placeholders import ACTION_PARAMS, EXPLAIN_PARAMS, FLAG_PARAMS
from .specs import (
    EXPLAIN_NEEDS,
    RATING_FIELDS,
    ActionsSpec,
    Dimension,
    ExplainSpec,
    ModelSpec,
    OrderedModel,
    PipelineModel,
    PolicyInfo,
    RfmModel,
    ServiceModel,
    WeightedModel,
)
from .texts import LANGS, LocalText

SOURCE_KINDS = ("contribution_percentile", "rating:<field>", "stability", "attribute:<name>")


def check_model(model: ModelSpec) -> list[PolicyIssue]:
    issues = []
    if isinstance(model, OrderedModel):
        issues += check_tiers(f"{model.code}.tiers", model.tiers, model.scale)
    if isinstance(model, WeightedModel):
        issues += _check_dimensions(model)
        issues += _check_develop(model)
        if model.imported_revenue != "never" and not model.uses_contribution:
            issues.append(
                PolicyIssue(
                    f"{model.code}.imported_revenue",
                    "needs a contribution_percentile dimension (the revenue it stands in for)",
                )
            )
    elif isinstance(model, PipelineModel):
        issues += _check_pipeline(model)
    elif isinstance(model, ServiceModel):
        issues += _check_time_shares(model)
    elif isinstance(model, RfmModel):
        rows = (*model.segments, model.others, model.no_purchases)
        paths = [f"{model.code}.segments[{i}]" for i in range(len(model.segments))]
        issues += _check_unique_codes(rows, [*paths, f"{model.code}.others", f"{model.code}.no_purchases"])
    return issues


def check_tiers(path: str, tiers: Sequence[Any], scale: tuple[float, float]) -> list[PolicyIssue]:
    """Tiers must be listed from the top down with strictly falling thresholds inside the
    model's scale, and the lowest must start at the bottom of the scale, so every score falls
    in exactly one tier."""
    low, high = scale
    issues = _check_unique_codes(tiers, [f"{path}[{i}]" for i in range(len(tiers))])
    for index, tier in enumerate(tiers):
        at = f"{path}[{index}].min_score"
        if not low <= tier.min_score <= high:
            issues.append(PolicyIssue(at, f"must be between {low:g} and {high:g}"))
        elif index and tier.min_score == tiers[index - 1].min_score:
            issues.append(
                PolicyIssue(at, f"same min_score as {path}[{index - 1}] ({tier.min_score:g}): the tiers overlap")
            )
        elif index and tier.min_score > tiers[index - 1].min_score:
            issues.append(
                PolicyIssue(
                    at,
                    f"thresholds must fall from the top tier down: "
                    f"{tier.min_score:g} is above {path}[{index - 1}] "
                    f"({tiers[index - 1].min_score:g})",
                )
            )
    if tiers and low <= tiers[-1].min_score <= high and tiers[-1].min_score > low:
        issues.append(
            PolicyIssue(
                f"{path}[{len(tiers) - 1}].min_score",
                f"the lowest tier must start at {low:g}: no tier covers scores below {tiers[-1].min_score:g}",
            )
        )
    return issues


class _Coded(Protocol):
    """A policy row with a code (tier, dimension, pipeline stage)."""

    @property
    def code(self) -> str: ...


def _check_unique_codes(rows: Iterable[_Coded], paths: Sequence[str]) -> list[PolicyIssue]:
    issues, seen = [], set()
    for row, path in zip(rows, paths):
        if row.code in seen:
            issues.append(PolicyIssue(f"{path}.code", f"duplicate code '{row.code}'"))
        seen.add(row.code)
    return issues


def _check_dimensions(model: WeightedModel) -> list[PolicyIssue]:
    path = f"{model.code}.dimensions"
    issues = _check_unique_codes(model.dimensions, [f"{path}[{i}]" for i in range(len(model.dimensions))])
    for index, dimension in enumerate(model.dimensions):
        issues += _check_dimension(f"{path}[{index}]", dimension)
    weights = [d.weight for d in model.dimensions]
    if all(w >= 0 for w in weights) and sum(weights) == 0:
        issues.append(PolicyIssue(path, "weights must not all be zero"))
    return issues


def _check_dimension(path: str, dimension: Dimension) -> list[PolicyIssue]:
    issues = []
    if dimension.weight < 0:
        issues.append(PolicyIssue(f"{path}.weight", "must not be negative"))
    kind, arg = dimension.source_kind, dimension.source_arg
    if kind == "rating" and arg not in RATING_FIELDS:
        issues.append(
            PolicyIssue(f"{path}.source", f"unknown rating field '{arg}' (expected one of {', '.join(RATING_FIELDS)})")
        )
    elif kind == "attribute" and not arg:
        issues.append(PolicyIssue(f"{path}.source", "attribute:<name> needs a name"))
    elif kind in ("contribution_percentile", "stability") and ":" in dimension.source:
        issues.append(PolicyIssue(f"{path}.source", f"'{kind}' takes no argument"))
    elif kind not in ("rating", "attribute", "contribution_percentile", "stability"):
        issues.append(
            PolicyIssue(
                f"{path}.source", f"unknown dimension source '{dimension.source}' (expected {', '.join(SOURCE_KINDS)})"
            )
        )
    if kind == "rating" and len(dimension.points) != 5:
        issues.append(PolicyIssue(f"{path}.points", "needs exactly 5 values, for ratings 1 to 5"))
    issues += _check_bands(path, dimension)
    return issues


def _check_bands(path: str, dimension: Dimension) -> list[PolicyIssue]:
    if dimension.source_kind != "attribute":
        if dimension.bands:
            return [PolicyIssue(f"{path}.bands", "bands only apply to attribute:<name> sources")]
        return []
    if not dimension.bands:
        return [PolicyIssue(f"{path}.bands", "an attribute source needs at least one band")]
    issues = []
    for index in range(1, len(dimension.bands)):
        if dimension.bands[index].min <= dimension.bands[index - 1].min:
            issues.append(
                PolicyIssue(
                    f"{path}.bands[{index}].min",
                    f"must be above bands[{index - 1}].min ({dimension.bands[index - 1].min})",
                )
            )
    return issues


def _check_develop(model: WeightedModel) -> list[PolicyIssue]:
    if model.develop and model.develop.rating not in RATING_FIELDS:
        return [
            PolicyIssue(
                f"{model.code}.develop.rating",
                f"unknown rating field '{model.develop.rating}' (expected one of {', '.join(RATING_FIELDS)})",
            )
        ]
    return []


def _check_pipeline(model: PipelineModel) -> list[PolicyIssue]:
    issues = []
    if model.intention_rating not in RATING_FIELDS:
        issues.append(PolicyIssue(f"{model.code}.intention_rating", f"unknown rating field '{model.intention_rating}'"))
    weights = model.weights.model_dump()
    for name, weight in weights.items():
        if weight < 0:
            issues.append(PolicyIssue(f"{model.code}.weights.{name}", "must not be negative"))
    if all(w >= 0 for w in weights.values()) and sum(weights.values()) == 0:
        issues.append(PolicyIssue(f"{model.code}.weights", "weights must not all be zero"))
    issues += _check_unique_codes(model.stages, [f"{model.code}.stages[{i}]" for i in range(len(model.stages))])
    for index in range(1, len(model.timing)):
        if model.timing[index].within_days <= model.timing[index - 1].within_days:
            issues.append(
                PolicyIssue(f"{model.code}.timing[{index}].within_days", "windows must be listed from the shortest up")
            )
    return issues


def _check_time_shares(model: ServiceModel) -> list[PolicyIssue]:
    shares = [tier.time_share for tier in model.tiers if tier.time_share is not None]
    if shares and sum(shares) != 1:
        return [
            PolicyIssue(f"{model.code}.tiers", f"time_share values must add up to 1 (they add up to {sum(shares)})")
        ]
    return []


# --- cross-section checks ---------------------------------------------------------------------


def check_closing_action(actions: ActionsSpec, models: Mapping[str, ModelSpec]) -> list[PolicyIssue]:
    closing = actions.closing_incentive
    if closing is None:
        return []
    model = models.get(closing.model)
    if not isinstance(model, PipelineModel):
        return [
            PolicyIssue("actions.closing_incentive.model", f"'{closing.model}' is not a pipeline model of this policy")
        ]
    return [
        PolicyIssue(f"actions.closing_incentive.tiers[{i}]", f"'{code}' is not a tier of {closing.model}")
        for i, code in enumerate(closing.tiers)
        if code not in model.tier_by_code
    ]


def check_explain_needs(explain: ExplainSpec, models: Mapping[str, ModelSpec]) -> list[PolicyIssue]:
    """Every model type in use needs its explanation sentences."""
    needed: dict[str, str] = {}
    for code, model in models.items():
        kinds: list[str] = [model.type]
        if isinstance(model, WeightedModel):
            kinds += [dimension.source_kind for dimension in model.dimensions]
        if isinstance(model, WeightedModel) and model.imported_revenue != "never" and model.uses_contribution:
            kinds.append("imported_revenue")
        for kind in kinds:
            for name in EXPLAIN_NEEDS.get(kind, ()):
                needed.setdefault(name, code)
    return [
        PolicyIssue(f"explain.{name}", f"required by model '{code}'")
        for name, code in needed.items()
        if getattr(explain, name) is None
    ]


def check_templates(
    actions: ActionsSpec | None,
    explain: ExplainSpec | None,
    flags: Mapping[str, LocalText] | None,
    models: Mapping[str, ModelSpec],
) -> list[PolicyIssue]:
    """Every text the engine formats (None: that table did not parse, nothing to check)."""
    issues = []
    for name, params in ACTION_PARAMS.items():
        spec = getattr(actions, name) if actions is not None else None
        for field in ("text", "reason"):
            if spec is not None and getattr(spec, field, None) is not None:
                issues += check_template(getattr(spec, field), params, f"actions.{name}.{field}")
    for name, params in EXPLAIN_PARAMS.items():
        if explain is not None and getattr(explain, name) is not None:
            issues += check_template(getattr(explain, name), params, f"explain.{name}")
    for code, text in (flags or {}).items():
        issues += check_template(text, FLAG_PARAMS, f"flags.{code}")
    for path, item in _package_items(models):
        # package items are formatted with the package action's placeholders
        issues += check_template(item.text, ACTION_PARAMS["package"], path)
    return issues


def _package_items(models: Mapping[str, ModelSpec]):
    for model in models.values():
        for path, row in _rows_with_paths(model):
            for j, item in enumerate(row.package):
                yield f"{path}.package[{j}].text", item


def _rows_with_paths(model: ModelSpec):
    if isinstance(model, RfmModel):
        yield from ((f"{model.code}.segments[{i}]", row) for i, row in enumerate(model.segments))
        yield f"{model.code}.others", model.others
        yield f"{model.code}.no_purchases", model.no_purchases
    else:
        yield from ((f"{model.code}.tiers[{i}]", row) for i, row in enumerate(model.tiers))


def check_template(text: LocalText, params: Mapping[str, Any], path: str) -> list[PolicyIssue]:
    """Format the template with sample values so mistakes surface at load time — after making
    sure formatting is cheap: a width or precision (`{days:1000000000}`) would cost a gigabyte
    here and in every reply, so a format spec may not hold digits or nested fields."""
    issues = []
    for lang in LANGS:
        try:
            widths = [
                _field_text(name, conversion, spec)
                for _, name, spec, conversion in Formatter().parse(text.get(lang))
                if name is not None and spec and (any(c.isdigit() for c in spec) or "{" in spec)
            ]
        except ValueError as problem:
            issues.append(PolicyIssue(f"{path}.{lang}", f"cannot be formatted: {problem}"))
            continue
        if widths:
            issues += [
                PolicyIssue(f"{path}.{lang}", f"{{{field}}} sets a width or precision (write {{{bare}}} alone)")
                for field, bare in widths
            ]
            continue
        try:
            text.format(lang, params)
        except KeyError as missing:
            allowed = ", ".join("{" + name + "}" for name in sorted(params)) or "none"
            issues.append(
                PolicyIssue(f"{path}.{lang}", f"unknown placeholder {{{missing.args[0]}}} (allowed: {allowed})")
            )
        except (ValueError, IndexError, AttributeError, TypeError) as problem:
            issues.append(PolicyIssue(f"{path}.{lang}", f"cannot be formatted: {problem}"))
    return issues


def _field_text(name: str, conversion: str | None, spec: str) -> tuple[str, str]:
    """('days:100', 'days') for a replacement field as written, and the same without its spec."""
    bare = f"{name}!{conversion}" if conversion else name
    return f"{bare}:{spec}", bare


def check_main_model(info: PolicyInfo, models: Mapping[str, ModelSpec]) -> list[PolicyIssue]:
    """`[policy] main_model` names a model with ordered tiers (not RFM segments)."""
    code = info.main_model
    if code is None or isinstance(models.get(code), OrderedModel):
        return []
    if code not in models:
        return [
            PolicyIssue("policy.main_model", f"'{code}' is not a model of this policy (models: {', '.join(models)})")
        ]
    return [PolicyIssue("policy.main_model", f"'{code}' has no ordered tiers (an RFM model cannot be the main one)")]
