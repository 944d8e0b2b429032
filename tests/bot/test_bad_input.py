"""Bad input gets a short helpful answer, never a traceback, and the bot keeps running."""

from __future__ import annotations

from bot.render import split_message
from bot.testing import Harness


async def test_unknown_command(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/frobnicate now")
    assert "/frobnicate" in harness.last(rep).text and "/help" in harness.last(rep).text


async def test_long_emoji_and_rtl_messages(harness: Harness) -> None:
    rep = await harness.person("rep", language="zh")
    for text in ("字" * 5000, "🙂🎉👍" * 100, "مرحبا بالعالم שלום", "'; DROP TABLE customer; --", "<b>x</b>&"):
        replies = await harness.send(rep, text)
        assert len(replies) == 1 and 0 < len(replies[0].text) <= 4096
    await harness.send(rep, "/help")
    assert "使用帮助" in harness.last(rep).text


async def test_stickers_voice_and_files_get_a_hint(harness: Harness) -> None:
    rep = await harness.person("rep")
    update = harness.api.message(
        rep.telegram,
        None,
        sticker={
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    await harness.feed(update)
    assert "I read text messages" in harness.last(rep).text
    await harness.upload(rep, "book.xlsx", b"PK\x03\x04 not really")  # documents are imports (issue 6)
    assert "This XLSX file cannot be read" in harness.last(rep).text


async def test_user_name_with_html_is_escaped(harness: Harness) -> None:
    rep = await harness.person("rep", name="<b>Acme & Co</b>")
    await harness.send(rep, "/start")
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in harness.last(rep).text


async def test_failing_handler_answers_plainly_and_the_bot_keeps_running(harness: Harness, monkeypatch) -> None:
    from bot.handlers import settings as settings_handlers

    rep = await harness.person("rep")

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setitem(settings_handlers._SETTERS, "digest", broken)
    await harness.send(rep, "/settings")
    await harness.press(rep, "Digest time")
    await harness.press(rep, "08:00")
    assert "something went wrong" in (harness.last_answer() or "").lower()
    monkeypatch.undo()
    await harness.send(rep, "/help")
    assert "help" in harness.last(rep).text


def test_split_message_respects_the_limit_and_tags() -> None:
    line = "<b>客户</b> " + "x" * 50
    text = "\n".join([line] * 300)
    parts = split_message(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    long_line = ("<b>bold</b> &amp; " * 600).strip()
    parts = split_message(long_line)
    assert all(len(p) <= 4096 for p in parts)
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
        assert not part.endswith("&") and "&am" not in part.replace("&amp;", "")


# --- control characters (issue 12 §8): stripped at the gate and in every imported cell -------------------


async def test_control_characters_in_a_log_and_in_new_are_stripped_at_the_gate(harness: Harness) -> None:
    from sqlmodel import select

    from core.models import Contact, Customer, Interaction
    from core.names import book

    rep = await harness.person("rep", name="Emma", language="en", team="East")
    with harness.db.session() as session:
        session.add(Customer(name="Acme", owner_id=rep.account.id, stage="active", added_at=harness.clock.now()))
    book.invalidate()
    try:
        await harness.send(rep, "Called Ac\x00me\x01, they want\x7f a quote\x1b\tfor 200 units")
        card = harness.last(rep)
        assert "Acme" in card.text and card.buttons
        await harness.press(rep, 0, card)  # ✅ (on PostgreSQL a NUL failed here)
        assert "<b>Logged</b>: Acme" in harness.last(rep).text
        with harness.db.session() as session:
            [saved] = session.exec(select(Interaction)).all()
        assert saved.summary == "Called Acme, they want a quote\tfor 200 units"
        await harness.send(rep, "/new Um\x00brella / Al\x00ice / +1 555 0100")
        with harness.db.session() as session:
            created = session.exec(select(Customer).where(Customer.name == "Umbrella")).one()
            contact = session.exec(select(Contact).where(Contact.customer_id == created.id)).one()
        assert contact.name == "Alice"
        # the command's entity shrinks with its text: "/fi\x00nd Acme" is /find Acme, not an unknown command
        [clean] = await harness.send(rep, "/find Acme")
        [stripped] = await harness.send(rep, "/fi\x00nd Acme")
        assert stripped.text == clean.text and "Acme" in clean.text
        # a forged button whose data carries a NUL is an unknown button, not a database error
        await harness.press_data(rep, card, "abc\x00def")
        assert "something went wrong" not in (harness.last_answer() or "").lower()
    finally:
        book.invalidate()


async def test_an_import_with_a_nul_after_the_first_64_kb_imports_clean(harness: Harness) -> None:
    from sqlmodel import select

    from core.models import Customer
    from core.names import book

    rep = await harness.person("rep", name="Emma", language="en", team="East")
    content = (
        "Account Name,Industry\n" + "".join(f"Customer {n},Tools\n" for n in range(4000)) + "Glo\x00bex,Too\x00ls\n"
    ).encode()
    assert content.index(b"\x00") > 65_536
    try:
        [preview] = await harness.upload(rep, "accounts.csv", content)
        assert "4,001 ready" in preview.text
        await harness.press(rep, "Import", preview)
        assert "Import done: 4,001 new customers" in harness.sent(rep)[-2].text  # then the outcome CSV
        with harness.db.session() as session:
            globex = session.exec(select(Customer).where(Customer.name == "Globex")).one()
        assert globex.industry == "Tools"
    finally:
        book.invalidate()


async def test_a_lone_dash_or_dot_is_not_logged(harness: Harness) -> None:
    rep = await harness.person("rep")
    for text in ("-", ".", " … ", "。"):
        [answer] = await harness.send(rep, text)
        assert not answer.buttons and "Save" not in answer.text  # a hint, not a log card
