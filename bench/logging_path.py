"""Benchmark: the full free-text log path against a bare echo handler, in-process through the
Bot API stand-in, on a 10k-customer book.

    .venv/bin/python -m bench.logging_path [--customers 10000] [--messages 200] [--with-recompute]

A full log is two updates: the message (parse → confirmation card) and the ✅ press (save →
re-tier → reply). The echo baseline is one update answered by a handler that replies the text, measured just before each
full log (interleaved, so a busy machine weighs on both alike).
Target (issue 4): a full log costs at most 100× an echo update; p95 per update ≤ 100 ms while a
full recompute of 100k customers runs at the same time (`--with-recompute`, in a worker thread of
the same process: the GIL contention a one-process bot would see).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, LocalRequest, user
from bot.testing import Harness, Person
from core import accounts
from core.as_of import AsOf
from core.clock import ManualClock
from core.db import open_database
from core.models import Customer
from core.names import book

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent / "out"
SENTENCES_ZH = [
    "拜访了{n}，签约{a}万，下周三回访",
    "给{n}打了电话，周五跟进",
    "微信联系{n}，对交付时间不满意",
    "前天电话回访了{n}，客户建议增加夜间配送",
]
SENTENCES_EN = [
    "Called {n}, they want a quote. Follow up Friday",
    "Lunch with {n} yesterday, satisfaction 5",
    "{n} signed the renewal {a}k",
    "email to {n} about the invoice, remind me in 3 days",
]


def build_book(path: Path, customers: int) -> None:
    db = open_database(f"sqlite:///{path}")
    rng = random.Random(11)
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=42, name="Bench Rep", role="rep", now=NOW, team="Bench")
        for i in range(customers):
            name = f"客户{i:05d}科技" if i % 2 else f"Company {i:05d} Ltd"
            session.add(
                Customer(
                    name=name,
                    owner_id=rep.id,
                    stage=rng.choice(["active", "prospect"]),
                    added_at=NOW - timedelta(days=rng.randint(1, 900)),
                    potential=rng.randint(1, 5),
                )
            )
    db.dispose()


class Echo:
    """The baseline: a bare echo handler's update, through the same stand-in."""

    async def start(self) -> Echo:
        self.api = LocalBotAPI()
        self.app = Application.builder().token(LOCAL_TOKEN).request(LocalRequest(self.api)).build()

        async def echo(update: Update, context) -> None:  # type: ignore[no-untyped-def]
            await update.effective_chat.send_message(update.effective_message.text)

        self.app.add_handler(MessageHandler(filters.TEXT, echo))
        await self.app.initialize()
        self.person = user(1, "Echo")
        self.count = 0
        return self

    async def once(self) -> float:
        self.count += 1
        update = Update.de_json(self.api.message(self.person, f"hello {self.count}"), self.app.bot)
        started = time.perf_counter()
        await self.app.process_update(update)
        return time.perf_counter() - started

    async def stop(self) -> None:
        await self.app.shutdown()


async def full_logs(path: Path, messages: int) -> tuple[list[float], list[float], list[float]]:
    """Each full log is measured right after an echo update, so both see the same machine load."""
    echo = await Echo().start()
    echoes: list[float] = []
    db = open_database(f"sqlite:///{path}")
    clock = ManualClock(NOW)
    harness = await Harness.start(db, clock, _env_file=None, telegram_bot_token=None)
    with db.session() as session:
        names = [c.name for c in session.exec(select(Customer)).all()]
    person = user(42, "Bench Rep", "zh")
    with db.session() as session:
        rep = Person(person, accounts.find_by_telegram_id(session, 42))
    book.invalidate()
    # steady state, as in a running bot: the rep's index built, the ranking statistics refreshed
    # by their sweep, dictionaries and templates loaded
    await harness.send(rep, "/help")
    await harness.send(rep, "给客户00001科技打了电话")
    await harness.advance_to(NOW + timedelta(minutes=30))
    rng = random.Random(5)
    per_update, per_log = [], []
    for _ in range(messages):
        template = rng.choice(SENTENCES_ZH + SENTENCES_EN)
        text = template.format(n=rng.choice(names), a=rng.randint(1, 90))
        echoes.append(await echo.once())
        started = time.perf_counter()
        await harness.send(rep, text)
        middle = time.perf_counter()
        card = harness.last(rep)
        save = next((data for label, data in card.buttons if "保存" in label or "Save" in label), None)
        if save is not None:
            await harness.press_data(rep, card, save)
        ended = time.perf_counter()
        per_update += [middle - started] + ([ended - middle] if save else [])
        per_log.append(ended - started)
        clock.advance(timedelta(minutes=1))
    await harness.stop()
    await echo.stop()
    db.dispose()
    return echoes, per_update, per_log


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--with-recompute", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"logging-{args.customers}.db"
    if path.exists():
        path.unlink()
    build_book(path, args.customers)
    stop = threading.Event()
    runs = []
    if args.with_recompute:
        worker = threading.Thread(target=_recompute_loop, args=(stop, runs), daemon=True)
        worker.start()
        time.sleep(2)  # let it get going
    echo, per_update, per_log = asyncio.run(full_logs(path, args.messages))
    stop.set()
    if args.with_recompute and not runs:
        raise SystemExit(
            "no recompute completed during the run (see the worker's error above): "
            "the p95 would not be measured under load"
        )
    ratio = statistics.median(per_log) / statistics.median(echo)
    print(
        f"| {args.customers:,} | {args.messages} | {'yes' if args.with_recompute else 'no'} "
        f"| {statistics.median(echo) * 1000:.2f} ms | {statistics.median(per_log) * 1000:.1f} ms | {ratio:.0f}× "
        f"| {statistics.median(per_update) * 1000:.1f} ms | {p95(per_update) * 1000:.1f} ms | {len(runs)} |"
    )


def _recompute_loop(stop: threading.Event, runs: list[float]) -> None:
    """Full recomputes of the 100k tiering-benchmark book, back to back, until told to stop."""
    from core.policies import default_policy_text
    from core.tier_records.retier import recompute
    from core.tiering import parse_policy

    source = OUT / "tiering-100000-1000000.db"
    if not source.exists():
        raise SystemExit("run `python -m bench.tiering` first: it builds the 100k book")
    db = open_database(f"sqlite:///{source}")
    policy = parse_policy(default_policy_text())
    while not stop.is_set():
        started = time.perf_counter()
        recompute(db, AsOf(policy, NOW, "Asia/Shanghai"), review=True)
        runs.append(time.perf_counter() - started)
    db.dispose()


if __name__ == "__main__":
    main()
