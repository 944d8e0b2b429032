"""Benchmark: a running bot sent files built to hurt it (issue 12 §1, §7).

    .venv/bin/python -m bench.hostile_files [--rounds 3] [--files xlsx,csv] [--tierbot PATH]

A real `tierbot run` (long polling the Bot API stand-in, served over HTTP from this process, on a
fresh SQLite file) gets, from one rep, `--rounds` times each: the 1.5 KB XLSX with one cell at A1
and one at XFD1048576, and a 10 MB CSV of five million one-character rows
(tests/hostile_files.py), each sent once the previous one was answered. Meanwhile another user
sends /help, one after the other (each sent 50 ms after the previous answer). Measured:

- the bot process's resident memory (VmRSS from /proc, sampled every 10 ms) over its median
  while idle, and the peak of its child processes (the file reader) apart;
- the other user's /help answer time (POST of the update → sendMessage received), p50 and p95,
  idle and while the files are handled;
- each file's answer time.

`--tierbot` runs another build (e.g. /work/main/.venv/bin/tierbot for the code before issue 12; it
aborts on the XLSX, so pass `--files csv` there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench.workers import serve_stand_in
from bot.local_api import LOCAL_TOKEN, LocalBotAPI, Sent, user
from core import accounts
from core.db import open_database
from tests.hostile_files import short_rows_csv, sparse_xlsx

REP, OTHER = 910_001, 910_002
FILES = {"xlsx": ("sparse.xlsx", sparse_xlsx), "csv": ("short-rows.csv", short_rows_csv)}


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _readers(pid: int) -> list[int]:
    """The file reader children (started from worker threads: every thread's children), once
    they run the reader (between fork and exec a child shows the parent's memory)."""
    readers = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            for child in (task / "children").read_text().split():
                if b"core.imports.file_reader" in Path(f"/proc/{child}/cmdline").read_bytes():
                    readers.append(int(child))
        except OSError:
            pass
    return readers


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.child_peak_kb, self.running = pid, [], 0, True

    def run(self) -> None:
        while self.running:
            self.samples.append((time.monotonic(), _rss_kb(self.pid)))
            self.child_peak_kb = max([self.child_peak_kb] + [_rss_kb(c) for c in _readers(self.pid)])
            time.sleep(0.01)


class Answers:
    """When the bot sent something to a chat (the stand-in's on_sent hook, in its server thread)."""

    def __init__(self, api: LocalBotAPI) -> None:
        self.events: dict[int, threading.Event] = {REP: threading.Event(), OTHER: threading.Event()}
        self.last: dict[int, Sent] = {}
        api.on_sent = self._sent

    def _sent(self, sent: Sent) -> None:
        if sent.chat_id in self.events:
            self.last[sent.chat_id] = sent
            self.events[sent.chat_id].set()

    def expect(self, chat_id: int) -> threading.Event:
        event = self.events[chat_id]
        event.clear()
        return event


_posting = threading.Lock()


def post(url: str, make_update: Callable[[], dict]) -> None:
    """Build and queue an update under one lock: the stand-in numbers updates when they are
    built, and the bot's getUpdates offset skips a lower id that arrives after a higher one."""
    with _posting:
        request = urllib.request.Request(
            f"{url}/_local/updates",
            data=json.dumps(make_update()).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=30).read()


def help_loop(
    api: LocalBotAPI, url: str, answers: Answers, stop: threading.Event, into: list[tuple[float, float]]
) -> None:
    other = user(OTHER, "Zoe")
    while not stop.is_set():
        event = answers.expect(OTHER)
        started = time.monotonic()
        post(url, lambda: api.message(other, "/help"))
        if not event.wait(60):
            raise SystemExit("/help got no answer in 60 s")
        into.append((started, (time.monotonic() - started) * 1000))
        time.sleep(0.05)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", default="xlsx,csv")
    parser.add_argument("--tierbot", default=str(Path(sys.executable).with_name("tierbot")))
    args = parser.parse_args()
    kinds = [k.strip() for k in args.files.split(",") if k.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    db = open_database(database_url)
    with db.session() as session:
        now = datetime.now(UTC)
        accounts.add_user(session, telegram_id=REP, name="Emma", role="rep", team="East", now=now, language="en")
        accounts.add_user(session, telegram_id=OTHER, name="Zoe", role="rep", team="East", now=now, language="en")
    db.dispose()
    api = LocalBotAPI()
    url = serve_stand_in(api)
    answers = Answers(api)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERBOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=LOCAL_TOKEN,
        TIERBOT_TELEGRAM_API_URL=url,
        TIERBOT_DATABASE_URL=database_url,
        TIERBOT_QUIET_HOURS="off",
    )
    log_path = workdir / "bot.log"
    process = subprocess.Popen([args.tierbot, "run"], env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("w"))
    sampler = Sampler(process.pid)
    try:
        idle: list[tuple[float, float]] = []
        stop = threading.Event()
        warm = threading.Thread(target=help_loop, args=(api, url, answers, stop, idle), daemon=True)
        warm.start()
        time.sleep(8)  # start-up, warm-up (the first answers load templates and the parse index)
        stop.set()
        warm.join()
        idle.clear()
        sampler.start()
        stop = threading.Event()
        idle_loop = threading.Thread(target=help_loop, args=(api, url, answers, stop, idle), daemon=True)
        idle_loop.start()
        time.sleep(5)
        stop.set()
        idle_loop.join()
        baseline_kb = statistics.median(kb for _, kb in sampler.samples)
        during: list[tuple[float, float]] = []
        stop = threading.Event()
        loop = threading.Thread(target=help_loop, args=(api, url, answers, stop, during), daemon=True)
        loop.start()
        rep = user(REP, "Emma")
        file_times: dict[str, list[float]] = {k: [] for k in kinds}
        files_started = time.monotonic()
        for _ in range(args.rounds):
            for kind in kinds:
                name, build = FILES[kind]
                content = build()
                event = answers.expect(REP)
                started = time.monotonic()
                post(url, partial(api.document, rep, name, content))  # this round's file, bound now
                deadline = started + 120
                while not event.wait(0.5):
                    if process.poll() is not None or time.monotonic() > deadline:
                        alive = "alive" if process.poll() is None else f"dead (exit {process.returncode})"
                        raise SystemExit(
                            f"{name}: no answer after {time.monotonic() - started:.1f} s; the bot is {alive}"
                        )
                file_times[kind].append(time.monotonic() - started)
                answer = answers.last[REP].text.splitlines()[0]
        files_ended = time.monotonic()
        time.sleep(0.5)
        stop.set()
        loop.join()
        sampler.running = False
        sampler.join()
        # every /help whose wait overlapped the files being handled
        during_files = [ms for at, ms in during if at <= files_ended and at + ms / 1000 >= files_started]
        peak_kb = max(kb for at, kb in sampler.samples if at >= files_started)
        print(
            f"tierbot: {args.tierbot}; {args.rounds} rounds of {', '.join(FILES[k][0] for k in kinds)}; "
            f"bot log {log_path}"
        )
        print(f"  last answer: {answer}")
        for kind in kinds:
            times = file_times[kind]
            print(f"  {FILES[kind][0]}: answered in {statistics.median(times):.2f} s (median; max {max(times):.2f} s)")
        print(
            f"  bot RSS idle {baseline_kb / 1024:.0f} MB, peak while the files were handled "
            f"{peak_kb / 1024:.0f} MB: +{(peak_kb - baseline_kb) / 1024:.0f} MB; "
            f"file reader child peak {sampler.child_peak_kb / 1024:.0f} MB"
        )
        idle_ms = [ms for _, ms in idle]
        print(
            f"  /help idle: {len(idle_ms)} answers, p50 {statistics.median(idle_ms):.1f} ms, p95 {p95(idle_ms):.1f} ms"
        )
        print(
            f"  /help during the files: {len(during_files)} answers, p50 {statistics.median(during_files):.1f} ms, "
            f"p95 {p95(during_files):.1f} ms, max {max(during_files):.1f} ms"
        )
        print(f"  the bot is {'alive' if process.poll() is None else f'dead (exit {process.returncode})'}")
    finally:
        sampler.running = False
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
