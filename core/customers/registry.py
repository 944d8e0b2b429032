"""Customers: create (with a primary contact), the duplicate check before it, look up within
what the asker may see, edit one field with validation, and the customer card's data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.as_of import AsOf
from core.errors import InvalidInput, NotFound
from core.models import PIPELINE_STAGES, STAGES, Contact, Customer, User
from core.money import from_minor, to_minor
from core.names import book
from core.settings import check_timezone
from core.tier_records.retier import retier_customer
from core.values import BadValue, parse_amount, parse_attribute, parse_date, parse_email, parse_phone, parse_rating
from core.visibility import can_see_customer, customer_scope

_PHONE = re.compile(r"^\+?[\d\s\-()]{5,20}$")
RATINGS = ("potential", "influence", "intention", "expectation", "satisfaction")
# field → (where it lives, how its text is checked); the card's Edit button offers these, and
# attr:<name> for each of the policy's own inputs (Policy.inputs)
EDITABLE = (
    "name",
    "company",
    "industry",
    "stage",
    "pipeline_stage",
    "expected_signing_date",
    "contract_start",
    "customer_since",
    "annual_revenue",
    "timezone",
    "language",
    *RATINGS,
    "contact_name",
    "contact_title",
    "phone",
    "email",
    "wechat",
    "birthday",
    "notes",
)
# edits that can move a tier (edit_field re-tiers after them, in the same transaction)
TIER_FIELDS = (
    *RATINGS,
    "stage",
    "pipeline_stage",
    "expected_signing_date",
    "contract_start",
    "customer_since",
    "annual_revenue",
    "timezone",
)
ATTRIBUTE = "attr:"


@dataclass(frozen=True, slots=True)
class NewCustomer:
    name: str
    stage: str = "prospect"
    contact_name: str | None = None
    phone: str | None = None
    company: str | None = None
    region: str | None = None  # ISO country; None: the creating rep's
    language: str | None = None  # zh | en; None: the creating rep's
    attributes: tuple[tuple[str, str], ...] = ()  # the policy's own inputs (name, Decimal text)


@dataclass(frozen=True, slots=True)
class ContactView:
    id: int
    name: str
    title: str | None
    phone: str | None
    email: str | None
    wechat: str | None
    birthday: date | None
    primary: bool


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    name: str
    company: str | None
    industry: str | None
    stage: str
    owner_id: int | None
    owner_name: str | None
    account_manager_name: str | None
    region: str
    timezone: str | None
    language: str | None
    contract_start: date | None
    customer_since: date | None
    annual_revenue: Decimal | None
    notes: str | None
    attributes: dict[str, str]  # the policy's own inputs as stored (Decimal text)
    ratings: dict[str, int | None]
    pipeline_stage: str | None
    expected_signing_date: date | None
    added_at: datetime
    contacts: tuple[ContactView, ...]


@dataclass(frozen=True, slots=True)
class Similar:
    """A customer that may be the one about to be created (客户查重). One the asker may see has its
    id and name; another's only its owner's name (None: unassigned), nothing of the customer."""

    customer_id: int | None
    name: str | None
    owner: str | None


def similar(session: Session, account: Account, name: str, *, limit: int = 5) -> list[Similar]:
    """Existing customers of the whole organisation named like `name` (names and short forms,
    not contacts): two reps should not chase one customer. The asker's own first; of the others
    one line per owner, so a name says no more than "already a customer of <owner>"."""
    found = [c.customer_id for c in book.names(session).same_name(name, limit)]
    if not found:
        return []
    rows = session.exec(
        select(Customer.id, Customer.name, User.name, customer_scope(account))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(col(Customer.id).in_(found))
    ).all()
    names = {cid: name for cid, name, _, _ in rows}
    owners = {cid: owner for cid, _, owner, _ in rows}
    visible = {cid for cid, _, _, seen in rows if seen}
    mine = [Similar(cid, names[cid], owners.get(cid)) for cid in found if cid in visible]
    others: dict[str | None, Similar] = {}
    for cid in found:
        if cid not in visible:
            others.setdefault(owners.get(cid), Similar(None, None, owners.get(cid)))
    return mine + list(others.values())


def validate_new(values: NewCustomer) -> NewCustomer:
    name = " ".join(values.name.split())
    if not name:
        raise InvalidInput("empty_name")
    if len(name) > 200:
        raise InvalidInput("name_too_long")
    if values.stage not in STAGES:
        raise InvalidInput("bad_stage", value=values.stage)
    phone = values.phone.strip() if values.phone else None
    try:
        parse_phone(phone or "", values.region or "CN")
    except BadValue:
        raise InvalidInput("bad_phone", value=(phone or "")[:40]) from None
    contact = " ".join(values.contact_name.split())[:200] if values.contact_name else None
    return NewCustomer(
        name,
        values.stage,
        contact or None,
        phone or None,
        values.company,
        values.region,
        values.language,
        values.attributes,
    )


def create(session: Session, account: Account, values: NewCustomer, now: datetime) -> int:
    """A new customer owned by `account`, with its primary contact when one was given. Unless
    told otherwise it speaks the rep's language and lives in the rep's region (holidays and
    greetings follow both)."""
    values = validate_new(values)
    rep = session.get(User, account.id)
    customer = Customer(
        name=values.name,
        company=values.company,
        stage=values.stage,
        owner_id=account.id,
        added_at=now,
        region=(values.region or (rep.country if rep else None) or "CN").upper()[:2],
        language=values.language or account.language,
        attributes=dict(values.attributes),
    )
    session.add(customer)
    session.flush()
    if values.contact_name or values.phone:
        session.add(
            Contact(
                customer_id=customer.id or 0,
                name=values.contact_name or values.name,
                phone=values.phone,
                is_primary=True,
            )
        )
    audit.record(session, actor_id=account.id, action="customer.create", now=now, target=f"customer:{customer.id}")
    session.flush()
    return customer.id or 0


def is_phone(text: str) -> bool:
    return bool(_PHONE.match((text or "").strip()))


def create_and_tier(session: Session, account: Account, values: NewCustomer, as_of: AsOf) -> int:
    """A new customer (the rep's own, with the defaults of `create`), its first tiers assigned,
    and every cached index told once committed — one transaction (➕ Create on a log card)."""
    customer_id = create(session, account, values, as_of.now)
    retier_customer(session, as_of, customer_id)
    book.invalidate_on_commit(session)
    return customer_id


def get(session: Session, account: Account, customer_id: int, currency: str = "CNY") -> CustomerView:
    """The customer if `account` may see it; NotFound otherwise (the two are not told apart)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.archived or not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    owner = session.get(User, customer.owner_id) if customer.owner_id else None
    manager = session.get(User, customer.account_manager_id) if customer.account_manager_id else None
    contacts = session.exec(
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(col(Contact.is_primary).desc(), col(Contact.id))
    ).all()
    return CustomerView(
        id=customer_id,
        name=customer.name,
        company=customer.company,
        industry=customer.industry,
        stage=customer.stage,
        owner_id=customer.owner_id,
        owner_name=owner.name if owner else None,
        account_manager_name=manager.name if manager else None,
        region=customer.region,
        timezone=customer.timezone,
        language=customer.language,
        contract_start=customer.contract_start,
        customer_since=customer.customer_since,
        notes=customer.notes,
        attributes=dict(customer.attributes or {}),
        annual_revenue=from_minor(customer.annual_revenue_minor, customer.annual_revenue_currency or currency)
        if customer.annual_revenue_minor
        else None,
        ratings={name: getattr(customer, name) for name in RATINGS},
        pipeline_stage=customer.pipeline_stage,
        expected_signing_date=customer.expected_signing_date,
        added_at=customer.added_at,
        contacts=tuple(
            ContactView(c.id or 0, c.name, c.title, c.phone, c.email, c.wechat, c.birthday, c.is_primary)
            for c in contacts
        ),
    )


def name_of(session: Session, account: Account, customer_id: int) -> str:
    """The customer's name if `account` may see it; NotFound otherwise."""
    return get(session, account, customer_id).name


def name_or_none(session: Session, account: Account, customer_id: int) -> str | None:
    """As `name_of`, None for a customer gone or out of sight."""
    try:
        return name_of(session, account, customer_id)
    except NotFound:
        return None


def edit_field(
    session: Session,
    account: Account,
    customer_id: int,
    field: str,
    text: str,
    *,
    as_of: AsOf,
    currency: str,
) -> None:
    """Validate and store one field (attr:<name>: one of `policy`'s own inputs), re-tier the
    customer when the field can move tiers, and tell every cached index once committed — one
    transaction."""
    get(session, account, customer_id)  # visibility
    inputs = {item.name for item in as_of.policy.inputs}
    if field not in EDITABLE and field.removeprefix(ATTRIBUTE) not in inputs:
        raise InvalidInput("bad_field", value=field)
    customer = session.get(Customer, customer_id)
    assert customer is not None
    text = text.strip()
    if field.startswith(ATTRIBUTE):
        customer.attributes = _edit_attribute(customer.attributes or {}, field.removeprefix(ATTRIBUTE), text)
        session.add(customer)
    elif field.startswith("contact_") or field in ("phone", "email", "wechat", "birthday"):
        _edit_contact(session, customer, field, text)
    else:
        value = _parse_field(field, text, currency)
        if field == "annual_revenue":
            customer.annual_revenue_minor, customer.annual_revenue_currency = value, currency if value else None
        else:
            setattr(customer, field, value)
        session.add(customer)
    audit.record(
        session,
        actor_id=account.id,
        action="customer.edit",
        now=as_of.now,
        target=f"customer:{customer_id}",
        field=field,
    )
    session.flush()
    if field in TIER_FIELDS or field.startswith(ATTRIBUTE):
        retier_customer(session, as_of, customer_id)
    book.invalidate_on_commit(session)  # a name, company or contact changes what searches find


def parse_input(text: str) -> str | None:
    """A policy input typed in chat: a number (50000, 5万, 3), as Decimal text; None to clear."""
    if text.strip() in ("-", "—", ""):
        return None
    try:
        return parse_attribute(text.strip())
    except ValueError:
        raise InvalidInput("bad_number", value=text[:40]) from None


def _edit_attribute(attributes: dict[str, str], name: str, text: str) -> dict[str, str]:
    value = parse_input(text)
    changed = {k: v for k, v in attributes.items() if k != name}
    return changed | ({name: value} if value is not None else {})


def _parse_field(field: str, text: str, currency: str) -> Any:
    clear = text in ("-", "—", "")
    try:
        if field in RATINGS:
            return None if clear else parse_rating(text)
        if field in ("expected_signing_date", "contract_start", "customer_since"):
            return None if clear else parse_date(text)
        if field == "annual_revenue":
            amount = None if clear else parse_amount(text)
            return to_minor(amount, currency) if amount is not None else None
    except ValueError:
        raise InvalidInput(
            f"bad_{'rating' if field in RATINGS else 'amount' if field == 'annual_revenue' else 'date'}",
            value=text[:40],
        ) from None
    if field == "stage":
        if text not in STAGES:
            raise InvalidInput("bad_stage", value=text[:40])
        return text
    if field == "pipeline_stage":
        if text not in PIPELINE_STAGES and not clear:
            raise InvalidInput("bad_pipeline_stage", value=text[:40])
        return None if clear else text
    if field == "timezone":
        try:
            return None if clear else check_timezone(text)
        except ValueError:
            raise InvalidInput("bad_timezone", value=text[:64]) from None
    if field == "language":
        if text not in ("zh", "en", "-"):
            raise InvalidInput("bad_language")
        return None if clear else text
    if field == "name":
        if clear or len(text) > 200:
            raise InvalidInput("empty_name")
        return " ".join(text.split())
    if field == "notes":
        return None if clear else text[:4000]
    return None if clear else text[:300]


def _edit_contact(session: Session, customer: Customer, field: str, text: str) -> None:
    contact = session.exec(select(Contact).where(Contact.customer_id == customer.id, Contact.is_primary)).first()
    if contact is None:
        contact = Contact(customer_id=customer.id or 0, name=customer.name, is_primary=True)
    clear = text in ("-", "—", "")
    try:  # the import's checks (email-validator, Chinese mobile numbers): one rule for both paths
        if field == "phone" and not clear:
            parse_phone(text, customer.region)
        if field == "email" and not clear:
            parse_email(text)
    except BadValue:
        raise InvalidInput(f"bad_{field}", value=text[:60]) from None
    if field == "birthday" and not clear:
        try:
            contact.birthday = parse_date(text)
        except ValueError:
            raise InvalidInput("bad_date", value=text[:40]) from None
    elif field == "birthday":
        contact.birthday = None
    else:
        column = {"contact_name": "name", "contact_title": "title"}.get(field, field)
        if column == "name" and clear:
            raise InvalidInput("empty_name")
        setattr(contact, column, None if clear else text[:200])
    session.add(contact)
