"""The one error-to-reply mapper (bot.error_replies): every refusal core raises has an answer in
every feature area, in zh and en; an error that is not a refusal is a bug, answered with the
generic apology and never a traceback; and the tree of core.errors is the one its docstring draws."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import core.errors
import core.tiering
from bot import error_replies
from bot.handlers import settings as settings_handlers
from bot.render import Renderer
from bot.testing import Harness
from core.errors import (
    AlreadyDone,
    BackupError,
    BookError,
    ConfigError,
    Forbidden,
    ImportFileError,
    InvalidInput,
    NotFound,
    PolicyError,
    PolicyIssue,
    PolicyPinned,
    Refusal,
    TierbotError,
)
from core.ops import backup
from core.tier_records import policy_store


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _instance(cls: type[Refusal]) -> Refusal:
    if issubclass(cls, InvalidInput):
        return cls("a_code_no_template_names", value="x")
    if issubclass(cls, ImportFileError):
        return cls("too_many_rows", limit=200_000)
    return cls("zq-marker")


REFUSALS = [cls for cls in _subclasses(Refusal) if cls.__module__ == "core.errors"]
APOLOGY = {"en": "Sorry, something went wrong on my side", "zh": "抱歉，我这边出了点问题"}
DIGEST = {"en": "Digest time", "zh": "待办时间"}


def test_the_refusals_are_the_ones_the_tree_names() -> None:
    assert {cls.__name__ for cls in REFUSALS} == {
        "NotFound",
        "Forbidden",
        "PolicyPinned",
        "AlreadyDone",
        "InvalidInput",
        "ImportFileError",
    }


@pytest.mark.parametrize("area", sorted(error_replies.AREAS))
@pytest.mark.parametrize("cls", REFUSALS, ids=lambda cls: cls.__name__)
def test_every_refusal_has_an_answer_in_every_area_in_both_languages(area: str, cls: type[Refusal]) -> None:
    renderer = Renderer()
    texts = {
        lang: error_replies.text_for(renderer, lang, area, _instance(cls), policy_file=Path("/etc/p.toml"))
        for lang in ("en", "zh")
    }
    for lang, text in texts.items():
        assert text.strip(), (area, cls, lang)
        assert "Traceback" not in text and "{" not in text and "zq-marker" not in text, text
    assert texts["en"] != texts["zh"]  # each language has its own words
    assert any("\u4e00" <= ch <= "\u9fff" for ch in texts["zh"]), texts["zh"]


def test_an_area_answers_in_its_own_words_and_falls_back_to_the_base() -> None:
    renderer = Renderer()
    gone = error_replies.text_for(renderer, "en", "team", NotFound("person"))
    assert "no longer there" in gone and "/team" in gone  # team/error, code team_gone
    assert error_replies.text_for(renderer, "en", "customers", NotFound("customer")) == renderer.render(
        "en", "customers/not_found"
    )
    unknown = error_replies.text_for(renderer, "en", "team", InvalidInput("team_unknown_user", value="@nobody"))
    assert "@nobody" in unknown  # the error's params fill the template
    # an area names no Forbidden: the base's answer
    assert "managers and administrators" in error_replies.text_for(renderer, "en", "customers", Forbidden("x"))
    pinned = error_replies.text_for(renderer, "en", "policy", PolicyPinned("x"), policy_file=Path("/srv/tiers.toml"))
    assert "/srv/tiers.toml" in pinned  # the more specific class wins over Forbidden


def test_an_unknown_area_is_refused_when_a_handler_names_it() -> None:
    with pytest.raises(ValueError):
        error_replies.answers("no-such-area")


def test_the_tree_is_one_root_and_its_docstring_names_every_class() -> None:
    classes = [
        obj
        for _, obj in inspect.getmembers(core.errors, inspect.isclass)
        if issubclass(obj, BaseException) and obj.__module__ == "core.errors"
    ]
    assert len(classes) >= 12
    for cls in classes:
        assert issubclass(cls, TierbotError), cls
        assert cls.__name__ in (core.errors.__doc__ or ""), cls
    # the engine's and the backup's errors are these, not look-alikes
    assert core.tiering.PolicyError is PolicyError and core.tiering.BookError is BookError
    assert backup.BackupError is BackupError and policy_store.PolicyPinned is PolicyPinned
    assert issubclass(PolicyPinned, Forbidden) and issubclass(AlreadyDone, Refusal)
    assert str(PolicyError([PolicyIssue("value.weight", "must be a number")])).endswith(
        "value.weight: must be a number"
    )


# --- through the bot: a setting's button and its typed answer ------------------------------------------------


def _raising(error: BaseException):
    def setter(*args, **kwargs):
        raise error

    return setter


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_refusal_on_a_button_is_answered_from_its_area(harness: Harness, monkeypatch, lang: str) -> None:
    rep = await harness.person("rep", language=lang)
    monkeypatch.setitem(settings_handlers._SETTERS, "digest", _raising(InvalidInput("bad_time", value="25:61")))
    await harness.send(rep, "/settings")
    await harness.press(rep, DIGEST[lang])
    menu = harness.last(rep)
    await harness.press(rep, "08:00")
    said = harness.last(rep)
    assert said.message_id != menu.message_id and "25:61" in said.text  # errors/invalid, a new message
    assert ("not a time of day" if lang == "en" else "时间") in said.text
    monkeypatch.setitem(settings_handlers._SETTERS, "digest", _raising(Forbidden("settings")))
    await harness.press(rep, "08:00", menu)
    assert harness.last(rep).text == Renderer().render(lang, "common/not_allowed", need="manager")


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("disk on fire"),
        ConfigError("TIERBOT_X is bad"),
        BackupError("no database at /x"),
        BookError("duplicate ids"),
        TierbotError("unexpected"),
    ],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_an_error_that_is_no_refusal_gets_the_apology_and_no_traceback(
    harness: Harness, monkeypatch, lang: str, error: Exception
) -> None:
    rep = await harness.person("rep", language=lang)
    monkeypatch.setitem(settings_handlers._SETTERS, "digest", _raising(error))
    await harness.send(rep, "/settings")
    before = len(harness.sent(rep))
    await harness.press(rep, DIGEST[lang])
    await harness.press(rep, "08:00")
    assert APOLOGY[lang] in (harness.last_answer() or "")
    for message in harness.sent(rep)[before:]:
        assert str(error) not in message.text and "Traceback" not in message.text
    # and the bot goes on
    await harness.send(rep, "/help")
    assert harness.last(rep).text


async def test_a_typed_answer_keeps_its_question_on_a_bad_value_and_ends_it_when_the_thing_is_gone(
    harness: Harness, monkeypatch
) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    await harness.press(rep, "Timezone")
    await harness.press(rep, "Type another")
    monkeypatch.setitem(settings_handlers._SETTERS, "timezone", _raising(InvalidInput("bad_timezone", value="Mars")))
    await harness.send(rep, "Mars")
    assert "“Mars” is not a timezone" in harness.last(rep).text
    assert _flow(harness, rep) == "settings.input"
    monkeypatch.setitem(settings_handlers._SETTERS, "timezone", _raising(NotFound("account")))
    await harness.send(rep, "Europe/Berlin")  # still the answer to the question: the flow stayed
    assert harness.last(rep).text == Renderer().render("en", "customers/not_found")
    assert _flow(harness, rep) is None


def _flow(harness: Harness, person) -> str | None:
    from core.chat import flows

    with harness.db.session() as session:
        pending = flows.current(session, person.account.id, harness.clock.now())
    return pending.flow if pending else None
