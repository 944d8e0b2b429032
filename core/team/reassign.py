"""Reassigning customers between people: select them (by name, tier or owner), preview, plan and
move them, audited old → new, the new owner told. Managers act within their team, admins anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.errors import InvalidInput
from core.models import (
    AuditLog,
    Customer,
    CustomerTier,
    FollowUp,
    User,
    pk,
)
from core.names import book
from core.team.lookup import customer_ref, find_customer
from core.team.overview import CHUNK
from core.team.people import PersonView, find_user, in_domain, list_people, require_manager
from core.tiering import Policy
from core.visibility import customer_scope


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
                message=OutboxMessage(
                    "team/notify_reassigned",
                    {"count": len(moving), "by": actor.name, "names": _names(session, sorted(moving)[:5])},
                ),
            )
    book.invalidate_on_commit(session)  # owners change what each person's search finds
    return Reassigned(len(moving), follow_ups, to_user_id, target.name)


def _names(session: Session, ids: list[int]) -> list[str]:
    return list(
        session.exec(select(col(Customer.name)).where(col(Customer.id).in_(ids)).order_by(col(Customer.name))).all()
    )
