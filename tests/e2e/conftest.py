"""End-to-end fixtures: the real `tierbot` executable, and the Bot API stand-in served over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.local_api import LocalBotAPI, serve

TIERBOT = str(Path(sys.executable).with_name("tierbot"))


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for a `tierbot` process: its own SQLite file, no token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERBOT_", "TELEGRAM_"))}
    env["TIERBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'e2e.db'}"
    return env


@pytest.fixture
def served_api() -> Iterator[tuple[LocalBotAPI, str]]:
    """The stand-in on a loopback port, served from its own thread and event loop."""
    api = LocalBotAPI()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner, port = loop.run_until_complete(serve(api, "127.0.0.1", 0))
        holder.update(runner=runner, port=port)
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield api, f"http://127.0.0.1:{holder['port']}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
