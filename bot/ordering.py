"""Updates of different chats run concurrently; updates of one chat keep their order.

python-telegram-bot's `concurrent_updates` lets one user's heavy request (a card with a live
tier evaluation, a search over a large book) not hold another user's message; a per-chat lock
keeps "message, then ✅" of the same rep in the order they were sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import updatelog

MAX_CONCURRENT_UPDATES = 32


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._recent = updatelog.RecentUpdates()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        coroutine = updatelog.observed(update, coroutine, self._recent)  # one log line per update; redeliveries dropped
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # forget idle chats: the dict stays small
                del self._waiting[chat.id]
                self._locks.pop(chat.id, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
