"""Build the Application: settings, database, clock, renderer, rate limiter, handlers, jobs.

The same builder serves `tierbot run` (HTTPXRequest to the real Bot API at
TIERBOT_TELEGRAM_API_URL), the console and the tests (LocalRequest to the in-process stand-in).
"""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from bot.context import BotContext, BotData, Services
from bot.ordering import ChatOrderedUpdateProcessor
from bot.render import Renderer
from core.as_of import AsOf
from core.clock import Clock
from core.db import Database
from core.interactions import logbook
from core.parsing import warm_up
from core.settings import Settings
from core.tier_records import retier
from core.tier_records.policy_store import PolicyHolder

log = logging.getLogger(__name__)
COMMANDS = (
    "today",
    "new",
    "find",
    "tier",
    "remind",
    "feedback",
    "undo",
    "away",
    "summary",
    "team",
    "override",
    "policy",
    "import",
    "export",
    "settings",
    "help",
    "invite",
    "cancel",
    "start",
)


# Latency over throughput: while a batch runs in a worker thread of the bot's process (the review's
# recompute, the morning digests, a /summary), CPython hands the GIL to a waiting thread only every
# 5 ms by default, and each of an update's thread hops may wait that long. At 1 ms the p95 of
# other users' updates during a 100k-customer recompute fell from ≈ 135 ms to ≈ 58 ms (bench/README).
GIL_SWITCH_INTERVAL = 0.001


def build_application(
    services: Services,
    request: BaseRequest | None = None,
    *,
    token: str | None = None,
    rate_limited: bool | None = None,
) -> Application:
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
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=settings.send_rate, overall_time_period=1, max_retries=3)
        )
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
        retier.warm_up(session, AsOf(policy, now, settings.timezone))
    logbook.rehearse_log(services.db, AsOf(policy, now, settings.timezone), currency=settings.currency)


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
    return Services(
        settings=settings, db=db, clock=clock, renderer=Renderer(), policies=PolicyHolder(settings, db, clock)
    )
