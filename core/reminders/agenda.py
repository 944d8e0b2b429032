"""A rep's agenda (/today, the morning digest, the afternoon nudge): overdue and due contacts,
follow-ups due, open complaints and greetings coming up — one line per customer, ranked so the
most important comes first (`Agenda.lines`):

    0  a customer of a priority tier (the policy's `priority = true`) past its maximum interval
    1  an open complaint
    2  a follow-up due (today, or overdue for less than the policy's `rollup_days`)
    3  the rest: overdue contacts, then contacts due, then greetings — the later the earlier

Within a rank the most days late come first. A follow-up `rollup_days` past its day is no longer
a reason of its own: it is counted in `Agenda.old_follow_ups` ("5 old follow-ups — review").
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.accounts import Account
from core.as_of import AsOf
from core.interactions import feedback, followups
from core.models import Customer, pk
from core.reminders import greetings as greetings_names
from core.settings import zone_or_default
from core.tier_records.fact_queries import load_cadence_facts, load_facts
from core.tier_records.retier import STATS
from core.tiering import CadenceResult, Policy, cadence_of_assigned, collector_paused, evaluate_one

GREETING_HORIZON = 7  # days


@dataclass(frozen=True)
class ContactDue:
    customer_id: int
    name: str
    status: str  # due | overdue
    clock: str  # any | visit
    days_late: int  # past the ideal (due) or past the maximum (overdue)
    tier: str  # "model:tier" that sets the cadence
    tier_label: dict[str, str]  # its name in zh and en
    next_due: date
    max_days: int
    priority: bool = False  # one of the customer's tiers is a priority tier of the policy


@dataclass(frozen=True)
class Line:
    """One customer on the agenda, every reason merged."""

    customer_id: int | None  # None: a personal reminder of the rep's (no customer)
    name: str
    rank: int  # see the module docstring
    lateness: int  # days: what orders lines of one rank
    contact: ContactDue | None
    complaints: tuple[feedback.FeedbackView, ...]
    follow_ups: tuple[tuple[followups.FollowUpView, int], ...]  # (follow-up, days past its day)
    greeting: Greeting | None

    @property
    def priority_overdue(self) -> bool:
        return self.rank == 0


@dataclass(frozen=True)
class Greeting:
    customer_id: int
    name: str
    kind: str  # holiday | birthday | anniversary
    on: date
    occasion: str  # a holiday's name in the customer's region's language; a contact's name; years
    names: dict[str, str] | None = None  # holidays: the name in each language (reader's choice)


@dataclass(frozen=True)
class Agenda:
    contacts: list[ContactDue]
    follow_ups: list[followups.FollowUpView]  # due by the end of today, not rolled up
    complaints: list[feedback.FeedbackView]
    greetings: list[Greeting]
    today: date | None = None  # the person's local date
    zone: str | None = None  # the person's timezone (follow-up ages are local days)
    old_follow_ups: list[followups.FollowUpView] = field(default_factory=list)  # rolled up

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.follow_ups or self.complaints or self.greetings or self.old_follow_ups)

    @property
    def size(self) -> int:
        return len(self.contacts) + len(self.follow_ups) + len(self.complaints) + len(self.greetings)

    @property
    def overdue(self) -> list[ContactDue]:
        """Customers past a maximum interval (contact or visit): what the summary counts late."""
        return [c for c in self.contacts if c.status == "overdue"]

    @cached_property
    def lines(self) -> list[Line]:
        return rank_lines(self)


def follow_up_age(follow_up: followups.FollowUpView, today: date, zone: str) -> int:
    """Whole local days past the follow-up's day (0: due today)."""
    return max((today - follow_up.due_at.astimezone(zone_or_default(zone, zone)).date()).days, 0)


def rank_lines(items: Agenda, limit: int | None = None) -> list[Line]:
    """One line per customer with the reasons merged, ranked (see the module docstring); with
    `limit`, only the first `limit` lines (the digest: every customer is ranked, few are shown)."""
    today, zone = items.today or date.min, items.zone or "UTC"
    complaints: dict[int, list[feedback.FeedbackView]] = {}
    for c in items.complaints:
        complaints.setdefault(c.customer_id, []).append(c)
    follow: dict[int, list[tuple[followups.FollowUpView, int]]] = {}
    names: dict[int, str] = {}
    for f in items.follow_ups:
        key = f.customer_id if f.customer_id is not None else -f.id  # each personal reminder a line
        follow.setdefault(key, []).append((f, follow_up_age(f, today, zone)))
        names[key] = f.customer_name
    contact_of = {c.customer_id: c for c in items.contacts}
    greeting_of: dict[int, Greeting] = {}
    for g in items.greetings:
        greeting_of.setdefault(g.customer_id, g)
    ranked = []  # (rank, -lateness, name, id): cheap tuples for every customer, lines for the shown
    for cid, contact in contact_of.items():
        if cid in complaints or cid in follow:
            continue  # ranked below with its other reasons
        overdue = contact.status == "overdue"
        if overdue and contact.priority:
            ranked.append((0, -contact.days_late, contact.name, cid))
        else:  # overdue contacts before those merely due, whatever the lateness past the ideal
            ranked.append((3, -contact.days_late - (10_000 if overdue else 0), contact.name, cid))
    for cid in complaints.keys() | follow.keys():
        due_contact, open_complaints, due = contact_of.get(cid), complaints.get(cid), follow.get(cid)
        name = due_contact.name if due_contact else open_complaints[0].customer_name if open_complaints else names[cid]
        if due_contact is not None and due_contact.status == "overdue" and due_contact.priority:
            ranked.append((0, -due_contact.days_late, name, cid))
        elif open_complaints:
            ranked.append((1, -max((today - c.created_at.date()).days for c in open_complaints), name, cid))
        else:
            ranked.append((2, -max(age for _, age in due or ()), name, cid))
    for cid, g in greeting_of.items():
        if cid not in contact_of and cid not in complaints and cid not in follow:
            ranked.append((3, 10_000 + (g.on - today).days, g.name, cid))
    chosen = sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked)
    return [
        Line(
            cid if cid > 0 else None,
            name,
            rank,
            -minus_late,
            contact_of.get(cid),
            tuple(complaints.get(cid, ())),
            tuple(follow.get(cid, ())),
            greeting_of.get(cid),
        )
        for rank, minus_late, name, cid in chosen
    ]


def line_count(items: Agenda) -> int:
    """How many lines `rank_lines` gives: customers with a reason, and personal reminders."""
    customers = (
        {c.customer_id for c in items.contacts}
        | {c.customer_id for c in items.complaints}
        | {g.customer_id for g in items.greetings}
    )
    customers |= {f.customer_id if f.customer_id is not None else -f.id for f in items.follow_ups}
    return len(customers)


def build(session: Session, account: Account, as_of: AsOf) -> Agenda:
    return build_many(session, [account], as_of)[account.id]


def build_many(session: Session, people: list[Account], as_of: AsOf) -> dict[int, Agenda]:
    """Agendas of many people at once (the morning digest of every rep): one facts load and one
    evaluation for all their customers, then grouped by person — not a query per rep."""
    owners, names, total = _books(session, [p.id for p in people])
    ids = sorted(names)
    contacts_of: dict[int, list[ContactDue]] = {}
    occasions_of: dict[int, tuple] = {}
    # Cadence follows the stored tiers: most customers need no model evaluated at all.
    facts = _facts_of(session, as_of, ids, whole_book=len(ids) > total // 2)
    unserved = []
    priority_of: dict[int, bool] = {}
    kept: list[Any] = []
    with collector_paused():  # thousands of results that all survive the loop
        for fact, cadence in zip(facts, cadence_of_assigned(facts, as_of.policy, as_of.now)):
            occasions_of[fact.id] = fact.occasions
            if cadence is None:
                unserved.append(fact.id)
            elif _needs_contact(cadence):
                # customers with the same stored tiers share one mapping (core.tier_records.fact_queries): ask once
                assigned = fact.assigned_tiers
                priority = priority_of.get(id(assigned))
                if priority is None:
                    priority = priority_of[id(assigned)] = as_of.policy.has_priority_tier(assigned)
                    kept.append(assigned)  # keeps the id valid for the loop
                contacts_of[fact.id] = _contacts(fact.id, cadence, names.get(fact.id, ""), as_of.policy, priority)
    if unserved:  # not tiered yet under some model: the live tier serves, so evaluate them
        stats = STATS.get(session, as_of)
        for fact in load_facts(session, as_of, customer_ids=unserved, with_occasions=False):
            result = evaluate_one(fact, stats, as_of.policy, as_of.now)
            served = {code: model.tier for code, model in result.models.items() if model is not None}
            contacts_of[fact.id] = _contacts(
                fact.id,
                result.cadence,
                names.get(fact.id, ""),
                as_of.policy,
                as_of.policy.has_priority_tier({**served, **fact.assigned_tiers}),
            )
    follow_ups = followups.due_many(session, [p.id for p in people], _end_of_today(people, as_of.now, as_of.timezone))
    complaints = feedback.open_complaints_of(session, ids)
    rollup = as_of.policy.reminders.rollup_days
    agendas = {}
    for person in people:
        book = owners.get(person.id, set())
        zone = zone_or_default(person.timezone, as_of.timezone)
        today = as_of.now.astimezone(zone).date()
        # in no particular order: `lines` ranks them (sorting 100k contacts per morning for
        # nothing would cost the digest sweep a tenth of its time)
        contacts = [c for cid in book for c in contacts_of.get(cid, ())]
        mine = follow_ups.get(person.id, [])
        old = [f for f in mine if follow_up_age(f, today, zone.key) >= rollup]
        greetings = sorted(
            (
                Greeting(
                    cid,
                    names.get(cid, ""),
                    o.kind,
                    o.date,
                    o.name,
                    greetings_names.occasion_names(o.names) if o.names else None,
                )
                for cid in book
                for o in occasions_of.get(cid, ())
                if today <= o.date <= today + timedelta(days=GREETING_HORIZON)
            ),
            key=lambda g: (g.on, g.name),
        )
        agendas[person.id] = Agenda(
            contacts,
            [f for f in mine if f not in old],
            [c for c in complaints if c.customer_id in book],
            greetings,
            today,
            zone.key,
            old,
        )
    return agendas


def _facts_of(session: Session, as_of: AsOf, ids: list[int], *, whole_book: bool) -> list[Any]:
    """Facts of `ids`; when they are most of the book (the morning digest of every rep), one
    pass over the whole book is cheaper than thousands of IN (…) lookups."""
    if not ids:
        return []
    if not whole_book:
        return load_cadence_facts(session, as_of, customer_ids=ids)
    wanted = set(ids)
    return [f for f in load_cadence_facts(session, as_of) if f.id in wanted]


def _books(session: Session, user_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, str], int]:
    """user id → the customers they own or look after (a manager's agenda is their own book),
    those customers' names, and how many customers the book has in all."""
    books: dict[int, set[int]] = {uid: set() for uid in user_ids}
    names: dict[int, str] = {}
    wanted = set(user_ids)
    live = col(Customer.archived).is_(False)
    for start in range(0, len(user_ids), 1000):
        chunk = user_ids[start : start + 1000]
        rows = (
            session.connection()
            .execute(
                select(
                    pk(Customer.id), col(Customer.owner_id), col(Customer.account_manager_id), col(Customer.name)
                ).where(live, or_(col(Customer.owner_id).in_(chunk), col(Customer.account_manager_id).in_(chunk)))
            )
            .all()
        )
        for cid, owner, manager, name in rows:
            names[cid] = name
            for person in wanted.intersection((owner, manager)):
                books[person].add(cid)
    total = session.connection().execute(select(func.count()).select_from(Customer).where(live)).scalar_one()
    return books, names, int(total)


def _end_of_today(people: list[Account], now: datetime, org_timezone: str) -> dict[int, datetime]:
    ends = {}
    for person in people:
        zone = zone_or_default(person.timezone, org_timezone)
        ends[person.id] = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    return ends


def _needs_contact(cadence: CadenceResult) -> bool:
    """Is either clock due or overdue? (Most customers' are not; this is asked 100k times.)"""
    any_clock, visit = cadence.any, cadence.visit
    return (any_clock is not None and any_clock.days_since >= any_clock.ideal_days) or (
        visit is not None and visit.days_since >= visit.ideal_days
    )


@lru_cache(maxsize=512)
def _tier_label(policy: Policy, set_by: str) -> dict[str, str]:
    """{zh, en} name of the "model:tier" that sets a cadence (shared: callers never change it)."""
    model, _, tier = set_by.partition(":")
    spec = policy.tier(model, tier)
    return {lang: spec.name.get(lang) if spec else tier for lang in ("zh", "en")}


@lru_cache(maxsize=512)
def _sets_priority(policy: Policy, set_by: str) -> bool:
    model, _, tier = set_by.partition(":")
    return policy.is_priority(model, tier)


def _contacts(customer_id: int, cadence: CadenceResult, name: str, policy: Policy, priority: bool) -> list[ContactDue]:
    """The customer's due or overdue clock (the visit clock only when the other is fine);
    `priority`: one of the customer's tiers is a priority tier (the one that sets the clock may
    be, too)."""
    found = []
    for clock in (cadence.any, cadence.visit):
        if clock is None or clock.days_since < clock.ideal_days:  # status "ok", without the property
            continue
        late = clock.days_overdue if clock.status == "overdue" else clock.days_since - clock.ideal_days
        label = _tier_label(policy, clock.set_by)
        found.append(
            ContactDue(
                customer_id,
                name,
                clock.status,
                clock.kind,
                late,
                clock.set_by,
                label,
                clock.next_due,
                clock.max_days,
                priority or _sets_priority(policy, clock.set_by),
            )
        )
    if len(found) == 2:  # one line per customer: the worse clock
        found.sort(key=lambda c: (c.status != "overdue", -c.days_late))
        found = found[:1]
    return found
