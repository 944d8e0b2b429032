"""/settings: language, timezone, digest time and quiet hours — by buttons, or typed."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.keyboards import Button, markup
from bot.payloads import SettingsMenu, SettingsPick, SettingsSet, SettingsType
from bot.replies import edit, reply
from core import accounts
from core.accounts import Account

FIELDS = ("language", "timezone", "digest", "quiet")
TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)
DIGEST_TIMES = ("07:30", "08:00", "08:30", "09:00", "09:30", "10:00")
QUIET_RANGES = ("21:00-08:00", "22:00-07:00", "20:00-09:00", "23:00-07:00", "off")
_SETTERS = {
    "language": accounts.set_language,
    "timezone": accounts.set_timezone,
    "digest": accounts.set_digest_time,
    "quiet": accounts.set_quiet_hours,
}


async def show(update: Update, context: BotContext) -> None:
    text, keyboard = await _menu(context, context.me, saved=False)
    await reply(update, text, keyboard)


@action(SettingsMenu)
async def back_to_menu(update: Update, context: BotContext, payload: SettingsMenu) -> None:
    text, keyboard = await _menu(context, context.me, saved=False)
    await edit(update, text, keyboard)


@action(SettingsPick)
async def pick(update: Update, context: BotContext, payload: SettingsPick) -> None:
    field = payload.field
    if field not in FIELDS:
        return None
    choices = _choices(context, field)
    rows = [choices[i : i + 3] for i in range(0, len(choices), 3)]
    extra = [Button.of(context.label("settings.back"), SettingsMenu(), single_use=False)]
    if field != "language":
        extra.insert(0, Button.of(context.label("settings.type_other"), SettingsType(field=field), single_use=False))
    keyboard = await markup(context, [*rows, extra])
    await edit(update, context.render("settings/pick", field=field), keyboard)
    return None


@action(SettingsSet)
@answers("settings")
async def choose(update: Update, context: BotContext, payload: SettingsSet) -> None:
    account = await _save(update, context, payload.field, payload.value)
    if account is not None:
        text, keyboard = await _menu(context, account, saved=True)
        await edit(update, text, keyboard)


@action(SettingsType)
async def ask_to_type(update: Update, context: BotContext, payload: SettingsType) -> None:
    field = payload.field
    if field not in FIELDS:
        return None
    await begin(context, "settings.input", {"field": field})
    await edit(update, context.render("settings/type", field=field))
    return None


@expects("settings.input")
@answers("settings")
async def typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    account = await _save(update, context, str(data.get("field")), text)
    if account is not None:
        await finish(context)
        menu, keyboard = await _menu(context, account, saved=True)
        await reply(update, menu, keyboard)


async def _save(update: Update, context: BotContext, field: str, value: str) -> Account | None:
    """Store one setting; an invalid value changes nothing and is explained (bot.error_replies)."""
    setter = _SETTERS.get(field)
    if setter is None:
        return None
    account = await context.run(setter, context.me.id, value)
    context.account = account
    return account


def _choices(context: BotContext, field: str) -> list[Button]:
    def button(label: str, value: str) -> Button:
        return Button.of(label, SettingsSet(field=field, value=value), single_use=False)

    if field == "language":
        return [button(context.label(f"languages.{code}"), code) for code in accounts.LANGUAGES]
    if field == "timezone":
        return [button(zone, zone) for zone in TIMEZONES]
    if field == "digest":
        return [button(at, at) for at in DIGEST_TIMES]
    return [button(context.label("settings.quiet_off") if r == "off" else r.replace("-", "–"), r) for r in QUIET_RANGES]


async def _menu(context: BotContext, account: Account, *, saved: bool) -> tuple[str, InlineKeyboardMarkup]:
    settings = context.services.settings
    quiet = account.quiet_hours
    if account.quiet_is_default:
        quiet = settings.default_quiet_hours
    lang = account.language
    text = context.services.renderer.render(
        lang,
        "settings/menu",
        saved=saved,
        language_name=context.services.renderer.label(lang, f"languages.{lang}"),
        timezone=account.timezone or settings.timezone,
        timezone_default=account.timezone is None,
        digest_time=account.digest_time.strftime("%H:%M"),
        quiet=f"{quiet[0]:%H:%M}–{quiet[1]:%H:%M}" if quiet else None,
        quiet_default=account.quiet_is_default,
    )
    rows = [
        [
            Button.of(context.services.renderer.label(lang, f"settings.{f}"), SettingsPick(field=f), single_use=False)
            for f in pair
        ]
        for pair in (FIELDS[:2], FIELDS[2:])
    ]
    return text, await markup(context, rows)
