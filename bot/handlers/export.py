"""/export: the book the user may see (reps their own, managers their team, admins all) as an
XLSX workbook (customers, interactions, feedback) and the customers sheet as a CSV, with headers
and words in the user's language. The customers CSV imports back as it is."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode

from bot.app import BotContext
from core.exporter import (CADENCE_FIELDS, CUSTOMER_FIELDS, FEEDBACK_FIELDS, INTERACTION_FIELDS, OPPORTUNITY_FIELDS,
                           ExportLabels, export_book)


def labels_for(context: BotContext, lang: str) -> ExportLabels:
    renderer = context.services.renderer

    def section(name: str) -> dict[str, str]:
        return {k: str(v) for k, v in renderer.section(lang, name).items()}

    customers = section("export_customers")
    assert set(CUSTOMER_FIELDS + CADENCE_FIELDS) <= customers.keys()
    interactions, feedback = section("export_interactions"), section("export_feedback")
    assert set(INTERACTION_FIELDS) <= interactions.keys() and set(FEEDBACK_FIELDS) <= feedback.keys()
    opportunities = section("export_opportunities")
    assert set(OPPORTUNITY_FIELDS) <= opportunities.keys()
    values = {name: section(f"export_{name}") for name in ("stage", "pipeline_stage", "kind", "feedback_kind",
                                                            "status", "severity", "cadence", "opportunity_status")}
    return ExportLabels(sheets=section("export_sheets"), customers=customers, interactions=interactions,
                        feedback=feedback, tier_header=renderer.label(lang, "export_files.tier_header"),
                        values=values, opportunities=opportunities)


async def export(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    settings, lang, now = context.services.settings, context.me.language, context.now()
    result = await context.run(export_book, context.me, context.services.policy, now,
                               org_timezone=settings.timezone, currency=settings.currency, lang=lang,
                               labels=labels_for(context, lang))
    stem = f"{context.label('export_files.stem')}-{now.date().isoformat()}"
    caption = context.render("export/sent", role=context.me.role, customers=result.customers,
                             interactions=result.interactions, feedback=result.feedback)
    await chat.send_document(InputFile(result.xlsx, filename=f"{stem}.xlsx"), caption=caption,
                             parse_mode=ParseMode.HTML)
    await chat.send_document(InputFile(result.customers_csv, filename=f"{stem}-{context.label('export_files.customers')}.csv"),
                             caption=context.render("export/csv_caption"), parse_mode=ParseMode.HTML)
