"""Three policies with different tier vocabularies, for tests that must hold under any policy:
the shipped default (value vip/key/regular), the shipped sponsor policy (sponsor high/mid/basic)
and `tests/policies/partner.toml` (partner strategic/gold/silver, 战略 / 金牌 / 银牌)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.policies import default_policy_text
from core.tiering import Policy, parse_policy

POLICY_DIR = Path(__file__).resolve().parent / "policies"
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "core" / "policies"


@dataclass(frozen=True)
class Vocabulary:
    """A policy and what the tests need to know of it: its main model and the codes of its
    top (priority), middle and lowest tiers — read from the policy, so a test names no code."""

    label: str
    policy: Policy

    @property
    def main(self) -> str:
        assert self.policy.main_model is not None
        return self.policy.main_model.code

    @property
    def tiers(self) -> list[str]:
        assert self.policy.main_model is not None
        return [t.code for t in self.policy.main_model.tiers]

    @property
    def top(self) -> str:
        [top] = [code for code in self.tiers if self.policy.is_priority(self.main, code)]
        return top

    @property
    def middle(self) -> str:
        return self.tiers[1]

    @property
    def lowest(self) -> str:
        return self.tiers[-1]

    def name(self, tier: str, lang: str) -> str:
        spec = self.policy.tier(self.main, tier)
        assert spec is not None
        return spec.name.get(lang)

    def max_days(self, tier: str, clock: str = "any") -> int:
        spec = self.policy.tier(self.main, tier)
        assert spec is not None and spec.cadence is not None
        interval = getattr(spec.cadence, clock)
        assert interval is not None
        return interval.max


VOCABULARIES = {
    "default": Vocabulary("default", parse_policy(default_policy_text())),
    "sponsor": Vocabulary("sponsor", parse_policy((SHIPPED_DIR / "sponsor.toml").read_text(encoding="utf-8"))),
    "partner": Vocabulary("partner", parse_policy((POLICY_DIR / "partner.toml").read_text(encoding="utf-8"))),
}
