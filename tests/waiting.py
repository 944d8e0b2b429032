"""Waiting for another process (a real `tierbot run`, a served stand-in) to get somewhere."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(done: Callable[[], bool], seconds: float) -> None:
    """Poll `done` every 0.1 s; fail the test when it is not true within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.1)
    raise AssertionError(f"not done within {seconds}s")
