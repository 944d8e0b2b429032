"""/policy and policy uploads through the harness: the readable summary (zh/en), Download TOML,
upload → preview (hand-checked counts) → Apply / Cancel, versions and Restore, bad files
(syntax, schema with key paths, not text, oversized), rights, the operator's pinned file, and a
second process picking up the new version within its refresh interval."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import services_for
from bot.testing import Harness, Person
from core.models import AuditLog, Notification, PolicyVersion
from core.names import book
from core.policies import default_policy_text, example_policy_text
from core.tier_records import policy_store
from core.tiering import parse_policy
from tests.core.test_policy_versions import LOWER_THRESHOLDS, small_book, value_tiers

DEFAULT = parse_policy(default_policy_text())
LOWER = parse_policy(LOWER_THRESHOLDS)


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def _team(harness: Harness, language: str = "en") -> tuple[Person, Person]:
    manager = await harness.person("manager", name="王芳", language=language, team="East")
    rep = await harness.person("rep", name="李伟", language=language, team="East")
    small_book(harness.db, owner_id=rep.account.id, now=harness.clock.now())
    return manager, rep


def _getfile_calls(harness: Harness) -> int:
    return sum(1 for method, _ in harness.api.calls if method.lower() == "getfile")


def _versions(harness: Harness) -> list[PolicyVersion]:
    with harness.db.session() as session:
        return list(session.exec(select(PolicyVersion).order_by(PolicyVersion.id)).all())


async def test_policy_is_shown_readably_in_both_languages(harness: Harness) -> None:
    manager, _ = await _team(harness)
    [shown] = await harness.send(manager, "/policy")
    assert "Default tier policy" in shown.text and "shipped default" in shown.text
    assert "<b>VIP</b> ≥ 75 · contact every 7–14 d · visit every 30–45 d · greetings 7 d ahead" in shown.text
    assert "Contribution 40 · Potential 25" in shown.text and "70% of time" in shown.text
    assert "quarterly on day 1" in shown.text and "[value]" not in shown.text  # a summary, not the TOML
    assert [label for label, _ in shown.buttons] == ["⬇ Download TOML", "🗂 Versions"]
    zh = await harness.person("manager", name="赵强", language="zh", team="East")
    [shown_zh] = await harness.send(zh, "/policy")
    assert "默认分档规则" in shown_zh.text and "<b>VIP客户</b> ≥ 75 · 每 7–14 天联系 · 每 30–45 天拜访" in shown_zh.text
    assert "系统自带的默认规则" in shown_zh.text and "下载 TOML" in shown_zh.buttons[0][0]
    await harness.press(manager, "Download TOML", shown)
    document = harness.last(manager)
    assert document.kind == "document" and document.file_name == f"tier-policy-{DEFAULT.version}.toml"
    assert document.file_bytes == default_policy_text().encode("utf-8")


async def test_upload_preview_apply_then_versions_and_restore(harness: Harness) -> None:
    manager, rep = await _team(harness)
    sent = await harness.upload(manager, "lower.toml", LOWER_THRESHOLDS.encode("utf-8"))
    preview = harness.last_with_buttons(manager)
    assert preview.history and "Working out" in preview.history[0]  # one message, edited into the preview
    text = preview.text
    assert f"version <code>{LOWER.version}</code>" in text and "3 of 5 customers would change tier" in text
    # hand-checked in tests/core/test_policy_versions.py: 2 move Regular → Key, 1 Key → VIP
    assert "<b>Value tier</b>\n• Regular → Key: 2\n• Key → VIP: 1" in text
    assert [label for label, _ in preview.buttons] == ["✅ Apply", "✖ Cancel"]
    [draft] = _versions(harness)
    assert draft.activated_at is None and draft.note == "lower.toml" and len(sent) >= 1
    apply_key = preview.buttons[0][1]
    await harness.press(manager, "Apply")
    assert "is in force" in harness.last(manager).text and "3 customers changed tier" in harness.last(manager).text
    assert value_tiers(harness.db) == {
        "Orion": "vip",
        "Vega": "key",
        "Lyra": "regular",
        "Draco": "regular",
        "Cygnus": "key",
    }
    assert _versions(harness)[0].activated_at == harness.clock.now()
    assert harness.services.policy.version == LOWER.version  # this process at once
    with harness.db.session() as session:
        assert (
            session.exec(select(AuditLog).where(AuditLog.action == "policy.apply")).one().actor_id == manager.account.id
        )
        assert session.exec(select(Notification)).one().recipient_id == rep.account.id
    await harness.press_data(manager, preview, apply_key)  # the same ✅ again
    assert harness.last_answer() == "Already done ✓" and len(_versions(harness)) == 1

    [shown] = await harness.send(manager, "/policy")
    assert "Uploaded version #1 (lower.toml) by 王芳" in shown.text and "<b>VIP</b> ≥ 45" in shown.text
    await harness.press(manager, "Versions", shown)
    listing = harness.last(manager)
    assert f"▶ #1 <code>{LOWER.version}</code>" in listing.text and "(in force)" in listing.text
    assert [label for label, _ in listing.buttons] == ["↩ Restore the shipped default"]
    await harness.press(manager, "Restore the shipped default", listing)
    restore = harness.last_with_buttons(manager)
    assert "shipped default" in restore.text and "<b>Value tier</b>\n• Key → Regular: 2\n• VIP → Key: 1" in restore.text
    harness.clock.advance(timedelta(minutes=1))
    await harness.press(manager, "Apply", restore)
    assert harness.services.policy.version == DEFAULT.version
    assert value_tiers(harness.db)["Orion"] == "key"
    await harness.press(manager, "Versions", shown)
    assert [label for label, _ in harness.last(manager).buttons] == ["↩ Restore #1", "↩ Restore the shipped default"]


async def test_cancel_keeps_the_policy(harness: Harness) -> None:
    manager, _ = await _team(harness, "zh")
    await harness.upload(manager, "lower.toml", LOWER_THRESHOLDS.encode("utf-8"))
    preview = harness.last_with_buttons(manager)
    assert "5 位客户中有 3 位的档位会变化" in preview.text and "• 普通客户 → 重要客户：2" in preview.text
    await harness.press(manager, "取消", preview)
    assert "现行分档规则未变" in harness.last(manager).text
    assert _versions(harness) == [] and value_tiers(harness.db)["Orion"] == "key"
    assert harness.services.policy.version == DEFAULT.version


async def test_invalid_files_get_their_errors_with_key_paths(harness: Harness) -> None:
    manager, _ = await _team(harness)
    [syntax] = await harness.upload(manager, "broken.toml", b"[value\ntype = ")
    assert "is not a valid policy" in syntax.text and "not valid TOML" in syntax.text
    schema = default_policy_text().replace("min_score = 50", "min_score = 140", 1)
    [answer] = await harness.upload(manager, "schema.toml", schema.encode())
    assert "<code>value.tiers[1].min_score</code>: must be between 0 and 100" in answer.text
    many = "".join(f"bogus{i} = 1\n" for i in range(12)) + default_policy_text()
    [crowded] = await harness.upload(manager, "many.toml", many.encode())
    assert crowded.text.count("</code>: unknown key") == 10 and "…and 2 more." in crowded.text
    [binary] = await harness.upload(manager, "picture.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    assert "is not a text file" in binary.text
    assert _versions(harness) == [] and value_tiers(harness.db)["Orion"] == "key"


async def test_hostile_policies_are_refused_with_their_key_paths(harness: Harness) -> None:
    """Issue 12 §6: a cadence of 10⁹ days would apply and then fail every card of its tier; deep
    nesting raised RecursionError. Both get the list of errors, and nothing is stored."""
    manager, _ = await _team(harness)
    huge = default_policy_text().replace(
        "cadence = { any = { ideal = 7, max = 14 }", "cadence = { any = { ideal = 7, max = 1000000000 }", 1
    )
    [answer] = await harness.upload(manager, "huge.toml", huge.encode())
    assert "<code>value.tiers[0].cadence.any.max</code>: must be at most 3660" in answer.text
    deep = default_policy_text() + "\nx = " + "[" * 3000 + "]" * 3000 + "\n"
    [answer] = await harness.upload(manager, "deep.toml", deep.encode())
    assert "is not a valid policy" in answer.text and "nested too deeply" in answer.text
    assert _versions(harness) == [] and value_tiers(harness.db)["Orion"] == "key"


async def test_oversized_and_unauthorised_uploads_are_refused_before_download(harness: Harness) -> None:
    manager, rep = await _team(harness)
    [big] = await harness.upload(manager, "huge.toml", b"# " + b"x" * (300 * 1024))
    assert "may be at most 256 KB" in big.text and _getfile_calls(harness) == 0
    [refused] = await harness.upload(rep, "lower.toml", LOWER_THRESHOLDS.encode())
    assert "managers and administrators only" in refused.text and _getfile_calls(harness) == 0
    [not_shown] = await harness.send(rep, "/policy")
    assert "managers and administrators only" in not_shown.text
    assert _versions(harness) == []


async def test_a_pinned_policy_file_refuses_uploads_and_restores(any_db, clock, tmp_path: Path) -> None:
    path = tmp_path / "sponsor.toml"
    path.write_text(example_policy_text("sponsor"), encoding="utf-8")
    harness = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None, policy_file=str(path))
    try:
        manager = await harness.person("manager", name="王芳", language="en", team="East")
        [refused] = await harness.upload(manager, "lower.toml", LOWER_THRESHOLDS.encode())
        assert "pinned by the operator" in refused.text and str(path) in refused.text
        assert _getfile_calls(harness) == 0 and _versions(harness) == []
        [shown] = await harness.send(manager, "/policy")
        assert "Pinned by the operator" in shown.text and "sponsor" in shown.text.lower()
        await harness.press(manager, "Versions", shown)
        listing = harness.last(manager)
        assert "restoring is off" in listing.text and listing.buttons == []
    finally:
        await harness.stop()


async def test_a_second_process_uses_the_new_version_within_its_refresh_interval(harness: Harness) -> None:
    manager, _ = await _team(harness)
    other = services_for(harness.services.settings, harness.db, harness.clock)  # another process
    assert other.policy.version == DEFAULT.version
    await harness.upload(manager, "lower.toml", LOWER_THRESHOLDS.encode())
    harness.clock.advance(timedelta(seconds=10))
    await harness.press(manager, "Apply")
    assert harness.services.policy.version == LOWER.version
    assert other.policy.version == DEFAULT.version  # last checked 10 s ago
    harness.clock.advance(policy_store.REFRESH_INTERVAL - timedelta(seconds=9))
    assert other.policy.version == LOWER.version  # within its 30 s, well within the minute


async def test_the_cli_uses_the_policy_in_the_database(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli

    manager, _ = await _team(harness)
    await harness.upload(manager, "lower.toml", LOWER_THRESHOLDS.encode())
    await harness.press(manager, "Apply")
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("TIERBOT_POLICY_FILE", raising=False)
    monkeypatch.setenv("TIERBOT_DATABASE_URL", harness.db.engine.url.render_as_string(hide_password=False))
    capsys.readouterr()
    assert cli.main(["recompute", "--at", "2026-11-24T10:00"]) == 0
    assert json.loads(capsys.readouterr().out)["policy_version"] == LOWER.version
    assert cli.main(["tiers", "--format", "json", "--at", "2026-11-24T10:00"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["Cygnus"]["value"]["live_tier"] == "key"  # 42.5: Key from 30 under the uploaded policy
    assert cli.main(["policy", "show"]) == 0
    assert "database version #1 (lower.toml, by 王芳" in capsys.readouterr().out


async def test_the_periodic_policy_check_runs_in_the_gates_worker_thread_not_on_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database query on the event loop stalls every chat for its duration: the check that a
    lapsed interval triggers is made in the gate's own worker-thread transaction, and a version
    activated elsewhere is still in force for the very next message."""
    import threading

    manager, rep = await _team(harness)
    loop_thread = threading.get_ident()
    checks: list[int] = []
    check = policy_store.PolicyHolder._check

    def recorded(self: policy_store.PolicyHolder, session: object, now: object) -> bool:
        checks.append(threading.get_ident())
        return check(self, session, now)  # type: ignore[arg-type]

    monkeypatch.setattr(policy_store.PolicyHolder, "_check", recorded)
    other = services_for(harness.services.settings, harness.db, harness.clock)  # another process applies
    with harness.db.session() as session:
        draft = policy_store.store_draft(
            session, other.settings, manager.account, LOWER_THRESHOLDS, note="x.toml", now=harness.clock.now()
        )
    policy_store.apply(harness.db, other.settings, manager.account, draft.id, harness.clock.now())
    checks.clear()
    harness.clock.advance(policy_store.REFRESH_INTERVAL + timedelta(seconds=1))
    await harness.send(rep, "/help")
    assert checks and loop_thread not in checks  # checked, and never on the loop
    assert harness.services.policy.version == LOWER.version
    assert len(checks) == 1  # the handler's reads found it fresh
