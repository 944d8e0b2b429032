"""What every handler is given: `BotContext` (the Telegram context, the caller's account and
pending flow, `run` for a use case in one transaction), `Services` behind it, and `BotData`.

Apart from bot.app, which builds the Application, so that the handlers it registers import this
module and not the builder (no import cycle between them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot

from bot.leader import Leadership
from bot.render import Renderer
from core.accounts import Account
from core.as_of import AsOf
from core.chat import buttons
from core.chat.buttons import Press
from core.chat.flows import Pending
from core.clock import Clock
from core.db import Database, WriteWatch
from core.errors import AlreadyDone
from core.settings import Settings
from core.tier_records.policy_store import PolicyHolder
from core.tiering import Policy

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class PendingClaim:
    """A pressed single-use key, claimed (core.chat.buttons.claim) in the first unit of work of the
    press that writes, so the key is done exactly when what the button did is committed."""

    key: str
    now: datetime
    claimed: bool = False


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    renderer: Renderer
    policies: PolicyHolder

    @property
    def policy(self) -> Policy:
        """The policy in force now: re-checked in the database at most every 30 s, so an upload
        or a restore done by any process reaches this one within a minute (core.tier_records.policy_store)."""
        return self.policies.policy

    def as_of(self, now: datetime | None = None) -> AsOf:
        """What a use case reads the book as of: the policy in force, `now` (the clock's, unless
        given) and the organisation's timezone — built once per request or sweep."""
        return AsOf(self.policy, self.clock.now() if now is None else now, self.settings.timezone)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a core use case `fn(session, *args, **kwargs)` in one transaction, off the loop."""
        return await self.run_claiming(None, fn, *args, **kwargs)

    async def run_claiming(self, claim: PendingClaim | None, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """As `run`; and when this transaction writes while `claim` is still open, the pressed key
        is claimed in it too, before the commit: a kill leaves both or neither, and a press that
        lost the claim to another (AlreadyDone) rolls back what it wrote."""

        def unit_of_work() -> tuple[T, bool]:
            open_claim = claim if claim is not None and not claim.claimed else None
            try:
                with self.db.session() as session:
                    watch = WriteWatch(session) if open_claim is not None else None
                    result = fn(session, *args, **kwargs)
                    claims = watch is not None and watch.wrote()
                    if claims:
                        assert open_claim is not None
                        buttons.claim(session, key=open_claim.key, now=open_claim.now)
            except AlreadyDone:
                raise
            except Exception as error:
                # another worker's press of the same key committed first, and this write failed on
                # it (the log it would save twice): that press is done, this one was never needed
                if open_claim is not None and self._done_elsewhere(open_claim.key):
                    raise AlreadyDone(open_claim.key) from error
                raise
            return result, claims

        result, claimed = await asyncio.to_thread(unit_of_work)
        if claimed:
            assert claim is not None
            claim.claimed = True  # committed
        return result

    def _done_elsewhere(self, key: str) -> bool:
        try:
            with self.db.session() as session:
                return buttons.is_done(session, key=key)
        except Exception:  # noqa: BLE001 - the database is what failed: the first error is the one to tell
            return False


class BotData:
    """`context.bot_data`: a typed holder instead of string keys in a dict."""

    services: Services
    # Several workers on PostgreSQL: sweeps run only while this worker holds the leader lock.
    leadership: Leadership | None = None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler gets: `services`, plus `account` set by the gate."""

    __slots__ = ("account", "claim", "flow", "pressed")

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.account: Account | None = None
        # Loaded by the gate in the same transaction as the account (bot.access): the user's
        # pending flow as of now (kept current by bot.flow_dispatch) and, for a button, the resolved key.
        self.flow: Pending | None = None
        self.pressed: Press | None = None
        # A single-use key being pressed (bot.button_dispatch): `run` claims it with the first write.
        self.claim: PendingClaim | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def me(self) -> Account:
        """The gate guarantees an account for every handler behind it."""
        if self.account is None:
            raise RuntimeError("handler reached without passing the access gate")
        return self.account

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.services.run_claiming(self.claim, fn, *args, **kwargs)

    def render(self, name: str, /, **params: Any) -> str:
        """Template `name` in the caller's language (another language: services.renderer)."""
        return self.services.renderer.render(self.me.language, name, **params)

    def label(self, key: str, /, **params: Any) -> str:
        return self.services.renderer.label(self.me.language, key, **params)

    def now(self) -> datetime:
        return self.services.clock.now()

    def as_of(self, now: datetime | None = None) -> AsOf:
        """Services.as_of: the policy in force, `now` (the clock's, unless given), the organisation's timezone."""
        return self.services.as_of(now)
