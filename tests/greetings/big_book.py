"""A book of many customers with one contact each and a birthday: for the greetings sweep's
benchmark (bench.greetings) and its correctness test on a smaller size."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day

from sqlalchemy import insert

from core.db import Database
from core.models import Contact, Customer, CustomerTier, Interaction, User
from core.policies import default_policy_text
from core.tiering import parse_policy

POLICY = parse_policy(default_policy_text())
NOW = datetime(2027, 9, 1, tzinfo=UTC)
CUSTOMERS = 100_000
REPS = 200


def build(db: Database, customers: int = CUSTOMERS) -> None:
    rng = random.Random(3)
    with db.engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                dict(
                    id=r,
                    telegram_id=r,
                    name=f"Rep {r}",
                    role="rep",
                    created_at=NOW,
                    digest_time=time_of_day(9),
                    country="CN",
                    quiet_off=False,
                    active=True,
                )
                for r in range(1, REPS + 1)
            ],
        )
        connection.execute(
            insert(Customer),
            [
                dict(
                    id=c,
                    name=f"客户{c}",
                    owner_id=1 + c % REPS,
                    stage=rng.choice(("active",) * 8 + ("prospect", "lost")),
                    region=rng.choice(("CN",) * 9 + ("US",)),
                    added_at=NOW,
                    tags=[],
                    attributes={},
                    archived=False,
                    contract_start=date(2015, 1, 1) + timedelta(days=rng.randrange(4000)),
                )
                for c in range(1, customers + 1)
            ],
        )
        connection.execute(
            insert(CustomerTier),
            [
                dict(
                    customer_id=c,
                    model="value",
                    tier=rng.choice(("vip", "key", "key", "regular", "regular", "regular")),
                    policy_version="x",
                    reason="",
                    assigned_at=NOW,
                )
                for c in range(1, customers + 1)
            ],
        )
        connection.execute(
            insert(Contact),
            [
                dict(
                    customer_id=c,
                    name=f"联系人{c}",
                    title="经理",
                    is_primary=True,
                    birthday=date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
                )
                for c in range(1, customers + 1)
            ],
        )
        connection.execute(
            insert(Interaction),
            [
                dict(
                    customer_id=1 + i % customers,
                    kind=rng.choice(("call", "visit", "meeting", "note")),
                    occurred_at=NOW - timedelta(days=rng.randrange(400)),
                    summary="讨论方案，推进合作",
                    created_at=NOW,
                )
                for i in range(customers)
            ],
        )
