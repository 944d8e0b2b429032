"""Drive the whole bot offline: the test harness (also used by the benchmarks).

harness = await Harness.start(db, clock)
rep = await harness.person("rep", team="East")
await harness.send(rep, "/settings")
await harness.press(rep, "Language")          # by label text, or by index
harness.last(rep).text, harness.sent(rep)     # everything the bot sent to that chat
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Update

from bot import jobs
from bot.app import build_application, services_for, startup
from bot.local_api import LOCAL_TOKEN, LocalBotAPI, LocalRequest, Sent, user
from core import accounts
from core.accounts import Account
from core.clock import ManualClock
from core.db import Database
from core.settings import Settings, load_settings

_telegram_ids = itertools.count(5_000_001)


@dataclass(frozen=True)
class Person:
    """A Telegram user as the tests see them; `account` is None for strangers."""

    telegram: dict[str, Any]
    account: Account | None

    @property
    def chat_id(self) -> int:
        return int(self.telegram["id"])


class Harness:
    def __init__(self, db: Database, clock: ManualClock, settings: Settings) -> None:
        self.db, self.clock, self.api = db, clock, LocalBotAPI()
        self.services = services_for(settings, db, clock)
        self.app = build_application(self.services, LocalRequest(self.api), token=LOCAL_TOKEN)

    @classmethod
    async def start(cls, db: Database, clock: ManualClock, **settings: Any) -> Harness:
        harness = cls(db, clock, load_settings(**settings))
        await harness.app.initialize()
        await startup(harness.app)
        return harness

    async def stop(self) -> None:
        await self.app.shutdown()

    async def person(
        self,
        role: str | None,
        *,
        name: str = "Tester",
        language: str | None = "en",
        team: str | None = None,
        telegram_id: int | None = None,
    ) -> Person:
        """A user of `role` (None: a stranger the bot does not know)."""
        telegram_id = telegram_id or next(_telegram_ids)
        account = None
        if role is not None:
            with self.db.session() as session:
                account = accounts.add_user(
                    session, telegram_id=telegram_id, name=name, role=role, team=team, now=self.clock.now()
                )
        return Person(user(telegram_id, name, language), account)

    async def feed(self, update: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def send(self, person: Person, text: str, *, chat: dict[str, Any] | None = None) -> list[Sent]:
        """Send text (or a /command) and return what the bot sent in answer."""
        before = len(self.api.outgoing)
        await self.feed(self.api.message(person.telegram, text, chat=chat))
        return self.api.outgoing[before:]

    async def press(self, person: Person, button: str | int, message: Sent | None = None) -> Sent | None:
        """Press a button of `message` (default: the last message with buttons in the chat)."""
        message = message or self.last_with_buttons(person)
        await self.press_data(person, message, self._callback_data(message, button))
        return self.api.messages.get((message.chat_id, message.message_id))

    async def press_data(self, person: Person, message: Sent, data: str) -> None:
        await self.feed(self.api.press(person.telegram, message, data))

    async def upload(self, person: Person, file_name: str, content: bytes, caption: str | None = None) -> list[Sent]:
        before = len(self.api.outgoing)
        await self.feed(self.api.document(person.telegram, file_name, content, caption))
        return self.api.outgoing[before:]

    async def advance_to(self, moment: datetime) -> int:
        return await jobs.run_between(self.app, self.clock, moment)

    def sent(self, person: Person) -> list[Sent]:
        return self.api.sent_to(person.chat_id)

    def last(self, person: Person) -> Sent:
        messages = self.sent(person)
        assert messages, "the bot sent nothing to this chat"
        return messages[-1]

    def last_with_buttons(self, person: Person) -> Sent:
        for message in reversed(self.sent(person)):
            if message.buttons:
                return message
        raise AssertionError("no message with buttons in this chat")

    def last_answer(self) -> str | None:
        """The notice of the last answered button press (popup or toast)."""
        return self.api.callback_answers[-1].get("text") if self.api.callback_answers else None

    @staticmethod
    def _callback_data(message: Sent, button: str | int) -> str:
        options = message.buttons
        if isinstance(button, int):
            return options[button][1]
        for label, data in options:
            if button in label:
                return data
        raise AssertionError(f"no button {button!r} among {[label for label, _ in options]}")
