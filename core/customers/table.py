"""The book as a table (the Mini App's customer list): one row per customer the asker may see,
searched, filtered, sorted and paged.

A row holds what the chat shows about a customer at a glance: the assigned tier under each of
the policy's models, the cadence status (the engine's own answer, as the digest and /summary
compute it), the last contact, the 12-month booked revenue in the policy's base currency (the
same sum as /summary's revenue by tier), stage, tags and owner. Rows are built set-based
(a few GROUP BY queries and `cadence_of_assigned`) and kept per asker while nothing they depend
on changed: the customer index's version (core.names.book: any customer edit in this process), the
newest interaction and tier change, the policy and the hour; other processes' customer edits are
seen within ROWS_TTL. Searching, filtering, sorting and paging then run over the kept rows
(bench/web_table.py measures both on a 10k-customer book).

Search text matches what /find matches (names, companies, contacts, aliases, pinyin: the
book's index) and, as plain substrings, notes, phone numbers, e-mail, WeChat ids and tags.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from threading import Lock
from typing import Any

import sqlalchemy as sa  # sa.select: rows of more than 4 columns (sqlmodel's select() types at most 4)
from sqlalchemy import and_, func, literal_column
from sqlmodel import Session, col, select

from core.accounts import Account
from core.as_of import AsOf
from core.errors import InvalidInput
from core.models import (
    STAGES,
    Contact,
    Customer,
    Feedback,
    Interaction,
    Opportunity,
    TierAssignment,
    User,
    pk,
    table_of,
)
from core.money import from_minor
from core.names import book
from core.tier_records.fact_queries import load_cadence_facts, load_facts
from core.tier_records.retier import STATS
from core.tiering import Policy, cadence_of_assigned, collector_paused, evaluate_one
from core.tiering.specs import RfmModel
from core.visibility import customer_scope

ROWS_TTL = 60.0  # seconds
MAX_PAGE = 200
MAX_OFFSET = 1_000_000
CADENCE_STATUSES = ("overdue", "due", "ok", "none")
SORTS = ("name", "company", "stage", "owner", "cadence", "next_due", "last_contact", "revenue", "expected", "added")
YEAR = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    name: str
    company: str | None
    stage: str
    pipeline_stage: str | None
    owner_id: int | None
    owner_name: str | None
    owner_team_id: int | None
    account_manager_id: int | None
    tiers: Mapping[str, str]  # model code → assigned tier code
    cadence: str  # CADENCE_STATUSES
    next_due: str | None  # ISO date
    last_contact_at: datetime | None
    revenue: Decimal  # 12 months, base currency
    tags: tuple[str, ...]
    added_at: datetime
    expected: Decimal  # open opportunities (expected money, never revenue), base currency
    open_complaints: int
    text: str = field(repr=False, default="")  # notes, phones, e-mail, WeChat, tags: lower-cased


@dataclass(frozen=True)
class Query:
    text: str = ""
    tiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # model → any of these tiers
    cadence: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    silent_days: int | None = None  # no contact for more than N days (or never)
    revenue_min: Decimal | None = None
    revenue_max: Decimal | None = None
    tags: tuple[str, ...] = ()  # every one of these
    person: int | None = None  # owned by, or dedicated account manager of, this user
    team: int | None = None  # owned by a member of this team
    expected: bool = False  # only customers with expected money in the pipeline
    complaints: bool = False  # only customers with an open complaint
    sort: str = "name"  # a SORTS entry or tier:<model>
    descending: bool = False
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int  # rows matching, before paging
    revenue_total: Decimal  # of every matching row (the drill-down shows the figure it came from)
    offset: int
    limit: int


def model_tiers(model: Any) -> list[Any]:
    """A model's tiers in the policy's order (an RFM model: its segments, then the rest)."""
    return list(model.tier_by_code.values()) if isinstance(model, RfmModel) else list(model.tiers)


def validate(query: Query, policy: Policy) -> Query:
    """InvalidInput(`web_bad_filter`, value=…) for a filter the policy or the table does not know."""
    for model, wanted in query.tiers.items():
        spec = policy.model_by_code.get(model)
        if spec is None:
            raise InvalidInput("web_bad_filter", value=f"tier:{model}"[:64])
        codes = {tier.code for tier in model_tiers(spec)}
        for tier in wanted:
            if tier not in codes:
                raise InvalidInput("web_bad_filter", value=f"{model}:{tier}"[:64])
    for status in query.cadence:
        if status not in CADENCE_STATUSES:
            raise InvalidInput("web_bad_filter", value=status[:64])
    for stage in query.stages:
        if stage not in STAGES:
            raise InvalidInput("web_bad_filter", value=stage[:64])
    sort_model = query.sort.removeprefix("tier:") if query.sort.startswith("tier:") else None
    if query.sort not in SORTS and (sort_model is None or sort_model not in policy.model_by_code):
        raise InvalidInput("web_bad_sort", value=query.sort[:64])
    if query.silent_days is not None and not 0 <= query.silent_days <= 36500:
        raise InvalidInput("web_bad_filter", value=str(query.silent_days))
    if not 1 <= query.limit <= MAX_PAGE or not 0 <= query.offset <= MAX_OFFSET:
        raise InvalidInput("web_bad_page", value=f"{query.offset}+{query.limit}")
    if len(query.text) > 200:
        raise InvalidInput("web_bad_filter", value=query.text[:20])
    return query


def search(session: Session, account: Account, as_of: AsOf, query: Query) -> Page:
    """A page of `account`'s book matching `query` (validated here)."""
    query = validate(query, as_of.policy)
    all_rows = rows(session, account, as_of)
    matching = select_rows(all_rows, query, as_of.now, lambda: book.index_for(session, account))
    ordered = sort_rows(matching, query.sort, query.descending, as_of.policy)
    return Page(
        ordered[query.offset : query.offset + query.limit],
        len(ordered),
        sum([row.revenue for row in ordered], Decimal(0)),
        query.offset,
        query.limit,
    )


def select_rows(all_rows: Sequence[Row], query: Query, now: datetime, index: Any) -> list[Row]:
    """The rows matching `query`, in the order of `all_rows`. One plain comprehension per filter:
    on a 10k book they cost a few ms each, where one generic predicate cost tens."""
    found: Iterable[Row] = all_rows
    text = " ".join(query.text.split()).casefold()
    if text:
        named = {c.customer_id for c in index().find(text, limit=len(all_rows) or 1)}
        found = [row for row in found if row.id in named or text in row.text]
    for model, wanted in query.tiers.items():
        tiers = frozenset(wanted)
        found = [row for row in found if row.tiers.get(model) in tiers]
    if query.cadence:
        found = [row for row in found if row.cadence in query.cadence]
    if query.stages:
        found = [row for row in found if row.stage in query.stages]
    if query.silent_days is not None:
        cutoff = now - timedelta(days=query.silent_days)
        found = [row for row in found if row.last_contact_at is None or row.last_contact_at < cutoff]
    if query.revenue_min is not None:
        found = [row for row in found if row.revenue >= query.revenue_min]
    if query.revenue_max is not None:
        found = [row for row in found if row.revenue <= query.revenue_max]
    if query.tags:
        wanted_tags = {tag.casefold() for tag in query.tags}
        found = [row for row in found if wanted_tags <= {tag.casefold() for tag in row.tags}]
    if query.person is not None:
        found = [row for row in found if query.person in (row.owner_id, row.account_manager_id)]
    if query.team is not None:
        found = [row for row in found if row.owner_team_id == query.team]
    if query.expected:
        found = [row for row in found if row.expected > 0]
    if query.complaints:
        found = [row for row in found if row.open_complaints > 0]
    return list(found)


_CADENCE_ORDER = {status: n for n, status in enumerate(CADENCE_STATUSES)}


def sort_rows(found: list[Row], sort: str, descending: bool, policy: Policy) -> list[Row]:
    """`found` in name order (as build_rows keeps them and select_rows leaves them), sorted by
    `sort`. Stable: ties keep the name order; empty values last whichever the direction."""
    by_name = found
    if sort == "name":
        return by_name[::-1] if descending else by_name
    if sort.startswith("tier:"):
        model = sort.removeprefix("tier:")
        order = {tier.code: n for n, tier in enumerate(model_tiers(policy.model(model)))}
        return _sorted(by_name, lambda row: order.get(row.tiers.get(model, ""), None), descending)
    keys: dict[str, Any] = {
        "company": lambda row: (row.company or "").casefold() or None,
        "stage": lambda row: STAGES.index(row.stage) if row.stage in STAGES else None,
        "owner": lambda row: (row.owner_name or "").casefold() or None,
        "cadence": lambda row: _CADENCE_ORDER.get(row.cadence),
        "next_due": lambda row: row.next_due,
        "last_contact": lambda row: row.last_contact_at,
        "revenue": lambda row: row.revenue,
        "expected": lambda row: row.expected or None,
        "added": lambda row: row.added_at,
    }
    return _sorted(by_name, keys[sort], descending)


def _sorted(rows_: list[Row], key: Any, descending: bool) -> list[Row]:
    keyed = [(key(row), row) for row in rows_]  # each key computed once
    present = [pair for pair in keyed if pair[0] is not None]
    present.sort(key=_first, reverse=descending)  # stable in both directions: ties keep the name order
    return [row for _, row in present] + [row for value, row in keyed if value is None]


def _first(pair: tuple[Any, Row]) -> Any:
    return pair[0]


# --- the rows, built and kept ----------------------------------------------------------------

_lock = Lock()
_kept: dict[int, tuple[tuple[Any, ...], float, list[Row]]] = {}


def rows(session: Session, account: Account, as_of: AsOf) -> list[Row]:
    """Every customer `account` may see, as table rows (kept while nothing they show changed)."""
    stamp = _stamp(session, as_of.policy, as_of.now)
    with _lock:
        kept = _kept.get(account.id)
    if kept is not None and kept[0] == stamp and time.monotonic() - kept[1] < ROWS_TTL:
        return kept[2]
    built = build_rows(session, account, as_of)
    with _lock:
        _kept[account.id] = (stamp, time.monotonic(), built)
    return built


def forget() -> None:
    """Drop every kept table (tests, and after a write that the stamp would not notice)."""
    with _lock:
        _kept.clear()


def _stamp(session: Session, policy: Policy, now: datetime) -> tuple[Any, ...]:
    newest_interaction: int | None = session.execute(select(func.max(pk(Interaction.id)))).scalar_one()
    newest_tier: int | None = session.execute(select(func.max(pk(TierAssignment.id)))).scalar_one()
    newest_feedback: int | None = session.execute(select(func.max(pk(Feedback.id)))).scalar_one()
    newest_opportunity: int | None = session.execute(select(func.max(pk(Opportunity.id)))).scalar_one()
    return (
        book.version(),
        newest_interaction,
        newest_tier,
        newest_feedback,
        newest_opportunity,
        policy.version,
        now.replace(minute=0, second=0, microsecond=0),
    )


def build_rows(session: Session, account: Account, as_of: AsOf) -> list[Row]:
    owner = table_of(User).alias("owner")
    found: Sequence[Any] = session.execute(  # (twelve columns: SQLAlchemy types them as variadic)
        sa.select(
            pk(Customer.id),
            col(Customer.name),
            col(Customer.company),
            col(Customer.stage),
            col(Customer.pipeline_stage),
            col(Customer.owner_id),
            owner.c.name,
            owner.c.team_id,
            col(Customer.account_manager_id),
            col(Customer.tags),
            col(Customer.notes),
            col(Customer.added_at),
        )
        .outerjoin(owner, owner.c.id == col(Customer.owner_id))
        .where(customer_scope(account))
    ).all()
    ids: list[int] = [row[0] for row in found]
    if not ids:
        return []
    # the scope as a subquery, not thousands of bound ids (their expansion cost more than the queries)
    visible = select(pk(Customer.id)).where(customer_scope(account))
    contacts = _contact_text(session, visible)
    revenue = revenue_12m(session, as_of.policy, as_of.now, visible)
    cadence = _cadence(session, as_of, ids)
    expected = expected_money(session, as_of.policy, visible)
    complaints = _open_complaints(session, visible)
    built = []
    for cid, name, company, stage, pipeline_stage, owner_id, owner_name, team_id, am_id, tags, notes, added_at in found:
        assigned, status, next_due, last_contact = cadence.get(cid, ({}, "none", None, None))
        tags = tuple(str(tag) for tag in (tags or ()))
        text = " ".join(filter(None, (notes, contacts.get(cid), " ".join(tags)))).casefold()
        built.append(
            Row(
                cid,
                name,
                company,
                stage,
                pipeline_stage,
                owner_id,
                owner_name,
                team_id,
                am_id,
                assigned,
                status,
                next_due,
                last_contact,
                revenue.get(cid, Decimal(0)),
                tags,
                added_at,
                expected.get(cid, Decimal(0)),
                complaints.get(cid, 0),
                text,
            )
        )
    built.sort(key=lambda row: (row.name.casefold(), row.id))  # the name order every sort starts from
    return built


def _contact_text(session: Session, visible: Any) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    contacts: Iterable[Any] = session.execute(
        select(col(Contact.customer_id), col(Contact.phone), col(Contact.email), col(Contact.wechat)).where(
            col(Contact.customer_id).in_(visible)
        )
    )
    for cid, phone, email, wechat in contacts:
        found.setdefault(cid, []).extend(value for value in (phone, email, wechat) if value)
    return {cid: " ".join(values) for cid, values in found.items()}


def _in_base_currency(policy: Policy, rows: Iterable[Any]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for cid, currency, minor in rows:
        if not minor:
            continue
        currency = currency or policy.base_currency
        amount = from_minor(int(minor), currency) * policy.fx.get(currency, Decimal(0))
        totals[cid] = totals.get(cid, Decimal(0)) + amount
    return totals


def revenue_12m(session: Session, policy: Policy, now: datetime, visible: Any) -> dict[int, Decimal]:
    """Deals of the last 365 days per customer in the base currency (a currency without a rate
    in the policy counts 0, as in /summary's revenue by tier)."""
    i = Interaction
    deals = and_(col(i.kind) == literal_column("'deal'"), col(i.occurred_at) > now - YEAR, col(i.occurred_at) <= now)
    return _in_base_currency(
        policy,
        session.execute(
            select(col(i.customer_id), col(i.currency), func.sum(col(i.amount_minor)))
            .where(deals, col(i.customer_id).in_(visible))
            .group_by(col(i.customer_id), col(i.currency))
        ),
    )


def expected_money(session: Session, policy: Policy, visible: Any) -> dict[int, Decimal]:
    """Open opportunities per customer in the base currency (expected, never booked)."""
    o = Opportunity
    return _in_base_currency(
        policy,
        session.execute(
            select(col(o.customer_id), col(o.currency), func.sum(col(o.amount_minor)))
            .where(col(o.status) == "open", col(o.customer_id).in_(visible))
            .group_by(col(o.customer_id), col(o.currency))
        ),
    )


def _open_complaints(session: Session, visible: Any) -> dict[int, int]:
    """Open complaints per customer, as /summary counts them (not resolved)."""
    f = Feedback
    counts: Iterable[Any] = session.execute(
        select(col(f.customer_id), func.count())
        .where(col(f.kind) == "complaint", col(f.status) != "resolved", col(f.customer_id).in_(visible))
        .group_by(col(f.customer_id))
    )
    return {int(cid): int(n) for cid, n in counts}


def _cadence(
    session: Session, as_of: AsOf, ids: list[int]
) -> dict[int, tuple[Mapping[str, str], str, str | None, datetime | None]]:
    """Per customer: (assigned tiers, cadence status, next contact due, last contact) — the
    engine's cadence of the stored tiers, or a live evaluation for a customer not tiered under
    every model yet, as /summary and the digest do."""
    total: int = session.execute(
        select(func.count()).select_from(Customer).where(col(Customer.archived).is_(False))
    ).scalar_one()
    if len(ids) > total // 2:  # most of the book: one pass beats thousands of IN (…) lookups (as /summary)
        wanted = set(ids)
        facts = [f for f in load_cadence_facts(session, as_of) if f.id in wanted]
    else:
        facts = load_cadence_facts(session, as_of, customer_ids=ids)
    found: dict[int, tuple[Mapping[str, str], str, str | None, datetime | None]] = {}
    unserved = []
    with collector_paused():
        for fact, result in zip(facts, cadence_of_assigned(facts, as_of.policy, as_of.now)):
            if result is None:
                unserved.append(fact.id)
                continue
            found[fact.id] = (fact.assigned_tiers, result.status, _iso(result.next_due), fact.last_contact_at)
        if unserved:
            stats = STATS.get(session, as_of)
            for fact in load_facts(session, as_of, customer_ids=unserved, with_occasions=False):
                result = evaluate_one(fact, stats, as_of.policy, as_of.now).cadence
                found[fact.id] = (fact.assigned_tiers, result.status, _iso(result.next_due), fact.last_contact_at)
    return found


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None
