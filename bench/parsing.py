"""Benchmark: reading one message against a 10k-customer book (issue 11: ≤ 2 ms median), and
building that book's index (once a minute per rep at most, see core.names.book.INDEX_TTL).

    .venv/bin/python -m bench.parsing [--customers 10000] [--rounds 3]

Messages: the labelled corpus and the field set's dev parts (both languages), each parsed
`rounds` times; the index is built three times and the median reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from core.parsing import CustomerIndex, parse, warm_up
from tests.parsing.book import NOW, ZONE
from tests.parsing.synthetic import synthetic_book

TESTS = Path(__file__).resolve().parents[1] / "tests" / "parsing"


def _messages() -> list[str]:
    files = [TESTS / "corpus.jsonl", TESTS / "field" / "dev.jsonl", TESTS / "field" / "dev2.jsonl"]
    return [
        json.loads(line)["text"]
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    book = synthetic_book(args.customers)
    builds = []
    for _ in range(3):
        started = time.perf_counter()
        index = CustomerIndex(book)
        builds.append((time.perf_counter() - started) * 1000)
    warm_up()
    texts = _messages()
    timings = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            parse(text, index, now=NOW, timezone=ZONE)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        f"book {args.customers:,} customers: index build median {statistics.median(builds):.0f} ms; "
        f"parse median {statistics.median(timings):.2f} ms, p95 {timings[int(0.95 * len(timings))]:.2f} ms, "
        f"max {timings[-1]:.1f} ms over {len(timings)} messages"
    )


if __name__ == "__main__":
    main()
