"""/summary [team|@rep] [week|month|quarter]: the tier summary of a team, one person or the
organisation, as one chart (PNG) and one message with buttons that drill down (a tier's
customers, a person's overdue contacts). Managers and admins only.

Nothing heavy runs on the event loop: the figures are computed in a worker thread in one
transaction (`context.run`), the chart in another (`asyncio.to_thread`); the per-chat update
processor (bot/ordering.py) keeps other users' messages flowing meanwhile.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from telegram import Update
from telegram.constants import ChatAction

from bot.app_links import dashboard_view, with_open_button
from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.handlers.customers import show_card
from bot.keyboards import Button, markup
from bot.payloads import SummaryCard, SummaryOpen, SummaryOverdue, SummaryTier
from bot.render import Renderer
from bot.replies import edit, reply
from core.reports import charts, drilldown, labels, scoping, summary
from core.reports.figures import Summary

TIER_PAGE = 10
OVERDUE_SHOWN = 15
PEOPLE_BUTTONS = 6


@answers("summary")
async def show(update: Update, context: BotContext) -> None:
    if not context.me.is_manager:
        await reply(update, context.render("common/not_allowed", need="manager"))
        return
    request = scoping.parse_request(list(context.args or []))
    await send_summary(update, context, request)


@action(SummaryOpen)
@answers("summary")
async def open_pressed(update: Update, context: BotContext, payload: SummaryOpen) -> None:
    """The button under the weekly push: the same summary, with its chart and buttons."""
    await send_summary(update, context, scoping.Request(period=payload.period))


async def send_summary(update: Update, context: BotContext, request: scoping.Request) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_chat_action(ChatAction.UPLOAD_PHOTO)
    figures = await context.run(
        summary.figures,
        context.me,
        context.as_of(),
        request=request,
    )
    lang = context.me.language
    params = figures.params()  # the chart and the templates read the JSON-safe form
    labels = chart_labels(context.services.renderer, lang, params)
    png = await asyncio.to_thread(charts.summary_chart, params, lang, labels)
    await chat.send_photo(png, filename="summary.png")
    keyboard = with_open_button(
        update,
        context,
        await markup(context, _buttons(context, figures)),
        dashboard_view(figures.period, request.person, request.team),
    )
    await reply(update, context.render("summary/summary", s=params), keyboard)


def chart_labels(renderer: Renderer, lang: str, params: dict[str, Any]) -> dict[str, str]:
    """The chart's words in `lang`, the title naming the scope and the period."""
    labels = renderer.section(lang, "summary_chart")
    scope = renderer.render(lang, "summary/_scope", s=params)
    period = renderer.label(lang, f"summary.period_{params['period']}")
    return {**labels, "title": labels["title"].format(scope=scope, period=period)}


def _buttons(context: BotContext, figures: Summary) -> list[list[Button]]:
    """One button per tier that holds customers (ordered models), then the people with the most
    overdue contacts."""
    lang = context.me.language
    scope = figures.scope.as_payload()
    tiers = [
        Button.of(
            context.label("summary.tier_button", name=tier.name[lang], n=tier.customers),
            SummaryTier(scope=scope, model=model.code, tier=tier.code),
            single_use=False,
        )
        for model in figures.models
        if model.ordered
        for tier in model.tiers
        if tier.customers
    ]
    people = [
        Button.of(
            context.label("summary.overdue_button", name=p.name, n=p.overdue),
            SummaryOverdue(user_id=p.user_id),
            single_use=False,
        )
        for p in figures.overdue_people[:PEOPLE_BUTTONS]
    ]
    return [row for row in (*_rows(tiers, 3), *_rows(people, 2)) if row]


def _rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[start : start + width] for start in range(0, len(buttons), width)]


# --- drill-down -----------------------------------------------------------------------------------


@action(SummaryTier)
@answers("summary.drill")
async def tier_pressed(update: Update, context: BotContext, payload: SummaryTier) -> None:
    offset = max(payload.offset or 0, 0)
    lines, total = await context.run(
        drilldown.tier_page,
        context.me,
        context.services.policy,
        dict(payload.scope),
        payload.model,
        payload.tier,
        offset=offset,
        limit=TIER_PAGE,
    )
    policy = context.services.policy
    model = policy.model_by_code.get(payload.model)
    text = context.render(
        "summary/tier_list",
        lines=lines,
        total=total,
        offset=offset,
        model_name={lang: model.name.get(lang) for lang in ("zh", "en")} if model else {},
        tier_name=labels.tier_label(policy, payload.model, payload.tier),
    )
    rows = [
        [
            Button.of(
                f"{offset + n} {context.label('summary.card')}", SummaryCard(id=line.customer_id), single_use=False
            )
            for n, line in enumerate(lines[start : start + 5], start=start + 1)
        ]
        for start in range(0, len(lines), 5)
    ]
    nav = []
    if offset > 0:
        nav.append(
            Button.of(
                context.label("summary.back"),
                dataclasses.replace(payload, offset=max(offset - TIER_PAGE, 0)),
                single_use=False,
            )
        )
    if offset + len(lines) < total:
        nav.append(
            Button.of(
                context.label("summary.more"), dataclasses.replace(payload, offset=offset + TIER_PAGE), single_use=False
            )
        )
    keyboard = await markup(context, [*rows, nav] if nav else rows) if rows or nav else None
    if payload.offset is not None:  # paging: the list in place
        await edit(update, text, keyboard)
    else:  # from the summary: a new message, so the summary stays
        await reply(update, text, keyboard)


@action(SummaryOverdue)
@answers("summary.drill")
async def overdue_pressed(update: Update, context: BotContext, payload: SummaryOverdue) -> None:
    # moved to another team since the summary was sent: InvalidInput, said briefly (bot.error_replies)
    name, contacts = await context.run(
        drilldown.overdue_of,
        context.me,
        context.as_of(),
        user_id=payload.user_id,
    )
    shown = contacts[:OVERDUE_SHOWN]
    rows = [
        [
            Button.of(f"{n} {context.label('summary.card')}", SummaryCard(id=c.customer_id), single_use=False)
            for n, c in enumerate(shown[start : start + 5], start=start + 1)
        ]
        for start in range(0, len(shown), 5)
    ]
    text = context.render("summary/overdue_list", person=name, contacts=shown, total=len(contacts))
    await reply(update, text, await markup(context, rows) if rows else None)


@action(SummaryCard)
async def card_pressed(update: Update, context: BotContext, payload: SummaryCard) -> None:
    """A customer's card as a new message (the list it was picked from stays)."""
    await show_card(update, context, payload.id, as_new_message=True)
