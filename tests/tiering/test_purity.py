"""core.tiering stays pure: no database, no transport, no clock, no files."""

import ast
from pathlib import Path

import core.tiering

PACKAGE = Path(core.tiering.__file__).parent
FORBIDDEN_MODULES = ("sqlmodel", "sqlalchemy", "telegram", "bot", "core.db", "core.models")
FORBIDDEN_CALLS = ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time(", "open(")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_there_are_modules_to_check():
    assert len(list(PACKAGE.glob("*.py"))) > 10


def test_no_forbidden_imports():
    for path in PACKAGE.glob("*.py"):
        for module in imported_modules(path):
            assert not any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN_MODULES), (
                f"{path.name} imports {module}"
            )


def test_no_clock_and_no_files():
    for path in PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in FORBIDDEN_CALLS:
            assert call not in source, f"{path.name} contains {call}"
