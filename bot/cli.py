"""The `tierbot` command. Every sub-command that opens the database applies migrations first.

Errors a person can fix (bad settings, unreachable database or Bot API) end with one line on
stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from core.errors import ConfigError, InvalidInput
from core.settings import Settings, load_settings

log = logging.getLogger("tierbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tierbot", description="Customer tiers and contact cadence for sales teams.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="run the bot (long polling against TIERBOT_TELEGRAM_API_URL)")

    console = sub.add_parser("console", help="chat with the bot offline in this terminal (demo book)")
    console.add_argument("--as", dest="persona", choices=["rep", "rep-en", "manager", "admin"], default="rep")
    console.add_argument("--db", type=Path, default=Path("data/demo.db"), help="SQLite file (default data/demo.db)")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply all migrations")
    db_sub.add_parser("current", help="print the schema revision")
    down = db_sub.add_parser("downgrade", help="revert to a revision (e.g. base)")
    down.add_argument("revision")

    invite = sub.add_parser("invite", help="print a single-use invite link")
    invite.add_argument("--role", choices=["rep", "manager", "admin"], required=True)
    invite.add_argument("--team", default=None)
    invite.add_argument("--ttl-days", type=int, default=None, help="validity (default TIERBOT_INVITE_TTL_DAYS)")

    admin = sub.add_parser("admin", help="manage administrators")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    add = admin_sub.add_parser("add", help="make a Telegram user an admin")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "apscheduler", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = load_settings()
        return COMMANDS[args.command](settings, args)
    except ConfigError as exc:
        print(f"tierbot: {exc}", file=sys.stderr)
        return 2
    except InvalidInput as exc:
        print(f"tierbot: invalid input: {exc.code} {exc.params or ''}".rstrip(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram import Update
    from telegram.error import InvalidToken, NetworkError

    from bot.app import build_application, services_for
    from core.clock import SystemClock
    from core.db import open_database

    if not settings.telegram_bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather, "
                          "or try the offline console with `make demo`")
    db = open_database(settings.database_url)
    application = build_application(services_for(settings, db, SystemClock()))
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        raise ConfigError("TELEGRAM_BOT_TOKEN was rejected by the Bot API (check the token)") from None
    except NetworkError as exc:
        raise ConfigError(f"TIERBOT_TELEGRAM_API_URL: cannot reach the Bot API at {settings.telegram_api_url} ({exc})") from None
    finally:
        db.dispose()
    return 0


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    logging.getLogger().setLevel(logging.WARNING)  # the chat is the output
    return asyncio.run(run_console(settings, args.persona, args.db))


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    from core.db import alembic_config, downgrade, open_database

    db = open_database(settings.database_url, migrate=args.db_command == "upgrade")
    try:
        if args.db_command == "downgrade":
            downgrade(db.engine, args.revision)
        elif args.db_command == "current":
            config = alembic_config(db.engine)
            with db.engine.connect() as connection:
                config.attributes["connection"] = connection
                command.current(config)
        print(f"database: {args.db_command} done")
    finally:
        db.dispose()
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.handlers.invite import invite_link
    from core import onboarding
    from core.clock import SystemClock
    from core.db import open_database

    db = open_database(settings.database_url)
    ttl = timedelta(days=args.ttl_days or settings.invite_ttl_days)
    try:
        with db.session() as session:
            invite = onboarding.create_invite(
                session, role=args.role, team=args.team, actor_id=None, now=SystemClock().now(), ttl=ttl
            )
    finally:
        db.dispose()
    username = _bot_username(settings)
    print(invite_link(username or "", invite.code))
    print(f"role {invite.role}{f', team {invite.team}' if invite.team else ''}; single use; "
          f"expires {invite.expires_at:%Y-%m-%d %H:%M} UTC")
    if not username:
        print("note: bot username unknown (no TELEGRAM_BOT_TOKEN reachable and no TIERBOT_BOT_USERNAME): "
              "the person sends the /start line above to the bot", file=sys.stderr)
    return 0


def _bot_username(settings: Settings) -> str | None:
    """Ask the Bot API (getMe); when it cannot be reached, use TIERBOT_BOT_USERNAME."""
    if settings.telegram_bot_token:
        from telegram import Bot
        from telegram.error import TelegramError
        from telegram.request import HTTPXRequest

        async def get_me() -> str | None:
            bot = Bot(settings.telegram_bot_token or "", base_url=f"{settings.telegram_api_url}/bot",
                      request=HTTPXRequest(connect_timeout=5, read_timeout=5))
            async with bot:
                return bot.username

        try:
            return asyncio.run(get_me())
        except (TelegramError, OSError) as exc:
            log.warning("getMe failed (%s); using TIERBOT_BOT_USERNAME", exc)
    return settings.bot_username


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    from core import accounts, audit
    from core.clock import SystemClock
    from core.db import open_database

    db = open_database(settings.database_url)
    now = SystemClock().now()
    try:
        with db.session() as session:
            account = accounts.add_user(session, telegram_id=args.telegram_id, name=args.name, role="admin", now=now)
            audit.record(session, actor_id=None, action="admin.add", now=now, target=f"user:{account.id}")
    finally:
        db.dispose()
    print(f"admin: {account.name} (telegram id {account.telegram_id}) can now use the bot")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "console": cmd_console,
    "db": cmd_db,
    "invite": cmd_invite,
    "admin": cmd_admin,
}
