"""The layering rule of DESIGN.md, made checkable: arrows point down only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in _imports(package).items()
        for name in names
        if name.split(".")[0] in forbidden or name in forbidden
    ]


def test_core_never_imports_the_transport() -> None:
    assert _offenders("core", ("telegram", "bot")) == []


def test_tiering_is_pure() -> None:
    assert _offenders("core/tiering", ("telegram", "bot", "sqlmodel", "sqlalchemy", "core.db", "core.models")) == []
    for path in (ROOT / "core" / "tiering").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "open("):
            assert call not in source, f"{path.name} calls {call}"


def test_handlers_open_no_session() -> None:
    """A handler reads Telegram, calls one core use case (which owns its unit of work), renders
    and replies: no handler module reaches the database itself."""
    assert _offenders("bot/handlers", ("sqlmodel", "sqlalchemy")) == []
    for path in (ROOT / "bot" / "handlers").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in ("db.session(", "Session(", "book.invalidate("):
            assert call not in source, f"{path.relative_to(ROOT)} calls {call}"


@pytest.mark.processes  # runs lint-imports
def test_import_linter_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_template_exists_in_both_languages() -> None:
    templates = ROOT / "templates"
    zh = {p.relative_to(templates / "zh") for p in (templates / "zh").rglob("*") if p.is_file()}
    en = {p.relative_to(templates / "en") for p in (templates / "en").rglob("*") if p.is_file()}
    assert zh == en and zh


def test_both_string_catalogs_have_the_same_keys() -> None:

    def keys(node: dict, prefix: str = "") -> set[str]:
        out: set[str] = set()
        for key, value in node.items():
            out |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return out

    from bot.render import _strings

    catalogs = [_strings(ROOT / "templates", lang) for lang in ("zh", "en")]
    assert keys(catalogs[0]) == keys(catalogs[1])
    areas = [{p.name for p in (ROOT / "templates" / lang / "strings").glob("*.toml")} for lang in ("zh", "en")]
    assert areas[0] == areas[1]


def _dict_keys(package: str) -> list[tuple[str, int, set[str]]]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                found.append((str(path.relative_to(ROOT)), node.lineno, keys))
    return found


def test_core_offers_what_a_pushed_message_does_and_the_bot_draws_its_buttons() -> None:
    """Core says what a message offers (core.chat.messages.Offer) and builds its payload through
    OutboxMessage; button labels and action names are bot/push_buttons.py's. No dict in core
    is a button ({label, action}) or a keyboard ("buttons"), and none but OutboxMessage's own
    writes an outbox payload ("template") by hand."""
    offenders = [
        f"{path}:{line} {sorted(keys)}"
        for path, line, keys in _dict_keys("core")
        if {"label", "action"} <= keys or "buttons" in keys or ("template" in keys and path != "core/chat/messages.py")
    ]
    assert offenders == []
