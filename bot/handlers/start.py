"""/start: onboarding with an invite code, or the role-specific welcome."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.replies import reply
from core import accounts
from core.accounts import RedeemStatus
from core.team import onboarding

_REFUSED = {
    RedeemStatus.INVALID: "start/invite_invalid",
    RedeemStatus.USED: "start/invite_used",
    RedeemStatus.EXPIRED: "start/invite_expired",
    RedeemStatus.TOO_MANY: "start/invite_too_many",
}


async def start(update: Update, context: BotContext) -> None:
    if context.args and context.account is None:
        await _redeem(update, context, context.args[0])
        return
    await reply(update, _welcome(context, context.me, joined=False))


async def _redeem(update: Update, context: BotContext, code: str) -> None:
    user = update.effective_user
    assert user is not None
    lang = accounts.pick_language(None, user.language_code)
    name = " ".join(filter(None, [user.first_name, user.last_name])) or user.username or str(user.id)
    result = await context.run(
        onboarding.onboard,
        code=code[:64],
        telegram_id=user.id,
        name=name,
        username=user.username,
        telegram_language=user.language_code,
        now=context.services.clock.now(),
    )
    if not result.answer:
        return  # still refused, and told so within the hour
    if result.status in _REFUSED or result.account is None:
        await reply(update, context.services.renderer.render(lang, _REFUSED.get(result.status, "start/invite_invalid")))
        return
    context.account = result.account
    await reply(update, _welcome(context, result.account, joined=result.status is RedeemStatus.JOINED))


def _welcome(context: BotContext, account: accounts.Account, *, joined: bool) -> str:
    return context.services.renderer.render(
        account.language,
        "start/welcome",
        joined=joined,
        name=account.name,
        role=account.role,
        team=account.team_name,
    )
