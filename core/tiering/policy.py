"""The tier policy: TOML text in, a validated frozen `Policy` out.

A policy file has a few fixed tables and one table per model:

    [policy]   name and title           [fx]       base currency and exchange rates
    [review]   re-evaluation cycle      [actions]  situational actions: priority and words
    [explain]  explanation sentences    [flags]    optional words for flag codes
    [reminders] digest length, follow-up roll-up
    [<model>]  any other table is a model: `type` = weighted | rfm | pipeline | service

Reading the file is the caller's job (see core.policies); this module only parses text. Whatever
the text, parsing ends in a Policy or a PolicyError listing every issue with its key path: the
size is checked before anything else, and TOML that cannot be read (too deep, a 5,000-digit
number) is an issue like any other, never a RecursionError or a ValueError.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from .errors import PolicyError, PolicyIssue
from .policy_checks import check_closing_action, check_explain_needs, check_main_model, check_model, check_templates
from .specs import (
    MODEL_TYPES,
    ActionsSpec,
    ExplainSpec,
    ModelSpec,
    OrderedModel,
    PolicyInfo,
    RemindersSpec,
    ReviewSpec,
    RfmModel,
    ServiceModel,
    Spec,
    TierSpec,
)
from .texts import LocalText

SECTIONS = ("policy", "fx", "review", "actions", "explain", "flags", "reminders")
MAX_POLICY_BYTES = 256 * 1024  # a policy is ~20 KB; anything far larger is not one

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
_RATES = TypeAdapter(dict[Currency, Annotated[Decimal, Field(gt=0, le=Decimal(1_000_000_000), allow_inf_nan=False)]])
_FLAGS = TypeAdapter(dict[str, LocalText])


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """A customer input only the policy defines: the attribute an `attribute:<name>` dimension
    grades (sponsorship amount, years …), named like its first dimension. Imports read it from
    a column named `name` or `label` (either language); the card edits and shows it."""

    name: str
    label: LocalText


class Policy(Spec):
    """A parsed policy. `version` is the first 12 hex digits of the SHA-256 of its text, so
    results can record exactly which rules produced them."""

    text: str = Field(repr=False)
    version: str
    info: PolicyInfo
    base_currency: str
    # Units of base currency per unit of each currency; includes the base itself at 1.
    fx: dict[str, Decimal] = Field(repr=False)
    review: ReviewSpec = Field(repr=False)
    models: tuple[ModelSpec, ...] = Field(repr=False)
    actions: ActionsSpec = Field(repr=False)
    explain: ExplainSpec = Field(repr=False)
    flags: dict[str, LocalText] = Field(default_factory=dict, repr=False)
    reminders: RemindersSpec = Field(default_factory=RemindersSpec, repr=False)

    def __hash__(self) -> int:
        # The version is a hash of the full text, so it identifies the policy; this lets
        # derived lookups be memoised per policy.
        return hash(self.version)

    @property
    def name(self) -> str:
        return self.info.name

    @cached_property
    def model_by_code(self) -> dict[str, ModelSpec]:
        return {model.code: model for model in self.models}

    @cached_property
    def model_index(self) -> dict[str, int]:
        return {model.code: index for index, model in enumerate(self.models)}

    @cached_property
    def model_codes(self) -> tuple[str, ...]:
        return tuple(model.code for model in self.models)

    def model(self, code: str) -> ModelSpec:
        return self.model_by_code[code]

    def tier(self, model: str, code: str) -> TierSpec | None:
        spec = self.model_by_code.get(model)
        return spec.tier_by_code.get(code) if spec else None

    @cached_property
    def main_model(self) -> OrderedModel | None:
        """`[policy] main_model`, else the first model with ordered tiers (None: no such model)."""
        if self.info.main_model is not None:
            model = self.model_by_code[self.info.main_model]
            return model if isinstance(model, OrderedModel) else None
        return next((m for m in self.models if isinstance(m, OrderedModel)), None)

    @cached_property
    def priority_tiers(self) -> frozenset[tuple[str, str]]:
        """(model, tier) of every tier marked `priority = true`."""
        return frozenset(
            (model.code, tier.code)
            for model in self.models
            for tier in getattr(model, "tier_by_code", {}).values()
            if tier.priority
        )

    def is_priority(self, model: str, tier: str | None) -> bool:
        return (model, tier) in self.priority_tiers

    def has_priority_tier(self, tiers: Mapping[str, str | None]) -> bool:
        """Does any of a customer's tiers (model → tier code) make it a priority customer?"""
        return any((model, tier) in self.priority_tiers for model, tier in tiers.items())

    @cached_property
    def notes(self) -> tuple[str, ...]:
        """What a valid policy leaves to defaults that change what the bot does (policy check)."""
        found = []
        if self.info.main_model is None:
            main = self.main_model
            found.append(
                "policy.main_model is not set: "
                + (
                    f"the first model with ordered tiers, '{main.code}', is the main one"
                    if main
                    else "no model has ordered tiers, so there is no main model"
                )
            )
        if not self.priority_tiers:
            found.append(
                "no tier has `priority = true`: no afternoon nudges for overdue customers, "
                "no escalations of long-overdue customers to managers, and every greeting "
                "draft uses the standard template"
            )
        return tuple(found)

    @cached_property
    def inputs(self) -> tuple[PolicyInput, ...]:
        """The attributes the policy's weighted models grade on, each once, in the policy's order."""
        found: dict[str, PolicyInput] = {}
        for model in self.models:
            for dimension in getattr(model, "dimensions", ()):
                if dimension.source_kind == "attribute" and dimension.source_arg not in found:
                    found[dimension.source_arg] = PolicyInput(dimension.source_arg, dimension.name)
        return tuple(found.values())

    @cached_property
    def rfm_window_days(self) -> int | None:
        """The RFM window the caller must query deals with: (now − days, now]."""
        return next((m.window_days for m in self.models if isinstance(m, RfmModel)), None)

    @cached_property
    def time_allocation(self) -> Mapping[str, Decimal]:
        """Target share of a rep's time per service grade (e.g. D 0.70, E 0.20, F 0.10)."""
        service = next((m for m in self.models if isinstance(m, ServiceModel)), None)
        if service is None:
            return {}
        return {t.code: t.time_share for t in service.tiers if t.time_share is not None}

    @cached_property
    def package_actions(self) -> Mapping[tuple[str, str], tuple]:
        """Every tier's service package as ready-made actions, keyed (model, tier)."""
        from .packages import package_actions  # it reads the policy without importing this module

        return package_actions(self)

    def flag_text(self, code: str, lang: str) -> str:
        """Words for a flag code; `unknown_currency:XYZ` uses the `unknown_currency` entry with
        {arg} = XYZ. A code without words is shown as is."""
        key, _, arg = code.partition(":")
        text = self.flags.get(code) or self.flags.get(key)
        return text.format(lang, {"arg": arg}) if text else code


def parse_policy(text: str) -> Policy:
    """Parse and validate policy TOML; raises PolicyError listing every issue with its key path."""
    if len(text) > MAX_POLICY_BYTES or len(text.encode()) > MAX_POLICY_BYTES:
        raise PolicyError([PolicyIssue("", f"the policy is larger than {MAX_POLICY_BYTES // 1024} KB")])
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as problem:  # ValueError: an integer of 4,300+ digits
        raise PolicyError([PolicyIssue("", f"not valid TOML: {problem}")]) from None
    except RecursionError:
        raise PolicyError([PolicyIssue("", "not valid TOML: nested too deeply")]) from None
    issues: list[PolicyIssue] = []
    try:
        parts = _parse_sections(raw, issues)
        models, broken = _parse_models(raw, issues)
        issues += _cross_checks(parts, models, broken)
    except RecursionError:  # nesting tomllib managed but validation does not
        raise PolicyError([*issues, PolicyIssue("", "nested too deeply")]) from None
    if issues:
        raise PolicyError(issues)
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Policy(text=text, version=version, models=tuple(models), **parts)


def _cross_checks(parts: dict[str, Any], models: list[ModelSpec], broken: set[str]) -> list[PolicyIssue]:
    """What the tables get wrong together, for the tables that parsed (so one bad table does not
    hide another's mistakes); a reference to a model that failed to parse is not checked."""
    by_code = {model.code: model for model in models}
    actions, explain = parts["actions"], parts["explain"]
    issues = []
    closing = actions.closing_incentive if actions is not None else None
    if closing is not None and closing.model not in broken:
        issues += check_closing_action(actions, by_code)
    if explain is not None:
        issues += check_explain_needs(explain, by_code)
    issues += check_templates(actions, explain, parts["flags"], by_code)
    if parts["info"] is not None and (parts["info"].main_model or "") not in broken:
        issues += check_main_model(parts["info"], by_code)
    return issues


def _parse_sections(raw: dict[str, Any], issues: list[PolicyIssue]) -> dict[str, Any]:
    base, rates = _parse_fx(raw.get("fx"), issues)
    return {
        "info": _validate(PolicyInfo, raw.get("policy"), "policy", issues),
        "base_currency": base,
        "fx": rates,
        "review": _validate(ReviewSpec, raw.get("review", {}), "review", issues),
        "actions": _validate(ActionsSpec, raw.get("actions", {}), "actions", issues),
        "explain": _validate(ExplainSpec, raw.get("explain"), "explain", issues),
        "flags": _validate(_FLAGS, raw.get("flags", {}), "flags", issues),
        "reminders": _validate(RemindersSpec, raw.get("reminders", {}), "reminders", issues),
    }


def _parse_fx(table: Any, issues: list[PolicyIssue]) -> tuple[str, dict[str, Decimal]]:
    if not isinstance(table, dict):
        issues.append(PolicyIssue("fx", 'required table is missing (at least `base = "CNY"`)'))
        return "", {}
    rates = dict(table)
    base = rates.pop("base", None)
    if not isinstance(base, str) or len(base) != 3 or not base.isupper():
        issues.append(PolicyIssue("fx.base", 'must be a three-letter currency code like "CNY"'))
        base = ""
    validated = _validate(_RATES, rates, "fx", issues) or {}
    return base, {**validated, base: Decimal(1)}


def _parse_models(raw: dict[str, Any], issues: list[PolicyIssue]) -> tuple[list[ModelSpec], set[str]]:
    """The models that parsed, and the keys of the model tables that did not."""
    models, broken = [], set()
    for key, table in raw.items():
        if key in SECTIONS:
            continue
        if not isinstance(table, dict):
            issues.append(PolicyIssue(key, "unknown key (a model is a table with a `type`)"))
            continue
        model = _parse_model(key, table, issues)
        if model is not None:
            models.append(model)
            issues += check_model(model)
        else:
            broken.add(key)
    if not models and not any(key not in SECTIONS for key in raw):
        issues.append(PolicyIssue("", "the policy defines no models"))
    return models, broken


def _parse_model(key: str, table: dict[str, Any], issues: list[PolicyIssue]) -> ModelSpec | None:
    kind = table.get("type")
    if kind not in MODEL_TYPES:
        expected = ", ".join(MODEL_TYPES)
        message = (
            f"unknown model type '{kind}' (expected one of {expected})"
            if "type" in table
            else f"required (one of {expected})"
        )
        issues.append(PolicyIssue(f"{key}.type", message))
        return None
    return _validate(MODEL_TYPES[kind], {**table, "code": key}, key, issues)


def _validate(schema: Any, data: Any, path: str, issues: list[PolicyIssue]) -> Any:
    if data is None:
        issues.append(PolicyIssue(path, "required table is missing"))
        return None
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except ValidationError as invalid:
        issues.extend(PolicyIssue(_key_path(path, error["loc"]), _message(error)) for error in invalid.errors())
        return None


def _key_path(prefix: str, loc: tuple[Any, ...]) -> str:
    """('tiers', 1, 'min_score') under 'value' → 'value.tiers[1].min_score'."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":  # pydantic's marker for a bad dict key; the key itself is enough
            path = f"{path}.{part}" if path else str(part)
    return path


def _message(error: Mapping[str, Any]) -> str:
    kind, context = error["type"], error.get("ctx", {})
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind == "greater_than_equal":
        return f"must be at least {context['ge']}"
    if kind == "greater_than":
        return f"must be greater than {context['gt']}"
    if kind == "less_than_equal":
        limit = context["le"]
        return f"must be at most {int(limit) if float(limit).is_integer() else limit}"
    if kind in ("finite_number", "decimal_parsing") and str(error.get("input", "")).lower().lstrip("+-") in (
        "inf",
        "infinity",
        "nan",
    ):
        return "must be a finite number"
    if kind == "string_too_long":
        return f"must be at most {context['max_length']} characters"
    if kind == "string_pattern_mismatch":
        return f"'{error['input']}' does not match {context['pattern']}"
    return str(error["msg"])
