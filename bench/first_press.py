"""Benchmark: the first ✅ after a start against the ones after it, on a real `tierbot run`.

    .venv/bin/python -m bench.first_press [--customers 10000] [--starts 5] [--later 4]

Each start runs the `tierbot` executable against the Bot API stand-in served over HTTP (as
tests/e2e does) on a book of `--customers` customers with a year of interactions, waits until the
bot polls, then sends a log message, waits for its card and taps ✅: the *first ✅* is the time
from the tap to the card edited into "Logged". `--later` further messages and taps follow in the
same process (the *later ✅*). The process is stopped and started again `--starts` times. The
message → card time of the first message, and the time from the start of the process to its
first getUpdates (what the warm-up costs), are reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, Sent, serve, user
from core import accounts
from core.db import open_database
from core.models import Customer, Interaction

TIERBOT = str(Path(sys.executable).with_name("tierbot"))
OUT = Path(__file__).resolve().parent / "out"
REP = 42


def build_book(path: Path, customers: int) -> None:
    if path.exists():
        return
    db = open_database(f"sqlite:///{path}")
    rng = random.Random(7)
    now = datetime.now(UTC)
    with db.session() as session:
        rep = accounts.add_user(
            session, telegram_id=REP, name="Bench Rep", role="rep", now=now, team="Bench", language="en"
        )
        rows = [
            Customer(
                name=f"Company {i:05d} Ltd",
                owner_id=rep.id,
                stage=rng.choice(["active", "prospect"]),
                added_at=now - timedelta(days=rng.randint(30, 900)),
                potential=rng.randint(1, 5),
            )
            for i in range(customers)
        ]
        session.add_all(rows)
        session.flush()
        ids = [c.id for c in rows]
        kinds = ["call", "visit", "message", "email", "deal"]
        interactions = []
        for customer_id in ids:
            for _ in range(rng.randint(0, 8)):
                kind = rng.choice(kinds)
                interactions.append(
                    Interaction(
                        customer_id=customer_id,
                        rep_id=rep.id,
                        kind=kind,
                        summary="seeded",
                        created_at=now,
                        occurred_at=now - timedelta(days=rng.randint(1, 365)),
                        amount_minor=rng.randint(1, 500) * 100_000 if kind == "deal" else None,
                        currency="CNY" if kind == "deal" else None,
                    )
                )
        session.add_all(interactions)
    db.dispose()


class Served:
    """The stand-in on a loopback port, driven from this thread."""

    def __init__(self) -> None:
        self.api = LocalBotAPI()
        self.loop = asyncio.new_event_loop()
        self.changed = threading.Condition()
        self.api.on_sent = lambda sent: self._notify()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.runner, self.port = self.loop.run_until_complete(serve(self.api, "127.0.0.1", 0))
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def push(self, update: dict) -> None:
        self.loop.call_soon_threadsafe(self.api.push, update)

    def wait(self, done, seconds: float = 120):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        with self.changed:
            while True:
                found = done()
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the bot did not answer")
                self.changed.wait(min(left, 0.05))


def polling_since(api: LocalBotAPI, since: int) -> Callable[[], bool]:
    """Whether the bot has called getUpdates after the first `since` API calls (`since` bound
    here, not read from the caller's loop when the predicate runs)."""
    return lambda: any(method == "getUpdates" for method, _ in api.calls[since:])


def one_log(served: Served, rep: dict, n: int) -> tuple[float, float]:
    """(message → card, ✅ → saved) in seconds."""
    api = served.api
    before = len(api.outgoing)
    started = time.perf_counter()
    served.push(api.message(rep, f"Called Company {n:05d} Ltd about the renewal"))
    card: Sent = served.wait(lambda: next((s for s in api.outgoing[before:] if s.buttons), None))
    carded = time.perf_counter() - started
    save = next(data for label, data in card.buttons if "Save" in label)
    started = time.perf_counter()
    served.push(api.press(rep, card, save))
    served.wait(lambda: card.text.startswith("✅"))
    return carded, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--later", type=int, default=4)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    book = OUT / f"first_press_{args.customers}.db"
    build_book(book, args.customers)
    path = OUT / f"first_press_{args.customers}.run.db"  # every run starts from the same book
    shutil.copy(book, path)
    for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    served = Served()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERBOT_", "TELEGRAM_"))}
    env.update(
        TIERBOT_DATABASE_URL=f"sqlite:///{path}", TELEGRAM_BOT_TOKEN=LOCAL_TOKEN, TIERBOT_TELEGRAM_API_URL=served.url
    )
    rep = user(REP, "Bench Rep")
    readies, first_cards, firsts, laters = [], [], [], []
    n = random.Random().randrange(args.customers)
    for start in range(args.starts):
        calls = len(served.api.calls)
        started = time.perf_counter()
        process = subprocess.Popen(
            [TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=open(OUT / f"first_press_{start}.log", "w")
        )
        try:
            served.wait(polling_since(served.api, calls), seconds=120)
            readies.append(time.perf_counter() - started)
            time.sleep(0.5)  # a rep's first tap comes after the bot is up, not in its first millisecond
            for i in range(1 + args.later):
                n = (n + 97) % args.customers
                carded, saved = one_log(served, rep, n)
                if i == 0:
                    first_cards.append(carded)
                    firsts.append(saved)
                else:
                    laters.append(saved)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)
        print(
            f"start {start + 1}: polling after {readies[-1]:.1f} s, first card {first_cards[-1] * 1000:.0f} ms, first ✅ {firsts[-1] * 1000:.0f} ms, "
            f"later ✅ {' '.join(f'{s * 1000:.0f}' for s in laters[-args.later :])} ms",
            flush=True,
        )
    print(
        f"\n{args.customers:,} customers, {args.starts} starts: polling after {statistics.median(readies):.1f} s "
        f"(median); first card median "
        f"{statistics.median(first_cards) * 1000:.0f} ms; first ✅ median {statistics.median(firsts) * 1000:.0f} ms "
        f"(max {max(firsts) * 1000:.0f}); later ✅ median {statistics.median(laters) * 1000:.0f} ms "
        f"(max {max(laters) * 1000:.0f})"
    )


if __name__ == "__main__":
    main()
