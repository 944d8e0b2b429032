"""The "📋 Open" buttons: a `web_app` button under a chat reply that opens the Mini App at the
matching view, when TIERBOT_WEB_PUBLIC_URL is set (without it: no button, no word of the app).

The view travels in the query string (`?open=list&<table filters>` or `?open=dash&period=…`),
which web/static/app.js reads once at start; the fragment is Telegram's (it appends
`#tgWebAppData=…` to the URL it opens). Telegram accepts `web_app` inline buttons in private
chats only, so a reply in any other chat gets none.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.constants import ChatType

from bot.context import BotContext


def app_url(settings: Any, view: dict[str, str] | None = None) -> str | None:
    """The Mini App's HTTPS address, opened at `view` (None: the bot says nothing about the app)."""
    if not settings.web_public_url:
        return None
    query = {key: value for key, value in (view or {}).items() if value not in (None, "")}
    return f"{settings.web_public_url}/" + (f"?{urlencode(query)}" if query else "")


def open_button(update: Update, context: BotContext, view: dict[str, str]) -> InlineKeyboardButton | None:
    """📋 Open (in the user's language) at `view`, or None: no app configured or not a private chat."""
    chat = update.effective_chat
    url = app_url(context.services.settings, view)
    if url is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    return InlineKeyboardButton(context.label("web.open"), web_app=WebAppInfo(url))


def with_open_button(
    update: Update, context: BotContext, keyboard: InlineKeyboardMarkup | None, view: dict[str, str]
) -> InlineKeyboardMarkup | None:
    """`keyboard` with 📋 Open as its last row (the keyboard unchanged when there is no button)."""
    button = open_button(update, context, view)
    if button is None:
        return keyboard
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard is not None else []
    return InlineKeyboardMarkup([*rows, [button]])


def table_view(**filters: Any) -> dict[str, str]:
    """The table (web/app.py's query fields) with these filters."""
    return {"open": "list", **{key: str(value) for key, value in filters.items() if value not in (None, "")}}


def dashboard_view(period: str, person: str | None = None, team: str | None = None) -> dict[str, str]:
    """The dashboard for /summary's scope and period (the words /summary was given)."""
    return {
        "open": "dash",
        "period": period,
        **({"person": person} if person else {}),
        **({"team": team} if team else {}),
    }
