"""Customers in chat: /new (guided or one line), /find, the customer card and its buttons
(Log · Feedback · Follow-up · Why this tier · History · Edit), and /tier NAME."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from telegram import Update

from bot.app_links import table_view, with_open_button
from bot.button_dispatch import Payload, action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish, pending
from bot.keyboards import Button, markup, page_row
from bot.payloads import (
    AliasAdd,
    AliasRemove,
    CustomerCard,
    CustomerCreate,
    CustomerDeleteLog,
    CustomerEdit,
    CustomerEditField,
    CustomerHistory,
    CustomerLog,
    CustomerNewSkip,
    CustomerNewSkipInput,
    CustomerNewStage,
    CustomerWhy,
    EditLog,
    FeedbackStart,
    FollowupStart,
    OpportunityEdit,
    OpportunityLost,
    OpportunityWon,
    OverrideStart,
)
from bot.replies import edit, reply
from core.customers import cards, registry
from core.customers.registry import NewCustomer
from core.errors import InvalidInput, NotFound
from core.interactions import logbook
from core.names import aliases, book

MATCH_SHOWN = 8
HISTORY_PAGE = 5
_SPLIT = re.compile(r"\s*[/|｜]\s*")
EDIT_FIELDS = (
    "name",
    "stage",
    "contact_name",
    "phone",
    "email",
    "birthday",
    "potential",
    "influence",
    "intention",
    "expectation",
    "satisfaction",
    "pipeline_stage",
    "expected_signing_date",
    "contract_start",
    "customer_since",
    "annual_revenue",
    "industry",
    "company",
    "notes",
)
ATTRIBUTE = registry.ATTRIBUTE  # attr:<name>: one of the policy's own inputs (sponsorship amount …)


def _fields(context: BotContext) -> list[tuple[str, str]]:
    """(field, label) of every field Edit offers: ours, then the policy's own inputs."""
    lang = context.me.language
    return [(f, context.label(f"fields.{f}")) for f in EDIT_FIELDS] + [
        (ATTRIBUTE + item.name, item.label.get(lang)) for item in context.services.policy.inputs
    ]


# --- /new ---------------------------------------------------------------------------------------


@answers("customers")
async def new(update: Update, context: BotContext) -> None:
    text = " ".join(context.args or []).strip()
    if not text:
        await begin(context, "customer.new", {"step": "name"})
        await reply(update, context.render("customers/new_prompt", step="name"))
        return
    parts = _SPLIT.split(text, maxsplit=2) + [None, None]
    await _propose(update, context, NewCustomer(parts[0] or "", "prospect", parts[1], parts[2]))


@expects("customer.new")
@answers("customers")
async def new_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    if data.get("step") == "name":
        await begin(context, "customer.new", {"step": "stage", "name": text.strip()[:200]})
        stages = [Button.of(context.label(f"stages.{s}"), CustomerNewStage(stage=s)) for s in ("prospect", "active")]
        await reply(
            update,
            context.render("customers/new_prompt", step="stage", name=text.strip()[:200]),
            await markup(context, [stages]),
        )
        return
    if data.get("step") == "stage":  # typed instead of pressed: ask again with the buttons
        stages = [Button.of(context.label(f"stages.{s}"), CustomerNewStage(stage=s)) for s in ("prospect", "active")]
        await reply(
            update,
            context.render("customers/new_prompt", step="stage", name=data.get("name", "")),
            await markup(context, [stages]),
        )
        return
    if data.get("step") == "contact":
        parts = _SPLIT.split(text.strip(), maxsplit=1) + [None]
        await _next_input(update, context, {**data, "contact": parts[0], "phone": parts[1], "inputs": {}})
        return
    if data.get("step") == "input":  # one of the policy's own inputs, typed
        value = registry.parse_input(text)  # not a number: said, and the question stays (bot.error_replies)
        name = str(data["input"])
        inputs = {**data.get("inputs", {}), **({name: value} if value is not None else {})}
        await _next_input(update, context, {**data, "inputs": inputs, "done": [*data.get("done", []), name]})
        return
    await reply(update, context.render("customers/new_prompt", step="name"))


async def _next_input(update: Update, context: BotContext, data: dict[str, Any], *, as_edit: bool = False) -> None:
    """Ask for the next of the policy's own inputs (a number, or Skip); none left: propose."""
    done = set(data.get("done", []))
    missing = [item for item in context.services.policy.inputs if item.name not in done]
    if not missing:
        # the customer first: its transaction claims the button pressed (a kill before it leaves
        # the flow and the button as they were)
        await _propose(
            update,
            context,
            NewCustomer(
                data["name"],
                data.get("stage", "prospect"),
                data.get("contact"),
                data.get("phone"),
                attributes=tuple(sorted(data.get("inputs", {}).items())),
            ),
        )
        await finish(context)
        return
    item = missing[0]
    await begin(context, "customer.new", {**data, "step": "input", "input": item.name})
    skip = Button.of(context.label("customers.skip_contact"), CustomerNewSkipInput())
    send = edit if as_edit else reply
    await send(
        update,
        context.render(
            "customers/new_prompt", step="input", name=data["name"], label=item.label.get(context.me.language)
        ),
        await markup(context, [[skip]]),
    )


@action(CustomerNewSkipInput)
async def new_skip_input(update: Update, context: BotContext, payload: CustomerNewSkipInput) -> None:
    flow = await pending(context)
    if flow is None or flow.flow != "customer.new" or flow.data.get("step") != "input":
        await edit(update, context.render("common/flow_gone"))
        return
    data = flow.data
    await _next_input(update, context, {**data, "done": [*data.get("done", []), data["input"]]}, as_edit=True)


@action(CustomerNewStage)
async def new_stage(update: Update, context: BotContext, payload: CustomerNewStage) -> None:
    flow = await pending(context)
    if flow is None or flow.flow != "customer.new" or "name" not in flow.data:
        await edit(update, context.render("common/flow_gone"))
        return
    await begin(context, "customer.new", {**flow.data, "step": "contact", "stage": payload.stage})
    skip = Button.of(context.label("customers.skip_contact"), CustomerNewSkip())
    await edit(
        update,
        context.render("customers/new_prompt", step="contact", name=flow.data["name"]),
        await markup(context, [[skip]]),
    )


@action(CustomerNewSkip)
async def new_skip(update: Update, context: BotContext, payload: CustomerNewSkip) -> None:
    flow = await pending(context)
    if flow is None or "name" not in flow.data:
        await finish(context)
        await edit(update, context.render("common/flow_gone"))
        return
    await _next_input(update, context, {**flow.data, "inputs": {}}, as_edit=bool(context.services.policy.inputs))


async def _propose(update: Update, context: BotContext, values: NewCustomer) -> None:
    """Create at once, unless a similar customer exists: then say so and let the rep choose. An
    invalid name or phone is said here, not by bot.error_replies: the caller goes on (the flow of
    /new ends after it either way)."""
    try:
        values = registry.validate_new(values)
    except InvalidInput as exc:
        await reply(update, context.render("customers/invalid", code=exc.code, **exc.params))
        return
    similar = await context.run(registry.similar, context.me, values.name)
    if not similar:
        await _create(update, context, values)
        return
    rows = [
        [
            Button.of(
                context.label("customers.create_anyway"),
                CustomerCreate(
                    name=values.name,
                    stage=values.stage,
                    contact=values.contact_name,
                    phone=values.phone,
                    inputs=dict(values.attributes),
                ),
            )
        ]
    ]
    rows += [
        [Button.of(s.name or "", CustomerCard(id=s.customer_id), single_use=False)]
        for s in similar
        if s.customer_id is not None
    ]
    await reply(
        update, context.render("customers/similar", name=values.name, similar=similar), await markup(context, rows)
    )


@action(CustomerCreate)
async def create_anyway(update: Update, context: BotContext, payload: CustomerCreate) -> None:
    await _create(
        update,
        context,
        NewCustomer(
            payload.name,
            payload.stage,
            payload.contact,
            payload.phone,
            attributes=tuple(sorted(payload.inputs.items())),
        ),
    )


async def _create(update: Update, context: BotContext, values: NewCustomer) -> None:
    customer_id = await context.run(
        registry.create_and_tier,
        context.me,
        values,
        context.as_of(),
    )
    await reply(update, context.render("customers/created", name=values.name))
    await show_card(update, context, customer_id, as_new_message=True)


# --- /find and the card --------------------------------------------------------------------------


async def find(update: Update, context: BotContext) -> None:
    query = " ".join(context.args or []).strip()
    if not query:
        await begin(context, "customer.find", {})
        await reply(update, context.render("customers/find_prompt"))
        return
    await _find(update, context, query)


@expects("customer.find")
async def find_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    await finish(context)
    await _find(update, context, text)


async def _find(update: Update, context: BotContext, query: str) -> None:
    found = await context.run(book.search, context.me, query, MATCH_SHOWN)
    # the table searched for the same text (which also reads notes, phones and tags)
    view = table_view(q=query[:200])
    if not found:
        await reply(
            update,
            context.render("customers/none_found", query=query[:100]),
            with_open_button(update, context, None, view),
        )
        return
    rows = [[Button.of(c.name, CustomerCard(id=c.customer_id), single_use=False)] for c in found]
    await reply(
        update,
        context.render("customers/found", query=query[:100], count=len(found)),
        with_open_button(update, context, await markup(context, rows), view),
    )


@action(CustomerCard)
async def card_pressed(update: Update, context: BotContext, payload: CustomerCard) -> None:
    await show_card(update, context, payload.id)


async def show_card(update: Update, context: BotContext, customer_id: int, *, as_new_message: bool = False) -> None:
    settings = context.services.settings
    try:
        data = await context.run(
            cards.card,
            context.me,
            customer_id,
            context.as_of(),
            lang=context.me.language,
            currency=settings.currency,
        )
    except NotFound:  # the card is drawn after the work of every area (a pin, a log): said here
        await reply(update, context.render("customers/not_found"))
        return
    text = context.render("customers/card", card=data, c=data.customer, currency=settings.currency)
    keyboard = await markup(
        context,
        card_buttons(context, customer_id, [o.id for o in data.opportunities])
        + alias_rows(context, customer_id, data.aliases),
    )
    if as_new_message or update.callback_query is None:
        await reply(update, text, keyboard)
    else:
        await edit(update, text, keyboard)


def card_buttons(context: BotContext, customer_id: int, opportunity_ids: Sequence[int] = ()) -> list[list[Button]]:
    def button(key: str, payload: Payload) -> Button:
        return Button.of(context.label(f"card.{key}"), payload, single_use=False)

    c = customer_id
    rows = [
        [
            button("log", CustomerLog(id=c)),
            button("feedback", FeedbackStart(id=c)),
            button("followup", FollowupStart(id=c)),
        ],
        [
            button("why", CustomerWhy(id=c)),
            button("history", CustomerHistory(id=c)),
            button("edit", CustomerEdit(id=c)),
        ],
    ]
    if context.me.is_manager:  # 人工调档 (bot/handlers/overrides.py)
        rows.append([Button.of(context.label("override_buttons.pin"), OverrideStart(id=c), single_use=False)])
    # open opportunities, numbered as the card lists them (bot/handlers/opportunities.py)
    rows += [
        [
            Button.of(f"🏆 {n}", OpportunityWon(id=oid)),
            Button.of(f"✖ {n}", OpportunityLost(id=oid), single_use=False),
            Button.of(f"🎯 {n}", OpportunityEdit(id=oid), single_use=False),
        ]
        for n, oid in enumerate(opportunity_ids, start=1)
    ]
    return rows


@action(CustomerWhy)
@answers("customers")
async def why(update: Update, context: BotContext, payload: CustomerWhy) -> None:
    await explain(update, context, payload.id)


async def explain(update: Update, context: BotContext, customer_id: int) -> None:
    view, badges, lines, actions = await context.run(
        cards.explanation,
        context.me,
        customer_id,
        context.as_of(),
        lang=context.me.language,
    )
    back = Button.of(context.label("card.back"), CustomerCard(id=customer_id), single_use=False)
    await reply(
        update,
        context.render("customers/why", c=view, models=list(zip(badges, lines, strict=True)), actions=actions),
        await markup(context, [[back]]),
    )


@action(CustomerHistory)
@answers("customers")
async def history(update: Update, context: BotContext, payload: CustomerHistory) -> None:
    customer_id, offset = payload.id, payload.offset
    items, total = await context.run(logbook.history, context.me, customer_id, limit=HISTORY_PAGE, offset=offset)
    view = await context.run(registry.get, context.me, customer_id)
    rows = (
        [
            [
                Button.of(f"✏️ {offset + i + 1}", EditLog(id=customer_id, interaction=item.id), single_use=False)
                for i, item in enumerate(items)
            ],
            [
                Button.of(f"🗑 {offset + i + 1}", CustomerDeleteLog(id=customer_id, interaction=item.id))
                for i, item in enumerate(items)
            ],
        ]
        if items
        else []
    )
    rows += page_row(payload, at=offset, step=HISTORY_PAGE, end=total)
    rows.append([Button.of(context.label("card.back"), CustomerCard(id=customer_id), single_use=False)])
    zone = context.me.timezone or context.services.settings.timezone
    await edit(
        update,
        context.render("customers/history", c=view, items=items, offset=offset, total=total, zone=zone),
        await markup(context, rows),
    )


@action(CustomerDeleteLog)
async def delete_log(update: Update, context: BotContext, payload: CustomerDeleteLog) -> str:
    customer_id = await context.run(
        logbook.delete_interaction,
        context.me,
        payload.interaction,
        context.as_of(),
    )
    await history(update, context, CustomerHistory(id=customer_id))
    return context.label("card.deleted")  # the pop-up the press is answered with


@expects("customer.edit_log")
@answers("log")
async def edit_log_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    await context.run(logbook.edit_summary, context.me, int(data["interaction"]), text, context.now())
    await finish(context)
    await reply(update, context.render("customers/saved"))
    await show_card(update, context, int(data["id"]), as_new_message=True)


# --- editing one field ---------------------------------------------------------------------------


@action(CustomerEdit)
async def edit_menu(update: Update, context: BotContext, payload: CustomerEdit) -> None:
    customer_id = payload.id
    buttons = [
        Button.of(label, CustomerEditField(id=customer_id, field=f), single_use=False) for f, label in _fields(context)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([Button.of(context.label("card.back"), CustomerCard(id=customer_id), single_use=False)])
    await edit(update, context.render("customers/edit_menu"), await markup(context, rows))


@action(CustomerEditField)
async def edit_field(update: Update, context: BotContext, payload: CustomerEditField) -> None:
    field = payload.field
    labels = dict(_fields(context))
    if field not in labels:
        return
    await begin(context, "customer.edit", {"id": payload.id, "field": field})
    await reply(update, context.render("customers/edit_prompt", field=field, label=labels[field]))


@expects("customer.edit")
@answers("customers")
async def edit_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    settings = context.services.settings
    customer_id = int(data["id"])
    field = str(data["field"])
    value = _stage_word(text) if field == "stage" else text
    await context.run(
        registry.edit_field,
        context.me,
        customer_id,
        field,
        value,
        as_of=context.as_of(),
        currency=settings.currency,
    )
    await finish(context)
    await reply(update, context.render("customers/saved"))
    await show_card(update, context, customer_id, as_new_message=True)


_STAGE_WORDS = {"待签约": "prospect", "潜在": "prospect", "服务中": "active", "已签约": "active", "流失": "lost"}


def _stage_word(text: str) -> str:
    return _STAGE_WORDS.get(text.strip(), text)


# --- /tier NAME -----------------------------------------------------------------------------------


@answers("customers")
async def tier(update: Update, context: BotContext) -> None:
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(update, context.render("customers/tier_usage"))
        return
    found = await context.run(book.search, context.me, query, MATCH_SHOWN)
    if not found:
        await reply(update, context.render("customers/none_found", query=query[:100]))
    elif len(found) == 1 or found[0].score - found[1].score >= 10:
        await explain(update, context, found[0].customer_id)
    else:
        rows = [[Button.of(c.name, CustomerWhy(id=c.customer_id), single_use=False)] for c in found]
        await reply(
            update, context.render("customers/found", query=query[:100], count=len(found)), await markup(context, rows)
        )


# --- aliases (别名) on the card: each removable with one tap, added by typing ------------------------


def alias_rows(context: BotContext, customer_id: int, shown: list[aliases.AliasView]) -> list[list[Button]]:
    removes = [
        Button.of(context.label("aliases.remove", text=a.text[:24]), AliasRemove(id=customer_id, alias=a.id))
        for a in shown
    ]
    rows = [removes[i : i + 3] for i in range(0, len(removes), 3)]
    rows.append([Button.of(context.label("aliases.add"), AliasAdd(id=customer_id), single_use=False)])
    return rows


@action(AliasAdd)
async def alias_add(update: Update, context: BotContext, payload: AliasAdd) -> None:
    customer_id = payload.id
    view = await context.run(registry.get, context.me, customer_id)
    await begin(context, "customer.alias", {"id": customer_id})
    await reply(update, context.render("customers/alias_prompt", name=view.name))


@expects("customer.alias")
@answers("customers")
async def alias_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    customer_id = int(data["id"])
    await finish(context)
    try:
        added = await context.run(aliases.add, context.me, customer_id, text[:200], now=context.now())
    except InvalidInput as exc:  # said with the text typed, and the card again to try another
        await reply(
            update,
            context.render(
                "customers/alias_refused", code=exc.code, value=text.strip()[:40], other=exc.params.get("other", "")
            ),
        )
        await show_card(update, context, customer_id, as_new_message=True)
        return
    view = await context.run(registry.get, context.me, customer_id)
    await reply(update, context.render("customers/alias_added", value=added.text, name=view.name))
    await show_card(update, context, customer_id, as_new_message=True)


@action(AliasRemove)
async def alias_remove(update: Update, context: BotContext, payload: AliasRemove) -> str | None:
    customer_id = await context.run(aliases.remove, context.me, payload.alias, now=context.now())
    await show_card(update, context, customer_id)
    return context.label("aliases.removed")
