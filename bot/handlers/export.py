"""/export: the book the user may see (reps their own, managers their team, admins all) as an
XLSX workbook a manager can filter (customers with tiers, scores and figures, interactions,
feedback, opportunities) and the customers as a CSV, with headers and words in the user's
language. The customers CSV imports back as it is. A book over Telegram's 50 MB comes as one
workbook per sheet (a sheet in parts) and a zipped CSV, and the message says so."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode

from bot.context import BotContext
from core.reports.exporter import (
    CADENCE_FIELDS,
    CUSTOMER_FIELDS,
    FEEDBACK_FIELDS,
    FIGURE_FIELDS,
    INTERACTION_FIELDS,
    OPPORTUNITY_FIELDS,
    ExportFile,
    ExportLabels,
    export_book,
)


def labels_for(context: BotContext, lang: str) -> ExportLabels:
    renderer = context.services.renderer

    def section(name: str) -> dict[str, str]:
        return {k: str(v) for k, v in renderer.section(lang, name).items()}

    customers = section("export_customers")
    assert set(CUSTOMER_FIELDS + FIGURE_FIELDS + CADENCE_FIELDS) <= customers.keys()
    interactions, feedback = section("export_interactions"), section("export_feedback")
    assert set(INTERACTION_FIELDS) <= interactions.keys() and set(FEEDBACK_FIELDS) <= feedback.keys()
    opportunities = section("export_opportunities")
    assert set(OPPORTUNITY_FIELDS) <= opportunities.keys()
    values = {
        name: section(f"export_{name}")
        for name in (
            "stage",
            "pipeline_stage",
            "kind",
            "feedback_kind",
            "status",
            "severity",
            "cadence",
            "opportunity_status",
        )
    }
    files = section("export_files")
    return ExportLabels(
        sheets=section("export_sheets"),
        customers=customers,
        interactions=interactions,
        feedback=feedback,
        tier_header=files["tier_header"],
        values=values,
        opportunities=opportunities,
        score_header=files["score_header"],
        list_separator=files["list_separator"],
    )


async def export(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    settings, lang, now = context.services.settings, context.me.language, context.now()
    labels = labels_for(context, lang)
    result = await context.run(
        export_book,
        context.me,
        context.as_of(now),
        currency=settings.currency,
        lang=lang,
        labels=labels,
    )
    stem = f"{context.label('export_files.stem')}-{now.date().isoformat()}"
    caption = context.render(
        "export/sent",
        role=context.me.role,
        customers=result.customers,
        interactions=result.interactions,
        feedback=result.feedback,
        split=result.split,
        files=len(result.files),
    )
    for index, item in enumerate(result.files):
        await chat.send_document(
            InputFile(item.content, filename=_file_name(stem, item, labels, context)),
            caption=caption
            if index == 0
            else (context.render("export/csv_caption", zipped=item.zipped) if item.kind == "customers_csv" else None),
            parse_mode=ParseMode.HTML,
        )


def _file_name(stem: str, item: ExportFile, labels: ExportLabels, context: BotContext) -> str:
    if item.kind == "customers_csv":
        name = f"{stem}-{context.label('export_files.customers')}"
        return f"{name}.zip" if item.zipped else f"{name}.csv"
    if item.sheet is None:
        return f"{stem}.xlsx"
    part = f"-{item.part}of{item.parts}" if item.parts > 1 else ""
    return f"{stem}-{labels.sheets[item.sheet]}{part}.xlsx"
