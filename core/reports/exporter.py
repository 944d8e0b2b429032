"""Export what an account may see as a workbook a manager can filter, and the customers as a CSV.

Sheets: customers (per customer: owner, the tier under each model with its live score, 12-month
booked revenue and open expected revenue in the policy's base currency, last contact, next due
and its status, open follow-ups and complaints, then every field of the record), interactions
(newest first, with their ids), feedback, opportunities (expected money, kept apart from the
booked amounts). Each sheet has a frozen header row, an autofilter over its rows, column widths
read from its headers and first rows, and number and date formats on its figures.

The customers sheet imports back as it is: its record columns carry headers and words the
importer knows (see core.imports.importer), and the columns it cannot take back (tiers, scores, cadence,
the computed figures) headers it names as computed and reads nothing from. Words come from the
caller (`ExportLabels`, read from the templates' strings), so core says nothing in any language.
openpyxl's write-only mode streams rows instead of building cells in memory. Every text cell is
a string cell, quoted where a spreadsheet would run it as a formula (core.spreadsheet), in the
XLSX and in the CSV.

Telegram takes files up to 50 MB: a workbook over `MAX_FILE_BYTES` comes as one workbook per
sheet, a sheet still over it in parts of rows (written again, as many rows per part as its size
says fit), and a CSV over it zipped (`Export.split` says so).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa  # sa.select: Core rows (sqlmodel's select() types at most 4 model columns)
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.accounts import Account
from core.as_of import AsOf
from core.models import Contact, Customer, CustomerAlias, Feedback, FollowUp, Interaction, Opportunity, User
from core.money import from_minor
from core.spreadsheet import quote_formula
from core.tier_records.fact_queries import load_facts
from core.tier_records.retier import STATS
from core.tiering import Policy, evaluate_one
from core.tiering.money import to_base
from core.visibility import customer_scope

# The record: what an import reads back (headers the importer knows), then the policy's own inputs.
CUSTOMER_FIELDS = (
    "external_id",
    "name",
    "company",
    "aliases",
    "owner",
    "stage",
    "industry",
    "region",
    "timezone",
    "language",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_email",
    "birthday",
    "contract_start",
    "customer_since",
    "annual_revenue",
    "potential",
    "influence",
    "intention",
    "expectation",
    "satisfaction",
    "pipeline_stage",
    "expected_signing_date",
    "notes",
)
# What the bot works out (read-only on import): after the tier and score of each model.
FIGURE_FIELDS = ("booked_revenue", "open_expected", "last_contact")
CADENCE_FIELDS = ("cadence", "next_due", "next_visit_due", "days_overdue", "open_followups", "open_complaints")
INTERACTION_FIELDS = (
    "id",
    "external_id",
    "customer",
    "customer_ref",
    "occurred_at",
    "kind",
    "amount",
    "currency",
    "summary",
    "rep",
)
FEEDBACK_FIELDS = ("customer", "created_at", "kind", "status", "severity", "text", "resolution", "resolved_at", "rep")
# expected money, apart from the interactions' booked amounts: never to be added to revenue
OPPORTUNITY_FIELDS = (
    "customer",
    "title",
    "expected_amount",
    "currency",
    "expected_signing_date",
    "stage",
    "status",
    "lost_reason",
    "created_at",
    "updated_at",
    "rep",
)
SHEETS = ("customers", "interactions", "feedback", "opportunities")
CHUNK = 5000
MAX_FILE_BYTES = 49 * 1024 * 1024  # Telegram's bots send documents up to 50 MB
WIDTH_SAMPLE = 200  # rows read for the column widths
MIN_WIDTH, MAX_WIDTH = 6, 60
# number formats: money with separators and cents, scores with two decimals, dates and instants;
# whole numbers (ids, counts, ratings, days) read right in General and cost no styled cell
MONEY, SCORE, DAY, MOMENT = "#,##0.00", "0.00", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
INTEGER = None


@dataclass(frozen=True)
class ExportLabels:
    """Headers and value words in the reader's language."""

    sheets: dict[str, str]  # customers | interactions | feedback | opportunities → sheet name
    customers: dict[str, str]  # field → header (CUSTOMER_FIELDS + FIGURE_FIELDS + CADENCE_FIELDS)
    interactions: dict[str, str]
    feedback: dict[str, str]
    tier_header: str  # "Tier: {model}"
    # stage | pipeline_stage | kind | feedback_kind | status | severity | cadence | opportunity_status
    values: dict[str, dict[str, str]]
    opportunities: dict[str, str] = field(default_factory=dict)
    score_header: str = "Score: {model}"
    list_separator: str = ", "  # between a customer's aliases


@dataclass(frozen=True)
class ExportFile:
    """One file to send: the whole workbook (`sheet` None), one sheet's workbook (part `part` of
    `parts`), or the customers CSV (`zipped` when it had to be)."""

    kind: str  # workbook | customers_csv
    content: bytes
    sheet: str | None = None
    part: int = 1
    parts: int = 1
    zipped: bool = False


@dataclass(frozen=True)
class Export:
    files: list[ExportFile]
    customers: int
    interactions: int
    feedback: int
    split: bool = False  # the book was over the size limit: one workbook per sheet, parts, a zip

    @property
    def xlsx(self) -> bytes:
        """The whole workbook (when it came in one piece)."""
        return next(f.content for f in self.files if f.kind == "workbook" and f.sheet is None)

    @property
    def customers_csv(self) -> bytes:
        return next(f.content for f in self.files if f.kind == "customers_csv")


@dataclass
class _Sheet:
    """One sheet's header, the number format of each column (None: as written) and its rows."""

    key: str
    title: str
    header: list[str]
    formats: list[str | None]
    rows: Callable[[], Iterable[list[Any]]]  # called again for the parts of a split sheet
    count: int = 0


def export_book(
    session: Session,
    account: Account,
    as_of: AsOf,
    *,
    currency: str,
    lang: str,
    labels: ExportLabels,
    max_bytes: int | None = None,
) -> Export:
    limit = max_bytes or MAX_FILE_BYTES
    zone = as_of.zone
    customer_header, customer_formats = _customer_columns(as_of.policy, lang, labels)
    customers = list(_customer_rows(session, account, as_of, currency, lang, labels, zone))
    sheets = [
        _Sheet("customers", labels.sheets["customers"], customer_header, customer_formats, lambda: customers),
        _Sheet(
            "interactions",
            labels.sheets["interactions"],
            [labels.interactions[f] for f in INTERACTION_FIELDS],
            [INTEGER, None, None, None, MOMENT, None, MONEY, None, None, None],
            lambda: _interaction_rows(session, account, zone, currency, labels),
        ),
        _Sheet(
            "feedback",
            labels.sheets["feedback"],
            [labels.feedback[f] for f in FEEDBACK_FIELDS],
            [None, MOMENT, None, None, None, None, None, MOMENT, None],
            lambda: _feedback_rows(session, account, zone, labels),
        ),
        _Sheet(
            "opportunities",
            labels.sheets["opportunities"],
            [labels.opportunities[f] for f in OPPORTUNITY_FIELDS],
            [None, None, MONEY, None, DAY, None, None, None, MOMENT, MOMENT, None],
            lambda: _opportunity_rows(session, account, zone, labels),
        ),
    ]
    whole = _workbook(sheets)
    split = len(whole) > limit
    files = [ExportFile("workbook", whole)]
    if split:  # each sheet a workbook of its own, in parts of rows where it is still too large
        files = [
            ExportFile("workbook", content, sheet.key, index, len(parts))
            for sheet in sheets
            for parts in [_sheet_parts(sheet, limit)]
            for index, content in enumerate(parts, 1)
        ]
    table = _csv([customer_header, *customers])
    if len(table) > limit:
        split = True
        files.append(ExportFile("customers_csv", _zipped(table), zipped=True))
    else:
        files.append(ExportFile("customers_csv", table))
    counts = {sheet.key: sheet.count for sheet in sheets}
    return Export(files, len(customers), counts["interactions"], counts["feedback"], split)


# --- writing workbooks ----------------------------------------------------------------------------------


def _workbook(sheets: list[_Sheet], rows: dict[str, Iterable[list[Any]]] | None = None) -> bytes:
    """The sheets as one workbook (`rows` in place of a sheet's own, for a part)."""
    from openpyxl import Workbook  # imported here: only an export pays for it

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        sheet.count = _write_sheet(
            workbook.create_sheet(sheet.title), sheet, rows[sheet.key] if rows is not None else sheet.rows()
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(target: Any, sheet: _Sheet, rows: Iterable[list[Any]]) -> int:
    """Header frozen, widths from the header and the first rows, formats on figures, an
    autofilter over everything written; every text a string cell. How many rows."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.utils import get_column_letter

    iterator = iter(rows)
    first = [row for _, row in zip(range(WIDTH_SAMPLE), iterator)]
    for index, header in enumerate(sheet.header):
        width = max(
            [_display_width(header)] + [_display_width(_shown(row[index])) for row in first if index < len(row)]
        )
        target.column_dimensions[get_column_letter(index + 1)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    target.freeze_panes = "A2"
    formats = sheet.formats

    def cells(row: list[Any]) -> list[Any]:
        """Figures get their number format; text a string cell: openpyxl types text starting
        with = as a formula (quoting took that away) and "#N/A" and the like as errors (those get
        a cell typed by hand)."""
        out = []
        for value, number_format in zip(row, formats):
            if isinstance(value, str):
                value = quote_formula(value)
                if value in ERROR_CODES:
                    value = WriteOnlyCell(target, value)
                    value.data_type = "s"
            elif value is not None and number_format is not None:
                value = WriteOnlyCell(target, value)
                value.number_format = number_format
            out.append(value)
        return out

    target.append([quote_formula(h) for h in sheet.header])
    count = 0
    for row in first:
        target.append(cells(row))
        count += 1
    for row in iterator:
        target.append(cells(row))
        count += 1
    target.auto_filter.ref = f"A1:{get_column_letter(max(1, len(sheet.header)))}{count + 1}"
    return count


def _sheet_parts(sheet: _Sheet, limit: int) -> list[bytes]:
    """One sheet as its own workbook; over `limit`, written again in parts of rows, as many per
    part as its size says fit (rows streamed: only one part's rows are held at a time)."""
    whole = _workbook([sheet])
    if len(whole) <= limit or sheet.count <= 1:
        return [whole]
    per_part = max(1, int(sheet.count * 0.9 * limit / len(whole)))
    parts, batch, total = [], [], 0
    for row in sheet.rows():
        batch.append(row)
        if len(batch) == per_part:
            parts.append(_workbook([sheet], {sheet.key: batch}))
            total, batch = total + len(batch), []
    if batch or not parts:
        parts.append(_workbook([sheet], {sheet.key: batch}))
        total += len(batch)
    sheet.count = total
    return parts


def _display_width(text: str) -> int:
    """Columns a text takes: Chinese (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "2026-01-01 00:00"
    if isinstance(value, date):
        return "2026-01-01"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return str(value)[:MAX_WIDTH]


def _csv(rows: Iterable[list[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(
            [
                ""
                if v is None
                else v.isoformat(sep=" ")
                if isinstance(v, datetime)
                else v.isoformat()
                if isinstance(v, date)
                else quote_formula(v)
                if isinstance(v, str)
                else v
                for v in row
            ]
        )
    return ("\ufeff" + text.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 Chinese right


def _zipped(content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customers.csv", content)
    return buffer.getvalue()


# --- the customers sheet ---------------------------------------------------------------------------------


def _customer_columns(policy: Policy, lang: str, labels: ExportLabels) -> tuple[list[str], list[str | None]]:
    """Headers and formats: who and what tier first (what a manager filters by), then the record."""
    base = policy.base_currency
    header = [labels.customers["external_id"], labels.customers["name"], labels.customers["owner"]]
    formats: list[str | None] = [None, None, None]
    for model in policy.models:
        name = model.name.get(lang)
        header += [labels.tier_header.format(model=name), labels.score_header.format(model=name)]
        formats += [None, SCORE]
    header += [
        labels.customers["booked_revenue"].format(currency=base),
        labels.customers["open_expected"].format(currency=base),
        labels.customers["last_contact"],
    ]
    formats += [MONEY, MONEY, MOMENT]
    header += [labels.customers[f] for f in CADENCE_FIELDS]
    formats += [None, DAY, DAY, INTEGER, INTEGER, INTEGER]
    record = [f for f in CUSTOMER_FIELDS if f not in ("external_id", "name", "owner")]
    header += [labels.customers[f] for f in record] + [item.label.get(lang) for item in policy.inputs]
    kinds = {
        "birthday": DAY,
        "contract_start": DAY,
        "customer_since": DAY,
        "expected_signing_date": DAY,
        "annual_revenue": MONEY,
        "potential": INTEGER,
        "influence": INTEGER,
        "intention": INTEGER,
        "expectation": INTEGER,
        "satisfaction": INTEGER,
    }
    formats += [kinds.get(f) for f in record] + [None] * len(policy.inputs)
    return header, formats


def _customer_rows(
    session: Session,
    account: Account,
    as_of: AsOf,
    currency: str,
    lang: str,
    labels: ExportLabels,
    zone: ZoneInfo,
) -> Iterator[list[Any]]:
    c = Customer
    statement = (
        select(c, col(User.name))
        .outerjoin(User, col(User.id) == col(c.owner_id))
        .where(customer_scope(account), col(c.archived).is_(False), col(c.merged_into_id).is_(None))
        .order_by(col(c.id))
    )
    rows = session.exec(statement).all()
    ids = [customer.id or 0 for customer, _ in rows]
    contacts = _primary_contacts(session, ids)
    alias_texts = _aliases(session, ids)
    expected = _open_expected(session, ids)
    followups = _open_followups(session, ids)
    facts = {f.id: f for f in load_facts(session, as_of, customer_ids=ids, with_occasions=False)}
    stats = STATS.get(session, as_of) if facts else None
    stage_words, pipeline_words = labels.values["stage"], labels.values["pipeline_stage"]
    cadence_words = labels.values["cadence"]
    for customer, owner in rows:
        cid = customer.id or 0
        contact = contacts.get(cid)
        fact = facts.get(cid)
        result = evaluate_one(fact, stats, as_of.policy, as_of.now) if fact is not None and stats is not None else None
        served = result.tiers if result is not None else {}
        models = result.models if result is not None else {}
        cadence = result.cadence if result is not None else None
        tiers: list[Any] = []
        for model in as_of.policy.models:
            live = models.get(model.code)
            tiers += [
                _tier_name(as_of.policy, model.code, served.get(model.code), lang),
                live.score if live is not None else None,
            ]
        attributes = customer.attributes or {}
        yield [
            customer.external_id,
            customer.name,
            owner,
            *tiers,
            to_base(fact.revenue_12m, as_of.policy.fx)[0] if fact is not None else None,
            to_base(expected[cid], as_of.policy.fx)[0] if cid in expected else None,
            _local(fact.last_contact_at, zone) if fact is not None else None,
            cadence_words.get(cadence.status, cadence.status) if cadence else None,
            cadence.next_due if cadence else None,
            cadence.next_visit_due if cadence else None,
            cadence.days_overdue if cadence else None,
            followups.get(cid, 0),
            fact.open_complaints if fact is not None else 0,
            customer.company,
            labels.list_separator.join(alias_texts.get(cid, [])) or None,
            stage_words.get(customer.stage, customer.stage),
            customer.industry,
            customer.region,
            customer.timezone,
            customer.language,
            contact.name if contact else None,
            contact.title if contact else None,
            contact.phone if contact else None,
            contact.email if contact else None,
            contact.birthday if contact else None,
            customer.contract_start,
            customer.customer_since,
            from_minor(customer.annual_revenue_minor, customer.annual_revenue_currency or currency)
            if customer.annual_revenue_minor is not None
            else None,
            customer.potential,
            customer.influence,
            customer.intention,
            customer.expectation,
            customer.satisfaction,
            pipeline_words.get(customer.pipeline_stage or "", customer.pipeline_stage),
            customer.expected_signing_date,
            customer.notes,
            *[_number(attributes.get(item.name)) for item in as_of.policy.inputs],
        ]


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text is not None else None
    except ArithmeticError:
        return None


def _tier_name(policy: Policy, model: str, tier: str | None, lang: str) -> str | None:
    if tier is None:
        return None
    spec = policy.tier(model, tier)
    return spec.name.get(lang) if spec else tier


def _primary_contacts(session: Session, ids: list[int]) -> dict[int, Contact]:
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        statement = (
            select(Contact)
            .where(col(Contact.customer_id).in_(chunk))
            .order_by(col(Contact.is_primary).desc(), col(Contact.id))
        )
        for contact in session.exec(statement).all():
            found.setdefault(contact.customer_id, contact)
    return found


def _aliases(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        statement = (
            select(CustomerAlias.customer_id, CustomerAlias.text)
            .where(col(CustomerAlias.customer_id).in_(ids[start : start + CHUNK]))
            .order_by(col(CustomerAlias.customer_id), col(CustomerAlias.id))
        )
        for cid, text in session.exec(statement).all():
            found.setdefault(cid, []).append(text)
    return found


def _open_expected(session: Session, ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Each customer's open opportunities: expected amounts by currency."""
    o = Opportunity
    found: dict[int, dict[str, Decimal]] = {}
    for start in range(0, len(ids), CHUNK):
        statement = (
            select(o.customer_id, o.currency, func.sum(o.amount_minor))
            .where(
                o.status == "open", col(o.amount_minor).is_not(None), col(o.customer_id).in_(ids[start : start + CHUNK])
            )
            .group_by(col(o.customer_id), col(o.currency))
        )
        for cid, row_currency, minor in session.exec(statement).all():
            assert minor is not None  # a sum over amounts that are all set
            found.setdefault(cid, {})[row_currency or "CNY"] = from_minor(int(minor), row_currency or "CNY")
    return found


def _open_followups(session: Session, ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        statement = (
            select(FollowUp.customer_id, func.count())
            .where(FollowUp.status == "open", col(FollowUp.customer_id).in_(ids[start : start + CHUNK]))
            .group_by(col(FollowUp.customer_id))
        )
        found.update({cid: int(n) for cid, n in session.exec(statement).all() if cid is not None})
    return found


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Spreadsheets know no timezones: local wall time of the organisation, seconds precision."""
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else None


# --- the other sheets --------------------------------------------------------------------------------------


def _interaction_rows(
    session: Session, account: Account, zone: ZoneInfo, currency: str, labels: ExportLabels
) -> Iterator[list[Any]]:
    """Newest first, each with its id (the one History and corrections speak of)."""
    i, c = Interaction, Customer
    statement = (
        sa.select(
            col(i.id),
            col(i.external_id),
            col(c.name),
            col(c.external_id),
            col(i.occurred_at),
            col(i.kind),
            col(i.amount_minor),
            col(i.currency),
            col(i.summary),
            col(User.name),
        )
        .join(c, col(c.id) == col(i.customer_id))
        .outerjoin(User, col(User.id) == col(i.rep_id))
        .where(customer_scope(account))
        .order_by(col(i.occurred_at).desc(), col(i.id).desc())
    )
    kinds = labels.values["kind"]
    rows: Iterable[Any] = session.execute(statement).yield_per(CHUNK)  # (Session.execute: untyped rows)
    for interaction_id, external, name, customer_ref, occurred_at, kind, amount, row_currency, summary, rep in rows:
        money: Decimal | None = from_minor(amount, row_currency or currency) if amount is not None else None
        yield [
            interaction_id,
            external,
            name,
            customer_ref,
            _local(occurred_at, zone),
            kinds.get(kind, kind),
            money,
            row_currency if amount is not None else None,
            summary,
            rep,
        ]


def _feedback_rows(session: Session, account: Account, zone: ZoneInfo, labels: ExportLabels) -> Iterator[list[Any]]:
    f, c = Feedback, Customer
    statement = (
        sa.select(
            col(c.name),
            col(f.created_at),
            col(f.kind),
            col(f.status),
            col(f.severity),
            col(f.text),
            col(f.resolution),
            col(f.resolved_at),
            col(User.name),
        )
        .join(c, col(c.id) == col(f.customer_id))
        .outerjoin(User, col(User.id) == col(f.rep_id))
        .where(customer_scope(account))
        .order_by(col(f.created_at), col(f.id))
    )
    kinds, statuses, severities = (labels.values[k] for k in ("feedback_kind", "status", "severity"))
    rows: Iterable[Any] = session.execute(statement)  # (Session.execute: untyped rows)
    for name, created_at, kind, status, severity, text, resolution, resolved_at, rep in rows:
        yield [
            name,
            _local(created_at, zone),
            kinds.get(kind, kind),
            statuses.get(status, status),
            severities.get(severity, severity),
            text,
            resolution,
            _local(resolved_at, zone),
            rep,
        ]


def _opportunity_rows(session: Session, account: Account, zone: ZoneInfo, labels: ExportLabels) -> Iterator[list[Any]]:
    o, c = Opportunity, Customer
    statement = (
        sa.select(
            col(c.name),
            col(o.title),
            col(o.amount_minor),
            col(o.currency),
            col(o.expected_signing_date),
            col(o.stage),
            col(o.status),
            col(o.lost_reason),
            col(o.created_at),
            col(o.updated_at),
            col(User.name),
        )
        .join(c, col(c.id) == col(o.customer_id))
        .outerjoin(User, col(User.id) == col(o.rep_id))
        .where(customer_scope(account))
        .order_by(col(o.created_at), col(o.id))
    )
    stages, statuses = labels.values["pipeline_stage"], labels.values["opportunity_status"]
    rows: Iterable[Any] = session.execute(statement)  # (Session.execute: untyped rows)
    for name, title, amount, currency, signing, stage, status, reason, created_at, updated_at, rep in rows:
        money = from_minor(amount, currency or "CNY") if amount is not None else None
        yield [
            name,
            title,
            money,
            currency if amount is not None else None,
            signing,
            stages.get(stage or "", stage),
            statuses.get(status, status),
            reason,
            _local(created_at, zone),
            _local(updated_at, zone),
            rep,
        ]
