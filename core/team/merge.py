"""Merging two records of the same customer: the kept record takes the other's history, contacts
and missing fields; one log per message and one active override per model survive (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.as_of import AsOf
from core.errors import InvalidInput
from core.models import (
    Contact,
    Feedback,
    FollowUp,
    Interaction,
    Opportunity,
    TierOverride,
    User,
)
from core.names import aliases, book
from core.team.lookup import find_customer, visible_customer
from core.tier_records.retier import retier_customer


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
    row = visible_customer(session, actor, customer_id)
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


def merge(session: Session, actor: Account, as_of: AsOf, keep_id: int, drop_id: int) -> Merged:
    """Two records of the same customer become one: interactions, feedback, follow-ups,
    contacts and tier overrides move to the kept record, which takes the other's facts where it
    has none; the other is archived with `merged_into_id`. The kept one is re-tiered."""
    if keep_id == drop_id:
        raise InvalidInput("team_merge_same")
    keep, drop = visible_customer(session, actor, keep_id), visible_customer(session, actor, drop_id)
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
    _one_active_override_per_model(session, keep_id, as_of.now)
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
    drop.archived, drop.archived_at, drop.merged_into_id = True, as_of.now, keep_id
    session.add_all([keep, drop])
    session.flush()
    moved_aliases = aliases.move(session, drop_id, keep_id)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.merge",
        now=as_of.now,
        target=f"customer:{keep_id}",
        merged=drop_id,
        moved=moved,
        filled=filled,
        aliases=moved_aliases,
    )
    retier_customer(session, as_of, keep_id)
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
