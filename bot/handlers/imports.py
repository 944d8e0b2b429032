"""Import in chat: /import (what to send: customers, interactions or deals), a CSV/XLSX document →
preview (rows ready, rows with errors and why, every column read or not used by name, the tiers
the import will change) → ✅ Import / ✖ Cancel → one progress message edited as the rows are
written → the customers it touched re-tiered once → the result, and every row's outcome back as
a CSV (refused rows with their reason: fix them and send the file again).

A file over the limit is refused from `document.file_size`, before anything is downloaded.
Rights are core's (core.imports.importer): reps into their own book, managers for their team.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.button_dispatch import FailedAfterAnswer, action
from bot.context import BotContext
from bot.flow_dispatch import begin, expects, finish
from bot.import_texts import error_reasons, file_problem, row_line
from bot.keyboards import Button, markup
from bot.payloads import ImportCancel, ImportConfirm, ImportExpect, ImportKind
from bot.replies import edit, reply
from core.errors import ImportFileError, NotFound
from core.imports import uploads
from core.imports.file_reader import read_bytes
from core.imports.files import Table, normalise_header
from core.imports.importer import ImportReport, detect_kind, outcome_csv
from core.tier_records.retier import movements

log = logging.getLogger(__name__)
PREVIEW_ERRORS = 5  # error lines shown in the preview; the rest are in the returned file
PROGRESS_STEP = 10  # percent between two edits of the progress message
WAIT_FLOW = "import.wait"


# --- /import and the document ----------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    rows = [[Button.of(context.label(f"import_buttons.{kind}"), ImportExpect(kind=kind)) for kind in uploads.KINDS]]
    await reply(update, context.render("imports/how", limit=_limit_mb()), await markup(context, rows))


@action(ImportExpect)
async def expect(update: Update, context: BotContext, payload: ImportExpect) -> None:
    await begin(context, WAIT_FLOW, {"kind": payload.kind})
    await edit(update, context.render("imports/send_now", kind=payload.kind, limit=_limit_mb()))


@expects(WAIT_FLOW)
async def typed_while_waiting(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    await reply(update, context.render("imports/send_now", kind=data.get("kind", "customers"), limit=_limit_mb()))


async def on_document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    if document.file_size is not None and document.file_size > uploads.MAX_UPLOAD_BYTES:
        await _refuse_size(update, context, document.file_size)  # before download: no getFile at all
        return
    telegram_file = await document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    if len(content) > uploads.MAX_UPLOAD_BYTES:  # file_size is optional in the Bot API
        await _refuse_size(update, context, len(content))
        return
    kind = context.flow.data.get("kind") if context.flow and context.flow.flow == WAIT_FLOW else None
    if kind is not None:
        await finish(context)
    # a file that cannot be read at all: ImportFileError, said by bot.error_replies
    table = await asyncio.to_thread(read_bytes, content)
    kind = kind or detect_kind(table.headers)
    upload_id = await context.run(
        uploads.store,
        context.me,
        filename=document.file_name or "upload",
        content=content,
        kind=kind,
        now=context.now(),
    )
    if kind is None:
        rows = [
            [
                Button.of(context.label(f"import_buttons.{k}"), ImportKind(upload=upload_id, kind=k))
                for k in uploads.KINDS
            ]
        ]
        await reply(update, context.render("imports/which_kind"), await markup(context, rows))
        return
    await _preview(update, context, upload_id, kind, table, as_edit=False)


async def _refuse_size(update: Update, context: BotContext, size: int) -> None:
    problem = context.label("import_errors.too_big", size=f"{size / 1024 / 1024:.1f}", limit=_limit_mb())
    await reply(update, context.render("imports/problem", problem=problem))


def _limit_mb() -> int:
    return uploads.MAX_UPLOAD_BYTES // (1024 * 1024)


@action(ImportKind)
async def choose_kind(update: Update, context: BotContext, payload: ImportKind) -> None:
    content = await context.run(uploads.content_of, context.me, payload.upload)
    if not content:
        await edit(update, context.render("imports/already"))
        return
    table = await asyncio.to_thread(read_bytes, content)
    await _preview(update, context, payload.upload, payload.kind, table, as_edit=True)


# --- preview ------------------------------------------------------------------------------------------------


async def _preview(
    update: Update, context: BotContext, upload_id: int, kind: str, table: Table, *, as_edit: bool
) -> None:
    settings = context.services.settings
    send = edit if as_edit else reply
    try:
        report = await context.run(
            uploads.preview,
            context.me,
            upload_id,
            kind,
            as_of=context.as_of(),
            currency=settings.currency,
            table=table,
        )
    except ImportFileError as exc:  # the upload is dropped first; said where the preview would be
        await context.run(uploads.cancel, context.me, upload_id, now=context.now())
        await send(
            update,
            context.render(
                "imports/problem", problem=file_problem(context.services.renderer, context.me.language, exc)
            ),
        )
        return
    renderer, lang = context.services.renderer, context.me.language
    shown = [row_line(renderer, lang, error) for error in report.errors[:PREVIEW_ERRORS]]
    bad_lines = len({e.line for e in report.errors})
    to_write = report.created + report.updated
    text = context.render(
        "imports/preview",
        kind=kind,
        file=_file_name(update),
        report=report,
        shown=shown,
        bad_lines=bad_lines,
        role=context.me.role,
        columns=_column_words(context, report),
        movements=movements(report.tier_changes, context.services.policy),
        tier_customers=len({c.customer_id for c in report.tier_changes}),
    )
    if not to_write:
        await context.run(uploads.cancel, context.me, upload_id, now=context.now())
        await send(update, text)
        if report.errors:
            await _send_outcomes(update, context, report)
        return
    rows = [
        [
            Button.of(
                context.label("import_buttons.confirm", count=f"{to_write:,}"),
                ImportConfirm(upload=upload_id),
                single_use=False,
            ),
            Button.of(context.label("import_buttons.cancel"), ImportCancel(upload=upload_id), single_use=False),
        ]
    ]
    await send(update, text, await markup(context, rows))


def _file_name(update: Update) -> str:
    message = update.effective_message
    if message is not None and message.document is not None:
        return message.document.file_name or ""
    return ""


@action(ImportCancel)
async def cancel(update: Update, context: BotContext, payload: ImportCancel) -> str | None:
    cancelled = await context.run(uploads.cancel, context.me, payload.upload, now=context.now())
    if not cancelled:
        return context.label("buttons.done")
    await edit(update, context.render("imports/cancelled"))
    return None


# --- import ------------------------------------------------------------------------------------------------


@action(ImportConfirm)
async def confirm(update: Update, context: BotContext, payload: ImportConfirm) -> str | None:
    """The preview keeps ✅ until the import has committed: a process killed half-way (nothing
    written, the upload still a preview) leaves the same button to press again after the restart,
    where `tell_unfinished` corrects the progress message; a failure is told in a new message
    (the press was answered at once) and keeps it too."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer()
    progress = _Progress(context, update.effective_chat.id, asyncio.get_running_loop())
    await progress.begin()
    settings = context.services.settings
    now = context.now()
    try:
        await context.run(
            uploads.begin_import,
            context.me,
            payload.upload,
            chat_id=update.effective_chat.id,
            message_id=progress.message_id or 0,
        )
        report = await context.run(
            uploads.confirm,
            context.me,
            payload.upload,
            as_of=context.as_of(now),
            currency=settings.currency,
            progress=progress.report,
        )
    except NotFound:  # not the presser's upload (a forged key)
        await progress.show(context.label("buttons.gone"))
        return None
    except ImportFileError as exc:  # the stored file could not be read again (the reader's time limit)
        await progress.show(
            context.render("imports/problem", problem=file_problem(context.services.renderer, context.me.language, exc))
        )
        return None
    except Exception as exc:
        await progress.show(context.render("imports/stopped"))
        raise FailedAfterAnswer from exc  # the error handler logs it and tells the user in a new message
    if query.message is not None:
        try:
            await query.edit_message_reply_markup(None)  # committed: the preview stays, its buttons go
        except TelegramError:
            pass
    if report is None:
        await progress.show(context.render("imports/already"))
        return None
    await progress.finish(report)
    changes = await asyncio.to_thread(
        uploads.retier_imported,
        context.services.db,
        context.as_of(now),
        touched_ids=report.touched_ids,
    )
    await reply(
        update,
        context.render(
            "imports/result",
            report=report,
            movements=movements(changes, context.services.policy),
            tier_customers=len({c.customer_id for c in changes}),
        ),
    )
    await _send_outcomes(update, context, report)
    return None


async def tell_unfinished(application: Any) -> None:
    """At start: an import the process died in wrote nothing; its progress message, stuck at
    some percent, now says so, and the preview's ✅ (kept until a commit) runs it again."""
    services = application.bot_data.services
    for item in await services.run(uploads.unfinished):
        try:
            await application.bot.edit_message_text(
                services.renderer.render(item.language, "imports/stopped"),
                item.chat_id,
                item.message_id,
                parse_mode=ParseMode.HTML,
            )
        except TelegramError:  # deleted, too old to edit: the ✅ on the preview is still there
            pass


class _Progress:
    """One message edited as the import goes. `report` is called from the worker thread that
    writes the rows: it waits for each edit (at most one per PROGRESS_STEP percent), so the
    message moves in order and the edits cost the import no more than a few round trips."""

    def __init__(self, context: BotContext, chat_id: int, loop: asyncio.AbstractEventLoop) -> None:
        self.context, self.chat_id, self.loop = context, chat_id, loop
        self.message_id: int | None = None
        self.shown = -1

    async def begin(self) -> None:
        sent = await self.context.bot.send_message(
            self.chat_id, self.context.render("imports/progress", done=0, total=0, percent=0), parse_mode=ParseMode.HTML
        )
        self.message_id = sent.message_id

    def report(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent < 100 and percent < self.shown + PROGRESS_STEP:
            return
        self.shown = percent
        text = self.context.render("imports/progress", done=done, total=total, percent=percent)
        future = asyncio.run_coroutine_threadsafe(self.show(text), self.loop)
        try:
            future.result(timeout=30)
        except Exception:  # progress is cosmetic: a slow or failed edit never stops the import
            log.warning("import progress edit failed", exc_info=True)

    async def show(self, text: str) -> None:
        if self.message_id is None:
            return
        try:
            await self.context.bot.edit_message_text(text, self.chat_id, self.message_id, parse_mode=ParseMode.HTML)
        except TelegramError:  # "not modified", flood control: the next edit or the result follows
            pass

    async def finish(self, report: ImportReport) -> None:
        total = report.created + report.updated
        if self.shown < 100:
            await self.show(self.context.render("imports/progress", done=total, total=total, percent=100))


async def _send_outcomes(update: Update, context: BotContext, report: ImportReport) -> None:
    """Every row of the file with its outcome, and why for a refused one (the file can be fixed
    and sent again as it is: rows already in come out unchanged)."""
    renderer, lang = context.services.renderer, context.me.language
    content = outcome_csv(
        report,
        error_reasons(renderer, lang, report),
        (context.label("import_errors.outcome_header"), context.label("import_errors.reason_header")),
        {k: str(v) for k, v in renderer.section(lang, "import_outcomes").items()},
    )
    chat = update.effective_chat
    assert chat is not None
    stamp = context.now().strftime("%Y%m%d-%H%M")
    await chat.send_document(
        InputFile(content, filename=f"import-report-{stamp}.csv"),
        caption=context.render("imports/errors_caption", report=report, count=len({e.line for e in report.errors})),
        parse_mode=ParseMode.HTML,
    )


def _column_words(context: BotContext, report: ImportReport) -> list[tuple[str, str | None]]:
    """Each column read, with the field it fills in the reader's words when its header says it
    otherwise (创建时间 → 客户创建日期); None when the header is the field's own name."""
    renderer, lang = context.services.renderer, context.me.language
    section = {"customers": "export_customers", "interactions": "export_interactions", "deals": "import_deal_fields"}[
        report.kind
    ]
    words = {k: str(v) for k, v in renderer.section(lang, section).items()}
    words |= {f"attr:{item.name}": item.label.get(lang) for item in context.services.policy.inputs}
    found = []
    for header, name in report.columns:
        word = words.get(name, name)
        found.append((header, None if normalise_header(word) == normalise_header(header) else word))
    return found
