"""Export what an account may see: an XLSX workbook (customers with every tier per model,
cadence status and owner; interactions; feedback; opportunities — expected money, kept apart) and the customers sheet as a CSV.

The customers sheet is written so that importing it again restores every customer field: its
headers and values are words the importer knows (see core.importer), and the columns it cannot
take back (tiers, cadence) carry headers the importer ignores. Words come from the caller
(`ExportLabels`, read from the templates' strings), so core says nothing in any language.
openpyxl's write-only mode streams rows instead of building cells in memory. Every text cell is
written as a string cell, quoted where a spreadsheet would run it as a formula (core.spreadsheet),
in the XLSX and in the CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from core.accounts import Account
from core.facts import load_cadence_facts, load_facts
from core.models import Contact, Customer, Feedback, Interaction, Opportunity, User
from core.money import from_minor
from core.spreadsheet import quote_formula
from core.tiering import Policy, cadence_of_assigned, evaluate_one
from core.tiers import STATS
from core.visibility import customer_scope

CUSTOMER_FIELDS = ("external_id", "name", "company", "owner", "stage", "industry", "region", "timezone", "language",
                   "contact_name", "contact_title", "contact_phone", "contact_email", "birthday", "contract_start",
                   "annual_revenue", "potential", "influence", "intention", "expectation", "satisfaction",
                   "pipeline_stage", "expected_signing_date")
CADENCE_FIELDS = ("cadence", "next_due", "next_visit_due", "days_overdue")
INTERACTION_FIELDS = ("external_id", "customer", "customer_ref", "occurred_at", "kind", "amount", "currency",
                      "summary", "rep")
FEEDBACK_FIELDS = ("customer", "created_at", "kind", "status", "severity", "text", "resolution", "resolved_at", "rep")
# expected money, apart from the interactions' booked amounts: never to be added to revenue
OPPORTUNITY_FIELDS = ("customer", "title", "expected_amount", "currency", "expected_signing_date", "stage", "status",
                      "lost_reason", "created_at", "updated_at", "rep")
CHUNK = 5000


@dataclass(frozen=True)
class ExportLabels:
    """Headers and value words in the reader's language."""

    sheets: dict[str, str]  # customers | interactions | feedback → sheet name
    customers: dict[str, str]  # field → header (CUSTOMER_FIELDS + CADENCE_FIELDS)
    interactions: dict[str, str]
    feedback: dict[str, str]
    tier_header: str  # "Tier: {model}"
    # stage | pipeline_stage | kind | feedback_kind | status | severity | cadence | opportunity_status
    values: dict[str, dict[str, str]]
    opportunities: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Export:
    xlsx: bytes
    customers_csv: bytes
    customers: int
    interactions: int
    feedback: int


def export_book(session: Session, account: Account, policy: Policy, now: datetime, *, org_timezone: str,
                currency: str, lang: str, labels: ExportLabels) -> Export:
    from openpyxl import Workbook  # imported here: only an export pays for it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    zone = ZoneInfo(org_timezone)
    customers = list(_customer_rows(session, account, policy, now, org_timezone, currency, lang, labels))
    model_headers = [labels.tier_header.format(model=model.name.get(lang)) for model in policy.models]
    customer_header = [labels.customers[f] for f in CUSTOMER_FIELDS] + model_headers + \
                      [labels.customers[f] for f in CADENCE_FIELDS]

    workbook = Workbook(write_only=True)

    def append(sheet: Any, row: list[Any]) -> None:
        """Every text a string cell: openpyxl types text starting with = as a formula (quoting
        took that away) and "#N/A" and the like as errors (those get a cell typed by hand; a
        cell per value would make the whole export half again as slow)."""
        cells = []
        for value in row:
            if isinstance(value, str):
                value = quote_formula(value)
                if value in ERROR_CODES:
                    value = WriteOnlyCell(sheet, value)
                    value.data_type = "s"
            cells.append(value)
        sheet.append(cells)

    sheet = workbook.create_sheet(labels.sheets["customers"])
    append(sheet, customer_header)
    for row in customers:
        append(sheet, row)
    sheet = workbook.create_sheet(labels.sheets["interactions"])
    append(sheet, [labels.interactions[f] for f in INTERACTION_FIELDS])
    interactions = 0
    for row in _interaction_rows(session, account, zone, currency, labels):
        append(sheet, row)
        interactions += 1
    sheet = workbook.create_sheet(labels.sheets["feedback"])
    append(sheet, [labels.feedback[f] for f in FEEDBACK_FIELDS])
    feedback = 0
    for row in _feedback_rows(session, account, zone, labels):
        append(sheet, row)
        feedback += 1
    sheet = workbook.create_sheet(labels.sheets["opportunities"])
    sheet.append([labels.opportunities[f] for f in OPPORTUNITY_FIELDS])
    for row in _opportunity_rows(session, account, zone, labels):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(buffer.getvalue(), _csv([customer_header, *customers]), len(customers), interactions, feedback)


def _csv(rows: Iterable[list[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else
                         quote_formula(v) if isinstance(v, str) else v for v in row])
    return ("\ufeff" + text.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 Chinese right


def _customer_rows(session: Session, account: Account, policy: Policy, now: datetime, org_timezone: str,
                   currency: str, lang: str, labels: ExportLabels) -> Iterator[list[Any]]:
    c = Customer
    statement = (select(c, User.name).outerjoin(User, User.id == c.owner_id)
                 .where(customer_scope(account), c.archived.is_(False), c.merged_into_id.is_(None))  # type: ignore[attr-defined,union-attr]
                 .order_by(c.id))
    rows = session.exec(statement).all()
    ids = [customer.id or 0 for customer, _ in rows]
    contacts = _primary_contacts(session, ids)
    tiers, cadences = _tiers_and_cadence(session, policy, now, org_timezone, ids)
    stage_words, pipeline_words = labels.values["stage"], labels.values["pipeline_stage"]
    cadence_words = labels.values["cadence"]
    for customer, owner in rows:
        contact = contacts.get(customer.id or 0)
        served = tiers.get(customer.id or 0, {})
        cadence = cadences.get(customer.id or 0)
        yield [
            customer.external_id, customer.name, customer.company, owner, stage_words.get(customer.stage, customer.stage),
            customer.industry, customer.region, customer.timezone, customer.language,
            contact.name if contact else None, contact.title if contact else None,
            contact.phone if contact else None, contact.email if contact else None,
            contact.birthday if contact else None, customer.contract_start,
            from_minor(customer.annual_revenue_minor, currency) if customer.annual_revenue_minor is not None else None,
            customer.potential, customer.influence, customer.intention, customer.expectation, customer.satisfaction,
            pipeline_words.get(customer.pipeline_stage or "", customer.pipeline_stage),
            customer.expected_signing_date,
            *[_tier_name(policy, model.code, served.get(model.code), lang) for model in policy.models],
            cadence_words.get(cadence.status, cadence.status) if cadence else None,
            cadence.next_due if cadence else None, cadence.next_visit_due if cadence else None,
            cadence.days_overdue if cadence else None,
        ]


def _tier_name(policy: Policy, model: str, tier: str | None, lang: str) -> str | None:
    if tier is None:
        return None
    spec = policy.tier(model, tier)
    return spec.name.get(lang) if spec else tier


def _tiers_and_cadence(session: Session, policy: Policy, now: datetime, org_timezone: str,
                       ids: list[int]) -> tuple[dict[int, dict[str, str]], dict[int, Any]]:
    """Each customer's served tiers (assigned, else live) and cadence, as the card shows them:
    from the stored tiers where they cover every model, else by evaluating the customer."""
    facts = load_cadence_facts(session, policy, now, org_timezone=org_timezone, customer_ids=ids)
    tiers: dict[int, dict[str, str]] = {}
    cadences: dict[int, Any] = {}
    missing = []
    for fact, cadence in zip(facts, cadence_of_assigned(facts, policy, now), strict=True):
        if cadence is None:
            missing.append(fact.id)
            continue
        tiers[fact.id], cadences[fact.id] = dict(fact.assigned_tiers), cadence
    if missing:
        stats = STATS.get(session, policy, now, org_timezone)
        for fact in load_facts(session, policy, now, org_timezone=org_timezone, customer_ids=missing):
            result = evaluate_one(fact, stats, policy, now)
            tiers[fact.id], cadences[fact.id] = result.tiers, result.cadence
    return tiers, cadences


def _primary_contacts(session: Session, ids: list[int]) -> dict[int, Contact]:
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        statement = select(Contact).where(Contact.customer_id.in_(chunk)).order_by(  # type: ignore[attr-defined]
            Contact.is_primary.desc(), Contact.id)  # type: ignore[attr-defined]
        for contact in session.exec(statement).all():
            found.setdefault(contact.customer_id, contact)
    return found


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Spreadsheets know no timezones: local wall time of the organisation, seconds precision."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else None


def _interaction_rows(session: Session, account: Account, zone: ZoneInfo, currency: str,
                      labels: ExportLabels) -> Iterator[list[Any]]:
    i, c = Interaction, Customer
    statement = (select(i.external_id, c.name, c.external_id, i.occurred_at, i.kind, i.amount_minor, i.currency,
                        i.summary, User.name)
                 .join(c, c.id == i.customer_id).outerjoin(User, User.id == i.rep_id)
                 .where(customer_scope(account)).order_by(i.occurred_at, i.id))
    kinds = labels.values["kind"]
    for external, name, customer_ref, occurred_at, kind, amount, row_currency, summary, rep in \
            session.execute(statement).yield_per(CHUNK):
        money: Decimal | None = from_minor(amount, row_currency or currency) if amount is not None else None
        yield [external, name, customer_ref, _local(occurred_at, zone), kinds.get(kind, kind), money,
               row_currency if amount is not None else None, summary, rep]


def _feedback_rows(session: Session, account: Account, zone: ZoneInfo, labels: ExportLabels) -> Iterator[list[Any]]:
    f, c = Feedback, Customer
    statement = (select(c.name, f.created_at, f.kind, f.status, f.severity, f.text, f.resolution, f.resolved_at,
                        User.name)
                 .join(c, c.id == f.customer_id).outerjoin(User, User.id == f.rep_id)
                 .where(customer_scope(account)).order_by(f.created_at, f.id))
    kinds, statuses, severities = (labels.values[k] for k in ("feedback_kind", "status", "severity"))
    for name, created_at, kind, status, severity, text, resolution, resolved_at, rep in session.execute(statement):
        yield [name, _local(created_at, zone), kinds.get(kind, kind), statuses.get(status, status),
               severities.get(severity, severity), text, resolution, _local(resolved_at, zone), rep]



def _opportunity_rows(session: Session, account: Account, zone: ZoneInfo, labels: ExportLabels) -> Iterator[list[Any]]:
    o, c = Opportunity, Customer
    statement = (select(c.name, o.title, o.amount_minor, o.currency, o.expected_signing_date, o.stage, o.status,
                        o.lost_reason, o.created_at, o.updated_at, User.name)
                 .join(c, c.id == o.customer_id).outerjoin(User, User.id == o.rep_id)
                 .where(customer_scope(account)).order_by(o.created_at, o.id))
    stages, statuses = labels.values["pipeline_stage"], labels.values["opportunity_status"]
    for name, title, amount, currency, signing, stage, status, reason, created_at, updated_at, rep in \
            session.execute(statement):
        money = from_minor(amount, currency or "CNY") if amount is not None else None
        yield [name, title, money, currency if amount is not None else None, signing,
               stages.get(stage or "", stage), statuses.get(status, status), reason, _local(created_at, zone),
               _local(updated_at, zone), rep]
