"""The offline console: chat with the full bot in a terminal, no token and no network.

The same Application, handlers and sweeps as `tierbot run`, talking to the in-process Bot API
stand-in, on a movable clock. Lines you type become Telegram updates; what the bot sends is
printed (HTML shown readably, buttons numbered, files saved). Works with piped input; end of
input exits with status 0.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from telegram import Update

from bot import jobs
from bot.app import build_application, services_for, startup
from bot.local_api import LOCAL_TOKEN, LocalBotAPI, LocalRequest, Sent, user
from core.as_of import AsOf
from core.clock import ManualClock, SystemClock
from core.db import open_database
from core.ops import demo
from core.settings import Settings
from core.tier_records import retier
from core.tier_records.policy_store import effective_policy

_DURATION = re.compile(r"^(\d+)\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
PERSONAS = {"rep": "rep", "rep-en": "rep_en", "manager": "manager", "admin": "admin"}


def terminal_text(markup: str, *, bold: bool) -> str:
    """Telegram HTML → terminal: bold via ANSI on a tty, links as `text (url)`, entities decoded."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"\2 (\1)", markup, flags=re.S)
    text = re.sub(r"<code>(.*?)</code>", r"`\1`", text, flags=re.S)
    on, off = ("\033[1m", "\033[0m") if bold else ("", "")
    text = re.sub(r"<b>(.*?)</b>", rf"{on}\1{off}", text, flags=re.S)
    text = re.sub(r"</?(i|u|s|em|strong|pre|blockquote|tg-spoiler)>", "", text)
    return html.unescape(text)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r}: use a number with d, h or m, like 1d, 2h, 30m")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class Console:
    def __init__(self, settings: Settings, persona: str, db_path: Path, out: TextIO, web: str | None = None) -> None:
        self.web = web  # HOST:PORT of the Mini App for a browser (None: not served)
        self.web_base: str | None = None
        self.out = out
        self.tty = out.isatty()
        self.db_path = db_path
        start = SystemClock().now().replace(second=0, microsecond=0)
        self.clock = ManualClock(start)
        self.db = open_database(f"sqlite:///{db_path}")
        with self.db.session() as session:
            self.people = demo.seed(session, start)
            needs_tiers = not retier.has_assignments(session)
        if needs_tiers:  # a fresh demo book gets its tiers at once, as an import would
            retier.recompute(self.db, AsOf(effective_policy(settings, self.db), start, settings.timezone), review=False)
        self.account = self.people[PERSONAS[persona]]
        self.tz = ZoneInfo(settings.timezone)
        self.api = LocalBotAPI()
        self.api.on_sent = self._print_sent
        self.services = services_for(settings, self.db, self.clock)
        self.app = build_application(self.services, LocalRequest(self.api), token=LOCAL_TOKEN)
        self.me = user(self.account.telegram_id, self.account.name, self.account.language)
        self.keyboard: Sent | None = None
        self.files_dir = db_path.parent / "console-files"
        self._answers_seen = 0

    async def run(self, lines: TextIO) -> int:
        await self.app.initialize()
        await startup(self.app)
        runner = None
        if self.web is not None:
            from bot import webapp

            runner = await webapp.start_server(self.services, LOCAL_TOKEN, self.web)
            host, port = webapp.parse_listen(self.web)
            self.web_base = f"http://{host}:{port}"
        self._say(
            self.services.renderer.render(
                self.account.language, "console/banner", db=self.db_path, name=self.account.name, role=self.account.role
            )
        )
        if self.web_base is not None:
            self._say(self._web_link())
        self._say(f"🕘 {self._local(self.clock.now())}")
        try:
            while True:
                if self.tty and lines.isatty():
                    self.out.write("> ")
                    self.out.flush()
                # read off the loop: the Mini App's server answers the browser meanwhile
                line = await asyncio.to_thread(lines.readline) if self.web_base else lines.readline()
                if not line:
                    return 0
                if not await self.handle(line.rstrip("\n")):
                    return 0
        finally:
            if runner is not None:
                await runner.cleanup()
            await self.app.shutdown()
            self.db.dispose()

    async def handle(self, line: str) -> bool:
        """One line of input; False ends the session."""
        text = line.strip()
        if not text:
            return True
        if not self.tty:
            self.out.write(f"> {text}\n")
        if text in (":quit", ":q", ":exit"):
            return False
        if text.startswith(":"):
            await self._meta(text)
        elif text.isdigit() and self.keyboard is not None:
            await self._press(int(text))
        elif text.startswith("/upload"):
            await self._upload(text.removeprefix("/upload").strip())
        else:
            await self._feed(self.api.message(self.me, text))
        return True

    async def _meta(self, text: str) -> None:
        verb, _, arg = text.partition(" ")
        try:
            if verb == ":at":
                target = datetime.fromisoformat(arg.strip())
                target = target.replace(tzinfo=self.tz) if target.tzinfo is None else target
                await self._move_to(target.astimezone(UTC))
            elif verb == ":advance":
                await self._move_to(self.clock.now() + parse_duration(arg))
            elif verb == ":web":
                self._say(self._web_link() if self.web_base else "⚠ the Mini App is off (--web off)")
            elif verb == ":now":
                self._say(f"🕘 {self._local(self.clock.now())}")
            else:
                self._say(
                    ":at YYYY-MM-DD HH:MM · :advance 1d|2h|30m · :now · :web · :quit · /upload PATH · a number presses a button"
                )
        except ValueError as exc:
            self._say(f"⚠ {exc}")

    async def _move_to(self, target: datetime) -> None:
        if target < self.clock.now():
            self.clock.set(target)  # moving back runs nothing: sweeps only look forward
        else:
            await jobs.run_between(self.app, self.clock, target)
        self._say(f"🕘 {self._local(self.clock.now())}")

    async def _press(self, number: int) -> None:
        assert self.keyboard is not None
        options = self.keyboard.buttons
        if not 1 <= number <= len(options):
            self._say(f"⚠ no button {number} (1–{len(options)})")
            return
        label, data = options[number - 1]
        opens = dict(self.keyboard.web_apps).get(label) if not data else None
        if opens is not None:  # 📋 Open: Telegram would open the Mini App at this view, the console links it
            self._say(self._web_link(urlsplit(opens).query) if self.web_base else f"📋 {opens}")
            return
        await self._feed(self.api.press(self.me, self.keyboard, data))

    async def _upload(self, path: str) -> None:
        file = Path(path).expanduser()  # noqa: ASYNC240 - the offline console, a local file
        if not file.is_file():
            self._say(f"⚠ no such file: {path}")
            return
        await self._feed(self.api.document(self.me, file.name, file.read_bytes()))

    async def _feed(self, update: dict) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))
        # outgoing answers to button presses (notices) are shown after the update is handled
        for answer in self.api.callback_answers[self._answers_seen :]:
            if answer.get("text"):
                self._say(f"💬 {answer['text']}")
        self._answers_seen = len(self.api.callback_answers)

    def _print_sent(self, sent: Sent) -> None:
        header = "bot" if sent.chat_id == self.account.telegram_id else f"bot → chat {sent.chat_id}"
        if sent.history:
            header += " (edited)"
        body = terminal_text(sent.text, bold=self.tty)
        if sent.file_bytes is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            saved = self.files_dir / f"{sent.chat_id}-{sent.message_id}-{sent.file_name or sent.kind}"
            saved.write_bytes(sent.file_bytes)
            body = f"[{sent.kind} saved to {saved}]" + (f"\n{body}" if body else "")
        self._say(f"── {header}\n{body}")
        if sent.buttons and sent.chat_id == self.account.telegram_id:
            self.keyboard = sent
            self._say("  ".join(f"[{i}] {label}" for i, (label, _) in enumerate(sent.buttons, 1)))

    def _web_link(self, view: str = "") -> str:
        """The Mini App in a browser, signed in as this console's user (real initData, valid for
        TIERBOT_WEB_AUTH_MAX_AGE of the console's clock: `:web` prints a fresh one), opened at
        `view` (a 📋 Open button's query string) when given."""
        from bot import webapp

        assert self.web_base is not None
        link = webapp.local_link(
            self.web_base,
            LOCAL_TOKEN,
            self.account.telegram_id,
            self.account.name,
            self.account.language,
            self.clock.now(),
        )
        return f"📋 Mini App: {link.replace('/#', f'/?{view}#', 1) if view else link}"

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M %Z")

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


async def run_console(settings: Settings, persona: str, db_path: Path, web: str | None = None) -> int:
    console = Console(settings, persona, db_path, sys.stdout, web)
    return await console.run(sys.stdin)
