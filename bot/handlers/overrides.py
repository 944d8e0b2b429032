"""Overrides in chat (人工调档), for managers and admins:

    /override                              the pins in force in your scope, and how to pin
    /override NAME TIER REASON [until DATE]   pin (TIER as code or name: VIP, 重要, key, A …)
    /override NAME off                     remove the customer's pins

and from the customer card: 📌 Pin tier → model → tier → the reason typed (optionally ending in
`until DATE`), or ✖ Unpin. The model is inferred from the tier's name; when the name fits several
models that grade the customer, buttons ask which. Rights and the audit are core's (core.tier_records.overrides).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.handlers.customers import show_card
from bot.keyboards import Button, markup
from bot.payloads import (
    CustomerCard,
    OverrideCustomer,
    OverrideModel,
    OverridePickModel,
    OverridePickTier,
    OverrideRemove,
    OverrideStart,
)
from bot.replies import edit, reply
from core.errors import NotFound
from core.names import book
from core.tier_records import overrides

MATCH_SHOWN = 8
CLEAR_LEAD = 10  # rapidfuzz points by which the best match must lead to be taken without asking
LISTED = 20  # pins listed by a bare /override
REASON_FLOW = "override.reason"


def _today(context: BotContext) -> date:
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    return context.now().astimezone(zone).date()


def _zone(context: BotContext) -> str:
    return context.me.timezone or context.services.settings.timezone


# --- /override -------------------------------------------------------------------------------------


@answers("overrides")
async def command(update: Update, context: BotContext) -> None:
    if not context.me.is_manager:
        await reply(update, context.render("common/not_allowed", need="manager"))
        return
    policy = context.services.policy
    text = " ".join(context.args or []).strip()
    if not text:
        pins = await context.run(
            overrides.active_overrides,
            context.me,
            context.now(),
            policy,
            lang=context.me.language,
            timezone=_zone(context),
            limit=LISTED + 1,
        )
        await reply(update, context.render("overrides/usage", pins=pins[:LISTED], more=len(pins) > LISTED))
        return
    args = overrides.parse_args(policy, text, _today(context))
    asked = OverrideCustomer(
        id=0,
        word=args.word,
        choices=tuple((c.model, c.tier) for c in args.choices),
        reason=args.reason,
        until=args.until.isoformat() if args.until else None,
        off=args.off,
    )
    found = await context.run(book.search, context.me, args.name, MATCH_SHOWN)
    if not found:
        await reply(update, context.render("customers/none_found", query=args.name[:100]))
    elif len(found) == 1 or found[0].score - found[1].score >= CLEAR_LEAD:
        await _go(update, context, dataclasses.replace(asked, id=found[0].customer_id))
    else:
        rows = [[Button.of(c.name, dataclasses.replace(asked, id=c.customer_id))] for c in found]
        await reply(
            update, context.render("overrides/choose_customer", query=args.name[:100]), await markup(context, rows)
        )


@action(OverrideCustomer)
@answers("overrides")
async def customer_chosen(update: Update, context: BotContext, payload: OverrideCustomer) -> None:
    await _go(update, context, payload)


async def _go(update: Update, context: BotContext, payload: OverrideCustomer) -> None:
    """A customer and what the command asked: remove, pin, or ask for the model or the reason."""
    customer_id = payload.id
    if payload.off:
        await _unpin(update, context, customer_id, None)
        return
    policy = context.services.policy
    models = await context.run(overrides.models_for, context.me, policy, customer_id)
    choices = [c for c in payload.choices if c[0] in models]
    if not choices:
        await reply(update, context.render("overrides/invalid", code="override_no_model", value=payload.word))
        return
    if len(choices) > 1:
        rows = [
            [
                Button.of(
                    policy.model(model).name.get(context.me.language),
                    OverrideModel(id=customer_id, model=model, tier=tier, reason=payload.reason, until=payload.until),
                )
            ]
            for model, tier in choices
        ]
        await reply(update, context.render("overrides/choose_model", word=payload.word), await markup(context, rows))
        return
    [(model, tier)] = choices
    await _pin_or_ask(update, context, customer_id, model, tier, payload.reason, payload.until)


@action(OverrideModel)
@answers("overrides")
async def model_chosen(update: Update, context: BotContext, payload: OverrideModel) -> None:
    await _pin_or_ask(update, context, payload.id, payload.model, payload.tier, payload.reason, payload.until)


async def _pin_or_ask(
    update: Update, context: BotContext, customer_id: int, model: str, tier: str, reason: str, until: str | None
) -> None:
    if reason.strip():
        await _pin(update, context, customer_id, model, tier, reason, date.fromisoformat(until) if until else None)
        return
    await begin(context, REASON_FLOW, {"id": customer_id, "model": model, "tier": tier, "until": until})
    await reply(update, context.render("overrides/reason_prompt", **_names(context, model, tier)))


async def _pin(
    update: Update, context: BotContext, customer_id: int, model: str, tier: str, reason: str, until: date | None
) -> None:
    pinned = await context.run(
        overrides.pin,
        context.me,
        context.as_of(),
        customer_id,
        model,
        tier,
        reason,
        until=until,
        timezone=_zone(context),
    )
    replaced = context.services.policy.tier(model, pinned.replaced) if pinned.replaced else None
    await reply(
        update,
        context.render(
            "overrides/pinned", pin=pinned.pin, replaced=replaced.name.get(context.me.language) if replaced else None
        ),
    )
    await show_card(update, context, customer_id, as_new_message=True)


@expects(REASON_FLOW)
@answers("overrides")
async def reason_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    reason, until = overrides.split_until(text, _today(context))  # unreadable: said, the flow stays
    if data.get("until") and until is None:
        until = date.fromisoformat(data["until"])
    if not reason:
        await reply(update, context.render("overrides/reason_prompt", **_names(context, data["model"], data["tier"])))
        return
    await finish(context)
    await _pin(update, context, int(data["id"]), data["model"], data["tier"], reason, until)


def _names(context: BotContext, model: str, tier: str) -> dict[str, str]:
    policy, lang = context.services.policy, context.me.language
    spec = policy.tier(model, tier)
    return {"model_name": policy.model(model).name.get(lang), "tier_name": spec.name.get(lang) if spec else tier}


# --- from the card -----------------------------------------------------------------------------------


@action(OverrideStart)
@answers("overrides")
async def start_from_card(update: Update, context: BotContext, payload: OverrideStart) -> None:
    customer_id = payload.id
    policy, lang = context.services.policy, context.me.language
    models = await context.run(overrides.models_for, context.me, policy, customer_id)
    pins = await context.run(
        overrides.active_overrides,
        context.me,
        context.now(),
        policy,
        lang=lang,
        timezone=_zone(context),
        customer_ids=[customer_id],
    )
    rows = [
        [Button.of(policy.model(m).name.get(lang), OverridePickModel(id=customer_id, model=m), single_use=False)]
        for m in models
    ]
    rows += [
        [
            Button.of(
                context.label("override_buttons.unpin", model=p.model_name),
                OverrideRemove(id=customer_id, model=p.model),
            )
        ]
        for p in pins
    ]
    rows.append([Button.of(context.label("card.back"), CustomerCard(id=customer_id), single_use=False)])
    await edit(
        update, context.render("overrides/menu", pins=pins, has_models=bool(models)), await markup(context, rows)
    )


@action(OverridePickModel)
async def pick_model(update: Update, context: BotContext, payload: OverridePickModel) -> None:
    customer_id, model = payload.id, payload.model
    policy, lang = context.services.policy, context.me.language
    spec = policy.model_by_code.get(model)
    if spec is None:  # the policy changed since the menu was shown
        raise NotFound(f"model {model}")
    rows = [
        [Button.of(tier.name.get(lang), OverridePickTier(id=customer_id, model=model, tier=code), single_use=False)]
        for code, tier in spec.tier_by_code.items()
    ]
    rows.append([Button.of(context.label("card.back"), OverrideStart(id=customer_id), single_use=False)])
    await edit(
        update, context.render("overrides/choose_tier", model_name=spec.name.get(lang)), await markup(context, rows)
    )


@action(OverridePickTier)
async def pick_tier(update: Update, context: BotContext, payload: OverridePickTier) -> None:
    model, tier = payload.model, payload.tier
    if context.services.policy.tier(model, tier) is None:
        raise NotFound(f"tier {model}.{tier}")
    await begin(context, REASON_FLOW, {"id": payload.id, "model": model, "tier": tier, "until": None})
    await edit(update, context.render("overrides/reason_prompt", **_names(context, model, tier)))


@action(OverrideRemove)
@answers("overrides")
async def remove(update: Update, context: BotContext, payload: OverrideRemove) -> None:
    await _unpin(update, context, payload.id, payload.model)


async def _unpin(update: Update, context: BotContext, customer_id: int, model: str | None) -> None:
    unpinned = await context.run(
        overrides.unpin,
        context.me,
        context.as_of(),
        customer_id,
        model=model,
    )
    name, ended, _ = unpinned
    await reply(update, context.render("overrides/removed", name=name, count=len(ended)))
    if ended:
        await show_card(update, context, customer_id, as_new_message=True)
