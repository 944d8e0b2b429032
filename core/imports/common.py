"""What every kind of import shares (customers, interactions, deals): the report with each row's
outcome, the owner and rep rules, the visibility of customers, and the bulk writes.

Rights (`actor`; None is the server's CLI, which may do anything):
- a rep imports into their own book: an empty owner is the rep; naming anyone else is a row error;
- a manager imports for their team: the owner must be a member (or report) of the team, or the
  manager; empty leaves the customer unassigned in the manager's team (`Customer.team_id`: its
  managers assign it in /team; a manager of no team keeps it as their own);
- an admin anywhere (empty: unassigned in the admin's team, if any, else for the admins).
Customers outside the actor's view are as good as absent: a name matches only customers the
actor sees, and an external id of someone else's customer is refused without saying whose.
"""

from __future__ import annotations

import csv
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa  # sa.select: Core rows (sqlmodel's select() types at most 4 model columns)
from sqlalchemy import insert
from sqlmodel import Session, col, select

from core.accounts import Account
from core.imports.files import Columns
from core.models import Customer, Role, User, table_of
from core.values import BadValue
from core.visibility import customer_scope

CHUNK = 5000  # rows per bulk statement (and at most one progress report per chunk)
OUTCOMES = ("created", "updated", "unchanged", "refused")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    code: str  # a key of the `import_errors` strings
    column: str | None = None  # the header as written in the file
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import did (or, in a preview, would do) with every row and every column.

    `columns` are the headers read, each with the field it fills; `unknown_columns` the headers
    no field takes (said by name in the preview, never dropped silently); `derived_columns` the
    ones an export adds and an import cannot take back (tiers, cadence, scores). `outcomes` has
    each row's line → created | updated | unchanged | refused (why: `errors`; `bad_rows` their
    cells). `touched_ids` are
    the customers whose facts the import changes: they are re-tiered once at the end."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    derived_columns: list[str] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (header as written, field)
    applied: bool = False
    created_ids: list[int] = field(default_factory=list)
    touched_ids: set[int] = field(default_factory=set)
    headers: list[str] = field(default_factory=list)
    bad_rows: dict[int, list[str]] = field(default_factory=dict)  # line → cells, for the error file
    lines: list[tuple[int, list[str]]] = field(default_factory=list)  # every row as read, for the report file
    outcomes: dict[int, str] = field(default_factory=dict)
    tier_changes: list[Any] = field(default_factory=list)  # core.tier_records.retier.TierChange: what re-tiering moves
    # new names that look like a customer already in the book (小米科技 ~ 小米): (name in the file,
    # the existing one's name when the actor sees it, else its owner's — None: unassigned, else
    # nothing of it), the first LOOK_ALIKES_SHOWN; `look_alike_count` all of them
    look_alikes: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    look_alike_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def ready(self) -> int:
        return self.created + self.updated + self.unchanged

    def refuse(self, line: int, code: str, column: str | None = None, /, **params: Any) -> None:
        self.errors.append(RowError(line, code, column, params))
        self.outcomes[line] = "refused"

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "applied": self.applied,
        }


def note_columns(report: ImportReport, columns: Columns, derived: list[str]) -> None:
    report.columns = [
        (header, name) for name, header in sorted(columns.header.items(), key=lambda item: columns.index[item[0]])
    ]
    report.unknown_columns, report.derived_columns = columns.unknown, derived


def outcome_csv(report: ImportReport, reasons: list[str], headers: tuple[str, str], words: dict[str, str]) -> bytes:
    """Every row of the file as it was, then its outcome (`words`: created / updated / unchanged /
    refused in the reader's language) and, for a refused row, why. The two added columns are
    ones the importer ignores, so the file can be fixed and sent again as it is."""
    by_line = _reasons_by_line(report, reasons)
    width = len(report.headers)
    rows = []
    for line, cells in report.lines:
        outcome = report.outcomes.get(line, "refused" if line in by_line else "unchanged")
        rows.append(
            [*(cells + [""] * width)[: max(width, len(cells))], words[outcome], "; ".join(by_line.get(line, []))]
        )
    return _csv([[*report.headers, *headers], *rows])


def _reasons_by_line(report: ImportReport, reasons: list[str]) -> dict[int, list[str]]:
    by_line: dict[int, list[str]] = {}
    for error, reason in zip(report.errors, reasons, strict=True):
        by_line.setdefault(error.line, []).append(reason)
    return by_line


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- people and rights ------------------------------------------------------------------------------


class People:
    """Resolves an owner or rep cell (a Telegram id or a name) within what `actor` may assign."""

    def __init__(self, session: Session, actor: Account | None) -> None:
        users: Sequence[Any] = session.execute(  # (Session.execute: untyped rows)
            sa.select(
                col(User.id), col(User.telegram_id), col(User.name), col(User.team_id), col(User.manager_id)
            ).where(col(User.active))
        ).all()
        self.by_telegram_id = {str(tid): uid for uid, tid, _, _, _ in users}
        self.by_name: dict[str, list[int]] = {}
        for uid, _, name, _, _ in users:
            self.by_name.setdefault(name.strip().casefold(), []).append(uid)
        self.actor = actor
        self.allowed: set[int] | None = None
        if actor is not None and actor.role == Role.REP:
            self.allowed = {actor.id}
        elif actor is not None and actor.role == Role.MANAGER:
            self.allowed = {
                uid
                for uid, _, _, team, manager in users
                if uid == actor.id or manager == actor.id or (actor.team_id and team == actor.team_id)
            }

    @property
    def default(self) -> int | None:
        """Whose a row without an owner is: a rep's own, and a manager's of no team (an unassigned
        customer of no team is for the admins alone); unassigned for other managers and the CLI."""
        if self.actor is not None and (
            self.actor.role == Role.REP or (self.actor.role == Role.MANAGER and self.actor.team_id is None)
        ):
            return self.actor.id
        return None

    @property
    def team(self) -> int | None:
        """The team an unassigned customer waits in (its managers assign it): the importer's."""
        return self.actor.team_id if self.actor is not None else None

    def resolve(self, text: str) -> int | None:
        text = text.strip()
        if not text:
            return self.default
        found = self.by_telegram_id.get(text)
        if found is None:
            named = self.by_name.get(text.casefold(), [])
            if len(named) > 1:
                raise BadValue("owner_ambiguous", value=text)
            if not named:
                raise BadValue("owner_unknown", value=text)
            found = named[0]
        if self.allowed is not None and found not in self.allowed:
            raise BadValue("owner_rep" if self.actor and self.actor.role == Role.REP else "owner_team", value=text)
        return found


def visible(session: Session, actor: Account | None) -> set[int] | None:
    if actor is None or actor.role == Role.ADMIN:
        return None
    scope = customer_scope(actor, include_archived=True)  # an archived customer is still the same customer
    return {cid for cid in session.exec(select(Customer.id).where(scope)).all() if cid}


class CustomerIndex:
    """Customer references of an interaction or deals file: external id (anyone's, then checked
    against the actor's view), else the exact name among the customers the actor sees."""

    def __init__(self, session: Session, visible: set[int] | None) -> None:
        table = table_of(Customer)
        self.visible = visible
        self.by_external: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.owner: dict[int, int | None] = {}
        self.stage: dict[int, str] = {}
        rows: Iterable[Any] = session.execute(  # (Session.execute: untyped rows)
            sa.select(table.c.id, table.c.external_id, table.c.name, table.c.owner_id, table.c.stage).where(
                table.c.merged_into_id.is_(None)
            )
        )
        for cid, external, name, owner, stage in rows:
            if external:
                self.by_external[external] = cid
            if visible is None or cid in visible:
                self.by_name.setdefault(name, []).append(cid)
            self.owner[cid] = owner
            self.stage[cid] = stage

    def find(self, reference: str, name: str) -> int:
        """`reference` is an external id or a name; `name` the name column when both are given."""
        cid = self.by_external.get(reference)
        if cid is not None and (self.visible is None or cid in self.visible):
            return cid  # another's external id reads as no customer at all, as a name would
        text = name or reference
        matches = self.by_name.get(text, [])
        if len(matches) > 1:
            raise BadValue("customer_ambiguous", value=text, count=len(matches))
        if not matches:
            raise BadValue("customer_unknown", value=text)
        return matches[0]


class CellError(Exception):
    def __init__(self, code: str, column: str | None, params: dict[str, Any]) -> None:
        super().__init__(code)
        self.code, self.column, self.params = code, column, params


def cells_of(row: list[str], columns: Columns) -> dict[str, str]:
    return {name: (row[i].strip() if i < len(row) else "") for name, i in columns.index.items()}


# --- writing ---------------------------------------------------------------------------------------------


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_chunks(items: list[Any]) -> Iterable[list[Any]]:
    """Chunks for writing with progress: about a tenth of the rows each (100 to CHUNK)."""
    size = min(CHUNK, max(100, -(-len(items) // 10)))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]], *, with_ids: bool) -> list[int]:
    """Insert `rows` (all with the same keys); with `with_ids`, their new ids in order.

    PostgreSQL: ids drawn from the table's sequence in one query, rows sent with COPY. (Written
    by hand: SQLAlchemy's multi-row INSERT … RETURNING makes psycopg re-parse a 25,000-parameter
    statement per page, about 1 ms a row.) SQLite: a multi-row INSERT … RETURNING, fast there."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        if not with_ids:
            session.execute(insert(table), rows)
            return []
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(statement, rows).scalars().all())
    ids: list[int] = []
    if with_ids:
        sequence = connection.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table.name}', 'id')").scalar()
        ids = list(
            connection.exec_driver_sql(f"SELECT nextval('{sequence}') FROM generate_series(1, {len(rows)})").scalars()
        )
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    columns = list(rows[0])
    raw: Any = connection.connection.driver_connection  # psycopg's connection (PostgreSQL only here)
    quoted = ", ".join(f'"{column}"' for column in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                    for v in (row[c] for c in columns)
                ]
            )
    return ids


class Plan(ABC):
    """A validated import, ready to write."""

    report: ImportReport

    @abstractmethod
    def apply(self, session: Session, progress: Progress) -> None: ...
