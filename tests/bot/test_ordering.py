"""Concurrent updates: other chats go ahead while one chat's updates keep their order."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.local_api import LocalBotAPI, user
from bot.ordering import ChatOrderedUpdateProcessor


async def test_one_chat_in_order_other_chats_in_parallel() -> None:
    api = LocalBotAPI()
    processor = ChatOrderedUpdateProcessor()
    finished: list[str] = []

    async def work(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    slow_a = Update.de_json(api.message(user(1), "a1"), None)
    fast_a = Update.de_json(api.message(user(1), "a2"), None)
    fast_b = Update.de_json(api.message(user(2), "b1"), None)
    await asyncio.gather(
        processor.process_update(slow_a, work("a1", 0.2)),
        processor.process_update(fast_a, work("a2", 0.0)),
        processor.process_update(fast_b, work("b1", 0.0)),
    )
    assert finished.index("a1") < finished.index("a2")  # same chat: in order
    assert finished.index("b1") < finished.index("a1")  # another chat did not wait
    assert processor._locks == {}  # idle chats forgotten


async def test_the_bot_gives_the_event_loop_the_gil_back_quickly(harness) -> None:  # type: ignore[no-untyped-def]
    """A batch in a worker thread (review recompute, morning digests) must not hold other users'
    updates for CPython's default 5 ms per thread hop (bench.logging_path --with-recompute)."""
    import sys

    from bot.app import GIL_SWITCH_INTERVAL

    assert sys.getswitchinterval() == GIL_SWITCH_INTERVAL <= 0.001
