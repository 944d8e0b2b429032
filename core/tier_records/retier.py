"""The tiering service: load facts in bulk, run the pure engine, decide and store assigned tiers.

- `recompute(..., review=False)`: customers without an assignment get one at once (new or
  imported customers, a model that starts to apply after a stage change); nothing else moves.
- `recompute(..., review=True)`: the review cycle (or `tierbot recompute`): score-driven changes
  with hysteresis, manager overrides win while active.
Writes go in small batches (one short transaction each), so interactive writes never wait long.
Every change is stored in `tier_assignment` with old and new tier, score, reason and policy
version; the run returns its list of changes for the notices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Lock
from typing import Any

import sqlalchemy as sa  # sa.select: Core rows (sqlmodel's select() types at most 4 model columns)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from core.as_of import AsOf
from core.db import Database
from core.models import Customer, CustomerTier, TierAssignment, TierOverride, User, pk, table_of
from core.tier_records.fact_queries import load_book_facts, load_facts
from core.tiering import (
    BookStats,
    CustomerFacts,
    CustomerResult,
    LocalText,
    ModelResult,
    Override,
    Policy,
    build_stats,
    collector_paused,
    decide_tier,
    evaluate_models,
    evaluate_one,
)
from core.tiering.results import jsonable

BATCH = 2000
STATS_MAX_AGE = timedelta(hours=1)


class StatsCache:
    """The book's ranking statistics, kept between recomputes so that re-tiering one customer
    after a new interaction ranks it against the others without reloading the whole book.
    Ranks may be up to STATS_MAX_AGE old; the review run always uses fresh ones."""

    def __init__(self) -> None:
        self._lock = Lock()
        self._entries: dict[str, tuple[datetime, BookStats]] = {}

    def put(self, policy: Policy, at: datetime, stats: BookStats) -> None:
        with self._lock:
            self._entries[policy.version] = (at, stats)

    def get(self, session: Session, as_of: AsOf) -> BookStats:
        policy, now = as_of.policy, as_of.now
        with self._lock:
            entry = self._entries.get(policy.version)
        if entry is not None and abs(now - entry[0]) <= STATS_MAX_AGE:
            return entry[1]
        stats = build_stats(load_facts(session, as_of, with_occasions=False), policy)
        self.put(policy, now, stats)
        return stats


STATS = StatsCache()


@dataclass(frozen=True, slots=True)
class TierChange:
    customer_id: int
    model: str
    old: str | None
    new: str | None
    score: float | None
    reason: str


@dataclass
class RecomputeReport:
    at: datetime
    policy_version: str
    review: bool
    customers: int = 0
    changes: list[TierChange] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "policy_version": self.policy_version,
            "review": self.review,
            "customers": self.customers,
            "changes": [
                {
                    "customer_id": c.customer_id,
                    "model": c.model,
                    "old": c.old,
                    "new": c.new,
                    "score": c.score,
                    "reason": c.reason,
                }
                for c in self.changes
            ],
        }


def recompute(
    db: Database,
    as_of: AsOf,
    *,
    review: bool,
    customer_ids: Sequence[int] | None = None,
    store: bool = True,
) -> RecomputeReport:
    """Evaluate the whole book (ranks need everyone) and store the decided tiers (unless
    `store` is False: a dry run that only reports what would change)."""
    # 100k facts and results, a million small objects without reference cycles: the cyclic
    # collector stays off until they are freed again (it would walk them and find nothing).
    with collector_paused():
        customers, rows = _book_changes(db, as_of, review, customer_ids)
    for start in range(0, len(rows) if store else 0, BATCH):
        with db.session() as session:
            _store(session, rows[start : start + BATCH], as_of.policy, as_of.now)
    return RecomputeReport(as_of.now, as_of.policy.version, review, customers, [change for change, _ in rows])


def _book_changes(
    db: Database, as_of: AsOf, review: bool, customer_ids: Sequence[int] | None
) -> tuple[int, list[tuple[TierChange, ModelResult | None]]]:
    """(customers evaluated, the changes of `customer_ids` or of everyone). Keeps the book's
    ranking statistics for re-tiering single customers."""
    facts = load_book_facts(db, as_of)
    with db.session() as session:
        overrides = active_overrides(session, as_of.now)
    wanted = set(customer_ids) if customer_ids is not None else None
    stats = build_stats(facts, as_of.policy)
    STATS.put(as_of.policy, as_of.now, stats)
    rows = []
    for customer, results in zip(facts, evaluate_models(facts, stats, as_of.policy, as_of.now), strict=True):
        if wanted is None or customer.id in wanted:
            rows += _changes(customer, results, as_of.policy, overrides, review, as_of.now)
    return len(facts), rows


def _changes(
    customer: CustomerFacts,
    results: Sequence[ModelResult | None],
    policy: Policy,
    overrides: dict[tuple[int, str], Override],
    review: bool,
    now: datetime,
) -> list[tuple[TierChange, ModelResult | None]]:
    """The customer's stored tiers that must change, with the model results behind them."""
    changes = []
    for model, result in zip(policy.models, results):
        previous = customer.assigned_tiers.get(model.code)
        override = overrides.get((customer.id, model.code)) if overrides else None
        # Without an override a stored tier equal to the live one never moves (decide_tier's
        # rules; tests/tiering/test_review.py checks it): skip the call for most customers.
        if override is None and previous == (result.tier if result is not None else None):
            continue
        change = _decide(previous, model.code, result, policy, override, review, now)
        if change is not None:
            changes.append((TierChange(customer.id, model.code, *change), result))
    return changes


def pending_changes(
    session: Session,
    as_of: AsOf,
    *,
    customer_ids: Iterable[int],
    review: bool = True,
) -> list[TierChange]:
    """What re-tiering `customer_ids` would change, read on the session's connection (so it sees
    what the session wrote and has not committed: an import's preview writes, asks, rolls back).
    Ranked against the whole book; nothing stored."""
    wanted = set(customer_ids)
    if not wanted:
        return []
    facts = load_facts(session, as_of, with_occasions=False)
    stats = build_stats(facts, as_of.policy)
    chosen = [f for f in facts if f.id in wanted]
    overrides = active_overrides(session, as_of.now)
    return [
        change
        for customer, results in zip(chosen, evaluate_models(chosen, stats, as_of.policy, as_of.now), strict=True)
        for change, _ in _changes(customer, results, as_of.policy, overrides, review, as_of.now)
    ]


@dataclass(frozen=True)
class Movement:
    """`count` customers whose stored tier under `model` goes from `old` to `new` (None: none)."""

    model: str
    model_name: LocalText | None
    old: str | None
    old_name: LocalText | None
    new: str | None
    new_name: LocalText | None
    count: int


def movements(changes: Iterable[TierChange], policy: Policy, former: Policy | None = None) -> list[Movement]:
    """Changes counted per model and (old → new), in the policy's model order, biggest first;
    tier names from `policy`, else from `former` (a tier the new policy no longer has)."""
    counts = Counter((c.model, c.old, c.new) for c in changes)
    order = {code: index for index, code in enumerate(policy.model_codes)}

    def name(code: str | None, model: str) -> LocalText | None:
        if code is None:
            return None
        spec = policy.tier(model, code) or (former.tier(model, code) if former is not None else None)
        return spec.name if spec else None

    found = [
        Movement(
            model,
            policy.model(model).name if model in policy.model_by_code else None,
            old,
            name(old, model),
            new,
            name(new, model),
            count,
        )
        for (model, old, new), count in counts.items()
    ]
    found.sort(key=lambda m: (order.get(m.model, 99), -m.count, m.old or "", m.new or ""))
    return found


def evaluate_customer(
    session: Session, as_of: AsOf, customer_id: int
) -> tuple[CustomerFacts | None, CustomerResult | None]:
    """One customer's facts and live result, ranked against the book's cached statistics."""
    facts = load_facts(session, as_of, customer_ids=[customer_id])
    if not facts:
        return None, None
    return facts[0], evaluate_one(facts[0], STATS.get(session, as_of), as_of.policy, as_of.now)


def retier_customer(
    session: Session,
    as_of: AsOf,
    customer_id: int,
    *,
    ended: dict[tuple[int, str], Override] | None = None,
) -> tuple[CustomerResult | None, list[TierChange]]:
    """After a new interaction or an edit: the customer's live result, and any assignment it
    gets now (a first tier, or a model that starts or stops applying). Score-driven moves wait
    for the review — except under a pin that just `ended` (removed or expired, core.tier_records.overrides):
    decide_tier then decides that model as at a review."""
    facts, result = evaluate_customer(session, as_of, customer_id)
    if facts is None or result is None:
        return None, []
    overrides = {**(ended or {}), **active_overrides(session, as_of.now, customer_id)}
    rows = _changes(facts, result.results, as_of.policy, overrides, False, as_of.now)
    _store(session, rows, as_of.policy, as_of.now)
    return result, [change for change, _ in rows]


def _decide(
    previous: str | None,
    model_code: str,
    model_result: ModelResult | None,
    policy: Policy,
    override: Override | None,
    review: bool,
    now: datetime,
) -> tuple[str | None, str | None, float | None, str] | None:
    """(old, new, score, reason) when the stored tier must change, else None."""
    if model_result is None:  # the model does not apply (any more) to this customer's stage
        return (previous, None, None, "not_applicable") if previous is not None else None
    decision = decide_tier(model_code, previous, model_result.tier, model_result.score, override, review, policy, now)
    if not decision.changed:
        return None
    return previous, decision.tier, model_result.score, decision.reason


def _store(session: Session, rows: list[tuple[TierChange, ModelResult | None]], policy: Policy, now: datetime) -> None:
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = table_of(CustomerTier)
    values = [
        dict(
            customer_id=c.customer_id,
            model=c.model,
            tier=c.new,
            score=c.score,
            policy_version=policy.version,
            reason=c.reason,
            assigned_at=now,
        )
        for c, _ in rows
    ]
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["customer_id", "model"],
        set_={k: statement.excluded[k] for k in ("tier", "score", "policy_version", "reason", "assigned_at")},
    )
    session.execute(statement, values)
    session.execute(
        table_of(TierAssignment).insert(),
        [
            dict(
                customer_id=c.customer_id,
                model=c.model,
                tier=c.new,
                previous_tier=c.old,
                score=c.score,
                breakdown=jsonable(result.summary()) if result is not None else {},
                policy_version=policy.version,
                reason=c.reason,
                at=now,
            )
            for c, result in rows
        ],
    )


def has_assignments(session: Session) -> bool:
    return session.exec(select(CustomerTier.customer_id).limit(1)).first() is not None


def active_overrides(
    session: Session, now: datetime, customer_id: int | None = None
) -> dict[tuple[int, str], Override]:
    statement = select(TierOverride).where(col(TierOverride.removed_at).is_(None))
    if customer_id is not None:
        statement = statement.where(TierOverride.customer_id == customer_id)
    rows = session.exec(statement).all()
    return {
        (o.customer_id, o.model): Override(o.tier, o.reason, o.expires_at)
        for o in rows
        if o.expires_at is None or o.expires_at > now
    }


# --- reading the tiers (`tierbot tiers`) -----------------------------------------------------


@dataclass(frozen=True)
class TierView:
    """One customer's identity, assigned tiers and live result, for JSON or a table."""

    id: int
    external_id: str | None
    name: str
    owner: str | None
    stage: str
    timezone: str
    assigned: dict[str, str | None]
    result: CustomerResult


def tier_views(session: Session, as_of: AsOf, *, customer_id: int | None = None) -> list[TierView]:
    """Live results as of `as_of.now` (ranked against the whole book) with the stored assignments."""
    facts = load_facts(session, as_of)
    stats = build_stats(facts, as_of.policy)
    results = {f.id: evaluate_one(f, stats, as_of.policy, as_of.now) for f in facts}
    ids = [customer_id] if customer_id is not None else list(results)
    people = _identities(session, ids)
    assigned: dict[int, dict[str, str | None]] = {}
    for row in _in_ids(session, select(CustomerTier), CustomerTier.customer_id, ids):
        assigned.setdefault(row.customer_id, {})[row.model] = row.tier
    views = []
    for cid in ids:
        if cid not in results or cid not in people:
            continue
        external_id, name, owner, stage, zone = people[cid]
        views.append(
            TierView(cid, external_id, name, owner, stage, zone or as_of.timezone, assigned.get(cid, {}), results[cid])
        )
    return views


def _identities(session: Session, ids: list[int]) -> dict[int, tuple[str | None, str, str | None, str, str | None]]:
    statement = sa.select(
        col(Customer.id),
        col(Customer.external_id),
        col(Customer.name),
        col(User.name),
        col(Customer.stage),
        col(Customer.timezone),
    ).outerjoin(User, col(User.id) == col(Customer.owner_id))
    return {row[0]: tuple(row[1:]) for row in _in_ids(session, statement, col(Customer.id), ids)}


def _in_ids(session: Session, statement: Any, column: Any, ids: list[int]) -> Iterable[Any]:
    for start in range(0, len(ids), 5000):
        yield from session.exec(statement.where(column.in_(ids[start : start + 5000])))


WARM_REGIONS = 50  # at most this many regions' holidays loaded at start (a book has a handful)


def warm_up(session: Session, as_of: AsOf) -> None:
    """At start, what the first re-tier would otherwise pay for: the book's ranking statistics,
    and one customer of each region evaluated (its queries compiled, its region's holidays
    loaded). Reads only."""
    refresh_stats(session, as_of)
    firsts = session.exec(
        select(func.min(pk(Customer.id)))
        .where(col(Customer.archived).is_(False))
        .group_by(Customer.region)
        .limit(WARM_REGIONS)
    ).all()
    for customer_id in firsts:
        evaluate_customer(session, as_of, customer_id)


def refresh_stats(session: Session, as_of: AsOf) -> None:
    """Rebuild the cached ranking statistics (a background sweep calls this)."""
    STATS.put(
        as_of.policy,
        as_of.now,
        build_stats(load_facts(session, as_of, with_occasions=False), as_of.policy),
    )
