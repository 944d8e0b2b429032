"""A small book whose summary figures are worked out by hand (tests/core/test_summary.py and
tests/bot/test_summary.py).

Team East: manager M, reps A and B. Team West: rep C. Now = Tue 2026-11-24 09:00 Shanghai.

| customer | owner | value   | service | rfm           | last contact          | deals (CNY)                      |
|----------|-------|---------|---------|---------------|-----------------------|----------------------------------|
| 华为     | A     | vip     | D       | champions     | call now−3d           | 600,000 now−10d (visit); 100,000 now−400d |
| Acme     | A     | key     | E       | loyal         | deal now−100d         | 300,000 now−100d                 |
| Globex   | B     | regular | F       | no_purchases  | call now−5d           | —                                |
| 腾讯     | B     | regular | D       | others        | deal now−500d         | 100,000 now−500d                 |
| Westco   | C     | vip     | D       | champions     | call now−1d           | 900,000 now−20d                  |

Expected for East (month): value vip 1 / key 1 / regular 2, revenue 600k / 300k / 0 (2/3, 1/3, 0);
coverage vip 1/1, key 0/1 (Acme 100 days > 21), regular 1/2 (腾讯 500 days > 45); overdue: A 1,
B 1; interactions of the last 30 days (notes left out): D 2 (华为's deal and call), E 0 (Acme's
note only), F 1 (Globex's call) → 67 % / 0 % / 33 % against 70/20/10; retention: 华为 and 腾讯
bought in the previous year, only 华为 again → r = 0.5, lifetime 2 years → CLV vip 1,200,000,
key 600,000, regular 0; complaints open 2 (one older than 48 h); one active override (Acme).
Movements in the month: up 华为 value key→vip, up 腾讯 service E→F→D (net E→D), down Acme value
vip→key, changed 腾讯 rfm champions→others; in the quarter also down Globex value key→regular.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from core.models import Customer, CustomerTier, Feedback, Interaction, TierAssignment, TierOverride

TIERS = {
    "华为": ("vip", "D", "champions"),
    "Acme": ("key", "E", "loyal"),
    "Globex": ("regular", "F", "no_purchases"),
    "腾讯": ("regular", "D", "others"),
    "Westco": ("vip", "D", "champions"),
}


def add_book(
    session: Session, now: datetime, *, manager: int, rep_a: int, rep_b: int, rep_c: int, policy_version: str = "test"
) -> dict[str, int]:
    owners = {"华为": rep_a, "Acme": rep_a, "Globex": rep_b, "腾讯": rep_b, "Westco": rep_c}
    ids: dict[str, int] = {}
    for name, owner in owners.items():
        row = Customer(
            name=name,
            owner_id=owner,
            stage="active",
            added_at=now - timedelta(days=60),
            potential=3,
            influence=3,
            expectation=4,
            satisfaction=4,
        )
        session.add(row)
        session.flush()
        ids[name] = row.id or 0
        for model, tier in zip(("value", "service", "rfm"), TIERS[name], strict=True):
            session.add(
                CustomerTier(
                    customer_id=row.id,
                    model=model,
                    tier=tier,
                    policy_version=policy_version,
                    reason="initial",
                    assigned_at=now - timedelta(days=200),
                )
            )

    def interaction(name: str, kind: str, days: float, amount: int | None = None, channel: str | None = None) -> None:
        session.add(
            Interaction(
                customer_id=ids[name],
                rep_id=owners[name],
                kind=kind,
                channel=channel,
                occurred_at=now - timedelta(days=days),
                amount_minor=amount * 100 if amount is not None else None,
                currency="CNY" if amount is not None else None,
                created_at=now,
            )
        )

    interaction("华为", "deal", 10, 600_000, channel="visit")
    interaction("华为", "call", 3)
    interaction("华为", "deal", 400, 100_000)
    interaction("Acme", "deal", 100, 300_000)
    interaction("Acme", "note", 2)
    interaction("Globex", "call", 5)
    interaction("腾讯", "deal", 500, 100_000)
    interaction("Westco", "call", 1)
    interaction("Westco", "deal", 20, 900_000)

    def moved(name: str, model: str, old: str | None, new: str, days: float) -> None:
        session.add(
            TierAssignment(
                customer_id=ids[name],
                model=model,
                tier=new,
                previous_tier=old,
                policy_version=policy_version,
                reason="upgrade",
                at=now - timedelta(days=days),
            )
        )

    moved("华为", "value", None, "key", 200)  # the first assignment: not a movement
    moved("华为", "value", "key", "vip", 3)
    moved("Acme", "value", "vip", "key", 5)
    moved("Globex", "value", "key", "regular", 40)
    moved("腾讯", "service", "E", "F", 20)
    moved("腾讯", "service", "F", "D", 10)
    moved("腾讯", "rfm", "champions", "others", 2)
    moved("Westco", "value", "key", "vip", 2)

    def complaint(name: str, hours: float, status: str = "open") -> None:
        session.add(
            Feedback(
                customer_id=ids[name],
                kind="complaint",
                text=f"complaint about {name}",
                status=status,
                created_at=now - timedelta(hours=hours),
            )
        )

    complaint("Acme", 72)
    complaint("华为", 1, status="in_progress")
    complaint("Globex", 100, status="resolved")
    complaint("Westco", 100)

    def override(name: str, tier: str, **extra: Any) -> None:
        session.add(
            TierOverride(
                customer_id=ids[name],
                model="value",
                tier=tier,
                reason=f"pinned {name}",
                created_by_id=manager,
                created_at=now - timedelta(days=1),
                **extra,
            )
        )

    override("Acme", "key", expires_at=now + timedelta(days=30))
    override("Globex", "key", removed_at=now - timedelta(hours=1))
    override("腾讯", "key", expires_at=now - timedelta(days=1))
    override("Westco", "vip")
    session.flush()
    return ids
