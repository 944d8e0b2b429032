"""Issue 12 §11: errors that come in floods are logged once per interval, with a count of the
repeats and without a traceback each (bot/log_throttle.py)."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Iterator

import pytest

from bot import log_throttle
from bot.log_throttle import OncePerInterval


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def flood(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[logging.Logger, Clock]]:
    caplog.set_level(logging.INFO)
    logger = logging.getLogger("tierbot.test_flood")
    clock = Clock()
    throttle = OncePerInterval(60, clock=clock)
    logger.addFilter(throttle)
    yield logger, clock
    logger.removeFilter(throttle)


def lines(caplog: pytest.LogCaptureFixture, name: str = "tierbot.test_flood") -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name]


def emfile() -> OSError:
    return OSError(errno.EMFILE, "Too many open files")


def test_a_flood_of_one_error_writes_one_line_then_the_count_once_the_interval_lapses(
    flood: tuple[logging.Logger, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    logger, clock = flood
    for _ in range(500):
        logger.error("socket.accept() out of system resource\nsocket: <socket fd=7>", exc_info=emfile())
        clock.now += 0.1  # 500 in 50 s
    [line] = lines(caplog)
    assert line == "socket.accept() out of system resource (OSError: [Errno 24] Too many open files)"
    assert all(r.exc_info is None and r.exc_text is None for r in caplog.records)  # no traceback written

    clock.now += 9.9  # 59.9 s after the first: still the same interval
    logger.error("socket.accept() out of system resource", exc_info=emfile())
    assert len(lines(caplog)) == 1
    clock.now += 0.2
    logger.error("socket.accept() out of system resource", exc_info=emfile())
    assert lines(caplog)[1] == (
        "socket.accept() out of system resource (OSError: [Errno 24] Too many open files)"
        " [500 more like this in the last 60 s]"
    )

    clock.now += 61  # none in the meantime: the next one has no count
    logger.error("socket.accept() out of system resource", exc_info=emfile())
    assert lines(caplog)[2] == "socket.accept() out of system resource (OSError: [Errno 24] Too many open files)"


def test_each_kind_has_its_own_interval(flood: tuple[logging.Logger, Clock], caplog: pytest.LogCaptureFixture) -> None:
    logger, clock = flood
    for n in range(50):
        logger.error("accept failed", exc_info=emfile())
        logger.error("reading a request failed", exc_info=ConnectionResetError(errno.ECONNRESET, "reset"))
        logger.warning("webhook: refused a connection from %s", f"10.0.0.{n}")  # the format is the kind
        clock.now += 0.1
    assert lines(caplog) == [
        "accept failed (OSError: [Errno 24] Too many open files)",
        "reading a request failed (ConnectionResetError: [Errno 104] reset)",
        "webhook: refused a connection from 10.0.0.0",
    ]
    clock.now += 60
    logger.warning("webhook: refused a connection from %s", "10.0.0.99")
    assert lines(caplog)[-1] == "webhook: refused a connection from 10.0.0.99 [49 more like this in the last 65 s]"


def test_an_error_that_is_no_os_error_keeps_its_traceback(
    flood: tuple[logging.Logger, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    logger, _ = flood
    try:
        raise KeyError("update_id")
    except KeyError:
        logger.exception("a bug")
    [record] = [r for r in caplog.records if r.name == "tierbot.test_flood"]
    assert record.exc_info is not None and record.exc_info[0] is KeyError


@pytest.fixture
def installed() -> Iterator[None]:
    yield
    for name in log_throttle.FLOODED_LOGGERS:
        logger = logging.getLogger(name)
        for f in [f for f in logger.filters if isinstance(f, OncePerInterval)]:
            logger.removeFilter(f)


async def test_installed_it_turns_asyncios_emfile_flood_into_one_line(
    installed: None, caplog: pytest.LogCaptureFixture
) -> None:
    """What CPython's accept loop logs on EMFILE, as it logs it (python/cpython#151615: many per ms)."""
    log_throttle.install()
    log_throttle.install()  # twice: still one filter per logger
    assert all(
        sum(isinstance(f, OncePerInterval) for f in logging.getLogger(name).filters) == 1
        for name in log_throttle.FLOODED_LOGGERS
    )
    loop = asyncio.get_running_loop()
    with socket.socket() as listening:
        for _ in range(1000):
            loop.call_exception_handler(
                {"message": "socket.accept() out of system resource", "exception": emfile(), "socket": listening}
            )
    records = [r for r in caplog.records if r.name == "asyncio"]
    assert len(records) == 1 and records[0].exc_info is None
    assert records[0].getMessage() == (
        "socket.accept() out of system resource (OSError: [Errno 24] Too many open files)"
    )
