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
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import ops_cli
from core.db import Database, database_for_command
from core.errors import ConfigError, InvalidInput
from core.models import Role
from core.settings import Settings, load_settings

if TYPE_CHECKING:  # imported where used: a command loads only what it needs
    from core.team.people import PersonView
    from core.tiering import Policy

log = logging.getLogger("tierbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tierbot", description="Customer tiers and contact cadence for sales teams.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (long polling against TIERBOT_TELEGRAM_API_URL, or --webhook)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on a webhook instead of polling (needs TIERBOT_WEBHOOK_SECRET)",
    )
    run.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where the webhook server listens (default 127.0.0.1:8080, behind a TLS proxy)",
    )
    run.add_argument(
        "--web-listen",
        default=None,
        metavar="HOST:PORT",
        help="also serve the Mini App here (behind the same TLS proxy; TIERBOT_WEB_PUBLIC_URL is its address)",
    )
    run.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the HTTPS URL Telegram posts to; the server listens on its path",
    )

    console = sub.add_parser("console", help="chat with the bot offline in this terminal (demo book)")
    console.add_argument("--as", dest="persona", choices=["rep", "rep-en", "manager", "admin"], default="rep")
    console.add_argument("--db", type=Path, default=Path("data/demo.db"), help="SQLite file (default data/demo.db)")
    console.add_argument(
        "--web",
        default="127.0.0.1:8765",
        metavar="HOST:PORT",
        help="serve the Mini App for a browser here (default 127.0.0.1:8765; off: none)",
    )

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply all migrations")
    db_sub.add_parser("current", help="print the schema revision")
    down = db_sub.add_parser("downgrade", help="revert to a revision (e.g. base)")
    down.add_argument("revision")

    invite = sub.add_parser("invite", help="print a single-use invite link")
    invite.add_argument("--role", choices=[r.value for r in Role], required=True)
    invite.add_argument("--team", default=None)
    invite.add_argument("--ttl-days", type=int, default=None, help="validity (default TIERBOT_INVITE_TTL_DAYS)")

    imports = sub.add_parser("import", help="import customers, interactions or deals from CSV/XLSX")
    imports.add_argument("what", choices=["customers", "interactions", "deals"])
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
    run_job.add_argument("job", choices=["digest", "nudges", "greetings", "retier", "weekly"])
    run_job.add_argument("--at", type=str, default=None, help="ISO datetime (without offset: TIERBOT_TIMEZONE)")
    run_job.add_argument("--dry-run", action="store_true", help="record nothing; print each message")

    admin = sub.add_parser("admin", help="manage administrators")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")
    add = admin_sub.add_parser("add", help="make a Telegram user an admin")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--name", required=True)

    users = sub.add_parser("user", help="people: list, change role or team, deactivate")
    user_sub = users.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    listing = user_sub.add_parser("list", help="everyone, by team (--team: one team)")
    listing.add_argument("--team", default=None)
    set_role = user_sub.add_parser("set-role", help="rep, manager or admin")
    set_role.add_argument("user", help="Telegram id, @username or name")
    set_role.add_argument("role", choices=[r.value for r in Role])
    set_team = user_sub.add_parser("set-team", help="move to a team (created if new); their customers go along")
    set_team.add_argument("user", help="Telegram id, @username or name")
    set_team.add_argument("team")
    for name, text in (
        ("deactivate", "no digests, no access; their customers wait for reassignment"),
        ("activate", "give access back"),
    ):
        user_sub.add_parser(name, help=text).add_argument("user", help="Telegram id, @username or name")
    ops_cli.add_parsers(sub)  # backup, restore, erase, stats
    return parser


def database(settings: Settings, *, migrate: bool = True) -> AbstractContextManager[Database]:
    """The database of this command (core.db.database_for_command)."""
    return database_for_command(settings.database_url, migrate=migrate)


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
    from telegram.error import BadRequest, InvalidToken, NetworkError

    from bot.app import build_application, services_for
    from core.clock import SystemClock

    if not settings.telegram_bot_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather, or try the offline console with `make demo`"
        )
    if args.webhook:
        _check_webhook_args(settings, args)
    if args.web_listen:
        from bot.webhook import parse_listen

        parse_listen(args.web_listen)
    # SQLite: one bot per file (an OS lock, freed even on kill -9); PostgreSQL: one leader among
    # the workers runs the sweeps and the outbox sender (bot.leader).
    from bot.instance_lock import hold_for_run
    from bot.leader import Leadership, install

    instance = hold_for_run(settings.database_url)
    import threading

    from core.reports import charts

    # the first /summary chart would otherwise pay for loading matplotlib and the CJK font
    threading.Thread(target=charts.warm_up, name="chart-warm-up", daemon=True).start()
    try:
        with database(settings) as db:
            application = build_application(services_for(settings, db, SystemClock()))
            if args.web_listen:
                from bot import webapp

                webapp.attach(application, args.web_listen)
            leadership = None if settings.is_sqlite else Leadership(db.engine)
            if leadership is not None:
                install(application, leadership, settings.leader_check_seconds)
            try:
                if args.webhook:
                    from bot import webhook

                    webhook.serve(
                        application,
                        db,
                        listen=args.listen,
                        public_url=args.public_url,
                        secret=settings.webhook_secret or "",
                    )
                else:
                    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            except InvalidToken:
                raise ConfigError("TELEGRAM_BOT_TOKEN was rejected by the Bot API (check the token)") from None
            except BadRequest as exc:  # setWebhook refused (Telegram wants an https URL on 443/80/88/8443)
                raise ConfigError(f"--public-url: the Bot API refused the webhook ({exc.message})") from None
            except NetworkError as exc:
                raise ConfigError(
                    f"TIERBOT_TELEGRAM_API_URL: cannot reach the Bot API at {settings.telegram_api_url} ({exc})"
                ) from None
            finally:
                if leadership is not None:
                    leadership.close()
    finally:
        if instance is not None:
            instance.release()
    return 0


def _check_webhook_args(settings: Settings, args: argparse.Namespace) -> None:
    from bot.webhook import parse_listen, webhook_path

    if not settings.webhook_secret:
        raise ConfigError(
            "TIERBOT_WEBHOOK_SECRET is not set: --webhook needs a secret of 16+ characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if not args.public_url:
        raise ConfigError("--public-url is required with --webhook (the HTTPS URL Telegram posts to)")
    parse_listen(args.listen)
    webhook_path(args.public_url)


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import run_console

    logging.getLogger().setLevel(logging.WARNING)  # the chat is the output
    return asyncio.run(run_console(settings, args.persona, args.db, web=None if args.web == "off" else args.web))


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
    from core.clock import SystemClock
    from core.team import onboarding

    ttl = timedelta(days=args.ttl_days or settings.invite_ttl_days)
    with database(settings) as db:
        with db.session() as session:
            invite = onboarding.create_invite(
                session, role=args.role, team=args.team, actor_id=None, now=SystemClock().now(), ttl=ttl
            )
    username = _bot_username(settings)
    print(invite_link(username or "", invite.code))
    print(
        f"role {invite.role}{f', team {invite.team}' if invite.team else ''}; single use; "
        f"expires {invite.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    if not username:
        print(
            "note: bot username unknown (no TELEGRAM_BOT_TOKEN reachable and no TIERBOT_BOT_USERNAME): "
            "the person sends the /start line above to the bot",
            file=sys.stderr,
        )
    return 0


def _bot_username(settings: Settings) -> str | None:
    """Ask the Bot API (getMe); when it cannot be reached, use TIERBOT_BOT_USERNAME."""
    if settings.telegram_bot_token:
        from telegram import Bot
        from telegram.error import TelegramError
        from telegram.request import HTTPXRequest

        async def get_me() -> str | None:
            bot = Bot(
                settings.telegram_bot_token or "",
                base_url=f"{settings.telegram_api_url}/bot",
                request=HTTPXRequest(connect_timeout=5, read_timeout=5),
            )
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
            account = accounts.add_user(session, telegram_id=args.telegram_id, name=args.name, role=Role.ADMIN, now=now)
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
    from bot.import_texts import file_problem, row_line
    from bot.render import Renderer
    from core.as_of import AsOf
    from core.clock import SystemClock
    from core.imports import importer
    from core.tier_records.policy_store import effective_policy
    from core.tier_records.retier import recompute

    now = SystemClock().now()
    with database(settings) as db:
        policy = effective_policy(settings, db)
        try:
            with db.session() as session:
                report = importer.import_table(
                    session,
                    args.what,
                    importer.read_table(args.file),
                    actor=None,
                    now=now,
                    currency=settings.currency,
                    timezone=settings.timezone,
                    apply=True,
                    skip_invalid=args.skip_invalid,
                    policy=policy,
                )
                if not report.applied:
                    session.rollback()
        except importer.ImportFileError as exc:
            print(f"tierbot: {args.file.name}: {file_problem(Renderer(), 'en', exc)}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"tierbot: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        changes = []
        if report.applied and report.touched_ids:
            # the customers the file touched are re-tiered once, as a review would (pins stay)
            changes = recompute(
                db, AsOf(policy, now, settings.timezone), review=True, customer_ids=sorted(report.touched_ids)
            ).changes
    print(
        f"{args.file.name}: {report.rows} rows — {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged; {len(changes)} tier change(s) for "
        f"{len({c.customer_id for c in changes})} customer(s)"
    )
    for column in report.unknown_columns:
        print(f"warning: unknown column {column!r}: not used (no field takes it)")
    for error in report.errors:
        print(row_line(Renderer(), "en", error))
    if not report.applied:
        print(
            f"refused: {len(report.errors)} bad row(s), nothing imported "
            f"(fix them, or use --skip-invalid to import the valid rows)"
        )
        return 1
    return 0


def cmd_recompute(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from core.as_of import AsOf
    from core.tier_records.policy_store import effective_policy
    from core.tier_records.retier import recompute

    at = parse_at(args.at, settings)
    with database(settings) as db:
        report = recompute(db, AsOf(effective_policy(settings, db), at, settings.timezone), review=True)
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_tiers(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from core.as_of import AsOf
    from core.tier_records.policy_store import effective_policy
    from core.tier_records.report import tier_json, tier_table
    from core.tier_records.retier import tier_views

    at = parse_at(args.at, settings)
    with database(settings) as db:
        policy = effective_policy(settings, db)
        with db.session() as session:
            views = tier_views(session, AsOf(policy, at, settings.timezone), customer_id=args.customer)
    if args.customer is not None and not views:
        print(f"tierbot: no customer with id {args.customer}", file=sys.stderr)
        return 1
    rows = [tier_json(view, policy, args.lang, settings.currency) for view in views]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        from bot.render import Renderer

        renderer = Renderer()
        words = {
            "lang": args.lang,
            "header": renderer.section(args.lang, "tiers_table"),
            "stages": renderer.section(args.lang, "stages"),
            "cadence": renderer.section(args.lang, "export_cadence"),
        }
        print(tier_table(rows, policy, words))
    return 0


def cmd_policy(settings: Settings, args: argparse.Namespace) -> int:
    from core.tier_records.policy_store import effective_source, read_policy_file
    from core.tiering import PolicyError, parse_policy

    if args.policy_command == "show":
        with database(settings) as db, db.session() as session:
            found, text = effective_source(session, settings)
        if found.kind == "database" and found.activated_at is not None:
            source = (
                f"database version #{found.version_id} ({found.note or 'uploaded'}, by {found.by or '?'}, "
                f"active since {found.activated_at:%Y-%m-%d %H:%M} UTC)"
            )
        else:
            source = f"TIERBOT_POLICY_FILE {found.path}" if found.kind == "file" else "built-in default"
        print(f"# effective policy: {source} (version {parse_policy(text).version})\n{text}")
        return 0
    try:
        policy = parse_policy(read_policy_file(args.file))
    except PolicyError as exc:
        for issue in exc.issues:
            print(f"{args.file}: {issue}")
        print(f"{len(exc.issues)} error(s)")
        return 1
    print(f"{args.file}: ok (version {policy.version}, models: {', '.join(m.code for m in policy.models)})")
    main = policy.main_model
    priority = ", ".join(f"{model}:{tier}" for model, tier in sorted(policy.priority_tiers)) or "none"
    print(f"main model: {main.code if main else 'none'} · priority tiers: {priority}")
    for line in _policy_inputs(policy):
        print(line)
    for note in policy.notes:
        print(f"{args.file}: note: {note}")
    return 0


def _policy_inputs(policy: Policy) -> list[str]:
    """What an import feeds the policy with: the stated annual revenue (per weighted model that
    ranks revenue) and the policy's own inputs (attribute:<name>), with the columns they come from."""
    from core.tiering.specs import WeightedModel

    lines = []
    for model in policy.models:
        if not isinstance(model, WeightedModel) or not model.uses_contribution:
            continue
        if model.imported_revenue == "until_deals":
            how = (
                f"counts as the 12-month revenue (when higher) until the customer has {model.own_deals} booked "
                f"deal(s) of its own in 365 days"
            )
        else:
            how = "never counts: booked deals only"
        lines.append(
            f"imported revenue: {model.code}: the annual revenue on the customer record (import column "
            f'年交易额 / Annual Revenue, or the card) {how} (imported_revenue = "{model.imported_revenue}")'
        )
    for found in policy.inputs:
        lines.append(
            f'input: {found.name} — a number; import column "{found.name}", "{found.label.get("en")}" '
            f'or "{found.label.get("zh")}"; edited on the customer card and in /new'
        )
    return lines


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from bot.jobs import render_payload
    from bot.render import Renderer
    from core.accounts import get_account
    from core.chat import plans
    from core.reminders import planner
    from core.reports import weekly
    from core.tier_records import review_cycle
    from core.tier_records.policy_store import effective_policy

    at = parse_at(args.at, settings)
    with database(settings) as db:
        policy = effective_policy(settings, db)
        if args.job == "retier" and not args.dry_run:
            changed, notices = review_cycle.run_review(db, policy, settings, at)
            print(f"retier: {changed} customer(s) changed tier, {notices} notice(s) queued")
            return 0
        planners = {
            "digest": planner.plan_digests,
            "nudges": planner.plan_nudges,
            "greetings": planner.plan_greetings,
            "retier": review_cycle.plan_review_notices,
            "weekly": weekly.plan_weekly,
        }
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
            queued = plans.enqueue(session, planned, at)
        print(f"{args.job}: {len(planned)} planned, {queued} new in the outbox (the bot's sender delivers them)")
        return 0


def cmd_user(settings: Settings, args: argparse.Namespace) -> int:
    """`tierbot user …`: the operator's people changes (audited, like /team in chat). A refused
    change (unknown person, the last admin…) is one line on stderr and exit status 1."""
    import html
    import re

    from bot.render import Renderer
    from core.clock import SystemClock
    from core.team import people

    now = SystemClock().now()
    with database(settings) as db:
        try:
            with db.session() as session:
                if args.user_command == "list":
                    print(_people_table(people.list_people(session, None, team=args.team)))
                    return 0
                user_id = people.find_user(session, None, args.user).id or 0
                change = {
                    "set-role": lambda: people.set_role(session, None, user_id, args.role, now),
                    "set-team": lambda: people.set_team(session, None, user_id, args.team, now),
                    "deactivate": lambda: people.deactivate(session, None, user_id, now),
                    "activate": lambda: people.reactivate(session, None, user_id, now),
                }[args.user_command]()
        except InvalidInput as exc:
            text = Renderer().render("en", "team/error", **{**exc.params, "code": exc.code})
            print(f"tierbot: {html.unescape(re.sub(r'<[^>]+>', '', text))}", file=sys.stderr)
            return 1
    what = {"set-role": "role", "set-team": "team"}.get(args.user_command, "access")
    print(f"{change.person.name} (telegram id {change.person.telegram_id}): {what} {change.old or '—'} → {change.new}")
    if args.user_command in ("deactivate", "set-team") and change.customers:
        waits = "wait for reassignment" if args.user_command == "deactivate" else "go along"
        print(f"their {change.customers} customer(s) {waits}")
    return 0


def _people_table(rows: Sequence[PersonView]) -> str:
    """A fixed-width table; CJK characters take two columns (unicodedata's East Asian width)."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    header = ("telegram id", "name", "username", "role", "team", "active", "customers", "manager")
    lines = [header] + [
        (
            str(p.telegram_id),
            p.name,
            f"@{p.username}" if p.username else "—",
            p.role,
            p.team or "—",
            "yes" if p.active else "no",
            str(p.customers),
            p.manager or "—",
        )
        for p in rows
    ]
    widths = [max(width(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(line)).rstrip() for line in lines
    )


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
    "user": cmd_user,
    **ops_cli.COMMANDS,
}
