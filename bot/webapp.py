"""The Mini App (web/) served from the bot's own process and event loop: `tierbot run
--web-listen HOST:PORT` (long polling or webhook) and the console's local link.

The web server starts after the Application's post_init and stops before its shutdown, so it
lives exactly as long as the bot; `bot/webhook.py` needs no change for it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from telegram import MenuButtonWebApp, WebAppInfo
from telegram.ext import Application

from bot.app_links import app_url
from bot.webhook import parse_listen
from web.app import create_app
from web.initdata import sign

log = logging.getLogger("tierbot.webapp")


async def start_server(services: Any, token: str, listen: str) -> web.AppRunner:
    host, port = parse_listen(listen)
    runner = web.AppRunner(create_app(services, bot_token=token), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("Mini App on http://%s:%s/", host, port)
    return runner


def attach(application: Application, listen: str) -> None:
    """Serve the Mini App on `listen` while `application` runs."""
    services = application.bot_data.services
    first_init, first_shutdown = application.post_init, application.post_shutdown
    runners: list[web.AppRunner] = []

    async def post_init(app: Application) -> None:
        if first_init is not None:
            await first_init(app)
        runners.append(await start_server(services, app.bot.token, listen))

    async def post_shutdown(app: Application) -> None:
        for runner in runners:
            await runner.cleanup()
        if first_shutdown is not None:
            await first_shutdown(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown


async def publish_menu_button(application: Application) -> None:
    """The chat's menu button opens the app, when TIERBOT_WEB_PUBLIC_URL is set."""
    services = application.bot_data.services
    url = app_url(services.settings)
    if url is None:
        return
    text = services.renderer.label("en", "web.title")
    await application.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(text, WebAppInfo(url)))


def local_link(base: str, token: str, telegram_id: int, name: str, language: str, now: datetime) -> str:
    """A browser link signed in as this user with real initData (the console)."""
    data = sign(token, {"id": telegram_id, "first_name": name, "language_code": language}, now)
    return f"{base}/#tgWebAppData={_quote(data)}"


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
