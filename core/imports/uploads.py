"""A CSV/XLSX file sent in chat, between its preview and the press of ✅ (table `upload`).

The bytes are stored when the file arrives, so whichever worker gets the confirming press can
import them. Confirming is exactly-once and all-or-nothing: the import runs in one transaction
that first locks the upload row and checks it is still a `preview`, writes every valid row and
marks the upload `done` — so a second press (a double tap, another worker) finds it done, and a
process that dies half-way leaves no row written and the upload still a `preview`, which makes
pressing ✅ again (the button is reusable for this reason) a safe retry. The stored bytes are
dropped once the upload is done or cancelled, and a preview never confirmed expires after
PREVIEW_TTL (`purge_stale`, from the hourly housekeeping sweep).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account, get_account
from core.as_of import AsOf
from core.db import Database
from core.errors import NotFound
from core.imports.file_reader import read_bytes
from core.imports.files import Table
from core.imports.importer import ImportReport, Progress, import_table, plan_table
from core.models import Upload
from core.names import book
from core.tier_records.retier import TierChange, pending_changes, recompute

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # well under the Bot API's 20 MB download limit; 50k CRM rows are ~10 MB
KINDS = ("customers", "interactions", "deals")
PREVIEW_TTL = timedelta(days=1)


def store(session: Session, account: Account, *, filename: str, content: bytes, kind: str | None, now: datetime) -> int:
    row = Upload(user_id=account.id, kind=kind or "unknown", filename=filename[:200], content=content, created_at=now)
    session.add(row)
    session.flush()
    return row.id or 0


def preview(
    session: Session,
    account: Account,
    upload_id: int,
    kind: str,
    *,
    as_of: AsOf,
    currency: str,
    table: Table | None = None,
) -> ImportReport:
    """Validate the upload as `kind` without keeping anything it would write; remembers the kind
    and the counts. The report says which tiers the import would change: the rows are written
    under a savepoint, the touched customers re-tiered as the import's end will do (a review's
    rules: pins stay, hysteresis), and the savepoint rolled back. `table` spares re-reading
    bytes the caller has just read."""
    upload = _own(session, account, upload_id)
    if table is None:
        table = read_bytes(upload.content)
    plan = plan_table(
        session,
        kind,
        table,
        actor=account,
        now=as_of.now,
        currency=currency,
        timezone=as_of.timezone,
        policy=as_of.policy,
    )
    report = plan.report
    if report.created or report.updated:
        savepoint = session.begin_nested()
        try:
            plan.apply(session, lambda done, total: None)
            report.tier_changes = pending_changes(session, as_of, customer_ids=report.touched_ids)
        finally:
            savepoint.rollback()
        report.created_ids, report.touched_ids = [], set()
    upload.kind, upload.summary = kind, report.summary()
    session.add(upload)
    return report


@dataclass(frozen=True)
class Unfinished:
    """An import that began and never ended: where its progress was shown, in whose language."""

    chat_id: int
    message_id: int
    language: str


def begin_import(session: Session, account: Account, upload_id: int, *, chat_id: int, message_id: int) -> None:
    """Note where the import's progress is shown, in a commit of its own before the import's
    transaction: the import's commit replaces the note, so a note found at the next start
    (`unfinished`) is an import the process died in. (Columns, not the row: not the file's bytes.)"""
    mine = (col(Upload.id) == upload_id, col(Upload.user_id) == account.id)
    summary = session.exec(select(Upload.summary).where(*mine)).first()
    if summary is None:
        raise NotFound("upload")
    session.exec(
        update(Upload)
        .where(*mine, col(Upload.status) == "preview")
        .values(summary={**summary, "progress": [chat_id, message_id]})
    )


def unfinished(session: Session) -> list[Unfinished]:
    """The imports cut short (their notes, cleared). A preview locked by an import running in
    another worker right now is skipped (PostgreSQL; SQLite has one bot process)."""
    statement = (
        select(Upload.id, Upload.user_id, Upload.summary)
        .where(Upload.status == "preview")
        .with_for_update(skip_locked=True)
    )
    found = []
    for upload_id, user_id, summary in session.exec(statement).all():
        if "progress" not in summary:
            continue
        chat_id, message_id = summary["progress"]
        rest = {k: v for k, v in summary.items() if k != "progress"}
        session.exec(update(Upload).where(col(Upload.id) == upload_id).values(summary=rest))
        found.append(Unfinished(int(chat_id), int(message_id), get_account(session, user_id).language))
    return found


def confirm(
    session: Session,
    account: Account,
    upload_id: int,
    *,
    as_of: AsOf,
    currency: str,
    progress: Progress | None = None,
) -> ImportReport | None:
    """Import the upload's valid rows; None when it is no longer waiting (done or cancelled)."""
    statement = select(Upload).where(Upload.id == upload_id, Upload.user_id == account.id).with_for_update()
    upload = session.exec(statement).first()
    if upload is None:
        raise NotFound("upload")
    if upload.status != "preview" or upload.kind not in KINDS:
        return None
    report = import_table(
        session,
        upload.kind,
        read_bytes(upload.content),
        actor=account,
        now=as_of.now,
        currency=currency,
        timezone=as_of.timezone,
        apply=True,
        skip_invalid=True,
        progress=progress,
        policy=as_of.policy,
    )
    upload.status, upload.summary, upload.finished_at, upload.content = "done", report.summary(), as_of.now, b""
    session.add(upload)
    audit.record(
        session,
        actor_id=account.id,
        action=f"import.{upload.kind}",
        now=as_of.now,
        target=f"upload:{upload.id}",
        file=upload.filename,
        **{k: v for k, v in report.summary().items() if k != "kind"},
    )
    book.invalidate_on_commit(session)  # new customers, names and owners to find
    return report


def retier_imported(db: Database, as_of: AsOf, *, touched_ids: Iterable[int]) -> list[TierChange]:
    """After a committed import: the customers it touched re-tiered once, as its preview said
    (a review's rules, as `tierbot import` does); the tier changes."""
    ids = sorted(touched_ids)
    if not ids:
        return []
    return recompute(db, as_of, review=True, customer_ids=ids).changes


def cancel(session: Session, account: Account, upload_id: int, *, now: datetime) -> bool:
    """Drop a previewed upload; False when it was already done or cancelled."""
    upload = _own(session, account, upload_id)
    if upload.status != "preview":
        return False
    upload.status, upload.finished_at, upload.content = "cancelled", now, b""
    session.add(upload)
    return True


def purge_stale(session: Session, now: datetime) -> int:
    """Expire the previews older than PREVIEW_TTL, dropping their bytes; how many. One UPDATE: a
    preview being imported right now is locked by its import and is `done` once that commits."""
    statement = (
        update(Upload)
        .where(col(Upload.status) == "preview", col(Upload.created_at) < now - PREVIEW_TTL)
        .values(status="expired", content=b"", finished_at=now)
    )
    return session.exec(statement).rowcount


def content_of(session: Session, account: Account, upload_id: int) -> bytes:
    return _own(session, account, upload_id).content


def _own(session: Session, account: Account, upload_id: int) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or upload.user_id != account.id:
        raise NotFound("upload")
    return upload
