"""The chat's "📋 Open" buttons (issue 16): with TIERBOT_WEB_PUBLIC_URL set, /today, /find and
/summary end with a `web_app` button that opens the Mini App at the matching view — and the view
the URL names is one the app's API answers, with the same customers; without the setting the
replies are as before and nothing mentions the app. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app_links import open_button
from bot.console import Console
from bot.local_api import LOCAL_TOKEN
from bot.testing import Harness, Person
from core.clock import ManualClock
from core.db import Database
from core.settings import load_settings
from tests.core.summary_book import add_book
from web.app import create_app
from web.initdata import sign

APP = "https://app.example.com/tier"


pytestmark = pytest.mark.usefixtures("fresh_caches")  # tests/conftest.py


@pytest.fixture
async def app_harness(any_db: Database, clock: ManualClock) -> AsyncIterator[Harness]:
    bot = await Harness.start(
        any_db,
        clock,
        _env_file=None,
        telegram_bot_token=None,
        bot_username="tierbot_test_bot",
        web_public_url=APP + "/",
    )
    yield bot
    await bot.stop()


async def _team(harness: Harness, language: str = "en") -> dict[str, Person]:
    people = {
        "manager": await harness.person("manager", name="王芳", language=language, team="East"),
        "a": await harness.person("rep", name="李伟", language=language, team="East"),
        "b": await harness.person("rep", name="Emma", language="en", team="East"),
        "c": await harness.person("rep", name="Carl", language="en", team="West"),
    }
    with harness.db.session() as session:
        add_book(
            session,
            harness.clock.now(),
            manager=people["manager"].account.id,
            rep_a=people["a"].account.id,
            rep_b=people["b"].account.id,
            rep_c=people["c"].account.id,
        )
        session.commit()
    return people


def _view(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == APP + "/" and not parts.fragment
    return dict(parse_qsl(parts.query))


async def _api(harness: Harness, person: Person, path: str, params: dict[str, str]) -> Any:
    """What web/static/app.js asks the API for the view (the `open` key says which endpoint)."""
    data = sign(LOCAL_TOKEN, {"id": person.chat_id, "first_name": person.telegram["first_name"]}, harness.clock.now())
    async with TestClient(TestServer(create_app(harness.services, bot_token=LOCAL_TOKEN))) as client:
        response = await client.get(path, params=params, headers={"Authorization": f"tma {data}"})
        assert response.status == 200, await response.text()
        return await response.json()


async def test_without_the_setting_no_reply_has_an_app_button(harness: Harness) -> None:
    people = await _team(harness)
    replies = [
        *await harness.send(people["a"], "/today"),
        *await harness.send(people["a"], "/find 华为"),
        *await harness.send(people["a"], "/find zzzz"),
        *await harness.send(people["manager"], "/summary"),
    ]
    assert len(replies) == 5  # the summary is a chart and a message
    for message in replies:
        assert message.web_apps == []
        assert "Mini App" not in message.text and "app.example" not in message.text
        assert not any("📋 Open" in label for label, _ in message.buttons)
    assert harness.api.menu_button is None


async def test_today_opens_the_table_of_my_overdue_and_due_customers(app_harness: Harness) -> None:
    people = await _team(app_harness)
    rep = people["a"]
    sent = await app_harness.send(rep, "/today")
    assert "Acme" in sent[-1].text  # 100 days without contact: overdue
    [(label, url)] = sent[-1].web_apps
    assert label == "📋 Open"
    view = _view(url)
    assert view == {"open": "list", "cadence": "overdue,due", "person": str(rep.account.id), "sort": "next_due"}
    # the callback buttons are still there, before it
    assert sent[-1].buttons[-1] == ("📋 Open", "") and len(sent[-1].buttons) > 1
    del view["open"]
    page = await _api(app_harness, rep, "/api/customers", view)
    assert [row["name"] for row in page["rows"]] == ["Acme"]
    assert app_harness.api.menu_button == {"type": "web_app", "text": "tierbot", "web_app": {"url": APP + "/"}}


async def test_the_label_is_in_the_users_language(app_harness: Harness) -> None:
    people = await _team(app_harness, "zh")
    for person, command in ((people["a"], "/today"), (people["a"], "/find 华为"), (people["manager"], "/summary")):
        sent = await app_harness.send(person, command)
        assert [label for label, _ in sent[-1].web_apps] == ["📋 打开"], command


async def test_find_opens_the_table_searched_for_the_same_words(app_harness: Harness) -> None:
    people = await _team(app_harness)
    rep = people["a"]
    sent = await app_harness.send(rep, "/find 华为")
    [(_, url)] = sent[-1].web_apps
    view = _view(url)
    assert view == {"open": "list", "q": "华为"}
    label, key = sent[-1].buttons[0]
    assert label == "华为" and key  # the card's button stays first
    del view["open"]
    page = await _api(app_harness, rep, "/api/customers", view)
    assert [row["name"] for row in page["rows"]] == ["华为"]
    nothing = await app_harness.send(rep, "/find Westco")  # another team's customer: not in this book
    [(_, url)] = nothing[-1].web_apps
    assert _view(url) == {"open": "list", "q": "Westco"}
    assert (await _api(app_harness, rep, "/api/customers", {"q": "Westco"}))["rows"] == []


async def test_find_typed_after_the_prompt_has_the_button_too(app_harness: Harness) -> None:
    people = await _team(app_harness)
    await app_harness.send(people["a"], "/find")
    sent = await app_harness.send(people["a"], "acme")
    assert [_view(url) for _, url in sent[-1].web_apps] == [{"open": "list", "q": "acme"}]


async def test_summary_opens_the_dashboard_for_its_scope_and_period(app_harness: Harness) -> None:
    people = await _team(app_harness)
    manager = people["manager"]
    sent = await app_harness.send(manager, "/summary")
    assert sent[0].kind == "photo" and sent[0].web_apps == []
    [(label, url)] = sent[-1].web_apps
    assert label == "📋 Open" and _view(url) == {"open": "dash", "period": "month"}
    sent = await app_harness.send(manager, "/summary week 李伟")
    view = _view(sent[-1].web_apps[0][1])
    assert view == {"open": "dash", "period": "week", "person": "李伟"}
    del view["open"]
    figures = await _api(app_harness, manager, "/api/dashboard", view)
    assert figures["period"] == "week" and figures["customers"] == 2  # 李伟's 华为 and Acme
    assert figures["scope"]["user_id"] == people["a"].account.id


async def test_no_app_button_outside_a_private_chat(app_harness: Harness) -> None:
    people = await _team(app_harness)
    group = {"id": -100123, "type": "supergroup", "title": "Sales"}
    replies = await app_harness.send(people["a"], "/find 华为", chat=group)
    assert replies and all(message.web_apps == [] for message in replies)
    # and the rule itself, for a reply that reached a group in some other way
    context = SimpleNamespace(services=app_harness.services, label=lambda key: key)
    for kind, expected in (("group", None), ("supergroup", None), ("channel", None)):
        update = SimpleNamespace(effective_chat=SimpleNamespace(type=kind))
        assert open_button(update, context, {"open": "list"}) is expected  # type: ignore[arg-type]
    private = open_button(
        SimpleNamespace(effective_chat=SimpleNamespace(type="private")),  # type: ignore[arg-type]
        context,
        {"open": "list", "q": "a b"},
    )  # type: ignore[arg-type]
    assert private is not None and private.web_app is not None and private.web_app.url == APP + "/?open=list&q=a+b"


async def test_the_console_prints_where_the_button_opens(tmp_path: Path) -> None:
    """Offline there is no Telegram to open the app: pressing 📋 prints its address."""
    out = io.StringIO()
    console = Console(
        load_settings(_env_file=None, telegram_bot_token=None, web_public_url=APP), "rep-en", tmp_path / "demo.db", out
    )
    assert await console.run(io.StringIO("/find acme\n")) == 0
    shown = out.getvalue().splitlines()
    buttons = next(line for line in reversed(shown) if "📋 Open" in line)
    number = next(part.split("]")[0] for part in buttons.split("[") if "📋 Open" in part)
    out.truncate(0)
    console = Console(
        load_settings(_env_file=None, telegram_bot_token=None, web_public_url=APP), "rep-en", tmp_path / "demo.db", out
    )
    assert await console.run(io.StringIO(f"/find acme\n{number}\n")) == 0
    assert f"📋 {APP}/?open=list&q=acme" in out.getvalue().splitlines()
