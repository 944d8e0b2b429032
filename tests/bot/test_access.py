"""The gate: strangers, group chats, roles, invites, and button keys that are forged, foreign,
replayed or expired."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.testing import Harness
from core.chat.messages import OutboxMessage
from core.models import ActionKey, AuditLog, Invite, Notification, StrangerRefusal, User
from core.team import onboarding, strangers


async def test_stranger_gets_one_polite_refusal_in_their_language_then_an_hour_of_silence(harness: Harness) -> None:
    """Issue 12 §13: one refusal, then nothing for an hour (whatever they send), then one again."""
    en = await harness.person(None, language="en")
    zh = await harness.person(None, language="zh-hans")
    for stranger in (en, zh):
        replies = await harness.send(stranger, "/help")
        assert len(replies) == 1
    assert "invite" in harness.last(en).text
    assert "邀请" in harness.last(zh).text
    for text in ("hello", "/settings", "/start", "/invite admin"):
        assert await harness.send(en, text) == [], text
    harness.clock.advance(strangers.SILENCE - timedelta(seconds=1))
    assert await harness.send(zh, "在吗") == []
    harness.clock.advance(timedelta(seconds=1))
    assert len(await harness.send(zh, "在吗")) == 1 and "邀请" in harness.last(zh).text
    assert len(await harness.send(en, "hello?")) == 1 and "invite" in harness.last(en).text
    assert await harness.send(en, "hello??") == []


async def test_a_strangers_silence_outlives_a_restart_and_is_purged_after_the_hour(harness: Harness) -> None:
    """The silence is a database row (every process and a restart agree); the hourly sweep drops
    it once the hour is over, and the stranger is then answered as before."""
    stranger = await harness.person(None, language="en")
    assert len(await harness.send(stranger, "hi")) == 1
    restarted = await Harness.start(harness.db, harness.clock, _env_file=None)
    try:
        assert await restarted.send(stranger, "hi again") == []
    finally:
        await restarted.stop()
    harness.clock.advance(strangers.SILENCE + timedelta(minutes=1))
    with harness.db.session() as session:
        assert strangers.purge(session, harness.clock.now()) == 1
        session.commit()
        assert session.exec(select(StrangerRefusal)).all() == []
    assert len(await harness.send(stranger, "hi")) == 1


async def test_a_silenced_strangers_button_stops_spinning_without_a_word(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    menu = harness.last_with_buttons(rep)
    stranger = await harness.person(None)
    await harness.send(stranger, "hi")
    answers = len(harness.api.callback_answers)
    await harness.press_data(stranger, menu, menu.buttons[0][1])
    assert len(harness.api.callback_answers) == answers + 1 and harness.last_answer() is None
    assert harness.api.messages[(menu.chat_id, menu.message_id)].history == []


async def test_an_invite_code_is_read_within_the_silence_and_uses_up_no_refusal(harness: Harness) -> None:
    with harness.db.session() as session:
        invite = onboarding.create_invite(
            session, role="rep", team=None, actor_id=None, now=harness.clock.now(), ttl=timedelta(days=7)
        )
    newcomer = await harness.person(None, language="en")
    await harness.send(newcomer, "hello")
    await harness.send(newcomer, "/start not-a-real-code")
    assert "not valid" in harness.last(newcomer).text  # a mistyped code is always answered
    await harness.send(newcomer, f"/start {invite.code}")
    assert "Welcome aboard" in harness.last(newcomer).text
    late = await harness.person(None, language="en")
    await harness.send(late, "/start not-a-real-code")
    assert len(await harness.send(late, "hello")) == 1  # the code took no refusal of theirs


async def test_stranger_button_press_is_refused_without_effect(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    menu = harness.last_with_buttons(rep)
    stranger = await harness.person(None)
    await harness.press_data(stranger, menu, menu.buttons[0][1])
    assert "invite" in (harness.last_answer() or "")
    assert harness.api.messages[(menu.chat_id, menu.message_id)].history == []


async def test_group_chat_is_refused(harness: Harness) -> None:
    rep = await harness.person("rep")
    group = {"id": -100123, "type": "supergroup", "title": "Sales"}
    replies = await harness.send(rep, "/help", chat=group)
    assert len(replies) == 1 and replies[0].chat_id == -100123
    assert "private chat" in replies[0].text


async def test_start_with_invite_onboards_once_and_tells_the_inviter(harness: Harness) -> None:
    manager = await harness.person("manager", name="Wang", team="East")
    with harness.db.session() as session:
        invite = onboarding.create_invite(
            session,
            role="rep",
            team="East",
            actor_id=manager.account.id,
            now=harness.clock.now(),
            ttl=timedelta(days=7),
        )
    newcomer = await harness.person(None, name="Li")
    await harness.send(newcomer, f"/start {invite.code}")
    assert "Welcome aboard" in harness.last(newcomer).text and "East" in harness.last(newcomer).text
    with harness.db.session() as session:
        user = session.exec(select(User).where(User.telegram_id == newcomer.chat_id)).one()
        assert (user.role, user.manager_id) == ("rep", manager.account.id)
        assert session.exec(select(AuditLog).where(AuditLog.action == "user.joined")).first() is not None
    # The notice to the inviter goes through the outbox and the sender sweep.
    assert harness.sent(manager) == []
    await harness.advance_to(harness.clock.now() + timedelta(minutes=1))
    assert "Li" in harness.last(manager).text and "joined" in harness.last(manager).text
    # Now a member: the gate lets them in.
    await harness.send(newcomer, "/help")
    assert "help" in harness.last(newcomer).text


async def test_used_expired_and_unknown_invites_are_refused(harness: Harness) -> None:
    with harness.db.session() as session:
        used = onboarding.create_invite(
            session, role="rep", team=None, actor_id=None, now=harness.clock.now(), ttl=timedelta(days=7)
        )
        expired = onboarding.create_invite(
            session,
            role="rep",
            team=None,
            actor_id=None,
            now=harness.clock.now() - timedelta(days=8),
            ttl=timedelta(days=7),
        )
    first, second, third = [await harness.person(None) for _ in range(3)]
    await harness.send(first, f"/start {used.code}")
    await harness.send(second, f"/start {used.code}")
    assert "already been used" in harness.last(second).text
    await harness.send(third, f"/start {expired.code}")
    assert "expired" in harness.last(third).text
    await harness.send(third, "/start not-a-real-code")
    assert "not valid" in harness.last(third).text
    with harness.db.session() as session:
        members = session.exec(select(User).where(User.telegram_id.in_([second.chat_id, third.chat_id]))).all()
        assert members == []


async def test_guessing_invite_codes_is_rate_limited(harness: Harness) -> None:
    """Five wrong codes within an hour, then even a valid code is refused unchecked (zh and en);
    an hour later the valid code works. Other people are not affected."""
    with harness.db.session() as session:
        good = onboarding.create_invite(
            session, role="rep", team=None, actor_id=None, now=harness.clock.now(), ttl=timedelta(days=7)
        )
    guesser = await harness.person(None, language="zh")
    for n in range(onboarding.MAX_FAILED_CODES):
        await harness.send(guesser, f"/start guess{n:04d}")
        assert "无效" in harness.last(guesser).text
    await harness.send(guesser, f"/start {good.code}")
    assert "错误次数过多" in harness.last(guesser).text
    other = await harness.person(None, language="en")
    for n in range(onboarding.MAX_FAILED_CODES):
        await harness.send(other, f"/start other{n:04d}")
    await harness.send(other, "/start another")
    assert "Too many wrong invite codes" in harness.last(other).text
    assert await harness.send(other, "/start another-one") == []  # said once an hour, not to every try
    with harness.db.session() as session:
        assert session.exec(select(User).where(User.telegram_id == guesser.chat_id)).first() is None
        assert session.exec(select(Invite).where(Invite.id == good.id)).one().used_by_id is None
    harness.clock.advance(onboarding.FAILED_CODE_WINDOW + timedelta(minutes=1))
    await harness.send(guesser, f"/start {good.code}")
    with harness.db.session() as session:
        assert session.exec(select(User).where(User.telegram_id == guesser.chat_id)).one().role == "rep"


async def test_rep_cannot_invite_manager_invites_reps_only_admin_any_role(harness: Harness) -> None:
    rep = await harness.person("rep", team="East")
    manager = await harness.person("manager", team="East")
    admin = await harness.person("admin")
    await harness.send(rep, "/invite rep")
    assert "managers and administrators only" in harness.last(rep).text
    await harness.send(manager, "/invite admin")
    assert "/invite rep" in harness.last(manager).text
    await harness.send(manager, "/invite rep")
    assert "https://t.me/" in harness.last(manager).text and "East" in harness.last(manager).text
    await harness.send(admin, "/invite manager West")
    assert "West" in harness.last(admin).text
    with harness.db.session() as session:
        roles = sorted(i.role for i in session.exec(select(Invite)).all())
    assert roles == ["manager", "rep"]


async def test_forged_key_answers_invalid(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    menu = harness.last_with_buttons(rep)
    await harness.press_data(rep, menu, "forged-key-1234")
    assert "no longer valid" in (harness.last_answer() or "")
    await harness.press_data(rep, menu, "x" * 64)
    assert "no longer valid" in (harness.last_answer() or "")
    assert harness.api.messages[(menu.chat_id, menu.message_id)].history == []


async def test_someone_elses_button_is_refused(harness: Harness) -> None:
    owner = await harness.person("manager", team="East")
    other = await harness.person("admin")
    await harness.send(owner, "/invite rep")
    card = harness.last_with_buttons(owner)
    await harness.press_data(other, card, card.buttons[0][1])
    assert "belongs to someone else" in (harness.last_answer() or "")
    with harness.db.session() as session:
        invite = session.exec(select(Invite)).one()
        assert invite.expires_at > harness.clock.now()  # not revoked


async def test_replayed_single_use_key_does_nothing_twice(harness: Harness) -> None:
    manager = await harness.person("manager", team="East")
    await harness.send(manager, "/invite rep")
    card = harness.last_with_buttons(manager)
    data = card.buttons[0][1]
    await harness.press_data(manager, card, data)
    assert "revoked" in harness.last(manager).text
    audits_after_first = _count_audits("invite.revoke", harness)
    await harness.press_data(manager, card, data)
    assert harness.last_answer() == "Already done ✓"
    assert _count_audits("invite.revoke", harness) == audits_after_first == 1


async def test_expired_key_is_refused(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    menu = harness.last_with_buttons(rep)
    harness.clock.advance(timedelta(days=3))
    await harness.press_data(rep, menu, menu.buttons[0][1])
    assert "expired" in (harness.last_answer() or "")
    with harness.db.session() as session:
        assert session.get(ActionKey, menu.buttons[0][1]) is not None


async def test_blocked_user_is_reachable_again_after_writing(harness: Harness) -> None:
    rep = await harness.person("rep")
    with harness.db.session() as session:
        user = session.get(User, rep.account.id)
        user.blocked_at = harness.clock.now()
        session.add(user)
    await harness.send(rep, "/help")
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).blocked_at is None


def _count_audits(action: str, harness: Harness) -> int:
    with harness.db.session() as session:
        return len(session.exec(select(AuditLog).where(AuditLog.action == action)).all())


async def test_notification_to_blocked_user_waits(harness: Harness) -> None:
    """A 403 marks the user blocked; the row stays pending and is sent after they write again."""
    from bot.local_api import Fault
    from core.chat import outbox

    rep = await harness.person("rep")
    with harness.db.session() as session:
        outbox.enqueue(
            session,
            recipient_id=rep.account.id,
            kind="test",
            dedupe_key="t:1",
            message=OutboxMessage("reminders/fallback", {"kind": "test"}),
            now=harness.clock.now(),
        )
    harness.api.faults.append(Fault("sendMessage", 403, "Forbidden: bot was blocked by the user"))
    await harness.advance_to(harness.clock.now() + timedelta(minutes=1))
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).blocked_at is not None
        assert session.exec(select(Notification)).one().status == "pending"
    await harness.send(rep, "/help")
    await harness.advance_to(harness.clock.now() + timedelta(minutes=1))
    with harness.db.session() as session:
        row = session.exec(select(Notification)).one()
        assert row.status == "sent" and row.sent_message_id is not None
