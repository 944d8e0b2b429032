"""Webhook mode: `tierbot run --webhook --listen HOST:PORT --public-url URL`.

python-telegram-bot's built-in webhook server compares the secret token with `!=` and serves a
single path, so this follows its *custom webhook* pattern instead (the `customwebhookbot`
example): the Application runs without polling, and a small aiohttp app of our own puts each
update Telegram POSTs into `application.update_queue`.

- POST <path of --public-url>: the `X-Telegram-Bot-Api-Secret-Token` header is compared with
  TIERBOT_WEBHOOK_SECRET in constant time (wrong or missing → 403, nothing read or processed);
  a body over MAX_BODY_BYTES → 413; not a JSON update → 400; else 200 and the update is queued.
- GET /healthz: 200 {"ok": true, "leader": …} while the database answers `SELECT 1`, else 503.

Slow and numerous connections are bounded by bot/webhook_guard.py (a request head within 10 s,
a body within 10 s, a connection cap below the open-file limit), and the errors they cause are
logged once a minute with a count, never a traceback each (bot/log_throttle.py).

TLS is the reverse proxy's job (README "Run in production"): listen on loopback behind it.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot import log_throttle
from bot.webhook_guard import (
    BODY_TIMEOUT_SECONDS,
    LISTEN_BACKLOG,
    MAX_FIELD_SIZE,
    MAX_HEADERS,
    ConnectionGuard,
    Limits,
    connection_cap,
    open_file_limit,
)
from core.db import Database
from core.errors import ConfigError

log = logging.getLogger("tierbot.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024  # an update is a few KB; Telegram's own server limit is far below this
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT_SECONDS = 5.0


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:8080`) → (host, port)."""
    host, sep, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--listen: {value!r} is not HOST:PORT (e.g. 127.0.0.1:8080)")
    return host, int(port)


def webhook_path(public_url: str) -> str:
    """The path the webhook listens on: the path of the public URL (the proxy forwards it as is)."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"--public-url: {public_url!r} is not a URL like https://bot.example.com/telegram")
    path = parts.path or "/"
    if path == HEALTH_PATH:
        raise ConfigError(f"--public-url: the path {HEALTH_PATH} is the health check; choose another")
    return path


def database_answers(db: Database) -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("healthz: the database does not answer (%s)", str(exc).splitlines()[0] if str(exc) else exc)
        return False


def webhook_app(
    application: Application,
    db: Database,
    *,
    path: str,
    secret: str,
    middlewares: Iterable[Middleware] = (),
    body_timeout: float = BODY_TIMEOUT_SECONDS,
) -> web.Application:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("webhook: refused a request with a wrong or missing secret token from %s", request.remote)
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            async with asyncio.timeout(body_timeout):
                body = await request.read()
        except TimeoutError:
            log.warning("webhook: gave up on a body not sent within %g s", body_timeout)
            return await _answer_and_close(
                request, web.json_response({"ok": False, "error": "body too slow"}, status=408)
            )
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("an update is a JSON object")
            update = Update.de_json(data, application.bot)
        except Exception as exc:  # noqa: BLE001 - bad JSON, or JSON that is not an update
            log.warning("webhook: refused a malformed update (%s: %s)", type(exc).__name__, exc)
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    async def healthz(request: web.Request) -> web.Response:
        try:
            ok = await asyncio.wait_for(asyncio.to_thread(database_answers, db), HEALTH_TIMEOUT_SECONDS)
        except TimeoutError:
            ok = False
        leadership = application.bot_data.leadership
        leader = leadership.is_leader if leadership is not None else True  # SQLite: the only worker
        return web.json_response({"ok": ok, "leader": leader}, status=200 if ok else 503)

    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
    app.router.add_post(path, receive)
    app.router.add_get(HEALTH_PATH, healthz)
    return app


async def _answer_and_close(request: web.Request, response: web.Response) -> web.Response:
    """Send `response`, then close the connection at once: for a body that is still on its way,
    aiohttp would otherwise linger reading it (up to 10 s), and a slow client keep its connection."""
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()
    return response


@dataclass(frozen=True)
class Serving:
    """aiohttp's server on a listening socket of our own, whose protocol factory is the guard."""

    runner: web.AppRunner
    listener: asyncio.Server
    guard: ConnectionGuard

    @property
    def port(self) -> int:
        return int(self.listener.sockets[0].getsockname()[1])

    async def close(self) -> None:
        self.listener.close()  # no new connections
        await self.runner.cleanup()  # idle connections closed; the requests in flight finish


async def start_serving(
    application: Application,
    db: Database,
    *,
    host: str,
    port: int,
    path: str,
    secret: str,
    limits: Limits,
    clock: Callable[[], float] = time.monotonic,
) -> Serving:
    """Serve the webhook within `limits`. Not a TCPSite: aiohttp has no connection cap, so the
    guard is the listening socket's protocol factory; keepalive_timeout is also the request head's
    timeout (bot.webhook_guard)."""
    guard = ConnectionGuard(limits.connections, clock=clock)
    app = webhook_app(
        application, db, path=path, secret=secret, middlewares=(guard.middleware,), body_timeout=limits.body_timeout
    )
    runner = web.AppRunner(
        app,
        access_log=None,
        keepalive_timeout=limits.header_timeout,
        max_field_size=MAX_FIELD_SIZE,
        max_headers=MAX_HEADERS,
    )
    await runner.setup()
    guard.server = runner.server
    try:
        listener = await asyncio.get_running_loop().create_server(
            guard, host, port, reuse_address=True, backlog=LISTEN_BACKLOG
        )
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(f"--listen: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    return Serving(runner, listener, guard)


async def run_webhook(application: Application, db: Database, *, listen: str, public_url: str, secret: str) -> None:
    """The Application's whole life in webhook mode, until SIGINT or SIGTERM: initialize, set the
    webhook, serve, then stop taking requests, finish the queued updates, and shut down."""
    host, port = parse_listen(listen)
    path = webhook_path(public_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log_throttle.install()
    open_files = open_file_limit()
    limits = Limits(connections=connection_cap(open_files))
    serving: Serving | None = None
    await application.initialize()
    try:
        if application.post_init:  # run_polling/run_webhook call it; a custom server must too
            await application.post_init(application)
        # Every worker sets the same URL (idempotent). None deletes it on exit: the others still serve.
        await application.bot.set_webhook(url=public_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        await application.start()
        serving = await start_serving(application, db, host=host, port=port, path=path, secret=secret, limits=limits)
        log.info(
            "webhook: listening on %s:%d%s for %s (at most %d connections under an open-file limit of "
            "%d; a request head within %.0f s, a body within %.0f s)",
            host,
            port,
            path,
            public_url,
            limits.connections,
            open_files,
            limits.header_timeout,
            limits.body_timeout,
        )
        await stop.wait()
        log.info("webhook: stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if serving is not None:
            await serving.close()
        if application.running:
            await application.stop()  # processes the updates already queued, then stops the sweeps
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def serve(application: Application, db: Database, *, listen: str, public_url: str, secret: str) -> None:
    asyncio.run(run_webhook(application, db, listen=listen, public_url=public_url, secret=secret))
