"""A rep's agenda (/today, and the morning digest): overdue and due contacts, follow-ups due,
open complaints and greetings coming up — ranked so the most important comes first.

Contacts rank by status (overdue before due), then by how tight the tier's cadence is (a VIP or
an A prospect before a Regular), then by days late; the rest follow in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from core import feedback, followups
from core.accounts import Account
from core.facts import load_cadence_facts, load_facts
from core.models import Customer
from core.tiering import CadenceResult, Policy, cadence_of_assigned, collector_paused, evaluate_one
from core.settings import zone_or_default
from core.tiers import STATS

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


@dataclass(frozen=True)
class Greeting:
    customer_id: int
    name: str
    kind: str  # holiday | birthday | anniversary
    on: date
    occasion: str


@dataclass(frozen=True)
class Agenda:
    contacts: list[ContactDue]
    follow_ups: list[followups.FollowUpView]
    complaints: list[feedback.FeedbackView]
    greetings: list[Greeting]

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.follow_ups or self.complaints or self.greetings)

    @property
    def size(self) -> int:
        return len(self.contacts) + len(self.follow_ups) + len(self.complaints) + len(self.greetings)


def build(session: Session, account: Account, policy: Policy, now: datetime, *, org_timezone: str) -> Agenda:
    return build_many(session, [account], policy, now, org_timezone=org_timezone)[account.id]


def build_many(session: Session, people: list[Account], policy: Policy, now: datetime, *,
               org_timezone: str) -> dict[int, Agenda]:
    """Agendas of many people at once (the morning digest of every rep): one facts load and one
    evaluation for all their customers, then grouped by person — not a query per rep."""
    owners, names, total = _books(session, [p.id for p in people])
    ids = sorted(names)
    contacts_of: dict[int, list[ContactDue]] = {}
    occasions_of: dict[int, tuple] = {}
    # Cadence follows the stored tiers: most customers need no model evaluated at all.
    facts = _facts_of(session, policy, now, org_timezone, ids, whole_book=len(ids) > total // 2)
    unserved = []
    with collector_paused():  # thousands of results that all survive the loop
        for fact, cadence in zip(facts, cadence_of_assigned(facts, policy, now)):
            occasions_of[fact.id] = fact.occasions
            if cadence is None:
                unserved.append(fact.id)
            elif _needs_contact(cadence):
                contacts_of[fact.id] = _contacts(fact.id, cadence, names.get(fact.id, ""), policy)
    if unserved:  # not tiered yet under some model: the live tier serves, so evaluate them
        stats = STATS.get(session, policy, now, org_timezone)
        for fact in load_facts(session, policy, now, org_timezone=org_timezone, customer_ids=unserved,
                               with_occasions=False):
            result = evaluate_one(fact, stats, policy, now)
            contacts_of[fact.id] = _contacts(fact.id, result.cadence, names.get(fact.id, ""), policy)
    follow_ups = followups.due_many(session, [p.id for p in people], _end_of_today(people, now, org_timezone))
    complaints = feedback.open_complaints_of(session, ids)
    agendas = {}
    for person in people:
        book = owners.get(person.id, set())
        today = now.astimezone(zone_or_default(person.timezone, org_timezone)).date()
        contacts = sorted((c for cid in book for c in contacts_of.get(cid, ())),
                          key=lambda c: (c.status != "overdue", c.max_days, -c.days_late, c.name))
        greetings = sorted((Greeting(cid, names.get(cid, ""), o.kind, o.date, o.name)
                            for cid in book for o in occasions_of.get(cid, ())
                            if today <= o.date <= today + timedelta(days=GREETING_HORIZON)),
                           key=lambda g: (g.on, g.name))
        agendas[person.id] = Agenda(contacts, follow_ups.get(person.id, []),
                                    [c for c in complaints if c.customer_id in book], greetings)
    return agendas


def _facts_of(session: Session, policy: Policy, now: datetime, org_timezone: str, ids: list[int], *,
              whole_book: bool) -> list[Any]:
    """Facts of `ids`; when they are most of the book (the morning digest of every rep), one
    pass over the whole book is cheaper than thousands of IN (…) lookups."""
    if not ids:
        return []
    if not whole_book:
        return load_cadence_facts(session, policy, now, org_timezone=org_timezone, customer_ids=ids)
    wanted = set(ids)
    return [f for f in load_cadence_facts(session, policy, now, org_timezone=org_timezone) if f.id in wanted]


def _books(session: Session, user_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, str], int]:
    """user id → the customers they own or look after (a manager's agenda is their own book),
    those customers' names, and how many customers the book has in all."""
    books: dict[int, set[int]] = {uid: set() for uid in user_ids}
    names: dict[int, str] = {}
    wanted = set(user_ids)
    live = Customer.archived.is_(False)  # type: ignore[attr-defined]
    for start in range(0, len(user_ids), 1000):
        chunk = user_ids[start:start + 1000]
        rows = session.connection().execute(
            select(Customer.id, Customer.owner_id, Customer.account_manager_id, Customer.name)
            .where(live, or_(Customer.owner_id.in_(chunk), Customer.account_manager_id.in_(chunk)))).all()  # type: ignore[union-attr]
        for cid, owner, manager, name in rows:
            names[cid] = name
            for person in {owner, manager} & wanted:
                books[person].add(cid)  # type: ignore[index]
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
    return ((any_clock is not None and any_clock.days_since >= any_clock.ideal_days)
            or (visit is not None and visit.days_since >= visit.ideal_days))


@lru_cache(maxsize=512)
def _tier_label(policy: Policy, set_by: str) -> dict[str, str]:
    """{zh, en} name of the "model:tier" that sets a cadence (shared: callers never change it)."""
    model, _, tier = set_by.partition(":")
    spec = policy.tier(model, tier)
    return {lang: spec.name.get(lang) if spec else tier for lang in ("zh", "en")}


def _contacts(customer_id: int, cadence: CadenceResult, name: str, policy: Policy) -> list[ContactDue]:
    """The customer's due or overdue clock (the visit clock only when the other is fine)."""
    found = []
    for clock in (cadence.any, cadence.visit):
        if clock is None or clock.days_since < clock.ideal_days:  # status "ok", without the property
            continue
        late = clock.days_overdue if clock.status == "overdue" else clock.days_since - clock.ideal_days
        label = _tier_label(policy, clock.set_by)
        found.append(ContactDue(customer_id, name, clock.status, clock.kind, late, clock.set_by,
                                label, clock.next_due, clock.max_days))
    if len(found) == 2:  # one line per customer: the worse clock
        found.sort(key=lambda c: (c.status != "overdue", -c.days_late))
        found = found[:1]
    return found
