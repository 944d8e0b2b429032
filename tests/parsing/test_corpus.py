"""Field-level accuracy over the labelled corpus (tests/parsing/corpus.jsonl).

Each line is one message as a rep would type it, labelled by hand from the rules in
core/parsing (dates.py, parser.py, signals.py docstrings) before the parser was tuned:
customer (display name, "ambiguous" or null), kind, date (local ISO date the interaction
happened, default today), amount (decimal string or null) and currency, follow_up (local ISO
date or null), feedback, satisfaction, and where written approximate / customer_text.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.parsing import ParsedLog, parse

from .book import NOW, ZONE, book_index

CORPUS = Path(__file__).with_name("corpus.jsonl")
TARGETS = {"customer": 95.0, "kind": 95.0, "date": 95.0, "amount": 95.0, "follow_up": 90.0}


def load_corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def observed(log: ParsedLog) -> dict:
    zone = ZoneInfo(ZONE)
    if not log.candidates:
        customer = None
    elif log.ambiguous:
        customer = "ambiguous"
    else:
        customer = log.candidates[0].name
    return {
        "customer": customer,
        "kind": log.kind,
        "date": log.occurred_at.astimezone(zone).date().isoformat(),
        "amount": None if log.amount is None else str(log.amount),
        "currency": log.currency,
        "follow_up": log.follow_up.due.astimezone(zone).date().isoformat() if log.follow_up else None,
        "feedback": log.feedback.kind if log.feedback else None,
        "satisfaction": log.satisfaction,
        "approximate": log.amount_approximate,
        "customer_text": log.customer_text,
        "others": [c.name for c in log.others],
    }


def expected(row: dict) -> dict:
    out = {
        key: row[key]
        for key in ("customer", "kind", "date", "amount", "currency", "follow_up", "feedback", "satisfaction")
    }
    out["approximate"] = row.get("approximate", False)
    if "customer_text" in row:
        out["customer_text"] = row["customer_text"]
    if "others" in row:
        out["others"] = row["others"]
    return out


def same(field: str, want, got) -> bool:
    if field == "amount" and want is not None and got is not None:
        return Decimal(want) == Decimal(got)
    return want == got


def score_corpus() -> tuple[Counter, Counter, list[str]]:
    index = book_index()
    right, total, misses = Counter(), Counter(), []
    for row in load_corpus():
        got = observed(parse(row["text"], index, now=NOW, timezone=ZONE))
        for field, want in expected(row).items():
            total[field] += 1
            if same(field, want, got[field]):
                right[field] += 1
            else:
                misses.append(f"{field:>13}: {row['text']!r} want {want!r} got {got[field]!r}")
    return right, total, misses


def test_corpus_is_big_and_bilingual() -> None:
    rows = load_corpus()
    zh = sum(1 for row in rows if any("\u4e00" <= c <= "\u9fff" for c in row["text"]))
    assert len(rows) >= 150
    assert 0.4 <= zh / len(rows) <= 0.6


def test_field_accuracy_meets_targets(capsys: pytest.CaptureFixture[str]) -> None:
    right, total, misses = score_corpus()
    lines = [f"{'field':<14}{'correct/total':>15}{'%':>8}"]
    for field in total:
        lines.append(f"{field:<14}{f'{right[field]}/{total[field]}':>15}{100 * right[field] / total[field]:>8.1f}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
        print("\n".join(misses))
    for field, target in TARGETS.items():
        assert 100 * right[field] / total[field] >= target, field
