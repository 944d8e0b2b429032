"""Issue 7 §6: HTML typed into any stored field renders escaped everywhere it is shown.

A rep whose display name is markup creates one customer through the guided /new and imports
another from a CSV, then fills every free-text field with markup — contact name and title,
company, an interaction's summary, feedback, a follow-up — and the manager (also named in
markup) pins a tier with a markup reason. Every view shows them: /today, the card, /find, /tier,
history, /summary, /team and a rep's book, the morning digest, the export. Every message the bot
sent must be valid Telegram HTML (only Telegram's tags, balanced, every & < > escaped), carry the
escaped text and never a raw `<script>`; the export's cells hold the literal text.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from bot.local_api import Sent
from bot.testing import Harness
from core.models import Contact, Customer, Feedback, FollowUp, Interaction, TierOverride, User
from core.names import book
from tests.conftest import TEST_START
from tests.security.checks import Mark, assert_no_error_logged, file_texts
from tests.security.test_buttons_by_role import press_action

MARK = "<b>x</b> & <script>"
ALPHA = f"{MARK}Alpha"  # through /new
BETA = "<i>Beta</i> & <script>Beta"  # through the import
FIELDS = {
    "customer name (/new)": ALPHA,
    "customer name (import)": BETA,
    "company (import)": "<u>Co</u> & <script>Imported",
    "company (edit)": "<s>Edited</s> & <script>Company",
    "contact name": "<u>Ann & <script>Contact",  # no "/": the contact step splits "name / phone" there
    "contact title": "<i>CEO</i> & <script>Title",
    "interaction summary": "<b>met</b> & <script>Summary",
    "feedback text": "<i>late</i> & <script>Feedback",
    "follow-up text": "<b>quote</b> & <script>",  # the date parser drops a trailing "Followup"
    "override reason": "<b>deal</b> & <script>Reason",
    "rep display name": "<b>Rep</b> & <script>Li",
    "manager display name": "<i>Boss</i> & <script>Wang",
}
TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
}
STRAY_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode: its tags only, balanced; stray < > & are errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append(f"raw < or > in {data[:60]!r}")
        if STRAY_AMPERSAND.search(data):
            self.problems.append(f"raw & in {data[:60]!r}")

    def check(self, text: str) -> list[str]:
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"unclosed {self.open}")
        return self.problems


def test_the_checker_finds_what_telegram_refuses() -> None:
    assert TelegramHTML().check("<b>ok</b> &amp; &lt;fine&gt;") == []
    assert TelegramHTML().check("<script>x</script>") != []
    assert TelegramHTML().check("a & b") != [] and TelegramHTML().check("<b>x") != []


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def test_markup_in_every_stored_field_is_shown_escaped(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    manager = await harness.person("manager", name=FIELDS["manager display name"], language="en", team="East")
    rep = await harness.person("rep", name=FIELDS["rep display name"], language="en", team="East")
    with harness.db.session() as session:
        session.get(User, rep.account.id).manager_id = manager.account.id

    # a customer through the guided /new, with a contact
    await harness.send(rep, "/new")
    await harness.send(rep, ALPHA)
    await harness.press(rep, "Active")
    await harness.send(rep, f"{FIELDS['contact name']} | 13800000000")
    # one through the import (company, contact and title too)
    csv = (
        "Account Name,Company,Contact Name,Title,Stage\n"
        f'"{BETA}","{FIELDS["company (import)"]}","{FIELDS["contact name"]}","{FIELDS["contact title"]}",Active\n'
    )
    await harness.upload(rep, "book.csv", csv.encode())
    await press_action(harness, rep, "import.confirm")
    alpha, beta = _customer(harness, ALPHA), _customer(harness, BETA)
    assert (beta.company, _contact(harness, beta.id).title) == (FIELDS["company (import)"], FIELDS["contact title"])

    # every free-text field of Alpha, from its card
    await _card(harness, rep, "Alpha")
    await press_action(harness, rep, "customer.edit")
    await harness.press(rep, "Company")
    await harness.send(rep, FIELDS["company (edit)"])
    await _card(harness, rep, "Alpha")
    await press_action(harness, rep, "customer.log")
    await harness.send(rep, FIELDS["interaction summary"])
    await press_action(harness, rep, "log.save")
    await _card(harness, rep, "Alpha")
    await press_action(harness, rep, "feedback.start")
    await harness.press(rep, "Complaint")
    await harness.send(rep, FIELDS["feedback text"])
    await _card(harness, rep, "Alpha")
    await press_action(harness, rep, "followup.start")
    await harness.send(rep, f"today 18:00 {FIELDS['follow-up text']}")
    # the manager pins a tier from the card, with a reason in markup
    await _card(harness, manager, "Alpha")
    await press_action(harness, manager, "override.start")
    await press_action(harness, manager, "override.pick_model")
    await press_action(harness, manager, "override.pick_tier")
    await harness.send(manager, FIELDS["override reason"])
    _stored_as_typed(harness, alpha.id)

    # every view, and what each must show (escaped)
    views = {}

    async def view(name: str, *steps) -> None:  # type: ignore[no-untyped-def]
        mark = Mark(harness)
        for step in steps:
            await step
        views[name] = "\n".join(mark.texts(rep) + mark.texts(manager))

    await view("today", harness.send(rep, "/today"))
    await view("card", _card(harness, rep, "Alpha"))
    await view("history", press_action(harness, rep, "customer.history"))
    await _card(harness, rep, "Alpha")
    await view("why", press_action(harness, rep, "customer.why"))
    await view("imported card", _card(harness, rep, "Beta"))
    await view("tier", harness.send(rep, "/tier Beta"))
    await view("feedback", harness.send(rep, "/feedback"))
    await view("summary", harness.send(manager, "/summary"))
    await view("team", harness.send(manager, "/team"))
    await view("member", harness.press(manager, "script>Li"))  # button labels are plain text
    await view("book", press_action(harness, manager, "team.book"))
    await view("overrides", harness.send(manager, "/override"))
    await view("digest", harness.advance_to(TEST_START + timedelta(days=1, minutes=2)))  # Wednesday 09:00
    await view("export", harness.send(rep, "/export"), harness.send(manager, "/export"))
    expected = {
        "today": ("customer name (/new)", "follow-up text", "feedback text"),
        "card": ("customer name (/new)", "company (edit)", "contact name", "override reason"),
        "history": ("interaction summary",),
        "why": ("customer name (/new)",),
        "imported card": ("customer name (import)", "company (import)", "contact name", "contact title"),
        "tier": ("customer name (import)",),
        "feedback": ("feedback text",),
        "summary": ("customer name (/new)",),
        "team": ("rep display name",),
        "member": ("rep display name",),
        "book": ("customer name (/new)", "customer name (import)"),
        "overrides": ("customer name (/new)", "override reason", "manager display name"),
        "digest": ("customer name (/new)", "follow-up text"),
    }
    for name, fields in expected.items():
        for field in fields:
            assert escaped(FIELDS[field]) in views[name], f"{name}: {field} not shown escaped in {views[name][:500]!r}"

    messages = [m for m in harness.api.messages.values()]
    _all_valid_html(messages)
    shown = "\n".join(version for m in messages for version in (m.text, *m.history))
    for field, value in FIELDS.items():
        assert escaped(value) in shown, f"{field} never shown escaped"
    cells = "\n".join(t for m in messages for t in file_texts(m))
    for field in (
        "customer name (/new)",
        "customer name (import)",
        "company (edit)",
        "contact name",
        "interaction summary",
        "feedback text",
    ):
        assert FIELDS[field] in cells, f"the export lacks the literal {field}"
    assert_no_error_logged(caplog, "markup in fields")


def _all_valid_html(messages: list[Sent]) -> None:
    for message in messages:
        for version in (message.text, *message.history):
            assert "<script>" not in version, f"raw <script> in {version[:200]!r}"
            if message.parse_mode == "HTML":
                assert TelegramHTML().check(version) == [], f"{TelegramHTML().check(version)} in {version[:300]!r}"
            else:
                assert "&lt;" not in version and "&amp;" not in version, (
                    f"escaped text sent as plain: {version[:200]!r}"
                )


async def _card(harness: Harness, person, name: str) -> None:  # type: ignore[no-untyped-def]
    await harness.send(person, f"/find {name}")
    await press_action(harness, person, "customer.card")


def _customer(harness: Harness, name: str) -> Customer:
    with harness.db.session() as session:
        return session.exec(select(Customer).where(Customer.name == name)).one()


def _contact(harness: Harness, customer_id: int) -> Contact:
    with harness.db.session() as session:
        return session.exec(select(Contact).where(Contact.customer_id == customer_id)).one()


def _stored_as_typed(harness: Harness, customer_id: int) -> None:
    """The database keeps the literal text (escaping is the renderer's job, at display time)."""
    with harness.db.session() as session:
        assert session.get(Customer, customer_id).company == FIELDS["company (edit)"]
        assert (
            session.exec(select(Contact).where(Contact.customer_id == customer_id)).one().name == FIELDS["contact name"]
        )
        summaries = [i.summary for i in session.exec(select(Interaction).where(Interaction.customer_id == customer_id))]
        assert any(FIELDS["interaction summary"] in s for s in summaries), summaries
        feedback = [f.text for f in session.exec(select(Feedback).where(Feedback.customer_id == customer_id))]
        assert any(FIELDS["feedback text"] in f for f in feedback), feedback
        follow_ups = [f.text for f in session.exec(select(FollowUp).where(FollowUp.customer_id == customer_id))]
        assert any(FIELDS["follow-up text"] in f for f in follow_ups), follow_ups
        reasons = [o.reason for o in session.exec(select(TierOverride).where(TierOverride.customer_id == customer_id))]
        assert reasons == [FIELDS["override reason"]]
