"""A small book of customers for the greeting tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count

from sqlmodel import Session

from core.models import Contact, Customer, CustomerTier, Interaction, User

NOW = datetime(2027, 1, 1, tzinfo=UTC)
TZ = "Asia/Shanghai"
_telegram_ids = count(1000)


@dataclass
class Book:
    session: Session
    reps: dict[str, int] = field(default_factory=dict)

    def rep(self, name: str = "李明") -> int:
        if name not in self.reps:
            user = User(telegram_id=next(_telegram_ids), name=name, role="rep", created_at=NOW)
            self.session.add(user)
            self.session.flush()
            self.reps[name] = user.id  # type: ignore[assignment]
        return self.reps[name]

    def customer(
        self,
        name: str,
        *,
        tier: str | None = None,
        grade: str | None = None,
        rep: str | None = "李明",
        stage: str | None = None,
        **fields: object,
    ) -> int:
        stage = stage or ("prospect" if grade else "active")
        row = Customer(name=name, owner_id=self.rep(rep) if rep else None, stage=stage, added_at=NOW, **fields)
        self.session.add(row)
        self.session.flush()
        for model, code in (("value", tier), ("pipeline", grade)):
            if code:
                self.session.add(
                    CustomerTier(customer_id=row.id, model=model, tier=code, policy_version="test", assigned_at=NOW)
                )
        return row.id  # type: ignore[return-value]

    def contact(
        self,
        customer_id: int,
        name: str,
        *,
        title: str | None = None,
        birthday: date | None = None,
        primary: bool = False,
    ) -> int:
        row = Contact(customer_id=customer_id, name=name, title=title, birthday=birthday, is_primary=primary)
        self.session.add(row)
        self.session.flush()
        return row.id  # type: ignore[return-value]

    def touch(self, customer_id: int, kind: str, at: datetime, summary: str = "") -> None:
        self.session.add(
            Interaction(customer_id=customer_id, kind=kind, occurred_at=at, summary=summary, created_at=at)
        )
        self.session.flush()
