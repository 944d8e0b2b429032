"""Benchmark: /summary for a 100k-customer team against the tiering benchmark's fixed baseline,
the chart, and other users' updates while a summary is being computed.

    .venv/bin/python -m bench.summary [--rounds 3] [--echoes 200]

The book is the tiering benchmark's (bench/tiering.py: 2,000 reps, 100k customers, 1M
interactions, built once into bench/out/), copied once to bench/out/summary-*.db and made a
team: every rep joins team "Bench" led by one manager, the book gets its first tiers
(`recompute`), 5,000 tier changes of the last 90 days, 2,000 complaints and 300 overrides.

In one run it times
- the baseline: `SELECT customer_id, max(occurred_at), count(*), sum(amount) … GROUP BY
  customer_id` over the plain `baseline` table (median of --rounds);
- the summary's figures for the manager's team (`core.reports.summary.build`, month; median of
  --rounds, each in a fresh transaction); target ≤ 2× the baseline;
- the chart (`core.reports.charts.summary_chart`, zh): the first one (matplotlib and the CJK font
  loaded) and the median of five more; target ≤ 1 s;
- through the harness (the bot's own handlers, per-chat update processor and stand-in API):
  /help updates of a rep while the manager's /summary runs, against the same rep's /help with
  nothing else running; p50 and p95 of each.
Results print as Markdown table rows for bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench.tiering import NOW, OUT, _ts, build_book, timed
from bot.handlers.summary import chart_labels
from bot.local_api import user
from bot.render import Renderer
from bot.testing import Harness, Person
from core import accounts
from core.as_of import AsOf
from core.clock import ManualClock
from core.db import Database, open_database
from core.policies import default_policy_text
from core.reports import charts, figures, scoping, summary
from core.tier_records.retier import has_assignments, recompute
from core.tiering import parse_policy

ZONE = "Asia/Shanghai"
MANAGER_TELEGRAM_ID = 20_001
REP_TELEGRAM_ID = 10_001  # rep 1 of the tiering book


def prepare(customers: int, interactions: int) -> Path:
    source = OUT / f"tiering-{customers}-{interactions}.db"
    if not source.exists():
        build_book(source, customers, interactions)
    path = OUT / f"summary-{customers}-{interactions}.db"
    if path.exists():
        return path
    started = time.perf_counter()
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)  # consistent even if the source has a WAL
    policy = parse_policy(default_policy_text())
    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        missing = not has_assignments(session)
    if missing:
        recompute(db, AsOf(policy, NOW, ZONE), review=False)
    db.dispose()
    rng = random.Random(17)
    connection = sqlite3.connect(path)
    stamp = _ts(NOW)
    connection.execute("INSERT INTO team (id, name, created_at) VALUES (1, 'Bench', ?)", (stamp,))
    connection.execute("UPDATE user SET team_id = 1")
    connection.execute(
        "INSERT INTO user (id, telegram_id, name, role, team_id, country, digest_time, quiet_off, active, created_at) "
        "VALUES (2001, ?, 'Bench Manager', 'manager', 1, 'CN', '09:00:00.000000', 0, 1, ?)",
        (MANAGER_TELEGRAM_ID, stamp),
    )
    tiers = ("vip", "key", "regular")
    connection.executemany(
        "INSERT INTO tier_assignment (customer_id, model, tier, previous_tier, score, breakdown, policy_version, reason, at)"
        " VALUES (?, 'value', ?, ?, NULL, '{}', 'bench', 'review', ?)",
        [
            (cid, new, old, _ts(NOW - timedelta(minutes=rng.randint(1, 90 * 24 * 60))))
            for cid in rng.sample(range(1, customers + 1), 5000)
            for old, new in [rng.sample(tiers, 2)]
        ],
    )
    connection.executemany(
        "INSERT INTO feedback (customer_id, kind, text, severity, status, created_at) VALUES (?, 'complaint', 'late', "
        "'high', ?, ?)",
        [
            (
                rng.randint(1, customers),
                rng.choice(("open", "in_progress", "resolved")),
                _ts(NOW - timedelta(hours=rng.randint(1, 2000))),
            )
            for _ in range(2000)
        ],
    )
    connection.executemany(
        "INSERT INTO tier_override (customer_id, model, tier, reason, expires_at, created_by_id, created_at, removed_at)"
        " VALUES (?, 'value', ?, 'strategic account', ?, 2001, ?, ?)",
        [
            (
                rng.randint(1, customers),
                rng.choice(tiers),
                _ts(NOW + timedelta(days=rng.randint(-30, 90))) if n % 2 else None,
                stamp,
                _ts(NOW) if n % 7 == 0 else None,
            )
            for n in range(300)
        ],
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    print(f"prepared {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def figures_and_chart(db: Database, rounds: int) -> dict[str, float]:
    policy = parse_policy(default_policy_text())
    with db.session() as session:
        manager = accounts.find_by_telegram_id(session, MANAGER_TELEGRAM_ID)
    assert manager is not None
    scope = scoping.Scope("team", "Bench", team_id=manager.team_id)

    def baseline() -> None:
        with db.engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT customer_id, max(occurred_at), count(*), sum(amount) FROM baseline GROUP BY customer_id"
            ).fetchall()

    result: list[figures.Summary] = []

    def figures() -> None:
        with db.session() as session:
            result[:] = [summary.build(session, manager, AsOf(policy, NOW, ZONE), scope=scope, period="month")]

    # alternate baseline and figures round by round, so a busy neighbour weighs on both alike
    base, runs = [], []
    for _ in range(rounds):
        base += timed(baseline, 1)
        runs += timed(figures, 1)
    params = result[0].params()
    assert result[0].customers >= 90_000, result[0].customers
    labels = chart_labels(Renderer(), "zh", params)
    first_chart = timed(lambda: charts.summary_chart(params, "zh", labels), 1)[0]
    chart = statistics.median(timed(lambda: charts.summary_chart(params, "zh", labels), 5))
    return {
        "customers": result[0].customers,
        "baseline": statistics.median(base),
        "figures": statistics.median(runs),
        "first_chart": first_chart,
        "chart": chart,
    }


async def echo_during_summary(db: Database, echoes: int, summaries: int) -> dict[str, float]:
    """A rep's /help latency with nothing else running, then while the manager's /summary runs."""
    harness = await Harness.start(
        db, ManualClock(NOW), _env_file=None, telegram_bot_token=None, bot_username="tierbot_bench_bot"
    )
    with db.session() as session:
        manager = Person(
            user(MANAGER_TELEGRAM_ID, "Bench Manager", "zh"), accounts.find_by_telegram_id(session, MANAGER_TELEGRAM_ID)
        )
        rep = Person(user(REP_TELEGRAM_ID, "rep 1", "zh"), accounts.find_by_telegram_id(session, REP_TELEGRAM_ID))

    async def one_help() -> float:
        started = time.perf_counter()
        await harness.send(rep, "/help")
        return time.perf_counter() - started

    await one_help()  # templates loaded
    idle = [await one_help() for _ in range(echoes)]
    busy: list[float] = []
    durations = []
    for _ in range(summaries):
        started = time.perf_counter()
        running = asyncio.create_task(harness.send(manager, "/summary"))
        while not running.done():
            busy.append(await one_help())
            await asyncio.sleep(0.005)  # a rep types; the loop is free in between
        sent = running.result()
        durations.append(time.perf_counter() - started)
        assert [m.kind for m in sent if m.chat_id == manager.chat_id] == ["photo", "text"], sent
    await harness.stop()
    return {
        "idle_p50": statistics.median(idle),
        "idle_p95": _p95(idle),
        "busy_p50": statistics.median(busy),
        "busy_p95": _p95(busy),
        "busy_n": len(busy),
        "summary_update": statistics.median(durations),
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--echoes", type=int, default=200)
    parser.add_argument("--summaries", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = prepare(args.customers, args.interactions)
    db = open_database(f"sqlite:///{path}")
    f = figures_and_chart(db, args.rounds)
    ratio = f["figures"] / f["baseline"]
    print("| customers | baseline | summary figures | ratio | first chart | chart |")
    print(
        f"| {f['customers']:,} | {f['baseline']:.2f} s | {f['figures']:.2f} s | {ratio:.1f}× "
        f"| {f['first_chart']:.2f} s | {f['chart']:.2f} s |"
    )
    e = asyncio.run(echo_during_summary(db, args.echoes, args.summaries))
    print("| /help idle p50 | idle p95 | during /summary p50 | during /summary p95 | updates | /summary update |")
    print(
        f"| {e['idle_p50'] * 1000:.1f} ms | {e['idle_p95'] * 1000:.1f} ms | {e['busy_p50'] * 1000:.1f} ms "
        f"| {e['busy_p95'] * 1000:.1f} ms | {e['busy_n']} | {e['summary_update']:.2f} s |"
    )
    db.dispose()


if __name__ == "__main__":
    main()
