"""Time the engine on a synthetic book:

.venv/bin/python -m tests.tiering.time_evaluate_book [customers] [rounds]
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit

from core.policies import default_policy_text
from core.tiering import build_stats, evaluate_book, evaluate_one, parse_policy
from tests.tiering.synthetic import NOW, synthetic_book


def main(size: int, rounds: int) -> None:
    # How fast this machine runs CPython: a current laptop takes about 8 µs.
    loop = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000
    print(f"calibration: sum(range(1000)) takes {loop * 1e6:.1f} µs")
    policy = parse_policy(default_policy_text())
    book = synthetic_book(size)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        results = evaluate_book(book, policy, NOW)
        timings.append(time.perf_counter() - started)
        del results  # freeing 100k results is the caller's time, not the engine's
    print(
        f"evaluate_book, {size} customers: best {min(timings):.2f} s, "
        f"median {statistics.median(timings):.2f} s "
        f"({min(timings) / size * 1e6:.1f} µs per customer)"
    )
    stats = build_stats(book, policy)
    started = time.perf_counter()
    calls = 5000
    for index in range(calls):
        evaluate_one(book[index % size], stats, policy, NOW)
    print(f"evaluate_one: {(time.perf_counter() - started) / calls * 1e6:.1f} µs per call")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
