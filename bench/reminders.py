"""Benchmark: composing every morning digest, and dispatching through the Bot API stand-in.

    .venv/bin/python -m bench.reminders [--messages 500]

1. Compose: 2,000 reps over the 100k-customer / 1M-interaction book of bench/tiering.py (run
   that first: it builds the file). `plan_digests` at a Tuesday 09:00 builds every rep's digest;
   target (issue 5): at most 2× the fixed GROUP BY baseline, measured in the same run.
2. Dispatch: `--messages` outbox rows to distinct users, sent by the bot's own sender through the
   in-process stand-in with the production rate limiter (TIERBOT_SEND_RATE, default 25/s);
   target ≥ 90% of the rate, and ≥ 80% when one sendMessage in 200 answers 429 (retry_after 1 s);
   every row sent exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from bench.tiering import NOW as BOOK_NOW
from bench.tiering import OUT, timed
from bot import jobs
from bot.app import build_application, services_for
from bot.local_api import LOCAL_TOKEN, Fault, LocalBotAPI, LocalRequest
from core import accounts
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.clock import ManualClock
from core.db import open_database
from core.models import Notification
from core.policies import default_policy_text
from core.reminders import planner
from core.settings import load_settings
from core.tiering import parse_policy


def compose(rounds: int) -> tuple[float, float, int]:
    path = OUT / "tiering-100000-1000000.db"
    if not path.exists():
        raise SystemExit("run `python -m bench.tiering` first: it builds the 100k book")
    db = open_database(f"sqlite:///{path}")
    policy = parse_policy(default_policy_text())
    settings = load_settings(_env_file=None)
    at = BOOK_NOW  # Tuesday 2026-11-24 09:00 in Shanghai
    planned: list = []

    def baseline() -> None:
        with db.engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT customer_id, max(occurred_at), count(*), sum(amount) FROM baseline GROUP BY customer_id"
            ).fetchall()

    def digests() -> None:
        with db.session() as session:
            planned[:] = planner.plan_digests(session, policy, settings, at)
            session.rollback()  # measure composing, record nothing

    # baseline and digests alternate round by round, so load from other processes on a shared
    # machine weighs on both sides of the ratio (one warm-up digest first: caches, imports)
    digests()
    base_times, run_times = [], []
    for _ in range(rounds):
        base_times += timed(baseline, 1)
        run_times += timed(digests, 1)
    db.dispose()
    return statistics.median(base_times), statistics.median(run_times), len(planned)


async def dispatch(path: Path, messages: int, faults: bool) -> tuple[float, int, Counter]:
    if path.exists():
        path.unlink()
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{path}", quiet_hours="off")
    db = open_database(settings.database_url)
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    with db.session() as session:
        for n in range(messages):
            person = accounts.add_user(session, telegram_id=100_000 + n, name=f"rep {n}", role="rep", now=now)
            outbox.enqueue(
                session,
                recipient_id=person.id,
                kind="bench",
                dedupe_key=f"bench:{n}",
                now=now,
                message=OutboxMessage("reminders/followup", {"name": f"K{n}", "text": "x", "due": ""}),
            )
    api = LocalBotAPI()
    if faults:
        api.faults.append(Fault("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, every=200))
    app = build_application(
        services_for(settings, db, ManualClock(now)), LocalRequest(api), token=LOCAL_TOKEN, rate_limited=True
    )
    await app.initialize()
    started = time.perf_counter()
    while True:
        with db.session() as session:
            left = len(session.exec(select(Notification.id).where(Notification.status == "pending")).all())
        if not left:
            break
        await jobs.send_outbox(app, now)
    elapsed = time.perf_counter() - started
    await app.shutdown()
    delivered = Counter(s.text.split("<b>")[2].split("</b>")[0] for s in api.outgoing)
    db.dispose()
    return elapsed, messages, delivered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base, run, count = compose(args.rounds)
    print(
        f"| compose {count} digests (2,000 reps, 100k customers) | baseline {base:.2f} s | {run:.2f} s "
        f"| {run / base:.1f}× |"
    )
    rate = load_settings(_env_file=None).send_rate
    for faults in (False, True):
        elapsed, sent, delivered = asyncio.run(dispatch(OUT / "dispatch.db", args.messages, faults))
        lost = sent - len(delivered)
        twice = sum(c - 1 for c in delivered.values() if c > 1)
        achieved = sent / elapsed
        print(
            f"| dispatch {sent} {'with 429 every 200' if faults else 'clean'} | {achieved:.1f} msg/s "
            f"| {achieved / rate:.0%} of {rate:g}/s | lost {lost} | twice {twice} |"
        )


if __name__ == "__main__":
    main()
