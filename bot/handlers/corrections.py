"""Correcting a saved log from the customer's History (✏️ n): text, customer, kind, date, amount
and currency, feedback. Each correction is one core call that validates like a new log and
re-tiers the customer (both, when the log moves) in the same transaction."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.handlers.customers import show_card
from bot.handlers.opportunities import tier_changes
from bot.keyboards import Button, markup
from bot.payloads import CustomerHistory, EditLog, FixLog, FixLogSet
from bot.replies import edit, reply
from core.errors import InvalidInput
from core.interactions import logbook
from core.models import FEEDBACK_KINDS, INTERACTION_KINDS
from core.names import book
from core.values import parse_instant

FLOW = "customer.fix_log"
FIELDS = ("summary", "customer", "kind", "occurred_at", "amount", "feedback")
TYPED = ("customer", "occurred_at", "amount")
CLEAR_LEAD = 10.0  # rapidfuzz points by which the best customer must lead to be taken without asking


@action(EditLog)
async def menu(update: Update, context: BotContext, payload: EditLog) -> None:
    customer_id, interaction_id = payload.id, payload.interaction
    item, feedback = await context.run(logbook.entry, context.me, interaction_id)
    buttons = [
        Button.of(
            context.label(f"correct.{f}"), FixLog(id=customer_id, interaction=interaction_id, field=f), single_use=False
        )
        for f in FIELDS
    ]
    rows = [
        buttons[:3],
        buttons[3:],
        [Button.of(context.label("correct.back"), CustomerHistory(id=customer_id), single_use=False)],
    ]
    zone = context.me.timezone or context.services.settings.timezone
    await edit(
        update, context.render("corrections/menu", i=item, feedback=feedback, zone=zone), await markup(context, rows)
    )


@action(FixLog)
async def pick(update: Update, context: BotContext, payload: FixLog) -> None:
    field = payload.field
    ref = {"id": payload.id, "interaction": payload.interaction}
    await context.run(logbook.entry, context.me, ref["interaction"])  # still there, still visible
    if field == "summary":  # the note itself: the History's text edit (bot/handlers/customers.py)
        await begin(context, "customer.edit_log", ref)
        await reply(update, context.render("customers/edit_log_prompt"))
        return
    if field in TYPED:
        await begin(context, FLOW, {**ref, "field": field})
        await reply(update, context.render("corrections/ask", field=field))
        return
    if field == "kind":
        options = [
            Button.of(
                context.label(f"kinds.{k}"),
                FixLogSet(id=payload.id, interaction=payload.interaction, field="kind", value=k),
                single_use=False,
            )
            for k in INTERACTION_KINDS
            if k != "other"
        ]
    elif field == "feedback":
        options = [
            Button.of(
                context.label(f"feedback_kinds.{k}"),
                FixLogSet(id=payload.id, interaction=payload.interaction, field="feedback", value=k),
                single_use=False,
            )
            for k in FEEDBACK_KINDS
        ]
        options.append(
            Button.of(
                context.label("log.none"),
                FixLogSet(id=payload.id, interaction=payload.interaction, field="feedback", value=None),
                single_use=False,
            )
        )
    else:
        return
    rows = [options[i : i + 3] for i in range(0, len(options), 3)]
    rows.append(
        [
            Button.of(
                context.label("log.back"), EditLog(id=payload.id, interaction=payload.interaction), single_use=False
            )
        ]
    )
    await edit(update, context.render("corrections/ask", field=field), await markup(context, rows))


@action(FixLogSet)
async def set_value(update: Update, context: BotContext, payload: FixLogSet) -> None:
    field = payload.field
    done = await _correct(context, payload.interaction, field, payload.value)
    await _show(update, context, field, done)


@expects(FLOW)
@answers("log")
async def typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    field, interaction_id = str(data["field"]), int(data["interaction"])
    # a bad value keeps the question open (type it again, or /cancel); a log gone ends it (bot.error_replies)
    value = await _typed_value(update, context, field, text, data)
    if value is None:
        return  # a choice of customers is on screen
    done = await _correct(context, interaction_id, field, value)
    await finish(context)
    await _show(update, context, field, done)


async def _typed_value(update: Update, context: BotContext, field: str, text: str, data: dict[str, Any]) -> Any:
    settings = context.services.settings
    if field == "amount":
        return text
    if field == "occurred_at":
        zone = context.me.timezone or settings.timezone
        try:  # a written-out date (2026-11-20 15:00, 20/11/2026) first, else words (昨天, last Friday)
            return parse_instant(text.strip(), ZoneInfo(zone)).isoformat()
        except ValueError:
            pass
        parsed = await context.run(
            book.read, context.me, text, now=context.now(), timezone=zone, currency=settings.currency
        )
        if not parsed.occurred_date_given or "invalid_date" in parsed.problems:
            raise InvalidInput("bad_date")
        return parsed.occurred_at.isoformat()
    found = await context.run(book.search, context.me, text, 6)
    if not found:
        raise InvalidInput("no_customer")
    if len(found) == 1 or found[0].score - found[1].score >= CLEAR_LEAD:
        return found[0].customer_id
    await finish(context)
    customer_id, interaction_id = int(data["id"]), int(data["interaction"])
    rows = [
        [
            Button.of(
                c.name,
                FixLogSet(id=customer_id, interaction=interaction_id, field="customer", value=c.customer_id),
                single_use=False,
            )
        ]
        for c in found
    ]
    await reply(update, context.render("corrections/ask", field="customer_choice"), await markup(context, rows))
    return None


async def _correct(context: BotContext, interaction_id: int, field: str, value: Any) -> logbook.Corrected:
    settings = context.services.settings
    return await context.run(
        logbook.correct,
        context.me,
        interaction_id,
        field,
        value,
        as_of=context.as_of(),
        currency=settings.currency,
    )


async def _show(update: Update, context: BotContext, field: str, done: logbook.Corrected) -> None:
    await reply(
        update,
        context.render(
            "corrections/saved",
            field=field,
            moved=done.customer_id != done.previous_customer_id,
            changes=tier_changes(context, done.changes),
        ),
    )
    await show_card(update, context, done.customer_id, as_new_message=True)
