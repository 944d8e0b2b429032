"""The engine's answer for one customer: model results, cadence, flags and actions.

Actions are worked out when asked for, not during a recompute: ranking them for 100k
customers would be a third of the batch, while a digest needs them for a few hundred. The
result keeps what they are made from (facts, served tiers, cadence, the policy), so asking
twice gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .cadence import CadenceResult, cadence_for
from .facts import CustomerFacts
from .policy import Policy
from .profiles import TierProfile
from .recommendations import Action, recommend
from .results import ModelResult


@dataclass(frozen=True, slots=True)
class CustomerResult:
    """Everything the engine says about one customer.

    models  every model of the policy by code; None where it does not apply to the stage
    tiers   the tiers cadence, packages and closing incentives follow (assigned, else live)
    flags   sorted union of all flags
    actions ranked recommended actions (see actions.py)
    Models and tiers are kept as tuples (the codes are shared with the policy) and offered
    as mappings, to keep 100k results small.
    """

    customer_id: int
    stage: str
    policy_version: str
    model_codes: tuple[str, ...]
    results: tuple[ModelResult | None, ...]
    served: tuple[tuple[str, str], ...]  # (model, tier) pairs, in the policy's order
    cadence: CadenceResult
    flags: tuple[str, ...]
    facts: CustomerFacts = field(repr=False)
    today: date = field(repr=False)  # the customer's local date at `now`
    profile: TierProfile = field(compare=False, repr=False)
    policy: Policy = field(compare=False, repr=False)

    @property
    def actions(self) -> tuple[Action, ...]:
        return recommend(self.facts, self.results, self.served, self.profile, self.cadence, self.policy, self.today)

    @property
    def models(self) -> dict[str, ModelResult | None]:
        return dict(zip(self.model_codes, self.results))

    @property
    def tiers(self) -> dict[str, str]:
        return dict(self.served)

    def model(self, code: str) -> ModelResult | None:
        """The result of model `code`; None when it does not apply (KeyError if unknown)."""
        try:
            return self.results[self.model_codes.index(code)]
        except ValueError:
            raise KeyError(code) from None

    @property
    def live_tiers(self) -> dict[str, str]:
        return {
            code: result.tier
            for code, result in zip(self.model_codes, self.results)
            if result is not None and result.tier is not None
        }

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form; with `lang`, actions carry their text and reason in that language."""
        return {
            "customer_id": self.customer_id,
            "stage": self.stage,
            "policy_version": self.policy_version,
            "models": {
                code: (result.summary() if result else None) for code, result in zip(self.model_codes, self.results)
            },
            "tiers": self.tiers,
            "cadence": self.cadence.to_dict(),
            "actions": [action.to_dict(lang) for action in self.actions],
            "flags": list(self.flags),
        }


def live_cadence(facts: CustomerFacts, result: CustomerResult, policy: Policy, now: datetime) -> CadenceResult:
    """Cadence from the live tiers of an engine result rather than the stored ones."""
    return cadence_for(facts, result.live_tiers, policy, now)
