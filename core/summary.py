"""The manager's tier summary (`/summary [team|@rep] [week|month|quarter]`, and the weekly push).

Who sees what:
- a rep may not ask for a summary (`Forbidden`);
- a manager: their team by default (`customer_scope`: the team's and their reports' customers,
  plus unassigned ones), or one person of it (`@rep`); another team is refused;
- an admin: the whole organisation by default, `team NAME` for one team (customers owned by its
  members), or any person (`@rep`).

The period is rolling and ends now: week = 7 days, month = 30, quarter = 91. It bounds the
movements (tier changes) and the time allocation; everything else is as of now.

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
- customer lifetime value per tier of the main model (see `lifetime_values`);
- active overrides (not removed, not expired).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa  # sa.select: rows of more than 4 columns (sqlmodel's select() types at most 4)
from sqlalchemy import ColumnElement, Engine, and_, case, func, literal_column, or_
from sqlmodel import Session, col, select

from core import agenda
from core.accounts import Account, get_account
from core.errors import Forbidden, InvalidInput
from core.facts import is_contact, load_cadence_facts, load_facts
from core.json_values import jsonable
from core.models import Customer, CustomerTier, Feedback, Interaction, Team, TierAssignment, TierOverride, User
from core.money import from_minor
from core.people import find_user, in_domain
from core.tiering import CadenceResult, Policy, cadence_of_assigned, collector_paused, evaluate_one
from core.tiering.specs import OrderedModel, ServiceModel
from core.tiers import STATS
from core.visibility import customer_scope

PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}
DEFAULT_PERIOD = "month"
_PERIOD_WORDS = {
    "week": "week",
    "weekly": "week",
    "w": "week",
    "周": "week",
    "本周": "week",
    "一周": "week",
    "每周": "week",
    "month": "month",
    "monthly": "month",
    "m": "month",
    "月": "month",
    "本月": "month",
    "一个月": "month",
    "quarter": "quarter",
    "quarterly": "quarter",
    "q": "quarter",
    "季": "quarter",
    "季度": "quarter",
    "本季度": "quarter",
    "本季": "quarter",
}
_TEAM_WORDS = {"team", "团队", "小组", "本组"}
MOVEMENTS_SHOWN = 10  # per direction
OVERDUE_PEOPLE_SHOWN = 10
OVERRIDES_SHOWN = 15
COMPLAINT_OLD = timedelta(hours=48)
MAX_LIFETIME_YEARS = 10  # a retention of 90 % or more counts as 10 years
YEAR = timedelta(days=365)


# --- what was asked ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    period: str = DEFAULT_PERIOD
    person: str | None = None  # "@username", a name or a Telegram id
    team: str | None = None  # a team name; "" for `team` alone (the default scope)


def parse_request(words: list[str]) -> Request:
    """`/summary` arguments in any order: a period word, `team [NAME]`, `@rep` or a person's
    name. Raises InvalidInput(`summary_usage`) for what cannot be read."""
    period: str | None = None
    person: str | None = None
    team: str | None = None
    rest: list[str] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        key = word.casefold()
        if key in _PERIOD_WORDS:
            if period is not None:
                raise InvalidInput("summary_usage", value=word[:64])
            period = _PERIOD_WORDS[key]
        elif key in _TEAM_WORDS:
            if team is not None:
                raise InvalidInput("summary_usage", value=word[:64])
            team = ""
        elif word.startswith("@"):
            if person is not None or len(word) == 1:
                raise InvalidInput("summary_usage", value=word[:64])
            person = word
        else:
            rest.append(word)
    if rest:  # after `team`: the team's name; otherwise a person's name
        if team is not None:
            team = " ".join(rest)
        elif person is None:
            person = " ".join(rest)
        else:
            raise InvalidInput("summary_usage", value=" ".join(rest)[:64])
    if person is not None and team:
        raise InvalidInput("summary_usage", value=person[:64])
    return Request(period or DEFAULT_PERIOD, person, team)


@dataclass(frozen=True)
class Scope:
    """Whose customers: `org` (an admin's whole book), `team` (a manager's team, or the team
    `team_id` for an admin) or `person` (one user's book)."""

    kind: str
    label: str | None = None
    user_id: int | None = None
    team_id: int | None = None

    def as_payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "user_id": self.user_id, "team_id": self.team_id}


def require_summary_rights(actor: Account) -> None:
    if actor.role not in ("manager", "admin") or not actor.active:
        raise Forbidden("summaries are for managers and admins")


def resolve_scope(session: Session, actor: Account, request: Request) -> Scope:
    """The scope `request` names, within what `actor` may see (InvalidInput codes
    summary_unknown_user, summary_other_team, summary_ambiguous_user, summary_unknown_team,
    summary_team_forbidden)."""
    require_summary_rights(actor)
    if request.person is not None:
        try:
            user = find_user(session, actor, request.person)
        except InvalidInput as exc:
            code = {"team_other_team": "summary_other_team", "team_ambiguous_user": "summary_ambiguous_user"}.get(
                exc.code, "summary_unknown_user"
            )
            raise InvalidInput(code, **{"value": request.person[:64], **exc.params}) from None
        return Scope("person", user.name, user_id=user.id)
    if request.team:
        team = session.exec(select(Team).where(func.lower(Team.name) == request.team.strip().lower())).first()
        if actor.role != "admin":
            if team is None or team.id != actor.team_id:
                raise InvalidInput("summary_team_forbidden", value=request.team[:100], own=actor.team_name)
            return Scope("team", actor.team_name, team_id=actor.team_id)
        if team is None:
            raise InvalidInput("summary_unknown_team", value=request.team[:100])
        return Scope("team", team.name, team_id=team.id)
    if actor.role == "admin":
        return Scope("org")
    return Scope("team", actor.team_name, team_id=actor.team_id)


def scope_from_payload(session: Session, actor: Account, payload: dict[str, Any]) -> Scope:
    """A scope stored behind a button, re-checked for the person pressing it now."""
    require_summary_rights(actor)
    scope = Scope(str(payload.get("kind")), payload.get("label"), payload.get("user_id"), payload.get("team_id"))
    if scope.kind == "person" and scope.user_id is not None and in_domain(session, actor, int(scope.user_id)):
        return scope
    if scope.kind == "org" and actor.role == "admin":
        return scope
    if scope.kind == "team" and (actor.role == "admin" or scope.team_id == actor.team_id):
        return scope
    raise Forbidden("scope no longer visible")


def scope_clause(actor: Account, scope: Scope) -> ColumnElement[bool]:
    """WHERE clause on `Customer`: the scope, never beyond what `actor` may see."""
    visible = customer_scope(actor)
    if scope.kind == "person":
        return and_(
            visible, or_(col(Customer.owner_id) == scope.user_id, col(Customer.account_manager_id) == scope.user_id)
        )
    if scope.kind == "team" and actor.role == "admin":
        members = select(User.id).where(User.team_id == scope.team_id)
        return and_(visible, col(Customer.owner_id).in_(members))
    return visible


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierFigures:
    code: str
    name: dict[str, str]
    customers: int
    share: float | None  # of the model's tiered customers
    revenue: Decimal  # 12 months, base currency
    revenue_share: float | None
    with_cadence: int  # customers whose tiers set a contact interval
    covered: int  # ... of them not past their maximum interval
    coverage: float | None


@dataclass(frozen=True)
class ModelFigures:
    code: str
    name: dict[str, str]
    ordered: bool
    customers: int
    revenue: Decimal
    tiers: list[TierFigures]
    upgrades: int = 0
    downgrades: int = 0
    changed: int = 0  # moves between unordered segments (RFM)


@dataclass(frozen=True)
class Movement:
    customer_id: int
    name: str
    model: str
    model_name: dict[str, str]
    old: str
    old_name: dict[str, str]
    new: str
    new_name: dict[str, str]
    direction: str  # up | down | changed


@dataclass(frozen=True)
class PersonOverdue:
    user_id: int
    name: str
    overdue: int


@dataclass(frozen=True)
class GradeShare:
    code: str
    name: dict[str, str]
    interactions: int
    share: float | None
    target: float | None


@dataclass(frozen=True)
class LifetimeValue:
    code: str
    name: dict[str, str]
    customers: int
    average_revenue: Decimal  # per customer, last 12 months
    lifetime_years: float | None
    clv: Decimal | None


@dataclass(frozen=True)
class OverrideLine:
    customer_id: int
    name: str
    model: str
    model_name: dict[str, str]
    tier: str
    tier_name: dict[str, str]
    reason: str
    expires: date | None
    by: str | None


@dataclass(frozen=True)
class Summary:
    scope: Scope
    period: str
    since: datetime
    until: datetime
    first_day: date  # the period in the organisation's timezone
    last_day: date
    currency: str
    customers: int
    models: list[ModelFigures]
    movements: list[Movement]  # up to MOVEMENTS_SHOWN each way
    overdue_total: int
    overdue_people: list[PersonOverdue]  # most overdue first, up to OVERDUE_PEOPLE_SHOWN
    overdue_people_more: int
    complaints_open: int
    complaints_old: int
    allocation_model: dict[str, str] | None
    allocation_interactions: int
    allocation: list[GradeShare]
    clv_model: dict[str, str] | None
    retention: float | None  # observed annual retention of the scope
    retention_base: int  # customers with a deal in the previous 12 months
    lifetimes: list[LifetimeValue]
    overrides: list[OverrideLine]
    overrides_total: int = 0

    def params(self) -> dict[str, Any]:
        """JSON-safe (the weekly push stores it in the outbox): money as strings, instants and
        dates in ISO form."""
        return jsonable(asdict(self))


def build(
    session: Session,
    actor: Account,
    policy: Policy,
    now: datetime,
    *,
    org_timezone: str,
    scope: Scope,
    period: str = DEFAULT_PERIOD,
) -> Summary:
    require_summary_rights(actor)
    if period not in PERIOD_DAYS:
        raise InvalidInput("summary_usage", value=period)
    since = now - timedelta(days=PERIOD_DAYS[period])
    clause = scope_clause(actor, scope)
    with _beside(session) as beside:
        # The pure GROUP BY figures run on a second connection while this thread builds the
        # cadence (Python): the database works without the GIL meanwhile.
        pending = beside.submit(_aggregates, clause, policy, since, now, org_timezone)
        book = {
            cid: (owner, am)
            for cid, owner, am in _raw_rows(
                session, select(Customer.id, Customer.owner_id, Customer.account_manager_id).where(clause)
            )
        }
        coverage, overdue = _cadence(session, policy, now, org_timezone, book)
        moves, movements = _movements(session, book, policy, since, now)
        people, people_more, overdue_total = _overdue_people(session, overdue, book)
        figures = pending.result()
    models = [_model_figures(model, figures.counts, figures.revenue, coverage, moves) for model in policy.models]
    clv_model, retention, lifetimes = lifetime_values(policy, models, figures.retention_base, figures.retained)
    complaints_open, complaints_old = figures.complaints
    allocation_model, allocation_total, allocation = figures.allocation
    overrides, overrides_total = figures.overrides
    zone = ZoneInfo(org_timezone)
    return Summary(
        scope,
        period,
        since,
        now,
        since.astimezone(zone).date(),
        now.astimezone(zone).date(),
        policy.base_currency,
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


def figures(
    session: Session, actor: Account, policy: Policy, now: datetime, *, org_timezone: str, request: Request
) -> dict[str, Any]:
    """The summary `request` asks for (its scope within what `actor` may see), JSON-safe."""
    scope = resolve_scope(session, actor, request)
    return build(session, actor, policy, now, org_timezone=org_timezone, scope=scope, period=request.period).params()


@dataclass(frozen=True)
class _Aggregates:
    counts: dict[tuple[str, str], int]
    revenue: dict[tuple[str, str], Decimal]
    complaints: tuple[int, int]
    allocation: tuple[dict[str, str] | None, int, list[GradeShare]]
    retention_base: int
    retained: int
    overrides: tuple[list[OverrideLine], int]


def _aggregates(
    session: Session, clause: Any, policy: Policy, since: datetime, now: datetime, org_timezone: str
) -> _Aggregates:
    """Every figure that is one GROUP BY (or a count) and nothing else."""
    return _Aggregates(
        _tier_counts(session, clause),
        _tier_revenue(session, clause, policy, now),
        _complaints(session, clause, now),
        _allocation(session, clause, policy, since, now),
        *_retention(session, clause, now),
        _overrides(session, clause, policy, now, org_timezone),
    )


class _Inline:
    """`submit` that runs at once in this session (an in-memory database has no second connection)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fn(self.session, *args))
        return done


class _Aside:
    """`submit` that runs in a worker thread on a session of its own (it sees committed rows,
    which is all a summary reads: nothing was written before it in the transaction)."""

    def __init__(self, engine: Engine, worker: ThreadPoolExecutor) -> None:
        self.engine, self.worker = engine, worker

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        def run() -> Any:
            with Session(self.engine) as session:
                return fn(session, *args)

        return self.worker.submit(run)


@contextmanager
def _beside(session: Session) -> Iterator[_Inline | _Aside]:
    engine = session.get_bind()
    if (
        not isinstance(engine, Engine)
        or engine.dialect.name == "sqlite"
        and engine.url.database in (None, "", ":memory:")
    ):
        yield _Inline(session)
        return
    with ThreadPoolExecutor(max_workers=1) as worker:
        yield _Aside(engine, worker)


def _raw_rows(session: Session, statement: Any) -> Sequence[tuple[Any, ...]]:
    """The driver's tuples, without SQLAlchemy's Row objects (a third of the time for 100k
    plain integers, as core.facts does)."""
    result = session.connection().execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


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
    session: Session, policy: Policy, now: datetime, org_timezone: str, book: dict[int, tuple[int | None, int | None]]
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
        facts = [f for f in load_cadence_facts(session, policy, now, org_timezone=org_timezone) if f.id in book]
    else:
        facts = load_cadence_facts(session, policy, now, org_timezone=org_timezone, customer_ids=sorted(book))
    tally: Counter[tuple[int, bool]] = Counter()  # (id of the shared assigned mapping, not overdue)
    mappings: dict[int, Any] = {}
    overdue: list[int] = []
    unserved: list[int] = []
    with collector_paused():
        for fact, cadence in zip(facts, cadence_of_assigned(facts, policy, now)):
            if cadence is None:
                unserved.append(fact.id)
            else:
                _count(fact.id, fact.assigned_tiers, cadence, tally, mappings, overdue)
        if unserved:
            stats = STATS.get(session, policy, now, org_timezone)
            for fact in load_facts(
                session, policy, now, org_timezone=org_timezone, customer_ids=unserved, with_occasions=False
            ):
                _count(
                    fact.id,
                    fact.assigned_tiers,
                    evaluate_one(fact, stats, policy, now).cadence,
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
    # (as core.agenda reads the clocks in its 100k-customer loop)
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
    # customers with the same stored tiers share one mapping (core.facts): tally per mapping
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
            _names(policy.model(code).name),
            old,
            _tier_name(policy, code, old),
            new,
            _tier_name(policy, code, new),
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
                _names(model.tier_by_code[code].name),
                n,
                _ratio(n, customers),
                money,
                _ratio(money, total_revenue),
                with_cadence,
                covered,
                _ratio(covered, with_cadence),
            )
        )
    moved = moves.get(model.code, Counter())
    return ModelFigures(
        model.code,
        _names(model.name),
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
    """Contacts of the period (`core.facts.is_contact`: notes and attempts are not touches) per
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
            _names(tier.name),
            int(rows.get(tier.code, 0)),
            _ratio(rows.get(tier.code, 0), total),
            float(targets[tier.code]) if tier.code in targets else None,
        )
        for tier in service.tiers
    ]
    return _names(service.name), total, shares


def lifetime_values(
    policy: Policy, models: list[ModelFigures], retention_base: int, retained: int
) -> tuple[dict[str, str] | None, float | None, list[LifetimeValue]]:
    """Customer lifetime value per tier of the policy's main model (value tiers in the default
    policy):

        CLV(tier)      = average annual revenue(tier) × expected lifetime
        average annual revenue(tier) = deals of the last 365 days of the tier's customers
                         (base currency) ÷ customers in the tier
        lifetime       = 1 ÷ (1 − r) years, capped at MAX_LIFETIME_YEARS
        r              = observed annual retention of the scope = retained ÷ retention_base:
                         of the customers with a deal in the 12 months before the last 12
                         (`retention_base`), the share with a deal in the last 12 (`retained`)

    r is measured over every customer of the scope, whatever their tier or stage now: customers
    who left are no longer in a value tier (it grades active customers), so a per-tier r would
    count only those who stayed. Without any deal in the previous year, r and CLV are unknown.
    Returns (the model's name, r, values per tier)."""
    main = policy.main_model
    if main is None:
        return None, None, []
    retention = retained / retention_base if retention_base else None
    lifetime = None
    if retention is not None:
        lifetime = MAX_LIFETIME_YEARS if retention >= 1 - 1 / MAX_LIFETIME_YEARS else 1 / (1 - retention)
    figures = next(m for m in models if m.code == main.code)
    values = []
    for tier in figures.tiers:
        average = (
            (tier.revenue / tier.customers).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if tier.customers
            else Decimal("0.00")
        )
        clv = None
        if lifetime is not None:
            clv = (average * Decimal(str(round(lifetime, 4)))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        values.append(
            LifetimeValue(
                tier.code, tier.name, tier.customers, average, round(lifetime, 2) if lifetime is not None else None, clv
            )
        )
    return _names(main.name), retention, values


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


def _overrides(
    session: Session, clause: Any, policy: Policy, now: datetime, org_timezone: str
) -> tuple[list[OverrideLine], int]:
    o = TierOverride
    active = and_(clause, col(o.removed_at).is_(None), or_(col(o.expires_at).is_(None), col(o.expires_at) > now))
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
        spec = policy.model_by_code.get(model)
        lines.append(
            OverrideLine(
                cid,
                name,
                model,
                _names(spec.name) if spec else {"zh": model, "en": model},
                tier,
                _tier_name(policy, model, tier),
                reason or "",
                expires.astimezone(ZoneInfo(org_timezone)).date() if expires else None,
                by,
            )
        )
    return lines, int(total)


# --- drill-down --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerLine:
    customer_id: int
    name: str
    owner: str | None


def tier_customers(
    session: Session,
    actor: Account,
    policy: Policy,
    scope: Scope,
    model: str,
    tier: str,
    *,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[CustomerLine], int]:
    """A page of the scope's customers assigned `tier` under `model`, by name, and how many."""
    require_summary_rights(actor)
    if policy.tier(model, tier) is None:
        raise InvalidInput("summary_usage", value=f"{model}:{tier}")
    where = and_(scope_clause(actor, scope), col(CustomerTier.model) == model, col(CustomerTier.tier) == tier)
    total: int = session.execute(
        select(func.count())
        .select_from(CustomerTier)
        .join(Customer, col(Customer.id) == col(CustomerTier.customer_id))
        .where(where)
    ).scalar_one()
    rows: Sequence[Any] = session.execute(
        select(Customer.id, Customer.name, User.name)
        .select_from(CustomerTier)
        .join(Customer, col(Customer.id) == col(CustomerTier.customer_id))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(where)
        .order_by(Customer.name, col(Customer.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [CustomerLine(cid, name, owner) for cid, name, owner in rows], int(total)


def tier_page(
    session: Session,
    actor: Account,
    policy: Policy,
    scope: dict[str, Any],
    model: str,
    tier: str,
    *,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[CustomerLine], int]:
    """`tier_customers` of a scope stored behind a drill-down button (re-checked for `actor`)."""
    return tier_customers(
        session, actor, policy, scope_from_payload(session, actor, scope), model, tier, offset=offset, limit=limit
    )


def overdue_of(
    session: Session, actor: Account, policy: Policy, now: datetime, *, org_timezone: str, user_id: int
) -> tuple[str, list[agenda.ContactDue]]:
    """The overdue contacts of one person `actor` manages: exactly those of their /today."""
    require_summary_rights(actor)
    person = get_account(session, user_id)
    if not in_domain(session, actor, user_id):
        raise InvalidInput("summary_other_team", value=person.name, name=person.name)
    items = agenda.build(session, person, policy, now, org_timezone=org_timezone)
    return person.name, sorted(items.overdue, key=lambda c: (not c.priority, -c.days_late, c.name))


# --- helpers -----------------------------------------------------------------------------------


def tier_label(policy: Policy, model: str, tier: str) -> dict[str, str]:
    return _tier_name(policy, model, tier)


def _tier_name(policy: Policy, model: str, tier: str) -> dict[str, str]:
    spec = policy.tier(model, tier)
    return _names(spec.name) if spec is not None else {"zh": tier, "en": tier}


def _names(text: Any) -> dict[str, str]:
    return {lang: text.get(lang) for lang in ("zh", "en")}


def _ratio(part: Any, whole: Any) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None
