"""A manager's team: the overview (book size, tier mix, overdue and due contacts, last activity
per person), reassigning customers between people, dedicated account managers (重点客户经理)
for VIP customers, archiving, and merging two records of the same customer.

Rights: managers act within their team (core.people.members_clause / core.visibility), admins
anywhere, reps not at all. Every change is audited with old → new. Queries are set-based: one
GROUP BY per figure for the whole team, and the agenda's own builder for due and overdue (so
the numbers are the ones each person's /today shows).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from core import agenda, aliases, audit, book, outbox
from core.accounts import Account, account_of
from core.errors import InvalidInput, NotFound
from core.models import (
    AuditLog,
    Contact,
    Customer,
    CustomerTier,
    Feedback,
    FollowUp,
    Interaction,
    Opportunity,
    Team,
    TierOverride,
    User,
    pk,
)
from core.people import PersonView, find_user, in_domain, list_people, members_clause, person, require_manager
from core.tiering import Policy
from core.tiers import retier_customer
from core.visibility import customer_scope

CHUNK = 5000
MATCH_GAP = 10.0  # a fuzzy best match counts as "the one" this many points ahead of the next
MATCH_MIN = 70.0


# --- the overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    username: str | None
    role: str
    team: str | None
    active: bool
    book: int  # customers owned (not archived)
    mix: dict[str, int]  # tier code of the main model → customers
    overdue: int  # contacts past the maximum interval (their /today)
    due: int  # contacts past the ideal interval
    last_activity: datetime | None  # latest interaction they logged
    am_load: int  # customers they look after as dedicated account manager


@dataclass(frozen=True)
class Overview:
    members: list[MemberRow]
    mix_model: str | None  # the model whose tiers make the mix (the policy's first weighted model)
    tier_names: dict[str, dict[str, str]]  # tier code → {"zh": …, "en": …}, in the policy's order
    customers: int  # visible, not archived
    waiting: int  # customers of deactivated people: waiting for reassignment
    unassigned: int  # customers without an owner


def main_model(policy: Policy) -> tuple[str | None, list[Any]]:
    """The model whose tiers the overview counts and whose top tier gets dedicated account
    managers: the policy's main model (`[policy] main_model`)."""
    model = policy.main_model
    return (model.code, list(model.tiers)) if model else (None, [])


def top_tier(policy: Policy) -> tuple[str | None, str | None]:
    model, tiers = main_model(policy)
    return model, tiers[0].code if tiers else None


def overview(
    session: Session, actor: Account, policy: Policy, now: datetime, *, org_timezone: str, team: str | None = None
) -> Overview:
    """The people `actor` manages (an admin: everyone, or one `team`) with their figures."""
    require_manager(actor)
    statement = select(User, Team).outerjoin(Team, col(Team.id) == col(User.team_id)).where(members_clause(actor))
    if team is not None:
        if session.exec(select(Team.id).where(func.lower(Team.name) == team.strip().lower())).first() is None:
            raise InvalidInput("team_unknown_team", value=team[:100])
        statement = statement.where(func.lower(Team.name) == team.strip().lower())
    people = list(session.exec(statement).all())
    members = _member_rows(session, people, policy, now, org_timezone)
    members.sort(key=lambda m: (m.team or "\uffff", not m.active, m.role != "manager", m.name.casefold()))
    visible = customer_scope(actor)
    if team is not None:  # an admin's view of one team: that team's customers
        visible = visible & col(Customer.owner_id).in_([u.id for u, _ in people])
    customers = session.exec(select(func.count()).select_from(Customer).where(visible)).one()
    inactive = select(col(User.id)).where(col(User.active).is_(False))
    waiting = session.exec(
        select(func.count()).select_from(Customer).where(visible, col(Customer.owner_id).in_(inactive))
    ).one()
    unassigned = session.exec(
        select(func.count()).select_from(Customer).where(customer_scope(actor), col(Customer.owner_id).is_(None))
    ).one()
    return Overview(members, main_model(policy)[0], tier_names(policy), customers, waiting, unassigned)


def member(
    session: Session, actor: Account, policy: Policy, user_id: int, now: datetime, *, org_timezone: str
) -> MemberRow:
    """One person's row (someone `actor` manages)."""
    require_manager(actor)
    row = session.exec(
        select(User, Team)
        .outerjoin(Team, col(Team.id) == col(User.team_id))
        .where(User.id == user_id, members_clause(actor))
    ).first()
    if row is None:
        raise NotFound(f"user {user_id}")
    return _member_rows(session, [row], policy, now, org_timezone)[0]


def tier_names(policy: Policy) -> dict[str, dict[str, str]]:
    """The main model's tiers, in the policy's order: code → {"zh": …, "en": …}."""
    return {t.code: {"zh": t.name.get("zh"), "en": t.name.get("en")} for t in main_model(policy)[1]}


def _member_rows(
    session: Session, people: Sequence[tuple[User, Team | None]], policy: Policy, now: datetime, org_timezone: str
) -> list[MemberRow]:
    """Figures of many people in a few GROUP BY queries plus one agenda build for all of them."""
    ids: list[int | None] = [u.id for u, _ in people]
    model = main_model(policy)[0]
    not_archived = col(Customer.archived).is_(False)
    books = _counts(
        session,
        select(Customer.owner_id, func.count()).where(not_archived).group_by(col(Customer.owner_id)),
        col(Customer.owner_id),
        ids,
    )
    am = _counts(
        session,
        select(Customer.account_manager_id, func.count())
        .where(not_archived)
        .group_by(col(Customer.account_manager_id)),
        col(Customer.account_manager_id),
        ids,
    )
    last = _counts(
        session,
        select(Interaction.rep_id, func.max(Interaction.occurred_at))
        .where(col(Interaction.occurred_at) <= now)
        .group_by(col(Interaction.rep_id)),
        col(Interaction.rep_id),
        ids,
    )
    mix: dict[int, dict[str, int]] = {}
    if model is not None:
        rows = _rows(
            session,
            select(Customer.owner_id, CustomerTier.tier, func.count())
            .join(CustomerTier, col(CustomerTier.customer_id) == col(Customer.id))
            .where(CustomerTier.model == model, not_archived)
            .group_by(col(Customer.owner_id), col(CustomerTier.tier)),
            col(Customer.owner_id),
            ids,
        )
        for owner, tier, count in rows:
            if tier is not None:
                mix.setdefault(owner, {})[tier] = count
    accounts = [account_of(session, u, t) for u, t in people]
    agendas = agenda.build_many(session, accounts, policy, now, org_timezone=org_timezone) if accounts else {}
    members = []
    for (user, team_row), account in zip(people, accounts, strict=True):
        statuses = Counter(c.status for c in agendas[account.id].contacts)
        members.append(
            MemberRow(
                user.id or 0,
                user.name,
                user.username,
                user.role,
                team_row.name if team_row else None,
                user.active,
                books.get(user.id, 0),
                mix.get(user.id or 0, {}),
                statuses["overdue"],
                statuses["due"],
                last.get(user.id),
                am.get(user.id, 0),
            )
        )
    return members


def _rows(session: Session, statement: Any, column: Any, ids: list[int | None]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        found += session.exec(statement.where(column.in_(ids[start : start + CHUNK]))).all()
    return found


def _counts(session: Session, statement: Any, column: Any, ids: list[int | None]) -> dict[Any, Any]:
    return {key: value for key, value in _rows(session, statement, column, ids)}


# --- finding customers by name --------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerRef:
    id: int
    name: str
    owner_id: int | None
    owner: str | None
    added_at: datetime
    archived: bool


def find_customer(session: Session, actor: Account, text: str, *, archived: bool = False) -> CustomerRef:
    """One customer `actor` may see, named by `#id`, exact name, or a clear fuzzy best (pinyin
    works: the rep's search index). Several records of the same name are listed in the error
    with their #id so the user can pick one (that is what merging is for)."""
    require_manager(actor)
    query = text.strip()
    if not query:
        raise InvalidInput("team_customer_not_found", value="")
    scope = customer_scope(actor, include_archived=True) & (col(Customer.archived).is_(archived))
    if query.startswith("#") and query[1:].isdigit():
        row = session.exec(select(Customer).where(Customer.id == int(query[1:]), scope)).first()
        if row is None:
            raise InvalidInput("team_customer_not_found", value=query[:100])
        return _ref(session, row)
    exact = session.exec(
        select(Customer).where(func.lower(Customer.name) == query.lower(), scope).order_by(col(Customer.id))
    ).all()
    if len(exact) == 1:
        return _ref(session, exact[0])
    if len(exact) > 1:
        raise InvalidInput(
            "team_ambiguous_customer", value=query[:100], candidates=[_candidate(session, row) for row in exact[:8]]
        )
    ids = _fuzzy(session, actor, query, archived)
    if not ids:
        raise InvalidInput("team_customer_not_found", value=query[:100])
    if len(ids) > 1:
        rows = [session.get(Customer, cid) for cid in ids[:8]]
        raise InvalidInput(
            "team_ambiguous_customer",
            value=query[:100],
            candidates=[_candidate(session, row) for row in rows if row is not None],
        )
    row = session.get(Customer, ids[0])
    assert row is not None
    return _ref(session, row)


def _fuzzy(session: Session, actor: Account, query: str, archived: bool) -> list[int]:
    """The best match (alone when clearly ahead), else the close ones."""
    if archived:  # the archive is small and not in the search index: rapidfuzz over its names
        rows = session.exec(
            select(pk(Customer.id), col(Customer.name)).where(
                customer_scope(actor, include_archived=True), col(Customer.archived).is_(True)
            )
        ).all()
        scored = sorted(((fuzz.WRatio(query, name), cid) for cid, name in rows), reverse=True)
    else:
        scored = [(c.score, c.customer_id) for c in book.search(session, actor, query, 8)]
    scored = [(score, cid) for score, cid in scored if score >= MATCH_MIN]
    if not scored:
        return []
    if len(scored) == 1 or scored[0][0] - scored[1][0] >= MATCH_GAP:
        return [scored[0][1]]
    return [cid for score, cid in scored if scored[0][0] - score < MATCH_GAP]


def _ref(session: Session, row: Customer) -> CustomerRef:
    owner = session.get(User, row.owner_id) if row.owner_id else None
    return CustomerRef(row.id or 0, row.name, row.owner_id, owner.name if owner else None, row.added_at, row.archived)


def customer_ref(session: Session, actor: Account, customer_id: int) -> CustomerRef:
    return _ref(session, _visible(session, actor, customer_id))


def _candidate(session: Session, row: Customer) -> dict[str, Any]:
    ref = _ref(session, row)
    return {"id": ref.id, "name": ref.name, "owner": ref.owner, "added": ref.added_at.date().isoformat()}


def _visible(session: Session, actor: Account, customer_id: int, *, archived: bool | None = False) -> Customer:
    require_manager(actor)
    statement = select(Customer).where(Customer.id == customer_id, customer_scope(actor, include_archived=True))
    if archived is not None:
        statement = statement.where(col(Customer.archived).is_(archived))
    row = session.exec(statement).first()
    if row is None:
        raise NotFound(f"customer {customer_id}")
    return row


# --- one person's book ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BookLine:
    id: int
    name: str
    tier: str | None  # main model's tier code


def book_of(
    session: Session, actor: Account, policy: Policy, user_id: int, *, offset: int = 0, limit: int = 10
) -> tuple[list[BookLine], int]:
    """A person's customers (by tier, then name), a page of them and how many in all."""
    require_manager(actor)
    if not in_domain(session, actor, user_id):
        raise NotFound(f"user {user_id}")
    model, tiers = main_model(policy)
    order = {t.code: n for n, t in enumerate(tiers)}
    rows = session.exec(
        select(pk(Customer.id), col(Customer.name), col(CustomerTier.tier))
        .outerjoin(
            CustomerTier,
            (col(CustomerTier.customer_id) == col(Customer.id)) & (col(CustomerTier.model) == (model or "")),
        )
        .where(Customer.owner_id == user_id, customer_scope(actor))
    ).all()
    lines = sorted(
        (BookLine(cid, name, tier) for cid, name, tier in rows),
        key=lambda line: (order.get(line.tier or "", len(order)), line.name.casefold()),
    )
    return lines[offset : offset + limit], len(lines)


@dataclass(frozen=True)
class BookPage:
    name: str  # whose book
    lines: list[BookLine]
    total: int


def book_page(
    session: Session, actor: Account, policy: Policy, user_id: int, *, offset: int = 0, limit: int = 10
) -> BookPage:
    """A page of a person's book (`book_of`) with their name."""
    lines, total = book_of(session, actor, policy, user_id, offset=offset, limit=limit)
    return BookPage(person(session, actor, user_id).name, lines, total)


# --- reassigning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Customers picked for a reassignment, before the confirmation."""

    ids: list[int]
    from_id: int | None
    from_name: str | None
    tier: str | None  # tier code of the filter, if any
    names: list[str] = field(default_factory=list)  # the first few, for the confirmation


def parse_tier(policy: Policy, text: str) -> tuple[str, str]:
    """A tier named by code or by its name in either language ('VIP', 'key', '重要客户', 'A')."""
    wanted = text.strip().casefold()
    for model in policy.models:
        for tier in (*getattr(model, "tiers", ()), *getattr(model, "segments", ())):
            names = {tier.code.casefold(), *(str(tier.name.get(lang)).casefold() for lang in ("zh", "en"))}
            if wanted in names:
                return model.code, tier.code
    raise InvalidInput("team_bad_tier", value=text.strip()[:32])


def select_customers(
    session: Session,
    actor: Account,
    *,
    from_user_id: int | None = None,
    unassigned: bool = False,
    tier: tuple[str, str] | None = None,
    customer_ids: list[int] | None = None,
) -> Selection:
    """Customers `actor` may see: of one person, or without owner, or the given ones; of one tier."""
    require_manager(actor)
    statement = select(pk(Customer.id), col(Customer.name)).where(customer_scope(actor)).order_by(Customer.name)
    from_name = None
    if from_user_id is not None:
        owner = session.get(User, from_user_id)
        if owner is None or not in_domain(session, actor, from_user_id):
            raise InvalidInput("team_other_team", name=owner.name if owner else str(from_user_id))
        from_name = owner.name
        statement = statement.where(Customer.owner_id == from_user_id)
    elif unassigned:
        statement = statement.where(col(Customer.owner_id).is_(None))
    if customer_ids is not None:
        statement = statement.where(col(Customer.id).in_(customer_ids))
    if tier is not None:
        tiered = select(CustomerTier.customer_id).where(CustomerTier.model == tier[0], CustomerTier.tier == tier[1])
        statement = statement.where(col(Customer.id).in_(tiered))
    rows = session.exec(statement).all()
    return Selection(
        [cid for cid, _ in rows], from_user_id, from_name, tier[1] if tier else None, [name for _, name in rows[:5]]
    )


def selection(
    session: Session,
    actor: Account,
    *,
    from_user_id: int | None = None,
    unassigned: bool = False,
    tier: tuple[str, str] | None = None,
    customer_ids: list[int] | None = None,
) -> Selection:
    """As `select_customers`, refusing an empty selection (InvalidInput team_nothing_selected)."""
    found = select_customers(
        session, actor, from_user_id=from_user_id, unassigned=unassigned, tier=tier, customer_ids=customer_ids
    )
    if not found.ids:
        raise InvalidInput("team_nothing_selected")
    return found


@dataclass(frozen=True)
class ReassignChoice:
    """A selection and the people it may go to (every active person `actor` manages but the
    current owner, at most `limit`)."""

    selection: Selection
    targets: list[PersonView]


def reassign_choice(
    session: Session,
    actor: Account,
    *,
    from_user_id: int | None = None,
    unassigned: bool = False,
    tier: tuple[str, str] | None = None,
    customer_ids: list[int] | None = None,
    limit: int,
) -> ReassignChoice:
    found = selection(
        session, actor, from_user_id=from_user_id, unassigned=unassigned, tier=tier, customer_ids=customer_ids
    )
    besides = from_user_id
    if besides is None and len(found.ids) == 1:
        besides = customer_ref(session, actor, found.ids[0]).owner_id
    return ReassignChoice(found, targets(session, actor, besides=besides, limit=limit))


def targets(session: Session, actor: Account, *, besides: int | None, limit: int) -> list[PersonView]:
    """The active people `actor` manages, but `besides`: whom customers can go to."""
    return [p for p in list_people(session, actor) if p.active and p.id != besides][:limit]


@dataclass(frozen=True)
class ReassignPreview:
    selection: Selection
    to_name: str


def reassign_preview(
    session: Session,
    actor: Account,
    to_user_id: int,
    *,
    from_user_id: int | None = None,
    unassigned: bool = False,
    tier: tuple[str, str] | None = None,
    customer_ids: list[int] | None = None,
) -> ReassignPreview:
    """What a reassignment's confirmation shows: the customers and whom they go to."""
    found = selection(
        session, actor, from_user_id=from_user_id, unassigned=unassigned, tier=tier, customer_ids=customer_ids
    )
    return ReassignPreview(found, target_user(session, actor, to_user_id).name)


UNASSIGNED_WORDS = ("unassigned", "无负责人")
NAMES = re.compile(r"\s*[,，、|｜;；]\s*")


@dataclass(frozen=True)
class ReassignPlan:
    """A typed reassignment resolved to ids: what the buttons of the confirmation carry."""

    to_user_id: int
    tier: tuple[str, str] | None = None
    from_user_id: int | None = None
    unassigned: bool = False
    customer_ids: list[int] | None = None


def plan_reassign(
    session: Session, actor: Account, policy: Policy, source: list[str], to_ref: str, tier_text: str | None
) -> ReassignPlan:
    """`@from`, `unassigned` or customers' names (separated by commas) → `to_ref`, optionally
    one tier; refused when it selects nothing, before anything is asked."""
    to_user_id = find_user(session, actor, to_ref).id or 0
    tier = parse_tier(policy, tier_text) if tier_text else None
    if len(source) == 1 and source[0].startswith("@"):
        plan = ReassignPlan(to_user_id, tier, from_user_id=find_user(session, actor, source[0]).id)
    elif len(source) == 1 and source[0].casefold() in UNASSIGNED_WORDS:
        plan = ReassignPlan(to_user_id, tier, unassigned=True)
    else:
        names = [n for n in NAMES.split(" ".join(source)) if n]
        plan = ReassignPlan(to_user_id, tier, customer_ids=[find_customer(session, actor, n).id for n in names])
    selection(
        session,
        actor,
        from_user_id=plan.from_user_id,
        unassigned=plan.unassigned,
        tier=plan.tier,
        customer_ids=plan.customer_ids,
    )  # nothing selected: say so before asking
    return plan


@dataclass(frozen=True)
class Reassigned:
    moved: int
    follow_ups: int
    to_id: int
    to_name: str


def target_user(session: Session, actor: Account, user_id: int) -> User:
    """Someone who can take customers: active, and managed by `actor`."""
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("team_unknown_user", value=str(user_id))
    if not in_domain(session, actor, user_id):
        raise InvalidInput("team_other_team", name=user.name)
    if not user.active:
        raise InvalidInput("team_inactive_target", name=user.name)
    return user


def reassign(session: Session, actor: Account, customer_ids: list[int], to_user_id: int, now: datetime) -> Reassigned:
    """Give the customers to another owner. Interactions keep the rep who logged them; open
    follow-ups of the previous owner go to the new one; each customer's owner change is in the
    audit log (old → new), and the new owner is told through the outbox."""
    require_manager(actor)
    target = target_user(session, actor, to_user_id)
    owners: dict[int, int | None] = {}
    for start in range(0, len(customer_ids), CHUNK):
        chunk = customer_ids[start : start + CHUNK]
        owners.update(
            session.exec(
                select(pk(Customer.id), col(Customer.owner_id)).where(
                    col(Customer.id).in_(chunk), customer_scope(actor)
                )
            ).all()
        )
    moving = {cid: old for cid, old in owners.items() if old != to_user_id}
    by_owner: dict[int | None, list[int]] = {}
    for cid, old in moving.items():
        by_owner.setdefault(old, []).append(cid)
    follow_ups = 0
    for old, ids in by_owner.items():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            session.execute(update(Customer).where(col(Customer.id).in_(chunk)).values(owner_id=to_user_id))
            same_rep = col(FollowUp.rep_id).is_(None) if old is None else col(FollowUp.rep_id) == old
            follow_ups += (
                session.exec(
                    update(FollowUp)
                    .where(col(FollowUp.customer_id).in_(chunk), col(FollowUp.status) == "open", same_rep)
                    .values(rep_id=to_user_id)
                ).rowcount
                or 0
            )
    if moving:
        session.execute(
            insert(AuditLog),
            [
                {
                    "actor_id": actor.id,
                    "action": "customer.owner",
                    "target": f"customer:{cid}",
                    "detail": {"old": old, "new": to_user_id},
                    "at": now,
                }
                for cid, old in moving.items()
            ],
        )
        audit.record(
            session,
            actor_id=actor.id,
            action="team.reassign",
            now=now,
            target=f"user:{to_user_id}",
            customers=len(moving),
            from_owners=sorted({o for o in by_owner if o is not None}),
            follow_ups=follow_ups,
        )
        if target.id != actor.id:
            outbox.enqueue(
                session,
                recipient_id=to_user_id,
                kind="team_reassigned",
                dedupe_key=f"team_reassigned:{to_user_id}:{now.isoformat()}:{min(moving)}",
                now=now,
                payload={
                    "template": "team/notify_reassigned",
                    "params": {"count": len(moving), "by": actor.name, "names": _names(session, sorted(moving)[:5])},
                },
            )
    book.invalidate_on_commit(session)  # owners change what each person's search finds
    return Reassigned(len(moving), follow_ups, to_user_id, target.name)


def _names(session: Session, ids: list[int]) -> list[str]:
    return list(
        session.exec(select(col(Customer.name)).where(col(Customer.id).in_(ids)).order_by(col(Customer.name))).all()
    )


# --- dedicated account managers (重点客户经理) ------------------------------------------------------


@dataclass(frozen=True)
class AmLoad:
    managers: list[dict[str, Any]]  # {"id", "name", "active", "customers", "top"}
    without: list[dict[str, Any]]  # top-tier customers without one: {"id", "name", "owner"}
    without_total: int
    top_total: int
    tier: str | None  # the top tier's code


def account_manager_load(session: Session, actor: Account, policy: Policy, *, limit: int = 10) -> AmLoad:
    """Who looks after how many customers as dedicated account manager (and how many of those
    are in the top tier now), and the top-tier customers still without one."""
    require_manager(actor)
    model, top = top_tier(policy)
    scope = customer_scope(actor)
    is_top = col(Customer.id).in_(
        select(CustomerTier.customer_id).where(CustomerTier.model == (model or ""), CustomerTier.tier == (top or ""))
    )
    loads = session.exec(
        select(col(User.id), col(User.name), col(User.active), func.count(col(Customer.id)))
        .join(Customer, col(Customer.account_manager_id) == col(User.id))
        .where(scope)
        .group_by(col(User.id), col(User.name), col(User.active))
    ).all()
    tops = dict(
        session.exec(
            select(Customer.account_manager_id, func.count())
            .where(scope, is_top, col(Customer.account_manager_id).is_not(None))
            .group_by(col(Customer.account_manager_id))
        ).all()
    )
    managers: list[dict[str, Any]] = sorted(
        (
            {"id": uid, "name": name, "active": active, "customers": n, "top": tops.get(uid, 0)}
            for uid, name, active, n in loads
        ),
        key=lambda m: (-m["customers"], m["name"]),
    )
    missing = (
        select(Customer.id, col(Customer.name), col(User.name))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(scope, is_top, col(Customer.account_manager_id).is_(None))
        .order_by(Customer.name)
    )
    without = [
        {"id": cid, "name": name, "owner": owner} for cid, name, owner in session.exec(missing.limit(limit)).all()
    ]
    without_total = session.exec(
        select(func.count()).select_from(Customer).where(scope, is_top, col(Customer.account_manager_id).is_(None))
    ).one()
    top_total = session.exec(select(func.count()).select_from(Customer).where(scope, is_top)).one()
    return AmLoad(managers, without, without_total, top_total, top)


def set_account_manager(
    session: Session, actor: Account, policy: Policy, customer_id: int, user_id: int | None, now: datetime
) -> tuple[str, str | None]:
    """Make `user_id` the customer's dedicated account manager (None: remove). The customer must
    be in the top tier (VIP) of the main model. Returns (customer name, manager name)."""
    customer = _visible(session, actor, customer_id)
    manager = None
    if user_id is not None:
        model, top = top_tier(policy)
        tier = session.get(CustomerTier, (customer_id, model or ""))
        if tier is None or tier.tier != top:
            raise InvalidInput("team_not_vip", name=customer.name)
        manager = target_user(session, actor, user_id)
    old = customer.account_manager_id
    customer.account_manager_id = user_id
    session.add(customer)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.account_manager",
        now=now,
        target=f"customer:{customer_id}",
        old=old,
        new=user_id,
    )
    session.flush()
    book.invalidate_on_commit(session)
    return customer.name, manager.name if manager else None


@dataclass(frozen=True)
class AmChoice:
    customer: CustomerRef
    targets: list[PersonView]


def account_manager_choice(session: Session, actor: Account, customer_id: int, *, limit: int) -> AmChoice:
    """A customer and the people who can become its dedicated account manager."""
    return AmChoice(customer_ref(session, actor, customer_id), targets(session, actor, besides=None, limit=limit))


def set_account_manager_by_name(
    session: Session, actor: Account, policy: Policy, customer: str, user_ref: str | None, now: datetime
) -> tuple[str, str | None]:
    """As `set_account_manager`, for a customer's name and a person's @username (None: remove)."""
    customer_id = find_customer(session, actor, customer).id
    user_id = None if user_ref is None else find_user(session, actor, user_ref).id
    return set_account_manager(session, actor, policy, customer_id, user_id, now)


# --- archive ------------------------------------------------------------------------------------


def archive(session: Session, actor: Account, customer_id: int, now: datetime) -> str:
    """Out of every agenda, digest, search and tier statistic; nothing is deleted."""
    customer = _visible(session, actor, customer_id)
    customer.archived, customer.archived_at = True, now
    session.add(customer)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.archive",
        now=now,
        target=f"customer:{customer_id}",
        old="active",
        new="archived",
    )
    session.flush()
    book.invalidate_on_commit(session)  # out of every search
    return customer.name


def unarchive(session: Session, actor: Account, customer_id: int, now: datetime) -> str:
    customer = _visible(session, actor, customer_id, archived=True)
    if customer.merged_into_id is not None:  # its history lives in the kept record now
        kept = session.get(Customer, customer.merged_into_id)
        raise InvalidInput("team_merged_record", name=customer.name, kept=kept.name if kept else "")
    customer.archived, customer.archived_at = False, None
    session.add(customer)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.unarchive",
        now=now,
        target=f"customer:{customer_id}",
        old="archived",
        new="active",
    )
    session.flush()
    book.invalidate_on_commit(session)
    return customer.name


def unarchive_by_name(session: Session, actor: Account, name: str, now: datetime) -> str:
    return unarchive(session, actor, find_customer(session, actor, name, archived=True).id, now)


@dataclass(frozen=True)
class ArchivedLine:
    id: int
    name: str
    owner: str | None
    archived_at: datetime | None
    merged_into: str | None


def archived(session: Session, actor: Account, *, offset: int = 0, limit: int = 10) -> tuple[list[ArchivedLine], int]:
    require_manager(actor)
    scope = customer_scope(actor, include_archived=True) & col(Customer.archived).is_(True)
    total = session.exec(select(func.count()).select_from(Customer).where(scope)).one()
    rows = session.exec(
        select(Customer, col(User.name))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(scope)
        .order_by(col(Customer.archived_at).desc(), col(Customer.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    kept = {c.merged_into_id for c, _ in rows if c.merged_into_id}
    kept_names = (
        dict(session.exec(select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(kept))).all())
        if kept
        else {}
    )
    return [
        ArchivedLine(c.id or 0, c.name, owner, c.archived_at, kept_names.get(c.merged_into_id)) for c, owner in rows
    ], total


# --- merge --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordView:
    id: int
    name: str
    company: str | None
    owner: str | None
    added_at: datetime
    counts: dict[str, int]  # interactions, feedback, follow_ups, contacts, overrides


MOVED = (
    ("interactions", Interaction),
    ("feedback", Feedback),
    ("follow_ups", FollowUp),
    ("contacts", Contact),
    ("overrides", TierOverride),
    ("opportunities", Opportunity),
)
# fields the kept record takes from the other one when it has none itself
FILLED = (
    "company",
    "industry",
    "size",
    "account_manager_id",
    "timezone",
    "language",
    "contract_start",
    "annual_revenue_minor",
    "potential",
    "influence",
    "intention",
    "expectation",
    "satisfaction",
    "pipeline_stage",
    "expected_signing_date",
)


def record_view(session: Session, actor: Account, customer_id: int) -> RecordView:
    row = _visible(session, actor, customer_id)
    owner = session.get(User, row.owner_id) if row.owner_id else None
    counts = {
        name: session.exec(select(func.count()).select_from(table).where(table.customer_id == customer_id)).one()
        for name, table in MOVED
    }
    return RecordView(customer_id, row.name, row.company, owner.name if owner else None, row.added_at, counts)


def merge_preview(session: Session, actor: Account, first_id: int, second_id: int) -> tuple[RecordView, RecordView]:
    """Both records, the one with more history first (the suggested one to keep)."""
    if first_id == second_id:
        raise InvalidInput("team_merge_same")
    a, b = record_view(session, actor, first_id), record_view(session, actor, second_id)
    return (a, b) if sum(a.counts.values()) >= sum(b.counts.values()) else (b, a)


def merge_preview_by_name(session: Session, actor: Account, first: str, second: str) -> tuple[RecordView, RecordView]:
    return merge_preview(
        session, actor, find_customer(session, actor, first).id, find_customer(session, actor, second).id
    )


@dataclass(frozen=True)
class Merged:
    kept_id: int
    kept_name: str
    dropped_name: str
    moved: dict[str, int]


def merge(
    session: Session, actor: Account, policy: Policy, keep_id: int, drop_id: int, now: datetime, *, org_timezone: str
) -> Merged:
    """Two records of the same customer become one: interactions, feedback, follow-ups,
    contacts and tier overrides move to the kept record, which takes the other's facts where it
    has none; the other is archived with `merged_into_id`. The kept one is re-tiered."""
    if keep_id == drop_id:
        raise InvalidInput("team_merge_same")
    keep, drop = _visible(session, actor, keep_id), _visible(session, actor, drop_id)
    _one_log_per_message(session, keep_id, drop_id)
    moved = {}
    for name, table in MOVED:
        moved[name] = (
            session.exec(update(table).where(col(table.customer_id) == drop_id).values(customer_id=keep_id)).rowcount
            or 0
        )
    # one primary contact: the kept record's, if it had one
    primaries = session.exec(
        select(Contact).where(Contact.customer_id == keep_id, Contact.is_primary).order_by(col(Contact.id))
    ).all()
    for extra in primaries[1:]:
        extra.is_primary = False
        session.add(extra)
    _one_active_override_per_model(session, keep_id, now)
    if keep.owner_id is not None and drop.owner_id not in (None, keep.owner_id):  # their open promises move too
        session.execute(
            update(FollowUp)
            .where(
                col(FollowUp.customer_id) == keep_id,
                col(FollowUp.status) == "open",
                col(FollowUp.rep_id) == drop.owner_id,
            )
            .values(rep_id=keep.owner_id)
        )
    filled = [name for name in FILLED if getattr(keep, name) is None and getattr(drop, name) is not None]
    for name in filled:
        setattr(keep, name, getattr(drop, name))
    keep.tags = sorted(set(keep.tags or []) | set(drop.tags or []))
    keep.attributes = {**(drop.attributes or {}), **(keep.attributes or {})}
    if keep.external_id is None and drop.external_id is not None:  # a re-import then updates the kept one
        external_id, drop.external_id = drop.external_id, None
        session.add(drop)
        session.flush()  # free the unique value first
        keep.external_id = external_id
        filled.append("external_id")
    drop.archived, drop.archived_at, drop.merged_into_id = True, now, keep_id
    session.add_all([keep, drop])
    session.flush()
    moved_aliases = aliases.move(session, drop_id, keep_id)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.merge",
        now=now,
        target=f"customer:{keep_id}",
        merged=drop_id,
        moved=moved,
        filled=filled,
        aliases=moved_aliases,
    )
    retier_customer(session, policy, keep_id, now, org_timezone=org_timezone)
    book.invalidate_on_commit(session)  # one record fewer to find
    return Merged(keep_id, keep.name, drop.name, moved)


def _one_log_per_message(session: Session, keep_id: int, drop_id: int) -> None:
    """A message that logged both records (Called Acme and Acme Corp …) stays one log per
    customer: the dropped record's copy keeps its content but no longer its source message."""
    keep_sources = set(
        session.exec(
            select(Interaction.source_chat_id, Interaction.source_message_id).where(
                Interaction.customer_id == keep_id, col(Interaction.source_message_id).is_not(None)
            )
        ).all()
    )
    if not keep_sources:
        return
    for row in session.exec(
        select(Interaction).where(Interaction.customer_id == drop_id, col(Interaction.source_message_id).is_not(None))
    ).all():
        if (row.source_chat_id, row.source_message_id) in keep_sources:
            row.source_chat_id = row.source_message_id = None
            session.add(row)
    session.flush()


def _one_active_override_per_model(session: Session, customer_id: int, now: datetime) -> None:
    """Two records may both carry a pin for the same model: the newest stays active."""
    rows = session.exec(
        select(TierOverride)
        .where(TierOverride.customer_id == customer_id, col(TierOverride.removed_at).is_(None))
        .order_by(col(TierOverride.created_at).desc(), col(TierOverride.id).desc())
    ).all()
    seen: set[str] = set()
    for row in rows:
        if row.model in seen:
            row.removed_at = now
            session.add(row)
        seen.add(row.model)
