"""Every shipped greeting template renders, with or without contact, title, last touch and
rep name, in the bot's environment and the plain one: 2–4 sentences, no leftovers."""

from __future__ import annotations

import re
from datetime import date
from itertools import product
from pathlib import Path

import pytest

from bot.render import Renderer
from core.reminders.greetings import LANGUAGES, STYLES, LastTouch, addressee, greetings_environment

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
OCCASIONS = (
    "new_year",
    "spring_festival",
    "lantern",
    "qingming",
    "dragon_boat",
    "mid_autumn",
    "national_day",
    "holiday",
    "birthday",
    "anniversary",
)
NAMES = {"zh": "中秋节", "en": "Mid-Autumn Festival"}
CONTEXTS = [
    dict(
        contact_name="王伟",
        contact_title="总经理",
        rep_name="李明",
        last_touch=LastTouch(date(2027, 8, 20), "meeting", "讨论二期方案"),
    ),
    dict(
        contact_name="Jane Doe",
        contact_title=None,
        rep_name=None,
        last_touch=LastTouch(date(2026, 12, 20), "visit", None),
    ),
    dict(contact_name=None, contact_title=None, rep_name="Li Ming", last_touch=None),
    dict(contact_name="Bob", contact_title=None, rep_name="Li", last_touch=LastTouch(date(2027, 9, 1), "deal", None)),
    dict(contact_name="黄总", contact_title="总经理", rep_name="李明", last_touch=None),
]
SENTENCE_END = {"zh": re.compile(r"[。！？]"), "en": re.compile(r"[.!?](?=\s|$)")}


def _context(lang: str, occasion: str, tier: str, extra: dict) -> dict:
    return dict(
        lang=lang,
        tier=tier,
        occasion=occasion,
        occasion_name=NAMES[lang],
        occasion_date=date(2027, 9, 15),
        customer_name="华为" if lang == "zh" else "Acme",
        years=3 if occasion == "anniversary" else None,
        addressee=addressee(extra["contact_name"], extra["contact_title"]),
        **extra,
    )


def test_every_occasion_has_every_tier_and_language() -> None:
    for occasion, tier, lang in product(OCCASIONS, STYLES, LANGUAGES):
        assert (TEMPLATES / "greetings" / occasion / f"{tier}.{lang}.txt.j2").is_file()
    for lang in LANGUAGES:
        assert (TEMPLATES / "greetings" / f"fallback.{lang}.txt.j2").is_file()


@pytest.mark.parametrize("env", [greetings_environment(TEMPLATES), Renderer().env], ids=["plain", "bot"])
@pytest.mark.parametrize(("occasion", "tier", "lang"), list(product(OCCASIONS, STYLES, LANGUAGES)))
def test_template_renders_two_to_four_sentences(env, occasion: str, tier: str, lang: str) -> None:
    template = env.get_template(f"greetings/{occasion}/{tier}.{lang}.txt.j2")
    for extra in CONTEXTS:
        text = template.render(_context(lang, occasion, tier, extra)).strip()
        assert "None" not in text and "{" not in text and "&amp;" not in text, text
        lines = [line for line in text.splitlines() if line.strip()]
        body = " ".join(
            lines[1:-2] if extra["rep_name"] and lang == "en" else lines[1:-1] if extra["rep_name"] else lines[1:]
        )
        assert 2 <= len(SENTENCE_END[lang].findall(body)) <= 4, text
        if tier == "personal" and extra["contact_name"]:
            assert extra["contact_name"] in lines[0]
            if lang == "zh" and extra["contact_title"]:
                assert lines[0] == f"尊敬的{addressee(extra['contact_name'], extra['contact_title'])}，您好！"
        if lang == "zh":
            assert "黄总总经理" not in text and "王伟总经理总经理" not in text
        if tier == "personal" and extra["last_touch"] is not None and occasion != "qingming":
            day = extra["last_touch"].date
            assert (f"{day.month}月{day.day}日" if lang == "zh" else f" {day.day}") in body, text


def test_qingming_is_not_celebratory() -> None:
    env = greetings_environment(TEMPLATES)
    for tier, lang in product(STYLES, LANGUAGES):
        text = env.get_template(f"greetings/qingming/{tier}.{lang}.txt.j2").render(
            _context(lang, "qingming", tier, CONTEXTS[0])
        )
        assert "快乐" not in text and "Happy" not in text and "节日" not in text


@pytest.mark.parametrize(
    ("name", "title", "expected"),
    [
        ("黄总", "总经理", "黄总"),  # the name already says how to address him
        ("王经理", "经理", "王经理"),
        ("张伟", "总经理", "张伟总经理"),
        ("陈主任", "办公室主任", "陈主任"),
        ("Bob Smith", "CEO", "Bob Smith"),  # an English title is not glued to the name
        ("李娜", None, "李娜"),
    ],
)
def test_the_contact_is_addressed_with_name_and_title_once(name: str, title: str | None, expected: str) -> None:
    assert addressee(name, title) == expected
