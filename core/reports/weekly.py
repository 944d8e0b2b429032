"""The weekly summary: each manager's team summary of the last 7 days, pushed on Monday at 09:00
in the manager's timezone through the outbox.

Timing follows the morning digest (core.reminders): on the first working day of the ISO week
(Monday; the next working day when Monday is a public holiday), from 09:00 local time, never in
the manager's quiet hours (it goes when they end), not while the manager is away; a sweep that
runs late — the bot was down at 09:00 — still sends it later that day, never on another day.
One per manager and ISO week: dedupe key `weekly:<user id>:<ISO year>-W<week>`.

Managers only: an admin's whole-organisation view stays on demand (/summary). A manager with no
customers in their scope gets nothing. The message is text with one button that opens
/summary week (the chart and the drill-down buttons); the outbox sender sends text only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from core.accounts import account_of
from core.as_of import AsOf
from core.chat.messages import Act, Offer, OutboxMessage
from core.chat.plans import Planned
from core.models import Notification, Role, Team, User
from core.reminders.planner import Person, is_away, is_quiet, working_day
from core.reports import figures, scoping, summary
from core.settings import Settings, zone_or_default
from core.tiering import Policy

WEEKLY_AT = time(9, 0)


def plan_weekly(session: Session, policy: Policy, settings: Settings, now: datetime) -> list[Planned]:
    """The weekly summaries due at `now` and not queued yet (what `tierbot jobs run weekly` does)."""
    due = _due(session, settings, now)
    if not due:
        return []
    already = set(
        session.exec(
            select(Notification.dedupe_key).where(col(Notification.dedupe_key).in_([key for _, key in due]))
        ).all()
    )
    planned = []
    for person, key in due:
        if key in already:
            continue
        account = person.account
        scope = scoping.resolve_scope(session, account, scoping.Request(period="week"))
        figures = summary.build(session, account, AsOf(policy, now, settings.timezone), scope=scope, period="week")
        if not figures.customers:
            continue
        planned.append(Planned(account.id, person.telegram_id, account.name, "weekly", key, payload(figures)))
    return planned


def payload(figures: figures.Summary) -> OutboxMessage:
    """Rendered at send time in the recipient's language: the summary is serialised here, for the
    outbox row. It offers the full summary of the week (the chart and the drill-down buttons)."""
    return OutboxMessage(
        "summary/weekly", {"s": figures.params()}, (Offer(Act.OPEN_SUMMARY, {"period": figures.period}),)
    )


def _due(session: Session, settings: Settings, now: datetime) -> list[tuple[Person, str]]:
    found = []
    rows = session.exec(
        select(User, Team)
        .outerjoin(Team, col(Team.id) == col(User.team_id))
        .where(User.active, User.role == Role.MANAGER)
    ).all()
    for user, team in rows:
        zone = zone_or_default(user.timezone, settings.timezone)
        person = Person(
            account_of(session, user, team),
            user.telegram_id,
            zone,
            user.country or "CN",
            user.manager_id,
            user.away_until,
            user.delegate_id,
            user.blocked_at is not None,
        )
        local = person.local(now)
        today = local.date()
        if (
            local.time() < WEEKLY_AT
            or today != first_working_day(person.country, today)
            or is_quiet(person, settings, now)
            or is_away(person, today)
        ):
            continue
        year, week, _ = today.isocalendar()
        found.append((person, f"weekly:{person.account.id}:{year}-W{week:02d}"))
    return found


def first_working_day(country: str, day: date) -> date | None:
    """The first working day of `day`'s ISO week up to `day` (None: none so far)."""
    monday = day - timedelta(days=day.weekday())
    for offset in range(day.weekday() + 1):
        candidate = monday + timedelta(days=offset)
        if working_day(country, candidate):
            return candidate
    return None
