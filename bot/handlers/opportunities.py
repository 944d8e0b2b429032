"""Open opportunities on the customer card: 🏆 won (logs the deal), ✖ lost (asks the reason),
🎯 edit (amount, signing date, stage, title)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.handlers.customers import show_card
from bot.keyboards import Button, markup
from bot.payloads import (
    CustomerCard,
    OpportunityEdit,
    OpportunityEditField,
    OpportunityLost,
    OpportunitySetStage,
    OpportunityWon,
)
from bot.replies import edit, reply
from core.interactions import opportunities
from core.models import PIPELINE_STAGES


def tier_changes(context: BotContext, changes: list[Any]) -> list[tuple[str, str, str]]:
    """(model, old tier, new tier) names of tier changes, for a reply."""
    policy, lang = context.services.policy, context.me.language

    def name(model: str, tier: str | None) -> str:
        spec = policy.tier(model, tier) if tier else None
        return spec.name.get(lang) if spec else (tier or "—")

    return [(policy.model(c.model).name.get(lang), name(c.model, c.old), name(c.model, c.new)) for c in changes]


@action(OpportunityWon)
async def won(update: Update, context: BotContext, payload: OpportunityWon) -> None:
    settings = context.services.settings
    closed = await context.run(
        opportunities.win,
        context.me,
        payload.id,
        as_of=context.as_of(),
    )
    await reply(
        update,
        context.render(
            "opportunities/closed",
            closed=closed,
            o=closed.opportunity,
            changes=tier_changes(context, closed.changes),
            currency=settings.currency,
        ),
    )
    await show_card(update, context, closed.opportunity.customer_id, as_new_message=True)


@action(OpportunityLost)
async def lost(update: Update, context: BotContext, payload: OpportunityLost) -> None:
    await begin(context, "opportunity.lost", {"id": payload.id})
    await reply(update, context.render("opportunities/ask", field="lost_reason"))


@expects("opportunity.lost")
@answers("opportunities")
async def lost_reason(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    settings = context.services.settings
    # no reason given: asked again; closed or gone meanwhile: the flow ends (bot.error_replies)
    closed = await context.run(
        opportunities.lose,
        context.me,
        int(data["id"]),
        text,
        as_of=context.as_of(),
    )
    await finish(context)
    await reply(
        update,
        context.render(
            "opportunities/closed",
            closed=closed,
            o=closed.opportunity,
            changes=tier_changes(context, closed.changes),
            currency=settings.currency,
        ),
    )
    await show_card(update, context, closed.opportunity.customer_id, as_new_message=True)


@action(OpportunityEdit)
async def edit_menu(update: Update, context: BotContext, payload: OpportunityEdit) -> None:
    opportunity_id = payload.id
    view = await context.run(opportunities.get_open, context.me, opportunity_id)
    fields = [
        Button.of(context.label(f"opportunity.{f}"), OpportunityEditField(id=opportunity_id, field=f), single_use=False)
        for f in opportunities.EDIT_FIELDS
    ]
    rows = [
        fields[:3],
        fields[3:],
        [Button.of(context.label("card.back"), CustomerCard(id=view.customer_id), single_use=False)],
    ]
    await edit(
        update,
        context.render("opportunities/edit_menu", o=view, currency=context.services.settings.currency),
        await markup(context, rows),
    )


@action(OpportunityEditField)
async def edit_field(update: Update, context: BotContext, payload: OpportunityEditField) -> None:
    opportunity_id, field = payload.id, payload.field
    if field not in opportunities.EDIT_FIELDS:
        return
    await context.run(opportunities.get_open, context.me, opportunity_id)
    if field == "stage":
        names = opportunities.stage_names(context.services.policy, context.me.language)
        buttons = [
            Button.of(names.get(s, s), OpportunitySetStage(id=opportunity_id, stage=s), single_use=False)
            for s in PIPELINE_STAGES
        ]
        await edit(
            update,
            context.render("opportunities/ask", field="stage"),
            await markup(context, [buttons[i : i + 3] for i in range(0, len(buttons), 3)]),
        )
        return
    await begin(context, "opportunity.edit", {"id": opportunity_id, "field": field})
    await reply(update, context.render("opportunities/ask", field=field))


@action(OpportunitySetStage)
async def set_stage(update: Update, context: BotContext, payload: OpportunitySetStage) -> None:
    view = await _save(context, payload.id, "stage", payload.stage)
    await show_card(update, context, view.customer_id)


@expects("opportunity.edit")
@answers("opportunities")
async def edit_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    # a bad value keeps the question open (type it again, or /cancel); closed or gone meanwhile
    # ends it (bot.error_replies)
    view = await _save(context, int(data["id"]), str(data["field"]), text)
    await finish(context)
    await reply(update, context.render("customers/saved"))
    await show_card(update, context, view.customer_id, as_new_message=True)


async def _save(context: BotContext, opportunity_id: int, field: str, value: str) -> opportunities.OpportunityView:
    settings = context.services.settings
    return await context.run(
        opportunities.edit,
        context.me,
        opportunity_id,
        field,
        value,
        as_of=context.as_of(),
        currency=settings.currency,
    )
