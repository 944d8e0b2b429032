"""/invite: managers invite reps to their team; admins invite any role to any team."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.button_dispatch import action
from bot.context import BotContext
from bot.keyboards import Button, markup
from bot.payloads import InviteRevoke
from bot.replies import edit, reply
from core.errors import NotFound
from core.models import ROLES, Role
from core.team import onboarding


async def create(update: Update, context: BotContext) -> None:
    me = context.me
    if not me.is_manager:
        await reply(update, context.render("common/not_allowed", need="manager"))
        return
    args = context.args or []
    role = args[0].lower() if args else "rep"
    team = " ".join(args[1:]).strip() or me.team_name
    if role not in ROLES or (me.role == Role.MANAGER and role != Role.REP):
        await reply(update, context.render("invite/usage", admin=me.role == Role.ADMIN))
        return
    if me.role == Role.MANAGER:
        team = me.team_name  # a manager invites into their own team only
    ttl = timedelta(days=context.services.settings.invite_ttl_days)
    invite = await context.run(
        onboarding.create_invite, role=role, team=team, actor_id=me.id, now=context.services.clock.now(), ttl=ttl
    )
    link = invite_link(context.bot.username or context.services.settings.bot_username or "", invite.code)
    tz = ZoneInfo(me.timezone or context.services.settings.timezone)
    expires = invite.expires_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    revoke = Button.of(context.label("invite.revoke"), InviteRevoke(invite_id=invite.id))
    text = context.render("invite/created", revoked=False, role=role, team=team, link=link, expires=expires)
    await reply(update, text, await markup(context, [[revoke]], ttl=ttl))


@action(InviteRevoke)
async def revoke(update: Update, context: BotContext, payload: InviteRevoke) -> None:
    revoked = await context.run(
        onboarding.revoke_invite,
        invite_id=payload.invite_id,
        actor_id=context.me.id,
        now=context.services.clock.now(),
    )
    if not revoked:  # used meanwhile, or not this person's invite
        raise NotFound("invite")
    await edit(update, context.render("invite/created", revoked=True))


def invite_link(bot_username: str, code: str) -> str:
    if not bot_username:
        return f"/start {code}"
    return f"https://t.me/{bot_username}?start={code}"
