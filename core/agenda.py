"""A rep's agenda (/today, and the morning digest): overdue and due contacts, follow-ups due,
open complaints and greetings coming up — ranked so the most important comes first.

Contacts rank by status (overdue before due), then by how tight the tier's cadence is (a VIP or
an A prospect before a Regular), then by days late; the rest follow in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from core import feedback, followups
from core.accounts import Account
from core.facts import load_facts
from core.models import Customer
from core.tiering import CustomerResult, Policy, evaluate_one
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
    tier_name: str
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


def my_customer_ids(session: Session, account: Account) -> list[int]:
    """The customers a person owns or looks after (a manager's agenda is their own book too)."""
    rows = session.exec(select(Customer.id).where(
        Customer.archived.is_(False),  # type: ignore[attr-defined]
        (Customer.owner_id == account.id) | (Customer.account_manager_id == account.id),
    )).all()
    return [row for row in rows if row is not None]


def build(session: Session, account: Account, policy: Policy, now: datetime, *, org_timezone: str,
          lang: str) -> Agenda:
    ids = my_customer_ids(session, account)
    facts = load_facts(session, policy, now, org_timezone=org_timezone, customer_ids=ids)
    stats = STATS.get(session, policy, now, org_timezone)
    names = dict(session.exec(select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all()) if ids else {}  # type: ignore[attr-defined]
    contacts: list[ContactDue] = []
    greetings: list[Greeting] = []
    zone = ZoneInfo(account.timezone or org_timezone)
    today = now.astimezone(zone).date()
    for fact in facts:
        result = evaluate_one(fact, stats, policy, now)
        contacts.extend(_contacts(result, names.get(fact.id, ""), policy, lang))
        greetings.extend(Greeting(fact.id, names.get(fact.id, ""), o.kind, o.date, o.name) for o in fact.occasions
                         if today <= o.date <= today + timedelta(days=GREETING_HORIZON))
    end_of_day = datetime.combine(today + timedelta(days=1), time(0), zone)
    contacts.sort(key=lambda c: (c.status != "overdue", c.max_days, -c.days_late, c.name))
    greetings.sort(key=lambda g: (g.on, g.name))
    return Agenda(contacts, followups.due(session, account, end_of_day),
                  [f for f in feedback.open_items(session, account) if f.kind == "complaint" and f.customer_id in names],
                  greetings)


def _contacts(result: CustomerResult, name: str, policy: Policy, lang: str) -> list[ContactDue]:
    """The customer's due or overdue clock (the visit clock only when the other is fine)."""
    found = []
    for clock in (result.cadence.any, result.cadence.visit):
        if clock is None or clock.status == "ok":
            continue
        model, _, tier = clock.set_by.partition(":")
        spec = policy.tier(model, tier)
        late = clock.days_overdue if clock.status == "overdue" else clock.days_since - clock.ideal_days
        found.append(ContactDue(result.customer_id, name, clock.status, clock.kind, late, clock.set_by,
                                spec.name.get(lang) if spec else tier, clock.next_due, clock.max_days))
    if len(found) == 2:  # one line per customer: the worse clock
        found.sort(key=lambda c: (c.status != "overdue", -c.days_late))
        found = found[:1]
    return found
