"""The one place that registers every handler. Order matters; it is explained line by line.

Group -1 holds the access gate alone: it runs for every update and stops refused ones, so no
handler below ever sees a stranger or a group chat. In group 0 the first matching handler wins.
Every command and message handler is wrapped in `guard`: a refusal from core (NotFound, Forbidden,
InvalidInput, …) is answered from the handler's area (bot.error_replies); button presses and typed
answers to a flow are answered the same way by their dispatchers (bot.button_dispatch, bot.flow_dispatch).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot import access, button_dispatch, updatelog
from bot.error_replies import guard

# button-only features: importing them registers their @action and @expects handlers
from bot.handlers import (  # noqa: F401
    agenda,
    common,
    corrections,
    customers,
    errors,
    export,
    help,
    imports,
    invite,
    log,
    opportunities,
    settings,
    start,
)
from bot.handlers import overrides as override_handlers
from bot.handlers import policy as policy_handlers
from bot.handlers import summary as summary_handlers
from bot.handlers import team as team_handlers


def register(app: Application) -> None:
    # Group -2 only notes which callback below will take the update, for its log line (bot.updatelog).
    app.add_handler(TypeHandler(Update, updatelog.note_handler), group=-2)
    app.add_handler(TypeHandler(Update, access.gate), group=-1)
    app.add_handlers(
        [
            # Commands first, each by name; /cancel is a plain command because flows live in the
            # database (a ConversationHandler would keep them in memory only).
            CommandHandler("start", guard(start.start)),
            CommandHandler("help", guard(help.show)),
            CommandHandler("settings", guard(settings.show)),
            CommandHandler("invite", guard(invite.create)),
            CommandHandler("cancel", guard(common.cancel)),
            CommandHandler("new", guard(customers.new)),
            CommandHandler("find", guard(customers.find)),
            CommandHandler("tier", guard(customers.tier)),
            CommandHandler("today", guard(agenda.today)),
            CommandHandler("remind", guard(agenda.remind)),
            CommandHandler("feedback", guard(agenda.feedback_command)),
            CommandHandler("undo", guard(log.undo)),
            CommandHandler("away", guard(agenda.away)),
            CommandHandler("team", guard(team_handlers.command)),
            CommandHandler("import", guard(imports.start)),
            CommandHandler("export", guard(export.export)),
            CommandHandler("summary", guard(summary_handlers.show)),
            CommandHandler("override", guard(override_handlers.command)),
            CommandHandler("policy", guard(policy_handlers.command)),
            # Every button press: stored key → re-checked → the registered action.
            CallbackQueryHandler(button_dispatch.on_press),
            # A command we do not know (after the known ones, so they win).
            MessageHandler(filters.COMMAND, guard(common.unknown_command)),
            # An edited message whose log card is still open re-reads it (before the filters below,
            # which take new messages only).
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & (filters.TEXT | filters.CAPTION), guard(log.on_edited)),
            # Plain text, or a photo with a caption: the pending flow's input if one waits, else a log.
            MessageHandler(
                (filters.TEXT | (filters.PHOTO & filters.CAPTION)) & ~filters.COMMAND & ~filters.UpdateType.EDITED,
                guard(common.text),
            ),
            # A `.toml` document: a tier policy upload (before any other document; size checked
            # before downloading).
            MessageHandler(
                filters.Document.FileExtension("toml") & ~filters.UpdateType.EDITED, guard(policy_handlers.on_document)
            ),
            # Any other document: a CSV/XLSX import (the size is checked before downloading).
            MessageHandler(filters.Document.ALL & ~filters.UpdateType.EDITED, guard(imports.on_document)),
            # Stickers, voice, photos without caption, files: say what the bot reads. Edits of
            # anything else are ignored.
            MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, guard(common.unsupported)),
        ]
    )
    app.add_error_handler(errors.on_error)
