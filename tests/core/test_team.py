"""core.team and core.team.people called directly: the overview figures, reassignment with history,
dedicated account managers, archive, merge without losing anything, people changes — and who
may do what (reps nothing, managers their own team, admins everywhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from core import accounts
from core.accounts import Account
from core.as_of import AsOf
from core.db import Database
from core.errors import Forbidden, InvalidInput, NotFound
from core.interactions import feedback
from core.models import (
    AuditLog,
    Contact,
    Customer,
    CustomerTier,
    Feedback,
    FollowUp,
    Interaction,
    Notification,
    Opportunity,
    TierOverride,
    User,
)
from core.names import book
from core.policies import default_policy_text
from core.reminders import agenda, planner
from core.settings import load_settings
from core.team import account_managers, archive, lookup, merge, overview, people, reassign
from core.tiering import parse_policy
from core.visibility import can_see_customer, visible_customer_ids

POLICY = parse_policy(default_policy_text())
SETTINGS = load_settings(_env_file=None)
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
ZONE = "Asia/Shanghai"


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


def _customer(
    session: Session,
    name: str,
    owner: Account | None,
    *,
    tier: str | None = "regular",
    days_since_contact: int | None = None,
    **fields,
) -> int:
    row = Customer(
        name=name, owner_id=owner.id if owner else None, stage="active", added_at=NOW - timedelta(days=400), **fields
    )
    session.add(row)
    session.flush()
    if tier:
        session.add(CustomerTier(customer_id=row.id, model="value", tier=tier, policy_version="t", assigned_at=NOW))
    if days_since_contact is not None:
        session.add(
            Interaction(
                customer_id=row.id,
                rep_id=owner.id if owner else None,
                kind="call",
                occurred_at=NOW - timedelta(days=days_since_contact),
                created_at=NOW,
            )
        )
    session.flush()
    return row.id or 0


def _org(session: Session) -> dict:
    """East: manager 王芳, reps 李伟 and Emma; West: manager Omar, rep Zoe; admin Ada."""
    add = accounts.add_user
    o = {
        "wang": add(session, telegram_id=1, name="王芳", role="manager", team="East", now=NOW),
        "omar": add(session, telegram_id=2, name="Omar", role="manager", team="West", now=NOW),
        "ada": add(session, telegram_id=3, name="Ada", role="admin", now=NOW),
    }
    o["li"] = add(session, telegram_id=4, name="李伟", role="rep", team="East", now=NOW, manager_id=o["wang"].id)
    o["emma"] = add(
        session, telegram_id=5, name="Emma Stone", role="rep", team="East", now=NOW, manager_id=o["wang"].id
    )
    o["zoe"] = add(session, telegram_id=6, name="Zoe", role="rep", team="West", now=NOW, manager_id=o["omar"].id)
    session.get(User, o["emma"].id).username = "emma_s"
    c = {
        "华为": _customer(session, "华为", o["li"], tier="vip", days_since_contact=2),
        "腾讯": _customer(session, "腾讯", o["li"], tier="key", days_since_contact=200),
        "Acme": _customer(session, "Acme", o["li"], tier="regular", days_since_contact=100),
        "Globex": _customer(session, "Globex", o["emma"], tier="vip", days_since_contact=5),
        "West Co": _customer(session, "West Co", o["zoe"], tier="vip"),
    }
    session.add(
        FollowUp(
            customer_id=c["腾讯"], rep_id=o["li"].id, due_at=NOW + timedelta(days=1), text="call back", created_at=NOW
        )
    )
    session.add(
        FollowUp(
            customer_id=c["腾讯"],
            rep_id=o["li"].id,
            due_at=NOW - timedelta(days=3),
            text="old",
            status="done",
            created_at=NOW,
        )
    )
    session.flush()
    return {**o, "c": c}


def _fresh(session: Session, account: Account) -> Account:
    return accounts.get_account(session, account.id)


# --- overview -------------------------------------------------------------------------------------


def test_overview_counts_book_tier_mix_overdue_and_last_activity(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
    with any_db.session() as session:
        view = overview.overview(session, o["wang"], AsOf(POLICY, NOW, ZONE))
        rows = {m.name: m for m in view.members}
        assert set(rows) == {"王芳", "李伟", "Emma Stone"}  # never another team's people
        li = rows["李伟"]
        assert li.book == 3 and li.mix == {"vip": 1, "key": 1, "regular": 1}
        today = agenda.build(session, o["li"], AsOf(POLICY, NOW, ZONE))
        assert li.overdue == sum(c.status == "overdue" for c in today.contacts) >= 2  # 腾讯 and Acme
        assert li.due == sum(c.status == "due" for c in today.contacts)
        assert li.last_activity == NOW - timedelta(days=2)
        assert rows["王芳"].book == 0 and rows["王芳"].last_activity is None
        assert view.customers == 4 and view.waiting == 0 and view.unassigned == 0
        everyone = overview.overview(session, o["ada"], AsOf(POLICY, NOW, ZONE))
        assert {m.name for m in everyone.members} == {"王芳", "Omar", "Ada", "李伟", "Emma Stone", "Zoe"}
        west = overview.overview(session, o["ada"], AsOf(POLICY, NOW, ZONE), team="west")
        assert {m.name for m in west.members} == {"Omar", "Zoe"} and west.customers == 1
        with pytest.raises(InvalidInput) as unknown:
            overview.overview(session, o["ada"], AsOf(POLICY, NOW, ZONE), team="Nowhere")
        assert unknown.value.code == "team_unknown_team"


def test_reps_may_use_nothing(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        c = o["c"]
        for call in (
            lambda: overview.overview(session, o["li"], AsOf(POLICY, NOW, ZONE)),
            lambda: reassign.reassign(session, o["li"], [c["Acme"]], o["emma"].id, NOW),
            lambda: archive.archive(session, o["li"], c["Acme"], NOW),
            lambda: merge.merge(session, o["li"], AsOf(POLICY, NOW, ZONE), c["Acme"], c["腾讯"]),
            lambda: people.deactivate(session, o["li"], o["emma"].id, NOW),
            lambda: people.set_role(session, o["li"], o["emma"].id, "manager", NOW),
        ):
            with pytest.raises(Forbidden):
                call()


# --- reassign -------------------------------------------------------------------------------------


def test_reassign_a_whole_book_keeps_history_and_moves_open_follow_ups(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
    with any_db.session() as session:
        picked = reassign.select_customers(session, o["wang"], from_user_id=o["li"].id)
        assert len(picked.ids) == 3 and picked.from_name == "李伟"
        done = reassign.reassign(session, o["wang"], picked.ids, o["emma"].id, NOW)
        assert (done.moved, done.follow_ups, done.to_name) == (3, 1, "Emma Stone")
    with any_db.session() as session:
        owners = set(session.exec(select(Customer.owner_id).where(Customer.id.in_(picked.ids))).all())
        assert owners == {o["emma"].id}
        assert set(session.exec(select(Interaction.rep_id).where(Interaction.customer_id.in_(picked.ids))).all()) == {
            o["li"].id
        }  # who logged it stays
        follow_ups = {f.text: f.rep_id for f in session.exec(select(FollowUp)).all()}
        assert follow_ups == {"call back": o["emma"].id, "old": o["li"].id}  # done ones stay as they were
        changes = session.exec(select(AuditLog).where(AuditLog.action == "customer.owner")).all()
        assert {(a.target, a.detail["old"], a.detail["new"]) for a in changes} == {
            (f"customer:{cid}", o["li"].id, o["emma"].id) for cid in picked.ids
        }
        assert all(a.actor_id == o["wang"].id for a in changes)
        [notice] = session.exec(select(Notification).where(Notification.kind == "team_reassigned")).all()
        assert notice.recipient_id == o["emma"].id and notice.payload["params"]["count"] == 3


def test_reassign_by_tier_and_by_names(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        vip = reassign.select_customers(
            session, o["wang"], from_user_id=o["li"].id, tier=reassign.parse_tier(POLICY, "VIP")
        )
        assert vip.ids == [o["c"]["华为"]]
        assert reassign.parse_tier(POLICY, "重要客户") == ("value", "key")
        with pytest.raises(InvalidInput) as bad:
            reassign.parse_tier(POLICY, "platinum")
        assert bad.value.code == "team_bad_tier"
        named = reassign.select_customers(session, o["wang"], customer_ids=[o["c"]["Acme"], o["c"]["West Co"]])
        assert named.ids == [o["c"]["Acme"]]  # another team's customer is not selectable by a manager


def test_manager_cannot_reassign_to_another_team_admin_can(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        with pytest.raises(InvalidInput) as other:
            reassign.reassign(session, o["wang"], [o["c"]["Acme"]], o["zoe"].id, NOW)
        assert other.value.code == "team_other_team" and other.value.params["name"] == "Zoe"
        with pytest.raises(InvalidInput) as other_user:
            people.find_user(session, o["wang"], "@Zoe")
        assert other_user.value.code == "team_other_team"
        # a manager cannot move another team's customer even by id: it is not in their scope
        assert reassign.reassign(session, o["wang"], [o["c"]["West Co"]], o["emma"].id, NOW).moved == 0
        assert reassign.reassign(session, o["ada"], [o["c"]["Acme"]], o["zoe"].id, NOW).moved == 1
        assert session.get(Customer, o["c"]["Acme"]).owner_id == o["zoe"].id


def test_finding_people_and_customers(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        wang = o["wang"]
        for ref in ("@emma_s", "Emma_Stone", "@EmmaStone", "5", "@emma"):  # the last: first word of the name
            assert people.find_user(session, wang, ref).id == o["emma"].id
        with pytest.raises(InvalidInput) as unknown:
            people.find_user(session, wang, "@nobody")
        assert unknown.value.code == "team_unknown_user"
        assert lookup.find_customer(session, wang, "acme").id == o["c"]["Acme"]
        assert lookup.find_customer(session, wang, f"#{o['c']['腾讯']}").name == "腾讯"
        assert lookup.find_customer(session, wang, "huawei").name == "华为"  # pinyin, through the search index
        with pytest.raises(InvalidInput) as missing:
            lookup.find_customer(session, wang, "West Co")  # another team's
        assert missing.value.code == "team_customer_not_found"
        _customer(session, "华为", o["emma"])
        with pytest.raises(InvalidInput) as twins:
            lookup.find_customer(session, wang, "华为")
        assert twins.value.code == "team_ambiguous_customer" and len(twins.value.params["candidates"]) == 2


# --- dedicated account managers -------------------------------------------------------------------


def test_account_manager_for_vip_only_and_the_load(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        c = o["c"]
        load = account_managers.account_manager_load(session, o["wang"], POLICY)
        assert load.tier == "vip" and load.top_total == 2 and load.without_total == 2
        name, manager = account_managers.set_account_manager(session, o["wang"], POLICY, c["华为"], o["emma"].id, NOW)
        assert (name, manager) == ("华为", "Emma Stone")
        with pytest.raises(InvalidInput) as not_vip:
            account_managers.set_account_manager(session, o["wang"], POLICY, c["Acme"], o["emma"].id, NOW)
        assert not_vip.value.code == "team_not_vip"
        with pytest.raises(InvalidInput):
            account_managers.set_account_manager(session, o["wang"], POLICY, c["Globex"], o["zoe"].id, NOW)
        load = account_managers.account_manager_load(session, o["wang"], POLICY)
        assert load.managers == [{"id": o["emma"].id, "name": "Emma Stone", "active": True, "customers": 1, "top": 1}]
        assert [w["name"] for w in load.without] == ["Globex"]
        assert can_see_customer(session, _fresh(session, o["emma"]), c["华为"])  # the AM sees the customer
        assert account_managers.set_account_manager(session, o["wang"], POLICY, c["华为"], None, NOW) == ("华为", None)
        assert (
            session.exec(
                select(func.count()).select_from(AuditLog).where(AuditLog.action == "customer.account_manager")
            ).one()
            == 2
        )


# --- archive --------------------------------------------------------------------------------------


def test_archived_customers_leave_every_list_and_come_back(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        c = o["c"]
        session.add(Feedback(customer_id=c["腾讯"], kind="complaint", text="late", created_at=NOW - timedelta(days=3)))
    with any_db.session() as session:
        assert archive.archive(session, o["wang"], c["腾讯"], NOW) == "腾讯"
    book.invalidate()
    with any_db.session() as session:
        li = o["li"]
        assert c["腾讯"] not in visible_customer_ids(session, li)
        assert c["腾讯"] not in visible_customer_ids(session, o["ada"])
        assert "腾讯" not in [x.name for x in book.search(session, li, "腾讯", 5)]
        today = agenda.build(session, li, AsOf(POLICY, NOW, ZONE))
        assert all(x.customer_id != c["腾讯"] for x in [*today.contacts, *today.follow_ups, *today.complaints])
        assert not feedback.open_items(session, li)
        escalations = planner.plan_escalations(session, POLICY, SETTINGS, NOW)
        assert all(p.payload.params["customer_id"] != c["腾讯"] for p in escalations)
        assert overview.overview(session, o["wang"], AsOf(POLICY, NOW, ZONE)).customers == 3
        lines, total = archive.archived(session, o["wang"])
        assert total == 1 and lines[0].name == "腾讯"
        with pytest.raises(InvalidInput):  # a rep of another team cannot see it in the archive either
            lookup.find_customer(session, o["omar"], "腾讯", archived=True)
        assert lookup.find_customer(session, o["wang"], "腾讯", archived=True).archived
        assert archive.unarchive(session, o["wang"], c["腾讯"], NOW) == "腾讯"
    with any_db.session() as session:
        assert c["腾讯"] in visible_customer_ids(session, o["li"])
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]
        assert actions[-2:] == ["customer.archive", "customer.unarchive"]


# --- merge ----------------------------------------------------------------------------------------


def _counts(session: Session) -> dict[str, int]:
    return {
        table.__name__: session.exec(select(func.count()).select_from(table)).one()
        for table in (Interaction, Feedback, FollowUp, Contact, TierOverride, Opportunity)
    }


def test_merge_moves_everything_and_loses_nothing(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        keep = o["c"]["华为"]
        drop = _customer(
            session,
            "华为技术",
            o["emma"],
            tier="regular",
            days_since_contact=1,
            company="华为技术有限公司",
            external_id="CRM-77",
            potential=5,
        )
        session.add_all(
            [
                Contact(customer_id=keep, name="张总", is_primary=True),
                Contact(customer_id=drop, name="李经理", is_primary=True),
                Feedback(customer_id=drop, kind="praise", text="great", status="resolved", created_at=NOW),
                FollowUp(customer_id=drop, rep_id=o["emma"].id, due_at=NOW, text="visit", created_at=NOW),
                TierOverride(customer_id=drop, model="value", tier="vip", reason="strategic", created_at=NOW),
                Opportunity(
                    customer_id=drop, title="二期", amount_minor=100, currency="CNY", created_at=NOW, updated_at=NOW
                ),
            ]
        )
    with any_db.session() as session:
        before = _counts(session)
        first, second = merge.merge_preview(session, o["wang"], drop, keep)
        assert first.id in (keep, drop) and {first.id, second.id} == {keep, drop}
        with pytest.raises(InvalidInput) as same:
            merge.merge_preview(session, o["wang"], keep, keep)
        assert same.value.code == "team_merge_same"
        with pytest.raises(NotFound):  # both records must be visible to the actor
            merge.merge(session, o["wang"], AsOf(POLICY, NOW, ZONE), keep, o["c"]["West Co"])
    with any_db.session() as session:
        merged = merge.merge(session, o["wang"], AsOf(POLICY, NOW, ZONE), keep, drop)
        assert merged.moved == {
            "interactions": 1,
            "feedback": 1,
            "follow_ups": 1,
            "contacts": 1,
            "overrides": 1,
            "opportunities": 1,
        }
    with any_db.session() as session:
        assert _counts(session) == before  # nothing deleted
        for table in (Interaction, Feedback, FollowUp, Contact, TierOverride, Opportunity):
            assert session.exec(select(func.count()).select_from(table).where(table.customer_id == drop)).one() == 0
        kept, gone = session.get(Customer, keep), session.get(Customer, drop)
        assert (gone.archived, gone.merged_into_id, gone.archived_at) == (True, keep, NOW)
        assert kept.company == "华为技术有限公司" and kept.external_id == "CRM-77" and kept.potential == 5
        assert gone.external_id is None
        primaries = session.exec(select(Contact).where(Contact.customer_id == keep, Contact.is_primary)).all()
        assert [p.name for p in primaries] == ["张总"]
        moved = session.exec(select(FollowUp).where(FollowUp.text == "visit")).one()
        assert moved.rep_id == o["li"].id  # the kept record's owner takes the open promise
        assert session.exec(select(AuditLog).where(AuditLog.action == "customer.merge")).one().detail["merged"] == drop
        assert drop not in visible_customer_ids(session, o["emma"])
        with pytest.raises(InvalidInput) as restore:
            archive.unarchive(session, o["wang"], drop, NOW)
        assert restore.value.code == "team_merged_record"


# --- people ---------------------------------------------------------------------------------------


def test_deactivated_rep_gets_no_digest_and_their_customers_wait(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
    digest_time = datetime(2026, 11, 24, 1, 5, tzinfo=UTC)
    with any_db.session() as session:
        planned = {p.recipient_id for p in planner.plan_digests(session, POLICY, SETTINGS, digest_time)}
        assert o["li"].id in planned
    with any_db.session() as session:
        change = people.deactivate(session, o["wang"], o["li"].id, NOW)
        assert (change.old, change.new, change.customers) == ("active", "inactive", 3)
    with any_db.session() as session:
        assert o["li"].id not in {p.recipient_id for p in planner.plan_digests(session, POLICY, SETTINGS, digest_time)}
        assert o["li"].id not in {p.account.id for p in planner.people(session, SETTINGS, with_books_only=False)}
        assert accounts.find_by_telegram_id(session, 4) is None and people.is_deactivated(session, 4)
        view = overview.overview(session, o["wang"], AsOf(POLICY, NOW, ZONE))
        assert view.waiting == 3 and view.customers == 4  # nothing lost: still the manager's
        li_row = next(m for m in view.members if m.name == "李伟")
        assert not li_row.active and li_row.book == 3
        with pytest.raises(InvalidInput) as inactive:
            reassign.reassign(session, o["wang"], [o["c"]["Acme"]], o["li"].id, NOW)
        assert inactive.value.code == "team_inactive_target"
        picked = reassign.select_customers(session, o["wang"], from_user_id=o["li"].id)
        assert reassign.reassign(session, o["wang"], picked.ids, o["emma"].id, NOW).moved == 3
        audit = session.exec(select(AuditLog).where(AuditLog.action == "user.deactivate")).one()
        assert (audit.actor_id, audit.detail["old"], audit.detail["new"]) == (o["wang"].id, "active", "inactive")


def test_people_rights(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)

        def code(call) -> str:
            with pytest.raises(InvalidInput) as refused:
                call()
            return refused.value.code

        wang, ada = o["wang"], o["ada"]
        assert code(lambda: people.deactivate(session, wang, o["zoe"].id, NOW)) == "team_other_team"
        assert code(lambda: people.deactivate(session, wang, wang.id, NOW)) == "team_not_self"
        assert code(lambda: people.deactivate(session, wang, ada.id, NOW)) == "team_other_team"
        assert code(lambda: people.set_role(session, wang, o["emma"].id, "admin", NOW)) == "team_admin_only"
        assert code(lambda: people.set_role(session, wang, o["emma"].id, "boss", NOW)) == "team_bad_role"
        assert code(lambda: people.set_team(session, wang, o["emma"].id, "West", NOW)) == "team_admin_only"
        assert code(lambda: people.deactivate(session, None, ada.id, NOW)) == "team_last_admin"
        promoted = people.set_role(session, wang, o["emma"].id, "manager", NOW)
        assert (promoted.old, promoted.new) == ("rep", "manager")
        moved = people.set_team(session, ada, o["li"].id, "West", NOW)
        assert (moved.old, moved.new, moved.customers) == ("East", "West", 3)
        li = session.get(User, o["li"].id)
        assert li.manager_id == o["omar"].id  # reports to the new team's manager
        assert can_see_customer(session, _fresh(session, o["omar"]), o["c"]["Acme"])  # the book went along
        assert not can_see_customer(session, _fresh(session, wang), o["c"]["Acme"])
        assert people.set_role(session, ada, o["zoe"].id, "admin", NOW).new == "admin"
        assert people.deactivate(session, None, ada.id, NOW).new == "inactive"  # not the last admin any more
        assert people.reactivate(session, None, ada.id, NOW).new == "active"
        listed = people.list_people(session, None)
        assert [p.name for p in listed if p.team == "West"] == ["Omar", "Zoe", "李伟"]
        logged = session.exec(select(AuditLog.action).where(AuditLog.action.like("user.%"))).all()
        assert sorted(logged) == sorted(["user.role", "user.team", "user.role", "user.deactivate", "user.reactivate"])


def test_demoted_manager_hands_reports_to_another_manager(any_db: Database) -> None:
    with any_db.session() as session:
        o = _org(session)
        second = accounts.add_user(session, telegram_id=9, name="Max", role="manager", team="East", now=NOW)
        people.set_role(session, o["ada"], o["wang"].id, "rep", NOW)
        assert session.get(User, o["li"].id).manager_id == second.id
        assert session.get(User, o["wang"].id).manager_id == second.id


def test_team_changes_invalidate_the_name_index_once_committed(any_db: Database) -> None:
    """The use cases own the cache: each change to owners, records or people invalidates the
    cached book when its transaction commits — not before (a rebuild in between would cache the
    old book), and not at all when it is refused (nothing changed)."""
    with any_db.session() as session:
        o = _org(session)
    wang, li, emma = o["wang"], o["li"], o["emma"]
    steps = [
        lambda s: reassign.reassign(s, _fresh(s, wang), [o["c"]["Acme"]], emma.id, NOW),
        lambda s: account_managers.set_account_manager(s, _fresh(s, wang), POLICY, o["c"]["华为"], emma.id, NOW),
        lambda s: archive.archive(s, _fresh(s, wang), o["c"]["Acme"], NOW),
        lambda s: archive.unarchive_by_name(s, _fresh(s, wang), "Acme", NOW),
        lambda s: merge.merge(s, _fresh(s, wang), AsOf(POLICY, NOW, ZONE), o["c"]["华为"], o["c"]["Acme"]),
        lambda s: people.change(s, _fresh(s, wang), "deactivate", li.id, None, NOW),
    ]
    for step in steps:
        before = book.version()
        with any_db.session() as session:
            step(session)
            assert book.version() == before  # not yet committed
        assert book.version() != before
    before = book.version()
    with pytest.raises(InvalidInput), any_db.session() as session:
        reassign.reassign(session, _fresh(session, wang), [o["c"]["West Co"]], o["zoe"].id, NOW)  # another team's
    assert book.version() == before
