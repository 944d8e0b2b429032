"""Import customers and interactions from CSV or XLSX (CRM exports), zh or en headers.

The whole file is read and validated first. By default a file with any bad row is refused as a
whole and nothing changes; with `skip_invalid` the valid rows are imported and the rest reported.
Importing the same file twice creates no duplicates: customers match by external id, else by
name + owner; interactions by external id, else by customer + kind + time + amount.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from core.models import INTERACTION_KINDS, PIPELINE_STAGES, STAGES, Contact, Customer, Interaction, User
from core.money import to_minor
from core.settings import check_timezone

MAX_ROWS = 200_000

# canonical column → accepted headers (compared case-insensitively, spaces and _ ignored)
CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "客户编号", "客户id", "编号", "account id", "crm id"),
    "name": ("name", "customer", "客户", "客户名称", "account name", "account"),
    "company": ("company", "公司名称", "公司全称", "company name", "full name"),
    "owner": ("owner", "负责人", "客户经理", "account owner", "sales rep"),
    "stage": ("stage", "阶段", "客户阶段", "status", "状态"),
    "industry": ("industry", "行业"),
    "region": ("region", "country", "地区", "国家"),
    "timezone": ("timezone", "时区", "time zone"),
    "language": ("language", "语言"),
    "contact_name": ("contact_name", "contact", "联系人", "contact name"),
    "contact_title": ("contact_title", "title", "职务", "职位", "contact title"),
    "contact_phone": ("contact_phone", "phone", "电话", "手机", "mobile", "contact phone"),
    "contact_email": ("contact_email", "email", "邮箱", "e-mail", "contact email"),
    "birthday": ("birthday", "生日", "contact birthday"),
    "contract_start": ("contract_start", "签约日期", "合作开始日期", "contract start", "customer since"),
    "annual_revenue": ("annual_revenue", "年交易额", "年营收", "annual revenue"),
    "potential": ("potential", "潜力"),
    "influence": ("influence", "影响力", "市场影响力"),
    "intention": ("intention", "意愿度", "签约意愿"),
    "expectation": ("expectation", "期望值"),
    "satisfaction": ("satisfaction", "满意度"),
    "pipeline_stage": ("pipeline_stage", "销售阶段", "签约进度", "pipeline stage"),
    "expected_signing_date": ("expected_signing_date", "预计签约日期", "签约时间", "expected close date", "close date"),
}
INTERACTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "编号", "记录编号"),
    "customer": ("customer", "客户", "客户名称", "customer id", "客户编号", "account"),
    "kind": ("kind", "type", "类型", "方式"),
    "occurred_at": ("occurred_at", "date", "time", "日期", "时间", "发生时间"),
    "amount": ("amount", "金额"),
    "currency": ("currency", "币种", "货币"),
    "summary": ("summary", "note", "notes", "内容", "摘要", "备注"),
}
_STAGE_WORDS = {"待签约": "prospect", "潜在": "prospect", "服务中": "active", "已签约": "active",
                "customer": "active", "流失": "lost", "已流失": "lost"}
_KIND_WORDS = {"电话": "call", "拜访": "visit", "会面": "meeting", "会议": "meeting", "消息": "message",
               "微信": "message", "邮件": "email", "成交": "deal", "签约": "deal", "问候": "greeting",
               "备注": "note", "其他": "other"}


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    created_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, no header, too many rows)."""


# --- reading ---------------------------------------------------------------------------------


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (line number, cells) of a CSV or XLSX file; blank rows are skipped."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ""):
        rows = _csv_rows(path.read_bytes())
    else:
        raise ImportFileError(f"{path.name}: not a CSV or XLSX file")
    numbered = [(i, [_cell(c) for c in row]) for i, row in enumerate(rows, start=1)]
    numbered = [(i, row) for i, row in numbered if any(row)]
    if not numbered:
        raise ImportFileError(f"{path.name}: the file is empty")
    (_, headers), body = numbered[0], numbered[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError(f"{path.name}: {len(body)} rows is more than {MAX_ROWS}")
    return headers, body


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ImportFileError("the file is neither UTF-8 nor GBK text")
    if "\x00" in text:
        raise ImportFileError("the file looks binary, not CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook  # imported here: only XLSX imports pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken file
        raise ImportFileError(f"{path.name}: not a readable XLSX file ({type(exc).__name__})") from None
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def map_headers(headers: list[str], columns: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], list[str]]:
    """canonical name → column index, plus warnings for unknown and duplicate columns."""
    lookup = {_norm(alias): name for name, aliases in columns.items() for alias in aliases}
    mapping: dict[str, int] = {}
    warnings = []
    for index, header in enumerate(headers):
        name = lookup.get(_norm(header))
        if name is None:
            if header:
                warnings.append(f"unknown column {header!r} ignored")
        elif name in mapping:
            warnings.append(f"column {header!r} repeats {name!r}; the first one is used")
        else:
            mapping[name] = index
    return mapping, warnings


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower().lstrip("\ufeff"))


# --- field parsers (each raises ValueError with the reason) ----------------------------------


def parse_date(text: str) -> date | None:
    if not text:
        return None
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    cleaned = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", r"\1-\2-\3", cleaned)
    try:
        return datetime.fromisoformat(cleaned).date()
    except ValueError:
        parts = cleaned.split(" ")[0].split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def parse_instant(text: str, zone: ZoneInfo) -> datetime:
    """ISO date or datetime; without an offset it is local time in `zone`; a date is noon."""
    if not text:
        raise ValueError("the time is missing")
    cleaned = text.strip().replace("/", "-")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        moment = datetime.combine(parse_date(cleaned) or date.min, time(12, 0))
    if len(cleaned) <= 10 and ":" not in cleaned:
        moment = datetime.combine(moment.date(), time(12, 0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_rating(text: str) -> int | None:
    if not text:
        return None
    try:
        value = int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{text!r} is not a rating from 1 to 5") from None
    if not 1 <= value <= 5 or Decimal(text) != value:
        raise ValueError(f"{text!r} is not a rating from 1 to 5")
    return value


def parse_amount(text: str) -> Decimal | None:
    if not text:
        return None
    cleaned = re.sub(r"[,\s¥￥$€£]|CNY|RMB|USD|元", "", text, flags=re.I)
    multiplier = Decimal(1)
    if cleaned.endswith("万"):
        cleaned, multiplier = cleaned[:-1], Decimal(10_000)
    try:
        amount = Decimal(cleaned) * multiplier
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e13"):
        raise ValueError(f"{text!r} is not a plausible amount")
    return amount


def _choice(value: str, allowed: Iterable[str], words: dict[str, str], what: str) -> str:
    key = value.strip()
    lowered = key.lower().replace(" ", "_")
    if lowered in allowed:
        return lowered
    if key in words or lowered in words:
        return words.get(key) or words[lowered]
    raise ValueError(f"{value!r} is not a {what} ({', '.join(allowed)})")


# --- customers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owners:
    by_telegram_id: dict[str, int]
    by_name: dict[str, int]

    def resolve(self, text: str) -> int | None:
        if not text:
            return None
        found = self.by_telegram_id.get(text) or self.by_name.get(text.casefold())
        if found is None:
            raise ValueError(f"unknown owner {text!r} (a user's Telegram id or name)")
        return found


def _owners(session: Session) -> _Owners:
    users = session.exec(select(User).where(User.active)).all()
    return _Owners({str(u.telegram_id): u.id or 0 for u in users}, {u.name.casefold(): u.id or 0 for u in users})


def _customer_values(cells: dict[str, str], owners: _Owners, currency: str) -> dict[str, Any]:
    """Validated values of one customer row (raises ValueError naming the column)."""
    values: dict[str, Any] = {}
    parsers: dict[str, Callable[[str], Any]] = {
        "stage": lambda v: _choice(v or "prospect", STAGES, _STAGE_WORDS, "stage"),
        "pipeline_stage": lambda v: _choice(v, PIPELINE_STAGES, {}, "pipeline stage") if v else None,
        "owner": owners.resolve,
        "contract_start": parse_date, "expected_signing_date": parse_date, "birthday": parse_date,
        "potential": parse_rating, "influence": parse_rating, "intention": parse_rating,
        "expectation": parse_rating, "satisfaction": parse_rating,
        "annual_revenue": lambda v: to_minor(a, currency) if (a := parse_amount(v)) is not None else None,
        "timezone": lambda v: check_timezone(v) if v else None,
        "language": lambda v: _choice(v, ("zh", "en"), {"中文": "zh", "英文": "en", "english": "en"}, "language") if v else None,
        "region": lambda v: _region(v),
    }
    for column, text in cells.items():
        try:
            values[column] = parsers[column](text) if column in parsers else (text or None)
        except ValueError as exc:
            raise ValueError(f"{column}: {exc}") from None
    if not values.get("name"):
        raise ValueError("name: the customer's name is missing")
    if len(values["name"]) > 200:
        raise ValueError("name: longer than 200 characters")
    return values


def _region(text: str) -> str | None:
    if not text:
        return None
    code = {"中国": "CN", "china": "CN", "美国": "US", "英国": "GB", "新加坡": "SG"}.get(text.strip().lower(), text.strip().upper())
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"{text!r} is not a two-letter country code like CN")
    return code


_CONTACT_FIELDS = {"contact_name": "name", "contact_title": "title", "contact_phone": "phone",
                   "contact_email": "email", "birthday": "birthday"}
_CUSTOMER_FIELDS = ("company", "industry", "owner", "stage", "region", "timezone", "language",
                    "contract_start", "annual_revenue", "potential", "influence", "intention",
                    "expectation", "satisfaction", "pipeline_stage", "expected_signing_date")


def import_customers(session: Session, path: Path, *, now: datetime, currency: str,
                     skip_invalid: bool = False) -> ImportReport:
    headers, body = read_table(path)
    mapping, warnings = map_headers(headers, CUSTOMER_COLUMNS)
    report = ImportReport("customers", rows=len(body), warnings=warnings)
    if "name" not in mapping:
        report.errors.append(RowError(1, "no name column (name / 客户名称 / Account Name)"))
        return report
    owners = _owners(session)
    valid: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, ...], int] = {}
    for line, row in body:
        cells = {name: (row[i] if i < len(row) else "") for name, i in mapping.items()}
        try:
            values = _customer_values(cells, owners, currency)
        except ValueError as exc:
            report.errors.append(RowError(line, str(exc)))
            continue
        key = ("x", values["external_id"]) if values.get("external_id") else ("n", values["name"], str(values.get("owner")))
        if key in seen:
            report.errors.append(RowError(line, f"repeats line {seen[key]} (same external id, or same name and owner)"))
            continue
        seen[key] = line
        valid.append((line, values))
    if report.errors and not skip_invalid:
        return report
    _apply_customers(session, valid, report, now)
    report.applied = True
    return report


def _apply_customers(session: Session, rows: list[tuple[int, dict[str, Any]]], report: ImportReport,
                     now: datetime) -> None:
    existing = session.exec(select(Customer)).all()
    by_external = {c.external_id: c for c in existing if c.external_id}
    by_name_owner = {(c.name, c.owner_id): c for c in existing}
    created: list[Customer] = []
    contacts: list[tuple[Customer, dict[str, Any]]] = []
    for _line, values in rows:
        customer = by_external.get(values.get("external_id")) or by_name_owner.get((values["name"], values.get("owner")))
        fields = {f: values[f] for f in _CUSTOMER_FIELDS if f in values and values[f] is not None}
        fields["owner_id"] = fields.pop("owner", None) if "owner" in values else None
        if "annual_revenue" in fields:
            fields["annual_revenue_minor"] = fields.pop("annual_revenue")
        if customer is None:
            customer = Customer(name=values["name"], external_id=values.get("external_id"), added_at=now,
                                **{k: v for k, v in fields.items() if v is not None})
            session.add(customer)
            created.append(customer)
        else:
            changed = {k: v for k, v in fields.items() if v is not None and getattr(customer, k) != v}
            for key, value in changed.items():
                setattr(customer, key, value)
            report.updated += bool(changed)
            report.unchanged += not changed
        contact = {_CONTACT_FIELDS[k]: v for k, v in values.items() if k in _CONTACT_FIELDS and v}
        if contact.get("name"):
            contacts.append((customer, contact))
    session.flush()
    report.created = len(created)
    report.created_ids = [c.id or 0 for c in created]
    _apply_contacts(session, contacts)


def _apply_contacts(session: Session, contacts: list[tuple[Customer, dict[str, Any]]]) -> None:
    """The primary contact of each customer: updated in place, or added."""
    ids = [customer.id for customer, _ in contacts]
    primaries = {c.customer_id: c for c in session.exec(
        select(Contact).where(Contact.is_primary, Contact.customer_id.in_(ids))).all()} if ids else {}  # type: ignore[attr-defined]
    for customer, values in contacts:
        contact = primaries.get(customer.id or 0)
        if contact is None:
            session.add(Contact(customer_id=customer.id or 0, is_primary=True, **values))
        else:
            for key, value in values.items():
                setattr(contact, key, value)
            session.add(contact)
    session.flush()


# --- interactions --------------------------------------------------------------------------------


def import_interactions(session: Session, path: Path, *, now: datetime, currency: str, timezone: str,
                        skip_invalid: bool = False) -> ImportReport:
    headers, body = read_table(path)
    mapping, warnings = map_headers(headers, INTERACTION_COLUMNS)
    report = ImportReport("interactions", rows=len(body), warnings=warnings)
    missing = [c for c in ("customer", "kind", "occurred_at") if c not in mapping]
    if missing:
        report.errors.append(RowError(1, f"missing columns: {', '.join(missing)}"))
        return report
    zone = ZoneInfo(timezone)
    customers = session.exec(select(Customer.id, Customer.external_id, Customer.name, Customer.owner_id)).all()
    by_external = {external: cid for cid, external, _, _ in customers if external}
    by_name: dict[str, list[int]] = {}
    owner_of = {cid: owner for cid, _, _, owner in customers}
    for cid, _, name, _ in customers:
        by_name.setdefault(name, []).append(cid)
    known = _existing_interaction_keys(session)
    rows: list[Interaction] = []
    for line, row in body:
        cells = {name: (row[i] if i < len(row) else "") for name, i in mapping.items()}
        try:
            interaction = _interaction(cells, by_external, by_name, zone, currency, now)
        except ValueError as exc:
            report.errors.append(RowError(line, str(exc)))
            continue
        key = _interaction_key(interaction)
        if key in known:
            report.unchanged += 1
            continue
        known.add(key)
        interaction.rep_id = owner_of.get(interaction.customer_id)
        rows.append(interaction)
    if report.errors and not skip_invalid:
        return report
    session.add_all(rows)
    session.flush()
    report.created, report.applied = len(rows), True
    return report


def _interaction(cells: dict[str, str], by_external: dict[str, int], by_name: dict[str, list[int]],
                 zone: ZoneInfo, currency: str, now: datetime) -> Interaction:
    ref = cells.get("customer", "")
    customer_id = by_external.get(ref)
    if customer_id is None:
        matches = by_name.get(ref, [])
        if len(matches) > 1:
            raise ValueError(f"customer: {ref!r} names {len(matches)} customers; use the external id")
        if not matches:
            raise ValueError(f"customer: no customer with external id or name {ref!r}")
        customer_id = matches[0]
    try:
        kind = _choice(cells.get("kind", ""), INTERACTION_KINDS, _KIND_WORDS, "kind")
        occurred_at = parse_instant(cells.get("occurred_at", ""), zone)
        amount = parse_amount(cells.get("amount", ""))
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    row_currency = (cells.get("currency") or currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", row_currency):
        raise ValueError(f"currency: {row_currency!r} is not a three-letter code")
    return Interaction(
        customer_id=customer_id, kind=kind, occurred_at=occurred_at,
        amount_minor=to_minor(amount, row_currency) if amount is not None else None,
        currency=row_currency if amount is not None else None,
        summary=cells.get("summary", "")[:4000], external_id=cells.get("external_id") or None, created_at=now,
    )


def _interaction_key(row: Interaction) -> tuple[Any, ...]:
    if row.external_id:
        return ("x", row.external_id)
    return ("k", row.customer_id, row.kind, row.occurred_at, row.amount_minor)


def _existing_interaction_keys(session: Session) -> set[tuple[Any, ...]]:
    keys: set[tuple[Any, ...]] = set()
    for external, customer_id, kind, occurred_at, amount in session.exec(
        select(Interaction.external_id, Interaction.customer_id, Interaction.kind, Interaction.occurred_at,
               Interaction.amount_minor)
    ).all():
        keys.add(("k", customer_id, kind, occurred_at, amount))
        if external:
            keys.add(("x", external))
    return keys
