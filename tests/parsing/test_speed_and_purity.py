"""A 10k-customer book builds and reads every corpus message (its timings are printed; the
budgets — parse ≤ 2 ms median, index build — are measured by `python -m bench.parsing`, not
asserted here, so a loaded machine cannot flake the suite), and the purity rule of DESIGN.md
for core/parsing."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from core.parsing import CustomerIndex, parse, warm_up

from .book import NOW, ZONE
from .synthetic import synthetic_book

ROOT = Path(__file__).resolve().parents[2]


def test_ten_thousand_customers_build_and_parse(capsys) -> None:
    book = synthetic_book(10_000)
    started = time.perf_counter()
    index = CustomerIndex(book)
    build = time.perf_counter() - started
    warm_up()
    texts = [
        json.loads(line)["text"]
        for line in (Path(__file__).with_name("corpus.jsonl")).read_text(encoding="utf-8").splitlines()
    ]
    timings, found = [], 0
    for text in texts * 3:
        started = time.perf_counter()
        log = parse(text, index, now=NOW, timezone=ZONE)
        timings.append((time.perf_counter() - started) * 1000)
        found += bool(log.candidates)
    timings.sort()
    mean, p95 = statistics.mean(timings), timings[int(0.95 * len(timings))]
    with capsys.disabled():
        print(
            f"\nindex 10k: {build * 1000:.0f} ms; parse mean {mean:.2f} ms, p95 {p95:.2f} ms "
            f"over {len(timings)} messages"
        )
    assert len(index) == 10_000
    assert found >= 0.9 * len(timings)  # the corpus names a customer in nearly every message


def test_the_index_finds_customers_of_a_big_book() -> None:
    index = CustomerIndex(synthetic_book(10_000))
    assert index.mentions("拜访了华为")[0].name == "华为"
    assert index.find("Globex")[0].name == "Globex"


def test_parsing_is_pure() -> None:
    forbidden = ("sqlmodel", "sqlalchemy", "telegram", "bot", "core.db", "core.models")
    for path in (ROOT / "core" / "parsing").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for name in forbidden:
            assert f"import {name}" not in source and f"from {name}" not in source, path.name
        for call in ("datetime.now(", "date.today(", "open(", "time.time("):
            assert call not in source, f"{path.name} calls {call}"
