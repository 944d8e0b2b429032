"""Texts said only when something else went wrong or outside Telegram — the console's banner, the
plain reminder sent for a payload whose template fails, the greeting draft used when an occasion's
template is missing — in both languages, from the shipped templates (issue 12 §10: every template
is rendered by the suite)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import jinja2
import pytest

from bot.console import Console
from bot.jobs import render_payload
from bot.render import TEMPLATES_DIR, Renderer
from core.reminders.greetings import _Drafts, greetings_environment
from core.settings import load_settings


@pytest.mark.parametrize(
    ("persona", "expected"), [("rep", "您是 李伟 Li Wei（rep）"), ("rep-en", "You are Emma Chen (rep)")]
)
async def test_the_console_opens_with_its_banner_in_the_persona_language(
    tmp_path: Path, persona: str, expected: str
) -> None:
    out = io.StringIO()
    console = Console(load_settings(_env_file=None, telegram_bot_token=None), persona, tmp_path / "demo.db", out)
    assert await console.run(io.StringIO("")) == 0
    banner = out.getvalue()
    assert expected in banner and str(tmp_path / "demo.db") in banner


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "您有一条 tierbot 提醒——发送 /today 查看详情。"),
        ("en", "You have a reminder from tierbot — open /today for the details."),
    ],
)
def test_a_payload_whose_template_fails_is_sent_as_the_plain_reminder(
    lang: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    payload = {"template": "reminders/followup", "params": {}}  # its parameters are missing
    assert render_payload(Renderer(), lang, payload) == expected
    assert "template reminders/followup failed" in caplog.text


class _OnlyFallbacks(jinja2.FileSystemLoader):
    """The shipped templates directory with every occasion's templates gone."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, object]:
        if not template.startswith("greetings/fallback."):
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "王伟，您好！值此中秋节之际，谨致诚挚问候，祝您一切顺利！"),
        ("en", "Dear 王伟, warm wishes on this special occasion (中秋节). All the best!"),
    ],
)
@pytest.mark.parametrize("plain", [True, False], ids=["plain", "bot"])
def test_a_greeting_without_an_occasion_template_is_the_shipped_fallback(lang: str, expected: str, plain: bool) -> None:
    env = greetings_environment() if plain else Renderer().env
    env.loader = _OnlyFallbacks(str(TEMPLATES_DIR))
    context = dict(
        lang=lang,
        tier="personal",
        occasion="mid_autumn",
        occasion_name="中秋节",
        occasion_date=date(2027, 9, 15),
        customer_name="华为",
        contact_name="王伟",
        years=None,
    )
    assert _Drafts(env).render("mid_autumn", "personal", lang, context, customer_id=1) == (expected, "fallback")
