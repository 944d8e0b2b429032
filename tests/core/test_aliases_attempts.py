"""Issue 11 in core: customer aliases (learned, typed, imported; read only through visibility),
attempts and notes that do not reset the contact clock, one log per customer of a message, and
facts about contacts applied from a sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from core import accounts
from core.as_of import AsOf
from core.customers import contact_facts
from core.db import Database
from core.errors import InvalidInput, NotFound
from core.imports.importer import import_customers
from core.interactions import logbook
from core.interactions.logbook import LogDraft
from core.models import Contact, Customer, CustomerAlias, Interaction
from core.names import aliases, book
from core.policies import default_policy_text
from core.tier_records.fact_queries import load_cadence_facts, load_facts
from core.tiering import parse_policy

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


def _people(session):
    manager = accounts.add_user(session, telegram_id=1, name="Wang", role="manager", team="East", now=NOW)
    rep = accounts.add_user(session, telegram_id=2, name="Li", role="rep", team="East", now=NOW, manager_id=manager.id)
    other = accounts.add_user(session, telegram_id=3, name="Zhou", role="rep", team="West", now=NOW)
    return manager, rep, other


def _customer(session, name: str, owner, **values) -> int:
    row = Customer(name=name, owner_id=owner.id, added_at=NOW - timedelta(days=400), stage="active", **values)
    session.add(row)
    session.flush()
    return row.id


def test_an_alias_finds_the_customer_only_for_those_who_can_see_it(any_db: Database) -> None:
    with any_db.session() as session:
        manager, rep, other = _people(session)
        alibaba = _customer(session, "阿里巴巴", rep)
        _customer(session, "淘宝网络", other)
        learned = aliases.learn(session, rep, alibaba, "老马家", now=NOW)
    assert learned == aliases.Learned("老马家", "阿里巴巴")
    with any_db.session() as session:
        [row] = session.exec(select(CustomerAlias)).all()
        assert (row.text, row.key, row.source, row.created_by_id) == ("老马家", "老马家", "learned", rep.id)
        # the index is rebuilt after the commit: the alias finds the customer from the next message on
        assert [c.name for c in book.index_for(session, rep).mentions("今天去老马家拜访")] == ["阿里巴巴"]
        assert [c.name for c in book.index_for(session, manager).mentions("今天去老马家拜访")] == ["阿里巴巴"]
        assert book.index_for(session, other).mentions("今天去老马家拜访") == []
        assert all(e.aliases == () for e in book.entries(session, other))
        assert book.index_for(session, other).find("老马家") == []
        with pytest.raises(NotFound):
            aliases.of_customer(session, other, alibaba)
        with pytest.raises(NotFound):
            aliases.remove(session, other, row.id, now=NOW)


def test_aliases_refused_with_a_reason_and_removed(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep, _ = _people(session)
        alibaba = _customer(session, "阿里巴巴", rep)
        _customer(session, "星辰科技", rep)
    with any_db.session() as session:
        for text, code in (
            ("星辰科技", "alias_taken"),
            ("阿里巴巴", "alias_known"),
            ("阿", "alias_too_short"),
            ("🙂🙂", "alias_no_letters"),
            ("长" * 41, "alias_too_long"),
        ):
            with pytest.raises(InvalidInput) as refused:
                aliases.add(session, rep, alibaba, text, now=NOW)
            assert refused.value.code == code, text
        with pytest.raises(InvalidInput) as refused:
            aliases.add(session, rep, alibaba, "星辰科技", now=NOW)
        assert refused.value.params["other"] == "星辰科技"
        added = aliases.add(session, rep, alibaba, "Ali", now=NOW)
        assert aliases.add(session, rep, alibaba, "ALI", now=NOW).id == added.id  # one per customer, any case
        assert aliases.learn(session, rep, alibaba, "星辰科技", now=NOW) is None  # learning is refused silently
    with any_db.session() as session:
        assert [a.text for a in aliases.of_customer(session, rep, alibaba)] == ["Ali"]
        assert [c.name for c in book.index_for(session, rep).mentions("called ali today")] == ["阿里巴巴"]
        aliases.remove(session, rep, added.id, now=NOW)
    with any_db.session() as session:
        assert aliases.of_customer(session, rep, alibaba) == []
        assert book.index_for(session, rep).mentions("called ali today") == []


def test_the_database_keeps_one_alias_per_customer_and_text(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep, _ = _people(session)
        cid = _customer(session, "Acme", rep)
    row = dict(customer_id=cid, text="Roadrunner Co", key="roadrunner co", source="manual", created_at=NOW)
    with any_db.session() as session:
        session.add(CustomerAlias(**row))
    with pytest.raises(IntegrityError):
        with any_db.session() as session:
            session.add(CustomerAlias(**{**row, "text": "ROADRUNNER CO"}))


def test_aliases_column_of_a_crm_import(any_db: Database, tmp_path: Path) -> None:
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=1001, name="Li Wei", role="rep", now=NOW)
    path = tmp_path / "c.csv"
    path.write_text(
        '客户名称,别名\n阿里巴巴,阿里；Ali、淘宝集团 / 阿里巴巴\nStark Industries,"Stark, SI"\n', encoding="utf-8"
    )
    for _ in range(2):  # the same file twice: no duplicate aliases
        with any_db.session() as session:
            report = import_customers(session, path, now=NOW, currency="CNY", actor=rep)
        assert report.ok and report.applied
    with any_db.session() as session:
        rows = session.exec(select(CustomerAlias.text, CustomerAlias.source).order_by(CustomerAlias.id)).all()
        assert rows == [
            ("阿里", "import"),
            ("Ali", "import"),
            ("淘宝集团", "import"),
            ("Stark", "import"),
            ("SI", "import"),
        ]
        assert [c.name for c in book.index_for(session, rep).mentions("拜访了淘宝集团")] == ["阿里巴巴"]
    clash = tmp_path / "clash.csv"
    clash.write_text("name,aliases\nGlobex,Stark Industries\nInitech,x\n", encoding="utf-8")
    with any_db.session() as session:
        report = import_customers(session, clash, now=NOW, currency="CNY", actor=rep)
    assert not report.applied
    assert [(e.line, e.code, e.column) for e in report.errors] == [
        (2, "alias_taken", "aliases"),
        (3, "alias_invalid", "aliases"),
    ]


def test_attempts_and_notes_do_not_reset_the_contact_clock(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep, _ = _people(session)
        cid = _customer(session, "华为", rep)
        called = NOW - timedelta(days=40)
        for kind, attempt, days in (("call", False, 40), ("call", True, 2), ("note", False, 1), ("visit", True, 3)):
            session.add(
                Interaction(
                    customer_id=cid,
                    rep_id=rep.id,
                    kind=kind,
                    attempt=attempt,
                    occurred_at=NOW - timedelta(days=days),
                    created_at=NOW,
                )
            )
    policy = POLICY
    with any_db.session() as session:
        [facts] = load_facts(session, AsOf(policy, NOW, "Asia/Shanghai"), customer_ids=[cid])
        [lean] = load_cadence_facts(session, AsOf(policy, NOW, "Asia/Shanghai"), customer_ids=[cid])
        [book_wide] = [f for f in load_cadence_facts(session, AsOf(policy, NOW, "Asia/Shanghai")) if f.id == cid]
    for one in (facts, lean, book_wide):  # the same definition in every pass
        assert one.last_contact_at == called
        assert one.last_visit_at is None  # a visit nobody answered is no visit
    assert facts.interactions_last_90 == 4  # logged all the same


def _draft(customer_id: int, **changes) -> LogDraft:
    return LogDraft(
        customer_id=customer_id,
        kind="call",
        occurred_at=NOW.isoformat(),
        summary="Called Contoso and Fabrikam about the joint bid",
        **changes,
    )


def test_one_message_logs_each_chosen_customer_once(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep, other = _people(session)
        contoso, fabrikam = _customer(session, "Contoso", rep), _customer(session, "Fabrikam", rep)
        hidden = _customer(session, "Hooli", other)
    options = dict(chat_id=7, message_id=70, as_of=AsOf(POLICY, NOW, "Asia/Shanghai"), currency="CNY")
    for _ in range(2):  # ✅ twice (a repeated delivery): written once
        with any_db.session() as session:
            logged = logbook.log_and_retier(
                session,
                rep,
                _draft(contoso, amount="1000", follow_up_due=NOW.isoformat()),
                others=[fabrikam, contoso],
                **options,
            )
    assert logged.saved.duplicate and [o.customer_name for o in logged.others] == ["Fabrikam"]
    with any_db.session() as session:
        rows = {r.customer_id: r for r in session.exec(select(Interaction)).all()}
        assert set(rows) == {contoso, fabrikam}
        assert rows[contoso].amount_minor == 100_000 and rows[fabrikam].amount_minor is None  # money stays with one
        assert {r.source_message_id for r in rows.values()} == {70}
    with pytest.raises(NotFound), any_db.session() as session:  # a customer the rep cannot see: nothing written
        logbook.log_and_retier(session, rep, _draft(contoso), others=[hidden], **{**options, "message_id": 71})
    with any_db.session() as session:
        assert len(session.exec(select(Interaction)).all()) == 2
        undone = logbook.undo_last(session, rep, AsOf(POLICY, NOW, "Asia/Shanghai"))
    assert undone is not None and {undone.customer_id, *(cid for cid, _ in undone.others)} == {contoso, fabrikam}
    with any_db.session() as session:
        assert session.exec(select(Interaction)).all() == []


def test_a_log_that_does_not_reset_the_clock_never_shows_a_past_next_contact(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep, _ = _people(session)
        cid = _customer(session, "华为", rep)
    options = dict(chat_id=7, message_id=80, as_of=AsOf(POLICY, NOW, "Asia/Shanghai"), currency="CNY")
    with any_db.session() as session:
        logged = logbook.log_and_retier(session, rep, _draft(cid, attempt=True), **options)
    assert logged.next_due is None and logged.next_visit_due is None
    assert logged.status == "overdue" and logged.due_since is not None and logged.due_since < NOW.date()
    with any_db.session() as session:
        assert session.exec(select(Interaction.attempt)).one() is True
        reached = logbook.log_and_retier(session, rep, _draft(cid), **{**options, "message_id": 81})
    assert reached.due_since is None and reached.next_due is not None and reached.next_due > NOW.date()


def test_facts_update_or_create_the_contact(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep, other = _people(session)
        cid = _customer(session, "瑞丰医疗", rep)
        session.add(Contact(customer_id=cid, name="李总", birthday=date(1970, 1, 1), is_primary=True))
        session.add(Contact(customer_id=cid, name="Bruce Wayne"))
    with any_db.session() as session:
        applied = contact_facts.apply(session, rep, cid, "birthday", "李总", "03-05", now=NOW)
        assert not applied.created_contact
        contact_facts.apply(session, rep, cid, "phone", "Bruce", "+86 138 0013 8000", now=NOW)
        created = contact_facts.apply(session, rep, cid, "birthday", "王经理", "02-29", now=NOW)
        assert created.created_contact
        for kind, value, code in (("phone", "call me", "bad_phone"), ("birthday", "13-40", "bad_date")):
            with pytest.raises(InvalidInput) as refused:
                contact_facts.apply(session, rep, cid, kind, "李总", value, now=NOW)
            assert refused.value.code == code
        with pytest.raises(NotFound):
            contact_facts.apply(session, other, cid, "phone", "李总", "13800138000", now=NOW)
    with any_db.session() as session:
        contacts = {c.name: c for c in session.exec(select(Contact)).all()}
    assert contacts["李总"].birthday == date(1970, 3, 5)  # the year it had is kept
    assert contacts["Bruce Wayne"].phone == "+86 138 0013 8000"
    assert (contacts["王经理"].birthday.month, contacts["王经理"].birthday.day, contacts["王经理"].is_primary) == (
        2,
        29,
        False,
    )
    with any_db.session() as session:  # a new contact is a name the index finds
        assert [c.name for c in book.index_for(session, rep).mentions("王经理来电")] == ["瑞丰医疗"]


def test_merge_keeps_aliases_and_one_log_per_message(any_db: Database) -> None:
    with any_db.session() as session:
        manager, rep, _ = _people(session)
        keep, drop = _customer(session, "Acme", rep), _customer(session, "Acme Corp", rep)
        aliases.add(session, rep, keep, "Roadrunner", now=NOW)
        for cid, text in ((drop, "roadrunner"), (drop, "Wile E")):
            session.add(
                CustomerAlias(customer_id=cid, text=text, key=aliases.alias_key(text), source="manual", created_at=NOW)
            )
        logbook.log_and_retier(
            session,
            rep,
            _draft(keep),
            others=[drop],
            chat_id=7,
            message_id=90,
            as_of=AsOf(POLICY, NOW, "Asia/Shanghai"),
            currency="CNY",
        )
    from core.team import merge

    with any_db.session() as session:
        merge.merge(session, manager, AsOf(POLICY, NOW, "Asia/Shanghai"), keep, drop)
    with any_db.session() as session:
        assert sorted(a.text for a in aliases.of_customer(session, rep, keep)) == ["Roadrunner", "Wile E"]
        rows = session.exec(select(Interaction).where(Interaction.customer_id == keep)).all()
        assert len(rows) == 2 and sorted(r.source_message_id is None for r in rows) == [False, True]


def test_erasing_a_customer_removes_its_aliases(any_db: Database) -> None:
    from core.customers.erase import erase_customer

    with any_db.session() as session:
        _, rep, _ = _people(session)
        cid = _customer(session, "Acme", rep)
        aliases.add(session, rep, cid, "Roadrunner", now=NOW)
    with any_db.session() as session:
        erase_customer(session, cid, operator="dpo", now=NOW)
    with any_db.session() as session:
        assert session.exec(select(CustomerAlias)).all() == []
        assert all("Roadrunner" not in e.aliases for e in book.entries(session, None))
