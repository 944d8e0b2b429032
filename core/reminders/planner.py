"""What the bot says first, and when: the morning digest, the afternoon nudge, follow-ups with a
time of day, escalations to managers and greetings.

Each planner looks at the database as of `now` and returns `Planned` messages with a dedupe key;
core.chat.plans.enqueue writes them to the outbox (a key already there is skipped), so a sweep
that runs late, twice, or after a restart sends each message once. `tierbot jobs run … --dry-run`
prints the plan. Tier-change notices after a review are core.tier_records.review_cycle's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import or_
from sqlmodel import Session, col, select

from core.accounts import Account, account_of, may_delegate_to
from core.as_of import AsOf
from core.chat.messages import Act, Offer, OutboxMessage
from core.chat.plans import Planned
from core.models import Customer, Feedback, FollowUp, Notification, Team, User
from core.reminders import agenda, greetings
from core.settings import Settings, parse_hhmm, zone_or_default
from core.tiering import Policy

log = logging.getLogger("tierbot.reminders")

ESCALATE_FACTOR = 1.5  # a priority-tier customer overdue by more than 1.5× its maximum interval goes to the manager
COMPLAINT_ESCALATION = timedelta(hours=48)
MORNING_ENDS = time(12, 0)  # a digest sent later (a catch-up) does not say good morning


@dataclass(frozen=True)
class Person:
    """A user as the planners see them: account plus the settings that decide timing."""

    account: Account
    telegram_id: int
    zone: ZoneInfo
    country: str
    manager_id: int | None
    away_until: date | None
    delegate_id: int | None
    blocked: bool = field(default=False)

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.zone)


# --- calendars and quiet hours -----------------------------------------------------------------


def working_day(country: str, day: date) -> bool:
    """Mainland China: the official calendar (public holidays, and make-up working days on
    weekends — 2026-02-14 works); elsewhere Monday–Friday minus public holidays. A country the
    holidays package does not know: Monday–Friday."""
    try:
        calendar = _calendar(country.upper(), day.year)
    except (NotImplementedError, KeyError):
        return day.weekday() < 5
    return calendar.is_working_day(day)


def _calendar(country: str, year: int) -> holidays.HolidayBase:
    """One calendar per country and year for the process (building one takes milliseconds)."""
    key = (country, year)
    if key not in _CALENDARS:
        _CALENDARS[key] = holidays.country_holidays(country, years=year)
    return _CALENDARS[key]


_CALENDARS: dict[tuple[str, int], holidays.HolidayBase] = {}


def quiet_window(person: Person, settings: Settings) -> tuple[time, time] | None:
    if person.account.quiet_is_default:
        return settings.default_quiet_hours
    return person.account.quiet_hours


def is_quiet(person: Person, settings: Settings, now: datetime) -> bool:
    window = quiet_window(person, settings)
    if window is None:
        return False
    start, end = window
    moment = person.local(now).time()
    return start <= moment or moment < end if start > end else start <= moment < end


def quiet_ends(person: Person, settings: Settings, now: datetime) -> datetime:
    """The next instant outside quiet hours (now itself when not quiet)."""
    if not is_quiet(person, settings, now):
        return now
    window = quiet_window(person, settings)
    assert window is not None
    local = person.local(now)
    end = datetime.combine(local.date(), window[1], person.zone)
    return end if end > local else end + timedelta(days=1)


def is_away(person: Person, today: date) -> bool:
    return person.away_until is not None and today <= person.away_until


# --- people ---------------------------------------------------------------------------------------


def people(session: Session, settings: Settings, *, with_books_only: bool = True) -> list[Person]:
    """Active users (who own or look after customers, by default) with their timing settings."""
    statement = select(User, Team).outerjoin(Team, col(Team.id) == col(User.team_id)).where(User.active)
    if with_books_only:
        owners = select(col(Customer.owner_id)).where(col(Customer.archived).is_(False)).distinct()
        managers = select(col(Customer.account_manager_id)).where(col(Customer.archived).is_(False)).distinct()
        statement = statement.where(col(User.id).in_(owners) | col(User.id).in_(managers))
    found = []
    for user, team in session.exec(statement).all():
        account = account_of(session, user, team)
        found.append(
            Person(
                account,
                user.telegram_id,
                _zone(user.timezone, settings.timezone),
                user.country or "CN",
                user.manager_id,
                user.away_until,
                user.delegate_id,
                user.blocked_at is not None,
            )
        )
    return found


def _zone(name: str | None, default: str) -> ZoneInfo:
    """The user's timezone; an invalid stored name falls back to the organisation's (logged)."""
    zone = zone_or_default(name, default)
    if name and zone.key != name:
        log.warning("invalid timezone %r: using %s", name, default)
    return zone


def _sent_keys(session: Session, prefix: str) -> set[str]:
    return set(session.exec(select(Notification.dedupe_key).where(Notification.dedupe_key.startswith(prefix))).all())


def wakeups(session: Session, settings: Settings, start: datetime, end: datetime) -> list[datetime]:
    """The instants in (start, end] at which the digest and nudge planners' answers can change:
    each person's digest time, nudge time, end of quiet hours and local midnight, and the times of
    timed follow-ups. Between two of them nothing new can come due (the console and the tests
    run the minute sweeps only there when they move the clock far)."""
    found: set[datetime] = set()
    nudge_at = parse_hhmm(settings.nudge_time)
    for person in people(session, settings, with_books_only=False):
        day = person.local(start).date()
        while day <= person.local(end).date():
            marks = [person.account.digest_time, nudge_at, time(0, 0)]
            window = quiet_window(person, settings)
            marks += [window[0], window[1]] if window else []
            found.update(datetime.combine(day, mark, person.zone).astimezone(start.tzinfo) for mark in marks)
            day += timedelta(days=1)
    found.update(
        session.exec(
            select(FollowUp.due_at).where(
                FollowUp.status == "open", FollowUp.has_time, FollowUp.due_at > start, FollowUp.due_at <= end
            )
        ).all()
    )
    return sorted(moment for moment in found if start < moment <= end)


# --- the morning digest ------------------------------------------------------------------------------


def plan_digests(session: Session, policy: Policy, settings: Settings, now: datetime) -> list[Planned]:
    """Everyone whose digest time has come today (a late sweep — after a restart — still sends it,
    until the afternoon nudge takes over), on a working day, outside quiet hours, not away, not
    sent yet — and with something due."""
    due = []
    nudge_at = parse_hhmm(settings.nudge_time)
    for person in people(session, settings):
        local = person.local(now)
        key = f"digest:{person.account.id}:{local.date().isoformat()}"
        late = local.time() >= nudge_at > person.account.digest_time  # no "good morning" at 17:00
        if (
            local.time() < person.account.digest_time
            or late
            or not working_day(person.country, local.date())
            or is_quiet(person, settings, now)
            or is_away(person, local.date())
        ):
            continue
        due.append((person, key))
    already = _sent_keys(session, "digest:")
    due = [(p, k) for p, k in due if k not in already]
    if not due:
        return []
    agendas = agenda.build_many(session, [p.account for p, _ in due], AsOf(policy, now, settings.timezone))
    planned = []
    for person, key in due:
        items = agendas[person.account.id]
        if items.empty:
            continue  # nothing due → no digest
        morning = person.local(now).time() < MORNING_ENDS
        planned.append(
            Planned(
                person.account.id,
                person.telegram_id,
                person.account.name,
                "digest",
                key,
                digest_payload(items, person.zone, policy, morning=morning),
            )
        )
    return planned


def digest_payload(items: agenda.Agenda, zone: ZoneInfo, policy: Policy, *, morning: bool = True) -> OutboxMessage:
    """JSON-safe params: the digest is rendered at send time, in the recipient's language then.
    At most the policy's `digest_lines` lines, each with what it offers; old follow-ups take one
    line (their review)."""
    limit = policy.reminders.digest_lines
    room = limit - 1 if items.old_follow_ups else limit
    total = agenda.line_count(items)
    shown = [line_entry(line, zone) for line in agenda.rank_lines(items, room)]
    offers = line_offers(shown)
    if items.old_follow_ups:
        offers.append(Offer(Act.REVIEW, line=len(shown) + 1))
    return OutboxMessage(
        "reminders/digest",
        {
            "entries": shown,
            "more": total - len(shown),
            "morning": morning,
            "old_follow_ups": len(items.old_follow_ups),
            "rollup_days": policy.reminders.rollup_days,
            "counts": digest_counts(items),
        },
        tuple(offers),
    )


def digest_counts(items: agenda.Agenda) -> dict[str, int]:
    """The header figures; `overdue` counts customers past a maximum interval, as the summary's
    "contacted on time" and the escalations do."""
    return {
        "customers": agenda.line_count(items),
        "overdue": len(items.overdue),
        "contacts": len(items.contacts),
        "follow_ups": len(items.follow_ups) + len(items.old_follow_ups),
        "complaints": len(items.complaints),
        "greetings": len(items.greetings),
    }


def line_entry(line: agenda.Line, zone: ZoneInfo) -> dict[str, Any]:
    """One customer's line: the contact clock, the first complaint and follow-up (with how many
    more), a greeting coming up."""
    contact = line.contact
    follow_up, late = line.follow_ups[0] if line.follow_ups else (None, 0)
    return {
        "customer_id": line.customer_id,
        "name": line.name,
        "priority": line.priority_overdue,
        "personal": line.customer_id is None,
        "contact": {
            "status": contact.status,
            "clock": contact.clock,
            "days": contact.days_late,
            "tier": contact.tier_label,
        }
        if contact
        else None,
        "complaint": {"id": line.complaints[0].id, "text": line.complaints[0].text[:80]} if line.complaints else None,
        "complaints": len(line.complaints),
        "followup": {
            "id": follow_up.id,
            "text": follow_up.text[:80],
            "late": late,
            "due": follow_up.due_at.astimezone(zone).strftime("%H:%M") if follow_up.has_time and not late else "",
        }
        if follow_up
        else None,
        "follow_ups": len(line.follow_ups),
        "greeting": {
            "kind": line.greeting.kind,
            "on": line.greeting.on.isoformat(),
            "occasion": line.greeting.names or {"zh": line.greeting.occasion, "en": line.greeting.occasion},
        }
        if line.greeting
        else None,
    }


def line_offers(entries: list[dict[str, Any]]) -> list[Offer]:
    """What each numbered line offers: log (a customer's line), and done / snooze for its
    follow-up, or resolve for its complaint."""
    offers = []
    for n, entry in enumerate(entries, start=1):
        if not entry["personal"]:
            offers.append(Offer(Act.LOG, {"customer": entry["customer_id"]}, n))
        if entry["followup"]:
            follow_up = {"follow_up": entry["followup"]["id"]}
            offers += [Offer(Act.DONE, follow_up, n), Offer(Act.SNOOZE, follow_up, n)]
        elif entry["complaint"]:
            offers.append(Offer(Act.RESOLVE, {"complaint": entry["complaint"]["id"]}, n))
    return offers


# --- nudges, timed follow-ups and escalations --------------------------------------------------------


def plan_nudges(session: Session, policy: Policy, settings: Settings, now: datetime) -> list[Planned]:
    """Nudges, timed follow-ups and escalations: what `tierbot jobs run nudges` does."""
    return plan_afternoon(session, policy, settings, now) + plan_escalations(session, policy, settings, now)


def plan_afternoon(session: Session, policy: Policy, settings: Settings, now: datetime) -> list[Planned]:
    """The afternoon nudge (customers of a priority tier past their maximum interval, follow-ups
    due today and not done) and follow-ups whose time of day has come."""
    everyone = {p.account.id: p for p in people(session, settings, with_books_only=False)}
    planned = _timed_follow_ups(session, everyone, settings, now)
    nudge_at = parse_hhmm(settings.nudge_time)
    waiting = []
    for person in everyone.values():
        local = person.local(now)
        if (
            local.time() >= nudge_at
            and working_day(person.country, local.date())
            and not is_quiet(person, settings, now)
        ):
            waiting.append((person, f"nudge:{person.account.id}:{local.date().isoformat()}"))
    already = _sent_keys(session, "nudge:")
    waiting = [(p, k) for p, k in waiting if k not in already]
    agendas = (
        agenda.build_many(session, [p.account for p, _ in waiting], AsOf(policy, now, settings.timezone))
        if waiting
        else {}
    )
    for person, key in waiting:
        items = agendas[person.account.id]
        away = is_away(person, person.local(now).date())
        # while a rep is away their priority reminders go to the delegate (else the manager)
        target = (_delegate(person, everyone) or everyone.get(person.manager_id or 0)) if away else person
        payload = nudge_payload(items, person.zone, policy, for_rep=person.account.name if away else None)
        if target is None or payload is None:
            continue
        planned.append(Planned(target.account.id, target.telegram_id, target.account.name, "nudge", key, payload))
    return planned


def nudge_payload(
    items: agenda.Agenda, zone: ZoneInfo, policy: Policy, *, for_rep: str | None = None
) -> OutboxMessage | None:
    """The afternoon nudge: priority-tier customers overdue, follow-ups due today (not while the
    rep is away: then it goes to `for_rep`'s delegate offering nothing); None when nothing is."""
    lines = [
        line
        for line in items.lines
        if line.priority_overdue or for_rep is None and any(age == 0 for _, age in line.follow_ups)
    ]
    if not lines:
        return None
    entries = [line_entry(line, zone) for line in lines[: policy.reminders.digest_lines]]
    return OutboxMessage(
        "reminders/nudge",
        {"entries": entries, "more": len(lines) - len(entries), "for_rep": for_rep},
        () if for_rep else tuple(line_offers(entries)),
    )


def _timed_follow_ups(
    session: Session, everyone: dict[int, Person], settings: Settings, now: datetime
) -> list[Planned]:
    rows = session.exec(
        select(FollowUp, col(Customer.name))
        .outerjoin(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(
            FollowUp.status == "open",
            FollowUp.has_time,
            FollowUp.due_at <= now,
            FollowUp.due_at > now - timedelta(days=2),
            or_(col(FollowUp.customer_id).is_(None), col(Customer.archived).is_(False)),
        )
    ).all()
    planned = []
    for follow_up, name in rows:
        person = everyone.get(follow_up.rep_id or 0)
        if person is None:
            continue
        key = f"followup:{follow_up.id}:{follow_up.due_at.isoformat()}"  # a snooze makes a new key
        planned.append(
            Planned(
                person.account.id,
                person.telegram_id,
                person.account.name,
                "followup",
                key,
                OutboxMessage(
                    "reminders/followup",
                    {
                        "name": name,
                        "text": follow_up.text[:300],
                        "due": follow_up.due_at.astimezone(person.zone).strftime("%H:%M"),
                    },
                    (Offer(Act.DONE, {"follow_up": follow_up.id}), Offer(Act.SNOOZE, {"follow_up": follow_up.id})),
                ),
                not_before=quiet_ends(person, settings, now),
            )
        )
    return planned


def plan_escalations(session: Session, policy: Policy, settings: Settings, now: datetime) -> list[Planned]:
    """Customers of a priority tier overdue by more than 1.5× their maximum interval (once per
    overdue episode) and complaints open longer than 48 hours (once per complaint), to the rep's
    manager — and, while the rep is away, to their delegate as well (each recipient under their
    own dedupe key)."""
    everyone = {p.account.id: p for p in people(session, settings, with_books_only=False)}
    planned = []
    reps = [p for p in everyone.values() if p.manager_id or p.delegate_id]
    agendas = (
        agenda.build_many(session, [p.account for p in reps], AsOf(policy, now, settings.timezone)) if reps else {}
    )
    for rep in reps:
        targets = _escalation_targets(rep, everyone, now)
        if not targets:
            continue
        for contact in agendas[rep.account.id].contacts:
            if contact.status != "overdue" or not contact.priority:
                continue
            if contact.days_late + contact.max_days <= ESCALATE_FACTOR * contact.max_days:
                continue
            # one per overdue episode: the due date moves when the customer is contacted again
            episode = contact.next_due.isoformat()
            planned += _escalations(
                targets,
                rep,
                now,
                settings,
                f"escalation:overdue:{contact.customer_id}:{episode}",
                {
                    "kind": "overdue",
                    "name": contact.name,
                    "tier": contact.tier_label,
                    "days": contact.days_late + contact.max_days,
                    "max": contact.max_days,
                    "clock": contact.clock,
                    "customer_id": contact.customer_id,
                },
            )
    old = session.exec(
        select(Feedback, Customer)
        .join(Customer, col(Customer.id) == col(Feedback.customer_id))
        .where(
            Feedback.kind == "complaint",
            Feedback.status != "resolved",
            col(Feedback.created_at) <= now - COMPLAINT_ESCALATION,
            col(Customer.archived).is_(False),
        )
    ).all()
    for complaint, customer in old:
        owner = everyone.get(customer.owner_id or 0)
        targets = _escalation_targets(owner, everyone, now) if owner else []
        if owner is None or not targets:
            continue
        hours = int((now - complaint.created_at).total_seconds() // 3600)
        planned += _escalations(
            targets,
            owner,
            now,
            settings,
            f"escalation:complaint:{complaint.id}",
            {
                "kind": "complaint",
                "name": customer.name,
                "text": complaint.text[:200],
                "hours": hours,
                "customer_id": customer.id,
            },
        )
    return planned


def _delegate(rep: Person, everyone: dict[int, Person]) -> Person | None:
    """The rep's delegate, if still one they may have (active, of their team, or their manager):
    a delegate named before that rule, or who changed teams since, gets nothing of theirs."""
    delegate = everyone.get(rep.delegate_id or 0)
    if delegate is None or not may_delegate_to(
        rep.account.team_id, rep.manager_id, delegate.account.id, delegate.account.team_id
    ):
        return None
    return delegate


def _escalation_targets(rep: Person | None, everyone: dict[int, Person], now: datetime) -> list[Person]:
    """The rep's manager, and while the rep is away their delegate too (the manager first)."""
    if rep is None:
        return []
    targets = [everyone[rep.manager_id]] if rep.manager_id in everyone else []
    delegate = _delegate(rep, everyone) if is_away(rep, rep.local(now).date()) else None
    if delegate is not None and all(t.account.id != delegate.account.id for t in targets):
        targets.append(delegate)
    return targets


def _escalations(
    targets: list[Person], rep: Person, now: datetime, settings: Settings, key: str, params: dict[str, Any]
) -> list[Planned]:
    """One message per recipient. The manager's copy keeps the plain key (the one escalations
    had before delegates got copies, so nothing already sent is sent again); anyone else's
    carries their id, so one recipient's copy never stands in for another's."""
    manager_id = rep.manager_id
    return [
        Planned(
            target.account.id,
            target.telegram_id,
            target.account.name,
            "escalation",
            key if target.account.id == manager_id else f"{key}:to:{target.account.id}",
            OutboxMessage("reminders/escalation", {**params, "rep": rep.account.name}),
            not_before=quiet_ends(target, settings, now),
        )
        for target in targets
    ]


def plan_greetings(
    session: Session, policy: Policy, settings: Settings, now: datetime, *, just_reached: timedelta | None = None
) -> list[Planned]:
    """On each send date, at the rep's digest time (holidays included: greetings matter most
    then), one message per occasion listing the customers whose lead time falls on that day, each
    with a ready draft and Mark sent · Skip buttons.

    With `just_reached` only people whose digest time came within that span before `now` are
    planned: the minute sweep sends at the digest minute and reads the book only then; the
    hourly full pass catches up (after a restart, when quiet hours end, a customer added later)."""
    due: dict[date, dict[int, Person]] = {}
    for person in people(session, settings):
        local = person.local(now)
        if just_reached is not None:
            reached = datetime.combine(local.date(), person.account.digest_time, person.zone)
            if not now - just_reached < reached <= now:
                continue
        if (
            local.time() >= person.account.digest_time
            and not is_quiet(person, settings, now)
            and not is_away(person, local.date())
        ):
            due.setdefault(local.date(), {})[person.account.id] = person
    if not due:
        return []
    already = _sent_keys(session, "greeting:")
    planned = []
    for today, reps in due.items():
        for batch in greetings.due_greetings(
            session, policy, greetings.greetings_environment(), today, org_timezone=settings.timezone
        ):
            recipient = reps.get(batch.rep_id)
            if recipient is None or batch.dedupe_key in already:
                continue
            planned.append(
                Planned(
                    recipient.account.id,
                    recipient.telegram_id,
                    recipient.account.name,
                    "greeting",
                    batch.dedupe_key,
                    greeting_payload(batch),
                )
            )
    return planned


def greeting_payload(batch: greetings.GreetingBatch) -> OutboxMessage:
    items = [
        {
            "customer_id": i.customer_id,
            "name": i.customer_name,
            "contact": i.contact_name,
            "draft": i.draft,
            "on": i.occasion_date.isoformat(),
            "language": i.language,
        }
        for i in batch.items
    ]
    occasion = {"occasion": batch.occasion_key, "name": batch.occasion_name}
    offers = [
        offer
        for n, i in enumerate(items, start=1)
        for offer in (
            Offer(Act.GREETING_SENT, {"customer": i["customer_id"], **occasion}, n),
            Offer(Act.GREETING_SKIPPED, {"customer": i["customer_id"]}, n),
        )
    ]
    return OutboxMessage(
        "reminders/greetings",
        {"kind": batch.kind, "occasion": batch.occasion_name, "on": batch.occasion_date.isoformat(), "items": items},
        tuple(offers),
    )
