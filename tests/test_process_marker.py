"""`make test-fast` runs `-m "not processes"`: a test that starts a program without the mark
fails (tests/conftest.py), so the fast part never starts one unnoticed."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_an_unmarked_test_cannot_start_a_program() -> None:
    with pytest.raises(AssertionError, match=r"starts .*: mark it @pytest.mark.processes"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.processes
def test_a_marked_test_can() -> None:
    assert (
        subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True).stdout
        == "42\n"
    )
