"""The webhook's defences against slow and numerous connections (issue 12 §11).

Without them, 1,100 connections that each sent half a request head used up the open-file limit,
the accept loop failed with EMFILE, and a real update waited 9.7 s. Three bounds, the first
two aiohttp's own:

- the *request head* must arrive within HEADER_TIMEOUT_SECONDS of the connection (or of the
  previous answer on a kept-alive connection): aiohttp ≥ 3.14.4 starts its keep-alive timer at
  connect and closes a connection still waiting for a complete head when it fires, so
  `keepalive_timeout` is the header timeout; heads are also kept small (MAX_FIELD_SIZE,
  MAX_HEADERS);
- the *body* must arrive within BODY_TIMEOUT_SECONDS (bot/webhook.py: 408, and the connection
  closed at once rather than left to aiohttp's 10-s lingering read), and is at most
  MAX_BODY_BYTES (413) — only once the secret token has been checked;
- at most `connection_cap()` connections at once. aiohttp has no such setting, so
  `ConnectionGuard`, the protocol factory of our listening socket, counts aiohttp's connections.
  At the cap, the connection that has waited longest for a request head (at least
  EVICT_IDLE_SECONDS) is closed to make room, so slow clients cannot lock Telegram out until
  their timeout; when every connection is busy with a request, the new one gets
  `503 Service Unavailable` and is closed at once (Telegram retries). The cap stays below the
  process's open-file limit, so accept() never reaches EMFILE because of us.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web import RequestHandler

log = logging.getLogger("tierbot.webhook")

HEADER_TIMEOUT_SECONDS = 10.0
BODY_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 512  # Telegram opens at most 100 (setWebhook max_connections, default 40)
# Files a worker needs besides its webhook connections: two database pools of 20, the leader's
# connection, 17 to the Bot API, logs, SQLite's three files, the file reader child's pipes — and
# the up to LISTEN_BACKLOG connections one accept round takes before the count sees them.
LISTEN_BACKLOG = 128
FILES_FOR_THE_REST = 256
MIN_CONNECTIONS = 16
EVICT_IDLE_SECONDS = 1.0
MAX_FIELD_SIZE, MAX_HEADERS = 4096, 32  # Telegram sends a handful of short headers
REFUSAL = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"


@dataclass(frozen=True)
class Limits:
    """The bounds one webhook server is started with: production's, or a test's shorter ones."""

    header_timeout: float = HEADER_TIMEOUT_SECONDS
    body_timeout: float = BODY_TIMEOUT_SECONDS
    connections: int = MAX_CONNECTIONS


def open_file_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 1 << 20 if soft == resource.RLIM_INFINITY else soft


def connection_cap(open_files: int) -> int:
    """How many webhook connections a process with this open-file limit may hold."""
    return max(MIN_CONNECTIONS, min(MAX_CONNECTIONS, open_files - FILES_FOR_THE_REST))


class _Refused(asyncio.Protocol):
    """A connection over the cap: answered 503 and closed, nothing read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(REFUSAL)
        transport.close()


class ConnectionGuard:
    """The protocol factory in front of aiohttp's `Server` (see the module's docstring)."""

    def __init__(self, cap: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.server: web.Server | None = None  # aiohttp's, once the runner is set up
        self.cap = cap
        self._clock = clock
        # Connections waiting for a request head (new, or kept alive after an answer), since when.
        self._waiting_since: dict[RequestHandler, float] = {}

    @property
    def waiting(self) -> int:
        """Connections waiting for a request head, the ones that may be closed to make room."""
        live = set(self.server.connections) if self.server is not None else set()
        return sum(1 for handler in self._waiting_since if handler in live)

    def __call__(self) -> asyncio.Protocol:
        assert self.server is not None
        live = self.server.connections
        if len(live) >= self.cap and not self._evict_the_longest_waiting(live):
            log.warning("webhook: refused a connection: %d open, the cap (every one busy with a request)", len(live))
            return _Refused()
        handler = self.server()
        self._waiting_since[handler] = self._clock()
        return handler

    def _evict_the_longest_waiting(self, live: list[RequestHandler]) -> bool:
        alive = set(live)
        for gone in [h for h in self._waiting_since if h not in alive]:
            del self._waiting_since[gone]
        if not self._waiting_since:
            return False
        handler, since = min(self._waiting_since.items(), key=lambda item: item[1])
        waited = self._clock() - since
        if waited < EVICT_IDLE_SECONDS:
            return False
        del self._waiting_since[handler]
        handler.force_close()
        log.warning(
            "webhook: %d connections open, the cap: closed the one that had waited longest for a request (%.1f s)",
            len(live),
            waited,
        )
        return True

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """A connection serving a request is not waiting; once answered, it waits again."""
        self._waiting_since.pop(request.protocol, None)
        try:
            return await handler(request)
        finally:
            self._waiting_since[request.protocol] = self._clock()
