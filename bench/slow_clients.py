"""Benchmark: a real update's latency while slow clients hold the webhook's connections.

    .venv/bin/python -m bench.slow_clients [--slow 1100] [--updates 20] [--nofile 1024] [--tierbot PATH]

Serves the Bot API stand-in over HTTP from this process, starts `tierbot run --webhook` on a
fresh SQLite file (its open-file limit set to `--nofile`, as a systemd unit's LimitNOFILE would),
and posts /help from a known rep `--updates` times, one after the other: the *latency* of one is
from the first POST attempt to the reply reaching the stand-in. A POST that fails (refused,
reset, no answer in 10 s) is tried again after 1 s, as Telegram retries a failed delivery.
Then `--slow` connections are opened, each sending a request line and then one header byte
every second and never finishing (slowloris), and the same /help posts are measured while they
are held. Reported: latency p50 / max before and during, how many slow connections the server
had closed by the end, and the bot log's size and number of tracebacks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.first_press import OUT, Served
from bot.local_api import LOCAL_TOKEN, user
from core import accounts
from core.db import open_database

SECRET = "bench-webhook-secret_0123456789"
REP = 4242
PATH = "/tg/hook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: bytes) -> bool:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def one_update(served: Served, url: str, rep: dict) -> float:
    """Seconds from the first POST attempt to the reply at the stand-in."""
    api = served.api
    before = len(api.outgoing)
    started = time.perf_counter()
    body = json.dumps(api.message(rep, "/help")).encode()
    while not post(url, body):
        if time.perf_counter() - started > 120:
            raise TimeoutError("the webhook did not take the update in 120 s")
        time.sleep(1)
    served.wait(lambda: len(api.outgoing) > before, seconds=120)
    return time.perf_counter() - started


class SlowClients:
    """`count` connections that send a request line, then one header byte a second, forever."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets: list[socket.socket] = []
        self.failed_to_connect = 0
        for n in range(count):
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", port))
                s.sendall(f"POST {PATH} HTTP/1.1\r\nHost: bench\r\nX-Slow-{n}: ".encode())
            except OSError:
                self.failed_to_connect += 1
                s.close()
                continue
            s.setblocking(False)
            self.sockets.append(s)
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.wait(1):
            alive = []
            for s in self.sockets:
                try:
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        raise ConnectionResetError
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed_by_server += 1
                    s.close()
                    continue
                try:
                    s.send(b"a")
                    alive.append(s)
                except OSError:
                    self.closed_by_server += 1
                    s.close()
            self.sockets = alive

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for s in self.sockets:
            s.close()


def measure(served: Served, url: str, rep: dict, count: int) -> list[float]:
    return [one_update(served, url, rep) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=1100)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--nofile", type=int, default=1024, help="the bot's open-file limit (soft and hard)")
    parser.add_argument("--hold", type=float, default=30, help="seconds the slow clients are held at least")
    parser.add_argument("--tierbot", default=str(Path(sys.executable).with_name("tierbot")))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.slow + 256:  # this process holds the slow clients' sockets itself
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.slow + 256), hard))
    OUT.mkdir(exist_ok=True)
    db_path = OUT / "slow_clients.db"
    for stale in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        stale.unlink(missing_ok=True)
    db = open_database(f"sqlite:///{db_path}")
    with db.session() as session:
        accounts.add_user(session, telegram_id=REP, name="Bench Rep", role="rep", language="en", now=datetime.now(UTC))
    db.dispose()
    served = Served()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERBOT_", "TELEGRAM_"))}
    env.update(
        TIERBOT_DATABASE_URL=f"sqlite:///{db_path}",
        TELEGRAM_BOT_TOKEN=LOCAL_TOKEN,
        TIERBOT_TELEGRAM_API_URL=served.url,
        TIERBOT_WEBHOOK_SECRET=SECRET,
        TIERBOT_QUIET_HOURS="off",
    )
    log_path = OUT / "slow_clients.log"

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, args.nofile))

    process = subprocess.Popen(
        [
            args.tierbot,
            "run",
            "--webhook",
            "--listen",
            f"127.0.0.1:{port}",
            "--public-url",
            f"https://bot.example.com{PATH}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("w"),
        preexec_fn=limit_files,
    )
    url = f"http://127.0.0.1:{port}{PATH}"
    rep = user(REP, "Bench Rep")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(log_path.read_text()) from None
                time.sleep(0.2)
        one_update(served, url, rep)  # warm-up: templates, first session
        idle = measure(served, url, rep, args.updates)
        log_before = log_path.stat().st_size
        started = time.monotonic()
        slow = SlowClients(port, args.slow)
        opened = time.monotonic() - started
        during = measure(served, url, rep, args.updates)
        while time.monotonic() - started < args.hold:
            time.sleep(0.5)
        closed = slow.closed_by_server
        slow.close()
        time.sleep(1)
        after = measure(served, url, rep, 3)
        assert process.poll() is None, "the bot died"
    finally:
        process.terminate()
        process.wait(30)
    text = log_path.read_text(errors="replace")
    flood_log = log_path.stat().st_size - log_before

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} / {max(values) * 1000:.0f} ms"

    print(
        f"open-file limit {args.nofile}; {args.slow} slow clients ({slow.failed_to_connect} could not connect, "
        f"opened in {opened:.1f} s), held {args.hold:.0f} s+"
    )
    print(f"/help latency p50 / max: idle {ms(idle)}; with slow clients {ms(during)}; after {ms(after)}")
    print(f"slow connections closed by the server while held: {closed} of {args.slow - slow.failed_to_connect}")
    print(f"bot log during the flood: {flood_log:,} bytes, {text.count('Traceback')} tracebacks in all")


if __name__ == "__main__":
    main()
