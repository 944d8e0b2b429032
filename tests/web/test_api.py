"""The Mini App's API on SQLite and PostgreSQL: the initData check, the role × endpoint matrix,
404 for others' customers, /summary's own figures on the dashboard, the table's filters, sort and
paging, and POST actions that validate like the chat and write nothing half."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import func, select

from bot.local_api import LOCAL_TOKEN
from bot.testing import Harness, Person
from core.as_of import AsOf
from core.models import Feedback, FollowUp, Interaction
from core.reports import scoping, summary
from tests.core.summary_book import add_book
from web.app import create_app
from web.initdata import sign

OTHER_TOKEN = "7000000002:ANOTHER-bot-token-for-the-signature-test"


pytestmark = pytest.mark.usefixtures("fresh_caches")  # tests/conftest.py


@pytest.fixture
async def client(harness: Harness) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(harness.services, bot_token=LOCAL_TOKEN))) as test_client:
        yield test_client


def auth(
    harness: Harness, person: Person, *, token: str = LOCAL_TOKEN, age: timedelta = timedelta(0)
) -> dict[str, str]:
    data = sign(
        token,
        {
            "id": person.chat_id,
            "first_name": person.telegram["first_name"],
            "language_code": person.telegram.get("language_code"),
        },
        harness.clock.now() - age,
    )
    return {"Authorization": f"tma {data}"}


async def team_book(harness: Harness) -> tuple[dict[str, Person], dict[str, int]]:
    people = {
        "manager": await harness.person("manager", name="王芳", language="zh", team="East"),
        "a": await harness.person("rep", name="李伟", team="East"),
        "b": await harness.person("rep", name="Emma", team="East"),
        "c": await harness.person("rep", name="Carl", team="West"),
        "admin": await harness.person("admin", name="Root"),
        "stranger": await harness.person(None, name="Nobody"),
    }
    with harness.db.session() as session:
        ids = add_book(
            session,
            harness.clock.now(),
            manager=people["manager"].account.id,
            rep_a=people["a"].account.id,
            rep_b=people["b"].account.id,
            rep_c=people["c"].account.id,
        )
        session.commit()
    return people, ids


async def get(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    response = await client.get(path, headers=headers)
    body = await response.read()
    return response.status, (await response.json() if body else body)


# --- the signature ----------------------------------------------------------------------------


async def test_valid_init_data_signs_in_and_bad_ones_get_401_with_nothing(harness: Harness, client: TestClient) -> None:
    people, _ = await team_book(harness)
    rep = people["a"]
    status, me = await get(client, "/api/me", auth(harness, rep))
    assert status == 200 and me["role"] == "rep" and me["user"]["name"] == "李伟"
    assert [m["code"] for m in me["models"]] == [m.code for m in harness.services.policy.models]
    good = auth(harness, rep)["Authorization"]
    forged = good.replace("%22first_name%22", "%22first_nam3%22")
    other_user = sign(LOCAL_TOKEN, {"id": people["c"].chat_id}, harness.clock.now())
    swapped = (
        good.split("&user=")[0]
        + "&user="
        + other_user.split("&user=")[1].split("&")[0]
        + "&hash="
        + good.split("hash=")[1]
    )
    cases = {
        "forged": {"Authorization": forged},
        "replayed for another user": {"Authorization": swapped},
        "expired": auth(harness, rep, age=timedelta(hours=1, minutes=1)),
        "other bot": auth(harness, rep, token=OTHER_TOKEN),
        "missing": {},
        "malformed": {"Authorization": "tma %%%&&&=="},
        "stranger": auth(harness, people["stranger"]),
    }
    for name, headers in cases.items():
        for path in ("/api/me", "/api/customers", "/api/dashboard"):
            status, body = await get(client, path, headers)
            assert (status, body) == (401, b""), (name, path)


# --- who sees what ----------------------------------------------------------------------------


async def test_role_matrix_and_404_for_other_peoples_customers(harness: Harness, client: TestClient) -> None:
    people, ids = await team_book(harness)
    seen = {}
    for role in ("a", "manager", "admin", "c"):
        status, page = await get(client, "/api/customers?limit=200", auth(harness, people[role]))
        assert status == 200
        seen[role] = {row["name"] for row in page["rows"]}
    assert seen == {
        "a": {"华为", "Acme"},
        "manager": {"华为", "Acme", "Globex", "腾讯"},
        "admin": {"华为", "Acme", "Globex", "腾讯", "Westco"},
        "c": {"Westco"},
    }
    status, card = await get(client, f"/api/customers/{ids['华为']}", auth(harness, people["a"]))
    assert status == 200 and card["card"]["customer"]["name"] == "华为" and card["why"] and card["history"]
    for role, name in (("a", "Globex"), ("c", "华为"), ("manager", "Westco")):
        status, body = await get(client, f"/api/customers/{ids[name]}", auth(harness, people[role]))
        assert status == 404 and "华为" not in str(body) and "Westco" not in str(body)
        response = await client.post(
            f"/api/customers/{ids[name]}/followup",
            headers=auth(harness, people[role]),
            json={"due": "2026-12-01", "text": "call"},
        )
        assert response.status == 404
    assert (await get(client, "/api/customers/999999", auth(harness, people["admin"])))[0] == 404
    assert (await get(client, "/api/dashboard", auth(harness, people["a"])))[0] == 403
    assert (await get(client, "/api/dashboard", auth(harness, people["manager"])))[0] == 200
    assert (await get(client, "/api/dashboard", auth(harness, people["admin"])))[0] == 200
    response = await client.post(
        "/api/reassign",
        headers=auth(harness, people["a"]),
        json={"customer_ids": [ids["华为"]], "to_user_id": people["b"].account.id},
    )
    assert response.status == 403
    with harness.db.session() as session:
        assert session.exec(select(FollowUp)).all() == [] or all(
            f.text != "call" for f in session.exec(select(FollowUp)).all()
        )


# --- the dashboard is /summary ------------------------------------------------------------------


async def test_dashboard_has_the_summary_figures_and_each_drills_down_to_them(
    harness: Harness, client: TestClient
) -> None:
    people, ids = await team_book(harness)
    manager = people["manager"]
    with harness.db.session() as session:
        chat = summary.build(
            session,
            manager.account,
            AsOf(harness.services.policy, harness.clock.now(), harness.services.settings.timezone),
            scope=scoping.resolve_scope(session, manager.account, scoping.Request()),
        ).params()
    status, board = await get(client, "/api/dashboard?period=month", auth(harness, manager))
    assert status == 200
    for key in ("models", "overdue_total", "overdue_people", "complaints_open", "allocation", "movements"):
        stripped = _without_drill(board[key])
        assert stripped == chat[key], key
    value = next(m for m in board["models"] if m["code"] == "value")
    vip = next(t for t in value["tiers"] if t["code"] == "vip")
    assert vip["customers"] == 1 and Decimal(vip["revenue"]) == Decimal("600000")
    for model in board["models"]:
        for tier in model["tiers"]:
            page = await _drill(client, harness, manager, tier["drill"])
            assert page["total"] == tier["customers"], (model["code"], tier["code"])
            assert Decimal(page["revenue_total"]) == Decimal(tier["revenue"])
    for person in board["overdue_people"]:
        page = await _drill(client, harness, manager, person["drill"])
        assert page["total"] == person["overdue"]
    assert (await _drill(client, harness, manager, board["drill"]["overdue"]))["total"] == board["overdue_total"]
    complaints = await _drill(client, harness, manager, board["drill"]["complaints"])
    assert sum(row["open_complaints"] for row in complaints["rows"]) == board["complaints_open"]


def _without_drill(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_drill(v) for k, v in value.items() if k != "drill"}
    if isinstance(value, list):
        return [_without_drill(v) for v in value]
    return value


async def _drill(client: TestClient, harness: Harness, person: Person, params: dict[str, str]) -> Any:
    response = await client.get("/api/customers", params={**params, "limit": "200"}, headers=auth(harness, person))
    assert response.status == 200
    return await response.json()


# --- the table ------------------------------------------------------------------------------------


async def test_search_filters_sort_and_paging(harness: Harness, client: TestClient) -> None:
    people, ids = await team_book(harness)
    admin = auth(harness, people["admin"])
    status, page = await get(client, "/api/customers?q=huawei", admin)
    assert [row["name"] for row in page["rows"]] == ["华为"]  # pinyin, as /find
    status, page = await get(client, "/api/customers?q=hw", admin)
    assert "华为" in [row["name"] for row in page["rows"]]
    status, page = await get(client, "/api/customers?sort=revenue&desc=1&limit=200", admin)
    revenues = [Decimal(row["revenue"]) for row in page["rows"]]
    assert revenues == sorted(revenues, reverse=True) and page["rows"][0]["name"] == "Westco"
    status, page = await get(client, "/api/customers?tier.value=vip,key&limit=200", admin)
    assert {row["name"] for row in page["rows"]} == {"华为", "Acme", "Westco"}
    status, page = await get(client, "/api/customers?tier.value=key&cadence=overdue&silent_days=60", admin)
    assert [row["name"] for row in page["rows"]] == ["Acme"]  # last contact 100 days ago
    status, page = await get(client, "/api/customers?revenue_min=300000&revenue_max=700000&limit=200", admin)
    assert {row["name"] for row in page["rows"]} == {"华为", "Acme"}
    names = []
    for offset in range(0, 5, 2):
        status, page = await get(client, f"/api/customers?sort=name&limit=2&offset={offset}", admin)
        assert page["total"] == 5
        names += [row["name"] for row in page["rows"]]
    status, everything = await get(client, "/api/customers?sort=name&limit=200", admin)
    assert names == [row["name"] for row in everything["rows"]] and len(set(names)) == 5
    for bad in (
        "offset=-1",
        "limit=0",
        "limit=100000",
        "offset=99999999999",
        "sort=password",
        "colour=red",
        "tier.value=emperor",
        "tier.nosuchmodel=x",
        "cadence=late",
        "revenue_min=abc",
        "silent_days=x",
    ):
        status, body = await get(client, f"/api/customers?{bad}", admin)
        assert status == 400 and body["error"], bad
    status, page = await get(client, "/api/customers?q=%27%3B%20DROP%20TABLE%20customer%3B--%3Cb%3E", admin)
    assert status == 200 and page["total"] == 0


# --- POST actions ------------------------------------------------------------------------------------


async def _counts(harness: Harness) -> tuple[int, int, int]:
    with harness.db.session() as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()  # type: ignore[return-value]
            for table in (Interaction, FollowUp, Feedback)
        )


async def test_posts_validate_like_the_chat_and_write_whole_or_nothing(harness: Harness, client: TestClient) -> None:
    people, ids = await team_book(harness)
    rep, zh_manager = auth(harness, people["a"]), auth(harness, people["manager"])
    customer = ids["华为"]
    before = await _counts(harness)
    bad = [
        (rep, "log", {"kind": "dance", "summary": "x", "request_id": 1}),
        (rep, "log", {"kind": "call", "summary": "x", "amount": "-5", "request_id": 2}),
        (rep, "log", {"kind": "call", "summary": "x", "feedback_kind": "rant", "request_id": 3}),
        (rep, "log", {"kind": "call", "summary": "x", "occurred_at": "yesterday", "request_id": 4}),
        (rep, "followup", {"due": "", "text": "x"}),
        (rep, "followup", {"due": "2026-12-01", "text": "   "}),
        (rep, "feedback", {"kind": "rant", "text": "x"}),
        (rep, "edit", {"field": "phone", "value": "not a phone"}),
        (rep, "edit", {"field": "password", "value": "x"}),
        (zh_manager, "edit", {"field": "email", "value": "nope"}),
    ]
    for headers, action, body in bad:
        response = await client.post(f"/api/customers/{customer}/{action}", headers=headers, json=body)
        answer = await response.json()
        assert response.status == 400 and answer["error"], (action, body)
    response = await client.post(
        f"/api/customers/{customer}/edit", headers=zh_manager, json={"field": "email", "value": "nope"}
    )
    assert "电子邮件" in (await response.json())["error"]  # the manager's language
    response = await client.post(f"/api/customers/{customer}/log", headers=rep, data="{not json")
    assert response.status == 400
    assert await _counts(harness) == before
    log = {
        "kind": "visit",
        "summary": "拜访，谈续约",
        "request_id": 77,
        "follow_up_due": "2026-12-01",
        "follow_up_text": "回访",
        "feedback_kind": "complaint",
        "feedback_text": "交付慢",
    }
    for _ in range(2):  # a double tap writes once
        response = await client.post(f"/api/customers/{customer}/log", headers=rep, json=log)
        assert response.status == 200
    after = await _counts(harness)
    assert after[0] == before[0] + 1 and after[2] == before[2] + 1 and after[1] >= before[1] + 1
    status, card = await get(client, f"/api/customers/{customer}", rep)
    assert card["history"][0]["summary"] == "拜访，谈续约"  # the chat's history shows it too
    status, page = await get(client, "/api/customers?q=华为", rep)
    assert page["rows"][0]["last_contact"] is not None and page["rows"][0]["open_complaints"] >= 1
    response = await client.post(
        f"/api/customers/{customer}/edit", headers=rep, json={"field": "notes", "value": "likes green tea"}
    )
    assert response.status == 200
    status, page = await get(client, "/api/customers?q=green%20tea", rep)
    assert [row["name"] for row in page["rows"]] == ["华为"]


async def test_people_to_reassign_to_are_the_managers_own_and_reps_get_403(
    harness: Harness, client: TestClient
) -> None:
    people, ids = await team_book(harness)
    status, found = await get(client, "/api/people", auth(harness, people["manager"]))
    assert status == 200
    assert {p["name"] for p in found["people"]} == {"王芳", "李伟", "Emma"}  # not Carl of West, not the admin
    status, everyone = await get(client, "/api/people", auth(harness, people["admin"]))
    assert status == 200 and {"Carl", "Root"} <= {p["name"] for p in everyone["people"]}
    assert (await get(client, "/api/people", auth(harness, people["a"])))[0] == 403
    emma = next(p["id"] for p in found["people"] if p["name"] == "Emma")
    response = await client.post(
        "/api/reassign",
        headers=auth(harness, people["manager"]),
        json={"customer_ids": [ids["华为"]], "to_user_id": emma},
    )
    assert response.status == 200 and (await response.json())["moved"] == 1
    status, page = await get(client, "/api/customers?limit=200", auth(harness, people["b"]))
    assert "华为" in {row["name"] for row in page["rows"]}
