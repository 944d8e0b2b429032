"""Benchmark: webhook throughput of one vs two `tierbot run --webhook` workers on one PostgreSQL.

    TIERBOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python -m bench.workers [--updates 400] [--concurrency 32] [--reps 50]

Real processes, over loopback: the Bot API stand-in is served over HTTP from this process, each
worker is a `tierbot run --webhook` subprocess, and a client POSTs `--updates` free-text logs
("Called Acme about the quote …", each answered by a confirmation card: gate → parse → button
keys and pending card written → sendMessage) from `--reps` reps, round-robin over the workers,
`--concurrency` requests in flight. Measured: updates handled per second (first POST → last
card received by the stand-in) and the webhook's HTTP answer time (it only queues the update).
TIERBOT_SEND_RATE is raised to 1000/s so the rate limiter does not cap the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, make_url, text

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, serve, user
from core import accounts
from core.db import open_database
from core.settings import normalise_database_url

TIERBOT = str(Path(sys.executable).with_name("tierbot"))
SECRET = "bench-webhook-secret-0123456789"
FIRST_REP = 900_001


def fresh_database(base: str) -> str:
    url = make_url(normalise_database_url(base))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "bench_workers" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "bench_workers"'))
    admin.dispose()
    return url.set(database="bench_workers").render_as_string(hide_password=False)


def seed(database_url: str, reps: int) -> None:
    db = open_database(database_url)
    now = datetime.now(UTC)
    with db.session() as session:
        for n in range(reps):
            rep = accounts.add_user(
                session, telegram_id=FIRST_REP + n, name=f"Rep {n}", role="rep", language="en", now=now
            )
            session.execute(
                text(
                    "INSERT INTO customer (name, owner_id, stage, region, tags, attributes, added_at, "
                    "archived) VALUES ('Acme', :owner, 'active', 'CN', '[]', '{}', "
                    "'2025-01-01 00:00:00', false)"
                ),
                {"owner": rep.id},
            )
    db.dispose()


def serve_stand_in(api: LocalBotAPI) -> str:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    port: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        _runner, bound = loop.run_until_complete(serve(api, "127.0.0.1", 0))
        port.append(bound)
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return f"http://127.0.0.1:{port[0]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_workers(count: int, env: dict[str, str], logs: Path) -> tuple[list[subprocess.Popen], list[str]]:
    processes, bases = [], []
    for index in range(count):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [
                    TIERBOT,
                    "run",
                    "--webhook",
                    "--listen",
                    f"127.0.0.1:{port}",
                    "--public-url",
                    "https://bench.example/hook",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(logs / f"worker{count}-{index}.log").open("w"),
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    for base in bases:
        while True:
            try:
                import urllib.request

                if urllib.request.urlopen(f"{base}/healthz", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"worker at {base} did not become healthy (see {logs})")
            time.sleep(0.2)
    return processes, bases


async def load(
    api: LocalBotAPI, bases: list[str], updates: int, concurrency: int, reps: int
) -> tuple[float, list[float]]:
    """POST `updates` logs; returns (seconds until every card arrived, HTTP answer times in ms)."""
    users = [user(FIRST_REP + n, f"Rep {n}") for n in range(reps)]
    bodies = [
        json.dumps(api.message(users[i % reps], f"Called Acme about the quote, attempt {i}")).encode()
        for i in range(updates)
    ]
    before = len(api.outgoing)
    answers: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(updates):
        queue.put_nowait(i)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(f"{bases[i % len(bases)]}/hook", data=bodies[i], headers=headers) as response:
                assert response.status == 200, response.status
            answers.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    while len(api.outgoing) - before < updates:
        await asyncio.sleep(0.01)
    return time.perf_counter() - started, answers


def run_config(
    workers: int, args: argparse.Namespace, api: LocalBotAPI, env: dict[str, str], logs: Path
) -> dict[str, float]:
    processes, bases = start_workers(workers, env, logs)
    try:
        asyncio.run(load(api, bases, min(40, args.updates), args.concurrency, args.reps))  # warm-up
        elapsed, answers = asyncio.run(load(api, bases, args.updates, args.concurrency, args.reps))
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
    answers.sort()
    return {
        "workers": workers,
        "per_second": args.updates / elapsed,
        "seconds": elapsed,
        "http_p50": statistics.median(answers),
        "http_p95": answers[int(len(answers) * 0.95) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    base = os.environ.get("TIERBOT_TEST_DATABASE_URL")
    if not base:
        raise SystemExit("set TIERBOT_TEST_DATABASE_URL (a PostgreSQL server; a database bench_workers is made)")
    database_url = fresh_database(base)
    seed(database_url, args.reps)
    api = LocalBotAPI()
    api_url = serve_stand_in(api)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERBOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=LOCAL_TOKEN,
        TIERBOT_TELEGRAM_API_URL=api_url,
        TIERBOT_DATABASE_URL=database_url,
        TIERBOT_WEBHOOK_SECRET=SECRET,
        TIERBOT_SEND_RATE="1000",
        TIERBOT_QUIET_HOURS="off",
    )
    logs = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    print(f"{args.updates} free-text logs from {args.reps} reps, {args.concurrency} in flight; worker logs in {logs}")
    print("| workers | updates/s | total | webhook answer p50 | p95 |")
    print("|---|---|---|---|---|")
    for workers in (1, 2):
        row = run_config(workers, args, api, env, logs)
        print(
            f"| {row['workers']} | {row['per_second']:.0f} | {row['seconds']:.1f} s | "
            f"{row['http_p50']:.1f} ms | {row['http_p95']:.1f} ms |",
            flush=True,
        )


if __name__ == "__main__":
    main()
