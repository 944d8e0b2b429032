"""The organisation every security test attacks: two teams, an admin and a stranger, and in the
West team one of everything a button can point at (a customer, an interaction, feedback, a
follow-up, a pin, an upload, an invite, a policy draft, an archived customer, a deactivated rep).

    East: manager Wang Fang (en) · reps Li Wei (zh; Aurora Foods) and Emma Stone (en; Borealis Trading)
    West: manager Omar West (zh) · reps Zoe Quinn (en; Cobalt Mining, Echo Archived) and Xena Ward
          (en; Delta Metals) · Yuri Gone (deactivated)
    Ada Admin (en, no team) · a stranger (en)

`hidden_from(role)` lists the customer names a role must never read in any message, file or
button answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from bot.testing import Harness, Person
from core.accounts import Account
from core.as_of import AsOf
from core.imports import uploads
from core.models import Contact, Customer, CustomerAlias, Feedback, FollowUp, Interaction, Opportunity, User
from core.names import book
from core.policies import default_policy_text
from core.team import onboarding
from core.tier_records import overrides, policy_store
from core.tier_records.retier import recompute

ROLES = ("stranger", "rep", "other_rep", "manager", "other_manager", "admin")
EAST_CUSTOMERS = ("Aurora Foods", "Borealis Trading")
WEST_CUSTOMERS = ("Cobalt Mining", "Echo Archived", "Delta Metals")
# VIP from 45, Key from 30: a valid policy that differs from the default (a draft to apply).
LOWER_THRESHOLDS = (
    default_policy_text().replace("min_score = 75", "min_score = 45", 1).replace("min_score = 50", "min_score = 30", 1)
)
# Tables a press may change without meaning anything: its own claimed key and the user's flow.
VOLATILE = {"action_key", "pending_card", "job_run", "stranger_refusal"}


@dataclass
class World:
    harness: Harness
    people: dict[str, Person]  # by role, plus "emma", "xena" and "yuri"
    ids: dict[str, int] = field(default_factory=dict)  # the objects, by name

    def person(self, role: str) -> Person:
        return self.people[role]

    def account(self, role: str) -> Account:
        account = self.people[role].account
        assert account is not None
        return account


def hidden_from(role: str) -> tuple[str, ...]:
    """Customer names `role` may not see: other teams' customers; a rep also not a teammate's; a
    stranger none at all. (People of other teams are named in refusals by design — a manager who
    types `@Zoe` learns Zoe is not in their team, core.team.people.find_user — so they are not listed.)"""
    return {
        "stranger": EAST_CUSTOMERS + WEST_CUSTOMERS,
        "rep": ("Borealis Trading",) + WEST_CUSTOMERS,
        "emma": ("Aurora Foods",) + WEST_CUSTOMERS,
        "manager": WEST_CUSTOMERS,
        "other_rep": EAST_CUSTOMERS,
        "other_manager": EAST_CUSTOMERS,
        "admin": (),
    }[role]


async def build(harness: Harness) -> World:
    book.invalidate()
    h = harness
    people = {
        "stranger": await h.person(None, name="Stranger", language="en"),
        "rep": await h.person("rep", name="Li Wei", language="zh", team="East"),
        "emma": await h.person("rep", name="Emma Stone", language="en", team="East"),
        "manager": await h.person("manager", name="Wang Fang", language="en", team="East"),
        "other_rep": await h.person("rep", name="Zoe Quinn", language="en", team="West"),
        "xena": await h.person("rep", name="Xena Ward", language="en", team="West"),
        "yuri": await h.person("rep", name="Yuri Gone", language="en", team="West"),
        "other_manager": await h.person("manager", name="Omar West", language="zh", team="West"),
        "admin": await h.person("admin", name="Ada Admin", language="en"),
    }
    world = World(h, people)
    now = h.clock.now()
    owners = {
        "Aurora Foods": "rep",
        "Borealis Trading": "emma",
        "Cobalt Mining": "other_rep",
        "Echo Archived": "other_rep",
        "Delta Metals": "xena",
    }
    with h.db.session() as session:
        for rep, manager in (
            ("rep", "manager"),
            ("emma", "manager"),
            ("other_rep", "other_manager"),
            ("xena", "other_manager"),
            ("yuri", "other_manager"),
        ):
            session.get(User, world.account(rep).id).manager_id = world.account(manager).id
        session.get(User, world.account("yuri").id).active = False
        for person in people.values():  # as after their first message (the gate stores it then)
            if person.account is not None:
                session.get(User, person.account.id).telegram_language = person.telegram.get("language_code")
        for name, owner in owners.items():
            rep_id = world.account(owner).id
            customer = Customer(
                name=name,
                owner_id=rep_id,
                stage="active",
                added_at=now - timedelta(days=400),
                potential=4,
                influence=4,
                archived=name == "Echo Archived",
                archived_at=now if name == "Echo Archived" else None,
            )
            session.add(customer)
            session.flush()
            key = name.split()[0].lower()
            world.ids[key] = customer.id or 0
            session.add(Contact(customer_id=customer.id, name=f"{name} contact", is_primary=True))
            alias = CustomerAlias(
                customer_id=customer.id,
                text=f"{name} Group",
                key=f"{name} group".lower(),
                source="manual",
                created_by_id=rep_id,
                created_at=now,
            )
            session.add(alias)
            session.flush()
            world.ids[f"{key}_alias"] = alias.id or 0
            interaction = Interaction(
                customer_id=customer.id,
                rep_id=rep_id,
                kind="call",
                summary=f"call with {name}",
                occurred_at=now - timedelta(days=200),
                created_at=now - timedelta(days=200),
            )
            session.add(interaction)
            session.flush()
            world.ids[f"{key}_interaction"] = interaction.id or 0
            feedback = Feedback(
                customer_id=customer.id,
                rep_id=rep_id,
                kind="complaint",
                text=f"{name} complains",
                severity="high",
                created_at=now - timedelta(days=3),
            )
            follow_up = FollowUp(
                customer_id=customer.id,
                rep_id=rep_id,
                due_at=now - timedelta(hours=1),
                text=f"call {name} back",
                created_at=now - timedelta(days=2),
            )
            opportunity = Opportunity(
                customer_id=customer.id or 0,
                title=f"{name} expansion",
                amount_minor=5_000_000,
                currency="CNY",
                stage="proposal",
                rep_id=rep_id,
                created_at=now,
                updated_at=now,
            )
            session.add_all([feedback, follow_up, opportunity])
            session.flush()
            world.ids[f"{key}_feedback"], world.ids[f"{key}_followup"] = feedback.id or 0, follow_up.id or 0
            world.ids[f"{key}_opportunity"] = opportunity.id or 0
    recompute(h.db, AsOf(h.services.policy, now, h.services.settings.timezone), review=False)
    with h.db.session() as session:
        pinned = overrides.pin(
            session,
            world.account("other_manager"),
            AsOf(h.services.policy, now, "Asia/Shanghai"),
            world.ids["cobalt"],
            "value",
            "vip",
            "strategic",
            until=None,
            timezone="Asia/Shanghai",
        )
        assert pinned.pin is not None
        world.ids["upload"] = uploads.store(
            session,
            world.account("other_rep"),
            filename="west.csv",
            content="客户名称\nWest Newco\n".encode(),
            kind="customers",
            now=now,
        )
        world.ids["manager_upload"] = uploads.store(
            session,
            world.account("other_manager"),
            filename="w.csv",
            content=b"Account Name\nWest Two\n",
            kind="customers",
            now=now,
        )
        invite = onboarding.create_invite(
            session, role="rep", team="West", actor_id=world.account("other_manager").id, now=now, ttl=timedelta(days=7)
        )
        world.ids["invite"] = invite.id or 0
        draft = policy_store.store_draft(
            session, h.services.settings, world.account("other_manager"), LOWER_THRESHOLDS, note="west.toml", now=now
        )
        world.ids["policy_draft"] = draft.id
        world.ids["west_team"] = session.get(User, world.account("other_rep").id).team_id or 0
        world.ids["east_team"] = session.get(User, world.account("rep").id).team_id or 0
    book.invalidate()
    return world


def snapshot(harness: Harness) -> dict[str, list[str]]:
    """Every row of every table that means something (keys and flows excluded), as text."""
    rows: dict[str, list[str]] = {}
    with harness.db.session() as session:
        for name, table in SQLModel.metadata.tables.items():
            if name in VOLATILE:
                continue
            rows[name] = sorted(repr(tuple(row)) for row in session.execute(sa_select(table)).all())
    return rows


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, Any]:
    return {
        name: {
            "gone": sorted(set(before[name]) - set(after[name]))[:3],
            "new": sorted(set(after[name]) - set(before[name]))[:3],
        }
        for name in before
        if before[name] != after[name]
    }
