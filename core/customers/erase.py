"""Erase a customer's personal data on request (`tierbot erase customer ID`).

What goes: the customer's name and company (replaced by `erased #ID`), every contact (names,
phones, emails, WeChat, birthdays), the free texts written about them (interaction summaries,
feedback texts and resolutions, follow-up texts, pin reasons) — replaced by a neutral marker —
and their name wherever a queued or past notification or an open flow repeated it.
What stays, anonymous: the customer row with its id, tiers and numeric facts, and every
interaction, feedback and follow-up row with its kind, date and amount, so counts, tier history
and reports still add up. The customer is archived (no more reminders). The audit log records
who asked for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from core import audit
from core.errors import InvalidInput, NotFound
from core.models import (
    Contact,
    Customer,
    Feedback,
    FollowUp,
    Interaction,
    Notification,
    Opportunity,
    PendingCard,
    TierOverride,
)
from core.names import aliases, book

MARKER = "[erased]"


def erased_name(customer_id: int) -> str:
    return f"erased #{customer_id}"


@dataclass(frozen=True, slots=True)
class Preview:
    id: int
    name: str
    contacts: int
    interactions: int
    erased_at: datetime | None


@dataclass(frozen=True, slots=True)
class Erased:
    id: int
    contacts: int
    texts: int  # summaries, feedback, follow-up and pin texts replaced
    notifications: int  # outbox rows whose text mentioned the customer
    interactions_kept: int


def preview(session: Session, customer_id: int) -> Preview:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer:{customer_id}")
    contacts = len(session.exec(select(Contact.id).where(Contact.customer_id == customer_id)).all())
    interactions = len(session.exec(select(Interaction.id).where(Interaction.customer_id == customer_id)).all())
    return Preview(customer_id, customer.name, contacts, interactions, customer.erased_at)


def erase_customer(
    session: Session, customer_id: int, *, operator: str, now: datetime, actor_id: int | None = None
) -> Erased:
    """One transaction: everything personal about the customer, or nothing."""
    operator = operator.strip()
    if not operator:
        raise InvalidInput("erase_operator_missing")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer:{customer_id}")
    contacts = session.exec(select(Contact).where(Contact.customer_id == customer_id)).all()
    personal = _personal_strings(customer, contacts)
    personal += [a.text for a in aliases.of_customer_unchecked(session, customer_id) if len(a.text) >= 2]
    aliases.delete_of(session, customer_id)  # a customer's other names are personal too

    session.execute(
        update(Interaction).where(col(Interaction.customer_id) == customer_id).values(contact_id=None, summary=MARKER)
    )
    for contact in contacts:
        session.delete(contact)
    texts = _count(session, Interaction, customer_id)
    session.execute(
        update(Feedback).where(col(Feedback.customer_id) == customer_id).values(text=MARKER, resolution=None)
    )
    session.execute(update(FollowUp).where(col(FollowUp.customer_id) == customer_id).values(text=MARKER))
    session.execute(update(TierOverride).where(col(TierOverride.customer_id) == customer_id).values(reason=MARKER))
    session.execute(
        update(Opportunity).where(col(Opportunity.customer_id) == customer_id).values(title=MARKER, lost_reason=None)
    )
    texts += _count(session, Feedback, customer_id) + _count(session, FollowUp, customer_id)

    name = erased_name(customer_id)
    customer.name, customer.company, customer.external_id = name, None, None
    customer.tags = []
    customer.erased_at = now
    if not customer.archived:
        customer.archived, customer.archived_at = True, now
    session.add(customer)

    notifications = _scrub_rows(session, Notification, "payload", customer_id, personal, name)
    _scrub_rows(session, PendingCard, "data", customer_id, personal, name)
    audit.record(
        session,
        actor_id=actor_id,
        action="customer.erase",
        now=now,
        target=f"customer:{customer_id}",
        by=operator,
        contacts=len(contacts),
        texts=texts,
    )
    session.flush()
    book.invalidate()
    return Erased(customer_id, len(contacts), texts, notifications, _count(session, Interaction, customer_id))


def _count(session: Session, model: Any, customer_id: int) -> int:
    return len(session.exec(select(model.id).where(model.customer_id == customer_id)).all())


def _personal_strings(customer: Customer, contacts: Sequence[Contact]) -> list[str]:
    values = [customer.name, customer.company]
    for contact in contacts:
        values += [contact.name, contact.phone, contact.email, contact.wechat, contact.telegram]
    # longest first, so "Acme Ltd" goes before "Acme"; one-letter values would hit unrelated text
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 2}, key=len, reverse=True)


def _scrub_rows(session: Session, model: Any, column: str, customer_id: int, personal: list[str], name: str) -> int:
    """Rewrite the JSON of rows that mention the customer; returns how many changed."""
    changed = 0
    for row in session.exec(select(model)).all():
        value = getattr(row, column)
        scrubbed = _scrub(value, customer_id, personal, name)
        if scrubbed != value:
            setattr(row, column, scrubbed)
            session.add(row)
            changed += 1
    return changed


def _scrub(value: Any, customer_id: int, personal: list[str], name: str) -> Any:
    if isinstance(value, dict):
        about = value.get("customer_id") == customer_id
        return {
            k: (
                MARKER
                if about and k in ("text", "summary", "contact") and isinstance(v, str)
                else name
                if about and k == "name" and isinstance(v, str)
                else _scrub(v, customer_id, personal, name)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v, customer_id, personal, name) for v in value]
    if isinstance(value, str):
        for text in personal:
            value = value.replace(text, name)
        return value
    return value
