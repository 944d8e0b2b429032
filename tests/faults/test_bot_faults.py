"""Faults inside the bot, through the offline harness: the database busy or full while a rep works,
duplicate deliveries, Bot API errors in the outbox sender, the admins' notices about persistent
failures, and the one log line per update.

(500 on sendMessage is in tests/bot/test_reminders_delivery.py; a repeated delivery of a logged
message in tests/bot/test_rep_workflows.py — both are not repeated here.)"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlmodel import select
from telegram import Update

from bot import jobs, ops
from bot.local_api import Fault
from bot.testing import Harness, Person
from core import db as core_db
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.clock import ManualClock
from core.db import Database, open_database
from core.models import ActionKey, Customer, Interaction, Notification, PendingCard
from core.names import book
from tests.conftest import TEST_START

BUSY = {"en": "busy right now, so nothing was saved", "zh": "数据库正忙"}
FULL = {"en": "storage is full, so nothing was saved", "zh": "存储空间已满"}


@pytest.fixture
def fast_busy_db(migrated_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """SQLite with a 0.3 s busy timeout (5 s in production), so a held lock shows at once."""
    monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "tierbot.db"
    shutil.copy(migrated_sqlite, path)
    db = open_database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
async def bot(fast_busy_db: Database) -> AsyncIterator[Harness]:
    book.invalidate()
    harness = await Harness.start(fast_busy_db, ManualClock(TEST_START), _env_file=None, telegram_bot_token=None)
    yield harness
    await harness.stop()
    book.invalidate()


async def _rep(harness: Harness, language: str) -> Person:
    rep = await harness.person("rep", name="Li", language=language, team="East")
    with harness.db.session() as session:
        session.add(
            Customer(
                name="Acme", owner_id=rep.account.id, stage="active", added_at=harness.clock.now() - timedelta(days=60)
            )
        )
    book.invalidate()
    await harness.send(rep, "/help")  # the first update records the client's language
    return rep


def _rows(harness: Harness, model: type) -> list:
    with harness.db.session() as session:
        return list(session.exec(select(model)).all())


class WriteLock:
    """Another process holding SQLite's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, db: Database) -> None:
        self.connection = sqlite3.connect(db.engine.url.database, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_database_busy_answers_try_again_and_writes_nothing(bot: Harness, language: str) -> None:
    rep = await _rep(bot, language)
    lock = WriteLock(bot.db)
    try:
        answer = await bot.send(rep, "Called Acme, follow up Friday")
    finally:
        lock.release()
    # The log card goes out before its keys are stored; when storing fails its buttons are taken
    # off again (none may answer "unknown"), and the notice says nothing was saved.
    assert answer and BUSY[language] in answer[-1].text
    assert all(not bot.api.messages[(m.chat_id, m.message_id)].buttons for m in answer)
    assert _rows(bot, PendingCard) == [] and _rows(bot, ActionKey) == [] and _rows(bot, Interaction) == []
    await bot.send(rep, "Called Acme, follow up Friday")  # the lock is gone: it works
    card = bot.last(rep)
    assert "Acme" in card.text and card.buttons
    lock = WriteLock(bot.db)
    try:
        await bot.press(rep, 0, card)  # ✅ while busy: the key is not spent
        assert BUSY[language] in (bot.last_answer() or "")
    finally:
        lock.release()
    assert _rows(bot, Interaction) == []
    await bot.press(rep, 0, card)
    [saved] = _rows(bot, Interaction)
    assert saved.kind == "call"


class PageLimit:
    """A full disk for SQLite: `PRAGMA max_page_count` at the database's current size, on every
    connection of the bot's engine (the pragma is per connection)."""

    def __init__(self, db: Database) -> None:
        self.db, self.limit = db, None
        event.listen(db.engine, "connect", self._apply)

    def _apply(self, dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if self.limit is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count={self.limit}")

    def fill(self) -> None:
        with self.db.engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")  # no free pages left to reuse
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            self.limit = connection.exec_driver_sql("PRAGMA page_count").scalar()
        self.db.engine.dispose()  # reconnect: the limit applies from now on

    def free(self) -> None:
        self.limit = None
        self.db.engine.dispose()


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_full_disk_gives_a_clear_answer_and_no_partial_write(bot: Harness, language: str) -> None:
    rep = await _rep(bot, language)
    disk = PageLimit(bot.db)
    await bot.send(rep, "Visited Acme, signed 50000. " + "Long notes about the visit. " * 400)
    card = bot.last(rep)
    assert card.buttons
    disk.fill()
    try:
        await bot.press(rep, 0, card)  # ✅: the interaction (with its long text) needs new pages
        assert FULL[language] in (bot.last_answer() or "")
        assert _rows(bot, Interaction) == []
        with bot.db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
    finally:
        disk.free()
    await bot.press(rep, 0, card)  # room again: the same card saves, once
    [saved] = _rows(bot, Interaction)
    assert saved.amount_minor == 5_000_000


async def _deliver(harness: Harness, update: dict) -> None:
    """As the update fetcher does: through the update processor (ordering, log, duplicates)."""
    parsed = Update.de_json(update, harness.app.bot)
    await harness.app.update_processor.process_update(parsed, harness.app.process_update(parsed))


async def test_duplicate_delivery_is_processed_once_and_every_update_is_logged(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    rep = await _rep(bot, "en")
    stranger = await bot.person(None)
    caplog.set_level(logging.INFO, logger="tierbot.updates")
    update = bot.api.message(rep.telegram, "/today")
    before = len(bot.sent(rep))
    await _deliver(bot, update)
    await _deliver(bot, update)  # Telegram delivered it again (a webhook answer was lost)
    assert len(bot.sent(rep)) == before + 1
    await _deliver(bot, bot.api.message(stranger.telegram, "/today"))
    lines = [r.getMessage() for r in caplog.records if r.name == "tierbot.updates"]
    first, duplicate, refused = lines
    assert f"user={rep.chat_id} handler=agenda.today action=- ms=" in first and first.endswith("outcome=ok")
    assert duplicate.endswith("outcome=duplicate")
    assert f"user={stranger.chat_id} handler=gate-refused" in refused and refused.endswith("outcome=refused")
    lock = WriteLock(bot.db)
    try:
        await _deliver(bot, bot.api.message(rep.telegram, "Called Acme"))
    finally:
        lock.release()
    assert caplog.records[-1].getMessage().endswith("outcome=error")
    assert "handler=common.text" in caplog.records[-1].getMessage()


async def test_persistent_database_trouble_tells_the_admins_once_an_hour(bot: Harness) -> None:
    rep = await _rep(bot, "en")
    admin = await bot.person("admin", name="Boss", language="zh")
    await bot.send(admin, "/help")
    lock = WriteLock(bot.db)
    try:
        for _ in range(ops.THRESHOLD + 2):
            await bot.send(rep, "Called Acme")
    finally:
        lock.release()
    assert _rows(bot, Notification) == []  # the locked database could not take the notice then
    await ops.check_outbox(bot.app, bot.clock.now())  # the alerts sweep: now it can
    await jobs.send_outbox(bot.app, bot.clock.now())
    notice = bot.last(admin)
    assert "数据库多次繁忙" in notice.text and "database is locked" in notice.text
    lock = WriteLock(bot.db)
    try:
        for _ in range(ops.THRESHOLD):
            await bot.send(rep, "Called Acme")
    finally:
        lock.release()
    await ops.check_outbox(bot.app, bot.clock.now())
    assert len(_rows(bot, Notification)) == 1  # dedupe key alert:db_busy:<hour>:<admin>: once this hour
    assert _rows(bot, Notification)[0].dedupe_key.startswith("alert:db_busy:2026-11-24T01:")


async def test_outbox_survives_502_429_and_malformed_answers_and_gives_up_loudly(bot: Harness) -> None:
    rep = await _rep(bot, "en")
    admin = await bot.person("admin", name="Boss", language="en")
    now = bot.clock.now()
    with bot.db.session() as session:
        for n in range(4):
            outbox.enqueue(
                session,
                recipient_id=rep.account.id,
                kind="test",
                dedupe_key=f"t:{n}",
                now=now,
                message=OutboxMessage("reminders/followup", {"name": f"K{n}", "text": "x", "due": ""}),
            )
    bot.api.faults += [
        Fault("sendMessage", 502, "Bad Gateway"),
        Fault("sendMessage", 200, "", body="<html>502 Bad Gateway</html>"),  # a proxy's page
        Fault("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5),
    ]
    before = len(bot.sent(rep))
    await jobs.send_outbox(bot.app, now)  # K0: 502, K1: not JSON, K2: 429 → the sweep stops
    with bot.db.session() as session:
        rows = {n.dedupe_key: n for n in session.exec(select(Notification)).all()}
    assert rows["t:0"].status == rows["t:1"].status == "pending"
    assert "Bad Gateway" in rows["t:0"].last_error and rows["t:1"].attempts == 1
    assert rows["t:2"].attempts == 0 and rows["t:2"].claimed_until is None  # released, not failed
    bot.clock.advance(timedelta(minutes=2))
    await jobs.send_outbox(bot.app, bot.clock.now())
    texts = [s.text for s in bot.sent(rep)[before:]]
    assert sorted(re.search(r"K\d", t).group() for t in texts) == ["K0", "K1", "K2", "K3"]  # each once
    # A message that keeps failing is given up after MAX_ATTEMPTS, and the admins hear of it once.
    with bot.db.session() as session:
        outbox.enqueue(
            session,
            recipient_id=rep.account.id,
            kind="test",
            dedupe_key="t:doomed",
            now=now,
            message=OutboxMessage("reminders/followup", {"name": "KX", "text": "x", "due": ""}),
        )
    bot.api.faults.append(Fault("sendMessage", 500, "Internal Server Error", times=outbox.MAX_ATTEMPTS))
    for _ in range(outbox.MAX_ATTEMPTS):
        bot.clock.advance(timedelta(hours=1))
        await jobs.send_outbox(bot.app, bot.clock.now())
    with bot.db.session() as session:
        assert session.exec(select(Notification).where(Notification.dedupe_key == "t:doomed")).one().status == "failed"
    await ops.check_outbox(bot.app, bot.clock.now())
    await jobs.send_outbox(bot.app, bot.clock.now())
    [notice] = bot.sent(admin)
    assert "1 scheduled message(s) could not be delivered" in notice.text and "Internal Server Error" in notice.text
    bot.clock.advance(timedelta(hours=2))
    await ops.check_outbox(bot.app, bot.clock.now())  # nothing new failed: no second notice
    with bot.db.session() as session:
        assert session.execute(text("SELECT count(*) FROM notification WHERE kind = 'alert'")).scalar() == 1


async def test_a_sweep_failing_again_and_again_tells_the_admins(bot: Harness) -> None:
    admin = await bot.person("admin", name="Boss", language="en")

    async def broken(app: object, now: object) -> None:
        raise RuntimeError("calendar file missing")

    class Context:
        application = bot.app

    job = jobs._job(jobs.Sweep("greetings", timedelta(hours=1), broken))
    for _ in range(ops.THRESHOLD):
        await job(Context())  # type: ignore[arg-type]  # logs, never raises: the bot keeps running
    await jobs.send_outbox(bot.app, bot.clock.now())
    [notice] = bot.sent(admin)
    assert "“greetings” has failed several times" in notice.text and "calendar file missing" in notice.text


async def test_an_import_that_fails_says_so_in_a_new_message_and_keeps_its_button(bot: Harness) -> None:
    """Issue 12 §8, §9: the press was answered once at the start; the failure comes as a new
    message, the progress message says the import stopped, and ✅ on the preview retries it."""
    rep = await bot.person("rep", name="Emma", language="en", team="East")
    content = (
        "Account Name,Industry,Notes\n" + "".join(f"Customer {n},Tools,{'a long note ' * 20}\n" for n in range(3000))
    ).encode()
    [preview] = await bot.upload(rep, "accounts.csv", content)
    assert "3,000 ready" in preview.text
    disk = PageLimit(bot.db)
    disk.fill()
    try:
        before = len(bot.sent(rep))
        await bot.press(rep, "Import", preview)
    finally:
        disk.free()
    answers = [a for a in bot.api.callback_answers if a.get("callback_query_id")]
    assert len({a["callback_query_id"] for a in answers}) == len(answers)  # each press answered once
    progress, *new = bot.sent(rep)[before:]
    assert FULL["en"] in new[-1].text  # the failure, in a new message
    assert "did not finish" in progress.text and "nothing was imported" in progress.text
    assert bot.api.messages[(preview.chat_id, preview.message_id)].buttons  # ✅ is still there
    assert _rows(bot, Customer) == []
    await bot.press(rep, "Import", preview)  # room again: the same ✅ imports, once
    assert "Import done: 3,000 new customers" in bot.sent(rep)[-2].text  # then the outcome CSV
    assert len(_rows(bot, Customer)) == 3000
    assert bot.api.messages[(preview.chat_id, preview.message_id)].buttons == []  # committed: its buttons go
