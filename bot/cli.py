"""The `tierbot` command. Every sub-command that opens the database applies migrations first.

Errors a person can fix (bad settings, unreachable database or Bot API) end with one line on
stderr and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.db import Database
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

    imports = sub.add_parser("import", help="import customers or interactions from CSV/XLSX")
    imports.add_argument("what", choices=["customers", "interactions"])
    imports.add_argument("file", type=Path)
    imports.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the rest")

    recompute = sub.add_parser("recompute", help="review run: re-tier every customer now (or --at)")
    recompute.add_argument("--at", type=str, default=None, help="ISO datetime (without offset: TIERBOT_TIMEZONE)")

    tiers = sub.add_parser("tiers", help="assigned tiers and live scores")
    tiers.add_argument("--customer", type=int, default=None)
    tiers.add_argument("--at", type=str, default=None)
    tiers.add_argument("--format", choices=["json", "table"], default="table")
    tiers.add_argument("--lang", choices=["en", "zh"], default="en")

    policy = sub.add_parser("policy", help="tier policies")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    check = policy_sub.add_parser("check", help="validate a policy file; exit 1 on any error")
    check.add_argument("file", type=Path)
    policy_sub.add_parser("show", help="print the effective policy")

    jobs = sub.add_parser("jobs", help="run a scheduled job now, or as of --at")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    run_job = jobs_sub.add_parser("run", help="do exactly what the sweep would do at that instant")
    run_job.add_argument("job", choices=["digest", "nudges", "greetings", "retier"])
    run_job.add_argument("--at", type=str, default=None, help="ISO datetime (without offset: TIERBOT_TIMEZONE)")
    run_job.add_argument("--dry-run", action="store_true", help="record nothing; print each message")

    admin = sub.add_parser("admin", help="manage administrators")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    add = admin_sub.add_parser("add", help="make a Telegram user an admin")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)
    return parser


@contextmanager
def database(settings: Settings, *, migrate: bool = True) -> Iterator[Database]:
    """The database of this command: migrated on open, disposed of however the command ends."""
    from core.db import open_database

    db = open_database(settings.database_url, migrate=migrate)
    try:
        yield db
    finally:
        db.dispose()


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

    if not settings.telegram_bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather, "
                          "or try the offline console with `make demo`")
    with database(settings) as db:
        application = build_application(services_for(settings, db, SystemClock()))
        try:
            application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        except InvalidToken:
            raise ConfigError("TELEGRAM_BOT_TOKEN was rejected by the Bot API (check the token)") from None
        except NetworkError as exc:
            raise ConfigError(f"TIERBOT_TELEGRAM_API_URL: cannot reach the Bot API at "
                              f"{settings.telegram_api_url} ({exc})") from None
    return 0


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    logging.getLogger().setLevel(logging.WARNING)  # the chat is the output
    return asyncio.run(run_console(settings, args.persona, args.db))


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    from core.db import alembic_config, downgrade

    with database(settings, migrate=args.db_command == "upgrade") as db:
        if args.db_command == "downgrade":
            downgrade(db.engine, args.revision)
        elif args.db_command == "current":
            config = alembic_config(db.engine)
            with db.engine.connect() as connection:
                config.attributes["connection"] = connection
                command.current(config)
        print(f"database: {args.db_command} done")
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.handlers.invite import invite_link
    from core import onboarding
    from core.clock import SystemClock

    ttl = timedelta(days=args.ttl_days or settings.invite_ttl_days)
    with database(settings) as db:
        with db.session() as session:
            invite = onboarding.create_invite(
                session, role=args.role, team=args.team, actor_id=None, now=SystemClock().now(), ttl=ttl
            )
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

    now = SystemClock().now()
    with database(settings) as db:
        with db.session() as session:
            account = accounts.add_user(session, telegram_id=args.telegram_id, name=args.name, role="admin", now=now)
            audit.record(session, actor_id=None, action="admin.add", now=now, target=f"user:{account.id}")
    print(f"admin: {account.name} (telegram id {account.telegram_id}) can now use the bot")
    return 0


def parse_at(value: str | None, settings: Settings) -> datetime:
    """`--at`: ISO date or datetime; without an offset it is in TIERBOT_TIMEZONE; default now."""
    from core.clock import SystemClock

    if value is None:
        return SystemClock().now()
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"--at: {value!r} is not an ISO date or datetime like 2026-12-01T09:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.timezone))
    return moment.astimezone(UTC)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from core import importer
    from core.clock import SystemClock
    from core.policy_store import effective_policy
    from core.tiers import recompute

    policy = effective_policy(settings)
    now = SystemClock().now()
    with database(settings) as db:
        try:
            with db.session() as session:
                if args.what == "customers":
                    report = importer.import_customers(session, args.file, now=now, currency=settings.currency,
                                                       skip_invalid=args.skip_invalid)
                else:
                    report = importer.import_interactions(session, args.file, now=now, currency=settings.currency,
                                                          timezone=settings.timezone, skip_invalid=args.skip_invalid)
                if not report.applied:
                    session.rollback()
        except importer.ImportFileError as exc:
            print(f"tierbot: {exc}", file=sys.stderr)
            return 1
        if report.applied:
            # new customers get their tiers at once; interactions move live scores only
            recompute(db, policy, now, org_timezone=settings.timezone, review=False)
    print(f"{args.file.name}: {report.rows} rows — {report.created} created, {report.updated} updated, "
          f"{report.unchanged} unchanged")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"line {error.line}: {error.reason}")
    if not report.applied:
        print(f"refused: {len(report.errors)} bad row(s), nothing imported "
              f"(fix them, or use --skip-invalid to import the valid rows)")
        return 1
    return 0


def cmd_recompute(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from core.policy_store import effective_policy
    from core.tiers import recompute

    at = parse_at(args.at, settings)
    policy = effective_policy(settings)
    with database(settings) as db:
        report = recompute(db, policy, at, org_timezone=settings.timezone, review=True)
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_tiers(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from core.policy_store import effective_policy
    from core.tier_report import tier_json, tier_table
    from core.tiers import tier_views

    at = parse_at(args.at, settings)
    policy = effective_policy(settings)
    with database(settings) as db:
        with db.session() as session:
            views = tier_views(session, policy, at, org_timezone=settings.timezone, customer_id=args.customer)
    if args.customer is not None and not views:
        print(f"tierbot: no customer with id {args.customer}", file=sys.stderr)
        return 1
    rows = [tier_json(view, policy, args.lang, settings.currency) for view in views]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(tier_table(rows))
    return 0


def cmd_policy(settings: Settings, args: argparse.Namespace) -> int:
    from core.policies import default_policy_text
    from core.policy_store import read_policy_file
    from core.tiering import PolicyError, parse_policy

    if args.policy_command == "show":
        text = read_policy_file(settings.policy_file) if settings.policy_file else default_policy_text()
        policy = parse_policy(text)
        source = settings.policy_file or "built-in default"
        print(f"# effective policy: {source} (version {policy.version})\n{text}")
        return 0
    try:
        policy = parse_policy(read_policy_file(args.file))
    except PolicyError as exc:
        for issue in exc.issues:
            print(f"{args.file}: {issue}")
        print(f"{len(exc.issues)} error(s)")
        return 1
    print(f"{args.file}: ok (version {policy.version}, models: {', '.join(m.code for m in policy.models)})")
    return 0


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from bot.jobs import render_payload
    from bot.render import Renderer
    from core import reminders
    from core.accounts import get_account
    from core.policy_store import effective_policy

    at = parse_at(args.at, settings)
    policy = effective_policy(settings)
    with database(settings) as db:
        if args.job == "retier" and not args.dry_run:
            changed, notices = reminders.run_review(db, policy, settings, at)
            print(f"retier: {changed} customer(s) changed tier, {notices} notice(s) queued")
            return 0
        planners = {"digest": reminders.plan_digests, "nudges": reminders.plan_nudges,
                    "greetings": reminders.plan_greetings, "retier": reminders.plan_review_notices}
        with db.session() as session:
            planned = planners[args.job](session, policy, settings, at)
            if args.dry_run:
                session.rollback()
                renderer = Renderer()
                for item in planned:
                    lang = get_account(session, item.recipient_id).language
                    print(f"to {item.telegram_id} ({item.name}) · {item.kind} · {item.dedupe_key}")
                    print(render_payload(renderer, lang, item.payload))
                    print()
                print(f"{args.job}: {len(planned)} message(s) planned (dry run: nothing recorded)")
                return 0
            queued = reminders.enqueue(session, planned, at)
        print(f"{args.job}: {len(planned)} planned, {queued} new in the outbox (the bot's sender delivers them)")
        return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "console": cmd_console,
    "db": cmd_db,
    "invite": cmd_invite,
    "admin": cmd_admin,
    "import": cmd_import,
    "recompute": cmd_recompute,
    "tiers": cmd_tiers,
    "policy": cmd_policy,
    "jobs": cmd_jobs,
}
