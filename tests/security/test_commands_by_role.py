"""Issue 7 §6: every command for every role — a stranger, a rep, a rep of another team, a manager,
a manager of another team, an admin — is allowed or refused as designed. A refusal is one polite
message in the person's language; an allowed command answers with something other than the
error template; no handler fails; nobody reads a name outside what they may see, even when they
type it (a prefix of another team's customer).

The commands come from the handlers `bot/handlers/__init__.py` registers, so a new command
without a row in TABLE fails `test_every_registered_command_has_a_row`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import select
from telegram.ext import ApplicationBuilder, CommandHandler

from bot.handlers import register
from bot.testing import Harness
from core.chat import flows
from core.models import StrangerRefusal, User
from core.team import onboarding
from tests.security.checks import Mark, assert_no_error_answer, assert_no_error_logged, assert_no_leak, refusal_text
from tests.security.world import ROLES, World, build, hidden_from

KNOWN = frozenset(ROLES) - {"stranger"}
MANAGERS = frozenset({"manager", "other_manager", "admin"})


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    invocations: tuple[str, ...]  # {own}: a prefix of a customer the role sees; {foreign}: of one it does not
    finds_own: bool = False  # the answer names the role's own customer in full


TABLE: dict[str, Row] = {
    "start": Row(KNOWN, ("/start",)),  # a stranger's `/start <code>`: below
    "help": Row(KNOWN, ("/help",)),
    "settings": Row(KNOWN, ("/settings",)),
    "invite": Row(MANAGERS, ("/invite rep",)),
    "cancel": Row(KNOWN, ("/cancel",)),
    "new": Row(KNOWN, ("/new Zenith {role}", "/new")),
    "find": Row(KNOWN, ("/find {own}", "/find {foreign}"), finds_own=True),
    "tier": Row(KNOWN, ("/tier {own}", "/tier {foreign}"), finds_own=True),
    "today": Row(KNOWN, ("/today",)),
    "remind": Row(KNOWN, ("/remind {own} Friday send the quote", "/remind {foreign} Friday send the quote")),
    "feedback": Row(KNOWN, ("/feedback", "/feedback {own}", "/feedback {foreign}")),
    "undo": Row(KNOWN, ("/undo",)),
    "away": Row(KNOWN, ("/away until 2026-12-10", "/away off")),
    "team": Row(
        MANAGERS,
        (
            "/team",
            "/team archive {foreign}",
            "/team merge {own} | {foreign}",
            "/team archived",
            "/team West",
            "/team am",
        ),
    ),
    "import": Row(KNOWN, ("/import",)),
    "export": Row(KNOWN, ("/export",)),
    "summary": Row(MANAGERS, ("/summary", "/summary team West", "/summary @Zoe")),
    "override": Row(MANAGERS, ("/override", "/override {foreign} VIP strategic partner", "/override {foreign} off")),
    "policy": Row(MANAGERS, ("/policy",)),
}

# The prefix of a customer each role sees, and of those it does not (an admin sees all).
OWN = {
    "stranger": "Aurora",
    "rep": "Aurora",
    "other_rep": "Cobalt",
    "manager": "Borealis",
    "other_manager": "Cobalt",
    "admin": "Cobalt",
}
FOREIGN = {
    "stranger": ("Cobalt",),
    "rep": ("Cobalt", "Borealis"),
    "other_rep": ("Aurora",),
    "manager": ("Cobalt", "Echo"),
    "other_manager": ("Aurora", "Borealis"),
    "admin": (),
}
FULL = {"Aurora": "Aurora Foods", "Borealis": "Borealis Trading", "Cobalt": "Cobalt Mining"}


def registered_commands() -> list[str]:
    app = ApplicationBuilder().token("1:offline").updater(None).build()
    register(app)
    return sorted(
        command
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    )


def test_every_registered_command_has_a_row() -> None:
    assert registered_commands() == sorted(TABLE), "a command without a row in the security table (or a stale row)"


def _expand(text: str, role: str) -> list[str]:
    if "{foreign}" in text:
        return [text.format(role=role, own=OWN[role], foreign=f) for f in FOREIGN[role]]
    return [text.format(role=role, own=OWN[role])]


@pytest.mark.parametrize("command", sorted(TABLE))
async def test_command_for_every_role(harness: Harness, caplog: pytest.LogCaptureFixture, command: str) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    row = TABLE[command]
    for role in ROLES:
        person = world.person(role)
        for text in [t for invocation in row.invocations for t in _expand(invocation, role)]:
            what = f"{text!r} as {role}"
            mark = Mark(harness)
            await harness.send(person, text)
            replies = mark.sent(person)
            assert replies, f"{what}: no answer"
            texts = mark.texts(person)
            assert_no_error_answer(harness, texts, what)
            assert_no_leak(texts, hidden_from(role), what)
            _assert_allowed_or_refused(harness, world, role, row, texts, what)
            if row.finds_own and "{own}" in text and role in row.allowed:
                assert any(FULL[OWN[role]] in t for t in texts), f"{what}: the own customer is not found"
            _clear_flow(world, role)
    if command == "start":
        await _stranger_redeems_an_invite(harness, world)
    assert_no_error_logged(caplog, f"/{command}")


def _assert_allowed_or_refused(
    harness: Harness, world: World, role: str, row: Row, texts: list[str], what: str
) -> None:
    person = world.person(role)
    refusal = (
        refusal_text(harness, person, "access/unknown_user")
        if role == "stranger"
        else refusal_text(harness, person, "common/not_allowed", need="manager")
    )
    if role in row.allowed:
        assert not any(refusal in t for t in texts), f"{what}: refused, but the role may use it"
    else:
        assert texts and all(t.strip() == refusal for t in texts), f"{what}: not refused politely: {texts}"


def _clear_flow(world: World, role: str) -> None:
    """Between two messages of the matrix: no pending flow, and a stranger's hour of silence
    over (each message is asked as if it were their first)."""
    account = world.person(role).account
    with world.harness.db.session() as session:
        if account is not None:
            flows.clear(session, account.id)
        else:
            session.execute(delete(StrangerRefusal))
            session.commit()


async def _stranger_redeems_an_invite(harness: Harness, world: World) -> None:
    """The one thing a stranger may do: `/start <code>`."""
    with harness.db.session() as session:
        invite = onboarding.create_invite(
            session,
            role="rep",
            team="East",
            actor_id=world.account("manager").id,
            now=harness.clock.now(),
            ttl=timedelta(days=7),
        )
    stranger = world.person("stranger")
    mark = Mark(harness)
    await harness.send(stranger, f"/start {invite.code}")
    texts = mark.texts(stranger)
    assert texts and "Welcome" in texts[0]
    assert_no_leak(texts, hidden_from("stranger"), "/start CODE")
    with harness.db.session() as session:
        assert session.exec(select(User).where(User.telegram_id == stranger.chat_id)).one().role == "rep"


# --- bare and garbage -------------------------------------------------------------------------------
# Issue 12 §10: every command sent bare and with garbage, by every role, gets its usage or a clear
# answer in the person's language — never silence, the error template, or another language's words.

GARBAGE = ("💥💥", "xyz", "tomorrow", "99999 @nobody", "a\x00b\x07c\x1b[31m", "<b>&amp;</b> %s {0} {{x}}", "长" * 3900)
# What a command reads in its arguments, spelled wrong: a subcommand without its operands, a date
# that is not one, a person or team nobody has.
SPECIFIC: dict[str, tuple[str, ...]] = {
    "start": ("/start 💥", "/start x y z"),
    "invite": ("/invite 💥", "/invite admin", "/invite rep Nowhere", "/invite manager"),
    "new": ("/new 💥", "/new 📞 13800138000"),
    "find": ("/find 💥", "/find %"),
    "tier": ("/tier 💥", "/tier %"),
    "remind": ("/remind {own}", "/remind tomorrow", "/remind {own} 2099-99-99 x"),
    "feedback": ("/feedback 💥 complaint",),
    "away": (
        "/away tomorrow",
        "/away until 2026-12-10 @Zoe Quinn",
        "/away until 2026-12-10 @nobody",
        "/away until 2020-01-01",
        "/away until",
        "/away 2026-13-45",
        "/away until 2026-12-10 @Wang Fang",
    ),
    "team": (
        "/team reassign 99999 @nobody",
        "/team reassign",
        "/team merge |",
        "/team merge",
        "/team archive",
        "/team am 💥",
        "/team @nobody",
        "/team unarchive 💥",
        "/team role @nobody admin",
        "/team deactivate",
        "/team archived 💥",
    ),
    "summary": ("/summary xyz", "/summary team Nowhere", "/summary @nobody", "/summary team", "/summary 99999"),
    "override": (
        "/override {own} 💥",
        "/override 💥 VIP",
        "/override {own}",
        "/override {own} VIP",
        "/override {own} off",
    ),
    "policy": ("/policy 💥", "/policy apply 99999", "/policy show"),
    "import": ("/import 💥",),
    "export": ("/export 💥",),
}
ZH_ROLES = frozenset({"rep", "other_manager"})
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")


def garbage_invocations(command: str) -> list[str]:
    return [f"/{command}", *(f"/{command} {g}" for g in GARBAGE), *SPECIFIC.get(command, ())]


@pytest.mark.parametrize("command", sorted(TABLE))
async def test_bare_and_garbage_for_every_role(
    harness: Harness, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    row = TABLE[command]
    problems = []
    for role in ROLES:
        person = world.person(role)
        for invocation in garbage_invocations(command):
            text = invocation.replace("{own}", OWN[role])
            what = f"{text[:60]!r} as {role}"
            mark = Mark(harness)
            caplog.clear()
            try:
                await harness.send(person, text)
                texts = mark.texts(person)
                assert texts, f"{what}: no answer"
                assert_no_error_answer(harness, texts, what)
                assert_no_leak(texts, hidden_from(role), what)
                if not (role == "stranger" and _is_start_with_code(text)):  # answered by /start itself
                    _assert_allowed_or_refused(harness, world, role, row, texts, what)
                _assert_language(role, text, texts, what)
                assert_no_error_logged(caplog, what)
            except AssertionError as exc:
                problems.append(str(exc).splitlines()[0][:400])
            _clear_flow(world, role)
    assert not problems, "\n".join(problems)


def _assert_language(role: str, sent: str, texts: list[str], what: str) -> None:
    """A zh person reads Chinese (beyond what they typed) in every message; an en person's
    message is mostly Latin letters (an English answer may quote a Chinese header or example)."""
    for text in (t for t in texts if t.strip()):  # a chart without caption has no words
        chinese = [c for c in CJK.findall(text) if c not in sent]
        if role in ZH_ROLES:
            assert chinese, f"{what}: not in Chinese: {text[:200]!r}"
        else:
            assert len(chinese) < len(LATIN.findall(text)), f"{what}: Chinese in an English answer: {text[:200]!r}"


def _is_start_with_code(text: str) -> bool:
    parts = text.split()
    return len(parts) == 2 and parts[0] == "/start"
