"""The tier policy in chat, for managers and admins (the policy is organisation-wide; every change
is audited):

    /policy              the policy in force, readably (models, tiers and thresholds, cadences,
                         lead times), with ⬇ Download TOML and 🗂 Versions (each with ↩ Restore)
    a .toml document     validated (up to 10 errors with their key paths) → preview: how many
                         customers would change tier, per model and move → ✅ Apply / ✖ Cancel

Applying activates the version (every process picks it up within a minute, core.tier_records.policy_store),
re-tiers the book as a review would and queues the reps' tier-change notices. With
TIERBOT_POLICY_FILE set the operator pinned the policy: uploads and restores are refused.
A file over 256 KB is refused from `document.file_size`, before anything is downloaded.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.keyboards import Button, markup
from bot.payloads import PolicyApply, PolicyCancel, PolicyDownload, PolicyRestore, PolicyVersions
from bot.replies import edit, reply
from core.errors import NotFound
from core.tier_records import policy_store
from core.tiering import PolicyError, parse_policy

ISSUES_SHOWN = 10


def _zone(context: BotContext) -> ZoneInfo:
    return ZoneInfo(context.me.timezone or context.services.settings.timezone)


# --- /policy -----------------------------------------------------------------------------------------


async def command(update: Update, context: BotContext) -> None:
    if not context.me.is_manager:
        await reply(update, context.render("common/not_allowed", need="manager"))
        return
    source, policy = await context.run(policy_store.policy_in_force, context.services.settings)
    rows = [
        [
            Button.of(context.label("policy_buttons.download"), PolicyDownload(), single_use=False),
            Button.of(context.label("policy_buttons.versions"), PolicyVersions(), single_use=False),
        ]
    ]
    await reply(
        update,
        context.render("policy/show", policy=policy, source=source, zone=_zone(context)),
        await markup(context, rows),
    )


@action(PolicyDownload)
async def download(update: Update, context: BotContext, payload: PolicyDownload) -> None:
    if not context.me.is_manager:
        raise NotFound("policy")
    source, text = await context.run(policy_store.effective_source, context.services.settings)
    version = parse_policy(text).version
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(text.encode("utf-8"), filename=f"tier-policy-{version}.toml"),
        caption=context.render("policy/download_caption", source=source, version=version),
        parse_mode=ParseMode.HTML,
    )


@action(PolicyVersions)
async def versions(update: Update, context: BotContext, payload: PolicyVersions) -> None:
    if not context.me.is_manager:
        raise NotFound("policy")
    found, total = await context.run(policy_store.versions)
    pinned = context.services.settings.policy_file is not None
    rows = (
        []
        if pinned
        else [
            [Button.of(context.label("policy_buttons.restore", id=v.id), PolicyRestore(id=v.id))]
            for v in found
            if not v.current
        ]
    )
    if not pinned and found:
        rows.append([Button.of(context.label("policy_buttons.restore_default"), PolicyRestore(id=None))])
    await reply(
        update,
        context.render(
            "policy/versions",
            versions=found,
            total=total,
            pinned=pinned,
            path=str(context.services.settings.policy_file),
            zone=_zone(context),
        ),
        await markup(context, rows) if rows else None,
    )


@action(PolicyRestore)
@answers("policy")
async def restore(update: Update, context: BotContext, payload: PolicyRestore) -> None:
    draft = await context.run(
        policy_store.draft_from_version, context.services.settings, context.me, payload.id, now=context.now()
    )
    await _preview(update, context, draft)


# --- an uploaded .toml -------------------------------------------------------------------------------------


@answers("policy")
async def on_document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    policy_store.require_changeable(context.services.settings, context.me)  # pinned, or not a manager: said
    limit_kb = policy_store.MAX_POLICY_BYTES // 1024
    if document.file_size is not None and document.file_size > policy_store.MAX_POLICY_BYTES:
        # before download: no getFile at all
        await reply(update, context.render("policy/too_big", size_kb=document.file_size // 1024, limit_kb=limit_kb))
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    if len(content) > policy_store.MAX_POLICY_BYTES:  # file_size is optional in the Bot API
        await reply(update, context.render("policy/too_big", size_kb=len(content) // 1024, limit_kb=limit_kb))
        return
    name = (document.file_name or "policy.toml")[:100]
    try:
        text = content.decode("utf-8-sig")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", content, 0, 1, "NUL byte")
    except UnicodeDecodeError:
        await reply(update, context.render("policy/not_text", file=name))
        return
    try:
        draft = await context.run(
            policy_store.store_draft, context.services.settings, context.me, text, note=name, now=context.now()
        )
    except PolicyError as exc:  # every issue, with the file's name: said here
        await reply(
            update,
            context.render(
                "policy/invalid",
                file=name,
                issues=exc.issues[:ISSUES_SHOWN],
                more=max(len(exc.issues) - ISSUES_SHOWN, 0),
            ),
        )
        return
    await _preview(update, context, draft)


# --- preview, apply, cancel ---------------------------------------------------------------------------------


async def _preview(update: Update, context: BotContext, draft: policy_store.Draft) -> None:
    """One message: "checking…", then edited into the preview (the dry run reads the whole book:
    seconds for 100k customers, in a worker thread)."""
    chat = update.effective_chat
    assert chat is not None
    waiting = await chat.send_message(context.render("policy/checking", note=draft.note), parse_mode=ParseMode.HTML)
    services = context.services
    preview = await asyncio.to_thread(
        policy_store.preview_changes,
        services.db,
        draft.policy,
        services.policy,
        context.now(),
        org_timezone=services.settings.timezone,
    )
    rows = [
        [
            Button.of(context.label("policy_buttons.apply"), PolicyApply(draft=draft.id)),
            Button.of(context.label("policy_buttons.cancel"), PolicyCancel(draft=draft.id)),
        ]
    ]
    text = context.render(
        "policy/preview", draft=draft, policy=draft.policy, preview=preview, current=services.policy.version
    )
    keyboard = await markup(context, rows)
    try:
        await waiting.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except TelegramError:  # too long for one message, say: send it afresh
        await reply(update, text, keyboard)


@action(PolicyApply)
@answers("policy")
async def apply(update: Update, context: BotContext, payload: PolicyApply) -> str | None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.label("policy_buttons.applying"))  # the re-tiering takes a while
    services = context.services
    applied = await asyncio.to_thread(
        policy_store.apply, services.db, services.settings, context.me, payload.draft, context.now()
    )
    if applied is None:
        await edit(update, context.render("policy/already"))
        return None
    await asyncio.to_thread(services.policies.refresh)  # this process at once; the others within a minute
    await edit(update, context.render("policy/applied", applied=applied))
    return None


@action(PolicyCancel)
async def cancel(update: Update, context: BotContext, payload: PolicyCancel) -> str | None:
    discarded = await context.run(policy_store.discard, context.me, payload.draft)
    await edit(update, context.render("policy/cancelled" if discarded else "policy/already"))
    return None
