"""Screenshots of the Mini App's views for the README: the table, a customer's page and the
dashboard, in zh and en, light and dark, at phone width (390 px), on the seeded demo book.

    .venv/bin/python -m tests.browser.screenshots [--out docs/screenshots]

Debian's chromium through Playwright (as tests/browser), the app served in-process on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from sqlmodel import select

from bot.testing import Harness
from core.clock import ManualClock
from core.db import open_database
from core.models import Customer, User
from tests.browser import support
from tests.conftest import TEST_START

VIEWS = ("table", "customer", "dashboard")
SHOWN_CUSTOMER = "华为"  # a demo customer with deals, an opportunity and a year of history


async def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        db = open_database(f"sqlite:///{Path(scratch) / 'screens.db'}")
        harness = await Harness.start(
            db, ManualClock(TEST_START), _env_file=None, telegram_bot_token=None, bot_username="tierbot_demo_bot"
        )
        try:
            people = support.seed_demo(harness)
            support.liven_up(harness, people)  # tier movements and a complaint on the dashboard
            with db.session() as session:
                customer = session.exec(select(Customer.id).where(Customer.name == SHOWN_CUSTOMER)).one()
            written = []
            async with support.serve(harness) as base, support.browser() as browser:
                for lang in ("zh", "en"):
                    _speak(harness, lang)
                    for dark in (False, True):
                        for view in VIEWS:
                            path = out / f"{view}-{lang}-{'dark' if dark else 'light'}.png"
                            await _view(browser, base, harness, people, view, customer, lang, dark, path)
                            written.append(path)
            return written
        finally:
            await harness.stop()
            db.dispose()


def _speak(harness: Harness, lang: str) -> None:
    """Every demo person in `lang` (the app speaks the account's language)."""
    with harness.db.session() as session:
        for user in session.exec(select(User)).all():
            user.language = lang
            session.add(user)
        session.commit()


async def _view(browser, base, harness, people, view, customer, lang, dark, path) -> None:  # type: ignore[no-untyped-def]
    who = people["rep"] if view == "table" else people["manager"]
    hash_path = {"table": "", "customer": f"#/c/{customer}", "dashboard": "#/dash"}[view]
    opened = await support.open_app(browser, base, who, harness, lang=lang, dark=dark, hash_path=hash_path)
    page = opened.page
    await page.wait_for_selector(
        {"table": "tr.customer", "customer": "#history li", "dashboard": "#chart-overdue"}[view]
    )
    await page.wait_for_timeout(200)  # fonts settle
    await page.screenshot(path=str(path), full_page=view != "table")
    await page.context.close()
    if opened.errors:
        raise RuntimeError(f"{path.name}: {opened.errors}")
    _shrink(path)


def _shrink(path: Path) -> None:
    """256 colours are plenty for flat UI: about a third of the bytes (Pillow, matplotlib's)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    for path in asyncio.run(shoot(args.out)):
        print(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
