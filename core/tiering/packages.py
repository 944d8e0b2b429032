"""What a recommended action is (`Action`), and every tier's service package as ready-made
actions (`package_actions`), which the tier profiles and the recommendations both use.

It reads the policy it is given without importing core.tiering.policy: the policy caches the
packages (`Policy.package_actions`), so the two modules must not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .placeholders import ACTION_PARAM_NAMES
from .results import jsonable
from .texts import LocalText


@dataclass(frozen=True, slots=True)
class Action:
    """One recommended action. Placeholder values are kept as a tuple in the order of
    `names` (shared per action code): 100k customers' actions stay small."""

    code: str  # situational: the action's name; package: the package item's code
    kind: str  # 'situational' | 'package'
    priority: int
    urgency: float
    names: tuple[str, ...]
    values: tuple[Any, ...]
    template: LocalText = field(compare=False, repr=False)
    reason_template: LocalText = field(compare=False, repr=False)

    @property
    def params(self) -> dict[str, Any]:
        return dict(zip(self.names, self.values))

    @property
    def rank_key(self) -> tuple[int, float]:
        return (-self.priority, -self.urgency)

    def text(self, lang: str) -> str:
        return self.template.format(lang, self.params)

    def reason(self, lang: str) -> str:
        return self.reason_template.format(lang, self.params)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        params = {
            key: (value.get(lang or "en") if isinstance(value, LocalText) else jsonable(value))
            for key, value in self.params.items()
        }
        data = {
            "code": self.code,
            "kind": self.kind,
            "priority": self.priority,
            "urgency": self.urgency,
            "params": params,
        }
        if lang is not None:
            data |= {"text": self.text(lang), "reason": self.reason(lang)}
        return data


def package_actions(policy: Any) -> dict[tuple[str, str], tuple[Action, ...]]:
    """The package of every tier as ready-made actions, shared by all customers of the tier."""
    spec = policy.actions.package
    if spec is None:
        return {}
    names = ACTION_PARAM_NAMES["package"]
    built = {}
    for model in policy.models:
        for tier in model.tier_by_code.values():
            values = (model.name, tier.name)
            built[(model.code, tier.code)] = tuple(
                Action(item.code, "package", spec.priority, 0.0, names, values, item.text, spec.reason)
                for item in tier.package
            )
    return built
