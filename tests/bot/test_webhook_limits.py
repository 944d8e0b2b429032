"""Issue 12 §11: slow and numerous connections cannot take the webhook down.

Real sockets over loopback against the aiohttp server `bot.webhook.start_serving` builds (the one
`tierbot run --webhook` runs), with timeouts of a fraction of a second and a cap of a few
connections; the connection guard's clock is a test's, so "waited longest" needs no waiting.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from bot.webhook import SECRET_HEADER, Serving, start_serving
from bot.webhook_guard import (
    EVICT_IDLE_SECONDS,
    MAX_CONNECTIONS,
    Limits,
    connection_cap,
)
from core.db import Database

PATH = "/tg/hook"
SECRET = "test-webhook-secret_0123456789"
SHORT = 0.4  # seconds: the timeout a test waits for
LONG = 30.0  # seconds: a timeout no test reaches
README = Path(__file__).resolve().parents[2] / "README.md"
SLOW_HEAD = f"POST {PATH} HTTP/1.1\r\nHost: test\r\nX-Slow: ".encode()  # never finished


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Served:
    serving: Serving
    application: Application
    clock: Clock
    clients: list[asyncio.StreamWriter] = field(default_factory=list)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.serving.port)
        self.clients.append(writer)
        return reader, writer

    def connections(self) -> set[int]:
        """The client ports of the connections aiohttp holds."""
        assert self.serving.runner.server is not None
        return {
            h.transport.get_extra_info("peername")[1]
            for h in self.serving.runner.server.connections
            if h.transport is not None
        }


Serve = Callable[[Limits], Awaitable[Served]]


@pytest.fixture
async def serve(sqlite_db: Database) -> AsyncIterator[Serve]:
    started: list[Served] = []

    async def start(limits: Limits) -> Served:
        application = ApplicationBuilder().token("1:offline").updater(None).build()
        clock = Clock()
        serving = await start_serving(
            application, sqlite_db, host="127.0.0.1", port=0, path=PATH, secret=SECRET, limits=limits, clock=clock
        )
        started.append(Served(serving, application, clock))
        return started[-1]

    yield start
    for served in started:
        for writer in served.clients:
            writer.close()
        await served.serving.close()


def port_of(writer: asyncio.StreamWriter) -> int:
    return int(writer.get_extra_info("sockname")[1])


async def until_closed(reader: asyncio.StreamReader, within: float) -> bytes:
    """What the server sent before it closed the connection; fails if it is still open `within` s."""
    received = b""
    async with asyncio.timeout(within):
        try:
            while chunk := await reader.read(4096):
                received += chunk
        except ConnectionResetError:
            pass
    return received


async def dribble(writer: asyncio.StreamWriter, sent: list[int]) -> None:
    """A slowloris: one byte every 50 ms until the server closes the connection."""
    try:
        while True:
            await asyncio.sleep(0.05)
            writer.write(b"a")
            await writer.drain()
            sent.append(1)
    except ConnectionError:
        pass


async def eventually(done: Callable[[], bool], within: float = 3.0) -> None:
    """The server's side of the loopback (accept, parsing) runs on the same loop: let it."""
    async with asyncio.timeout(within):
        while not done():
            await asyncio.sleep(0.01)


def queued(served: Served) -> Update:
    update = served.application.update_queue.get_nowait()
    assert isinstance(update, Update)
    return update


def update_body(update_id: int = 7) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "Li"},
                "text": "/help",
            },
        }
    ).encode()


def post_head(length: int) -> bytes:
    """The head of an authentic update's POST (the secret is right)."""
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{SECRET_HEADER}: {SECRET}\r\n\r\n"
    ).encode()


async def post_update(served: Served, update_id: int = 7) -> bytes:
    """A real update with the secret, on a new connection; returns the status line."""
    reader, writer = await served.connect()
    body = update_body(update_id)
    writer.write(post_head(len(body)) + body)
    async with asyncio.timeout(3):
        status = await reader.readline()
        await reader.readuntil(b"\r\n\r\n")
    return status


# --- the request head ---------------------------------------------------------------------------


@pytest.mark.parametrize("sends", ["a request line, then a header byte every 50 ms", "nothing"])
async def test_a_request_head_not_complete_within_the_header_timeout_is_cut_off(serve: Serve, sends: str) -> None:
    served = await serve(Limits(header_timeout=SHORT, body_timeout=LONG))
    reader, writer = await served.connect()
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent: list[int] = []
    if sends != "nothing":
        writer.write(SLOW_HEAD)
        dribbler = asyncio.create_task(dribble(writer, sent))
    assert await until_closed(reader, within=3) == b""  # closed, nothing answered
    waited = loop.time() - started
    assert SHORT - 0.05 <= waited < SHORT + 1.5
    if sends != "nothing":
        await dribbler
        assert len(sent) >= 4  # it was sending all along: bytes arriving do not restart the timer
    assert port_of(writer) not in served.connections()


async def test_a_head_sent_in_time_is_answered(serve: Serve) -> None:
    served = await serve(Limits(header_timeout=SHORT, body_timeout=LONG))
    assert await post_update(served) == b"HTTP/1.1 200 OK\r\n"
    assert queued(served).update_id == 7


# --- the body -----------------------------------------------------------------------------------


async def test_a_body_not_complete_within_the_body_timeout_gets_408_and_the_connection_is_closed(serve: Serve) -> None:
    served = await serve(Limits(header_timeout=LONG, body_timeout=SHORT))
    reader, writer = await served.connect()
    loop = asyncio.get_running_loop()
    started = loop.time()
    body = update_body()
    writer.write(post_head(len(body)) + body[:20])  # the head is complete, the body never will be
    sent: list[int] = []
    dribbler = asyncio.create_task(dribble(writer, sent))
    status = await asyncio.wait_for(reader.readline(), 3)
    answered = loop.time() - started
    assert status == b"HTTP/1.1 408 Request Timeout\r\n"
    assert SHORT - 0.05 <= answered < SHORT + 1.5  # a total for the body: the bytes dribbling in do not extend it
    await until_closed(reader, within=1.5)  # and the connection is not held open reading the rest
    await dribbler
    assert port_of(writer) not in served.connections()
    assert served.application.update_queue.empty()


# --- the connection cap -------------------------------------------------------------------------


async def held(served: Served, writer: asyncio.StreamWriter) -> None:
    """Until the server has accepted this connection (open_connection returns at the handshake)."""
    port = port_of(writer)
    await eventually(lambda: port in served.connections())


async def slow_clients(served: Served, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """`count` connections, each with half a request head, opened 0.1 s apart on the guard's clock."""
    clients = []
    for _ in range(count):
        reader, writer = await served.connect()
        writer.write(SLOW_HEAD)
        clients.append((reader, writer))
        await held(served, writer)
        served.clock.now += 0.1
    return clients


async def test_below_the_cap_a_real_update_is_answered_while_slow_clients_hold_connections(serve: Serve) -> None:
    served = await serve(Limits(header_timeout=LONG, body_timeout=LONG, connections=4))
    slow = await slow_clients(served, 3)
    served.clock.now += 10  # the slow ones have waited long: still nobody is closed below the cap
    assert await post_update(served) == b"HTTP/1.1 200 OK\r\n"
    assert queued(served).update_id == 7
    assert {port_of(writer) for _, writer in slow} <= served.connections()


async def test_at_the_cap_the_longest_waiting_slow_client_makes_room_for_a_real_update(serve: Serve) -> None:
    served = await serve(Limits(header_timeout=LONG, body_timeout=LONG, connections=3))
    slow = await slow_clients(served, 3)
    # At the cap, with none of them waiting EVICT_IDLE_SECONDS yet: the newcomer is refused at once.
    reader, _ = await served.connect()
    assert (await until_closed(reader, within=1)).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert len(served.connections()) == 3
    assert {port_of(writer) for _, writer in slow} == served.connections()

    served.clock.now += EVICT_IDLE_SECONDS
    assert await post_update(served, update_id=8) == b"HTTP/1.1 200 OK\r\n"
    assert queued(served).update_id == 8
    assert await until_closed(slow[0][0], within=1) == b""  # the one that had waited longest
    assert {port_of(writer) for _, writer in slow[1:]} <= served.connections()
    assert len(served.connections()) <= 3


async def test_at_the_cap_requests_in_progress_are_not_closed_to_make_room(serve: Serve) -> None:
    served = await serve(Limits(header_timeout=LONG, body_timeout=LONG, connections=2))
    body = update_body()
    busy = []
    for _ in range(2):  # authentic requests whose bodies are still on their way
        _, writer = await served.connect()
        writer.write(post_head(len(body)) + body[:10])
        busy.append(writer)
    ports = {port_of(writer) for writer in busy}
    # Both accepted, and both in the handler, reading their bodies: none waits for a request.
    await eventually(lambda: served.connections() == ports and served.serving.guard.waiting == 0)
    served.clock.now += 10 * EVICT_IDLE_SECONDS
    reader, _ = await served.connect()
    assert (await until_closed(reader, within=1)).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert served.connections() == ports


# --- the open-file limit --------------------------------------------------------------------------


def test_the_readmes_systemd_unit_raises_the_open_file_limit() -> None:
    blocks = re.findall(r"```ini\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    [unit] = [b for b in blocks if "tierbot run --webhook" in b]
    service = unit.split("[Service]", 1)[1].split("\n[", 1)[0]
    [limit] = re.findall(r"^LimitNOFILE=(\d+)$", service, flags=re.MULTILINE)
    assert int(limit) > 1024  # systemd's usual limit, the one the flood exhausted
    assert connection_cap(int(limit)) == MAX_CONNECTIONS


def test_the_cap_stays_below_the_open_file_limit() -> None:
    assert connection_cap(1024) == MAX_CONNECTIONS == 512
    assert connection_cap(600) == 600 - 256
    assert connection_cap(65536) == MAX_CONNECTIONS
    assert all(connection_cap(limit) < limit for limit in range(64, 4096))
