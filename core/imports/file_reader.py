"""Untrusted files are read in a child process (issue 12 §1, §7).

A reader written in Rust or C that is asked for too much memory aborts the whole process
(SIGABRT: no exception handler runs), and a hostile file can be built to ask. So the bytes go to
`python -m core.imports.file_reader` on stdin; the child limits its own address space (RLIMIT_AS) and
CPU time before reading anything, parses the file (core.imports.files.parse_bytes) and writes
the table to stdout as JSON lines: a head line (headers, or the refusal's code and parameters),
then the rows, CHUNK_ROWS a line. The caller waits at most `seconds`; a child that dies, is
killed or overruns is the refusal `too_complex`, and the caller lives on.

Parsing a line at a time keeps the caller's GIL free between lines (json.loads of a whole
50k-row table would hold it for over 100 ms while other users wait). JSON, not pickle: the
child's output is data made from an untrusted file, and JSON cannot run code when read.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
from pathlib import Path

from core.errors import ImportFileError
from core.imports.files import Table, parse_bytes

log = logging.getLogger(__name__)
READ_MEMORY = 1024 * 1024 * 1024  # address space: the largest sheet allowed (200,001 × 100 cells) reads in 700 MB
READ_SECONDS = 60.0
CHUNK_ROWS = 2000


def read_table(path: Path) -> Table:
    return read_bytes(path.read_bytes())


def read_bytes(data: bytes, *, memory: float = READ_MEMORY, seconds: float = READ_SECONDS) -> Table:
    """Headers and rows of a CSV or XLSX file given as bytes, read in a child process with a
    memory and a time limit, so no file can take the caller down with it."""
    command = [sys.executable, "-m", "core.imports.file_reader", str(int(memory)), str(math.ceil(seconds))]
    # the child parses what an attacker wrote: it gets no token, no database URL
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TIERBOT_"))}
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=seconds, check=False, env=env)
    except subprocess.TimeoutExpired:
        log.warning("file reader: no answer within %.0f s; killed", seconds)
        raise ImportFileError("too_complex") from None
    if done.returncode != 0:
        log.warning("file reader exited with %s: %s", done.returncode, done.stderr[-300:].decode(errors="replace"))
        raise ImportFileError("too_complex")
    try:
        return _table(done.stdout)
    except (ValueError, KeyError, TypeError):  # not what a reader writes: count it as a reader that failed
        log.warning("file reader: unreadable answer")
        raise ImportFileError("too_complex") from None


def _table(output: bytes) -> Table:
    end = output.find(b"\n")
    head = json.loads(output[:end])
    if "error" in head:
        raise ImportFileError(str(head["error"]), **dict(head["params"]))
    rows: list[tuple[int, list[str]]] = []
    while end + 1 < len(output):
        start, end = end + 1, output.find(b"\n", end + 1)
        rows.extend((line, cells) for line, cells in json.loads(output[start:end]))
    return Table(head["headers"], rows, head["source"], head["encoding"])


def main() -> None:
    import resource

    memory, seconds = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # reads and answers; writes no file
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    try:
        table = parse_bytes(data)
    except ImportFileError as exc:
        out.write(json.dumps({"error": exc.code, "params": exc.params}).encode() + b"\n")
        return
    del data
    head = {"headers": table.headers, "source": table.source, "encoding": table.encoding}
    out.write(json.dumps(head, ensure_ascii=False).encode() + b"\n")
    for start in range(0, len(table.rows), CHUNK_ROWS):
        out.write(json.dumps(table.rows[start : start + CHUNK_ROWS], ensure_ascii=False).encode() + b"\n")


if __name__ == "__main__":
    main()
