"""Facts about a contact stated in a log message ("瑞丰医疗李总生日是3月5号", "李总换了新号码
138…"), applied with one tap from the log card: the contact of that customer is updated, or
created when the customer is known and the contact is not. Applying a fact saves no interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.customers.registry import is_phone
from core.errors import InvalidInput, NotFound
from core.models import Contact, Customer
from core.names import book
from core.parsing.text import lower, normalise
from core.visibility import can_see_customer

FACT_KINDS = ("birthday", "phone")
# A birthday said without a year ("3月5号") keeps the contact's year if it has one; otherwise it is
# stored in a leap year so that 02-29 exists. Only month and day are ever read (greetings).
UNKNOWN_YEAR = 2000


@dataclass(frozen=True, slots=True)
class AppliedFact:
    customer_id: int
    contact_id: int
    contact_name: str
    kind: str
    value: str
    created_contact: bool


def apply(
    session: Session, account: Account, customer_id: int, kind: str, contact: str, value: str, *, now: datetime
) -> AppliedFact:
    """Set the birthday ("MM-DD") or phone of `contact` (as written) of the customer."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.archived or not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    if kind not in FACT_KINDS:
        raise InvalidInput("bad_fact", value=kind)
    name = " ".join(normalise(contact or "").split())[:200]
    if not name:
        raise InvalidInput("empty_name")
    if kind == "phone" and not is_phone(value):
        raise InvalidInput("bad_phone", value=value[:40])
    row = _contact_named(session, customer_id, name)
    created = row is None
    if row is None:
        has_primary = (
            session.exec(select(Contact.id).where(Contact.customer_id == customer_id, Contact.is_primary)).first()
            is not None
        )
        row = Contact(customer_id=customer_id, name=name, is_primary=not has_primary)
    if kind == "birthday":
        row.birthday = _birthday(value, row.birthday)
    else:
        row.phone = value.strip()[:50]
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=account.id,
        action=f"contact.{kind}",
        now=now,
        target=f"customer:{customer_id}",
        contact=row.id,
        created=created,
    )
    if created:
        book.invalidate_on_commit(session)  # contacts are names the index finds
    return AppliedFact(customer_id, row.id or 0, row.name, kind, value, created)


def _contact_named(session: Session, customer_id: int, written: str) -> Contact | None:
    """The customer's contact written so: the same name, else (Latin) the first name of one (Bruce → Bruce Wayne)."""
    contacts = session.exec(
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(col(Contact.is_primary).desc(), col(Contact.id))
    ).all()
    key = lower(written)
    same = [c for c in contacts if lower(normalise(c.name)) == key]
    if same:
        return same[0]
    first_names = [c for c in contacts if " " not in key and lower(normalise(c.name)).split()[:1] == [key]]
    return first_names[0] if len(first_names) == 1 else None


def _birthday(value: str, current: date | None) -> date:
    try:
        month, day = (int(part) for part in value.split("-"))
        if current is not None:
            try:
                return current.replace(month=month, day=day)
            except ValueError:  # 02-29 in a year without it
                pass
        return date(UNKNOWN_YEAR, month, day)
    except ValueError:
        raise InvalidInput("bad_date", value=value[:10]) from None
