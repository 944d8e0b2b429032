"""Operations figures (`tierbot stats`) and the record of every sweep run (`JobRun`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.models import Customer, Feedback, FollowUp, Interaction, JobRun, Notification, Role, User, table_of

OUTCOME_MAX = 200


def _upsert(session: Session, name: str, values: dict[str, Any], on_conflict: dict[str, Any]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = table_of(JobRun)
    statement = insert(table).values(name=name, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["name"], set_=on_conflict))


def sweep_started(session: Session, name: str, now: datetime) -> None:
    table = table_of(JobRun)
    _upsert(
        session,
        name,
        {"last_started_at": now, "runs": 1, "last_outcome": "running"},
        {"last_started_at": now, "runs": table.c.runs + 1},
    )


def sweep_finished(session: Session, name: str, now: datetime, outcome: str) -> None:
    outcome = outcome.replace("\n", " ")[:OUTCOME_MAX]
    _upsert(
        session,
        name,
        {"last_finished_at": now, "last_outcome": outcome, "runs": 0},
        {"last_finished_at": now, "last_outcome": outcome},
    )


@dataclass(frozen=True)
class SweepStatus:
    name: str
    last_started_at: str | None
    last_finished_at: str | None
    last_outcome: str
    runs: int


@dataclass(frozen=True)
class Stats:
    at: str
    users: dict[str, int]  # active users by role
    customers: dict[str, int]  # active, archived, erased
    interactions: int
    open_follow_ups: int
    open_complaints: int
    outbox: dict[str, dict[str, int]]  # status → kind → rows (pending and failed)
    oldest_pending_seconds: int | None
    sweeps: list[SweepStatus]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def collect(session: Session, now: datetime) -> Stats:
    users = dict(session.exec(select(User.role, func.count()).where(User.active).group_by(User.role)).all())
    archived = session.exec(select(func.count()).select_from(Customer).where(Customer.archived)).one()
    total = session.exec(select(func.count()).select_from(Customer)).one()
    erased = session.exec(select(func.count()).select_from(Customer).where(col(Customer.erased_at).is_not(None))).one()
    outbox: dict[str, dict[str, int]] = {"pending": {}, "failed": {}}
    for status, kind, count in session.exec(
        select(Notification.status, Notification.kind, func.count())
        .where(col(Notification.status).in_(("pending", "failed")))
        .group_by(Notification.status, Notification.kind)
    ).all():
        outbox[status][kind] = count
    oldest = session.exec(select(func.min(Notification.created_at)).where(Notification.status == "pending")).one()
    sweeps = [
        SweepStatus(r.name, _iso(r.last_started_at), _iso(r.last_finished_at), r.last_outcome, r.runs)
        for r in session.exec(select(JobRun).order_by(JobRun.name)).all()
    ]
    return Stats(
        at=now.isoformat(timespec="seconds"),
        users={role.value: users.get(role, 0) for role in Role},
        customers={"active": total - archived, "archived": archived, "erased": erased},
        interactions=session.exec(select(func.count()).select_from(Interaction)).one(),
        open_follow_ups=session.exec(select(func.count()).select_from(FollowUp).where(FollowUp.status == "open")).one(),
        open_complaints=session.exec(
            select(func.count())
            .select_from(Feedback)
            .where(Feedback.kind == "complaint", Feedback.status != "resolved")
        ).one(),
        outbox=outbox,
        oldest_pending_seconds=int((now - oldest).total_seconds()) if oldest is not None else None,
        sweeps=sweeps,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def table(stats: Stats) -> str:
    """The human-readable form of `tierbot stats`."""
    lines = [f"tierbot stats at {stats.at}", ""]
    lines.append("users      " + "  ".join(f"{role} {n}" for role, n in stats.users.items()))
    lines.append("customers  " + "  ".join(f"{state} {n}" for state, n in stats.customers.items()))
    lines.append(
        f"interactions {stats.interactions}   open follow-ups {stats.open_follow_ups}   "
        f"open complaints {stats.open_complaints}"
    )
    lines.append("")
    for status in ("pending", "failed"):
        kinds = stats.outbox[status]
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none"
        lines.append(f"outbox {status:<8} {sum(kinds.values()):>6}  ({detail})")
    age = stats.oldest_pending_seconds
    lines.append(f"oldest pending       {_age(age) if age is not None else '—'}")
    lines.append("")
    if not stats.sweeps:
        lines.append("sweeps: none recorded yet (they run inside `tierbot run`)")
    else:
        width = max(len(s.name) for s in stats.sweeps)
        lines.append(f"{'sweep':<{width}}  {'last start':<25}  {'last finish':<25}  {'runs':>6}  outcome")
        for s in stats.sweeps:
            lines.append(
                f"{s.name:<{width}}  {s.last_started_at or '—':<25}  {s.last_finished_at or '—':<25}  "
                f"{s.runs:>6}  {s.last_outcome}"
            )
    return "\n".join(lines)


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h {seconds % 3600 // 60}m"
