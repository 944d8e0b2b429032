"""Names in both languages for the figures: a tier's name by the policy, any policy text as
{zh, en}, and a share rounded for display.
"""

from __future__ import annotations

from typing import Any

from core.tiering import Policy


def tier_label(policy: Policy, model: str, tier: str) -> dict[str, str]:
    spec = policy.tier(model, tier)
    return bilingual(spec.name) if spec is not None else {"zh": tier, "en": tier}


def bilingual(text: Any) -> dict[str, str]:
    return {lang: text.get(lang) for lang in ("zh", "en")}


def ratio(part: Any, whole: Any) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None
