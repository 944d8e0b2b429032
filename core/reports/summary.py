"""The manager's tier summary (`/summary [team|@rep] [week|month|quarter]`, and the weekly push):
`build` computes its figures (core.reports.figures) for a scope (core.reports.scoping).

Figures, each a set-based query (GROUP BY) over the scope's customers:
- distribution per model: customers per assigned tier, and the 12-month revenue (deals of the
  last 365 days, converted to the policy's base currency) of each tier with its share;
- movements: per customer and model, the tier before the period's first change and after its
  last (`tier_assignment`); up or down by the policy's order of tiers (RFM segments have no
  order: "changed");
- cadence coverage per tier: of the customers whose tiers set a contact interval, the share not
  past their maximum interval — the cadence engine's own answer (`cadence_of_assigned`, as the
  morning digest computes it), grouped by assigned tier;
- overdue contacts per person: customers past a maximum interval (contact or visit), counted
  for their owner and their dedicated account manager — the number each one's /today shows;
- open complaints (and those open longer than 48 hours);
- time allocation over the service grades (D/E/F): interactions of the period (notes left out)
  by the customer's current grade, against the policy's `time_share` targets (70/20/10);
- customer lifetime value per tier of the main model (core.reports.lifetime);
- active overrides (not removed, not expired).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa  # sa.select: rows of more than 4 columns (sqlmodel's select() types at most 4)
from sqlalchemy import and_, case, func, literal_column, or_
from sqlmodel import Session, col, select

from core.accounts import Account
from core.as_of import AsOf
from core.db import beside, raw_rows
from core.errors import InvalidInput
from core.models import Customer, CustomerTier, Feedback, Interaction, TierAssignment, TierOverride, User
from core.money import from_minor
from core.reports.figures import GradeShare, ModelFigures, Movement, OverrideLine, PersonOverdue, Summary, TierFigures
from core.reports.labels import bilingual, ratio, tier_label
from core.reports.lifetime import lifetime_values
from core.reports.scoping import (
    DEFAULT_PERIOD,
    PERIOD_DAYS,
    Request,
    Scope,
    require_summary_rights,
    resolve_scope,
    scope_clause,
)
from core.tier_records.fact_queries import is_contact, load_cadence_facts, load_facts
from core.tier_records.retier import STATS
from core.tiering import CadenceResult, Policy, cadence_of_assigned, collector_paused, evaluate_one
from core.tiering.specs import OrderedModel, ServiceModel

MOVEMENTS_SHOWN = 10  # per direction
OVERDUE_PEOPLE_SHOWN = 10
OVERRIDES_SHOWN = 15
COMPLAINT_OLD = timedelta(hours=48)
YEAR = timedelta(days=365)


def build(
    session: Session,
    actor: Account,
    as_of: AsOf,
    *,
    scope: Scope,
    period: str = DEFAULT_PERIOD,
) -> Summary:
    require_summary_rights(actor)
    if period not in PERIOD_DAYS:
        raise InvalidInput("summary_usage", value=period)
    since = as_of.now - timedelta(days=PERIOD_DAYS[period])
    clause = scope_clause(actor, scope)
    with beside(session) as aside:
        # The pure GROUP BY figures run on a second connection while this thread builds the
        # cadence (Python): the database works without the GIL meanwhile.
        pending = aside.submit(_aggregates, clause, as_of, since)
        book = {
            cid: (owner, am)
            for cid, owner, am in raw_rows(
                session.connection(), select(Customer.id, Customer.owner_id, Customer.account_manager_id).where(clause)
            )
        }
        coverage, overdue = _cadence(session, as_of, book)
        moves, movements = _movements(session, book, as_of.policy, since, as_of.now)
        people, people_more, overdue_total = _overdue_people(session, overdue, book)
        figures = pending.result()
    models = [_model_figures(model, figures.counts, figures.revenue, coverage, moves) for model in as_of.policy.models]
    clv_model, retention, lifetimes = lifetime_values(as_of.policy, models, figures.retention_base, figures.retained)
    complaints_open, complaints_old = figures.complaints
    allocation_model, allocation_total, allocation = figures.allocation
    overrides, overrides_total = figures.overrides
    zone = as_of.zone
    return Summary(
        scope,
        period,
        since,
        as_of.now,
        since.astimezone(zone).date(),
        as_of.today,
        as_of.policy.base_currency,
        len(book),
        models,
        movements,
        overdue_total,
        people,
        people_more,
        complaints_open,
        complaints_old,
        allocation_model,
        allocation_total,
        allocation,
        clv_model,
        retention,
        figures.retention_base,
        lifetimes,
        overrides,
        overrides_total,
    )


def figures(session: Session, actor: Account, as_of: AsOf, *, request: Request) -> Summary:
    """The summary `request` asks for (its scope within what `actor` may see); `.params()` makes
    it JSON-safe where it is serialised."""
    scope = resolve_scope(session, actor, request)
    return build(session, actor, as_of, scope=scope, period=request.period)


@dataclass(frozen=True)
class _Aggregates:
    counts: dict[tuple[str, str], int]
    revenue: dict[tuple[str, str], Decimal]
    complaints: tuple[int, int]
    allocation: tuple[dict[str, str] | None, int, list[GradeShare]]
    retention_base: int
    retained: int
    overrides: tuple[list[OverrideLine], int]


def _aggregates(session: Session, clause: Any, as_of: AsOf, since: datetime) -> _Aggregates:
    """Every figure that is one GROUP BY (or a count) and nothing else."""
    return _Aggregates(
        _tier_counts(session, clause),
        _tier_revenue(session, clause, as_of.policy, as_of.now),
        _complaints(session, clause, as_of.now),
        _allocation(session, clause, as_of.policy, since, as_of.now),
        *_retention(session, clause, as_of.now),
        _overrides(session, clause, as_of),
    )


def _tier_counts(session: Session, clause: Any) -> dict[tuple[str, str], int]:
    rows: Sequence[Any] = session.execute(
        select(CustomerTier.model, CustomerTier.tier, func.count())
        .join(Customer, col(Customer.id) == col(CustomerTier.customer_id))
        .where(clause, col(CustomerTier.tier).is_not(None))
        .group_by(CustomerTier.model, col(CustomerTier.tier))
    ).all()
    return {(model, tier): int(n) for model, tier, n in rows}


def _deals(now: datetime, since: datetime) -> Any:
    # a literal 'deal', not a bound parameter: SQLite uses the partial deals index only then
    i = Interaction
    return and_(col(i.kind) == literal_column("'deal'"), col(i.occurred_at) > since, col(i.occurred_at) <= now)


def _tier_revenue(session: Session, clause: Any, policy: Policy, now: datetime) -> dict[tuple[str, str], Decimal]:
    """Deals of the last 365 days per (model, tier), in the base currency (a currency without
    a rate in the policy counts 0, as in the tiering engine)."""
    i, t = Interaction, CustomerTier
    rows: Sequence[Any] = session.execute(
        select(t.model, t.tier, i.currency, func.sum(i.amount_minor))
        .select_from(i)
        .join(t, col(t.customer_id) == col(i.customer_id))
        .join(Customer, col(Customer.id) == col(i.customer_id))
        .where(_deals(now, now - YEAR), clause, col(t.tier).is_not(None))
        .group_by(t.model, col(t.tier), col(i.currency))
    ).all()
    found: dict[tuple[str, str], Decimal] = {}
    for model, tier, currency, minor in rows:
        if not minor:
            continue
        currency = currency or policy.base_currency
        amount = from_minor(int(minor), currency) * policy.fx.get(currency, Decimal(0))
        found[model, tier] = found.get((model, tier), Decimal(0)) + amount
    return found


def _cadence(
    session: Session, as_of: AsOf, book: dict[int, tuple[int | None, int | None]]
) -> tuple[dict[tuple[str, str], tuple[int, int]], list[int]]:
    """((model, tier) → (customers with a contact interval, of them not overdue), overdue
    customers). Cadence is the engine's: stored tiers through `cadence_of_assigned`, and a live
    evaluation for customers not tiered under every model yet — as the agenda does."""
    if not book:
        return {}, []
    total: int = session.execute(
        select(func.count()).select_from(Customer).where(col(Customer.archived).is_(False))
    ).scalar_one()
    if len(book) > total // 2:  # most of the book: one pass beats thousands of IN (…) lookups
        facts = [f for f in load_cadence_facts(session, as_of) if f.id in book]
    else:
        facts = load_cadence_facts(session, as_of, customer_ids=sorted(book))
    tally: Counter[tuple[int, bool]] = Counter()  # (id of the shared assigned mapping, not overdue)
    mappings: dict[int, Any] = {}
    overdue: list[int] = []
    unserved: list[int] = []
    with collector_paused():
        for fact, cadence in zip(facts, cadence_of_assigned(facts, as_of.policy, as_of.now)):
            if cadence is None:
                unserved.append(fact.id)
            else:
                _count(fact.id, fact.assigned_tiers, cadence, tally, mappings, overdue)
        if unserved:
            stats = STATS.get(session, as_of)
            for fact in load_facts(session, as_of, customer_ids=unserved, with_occasions=False):
                _count(
                    fact.id,
                    fact.assigned_tiers,
                    evaluate_one(fact, stats, as_of.policy, as_of.now).cadence,
                    tally,
                    mappings,
                    overdue,
                )
    coverage: dict[tuple[str, str], list[int]] = {}
    for (key, fine), n in tally.items():
        for model, tier in mappings[key].items():
            entry = coverage.setdefault((model, tier), [0, 0])
            entry[0] += n
            entry[1] += n if fine else 0
    return {key: (entry[0], entry[1]) for key, entry in coverage.items()}, overdue


def _count(
    customer_id: int,
    assigned: Any,
    cadence: CadenceResult,
    tally: Counter[tuple[int, bool]],
    mappings: dict[int, Any],
    overdue: list[int],
) -> None:
    # `days_since > max_days` is Clock.status == "overdue", without the property's other checks
    # (as core.reminders.agenda reads the clocks in its 100k-customer loop)
    # late: past either maximum interval (contact or visit), so "contacted on time" counts the
    # same overdue customers as the digest and the escalations
    clock, visit = cadence.any, cadence.visit
    late = (clock is not None and clock.days_since > clock.max_days) or (
        visit is not None and visit.days_since > visit.max_days
    )
    if late:
        overdue.append(customer_id)
    if (clock is None and visit is None) or not assigned:
        return
    # customers with the same stored tiers share one mapping (core.tier_records.fact_queries): tally per mapping
    key = id(assigned)
    if key not in mappings:
        mappings[key] = assigned
    tally[key, not late] += 1


def _movements(
    session: Session, book: dict[int, Any], policy: Policy, since: datetime, now: datetime
) -> tuple[dict[str, Counter[str]], list[Movement]]:
    """Net tier change per customer and model over the period (first old tier → last new
    tier), counted per model and direction; the first MOVEMENTS_SHOWN each way with names.
    The period's history rows are read alone and kept when their customer is in the scope
    (`book`): joined to the scope instead, the query walks every customer's history."""
    a = TierAssignment
    rows: Sequence[Any] = session.execute(
        select(a.customer_id, a.model, a.previous_tier, a.tier)
        .where(a.at > since, col(a.at) <= now, col(a.previous_tier).is_not(None))  # first assignments are no move
        .order_by(col(a.at), col(a.id))
    ).all()
    first_last: dict[tuple[int, str], list[Any]] = {}
    for cid, model, old, new in rows:
        if cid not in book:
            continue
        entry = first_last.get((cid, model))
        if entry is None:
            first_last[cid, model] = [old, new]
        else:
            entry[1] = new
    counts: dict[str, Counter[str]] = {}
    moved: list[tuple[int, str, str, str, str]] = []
    for (cid, code), (old, new) in first_last.items():
        model = policy.model_by_code.get(code)
        if model is None or old is None or new is None or old == new:
            continue
        direction = "changed"
        if isinstance(model, OrderedModel) and old in model.tier_rank and new in model.tier_rank:
            direction = "up" if model.tier_rank[new] < model.tier_rank[old] else "down"
        counts.setdefault(code, Counter())[direction] += 1
        moved.append((cid, code, old, new, direction))
    order = {code: n for n, code in enumerate(policy.model_codes)}
    moved.sort(key=lambda m: (order.get(m[1], 99), m[0]))
    shown = [m for m in moved if m[4] == "up"][:MOVEMENTS_SHOWN] + [m for m in moved if m[4] == "down"][
        :MOVEMENTS_SHOWN
    ]
    names = dict(
        session.execute(
            select(Customer.id, col(Customer.name)).where(col(Customer.id).in_([m[0] for m in shown]))
        ).all()
    )
    found = [
        Movement(
            cid,
            names.get(cid, ""),
            code,
            bilingual(policy.model(code).name),
            old,
            tier_label(policy, code, old),
            new,
            tier_label(policy, code, new),
            direction,
        )
        for cid, code, old, new, direction in shown
    ]
    found.sort(key=lambda m: (m.direction != "up", order.get(m.model, 99), m.name.casefold()))
    return counts, found


def _model_figures(
    model: Any,
    counts: dict[tuple[str, str], int],
    revenue: dict[tuple[str, str], Decimal],
    coverage: dict[tuple[str, str], tuple[int, int]],
    moves: dict[str, Counter[str]],
) -> ModelFigures:
    ordered = isinstance(model, OrderedModel)
    codes = list(model.tier_by_code)
    customers = sum(counts.get((model.code, code), 0) for code in codes)
    total_revenue = sum((revenue.get((model.code, code), Decimal(0)) for code in codes), Decimal(0))
    tiers = []
    for code in codes:
        n = counts.get((model.code, code), 0)
        if not n and not ordered:
            continue  # RFM: only the segments that hold someone
        money = revenue.get((model.code, code), Decimal(0))
        with_cadence, covered = coverage.get((model.code, code), (0, 0))
        tiers.append(
            TierFigures(
                code,
                bilingual(model.tier_by_code[code].name),
                n,
                ratio(n, customers),
                money,
                ratio(money, total_revenue),
                with_cadence,
                covered,
                ratio(covered, with_cadence),
            )
        )
    moved = moves.get(model.code, Counter())
    return ModelFigures(
        model.code,
        bilingual(model.name),
        ordered,
        customers,
        total_revenue,
        tiers,
        moved["up"],
        moved["down"],
        moved["changed"],
    )


def _overdue_people(
    session: Session, overdue: list[int], book: dict[int, tuple[int | None, int | None]]
) -> tuple[list[PersonOverdue], int, int]:
    per_person: Counter[int] = Counter()
    for cid in overdue:
        owner, account_manager = book[cid]
        for person in {p for p in (owner, account_manager) if p is not None}:
            per_person[person] += 1
    top = per_person.most_common()
    names = dict(
        session.execute(
            select(User.id, col(User.name)).where(col(User.id).in_([uid for uid, _ in top[:OVERDUE_PEOPLE_SHOWN]]))
        ).all()
    )
    shown = [PersonOverdue(uid, names.get(uid, "?"), n) for uid, n in top[:OVERDUE_PEOPLE_SHOWN]]
    return shown, max(len(top) - OVERDUE_PEOPLE_SHOWN, 0), len(overdue)


def _complaints(session: Session, clause: Any, now: datetime) -> tuple[int, int]:
    f = Feedback
    open_, old = session.exec(
        select(func.count(), func.count().filter(col(f.created_at) <= now - COMPLAINT_OLD))
        .select_from(f)
        .join(Customer, col(Customer.id) == col(f.customer_id))
        .where(clause, f.kind == "complaint", f.status != "resolved")
    ).one()
    return int(open_), int(old or 0)


def _allocation(
    session: Session, clause: Any, policy: Policy, since: datetime, now: datetime
) -> tuple[dict[str, str] | None, int, list[GradeShare]]:
    """Contacts of the period (`core.tier_records.fact_queries.is_contact`: notes and attempts are not touches) per
    service grade of the customer (the grade stored now), against the policy's target shares."""
    service = next((m for m in policy.models if isinstance(m, ServiceModel)), None)
    if service is None:
        return None, 0, []
    i, t = Interaction, CustomerTier
    rows = dict(
        session.execute(
            select(t.tier, func.count())
            .select_from(i)
            .join(t, and_(col(t.customer_id) == col(i.customer_id), col(t.model) == service.code))
            .join(Customer, col(Customer.id) == col(i.customer_id))
            .where(clause, i.occurred_at > since, i.occurred_at <= now, is_contact(i), col(t.tier).is_not(None))
            .group_by(t.tier)
        ).all()
    )
    total = sum(int(n) for code, n in rows.items() if code in service.tier_by_code)
    targets = policy.time_allocation
    shares = [
        GradeShare(
            tier.code,
            bilingual(tier.name),
            int(rows.get(tier.code, 0)),
            ratio(rows.get(tier.code, 0), total),
            float(targets[tier.code]) if tier.code in targets else None,
        )
        for tier in service.tiers
    ]
    return bilingual(service.name), total, shares


def _retention(session: Session, clause: Any, now: datetime) -> tuple[int, int]:
    """(customers of the scope with a deal in the 12 months before the last 12, of them with a
    deal in the last 12): one pass over the deals' partial index, grouped per customer. A refund
    (a negative amount) is no purchase: it keeps no one retained."""
    i = Interaction
    year_ago = now - YEAR
    purchase = or_(col(i.amount_minor).is_(None), col(i.amount_minor) >= 0)
    per_customer = (
        select(
            col(i.customer_id).label("cid"),
            func.max(case((col(i.occurred_at) > year_ago, 1), else_=0)).label("recent"),
            func.max(case((col(i.occurred_at) <= year_ago, 1), else_=0)).label("earlier"),
        )
        .where(_deals(now, now - 2 * YEAR), purchase)
        .group_by(col(i.customer_id))
        .subquery()
    )
    base, kept = session.exec(
        select(
            func.count().filter(per_customer.c.earlier == 1),
            func.count().filter(per_customer.c.earlier == 1, per_customer.c.recent == 1),
        )
        .select_from(per_customer)
        .join(Customer, col(Customer.id) == per_customer.c.cid)
        .where(clause)
    ).one()
    return int(base or 0), int(kept or 0)


def _overrides(session: Session, clause: Any, as_of: AsOf) -> tuple[list[OverrideLine], int]:
    o = TierOverride
    active = and_(clause, col(o.removed_at).is_(None), or_(col(o.expires_at).is_(None), col(o.expires_at) > as_of.now))
    total: int = session.execute(
        select(func.count()).select_from(o).join(Customer, col(Customer.id) == col(o.customer_id)).where(active)
    ).scalar_one()
    rows: Sequence[Any] = session.execute(
        sa.select(
            col(o.customer_id),
            col(Customer.name),
            col(o.model),
            col(o.tier),
            col(o.reason),
            col(o.expires_at),
            col(User.name),
        )
        .join(Customer, col(Customer.id) == col(o.customer_id))
        .outerjoin(User, col(User.id) == col(o.created_by_id))
        .where(active)
        .order_by(col(o.created_at).desc(), col(o.id).desc())
        .limit(OVERRIDES_SHOWN)
    ).all()
    lines = []
    for cid, name, model, tier, reason, expires, by in rows:
        spec = as_of.policy.model_by_code.get(model)
        lines.append(
            OverrideLine(
                cid,
                name,
                model,
                bilingual(spec.name) if spec else {"zh": model, "en": model},
                tier,
                tier_label(as_of.policy, model, tier),
                reason or "",
                expires.astimezone(as_of.zone).date() if expires else None,
                by,
            )
        )
    return lines, int(total)
