"""The review cycle (定期评估与调整): on each review day of the policy, re-tier the book once (a day
missed while the bot was down is caught up within a week) and tell each rep which of their
customers changed tier, old → new, and why. Policy changes send the same notices.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.as_of import AsOf
from core.chat.messages import OutboxMessage
from core.chat.plans import Planned, enqueue
from core.db import Database
from core.models import AuditLog, Customer, TierAssignment, User
from core.settings import Settings
from core.tier_records.retier import TierChange, recompute
from core.tiering import Policy, is_review_day

REVIEW_CATCH_UP = 7  # days: a review missed while the bot was down still runs within a week


def review_due(session: Session, policy: Policy, settings: Settings, now: datetime) -> date | None:
    """The latest review day of the policy's cycle (organisation timezone) in the last week that
    has not run yet — today's, or one missed while the bot was down."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    for back in range(REVIEW_CATCH_UP):
        day = today - timedelta(days=back)
        if is_review_day(policy, day):
            done = session.exec(
                select(AuditLog.id).where(
                    AuditLog.action == "review.run", AuditLog.target == f"review:{day.isoformat()}"
                )
            ).first()
            return None if done else day
    return None


def _changes_since(session: Session, day: date, settings: Settings) -> list[Any]:
    start = datetime.combine(day, time(0), ZoneInfo(settings.timezone))
    rows = session.exec(
        select(TierAssignment).where(TierAssignment.at >= start, col(TierAssignment.previous_tier).is_not(None))
    ).all()
    return [TierChange(r.customer_id, r.model, r.previous_tier, r.tier, r.score, r.reason) for r in rows]


def change_notices(
    session: Session, changes: list[Any], day: date, policy: Policy, cause: dict[str, Any] | None = None
) -> list[Planned]:
    """One message per rep listing their customers whose tier changed, old → new by the policy's
    names in both languages (rendered in the reader's), up or down, and why: `cause` is
    {"kind": "review", "day": …} (the default) or {"kind": "policy", "by": name, "version": id}."""
    if not changes:
        return []
    cause = cause or {"kind": "review", "day": day.isoformat()}
    ids = sorted({c.customer_id for c in changes})
    owners = dict(session.exec(select(col(Customer.id), col(Customer.owner_id)).where(col(Customer.id).in_(ids))).all())
    names = dict(session.exec(select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(ids))).all())
    by_rep: dict[int, list[dict[str, Any]]] = {}
    for change in changes:
        owner = owners.get(change.customer_id)
        if owner is None or change.old is None:
            continue
        by_rep.setdefault(owner, []).append(
            {
                "customer_id": change.customer_id,
                "name": names.get(change.customer_id, ""),
                **tier_change_words(policy, change.model, change.old, change.new),
            }
        )
    planned = []
    for rep_id, items in by_rep.items():
        user = session.get(User, rep_id)
        if user is None or not user.active:
            continue
        planned.append(
            Planned(
                rep_id,
                user.telegram_id,
                user.name,
                "tier_changes",
                f"tier_changes:{rep_id}:{day.isoformat()}",
                OutboxMessage(
                    "reminders/tier_changes",
                    {"changes": items[:40], "cause": cause, "more": max(len(items) - 40, 0)},
                ),
            )
        )
    return planned


def tier_change_words(policy: Policy, model: str, old: str | None, new: str | None) -> dict[str, Any]:
    """JSON-safe words of one change: model and tier names {zh, en} (a code the policy no longer
    knows stands for itself) and its direction by the model's order of tiers (up | down |
    changed: RFM segments have no order)."""
    spec = policy.model_by_code.get(model)
    rank = getattr(spec, "tier_rank", None) or {}
    direction = "changed"
    if old in rank and new in rank:
        direction = "up" if rank[new] < rank[old] else "down" if rank[new] > rank[old] else "changed"
    return {
        "model": _words(spec.name if spec else None, model),
        "direction": direction,
        "old": _words(_tier_name(policy, model, old), old or "—"),
        "new": _words(_tier_name(policy, model, new), new or "—"),
    }


def _tier_name(policy: Policy, model: str, tier: str | None) -> Any:
    spec = policy.tier(model, tier) if tier else None
    return spec.name if spec else None


def _words(text: Any, fallback: str) -> dict[str, str]:
    return {lang: text.get(lang) if text is not None else fallback for lang in ("zh", "en")}


def plan_review_notices(session: Session, policy: Policy, settings: Settings, now: datetime) -> list[Planned]:
    """Dry run of the review: the notices it would send, with nothing stored."""
    day = review_due(session, policy, settings, now)
    if day is None:
        return []
    db = Database(session.get_bind().engine)  # an Engine's .engine is itself, a Connection's its engine
    report = recompute(db, AsOf(policy, now, settings.timezone), review=True, store=False)
    return change_notices(session, report.changes, day, policy)


def run_review(db: Database, policy: Policy, settings: Settings, now: datetime) -> tuple[int, int]:
    """The review-cycle re-tiering, once per review day: (customers changed, notices queued)."""
    with db.session() as session:
        day = review_due(session, policy, settings, now)
    if day is None:
        return 0, 0
    report = recompute(db, AsOf(policy, now, settings.timezone), review=True)
    with db.session() as session:
        # from the stored history, not from this run's report: if a crash came between the
        # recompute and this point, the next run finds nothing left to change but still tells
        # the reps what changed on this review day
        notices = change_notices(session, _changes_since(session, day, settings), day, policy)
        queued = enqueue(session, notices, now)
        session.add(
            AuditLog(
                action="review.run",
                target=f"review:{day.isoformat()}",
                at=now,
                detail={"changes": len(report.changes), "policy_version": policy.version},
            )
        )
    return len({c.customer_id for c in report.changes}), queued
