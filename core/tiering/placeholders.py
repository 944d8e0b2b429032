"""Which `{placeholders}` each policy text may use, with a sample value of the type the
engine passes.

This is the contract between the policy's words and the engine: the parser formats every
template with these samples, so a typo such as `{dayz}` or a format spec that does not fit
the value (`{name:.2f}`) is a PolicyError at load time, never a failed reply later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

_DAY = date(2025, 1, 31)

# Names in the order the engine passes them (Action.values follow this order).
_OVERDUE = {"days": 3, "since": 17, "ideal_days": 7, "max_days": 14, "last_date": _DAY}
_OCCASION = {"name": "x", "date": _DAY, "days": 2}

ACTION_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "contact_overdue": _OVERDUE,
        "visit_overdue": _OVERDUE,
        "open_complaint": {"count": 1},
        "holiday": _OCCASION,
        "birthday": _OCCASION,
        "anniversary": _OCCASION,
        "upsell": {"model": "x", "tier": "x", "current": "x", "gap": "1.00", "score": "74.00", "threshold": "75"},
        "activity_dropping": {"last": 1, "prev": 4},
        "closing_incentive": {"date": _DAY, "days": 10},
        "package": {"model": "x", "tier": "x"},
    }
)
ACTION_PARAM_NAMES = MappingProxyType({code: tuple(params) for code, params in ACTION_PARAMS.items()})

# Explanations receive display strings only (the engine formats the numbers).
_S = "x"
EXPLAIN_PARAMS = MappingProxyType(
    {
        "component": dict.fromkeys(("name", "raw", "points", "weight", "total_weight", "part"), _S),
        "score": dict.fromkeys(("model", "score", "tier"), _S),
        "contribution": dict.fromkeys(("revenue", "currency", "lower", "equal", "others"), _S),
        "contribution_alone": dict.fromkeys(("revenue", "currency"), _S),
        "contribution_imported": dict.fromkeys(
            ("revenue", "currency", "lower", "equal", "others", "deals", "own_deals"), _S
        ),
        "rating": {"rating": _S},
        "stability": dict.fromkeys(("years", "months"), _S),
        "attribute": {"value": _S},
        "missing": {},
        "rfm": dict.fromkeys(("model", "r", "f", "m", "last_deal", "deals", "amount", "currency", "segment"), _S),
        "rfm_none": dict.fromkeys(("model", "window", "segment"), _S),
        "pipeline": dict.fromkeys(
            (
                "model",
                "rating",
                "intention",
                "stage",
                "progress",
                "signing_date",
                "timing",
                "w_intention",
                "w_progress",
                "w_timing",
                "maturity",
                "grade",
            ),
            _S,
        ),
        "service": dict.fromkeys(("model", "expectation", "satisfaction", "source", "total", "grade"), _S),
        "service_unscored": dict.fromkeys(("model", "expectation", "satisfaction"), _S),
        "source_feedback": {},
        "source_rating": {},
        "flags": {"flags": _S},
        "separator": {},
    }
)

# Flag texts may name the part after the colon of a flag code (`unknown_currency:XYZ` → {arg}).
FLAG_PARAMS = MappingProxyType({"arg": _S})
