"""Customer facts for the tiering engine, computed set-based in SQL.

One aggregate pass over `interaction` (grouped by customer) gives every count and date the engine
needs; one more over deals gives money by currency. No Python loop over interaction rows: a
recompute of 100k customers with 1M interactions is a handful of GROUP BY queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, func, literal, literal_column, or_, select, type_coerce
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from core import occasions
from core.models import Contact, Customer, CustomerTier, Feedback, Interaction
from core.money import from_minor
from core.tiering import CustomerFacts, Occasion, Policy

CHUNK = 5000  # customer ids per IN (...) when loading a subset
MAX_LEAD_DAYS = 31  # occasions are looked up this far ahead; the policy's lead times are shorter


def load_facts(session: Session, policy: Policy, now: datetime, *, org_timezone: str,
               customer_ids: Sequence[int] | None = None, with_occasions: bool = True) -> list[CustomerFacts]:
    """Facts of every non-archived customer (or of `customer_ids`) as of `now`."""
    if customer_ids is not None and not customer_ids:
        return []
    ids = None if customer_ids is None else list(customer_ids)
    customers = _customers(session, ids, with_attributes=_uses_attributes(policy))
    if not customers:
        return []
    activity = _activity(session, policy, now, org_timezone, ids)
    money = _money(session, policy, now, ids)
    feedback = _feedback(session, ids)
    assigned = _assigned(session, ids)
    birthdays = _birthdays(session, ids) if with_occasions else {}
    facts = []
    for row in customers:
        cid = row.id
        act = activity.get(cid, NO_ACTIVITY)
        revenue, rfm_amount = money.get(cid, ({}, {}))
        satisfaction, complaints = feedback.get(cid, (None, 0))
        zone_name = row.timezone or org_timezone
        facts.append(CustomerFacts(
            id=cid, stage=row.stage, added_at=row.added_at, timezone=zone_name,
            contract_start=row.contract_start,
            first_interaction_at=act.first_at,
            potential=row.potential, influence=row.influence, intention=row.intention,
            expectation=row.expectation, satisfaction=row.satisfaction,
            latest_feedback_satisfaction=satisfaction,
            pipeline_stage=row.pipeline_stage, expected_signing_date=row.expected_signing_date,
            revenue_12m=revenue, rfm_amount=rfm_amount,
            rfm_last_deal_at=act.last_deal_at, rfm_deal_count=int(act.deal_count),
            active_months_12=int(act.active_months),
            last_contact_at=act.last_contact_at, last_visit_at=act.last_visit_at,
            interactions_last_90=int(act.last_90), interactions_prev_90=int(act.prev_90),
            open_complaints=complaints,
            occasions=_occasions(row, birthdays.get(cid, ()), now, zone_name) if with_occasions else (),
            attributes=_attributes(row.attributes),
            assigned_tiers=assigned.get(cid, {}),
        ))
    return facts


def _in_chunks(column: Any, ids: list[int] | None) -> list[ColumnElement[bool] | None]:
    if ids is None:
        return [None]
    return [column.in_(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _run(session: Session, statement: Any, column: Any, ids: list[int] | None) -> Iterable[Any]:
    """Core execution on the session's connection: plain rows, no ORM result machinery (which
    costs more than the query itself at 100k rows)."""
    connection = session.connection()
    for condition in _in_chunks(column, ids):
        yield from connection.execute(statement if condition is None else statement.where(condition))


def _uses_attributes(policy: Policy) -> bool:
    """Only policies with `attribute:<name>` dimensions read the attributes (JSON decoding
    100k of them costs more than the rest of the customer query)."""
    return any(getattr(dimension, "source_kind", "") == "attribute"
               for model in policy.models for dimension in getattr(model, "dimensions", ()))


def _customers(session: Session, ids: list[int] | None, *, with_attributes: bool) -> list[Any]:
    attributes = Customer.attributes if with_attributes else literal(None).label("attributes")
    statement = select(
        Customer.id, Customer.stage, Customer.added_at, Customer.timezone, Customer.contract_start,
        Customer.potential, Customer.influence, Customer.intention, Customer.expectation, Customer.satisfaction,
        Customer.pipeline_stage, Customer.expected_signing_date, Customer.region, attributes,
    ).where(Customer.archived.is_(False))  # type: ignore[attr-defined]
    return list(_run(session, statement, Customer.id, ids))


def _month_key(session: Session, column: Any, timezone: str, now: datetime) -> Any:
    """Calendar month of an instant in the organisation's timezone, as an expression per dialect.
    SQLite knows no zone rules: it shifts by the zone's offset at `now` (exact for zones without
    daylight saving, such as China's; off by an hour at most around a DST change elsewhere)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(timezone, column), "YYYY-MM")
    offset = now.astimezone(ZoneInfo(timezone)).utcoffset() or timedelta()
    return func.strftime("%Y-%m", column, f"{int(offset.total_seconds())} seconds")


class Activity(NamedTuple):
    first_at: datetime | None
    last_contact_at: datetime | None
    last_visit_at: datetime | None
    last_90: int
    prev_90: int
    last_deal_at: datetime | None
    deal_count: int
    active_months: int


NO_ACTIVITY = Activity(None, None, None, 0, 0, None, 0, 0)


def _activity(session: Session, policy: Policy, now: datetime, timezone: str,
              ids: list[int] | None) -> dict[int, Activity]:
    i = Interaction
    window = timedelta(days=policy.rfm_window_days or 730)
    local_now = now.astimezone(ZoneInfo(timezone))
    first_month = _months_back(local_now.date().replace(day=1), 11)
    month_start = datetime.combine(first_month, datetime.min.time(), ZoneInfo(timezone))
    is_deal_in_window = and_(i.kind == "deal", i.occurred_at > now - window)
    is_visit = or_(i.kind == "visit", and_(i.kind == "deal", i.channel == "visit"))
    statement = (
        select(
            i.customer_id,
            _raw(func.min(i.occurred_at)).label("first_at"),
            _raw(func.max(case((i.kind != "note", i.occurred_at)))).label("last_contact_at"),
            _raw(func.max(case((is_visit, i.occurred_at)))).label("last_visit_at"),
            func.sum(case((i.occurred_at > now - timedelta(days=90), 1), else_=0)).label("last_90"),
            func.sum(case((and_(i.occurred_at > now - timedelta(days=180), i.occurred_at <= now - timedelta(days=90)), 1),
                          else_=0)).label("prev_90"),
            _raw(func.max(case((is_deal_in_window, i.occurred_at)))).label("last_deal_at"),
            func.sum(case((is_deal_in_window, 1), else_=0)).label("deal_count"),
            func.count(func.distinct(case((i.occurred_at >= month_start, _month_key(session, i.occurred_at, timezone, now)))))
            .label("active_months"),
        )
        .where(i.occurred_at <= now)
        .group_by(i.customer_id)
    )
    result: dict[int, Activity] = {}
    for cid, first, contact, visit, last_90, prev_90, deal, deals, months in _run(session, statement, i.customer_id, ids):
        result[cid] = Activity(_as_utc(first), _as_utc(contact), _as_utc(visit), last_90 or 0, prev_90 or 0,
                               _as_utc(deal), deals or 0, months or 0)
    return result


def _money(session: Session, policy: Policy, now: datetime,
           ids: list[int] | None) -> dict[int, tuple[dict[str, Decimal], dict[str, Decimal]]]:
    """(revenue of the last 365 days, deal amount in the RFM window), each by currency."""
    i = Interaction
    window = max(timedelta(days=policy.rfm_window_days or 730), timedelta(days=365))
    rfm_since = now - timedelta(days=policy.rfm_window_days or 730)
    statement = (
        select(
            i.customer_id, i.currency,
            func.sum(case((i.occurred_at > now - timedelta(days=365), i.amount_minor), else_=0)).label("revenue"),
            func.sum(case((i.occurred_at > rfm_since, i.amount_minor), else_=0)).label("rfm"),
        )
        # a literal 'deal', not a bound parameter: SQLite uses the partial index only then
        .where(i.kind == literal_column("'deal'"), i.amount_minor.is_not(None),  # type: ignore[union-attr]
               i.occurred_at > now - window, i.occurred_at <= now)
        .group_by(i.customer_id, i.currency)
    )
    money: dict[int, tuple[dict[str, Decimal], dict[str, Decimal]]] = defaultdict(lambda: ({}, {}))
    for row in _run(session, statement, i.customer_id, ids):
        currency = row.currency or policy.base_currency
        revenue, rfm = money[row.customer_id]
        if row.revenue:
            revenue[currency] = from_minor(int(row.revenue), currency)
        if row.rfm:
            rfm[currency] = from_minor(int(row.rfm), currency)
    return dict(money)


def _feedback(session: Session, ids: list[int] | None) -> dict[int, tuple[int | None, int]]:
    """(latest satisfaction score given in feedback, number of open complaints) per customer."""
    f = Feedback
    latest = (
        select(f.customer_id, func.max(f.created_at).label("at"))
        .where(f.satisfaction.is_not(None))  # type: ignore[union-attr]
        .group_by(f.customer_id)
        .subquery()
    )
    scores = select(f.customer_id, f.satisfaction).join(
        latest, and_(latest.c.customer_id == f.customer_id, latest.c.at == f.created_at))
    complaints = (
        select(f.customer_id, func.count().label("n"))
        .where(f.kind == "complaint", f.status != "resolved")
        .group_by(f.customer_id)
    )
    result: dict[int, tuple[int | None, int]] = {}
    for row in _run(session, scores, f.customer_id, ids):
        result[row.customer_id] = (row.satisfaction, 0)
    for row in _run(session, complaints, f.customer_id, ids):
        result[row.customer_id] = (result.get(row.customer_id, (None, 0))[0], int(row.n))
    return result


def _assigned(session: Session, ids: list[int] | None) -> dict[int, dict[str, str]]:
    statement = select(CustomerTier.customer_id, CustomerTier.model, CustomerTier.tier).where(
        CustomerTier.tier.is_not(None))  # type: ignore[union-attr]
    assigned: dict[int, dict[str, str]] = defaultdict(dict)
    for row in _run(session, statement, CustomerTier.customer_id, ids):
        assigned[row.customer_id][row.model] = row.tier
    return dict(assigned)


def _birthdays(session: Session, ids: list[int] | None) -> dict[int, list[tuple[str, date]]]:
    statement = select(Contact.customer_id, Contact.name, Contact.birthday).where(
        Contact.birthday.is_not(None))  # type: ignore[union-attr]
    found: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for row in _run(session, statement, Contact.customer_id, ids):
        found[row.customer_id].append((row.name, row.birthday))
    return dict(found)


def _occasions(row: Any, birthdays: Iterable[tuple[str, date]], now: datetime, zone_name: str) -> tuple[Occasion, ...]:
    today = now.astimezone(ZoneInfo(zone_name)).date()
    found = [Occasion("holiday", day, name) for day, name in occasions.holidays_ahead(row.region, today, MAX_LEAD_DAYS)]
    for name, birthday in birthdays:
        day = occasions.next_anniversary(birthday, today)
        if day is not None and (day - today).days <= MAX_LEAD_DAYS:
            found.append(Occasion("birthday", day, name))
    if row.contract_start is not None:
        day = occasions.next_anniversary(row.contract_start, today, skip_first=True)
        if day is not None and (day - today).days <= MAX_LEAD_DAYS:
            found.append(Occasion("anniversary", day, str(day.year - row.contract_start.year)))
    return tuple(sorted(found, key=lambda o: o.date))


def _attributes(raw: Any) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for key, value in (raw or {}).items():
        try:
            values[str(key)] = Decimal(str(value))
        except ArithmeticError:
            continue  # a non-numeric attribute is not a fact for the engine
    return values


def _raw(expression: Any) -> Any:
    """An instant aggregate handed back untouched (text on SQLite, datetime on PostgreSQL):
    `_as_utc` parses it with `fromisoformat`, far faster than the generic result processor."""
    return type_coerce(expression, String())


def _months_back(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _as_utc(value: Any) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive text or datetimes (UTC)."""
    if value is None:
        return None
    if type(value) is str:  # SQLite keeps naive UTC text; parse it as UTC in one C call
        return datetime.fromisoformat(value + "+00:00")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

