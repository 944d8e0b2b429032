"""The upload between preview and ✅ (issue 12 §9): an import that began notes where its progress
is shown; its commit replaces the note, so the notes left at a start are the imports cut short."""

from __future__ import annotations

from core import accounts
from core.as_of import AsOf
from core.db import Database
from core.imports import uploads
from core.policies import default_policy_text
from core.tiering import parse_policy
from tests.conftest import TEST_START

CSV = b"Account Name\nAcme\nGlobex\n"


def test_an_import_cut_short_is_found_once_and_a_committed_one_never(any_db: Database) -> None:
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=77, name="Emma", role="rep", now=TEST_START, language="zh")
        cut, done = (
            uploads.store(session, rep, filename=name, content=CSV, kind="customers", now=TEST_START)
            for name in ("cut.csv", "done.csv")
        )
    with any_db.session() as session:
        uploads.begin_import(session, rep, cut, chat_id=77, message_id=5)
        uploads.begin_import(session, rep, done, chat_id=77, message_id=9)
    with any_db.session() as session:
        report = uploads.confirm(
            session,
            rep,
            done,
            as_of=AsOf(parse_policy(default_policy_text()), TEST_START, "Asia/Shanghai"),
            currency="CNY",
        )
        assert report is not None and report.created == 2
    with any_db.session() as session:
        assert uploads.unfinished(session) == [uploads.Unfinished(77, 5, "zh")]
    with any_db.session() as session:
        assert uploads.unfinished(session) == []  # told once
        assert uploads.content_of(session, rep, cut) == CSV  # and still there to import
