"""Build the Application: settings, database, clock, renderer, rate limiter, handlers, jobs.

The same builder serves `tierbot run` (HTTPXRequest to the real Bot API at
TIERBOT_TELEGRAM_API_URL), the console and the tests (LocalRequest to the in-process stand-in).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackContext, ContextTypes, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

from bot.leader import Leadership
from bot.ordering import ChatOrderedUpdateProcessor
from bot.render import Renderer
from core import buttons, interactions, tiers
from core.accounts import Account
from core.buttons import Press
from core.flows import Pending
from core.parsing import warm_up
from core.clock import Clock
from core.db import Database, WriteWatch
from core.errors import AlreadyDone
from core.policy_store import PolicyHolder
from core.settings import Settings
from core.tiering import Policy

log = logging.getLogger(__name__)
T = TypeVar("T")
COMMANDS = ("today", "new", "find", "tier", "remind", "feedback", "undo", "away", "summary", "team", "override",
            "policy", "import", "export", "settings", "help", "invite", "cancel", "start")


@dataclass
class PendingClaim:
    """A pressed single-use key, claimed (core.buttons.claim) in the first unit of work of the
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
        or a restore done by any process reaches this one within a minute (core.policy_store)."""
        return self.policies.policy

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

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.account: Account | None = None
        # Loaded by the gate in the same transaction as the account (bot.access): the user's
        # pending flow as of now (kept current by bot.flows) and, for a button, the resolved key.
        self.flow: Pending | None = None
        self.pressed: Press | None = None
        # A single-use key being pressed (bot.actions): `run` claims it with the first write.
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

    def render(self, name: str, /, lang: str | None = None, **params: Any) -> str:
        return self.services.renderer.render(lang or self.me.language, name, **params)

    def label(self, key: str, /, lang: str | None = None, **params: Any) -> str:
        return self.services.renderer.label(lang or self.me.language, key, **params)

    def now(self) -> datetime:
        return self.services.clock.now()


# Latency over throughput: while a batch runs in a worker thread of the bot's process (the review's
# recompute, the morning digests, a /summary), CPython hands the GIL to a waiting thread only every
# 5 ms by default, and each of an update's thread hops may wait that long. At 1 ms the p95 of
# other users' updates during a 100k-customer recompute fell from ≈ 135 ms to ≈ 58 ms (bench/README).
GIL_SWITCH_INTERVAL = 0.001


def build_application(services: Services, request: BaseRequest | None = None, *, token: str | None = None,
                      rate_limited: bool | None = None) -> Application:
    """`rate_limited` defaults to True for the real Bot API and False for an in-process stand-in."""
    from bot import handlers, jobs

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)

    settings = services.settings
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    builder: ApplicationBuilder = ApplicationBuilder().context_types(context_types)
    builder = builder.token(token or settings.telegram_bot_token or "")
    builder = builder.base_url(f"{settings.telegram_api_url}/bot")
    builder = builder.base_file_url(f"{settings.telegram_api_url}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(HTTPXRequest(connection_pool_size=16, read_timeout=15, connect_timeout=10))
        builder = builder.get_updates_request(HTTPXRequest(read_timeout=40))
    if rate_limited if rate_limited is not None else request is None:
        # Telegram's global limit (TIERBOT_SEND_RATE per second), and RetryAfter waited out and retried.
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=settings.send_rate, overall_time_period=1,
                                                      max_retries=3))
    builder = builder.concurrent_updates(ChatOrderedUpdateProcessor())
    builder = builder.post_init(post_init)
    application = builder.build()
    application.bot_data.services = services
    handlers.register(application)
    jobs.schedule(application)
    return application


async def post_init(application: Application) -> None:
    """Before the first update of `tierbot run`: warm up, then `startup` (the test harness calls
    `startup` alone: its many short-lived applications compile templates as they go)."""
    await asyncio.to_thread(warm_start, application.bot_data.services)
    await startup(application)


def warm_start(services: Services) -> None:
    """Load and compile what the first updates would otherwise pay for, so the first ✅ after a
    start costs what later ones do (bench/README): every template and label, the policy in force,
    the book's ranking statistics, one customer's evaluation per region (its SQL compiled, its
    holidays loaded), a ✅'s statements (a log saved and rolled back) and pooled database
    connections. The parser's dictionaries: `startup`."""
    services.renderer.warm_up()
    policy, settings, now = services.policy, services.settings, services.clock.now()
    with services.db.session() as session:
        tiers.warm_up(session, policy, now, org_timezone=settings.timezone)
    interactions.rehearse_log(services.db, now, currency=settings.currency, policy=policy,
                              org_timezone=settings.timezone)


async def startup(application: Application) -> None:
    """After `initialize()`: load the parser's dictionaries (once per process, off the loop),
    publish the command menu in both languages, and tell the uploaders of imports a previous
    process died in."""
    from bot.handlers import imports

    await asyncio.to_thread(warm_up)
    renderer = application.bot_data.services.renderer
    for lang in ("en", "zh"):
        menu = renderer.section(lang, "commands")
        commands = [BotCommand(name, menu[name]) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=None if lang == "en" else lang)
    await imports.tell_unfinished(application)
    if application.bot_data.services.settings.web_public_url:
        from bot import webapp

        await webapp.publish_menu_button(application)


def services_for(settings: Settings, db: Database, clock: Clock) -> Services:
    return Services(settings=settings, db=db, clock=clock, renderer=Renderer(), policies=PolicyHolder(settings, db, clock))
