"""Customer facts for the tiering engine, computed set-based in SQL.

One aggregate pass over `interaction` (grouped by customer) gives every count and date of
activity; one pass over the deals' partial index gives money by currency and the RFM figures.
No Python loop over interaction rows: a recompute of 100k customers with 1M interactions is a
handful of GROUP BY queries, read as plain tuples (SQLAlchemy's per-row processing would cost
more than the queries themselves).

`load_book_facts` loads the whole book for a recompute with the interaction pass (most of the
database time) on a second connection: SQLite and psycopg release the GIL while they work, so
this thread reads the other tables and builds facts meanwhile.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple, overload
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlmodel import Session, col

from core import occasions
from core.as_of import AsOf
from core.db import Database, beside, raw_rows
from core.models import Contact, Customer, CustomerTier, Feedback, Interaction, InteractionKind, Opportunity, table_of
from core.money import from_minor
from core.tiering import CustomerFacts, Occasion, OpenOpportunity, Policy, collector_paused

CHUNK = 5000  # customer ids per IN (...) when loading a subset
MAX_LEAD_DAYS = 31  # occasions are looked up this far ahead; the policy's lead times are shorter


def load_facts(
    session: Session,
    as_of: AsOf,
    *,
    customer_ids: Sequence[int] | None = None,
    with_occasions: bool = True,
) -> list[CustomerFacts]:
    """Facts of every non-archived customer (or of `customer_ids`) as of `now`, all read on the
    session's connection (so they include what the session wrote and has not committed)."""
    if customer_ids is not None and not customer_ids:
        return []
    ids = None if customer_ids is None else list(customer_ids)
    queries = FactQueries(as_of, session.get_bind().dialect.name)
    connection = session.connection()
    with collector_paused():
        activity = _activity(_fetch(connection, queries.activity(), Interaction.customer_id, ids, queries.params))
        return _facts(connection, queries, ids, lambda: activity, with_occasions)


def load_book_facts(db: Database, as_of: AsOf) -> list[CustomerFacts]:
    """Facts of every non-archived customer as of `now`, without occasions (a recompute needs
    none). The pass over `interaction` runs on a connection of its own in a worker thread while
    this thread reads the other tables and prepares everything else."""
    queries = FactQueries(as_of, db.engine.dialect.name)
    with db.session() as session, beside(session) as aside, collector_paused():
        activity = aside.submit(lambda other: _activity(_rows_in_one_step(other, queries.activity(), queries.params)))
        return _facts(session.connection(), queries, None, activity.result, False)


def load_cadence_facts(
    session: Session, as_of: AsOf, *, customer_ids: Sequence[int] | None = None
) -> list[CustomerFacts]:
    """Only what cadence and greetings need (stage, zone, last contact and visit, stored tiers,
    occasions) for every non-archived customer or for `customer_ids`: the morning digest of a
    whole book. Money, feedback and ratings are left out, so these facts are for
    `cadence_of_assigned`, never for evaluating a model. For the whole book of a file database
    the interaction pass runs on a second connection while this one reads the rest (as
    `load_book_facts` does); it then sees only committed rows, which is all a sweep reads."""
    if customer_ids is not None and not customer_ids:
        return []
    ids = None if customer_ids is None else list(customer_ids)
    queries = FactQueries(as_of, session.get_bind().dialect.name)
    connection = session.connection()
    with beside(session) as aside, collector_paused():
        if ids is None:
            activity_rows: Callable[[], Sequence[Any]] = aside.submit(
                _rows_in_one_step, queries.contacts(), queries.params
            ).result
        else:
            rows = _fetch(connection, queries.contacts(), Interaction.customer_id, ids, queries.params)
            activity_rows = lambda: rows  # noqa: E731
        customers = _fetch(connection, queries.customers_for_cadence(), Customer.id, ids)
        assigned = _assigned(connection, ids)
        birthdays = _birthdays(connection, ids)
        last = {cid: (_as_utc(contact), _as_utc(visit)) for cid, contact, visit in activity_rows()}
        facts = []
        for cid, stage, added_at, zone_name, contract_start, region in customers:
            zone_name = zone_name or as_of.timezone
            contract_start = _as_date(contract_start)
            contact, visit = last.get(cid, (None, None))
            facts.append(
                CustomerFacts(
                    id=cid,
                    stage=stage,
                    added_at=_as_utc(added_at),
                    timezone=zone_name,
                    contract_start=contract_start,
                    last_contact_at=contact,
                    last_visit_at=visit,
                    occasions=_occasions(region, contract_start, birthdays.get(cid, ()), as_of.now, zone_name),
                    assigned_tiers=assigned.get(cid, NO_ENTRIES),
                )
            )
        return facts


def _rows_in_one_step(session: Session, statement: Any, params: Mapping[str, Any]) -> Sequence[Any]:
    """All rows of `statement`, read so that a worker thread (core.db.beside) seldom needs the
    GIL. SQLite steps once per row and takes the GIL back after each step, which stalls while
    another thread runs Python; folded into one JSON array, the whole query is a single step
    (GIL released) and one `json.loads`. psycopg reads a whole result at once."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return connection.execute(statement, dict(params)).all()
    columns = statement.subquery().c
    folded = select(func.json_group_array(func.json_array(*columns)))
    return json.loads(connection.execute(folded, dict(params)).scalar_one())


def _facts(
    connection: Connection,
    queries: FactQueries,
    ids: list[int] | None,
    activity_of: Callable[[], dict[int, Activity]],
    with_occasions: bool,
) -> list[CustomerFacts]:
    """Everything but the activity first (`activity_of` waits for it, so a recompute prepares
    the customers while the interaction pass still runs), then the facts."""
    customers = _fetch(connection, queries.customers(), Customer.id, ids)
    if not customers:
        return []
    known = _known_fields(connection, queries, ids, customers, with_occasions)
    activity = activity_of()
    facts = []
    for fields in known:
        act = activity.get(fields["id"], NO_ACTIVITY)
        facts.append(
            CustomerFacts(
                **fields,
                first_interaction_at=act.first_at,
                active_months_12=act.active_months,
                last_contact_at=act.last_contact_at,
                last_visit_at=act.last_visit_at,
                interactions_last_90=act.last_90,
                interactions_prev_90=act.prev_90,
            )
        )
    return facts


def _known_fields(
    connection: Connection, queries: FactQueries, ids: list[int] | None, customers: list[Any], with_occasions: bool
) -> list[dict[str, Any]]:
    """Each customer's facts but the activity, as keyword arguments of CustomerFacts."""
    deals = _deals(connection, queries, ids)
    pipeline = _open_opportunities(connection, ids)
    feedback = _feedback(connection, ids)
    assigned = _assigned(connection, ids)
    birthdays = _birthdays(connection, ids) if with_occasions else {}
    now, org_timezone = queries.now, queries.timezone
    known = []
    base = queries.policy.base_currency
    for (
        cid,
        stage,
        added_at,
        zone_name,
        contract_start,
        potential,
        influence,
        intention,
        expectation,
        satisfaction,
        pipeline_stage,
        signing_date,
        region,
        attributes,
        customer_since,
        stated_minor,
        stated_currency,
    ) in customers:
        deal = deals.get(cid, NO_DEALS)
        latest_satisfaction, complaints = feedback.get(cid, (None, 0))
        zone_name = zone_name or org_timezone
        contract_start = _as_date(contract_start)
        known.append(
            dict(
                id=cid,
                stage=stage,
                added_at=_as_utc(added_at),
                timezone=zone_name,
                contract_start=contract_start,
                customer_since=_as_date(customer_since),
                potential=potential,
                influence=influence,
                intention=intention,
                expectation=expectation,
                satisfaction=satisfaction,
                latest_feedback_satisfaction=latest_satisfaction,
                pipeline_stage=pipeline_stage,
                expected_signing_date=_as_date(signing_date),
                revenue_12m=deal.revenue,
                rfm_amount=deal.rfm_amount,
                deals_12m=deal.year_count,
                rfm_last_deal_at=deal.last_at,
                rfm_deal_count=deal.deal_count,
                stated_revenue=_amounts(stated_currency or base, stated_minor) if stated_minor else NO_ENTRIES,
                open_complaints=complaints,
                open_opportunities=pipeline.get(cid, ()),
                occasions=(
                    _occasions(region, contract_start, birthdays.get(cid, ()), now, zone_name) if with_occasions else ()
                ),
                attributes=_attributes(attributes) if attributes else NO_ENTRIES,
                assigned_tiers=assigned.get(cid, NO_ENTRIES),
            )
        )
    return known


def _fetch(
    connection: Connection, statement: Any, column: Any, ids: list[int] | None, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """All rows of `statement` (for `ids` only, in chunks, when given) as the driver's tuples.
    Read with core.db.raw_rows: every value here is raw on purpose (`_raw` instants, numbers,
    text, JSON as text or as parsed by the driver)."""
    given = dict(params or {})
    if ids is None:
        runs = [(statement, given)]
    else:
        for_ids = _for_ids(statement, column)
        runs = [(for_ids, {**given, "ids": ids[start : start + CHUNK]}) for start in range(0, len(ids), CHUNK)]
    rows: list[tuple[Any, ...]] = []
    for one, values in runs:
        rows += raw_rows(connection, one, values)
    return rows


_FOR_IDS: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


def _for_ids(statement: Any, column: Any) -> Any:
    """`statement` for a list of customer ids (an expanding `ids` parameter), built once per
    statement: the statements are module-level and few, so this never grows past a dozen."""
    key = (id(statement), id(column))
    known = _FOR_IDS.get(key)
    if known is None:  # the statement and column are kept too, so their ids stay theirs
        known = _FOR_IDS[key] = (statement, column, statement.where(column.in_(bindparam("ids", expanding=True))))
    return known[2]


class FactQueries:
    """The aggregate statements as of `now`: built once per (policy's columns, timezone,
    dialect) with `now`, its windows and month boundaries as bound parameters (`params`), worked
    out once per call. Re-tiering one customer thus composes no statement: SQLAlchemy's
    construction and cache key cost more than the queries for one customer."""

    def __init__(self, as_of: AsOf, dialect: str) -> None:
        policy, now, zone = as_of.policy, as_of.now, as_of.zone
        self.policy, self.now, self.timezone, self.dialect = policy, now, as_of.timezone, dialect
        rfm_since = now - timedelta(days=policy.rfm_window_days or 730)
        year_ago = now - timedelta(days=365)
        first_month = _months_back(as_of.today.replace(day=1), 11)
        offset = now.astimezone(zone).utcoffset() or timedelta()
        self.params: dict[str, Any] = {
            "now": now,
            "day_90": now - timedelta(days=90),
            "day_180": now - timedelta(days=180),
            "months_start": datetime.combine(first_month, datetime.min.time(), zone),
            "month_offset": f"{int(offset.total_seconds())} seconds",
            "rfm_since": rfm_since,
            "year_ago": year_ago,
            "deal_since": min(rfm_since, year_ago),
        }
        self._built = _statements(_uses_attributes(policy), as_of.timezone, dialect)

    def customers(self) -> Any:
        return self._built.customers

    def customers_for_cadence(self) -> Any:
        return self._built.customers_for_cadence

    def contacts(self) -> Any:
        """Last contact and last visit per customer: the part of `activity` cadence needs."""
        return self._built.contacts

    def activity(self) -> Any:
        return self._built.activity

    def deals(self) -> Any:
        """Per customer and currency: last purchase and purchase count of the RFM window, revenue
        of the last 365 days and the RFM window's amount (both net of refunds), and the purchases
        of the 365 days."""
        return self._built.deals


class _Statements(NamedTuple):
    customers: Any
    customers_for_cadence: Any
    contacts: Any
    activity: Any
    deals: Any


def _instant(name: str) -> Any:
    return bindparam(name, type_=table_of(Interaction).c.occurred_at.type)


@lru_cache(maxsize=32)
def _statements(uses_attributes: bool, timezone: str, dialect: str) -> _Statements:
    i = Interaction
    now, day_90, day_180 = _instant("now"), _instant("day_90"), _instant("day_180")
    attributes = col(Customer.attributes) if uses_attributes else literal(None).label("attributes")
    customers = select(
        col(Customer.id),
        col(Customer.stage),
        _raw(col(Customer.added_at)),
        col(Customer.timezone),
        _raw(col(Customer.contract_start)),
        col(Customer.potential),
        col(Customer.influence),
        col(Customer.intention),
        col(Customer.expectation),
        col(Customer.satisfaction),
        col(Customer.pipeline_stage),
        _raw(col(Customer.expected_signing_date)),
        col(Customer.region),
        attributes,
        _raw(col(Customer.customer_since)),
        col(Customer.annual_revenue_minor),
        col(Customer.annual_revenue_currency),
    ).where(col(Customer.archived).is_(False))
    customers_for_cadence = select(
        col(Customer.id),
        col(Customer.stage),
        _raw(col(Customer.added_at)),
        col(Customer.timezone),
        _raw(col(Customer.contract_start)),
        col(Customer.region),
    ).where(col(Customer.archived).is_(False))
    contacts = (
        select(
            col(i.customer_id),
            _raw(func.max(col(i.occurred_at)).filter(is_contact(i))),
            _raw(func.max(i.occurred_at).filter(_is_visit(i))),
        )
        .where(i.occurred_at <= now)
        .group_by(col(i.customer_id))
    )
    # FILTER (WHERE …) rather than CASE: fewer steps per row on SQLite, the same on PostgreSQL
    activity = (
        select(
            col(i.customer_id),
            _raw(func.min(col(i.occurred_at))),
            _raw(func.max(col(i.occurred_at)).filter(is_contact(i))),
            _raw(func.max(col(i.occurred_at)).filter(_is_visit(i))),
            func.count().filter(col(i.occurred_at) > day_90),
            func.count().filter(col(i.occurred_at) > day_180, col(i.occurred_at) <= day_90),
            func.count(func.distinct(_month_key(col(i.occurred_at), timezone, dialect))).filter(
                col(i.occurred_at) >= _instant("months_start")
            ),
        )
        .where(i.occurred_at <= now)
        .group_by(col(i.customer_id))
    )
    in_rfm, in_year = i.occurred_at > _instant("rfm_since"), i.occurred_at > _instant("year_ago")
    # A refund (a negative amount) lowers the sums but is no purchase: it counts neither as
    # the last deal nor towards the frequency, so it can never raise a tier.
    purchase = or_(col(i.amount_minor).is_(None), col(i.amount_minor) >= 0)
    deals = (
        select(
            col(i.customer_id),
            col(i.currency),
            _raw(func.max(col(i.occurred_at)).filter(in_rfm, purchase)),
            func.count().filter(in_rfm, purchase),
            func.sum(col(i.amount_minor)).filter(in_year),
            func.sum(col(i.amount_minor)).filter(in_rfm),
            func.count().filter(in_year, purchase),
        )
        # a literal 'deal', not a bound parameter: SQLite uses the partial index only then
        .where(
            col(i.kind) == literal_column("'deal'"),
            col(i.occurred_at) > _instant("deal_since"),
            col(i.occurred_at) <= now,
        )
        .group_by(col(i.customer_id), col(i.currency))
    )
    return _Statements(customers, customers_for_cadence, contacts, activity, deals)


def _month_key(column: Any, timezone: str, dialect: str) -> Any:
    """Calendar month of an instant in the organisation's timezone. SQLite knows no zone
    rules: it shifts by the zone's offset at `now` (the `month_offset` parameter; exact for
    zones without daylight saving, such as China's; off by an hour at most around a DST change
    elsewhere)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(timezone, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, bindparam("month_offset", type_=String()))


def is_contact(i: Any = Interaction) -> Any:
    """What counts as a contact — the one definition every cadence, agenda, digest and summary
    reads: an interaction that is neither a plain note nor an attempt (a missed call, a message
    left unanswered). Both are logged and shown, but neither resets the contact clock."""
    return and_(i.kind != InteractionKind.NOTE, i.attempt.is_(False))


def _is_visit(i: Any = Interaction) -> Any:
    """A face-to-face visit (or a deal made in one) that took place: resets the visit clock."""
    return and_(
        or_(i.kind == InteractionKind.VISIT, and_(i.kind == InteractionKind.DEAL, i.channel == "visit")),
        i.attempt.is_(False),
    )


def _uses_attributes(policy: Policy) -> bool:
    """Only policies with `attribute:<name>` dimensions read the attributes (JSON decoding
    100k of them costs more than the rest of the customer query)."""
    return any(
        getattr(dimension, "source_kind", "") == "attribute"
        for model in policy.models
        for dimension in getattr(model, "dimensions", ())
    )


class Activity(NamedTuple):
    first_at: datetime | None
    last_contact_at: datetime | None
    last_visit_at: datetime | None
    last_90: int
    prev_90: int
    active_months: int


NO_ACTIVITY = Activity(None, None, None, 0, 0, 0)


def _activity(rows: Iterable[Any]) -> dict[int, Activity]:
    return {
        cid: Activity(_as_utc(first), _as_utc(contact), _as_utc(visit), last_90, prev_90, months)
        for cid, first, contact, visit, last_90, prev_90, months in rows
    }


class Deals(NamedTuple):
    last_at: datetime | None
    deal_count: int
    revenue: Mapping[str, Decimal]  # by currency
    rfm_amount: Mapping[str, Decimal]
    year_count: int  # purchases of the last 365 days


NO_ENTRIES: Mapping[Any, Any] = MappingProxyType({})  # shared by every customer without any
NO_DEALS = Deals(None, 0, NO_ENTRIES, NO_ENTRIES, 0)


def _deals(connection: Connection, queries: FactQueries, ids: list[int] | None) -> dict[int, Deals]:
    """One row per customer and currency, merged per customer (most have a single currency)."""
    base = queries.policy.base_currency
    deals: dict[int, Deals] = {}
    for cid, currency, last_at, count, revenue, rfm, year_count in _fetch(
        connection, queries.deals(), Interaction.customer_id, ids, queries.params
    ):
        currency = currency or base  # deals without an amount carry no currency
        revenue_12m = _amounts(currency, revenue)
        # Most customers' deals of the year are all their RFM window's: one mapping for both
        rfm_amount = revenue_12m if rfm == revenue else _amounts(currency, rfm)
        one = Deals(_as_utc(last_at), count, revenue_12m, rfm_amount, year_count)
        known = deals.get(cid)
        deals[cid] = one if known is None else _merged(known, one)
    return deals


def _amounts(currency: str, minor: Any) -> dict[str, Decimal]:
    """A sum of minor units (an int on SQLite, a Decimal on PostgreSQL) as money by currency."""
    return {currency: from_minor(int(minor), currency)} if minor else {}


def _merged(one: Deals, other: Deals) -> Deals:
    """Two currencies' deals of one customer (or two spellings of the base currency)."""
    dates = [at for at in (one.last_at, other.last_at) if at is not None]
    revenue, rfm_amount = dict(one.revenue), dict(one.rfm_amount)
    for merged, amounts in ((revenue, other.revenue), (rfm_amount, other.rfm_amount)):
        for currency, amount in amounts.items():
            merged[currency] = merged.get(currency, 0) + amount
    return Deals(
        max(dates, default=None),
        one.deal_count + other.deal_count,
        revenue,
        rfm_amount,
        one.year_count + other.year_count,
    )


def _open_opportunities(connection: Connection, ids: list[int] | None) -> dict[int, tuple[OpenOpportunity, ...]]:
    """Stage, intention and expected signing date of each customer's open opportunities."""
    found: dict[int, list[OpenOpportunity]] = {}
    for cid, stage, intention, signing in _fetch(connection, _opportunity_statement(), Opportunity.customer_id, ids):
        found.setdefault(cid, []).append(OpenOpportunity(stage, intention, _as_date(signing)))
    return {cid: tuple(rows) for cid, rows in found.items()}


def _feedback(connection: Connection, ids: list[int] | None) -> dict[int, tuple[int | None, int]]:
    """(latest satisfaction score given in feedback, number of open complaints) per customer."""
    scores, complaints = _feedback_statements()
    f = Feedback
    result: dict[int, tuple[int | None, int]] = {}
    for cid, satisfaction in _fetch(connection, scores, f.customer_id, ids):
        result[cid] = (satisfaction, 0)
    for cid, count in _fetch(connection, complaints, f.customer_id, ids):
        result[cid] = (result.get(cid, (None, 0))[0], int(count))
    return result


# Statements that do not depend on `now` are built once: re-tiering one customer (at most
# 5 ms) would otherwise spend a fair part of it composing them.
@cache
def _feedback_statements() -> tuple[Any, Any]:
    f = Feedback
    latest = (
        select(col(f.customer_id), func.max(col(f.created_at)).label("at"))
        .where(col(f.satisfaction).is_not(None))
        .group_by(col(f.customer_id))
        .subquery()
    )
    scores = select(col(f.customer_id), col(f.satisfaction)).join(
        latest, and_(latest.c.customer_id == f.customer_id, latest.c.at == f.created_at)
    )
    complaints = (
        select(col(f.customer_id), func.count().label("n"))
        .where(col(f.kind) == "complaint", col(f.status) != "resolved")
        .group_by(col(f.customer_id))
    )
    return scores, complaints


@cache
def _opportunity_statement() -> Any:
    o = Opportunity
    return select(col(o.customer_id), col(o.stage), col(o.intention), _raw(col(o.expected_signing_date))).where(
        col(o.status) == "open"
    )


@cache
def _assigned_statement(dialect: str) -> Any:
    t = CustomerTier
    as_object = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    return (
        select(col(t.customer_id), cast(as_object(col(t.model), col(t.tier)), Text))
        .where(col(t.tier).is_not(None))
        .group_by(col(t.customer_id))
    )


def _assigned(connection: Connection, ids: list[int] | None) -> dict[int, Mapping[str, str]]:
    """Stored tiers per customer, one JSON object per customer made in SQL. A book holds few
    distinct combinations, so customers with the same text share one read-only mapping:
    100k dicts fewer to build and to free."""
    statement = _assigned_statement(connection.dialect.name)
    shared: dict[str, Mapping[str, str]] = {}
    assigned: dict[int, Mapping[str, str]] = {}
    for cid, text in _fetch(connection, statement, CustomerTier.customer_id, ids):
        tiers = shared.get(text)
        if tiers is None:
            tiers = shared[text] = MappingProxyType(json.loads(text))
        assigned[cid] = tiers
    return assigned


@cache
def _birthdays_statement() -> Any:
    return select(col(Contact.customer_id), col(Contact.name), col(Contact.birthday)).where(
        col(Contact.birthday).is_not(None)
    )


def _birthdays(connection: Connection, ids: list[int] | None) -> dict[int, list[tuple[str, date]]]:
    statement = _birthdays_statement()
    found: dict[int, list[tuple[str, date]]] = {}
    for cid, name, birthday in _fetch(connection, statement, Contact.customer_id, ids):
        found.setdefault(cid, []).append((name, typing.cast(date, _as_date(birthday))))  # the query skips NULL
    return found


def _occasions(
    region: str, contract_start: date | None, birthdays: Iterable[tuple[str, date]], now: datetime, zone_name: str
) -> tuple[Occasion, ...]:
    today = _local_today(now, zone_name)
    holidays = _holidays_ahead(region, today)
    if not birthdays and contract_start is None:
        return holidays
    found = list(holidays)
    for name, birthday in birthdays:
        day = occasions.next_anniversary(birthday, today)
        if day is not None and (day - today).days <= MAX_LEAD_DAYS:
            found.append(Occasion("birthday", day, name))
    if contract_start is not None:
        day = occasions.next_anniversary(contract_start, today, skip_first=True)
        if day is not None and (day - today).days <= MAX_LEAD_DAYS:
            found.append(Occasion("anniversary", day, str(day.year - contract_start.year)))
    return tuple(sorted(found, key=lambda o: o.date))


@lru_cache(maxsize=256)  # one per zone and instant: a book holds few zones
def _local_today(now: datetime, zone_name: str) -> date:
    return now.astimezone(ZoneInfo(zone_name)).date()


@lru_cache(maxsize=256)
def _holidays_ahead(region: str, today: date) -> tuple[Occasion, ...]:
    """Shared by every customer of the region (facts are read-only)."""
    language = "zh" if (region or "").strip().upper() == "CN" else "en"
    return tuple(
        sorted(
            (
                Occasion("holiday", day, names[language], names)
                for day, names in occasions.holidays_ahead_named(region, today, MAX_LEAD_DAYS)
            ),
            key=lambda o: o.date,
        )
    )


def _attributes(raw: Any) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for key, value in (json.loads(raw) if isinstance(raw, str) else raw).items():
        try:
            values[str(key)] = Decimal(str(value))
        except ArithmeticError:
            continue  # a non-numeric attribute is not a fact for the engine
    return values


def _raw(expression: Any) -> Any:
    """A date or instant handed back untouched (text on SQLite, a date or datetime on
    PostgreSQL): `_as_utc` / `_as_date` parse it with `fromisoformat`, far faster than the
    generic result processor."""
    return type_coerce(expression, String())


def _months_back(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@overload
def _as_utc(value: None) -> None: ...
@overload
def _as_utc(value: str | datetime) -> datetime: ...
def _as_utc(value: Any) -> datetime | None:
    """Instants read raw: SQLite hands back naive UTC text, PostgreSQL aware datetimes."""
    if value is None:
        return None
    if type(value) is str:  # parse naive UTC text as UTC in one C call
        return datetime.fromisoformat(value + "+00:00")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if type(value) is str else value
