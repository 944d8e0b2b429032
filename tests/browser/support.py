"""What the browser tests and the screenshot script share: Debian's chromium (never a browser
Playwright downloads), the seeded demo book behind the Mini App served in-process on a free
port, and a page opened with real initData as the console's link carries it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Browser, Page, Playwright, async_playwright

from bot.local_api import LOCAL_TOKEN
from bot.testing import Harness
from bot.webapp import local_link
from core import accounts
from core.as_of import AsOf
from core.customers import table
from core.interactions import feedback, logbook
from core.names import book
from core.ops import demo
from core.tier_records import retier
from web.app import create_app

CHROMIUM = Path(os.environ.get("TIERBOT_CHROMIUM", "/usr/bin/chromium"))
MISSING = (
    f"{CHROMIUM} is missing: the browser tests drive Debian's chromium (never a browser Playwright "
    "downloads). `make test` installs it with apt-get when it can; else run `apt-get install chromium` as root."
)
PHONE = {"width": 390, "height": 844}


def chromium() -> Path:
    """The browser, or an error that says how to get it (the tests fail: they never skip)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        raise RuntimeError(MISSING)
    return CHROMIUM


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    path = chromium()
    async with async_playwright() as playwright:
        launched = await _launch(playwright, path)
        try:
            yield launched
        finally:
            await launched.close()


async def _launch(playwright: Playwright, path: Path) -> Browser:
    # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start
    return await playwright.chromium.launch(
        executable_path=str(path),
        args=["--no-sandbox", "--disable-gpu"],
        env={**os.environ, "FONTCONFIG_FILE": str(_fontconfig())},
    )


def _fontconfig() -> Path:
    """The system's fontconfig plus Noto Sans CJK from the `noto-cjk-sans-otc` dependency (the
    /summary charts' font), so Chinese renders on a machine without CJK fonts, as on phones."""
    from noto_cjk_sans_otc import FONT_PATH

    conf = Path(tempfile.gettempdir()) / f"tierbot-fonts-{os.getuid()}.conf"
    system = '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
    text = (
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{system}'
        f"<dir>{Path(FONT_PATH).parent}</dir></fontconfig>"
    )
    scratch = conf.with_suffix(f".{os.getpid()}")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(conf)  # atomic: parallel runs never read half a file
    return conf


def seed_demo(harness: Harness, age: timedelta = timedelta(0)) -> dict[str, accounts.Account]:
    """The console's demo book (two reps, a manager, an admin, ~60 customers) as seeded `age`
    ago, tiered now (an older book has more customers gone quiet)."""
    now = harness.clock.now()
    with harness.db.session() as session:
        people = demo.seed(session, now - age)
        session.commit()
    retier.recompute(harness.db, AsOf(harness.services.policy, now, harness.services.settings.timezone), review=False)
    book.invalidate()
    table.forget()
    return people


def liven_up(harness: Harness, people: dict[str, accounts.Account], *, deals: int = 3) -> list[int]:
    """A day of news on the demo book, so every dashboard figure has something behind it: big
    deals for `deals` of the main model's lowest-tier customers and a complaint about one, then
    the next day's review run (their tier movements). The customers with deals, by id."""
    policy, settings = harness.services.policy, harness.services.settings
    main = policy.main_model
    assert main is not None
    now = harness.clock.now()
    with harness.db.session() as session:
        rows = table.search(
            session,
            people["manager"],
            AsOf(policy, now, settings.timezone),
            table.Query(tiers={main.code: (main.tiers[-1].code,)}, sort="name"),
        ).rows[:deals]
        for number, row in enumerate(rows):
            owner = next(p for p in people.values() if p.id == row.owner_id)
            draft = logbook.LogDraft(
                customer_id=row.id,
                kind="deal",
                summary="签约年度框架合同 annual contract",
                occurred_at=(now - timedelta(hours=3)).isoformat(),
                amount="6000000",
            )
            logbook.log_and_retier(
                session,
                owner,
                draft,
                chat_id=-owner.telegram_id,
                message_id=9000 + number,
                as_of=AsOf(policy, now, settings.timezone),
                currency=settings.currency,
            )
        owner = next(p for p in people.values() if p.id == rows[0].owner_id)
        feedback.record(
            session,
            owner,
            rows[0].id,
            kind="complaint",
            text="交付延期两周 delivery two weeks late",
            now=now,
            severity="high",
        )
        session.commit()
    harness.clock.set(now + timedelta(days=1))
    retier.recompute(harness.db, AsOf(policy, harness.clock.now(), settings.timezone), review=True)
    table.forget()
    return [row.id for row in rows]


@asynccontextmanager
async def serve(harness: Harness) -> AsyncIterator[str]:
    """The Mini App on 127.0.0.1 and a free port (the OS's choice), on this event loop."""
    runner = web.AppRunner(create_app(harness.services, bot_token=LOCAL_TOKEN), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server: Any = site._server  # aiohttp keeps the bound socket here; port 0 chose one
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class Opened:
    page: Page
    errors: list[str]  # uncaught page errors and console errors


async def open_app(
    browser: Browser,
    base: str,
    account: accounts.Account,
    harness: Harness,
    *,
    lang: str | None = None,
    dark: bool = False,
    hash_path: str = "",
    before_load: str | None = None,
) -> Opened:
    """A phone-sized page signed in as `account` with initData signed by the bot's token (the
    console's link); telegram.org's script is refused, as where only the bot server is reachable."""
    context = await browser.new_context(
        viewport=PHONE,
        device_scale_factor=1,
        color_scheme="dark" if dark else "light",
        locale="zh-CN" if (lang or account.language) == "zh" else "en-US",
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "telegram.org" not in message.text and "ERR_FAILED" not in message.text
            else None
        ),
    )
    await page.route("https://telegram.org/**", lambda route: route.abort())
    if before_load:
        await page.add_init_script(before_load)
    link = local_link(
        base, LOCAL_TOKEN, account.telegram_id, account.name, lang or account.language, harness.clock.now()
    )
    await page.goto(link)
    await page.wait_for_selector("#tabs button")
    if hash_path:
        await page.evaluate("(hash) => { location.hash = hash; }", hash_path)
    return Opened(page, errors)
