"""Import customers, interactions and deals from CSV or XLSX (CRM exports), zh or en headers.

Two steps, both on the same code: `plan` reads and validates every row and matches it against
the database without writing (the chat's preview); `apply` writes the valid rows in bulk, in
the caller's one transaction (all or nothing), reporting progress per chunk. Rights and the
report every kind shares: core.imports.common; deals exports: core.imports.deals.

Nothing in a file is dropped without a word: every column is mapped to a field or named in the
report as unknown (or as one of an export's computed columns), and every row ends created,
updated, unchanged or refused with its reason. A contact's phone, e-mail or birthday given
without a contact name makes the customer's primary contact under the customer's own name (a
person customer). The policy's own inputs (`attribute:<name>` dimensions) import from a column
named by the attribute or by its dimension's name in either language.

No duplicates on a second import: customers match by external id, else by name + owner;
interactions by external id, else by customer + kind + time + amount.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa  # sa.select: Core rows (sqlmodel's select() types at most 4 model columns)
from sqlalchemy import update
from sqlmodel import Session, col, select

from core.accounts import Account
from core.errors import ImportFileError
from core.imports.common import (
    CellError,
    CustomerIndex,
    ImportReport,
    People,
    Plan,
    Progress,
    RowError,
    bulk_insert,
    cells_of,
    chunks,
    note_columns,
    outcome_csv,
    visible,
    write_chunks,
)
from core.imports.file_reader import read_bytes, read_table
from core.imports.files import Columns, Table, map_columns, normalise_header
from core.models import (
    INTERACTION_KINDS,
    PIPELINE_STAGES,
    STAGES,
    Contact,
    Customer,
    CustomerAlias,
    Interaction,
    User,
    pk,
    table_of,
)
from core.money import to_minor
from core.names import aliases, book
from core.settings import check_timezone
from core.tiering import Policy
from core.values import (
    BadValue,
    day_first_of,
    parse_amount,
    parse_attribute,
    parse_choice,
    parse_date,
    parse_email,
    parse_instant,
    parse_phone,
    parse_rating,
    parse_region,
)

__all__ = [
    "CUSTOMER_COLUMNS",
    "INTERACTION_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "RowError",
    "detect_kind",
    "import_customers",
    "import_interactions",
    "import_table",
    "outcome_csv",
    "read_bytes",
]

NAME_MAX = 200
LOOK_ALIKES_SHOWN = 5

# canonical column → accepted headers (compared case-insensitively; spaces, _ and - ignored)
CUSTOMER_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external_id",
        "external id",
        "id",
        "客户编号",
        "客户id",
        "编号",
        "account id",
        "crm id",
        "外部编号",
    ),
    "name": ("name", "customer", "customer name", "客户", "客户名称", "客户全称", "account name", "account"),
    "company": ("company", "company name", "公司名称", "公司", "公司全称", "企业名称", "full name"),
    "owner": ("owner", "负责人", "客户经理", "account owner", "sales rep", "所有人", "归属人", "销售", "owner name"),
    "stage": (
        "stage",
        "阶段",
        "客户阶段",
        "status",
        "状态",
        "客户状态",
        "type",
        "account type",
        "客户类型",
        "成交状态",
    ),
    "industry": ("industry", "行业", "所属行业"),
    "region": ("region", "country", "地区", "国家", "国家/地区", "billing country"),
    "timezone": ("timezone", "时区", "time zone"),
    "language": ("language", "语言"),
    "contact_name": (
        "contact_name",
        "contact",
        "contact name",
        "联系人",
        "联系人姓名",
        "primary contact",
        "主要联系人",
    ),
    "contact_title": ("contact_title", "title", "contact title", "职务", "职位", "联系人职务"),
    "contact_phone": (
        "contact_phone",
        "phone",
        "contact phone",
        "电话",
        "手机",
        "mobile",
        "联系电话",
        "手机号",
        "联系人电话",
    ),
    "contact_email": ("contact_email", "email", "e-mail", "contact email", "邮箱", "电子邮箱", "联系人邮箱"),
    "birthday": ("birthday", "contact birthday", "生日", "联系人生日", "出生日期"),
    "contract_start": ("contract_start", "contract start", "签约日期", "合作开始日期", "成交日期"),
    # when the relationship began (stability), a CRM's record creation: not a contract anniversary
    "customer_since": (
        "customer_since",
        "customer since",
        "创建时间",
        "客户创建日期",
        "客户创建时间",
        "创建日期",
        "created time",
        "created date",
        "create date",
        "creation date",
        "date created",
        "建档日期",
    ),
    "notes": (
        "notes",
        "note",
        "备注",
        "客户备注",
        "备注信息",
        "description",
        "描述",
        "客户描述",
        "remarks",
        "comments",
    ),
    "annual_revenue": ("annual_revenue", "annual revenue", "年交易额", "年营收", "年销售额", "年成交额"),
    "potential": ("potential", "潜力"),
    "influence": ("influence", "影响力", "市场影响力"),
    "intention": ("intention", "意愿度", "签约意愿"),
    "expectation": ("expectation", "期望值"),
    "satisfaction": ("satisfaction", "满意度"),
    "pipeline_stage": ("pipeline_stage", "pipeline stage", "opportunity stage", "销售阶段", "签约进度", "商机阶段"),
    "expected_signing_date": (
        "expected_signing_date",
        "expected close date",
        "close date",
        "预计签约日期",
        "签约时间",
        "预计成交日期",
    ),
    "aliases": ("aliases", "alias", "别名", "简称", "aka", "also known as", "other names", "客户简称"),
}
CUSTOMER_FALLBACKS = {"name": "company"}  # a lead export has Company and no Account Name
INTERACTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "external id", "id", "编号", "记录编号", "activity id", "跟进记录编号"),
    "customer": ("customer", "客户", "客户名称", "account", "account name", "customer name", "关联客户"),
    "customer_ref": ("customer_external_id", "customer external id", "customer id", "客户编号", "account id", "客户id"),
    "kind": ("kind", "type", "类型", "方式", "activity type", "跟进方式", "跟进类型", "互动类型"),
    "occurred_at": (
        "occurred_at",
        "date",
        "time",
        "日期",
        "时间",
        "发生时间",
        "activity date",
        "跟进时间",
        "date/time",
    ),
    "amount": ("amount", "金额", "成交金额", "deal amount"),
    "currency": ("currency", "币种", "货币"),
    "summary": (
        "summary",
        "note",
        "notes",
        "内容",
        "摘要",
        "备注",
        "subject",
        "description",
        "comments",
        "跟进内容",
        "跟进记录",
    ),
    "rep": ("rep", "销售", "负责人", "owner", "assigned to", "跟进人", "客户经理", "sales rep", "记录人"),
}
_STAGE_WORDS = {
    "待签约": "prospect",
    "潜在": "prospect",
    "潜在客户": "prospect",
    "待签约客户": "prospect",
    "未成交": "prospect",
    "意向客户": "prospect",
    "服务中": "active",
    "已签约": "active",
    "服务中客户": "active",
    "已成交": "active",
    "成交客户": "active",
    "customer": "active",
    "active customer": "active",
    "customer - direct": "active",
    "customer - channel": "active",
    "流失": "lost",
    "已流失": "lost",
    "流失客户": "lost",
    "churned": "lost",
    "former customer": "lost",
}
_PIPELINE_WORDS = {
    "线索": "lead",
    "prospecting": "lead",
    "已联系": "contacted",
    "初步接触": "contacted",
    "qualification": "contacted",
    "需求确认": "needs_confirmed",
    "needs analysis": "needs_confirmed",
    "方案": "proposal",
    "报价": "proposal",
    "方案报价": "proposal",
    "proposal/price quote": "proposal",
    "谈判": "negotiation",
    "商务谈判": "negotiation",
    "negotiation/review": "negotiation",
    "合同已发": "contract_sent",
    "合同": "contract_sent",
}
_KIND_WORDS = {
    "电话": "call",
    "电话沟通": "call",
    "phone call": "call",
    "拜访": "visit",
    "上门拜访": "visit",
    "拜访客户": "visit",
    "site visit": "visit",
    "会面": "meeting",
    "会议": "meeting",
    "消息": "message",
    "微信": "message",
    "微信沟通": "message",
    "wechat": "message",
    "邮件": "email",
    "e-mail": "email",
    "成交": "deal",
    "签约": "deal",
    "sale": "deal",
    "问候": "greeting",
    "备注": "note",
    "其他": "other",
    "task": "other",
}
_LANGUAGE_WORDS = {"中文": "zh", "chinese": "zh", "英文": "en", "english": "en"}
_DATE_FIELDS = ("contract_start", "customer_since", "expected_signing_date", "birthday")
_CONTACT_FIELDS = {
    "contact_name": "name",
    "contact_title": "title",
    "contact_phone": "phone",
    "contact_email": "email",
    "birthday": "birthday",
}
_CONTACT_LIMITS = {"name": 200, "title": 100, "phone": 50, "email": 200}
_CUSTOMER_FIELDS = (
    "company",
    "industry",
    "owner_id",
    "stage",
    "region",
    "timezone",
    "language",
    "contract_start",
    "customer_since",
    "annual_revenue_minor",
    "annual_revenue_currency",
    "potential",
    "influence",
    "intention",
    "expectation",
    "satisfaction",
    "pipeline_stage",
    "expected_signing_date",
    "notes",
)
_TEXT_LIMITS = {"external_id": 100, "company": 300, "industry": 100, "notes": 4000}
ATTRIBUTE_PREFIX = "attr:"  # field of a policy input: attr:<attribute name>


def detect_kind(headers: list[str]) -> str | None:
    """'interactions' when the headers have a kind and a date column, 'deals' when they name a
    deal (Deal Name / 商机名称), else 'customers' when they name customers, else None (ask).
    Raises ImportFileError for duplicate customer headers, or when no header means anything."""
    from core.imports.deals import DEAL_COLUMNS

    try:
        interaction = map_columns(headers, INTERACTION_COLUMNS).index
    except ImportFileError:
        interaction = {}
    if {"kind", "occurred_at"} <= interaction.keys() and ({"customer", "customer_ref"} & interaction.keys()):
        return "interactions"
    try:
        if "deal_name" in map_columns(headers, DEAL_COLUMNS).index:
            return "deals"
    except ImportFileError:
        pass
    try:
        if "name" in map_columns(headers, CUSTOMER_COLUMNS, CUSTOMER_FALLBACKS).index:
            return "customers"
    except ImportFileError as exc:
        if exc.code == "duplicate_header" or not interaction:
            raise  # ambiguous whatever the file holds, or nothing in it is a column we know
    return None


def import_table(
    session: Session,
    kind: str,
    table: Table,
    *,
    actor: Account | None,
    now: datetime,
    currency: str,
    timezone: str,
    apply: bool,
    skip_invalid: bool = True,
    progress: Progress | None = None,
    policy: Policy | None = None,
) -> ImportReport:
    """Validate `table` as `kind` and, with `apply`, write it (unless it has bad rows and not
    `skip_invalid`). `policy` names the policy's own inputs (attribute columns of a customers
    file). Raises ImportFileError for a file-level problem."""
    plan = plan_table(session, kind, table, actor=actor, now=now, currency=currency, timezone=timezone, policy=policy)
    report = plan.report
    if apply and (skip_invalid or report.ok):
        plan.apply(session, progress or (lambda done, total: None))
        report.applied = True
    return report


def plan_table(
    session: Session,
    kind: str,
    table: Table,
    *,
    actor: Account | None,
    now: datetime,
    currency: str,
    timezone: str,
    policy: Policy | None = None,
) -> Plan:
    """The validated, matched rows of `table` as `kind`, ready to `apply` (nothing written yet)."""
    if kind == "customers":
        plan: Plan = _plan_customers(session, table, actor, now, currency, policy)
    elif kind == "interactions":
        plan = _plan_interactions(session, table, actor, now, currency, ZoneInfo(timezone))
    elif kind == "deals":
        from core.imports.deals import plan_deals

        plan = plan_deals(session, table, actor, now, currency, ZoneInfo(timezone))
    else:
        raise ValueError(kind)
    plan.report.lines = table.rows
    return plan


def import_customers(
    session: Session,
    path: Path,
    *,
    now: datetime,
    currency: str,
    skip_invalid: bool = False,
    actor: Account | None = None,
    policy: Policy | None = None,
) -> ImportReport:
    return import_table(
        session,
        "customers",
        read_table(path),
        actor=actor,
        now=now,
        currency=currency,
        timezone="UTC",
        apply=True,
        skip_invalid=skip_invalid,
        policy=policy,
    )


def import_interactions(
    session: Session,
    path: Path,
    *,
    now: datetime,
    currency: str,
    timezone: str,
    skip_invalid: bool = False,
    actor: Account | None = None,
) -> ImportReport:
    return import_table(
        session,
        "interactions",
        read_table(path),
        actor=actor,
        now=now,
        currency=currency,
        timezone=timezone,
        apply=True,
        skip_invalid=skip_invalid,
    )


def _parse_aliases(cell: str) -> list[str]:
    """别名 / aliases: several names, separated by , ， ; ； 、 or /; each 2–40 characters with a letter."""
    found = aliases.split_cell(cell)
    for alias in found:
        key = aliases.alias_key(alias)
        if len(key) < 2 or len(alias) > 40 or not any(c.isalpha() for c in alias):
            raise BadValue("alias_invalid", value=alias[:40])
    return found


def attribute_columns(policy: Policy | None) -> dict[str, tuple[str, ...]]:
    """attr:<name> → the headers that fill the policy input <name>: the attribute's own name and
    its dimension's name in either language (赞助金额 / Sponsorship amount). A header one of our
    own columns already takes stays ours."""
    taken = {normalise_header(alias) for names in CUSTOMER_COLUMNS.values() for alias in names}
    found: dict[str, tuple[str, ...]] = {}
    for item in policy.inputs if policy is not None else ():
        names = (item.name, item.label.get("en"), item.label.get("zh"))
        free = tuple(dict.fromkeys(n for n in names if normalise_header(n) not in taken))
        if free:
            found[ATTRIBUTE_PREFIX + item.name] = free
    return found


# --- customers -----------------------------------------------------------------------------------------


@dataclass
class _CustomerRow:
    line: int
    values: dict[str, Any]  # Customer columns
    contact: dict[str, Any]  # primary contact fields present in the file
    cells: list[str]
    existing_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)  # the 别名 / aliases cell, split
    attributes: dict[str, str] = field(default_factory=dict)  # policy inputs given in the row
    contact_changed: bool = False


def _date_parser(day_first: bool | None) -> Callable[[str], date | None]:
    return lambda text: parse_date(text, day_first)


def _customer_parsers(
    people: People, currency: str, day_first: dict[str, bool | None], today: date
) -> dict[str, Callable[[str], Any]]:
    def revenue(text: str) -> int | None:
        amount = parse_amount(text)
        if amount is not None and amount < 0:
            raise BadValue("amount_negative", value=text[:40])
        return to_minor(amount, currency) if amount is not None else None

    def zone(text: str) -> str | None:
        if not text:
            return None
        try:
            return check_timezone(text)
        except ValueError:
            raise BadValue("timezone", value=text) from None

    def birthday(text: str) -> date | None:
        day = parse_date(text, day_first.get("birthday"))
        if day is not None and not date(1900, 1, 1) <= day <= today:
            raise BadValue("birthday_range", value=text[:40])
        return day

    parsers: dict[str, Callable[[str], Any]] = {
        "stage": lambda v: parse_choice(v, STAGES, _STAGE_WORDS, "choice_stage") if v else None,
        "pipeline_stage": lambda v: (
            parse_choice(v, PIPELINE_STAGES, _PIPELINE_WORDS, "choice_pipeline_stage") if v else None
        ),
        "owner": people.resolve,
        "potential": parse_rating,
        "influence": parse_rating,
        "intention": parse_rating,
        "expectation": parse_rating,
        "satisfaction": parse_rating,
        "annual_revenue": revenue,
        "timezone": zone,
        "region": parse_region,
        "language": lambda v: parse_choice(v, ("zh", "en"), _LANGUAGE_WORDS, "choice_language") if v else None,
        "aliases": _parse_aliases,
        "contact_email": parse_email,
        "contact_phone": lambda v: v or None,  # checked with the row's region (_check_phone)
    }
    for name in _DATE_FIELDS:
        parsers[name] = _date_parser(day_first.get(name))
    parsers["birthday"] = birthday
    return parsers


def _plan_customers(
    session: Session, table: Table, actor: Account | None, now: datetime, currency: str, policy: Policy | None
) -> _CustomerPlan:
    columns = map_columns(table.headers, {**CUSTOMER_COLUMNS, **attribute_columns(policy)}, CUSTOMER_FALLBACKS)
    if "name" not in columns.index:
        raise ImportFileError("missing_columns", columns="name / 客户名称 / Account Name")
    report = ImportReport("customers", rows=len(table.rows), headers=table.headers)
    note_columns(report, columns, columns.derived)
    people = People(session, actor)
    day_first = {
        name: day_first_of(row[i] for _, row in table.rows if i < len(row))
        for name, i in columns.index.items()
        if name in _DATE_FIELDS
    }
    parsers = _customer_parsers(people, currency, day_first, now.date())
    owner_given = "owner" in columns.index
    rows: list[_CustomerRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, cells_row in table.rows:
        cells = cells_of(cells_row, columns)
        parsed: dict[str, Any] = {}
        failed = False
        for column, text in cells.items():
            try:
                if column.startswith(ATTRIBUTE_PREFIX):
                    parsed[column] = parse_attribute(text)
                else:
                    parsed[column] = parsers[column](text) if column in parsers else (text or None)
                if column in _TEXT_LIMITS and text and len(text) > _TEXT_LIMITS[column]:
                    raise BadValue("too_long", limit=_TEXT_LIMITS[column])
            except BadValue as exc:
                report.refuse(line, exc.code, columns.header[column], **exc.params)
                failed = True
        if parsed.get("contact_phone"):
            try:
                parse_phone(parsed["contact_phone"], parsed.get("region") or "CN")
            except BadValue as exc:
                report.refuse(line, exc.code, columns.header["contact_phone"], **exc.params)
                failed = True
        name: Any = parsed.get("name")  # parsed values are Any
        if not failed and not name:
            report.refuse(line, "required", columns.header["name"])
            failed = True
        elif not failed and len(name) > NAME_MAX:
            report.refuse(line, "too_long", columns.header["name"], limit=NAME_MAX)
            failed = True
        if failed:
            report.bad_rows[line] = cells_row
            continue
        owner = parsed.pop("owner") if owner_given else people.default
        key = ("x", parsed["external_id"]) if parsed.get("external_id") else ("n", name, owner)
        if key in seen:
            report.refuse(line, "repeat", None, line=seen[key])
            report.bad_rows[line] = cells_row
            continue
        seen[key] = line
        values = {
            k: parsed[k]
            for k in (
                "name",
                "external_id",
                "company",
                "industry",
                "stage",
                "region",
                "timezone",
                "language",
                "contract_start",
                "customer_since",
                "potential",
                "influence",
                "intention",
                "expectation",
                "satisfaction",
                "pipeline_stage",
                "expected_signing_date",
                "notes",
            )
            if k in parsed
        }
        if parsed.get("annual_revenue") is not None:
            values["annual_revenue_minor"], values["annual_revenue_currency"] = parsed["annual_revenue"], currency
        if owner_given or owner is not None:
            values["owner_id"] = owner
        if owner is None:
            values["team_id"] = people.team
        contact = {_CONTACT_FIELDS[k]: parsed[k] for k in _CONTACT_FIELDS if k in parsed}
        for key_name, limit in _CONTACT_LIMITS.items():
            if contact.get(key_name) and len(contact[key_name]) > limit:
                contact[key_name] = contact[key_name][:limit]
        attributes = {
            k.removeprefix(ATTRIBUTE_PREFIX): v
            for k, v in parsed.items()
            if k.startswith(ATTRIBUTE_PREFIX) and v is not None
        }
        rows.append(
            _CustomerRow(line, values, contact, cells_row, aliases=parsed.get("aliases") or [], attributes=attributes)
        )
    plan = _CustomerPlan(report, rows, now, actor.id if actor is not None else None, columns.header.get("aliases"))
    plan.match(session, visible(session, actor))
    report.errors.sort(key=lambda e: e.line)
    return plan


def _new_stage(values: dict[str, Any]) -> str:
    """A new customer's stage when the file has none: one with revenue of its own (an annual
    revenue above zero) is already served, so it is tiered as a customer; the rest are prospects."""
    return "active" if (values.get("annual_revenue_minor") or 0) > 0 else "prospect"


class _CustomerPlan(Plan):
    def __init__(
        self,
        report: ImportReport,
        rows: list[_CustomerRow],
        now: datetime,
        actor_id: int | None = None,
        alias_header: str | None = None,
    ) -> None:
        self.report, self.rows, self.now, self.actor_id = report, rows, now, actor_id
        self._alias_header = alias_header
        self._contacts: dict[int, dict[str, Any]] = {}

    def match(self, session: Session, visible: set[int] | None) -> None:
        """Find each row's existing customer; decide create / update / unchanged (or an error)."""
        table = table_of(Customer)
        by_external: dict[str, int] = {}
        by_name_owner: dict[tuple[str, int | None], tuple[int, str | None]] = {}
        names: dict[str, set[int]] = {}  # alias key → the visible customers of that name
        rows: Iterable[Any] = session.execute(  # (Session.execute: untyped rows)
            sa.select(table.c.id, table.c.external_id, table.c.name, table.c.owner_id)
        )
        for cid, external, name, owner in rows:
            if external:
                by_external[external] = cid
            if visible is None or cid in visible:  # a name never finds what the actor cannot see
                by_name_owner.setdefault((name, owner), (cid, external))
                names.setdefault(aliases.alias_key(name), set()).add(cid)
        in_file: dict[str, int] = {}  # alias key of each row's name → how many rows bear it
        if any(row.aliases for row in self.rows):
            for row in self.rows:
                key = aliases.alias_key(row.values["name"])
                in_file[key] = in_file.get(key, 0) + 1
        kept: list[_CustomerRow] = []
        for row in self.rows:
            external = row.values.get("external_id")
            row.existing_id = by_external.get(external) if external else None
            if row.existing_id is None:
                # no external id in the row (or a new one): the same name and owner is the same
                # customer, unless that record already carries another external id
                candidate = by_name_owner.get((row.values["name"], row.values.get("owner_id")))
                if candidate is not None and not (external and candidate[1]):
                    row.existing_id = candidate[0]
            if row.existing_id is not None and visible is not None and row.existing_id not in visible:
                # external ids are unique across the organisation, so this one cannot be created
                # either; the answer says nothing of the customer who has it
                self.report.refuse(row.line, "external_id_taken", None, value=external)
                self.report.bad_rows[row.line] = row.cells
                continue
            if row.aliases and self._alias_taken(row, names, in_file):
                continue
            kept.append(row)
        self.rows = kept
        existing_ids = [r.existing_id for r in kept if r.existing_id is not None]
        current = _load_rows(session, Customer, existing_ids)
        contacts = _primary_contacts(session, existing_ids)
        known_aliases = aliases.existing_keys(
            session, [r.existing_id or 0 for r in kept if r.aliases and r.existing_id]
        )
        for row in kept:
            if row.existing_id is None:
                self.report.created += 1
                self.report.outcomes[row.line] = "created"
                continue
            before = current[row.existing_id]
            row.changes = {
                k: v
                for k, v in row.values.items()
                if k in _CUSTOMER_FIELDS + ("external_id", "name") and v is not None and before.get(k) != v
            }
            if "owner_id" in row.values and row.values["owner_id"] != before.get("owner_id"):
                row.changes["owner_id"] = row.values["owner_id"]
                if row.values["owner_id"] is None:  # unassigned now: in the importer's team
                    row.changes["team_id"] = row.values.get("team_id")
            if row.attributes:
                merged = {**(before.get("attributes") or {}), **row.attributes}
                if merged != (before.get("attributes") or {}):
                    row.changes["attributes"] = merged
            contact = contacts.get(row.existing_id)
            given = {k: v for k, v in row.contact.items() if v is not None}
            row.contact_changed = bool(given) and (
                contact is None or any(contact.get(k) != v for k, v in given.items())
            )
            new_alias = any((row.existing_id, aliases.alias_key(a)) not in known_aliases for a in row.aliases)
            outcome = "updated" if row.changes or row.contact_changed or new_alias else "unchanged"
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
            self.report.outcomes[row.line] = outcome
        self._contacts = contacts
        self._look_alikes(session, [r.values["name"] for r in kept if r.existing_id is None], visible)

    def _look_alikes(self, session: Session, new_names: list[str], visible: set[int] | None) -> None:
        """New names that may be a customer the book already has (the /new duplicate check's
        likeness: names and short forms, never contacts): the preview says so before two records
        of one company exist. Another team's customer is named only by its owner."""
        if not new_names:
            return
        index = book.names(session)
        found: list[tuple[str, int]] = []
        for name in dict.fromkeys(new_names):
            same = index.same_name(name, 1)
            if same:  # the same name under another owner, too: the import would create a second one
                found.append((name, same[0].customer_id))
        self.report.look_alike_count = len(found)
        shown = found[:LOOK_ALIKES_SHOWN]
        rows = {
            cid: (name, owner)
            for cid, name, owner in session.exec(
                select(pk(Customer.id), col(Customer.name), col(User.name))
                .outerjoin(User, col(User.id) == col(Customer.owner_id))
                .where(col(Customer.id).in_([cid for _, cid in shown]))
            )
        }
        self.report.look_alikes = [
            (new, rows[cid][0], None) if visible is None or cid in visible else (new, None, rows[cid][1])
            for new, cid in shown
            if cid in rows
        ]

    def apply(self, session: Session, progress: Progress) -> None:
        table = table_of(Customer)
        new = [r for r in self.rows if r.existing_id is None]
        changed = [r for r in self.rows if r.existing_id is not None and r.changes]
        total, done = len(new) + len(changed), 0
        defaults = {
            "company": None,
            "industry": None,
            "owner_id": None,
            "team_id": None,
            "stage": "prospect",
            "region": "CN",
            "timezone": None,
            "language": None,
            "contract_start": None,
            "customer_since": None,
            "annual_revenue_minor": None,
            "annual_revenue_currency": None,
            "potential": None,
            "influence": None,
            "intention": None,
            "expectation": None,
            "satisfaction": None,
            "pipeline_stage": None,
            "expected_signing_date": None,
            "external_id": None,
            "notes": None,
        }
        for chunk in write_chunks(new):
            values = [
                {
                    **defaults,
                    "stage": _new_stage(r.values),
                    **{k: v for k, v in r.values.items() if v is not None},
                    "tags": [],
                    "attributes": r.attributes,
                    "added_at": self.now,
                    "archived": False,
                }
                for r in chunk
            ]
            ids = bulk_insert(session, table, values, with_ids=True)
            for row, cid in zip(chunk, ids, strict=True):
                row.existing_id = cid
            self.report.created_ids.extend(ids)
            done += len(chunk)
            progress(done, total)
        for chunk in write_chunks(changed):
            session.execute(update(Customer), [{"id": r.existing_id, **r.changes} for r in chunk])
            done += len(chunk)
            progress(done, total)
        self.report.touched_ids.update(self.report.created_ids)
        self.report.touched_ids.update(r.existing_id for r in changed if r.existing_id is not None)
        self._apply_contacts(session)
        self._apply_aliases(session)

    def _alias_taken(self, row: _CustomerRow, names: dict[str, set[int]], in_file: dict[str, int]) -> bool:
        """An alias that is another customer's name (in the book or in this file) refuses the row."""
        own = aliases.alias_key(row.values["name"])
        row.aliases = [a for a in row.aliases if aliases.alias_key(a) != own]
        for alias in row.aliases:
            key = aliases.alias_key(alias)
            others = names.get(key, set()) - ({row.existing_id} if row.existing_id else set())
            if others or in_file.get(key):
                self.report.refuse(row.line, "alias_taken", self._alias_header, value=alias)
                self.report.bad_rows[row.line] = row.cells
                return True
        return False

    def _apply_aliases(self, session: Session) -> None:
        """Aliases of the 别名 / aliases column that the customers do not have yet."""
        with_aliases = [r for r in self.rows if r.aliases and r.existing_id]
        if not with_aliases:
            return
        known = aliases.existing_keys(session, [r.existing_id or 0 for r in with_aliases])
        inserts = []
        for row in with_aliases:
            for alias in row.aliases:
                key = (row.existing_id or 0, aliases.alias_key(alias))
                if key not in known:
                    known.add(key)
                    inserts.append(
                        {
                            "customer_id": key[0],
                            "text": alias,
                            "key": key[1],
                            "source": "import",
                            "created_by_id": self.actor_id,
                            "created_at": self.now,
                        }
                    )
        for chunk in chunks(inserts):
            bulk_insert(session, table_of(CustomerAlias), chunk, with_ids=False)

    def _apply_contacts(self, session: Session) -> None:
        """Each customer's primary contact: updated in place, or added — under the customer's own
        name when the row gives a phone, e-mail or birthday but no contact name (a person)."""
        inserts, updates = [], []
        for row in self.rows:
            values = {k: v for k, v in row.contact.items() if v is not None}
            if not values:
                continue
            existing = self._contacts.get(row.existing_id or 0)
            if existing is None:
                inserts.append(
                    {
                        "customer_id": row.existing_id,
                        "is_primary": True,
                        "title": None,
                        "phone": None,
                        "email": None,
                        "wechat": None,
                        "telegram": None,
                        "birthday": None,
                        **values,
                        "name": values.get("name") or row.values["name"],
                    }
                )
            elif any(existing.get(k) != v for k, v in values.items()):
                updates.append({"id": existing["id"], **values})
        for chunk in chunks(inserts):
            bulk_insert(session, table_of(Contact), chunk, with_ids=False)
        for chunk in chunks(updates):
            session.execute(update(Contact), chunk)


def _load_rows(session: Session, model: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    table = model.__table__
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(ids):
        for row in session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            found[row["id"]] = dict(row)
    return found


def _primary_contacts(session: Session, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    table = table_of(Contact)
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(customer_ids):
        statement = sa.select(table).where(table.c.is_primary, table.c.customer_id.in_(chunk)).order_by(table.c.id)
        for row in session.execute(statement).mappings():
            found.setdefault(row["customer_id"], dict(row))
    return found


# --- interactions ----------------------------------------------------------------------------------------


def _plan_interactions(
    session: Session, table: Table, actor: Account | None, now: datetime, currency: str, zone: ZoneInfo
) -> _InteractionPlan:
    columns = map_columns(table.headers, INTERACTION_COLUMNS)
    missing = [c for c in ("kind", "occurred_at") if c not in columns.index]
    if not {"customer", "customer_ref"} & columns.index.keys():
        missing.insert(0, "customer")
    if missing:
        raise ImportFileError("missing_columns", columns=", ".join(missing))
    report = ImportReport("interactions", rows=len(table.rows), headers=table.headers)
    note_columns(report, columns, columns.derived)
    people = People(session, actor)
    customers = CustomerIndex(session, visible(session, actor))
    when = columns.index["occurred_at"]
    day_first = day_first_of(row[when] for _, row in table.rows if when < len(row))
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, cells_row in table.rows:
        cells = cells_of(cells_row, columns)
        try:
            rows.append((line, _interaction(cells, columns, customers, people, zone, day_first, currency, now)))
        except CellError as exc:
            report.refuse(line, exc.code, exc.column, **exc.params)
            report.bad_rows[line] = cells_row
    plan = _InteractionPlan(report, [])
    known = _existing_interaction_keys(session, [row for _, row in rows])
    for line, row in rows:
        key = _interaction_key(row)
        if key in known:
            report.unchanged += 1
            report.outcomes[line] = "unchanged"
            continue
        known.add(key)
        plan.rows.append(row)
        report.outcomes[line] = "created"
    report.created = len(plan.rows)
    return plan


def _interaction(
    cells: dict[str, str],
    columns: Columns,
    customers: CustomerIndex,
    people: People,
    zone: ZoneInfo,
    day_first: bool | None,
    currency: str,
    now: datetime,
) -> dict[str, Any]:
    def value(name: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(cells.get(name, ""))
        except BadValue as exc:
            raise CellError(exc.code, columns.header.get(name), exc.params) from None

    reference = cells.get("customer_ref", "")
    column = "customer_ref" if reference else "customer"
    if not reference:
        reference = cells.get("customer", "")
    if not reference:
        raise CellError("required", columns.header.get(column), {})
    name = cells.get("customer", "") if column == "customer_ref" else ""
    customer_id = value(column, lambda _: customers.find(reference, name))
    kind = value("kind", lambda v: parse_choice(v, INTERACTION_KINDS, _KIND_WORDS, "choice_kind"))
    occurred_at = value("occurred_at", lambda v: parse_instant(v, zone, day_first))
    amount = value("amount", parse_amount)
    row_currency = (cells.get("currency") or currency).strip().upper()
    if amount is not None and (len(row_currency) != 3 or not row_currency.isalpha()):
        raise CellError("currency", columns.header.get("currency"), {"value": row_currency})
    rep = value("rep", people.resolve) if cells.get("rep") else None
    if rep is None:
        owner = customers.owner.get(customer_id)
        rep = owner if owner is not None else people.default
    external = cells.get("external_id") or None
    if external and len(external) > 100:
        raise CellError("too_long", columns.header.get("external_id"), {"limit": 100})
    return {
        "customer_id": customer_id,
        "kind": kind,
        "occurred_at": occurred_at,
        "amount_minor": to_minor(amount, row_currency) if amount is not None else None,
        "currency": row_currency if amount is not None else None,
        "summary": cells.get("summary", "")[:4000],
        "external_id": external,
        "rep_id": rep,
        "created_at": now,
        "contact_id": None,
        "channel": None,
        "source_chat_id": None,
        "source_message_id": None,
    }


class _InteractionPlan(Plan):
    def __init__(self, report: ImportReport, rows: list[dict[str, Any]]) -> None:
        self.report, self.rows = report, rows

    def apply(self, session: Session, progress: Progress) -> None:
        table = table_of(Interaction)
        done = 0
        for chunk in write_chunks(self.rows):
            bulk_insert(session, table, chunk, with_ids=False)
            done += len(chunk)
            progress(done, len(self.rows))
        self.report.touched_ids.update(row["customer_id"] for row in self.rows)


def _interaction_key(row: dict[str, Any]) -> tuple[Any, ...]:
    if row["external_id"]:
        return ("x", row["external_id"])
    return ("k", row["customer_id"], row["kind"], row["occurred_at"], row["amount_minor"])


def _existing_interaction_keys(session: Session, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """Keys of the stored interactions of the file's customers (and its external ids)."""
    table = table_of(Interaction)
    keys: set[tuple[Any, ...]] = set()
    customer_ids = sorted({r["customer_id"] for r in rows})
    externals = sorted({r["external_id"] for r in rows if r["external_id"]})
    columns = (table.c.external_id, table.c.customer_id, table.c.kind, table.c.occurred_at, table.c.amount_minor)
    for chunk in chunks(customer_ids):
        for external, customer_id, kind, occurred_at, amount in session.execute(
            sa.select(*columns).where(table.c.customer_id.in_(chunk))
        ):
            keys.add(("k", customer_id, kind, occurred_at, amount))
            if external:
                keys.add(("x", external))
    for chunk in chunks(externals):
        keys.update(
            ("x", external)
            for (external,) in session.execute(select(table.c.external_id).where(table.c.external_id.in_(chunk)))
        )
    return keys
