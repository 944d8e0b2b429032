"""Import a deals export (商机) as Zoho, HubSpot and Salesforce write it: Deal Name / 商机名称,
Account Name / 客户名称, Amount / 金额, Stage / 阶段, Closing Date / 预计成交日期, Owner.

Each row is one opportunity of a customer already in the book (a name matches only customers
the importer sees; the account's external id works too). Its stage decides what it becomes:
- won (Closed Won, 赢单 …): a booked deal on its closing date — revenue, counted by contribution
  and RFM — and the opportunity closed as won with it; a prospect becomes an active customer;
- open (Qualification, 方案报价 …): an open opportunity, the customer's expected revenue in the
  pipeline (expected amount, signing date, stage; a probability gives the intention);
- lost (Closed Lost, 输单 …): the opportunity closed as lost, with the reason when the file has one.
A second import of the same file changes nothing: a row matches its opportunity by the CRM's
id, else by customer and deal name; an open one that is now won or lost is closed, one already
closed is never reopened. The customers are re-tiered once at the end (the caller's recompute
of `report.touched_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from core.accounts import Account
from core.errors import ImportFileError
from core.imports.common import (
    CellError,
    CustomerIndex,
    ImportReport,
    People,
    Plan,
    Progress,
    bulk_insert,
    cells_of,
    chunks,
    note_columns,
    visible,
    write_chunks,
)
from core.imports.files import Table, map_columns
from core.models import Customer, Interaction, Opportunity, table_of
from core.money import to_minor
from core.values import BadValue, day_first_of, parse_amount, parse_date

DEAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "external id", "record id", "deal id", "opportunity id", "商机编号", "商机id", "id"),
    "deal_name": (
        "deal_name",
        "deal name",
        "deal",
        "deal title",
        "opportunity name",
        "opportunity",
        "商机名称",
        "商机",
        "商机主题",
        "机会名称",
    ),
    "customer": (
        "customer",
        "account name",
        "account",
        "客户名称",
        "客户",
        "关联客户",
        "company",
        "company name",
        "公司名称",
        "associated company",
        "associated company (primary)",
    ),
    "customer_ref": ("customer_external_id", "customer external id", "account id", "客户编号", "客户id", "customer id"),
    "amount": ("amount", "金额", "商机金额", "deal amount", "成交金额", "预计金额"),
    "currency": ("currency", "币种", "货币"),
    "stage": ("stage", "deal stage", "阶段", "商机阶段", "销售阶段"),
    "closing_date": (
        "closing date",
        "close date",
        "closing_date",
        "expected close date",
        "预计成交日期",
        "预计签约日期",
        "成交日期",
        "结单日期",
    ),
    "owner": ("owner", "deal owner", "opportunity owner", "负责人", "商机负责人", "所有人", "销售"),
    "lost_reason": (
        "lost reason",
        "reason for loss",
        "closed lost reason",
        "loss reason",
        "输单原因",
        "丢单原因",
        "失败原因",
    ),
    "probability": ("probability", "赢率", "成交概率", "赢单概率"),
}
# stage words → "won" | "lost" | a pipeline stage code (an open deal)
_WON = (
    "closed won",
    "closedwon",
    "closed - won",
    "closed-won",
    "won",
    "deal won",
    "赢单",
    "已赢单",
    "成交",
    "已成交",
    "签约",
    "已签约",
)
_LOST = (
    "closed lost",
    "closedlost",
    "closed - lost",
    "closed-lost",
    "lost",
    "deal lost",
    "closed lost to competition",
    "closed-lost to competition",
    "输单",
    "已输单",
    "丢单",
    "失败",
    "商机失败",
)
_OPEN = {
    "prospecting": "lead",
    "lead": "lead",
    "线索": "lead",
    "初步线索": "lead",
    "qualification": "contacted",
    "appointment scheduled": "contacted",
    "appointmentscheduled": "contacted",
    "初步接洽": "contacted",
    "已联系": "contacted",
    "初步接触": "contacted",
    "验证客户": "contacted",
    "needs analysis": "needs_confirmed",
    "qualified to buy": "needs_confirmed",
    "qualifiedtobuy": "needs_confirmed",
    "id. decision makers": "needs_confirmed",
    "identify decision makers": "needs_confirmed",
    "perception analysis": "needs_confirmed",
    "需求分析": "needs_confirmed",
    "需求确认": "needs_confirmed",
    "value proposition": "proposal",
    "proposal/price quote": "proposal",
    "proposal": "proposal",
    "presentation scheduled": "proposal",
    "presentationscheduled": "proposal",
    "方案": "proposal",
    "报价": "proposal",
    "方案报价": "proposal",
    "方案/报价": "proposal",
    "negotiation/review": "negotiation",
    "negotiation": "negotiation",
    "decision maker bought-in": "negotiation",
    "decisionmakerboughtin": "negotiation",
    "谈判": "negotiation",
    "商务谈判": "negotiation",
    "谈判审核": "negotiation",
    "contract sent": "contract_sent",
    "contractsent": "contract_sent",
    "合同已发": "contract_sent",
    "合同": "contract_sent",
    "签约中": "contract_sent",
}
_STATUS = {**{w: "won" for w in _WON}, **{w: "lost" for w in _LOST}}


@dataclass
class _DealRow:
    line: int
    customer_id: int
    title: str
    status: str  # open | won | lost
    stage: str | None
    amount_minor: int | None
    currency: str | None
    closing: Any  # date | None
    occurred_at: datetime | None  # a won deal's booking instant (noon local of the closing date)
    closed_at: datetime | None  # won or lost: when (the closing date, else the import)
    intention: int | None
    lost_reason: str | None
    external_id: str | None
    rep_id: int | None
    existing: dict[str, Any] | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def parse_stage(text: str) -> tuple[str, str | None]:
    """(status, pipeline stage) of a CRM's deal stage; BadValue `choice_deal_stage` else."""
    key = " ".join(text.strip().lower().split())
    if not key:
        raise BadValue("required")
    if key in _STATUS:
        return _STATUS[key], None
    if key in _OPEN:
        return "open", _OPEN[key]
    raise BadValue("choice_deal_stage", value=text[:60])


def _intention(text: str) -> int | None:
    """A probability (40, 40%, 0.4) as a 1–5 intention: 0–19 % → 1 … 80–100 % → 5."""
    if not text:
        return None
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except ArithmeticError:
        raise BadValue("probability", value=text[:40]) from None
    if value.is_finite() and 0 < value <= 1 and "." in text:
        value *= 100
    if not value.is_finite() or not 0 <= value <= 100:
        raise BadValue("probability", value=text[:40])
    return min(5, 1 + int(value) // 20)


def plan_deals(
    session: Session, table: Table, actor: Account | None, now: datetime, currency: str, zone: ZoneInfo
) -> _DealPlan:
    columns = map_columns(table.headers, DEAL_COLUMNS)
    missing = [name for name in ("deal_name", "stage") if name not in columns.index]
    if not {"customer", "customer_ref"} & columns.index.keys():
        missing.insert(1, "customer")
    if missing:
        raise ImportFileError(
            "missing_columns",
            columns=", ".join(
                {"deal_name": "Deal Name / 商机名称", "customer": "Account Name / 客户名称", "stage": "Stage / 阶段"}[m]
                for m in missing
            ),
        )
    report = ImportReport("deals", rows=len(table.rows), headers=table.headers)
    note_columns(report, columns, columns.derived)
    people = People(session, actor)
    customers = CustomerIndex(session, visible(session, actor))
    closing = columns.index.get("closing_date")
    day_first = day_first_of(row[closing] for _, row in table.rows if closing is not None and closing < len(row))
    rows: list[_DealRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    for line, cells_row in table.rows:
        cells = cells_of(cells_row, columns)
        try:
            row = _deal(line, cells, columns.header, customers, people, zone, day_first, currency, now)
        except CellError as exc:
            report.refuse(line, exc.code, exc.column, **exc.params)
            report.bad_rows[line] = cells_row
            continue
        key = ("x", row.external_id) if row.external_id else ("n", row.customer_id, row.title)
        if key in seen:
            report.refuse(line, "repeat_deal", None, line=seen[key])
            report.bad_rows[line] = cells_row
            continue
        seen[key] = line
        rows.append(row)
    plan = _DealPlan(report, rows, now, customers.stage)
    plan.match(session, {line: cells for line, cells in table.rows})
    report.errors.sort(key=lambda e: e.line)
    return plan


def _deal(
    line: int,
    cells: dict[str, str],
    headers: dict[str, str],
    customers: CustomerIndex,
    people: People,
    zone: ZoneInfo,
    day_first: bool | None,
    currency: str,
    now: datetime,
) -> _DealRow:
    def value(name: str, parse: Any) -> Any:
        try:
            return parse(cells.get(name, ""))
        except BadValue as exc:
            raise CellError(exc.code, headers.get(name), exc.params) from None

    title = cells.get("deal_name", "")
    if not title:
        raise CellError("required", headers.get("deal_name"), {})
    if len(title) > 200:
        raise CellError("too_long", headers.get("deal_name"), {"limit": 200})
    reference = cells.get("customer_ref") or cells.get("customer", "")
    column = "customer_ref" if cells.get("customer_ref") else "customer"
    if not reference:
        raise CellError("required", headers.get(column), {})
    name = cells.get("customer", "") if column == "customer_ref" else ""

    def find(_: str) -> int:
        try:
            return customers.find(reference, name)
        except BadValue as exc:
            raise BadValue(
                "deal_customer_unknown" if exc.code == "customer_unknown" else exc.code, **exc.params
            ) from None

    customer_id = value(column, find)
    status, stage = value("stage", parse_stage)
    amount = value("amount", parse_amount)
    if amount is not None and amount < 0:
        raise CellError("amount_negative", headers.get("amount"), {"value": cells.get("amount", "")[:40]})
    row_currency = (cells.get("currency") or currency).strip().upper()
    if amount is not None and (len(row_currency) != 3 or not row_currency.isalpha()):
        raise CellError("currency", headers.get("currency"), {"value": row_currency[:10]})
    closing = value("closing_date", lambda v: parse_date(v, day_first))
    occurred_at = closed_at = None
    if status == "won":
        if closing is None:
            raise CellError("won_needs_date", headers.get("closing_date") or headers.get("stage"), {})
        occurred_at = closed_at = datetime.combine(closing, time(12, 0), zone).astimezone(now.tzinfo)
        if occurred_at > now:
            raise CellError("won_in_future", headers.get("closing_date"), {"value": cells.get("closing_date", "")})
    elif status == "lost":
        closed_at = min(datetime.combine(closing, time(12, 0), zone).astimezone(now.tzinfo), now) if closing else now
    rep = value("owner", people.resolve) if cells.get("owner") else None
    if rep is None:
        owner = customers.owner.get(customer_id)
        rep = owner if owner is not None else people.default
    external = cells.get("external_id") or None
    if external and len(external) > 100:
        raise CellError("too_long", headers.get("external_id"), {"limit": 100})
    return _DealRow(
        line,
        customer_id,
        title,
        status,
        stage,
        to_minor(amount, row_currency) if amount is not None else None,
        row_currency if amount is not None else None,
        closing,
        occurred_at,
        closed_at,
        value("probability", _intention),
        (cells.get("lost_reason") or "")[:1000] or None,
        external,
        rep,
    )


class _DealPlan(Plan):
    def __init__(self, report: ImportReport, rows: list[_DealRow], now: datetime, stages: dict[int, str]) -> None:
        self.report, self.rows, self.now, self.stages = report, rows, now, stages

    def match(self, session: Session, cells: dict[int, list[str]]) -> None:
        """Each row's opportunity (by the CRM's id, else customer + deal name) and what happens to it."""
        existing = _opportunities(
            session,
            sorted({r.customer_id for r in self.rows}),
            sorted({r.external_id for r in self.rows if r.external_id}),
        )
        by_external = {o["external_id"]: o for o in existing if o["external_id"]}
        by_title: dict[tuple[int, str], dict[str, Any]] = {}
        for o in sorted(existing, key=lambda o: (o["status"] != "open", o["id"])):  # an open one first
            by_title.setdefault((o["customer_id"], o["title"]), o)
        kept = []
        for row in self.rows:
            found = by_external.get(row.external_id) if row.external_id else None
            if found is None:
                found = by_title.get((row.customer_id, row.title))
                if found is not None and row.external_id and found["external_id"]:
                    found = None  # another CRM deal of the same name
            if found is not None and found["customer_id"] != row.customer_id:
                self.report.refuse(row.line, "deal_other_customer", None, value=row.external_id or row.title)
                self.report.bad_rows[row.line] = cells[row.line]
                continue
            row.existing = found
            outcome = self._decide(row)
            if outcome == "refused":
                self.report.bad_rows[row.line] = cells[row.line]
                continue
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)
            self.report.outcomes[row.line] = outcome
            kept.append(row)
        self.rows = kept

    def _decide(self, row: _DealRow) -> str:
        """created | updated | unchanged | refused; fills `row.changes` for an update."""
        old = row.existing
        if old is None:
            return "created"
        if old["status"] != "open":
            if old["status"] != row.status:  # an import never reopens or re-closes a closed deal
                self.report.refuse(row.line, f"deal_closed_{old['status']}", None)
                return "refused"
            if row.status == "lost" and row.lost_reason and row.lost_reason != old["lost_reason"]:
                row.changes = {"lost_reason": row.lost_reason}
            return "updated" if row.changes else "unchanged"
        if row.status != "open":
            return "updated"  # closed now: won (the deal is booked) or lost
        wanted = {
            "amount_minor": row.amount_minor,
            "currency": row.currency,
            "expected_signing_date": row.closing,
            "stage": row.stage,
            "intention": row.intention,
            "external_id": row.external_id,
        }
        row.changes = {k: v for k, v in wanted.items() if v is not None and old[k] != v}
        return "updated" if row.changes else "unchanged"

    def apply(self, session: Session, progress: Progress) -> None:
        work = [
            r
            for r in self.rows
            if r.existing is None or r.changes or (r.existing["status"] == "open" and r.status != "open")
        ]
        won = [r for r in work if r.status == "won" and (r.existing is None or r.existing["status"] == "open")]
        deal_ids = self._book(session, won)
        done = 0
        for chunk in write_chunks(work):
            inserts, updates = [], []
            for row in chunk:
                closed = {
                    "status": row.status,
                    "closed_at": row.closed_at,
                    "deal_interaction_id": deal_ids.get(row.line),
                    "updated_at": self.now,
                }
                if row.existing is None:
                    inserts.append(
                        {
                            "source_interaction_id": None,
                            "customer_id": row.customer_id,
                            "title": row.title,
                            "amount_minor": row.amount_minor,
                            "currency": row.currency,
                            "expected_signing_date": row.closing,
                            "stage": row.stage,
                            "intention": row.intention,
                            "lost_reason": row.lost_reason,
                            "external_id": row.external_id,
                            "rep_id": row.rep_id,
                            "created_at": self.now,
                            **closed,
                        }
                    )
                elif row.existing["status"] == "open" and row.status != "open":
                    updates.append(
                        {
                            "id": row.existing["id"],
                            **closed,
                            "lost_reason": row.lost_reason,
                            **{
                                k: v
                                for k, v in (
                                    ("amount_minor", row.amount_minor),
                                    ("currency", row.currency),
                                    ("external_id", row.external_id),
                                )
                                if v is not None
                            },
                        }
                    )
                else:
                    updates.append({"id": row.existing["id"], **row.changes, "updated_at": self.now})
            bulk_insert(session, table_of(Opportunity), inserts, with_ids=False)
            for part in _same_keys(updates):
                session.execute(update(Opportunity), part)
            done += len(chunk)
            progress(done, len(work))
        self._sign(session, won)
        self.report.touched_ids.update(r.customer_id for r in work)

    def _book(self, session: Session, won: list[_DealRow]) -> dict[int, int]:
        """The won deals as booked revenue: one deal interaction each; line → its id."""
        values = [
            {
                "customer_id": r.customer_id,
                "contact_id": None,
                "rep_id": r.rep_id,
                "kind": "deal",
                "channel": None,
                "occurred_at": r.occurred_at,
                "amount_minor": r.amount_minor,
                "currency": r.currency,
                "summary": r.title,
                "external_id": None,
                "source_chat_id": None,
                "source_message_id": None,
                "created_at": self.now,
                "attempt": False,
            }
            for r in won
        ]
        ids: list[int] = []
        for chunk in chunks(values):
            ids += bulk_insert(session, table_of(Interaction), chunk, with_ids=True)
        return {row.line: deal_id for row, deal_id in zip(won, ids, strict=True)}

    def _sign(self, session: Session, won: list[_DealRow]) -> None:
        """A prospect with a won deal is an active customer (as 🏆 won makes it); its contract
        starts with its first won deal unless a start is known."""
        first: dict[int, Any] = {}
        for row in won:
            if self.stages.get(row.customer_id) == "prospect":
                first[row.customer_id] = min(first.get(row.customer_id, row.closing), row.closing)
        if not first:
            return
        table = table_of(Customer)
        statement = (
            update(table)
            .where(table.c.id == bindparam("cid"))
            .values(stage="active", contract_start=func.coalesce(table.c.contract_start, bindparam("day")))
        )
        session.execute(statement, [{"cid": cid, "day": day} for cid, day in first.items()])


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bulk UPDATE by primary key wants one set of keys per statement."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def _opportunities(session: Session, customer_ids: list[int], externals: list[str]) -> list[dict[str, Any]]:
    table = table_of(Opportunity)
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(customer_ids):
        for row in session.execute(select(table).where(table.c.customer_id.in_(chunk))).mappings():
            found[row["id"]] = dict(row)
    for chunk in chunks(externals):
        for row in session.execute(select(table).where(table.c.external_id.in_(chunk))).mappings():
            found[row["id"]] = dict(row)
    return list(found.values())
