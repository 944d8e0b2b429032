"""The Mini App in a real browser (Debian's chromium through Playwright), on the seeded demo book
served in-process, on SQLite and PostgreSQL: a rep searches by a short name, filters the main
model's second tier (key, in the default policy) × overdue × no contact for 60 days, sorts by
revenue, opens a customer and logs an interaction (in the database and in the chat's history);
a manager taps dashboard bars and lands on exactly the customers each figure counts, and from
one of them reassigns it. Without chromium these tests fail with how to install it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, Page
from sqlmodel import select

from bot.testing import Harness
from core import accounts
from core.as_of import AsOf
from core.customers import table
from core.interactions import logbook
from core.models import Customer, Interaction
from core.names import book
from tests.browser import support

# Chromium runs as a child process (via Playwright's driver): `make test-fast` leaves these out.
pytestmark = pytest.mark.processes

# Short names reps type for demo customers (the book's index derives them: core/names/book.py).
SHORT_NAMES = {"瑞丰医疗": "瑞丰", "青岛啤酒": "青岛", "明远教育": "明远"}
BOOK_AGE = timedelta(days=45)  # the demo book seeded 45 days ago: enough key customers gone quiet


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with support.browser() as launched:
        yield launched


@pytest.fixture
async def demo_app(harness: Harness) -> AsyncIterator[tuple[str, dict[str, accounts.Account]]]:
    people = support.seed_demo(harness, BOOK_AGE)
    async with support.serve(harness) as base:
        yield base, people
    book.invalidate()
    table.forget()


def labels(harness: Harness, lang: str, section: str = "web") -> dict[str, Any]:
    return harness.services.renderer.section(lang, section)


async def shown_ids(page: Page) -> list[int]:
    return [int(i) for i in await page.locator("tr.customer").evaluate_all("rows => rows.map(r => r.dataset.id)")]


async def wait_rows(page: Page, total: int) -> None:
    """Until the table shows the page of a result of `total` customers."""
    await page.wait_for_function("(n) => document.querySelector('#total')?.dataset.total === String(n)", arg=total)


def search_table(harness: Harness, account: accounts.Account, **query: Any) -> table.Page:
    with harness.db.session() as session:
        return table.search(
            session,
            account,
            AsOf(harness.services.policy, harness.clock.now(), harness.services.settings.timezone),
            table.Query(limit=30, **query),
        )


async def test_a_rep_searches_filters_sorts_opens_and_logs(harness: Harness, demo_app: Any, chromium: Browser) -> None:
    base, people = demo_app
    rep = people["rep"]
    lang = rep.language
    words = labels(harness, lang)
    opened = await support.open_app(chromium, base, rep, harness)
    page = opened.page
    await page.wait_for_selector("tr.customer")
    everyone = search_table(harness, rep)
    assert await shown_ids(page) == [row.id for row in everyone.rows]

    # a short name finds its customer
    with harness.db.session() as session:
        mine = session.exec(
            select(Customer.name).where(Customer.owner_id == rep.id, Customer.name.in_(SHORT_NAMES))
        ).all()  # type: ignore[attr-defined]
    assert mine, "the demo book gives this rep one of the customers with a short name"
    full = sorted(mine)[0]
    await page.fill("#q", SHORT_NAMES[full])
    await page.wait_for_function(
        "(name) => [...document.querySelectorAll('tr.customer')].some(r => r.textContent.includes(name))"
        " && document.querySelectorAll('tr.customer').length <= 3",
        arg=full,
    )
    await page.fill("#q", "")
    await wait_rows(page, everyone.total)

    # key tier (the main model's second tier), overdue, no contact for 60 days
    main = harness.services.policy.main_model
    assert main is not None
    key = main.tiers[1].code
    await page.click("#view details > summary")
    await page.select_option(f"select[data-model='{main.code}']", key)
    await page.select_option("#cadence", "overdue")
    await page.fill("#silent_days", "60")
    await page.press("#silent_days", "Tab")
    wanted = search_table(harness, rep, tiers={main.code: (key,)}, cadence=("overdue",), silent_days=60)
    assert wanted.total >= 2, "the demo book has key customers of this rep overdue for 60 days"
    assert wanted.total < everyone.total
    await wait_rows(page, wanted.total)
    key_name = next(t.name.get(lang) for t in main.tiers if t.code == key)
    cells = await page.locator("tr.customer").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    now = harness.clock.now()
    for row, shown in zip(wanted.rows, cells, strict=True):
        assert row.tiers[main.code] == key and row.cadence == "overdue"
        assert row.last_contact_at is None or row.last_contact_at <= now - timedelta(days=60)
        assert shown[1] == key_name and shown[2] == words["overdue"], shown

    # sorted by revenue: ascending on the first tap, descending on the second
    await page.click("th[data-sort='revenue']")
    await page.wait_for_selector("th[data-sort='revenue'].asc")
    ascending = search_table(
        harness, rep, tiers={main.code: (key,)}, cadence=("overdue",), silent_days=60, sort="revenue"
    )
    assert await shown_ids(page) == [row.id for row in ascending.rows]
    revenues = [row.revenue for row in ascending.rows]
    assert revenues == sorted(revenues) and revenues[0] < revenues[-1]
    await page.click("th[data-sort='revenue']")
    await page.wait_for_selector("th[data-sort='revenue'].desc")
    descending = search_table(
        harness, rep, tiers={main.code: (key,)}, cadence=("overdue",), silent_days=60, sort="revenue", descending=True
    )
    assert await shown_ids(page) == [row.id for row in descending.rows]
    assert [row.revenue for row in descending.rows] == revenues[::-1]

    # open the first customer and log a call
    first = (await shown_ids(page))[0]
    await page.click(f"tr.customer[data-id='{first}']")
    await page.wait_for_selector("#history")
    note = "浏览器里记的电话：确认了报价单 #web-1"
    form = page.locator("details[data-form='log']")
    await form.locator("summary").click()
    await form.locator("select[name='kind']").select_option("call")
    await form.locator("textarea[name='summary']").fill(note)
    await form.locator("button").click()
    await page.wait_for_function(
        "(note) => document.querySelector('#history li')?.textContent.includes(note)", arg=note
    )
    assert await page.locator("#toast").inner_text() == words["saved"]
    with harness.db.session() as session:
        saved = session.exec(select(Interaction).where(Interaction.summary == note)).all()
        assert [(i.customer_id, i.kind, i.rep_id) for i in saved] == [(first, "call", rep.id)]
        history, _ = logbook.history(session, rep, first, limit=1)
    assert history[0].summary == note and history[0].kind == "call"
    assert opened.errors == []


async def chart_ready(page: Page, canvas: str) -> None:
    """The canvas is in the page before Chart.js has drawn on it: wait for the chart itself."""
    await page.wait_for_function(
        "(id) => window.Chart !== undefined && Chart.getChart(document.getElementById(id)) !== undefined", arg=canvas
    )


async def bar_click(page: Page, canvas: str, index: int, dataset: int = 0) -> None:
    """Tap the middle of bar/slice `index` of a Chart.js chart, as a finger would."""
    await chart_ready(page, canvas)
    await page.locator(f"#{canvas}").scroll_into_view_if_needed()
    point = await page.evaluate(
        """([id, index, dataset]) => {
            const chart = Chart.getChart(document.getElementById(id));
            const element = chart.getDatasetMeta(dataset).data[index];
            const box = chart.canvas.getBoundingClientRect();
            const centre = element.getCenterPoint();
            return {x: box.left + centre.x, y: box.top + centre.y};
        }""",
        [canvas, index, dataset],
    )
    await page.mouse.click(point["x"], point["y"])


async def test_a_manager_drills_from_dashboard_bars_to_their_customers_and_reassigns(
    harness: Harness, demo_app: Any, chromium: Browser
) -> None:
    base, people = demo_app
    manager = people["manager"]
    dealt = support.liven_up(harness, people)  # deals that move tiers, a complaint
    opened = await support.open_app(chromium, base, manager, harness, hash_path="#/dash")
    page = opened.page
    await page.wait_for_selector("#chart-overdue")
    board = await page.evaluate(
        "() => fetch('/api/dashboard?period=month', {headers: {Authorization: 'tma ' + S.initData}})"
        ".then(r => r.json())"
    )

    # overdue by rep: the bar of the first person opens exactly the customers it counts
    person = board["overdue_people"][0]
    await bar_click(page, "chart-overdue", 0)
    await page.wait_for_selector("#drilled")
    await wait_rows(page, person["overdue"])
    behind = search_table(harness, manager, cadence=("overdue",), person=person["user_id"])
    assert behind.total == person["overdue"] > 0
    assert await shown_ids(page) == [row.id for row in behind.rows]
    assert all(person["user_id"] in (row.owner_id, row.account_manager_id) for row in behind.rows)

    # back to the dashboard; the revenue bar of the second tier of the first model: its customers
    await page.go_back()
    await page.wait_for_selector("#chart-revenue")
    model = board["models"][0]
    tier = model["tiers"][1]
    await bar_click(page, "chart-revenue", 1)
    await wait_rows(page, tier["customers"])
    behind = search_table(harness, manager, tiers={model["code"]: (tier["code"],)}, sort="revenue", descending=True)
    assert behind.total == tier["customers"] > 0
    assert await shown_ids(page) == [row.id for row in behind.rows]

    # the complaints tile: the customer complained about
    await page.go_back()
    await page.wait_for_selector("#chart-revenue")
    assert board["complaints_open"] == 1
    await page.click("button.tile[data-drill='complaints=1']")
    await wait_rows(page, 1)
    assert await shown_ids(page) == [dealt[0]]

    # tier movements: the main model's upgrades bar lists exactly the customers it counts
    await page.go_back()
    await page.wait_for_selector("#chart-movements")
    main = harness.services.policy.main_model
    assert main is not None
    ups = {m["customer_id"] for m in board["movements"] if m["model"] == main.code and m["direction"] == "up"}
    assert set(dealt) <= ups
    await chart_ready(page, "chart-movements")
    moved_models = await page.evaluate("() => Chart.getChart(document.getElementById('chart-movements')).data.labels")
    await bar_click(page, "chart-movements", moved_models.index(main.name.get(manager.language)), 0)
    await page.wait_for_function("(n) => document.querySelectorAll('#movements li').length === n", arg=len(ups))
    listed = await page.locator("#movements li").evaluate_all("items => items.map(i => Number(i.dataset.customer))")
    assert set(listed) == ups
    await page.click(f"#movements li[data-customer='{dealt[1]}']")
    await page.wait_for_selector("#history")
    assert dealt[1] in {int(x) for x in [page.url.rsplit("/", 1)[1]]}

    # and from a tier's customers, reassignment to the other rep
    await page.go_back()
    await page.wait_for_selector("#chart-revenue")
    await bar_click(page, "chart-revenue", 1)
    await wait_rows(page, tier["customers"])
    customer = behind.rows[0]
    other = next(p for key, p in people.items() if key in ("rep", "rep_en") and p.id != customer.owner_id)
    await page.click(f"tr.customer[data-id='{customer.id}']")
    await page.wait_for_selector("#reassign-to")
    await page.select_option("#reassign-to", str(other.id))
    await page.click("#reassign button")
    await page.wait_for_function(
        "(name) => document.querySelector('#toast')?.textContent.includes(name)", arg=other.name
    )
    with harness.db.session() as session:
        assert session.get(Customer, customer.id).owner_id == other.id  # type: ignore[union-attr]
    assert opened.errors == []


async def test_the_page_and_its_charts_take_telegrams_theme_and_the_dark_scheme(
    harness: Harness, demo_app: Any, chromium: Browser
) -> None:
    base, people = demo_app
    manager = people["manager"]
    colour = (
        "() => [getComputedStyle(document.body).backgroundColor, "
        "Chart.getChart(document.getElementById('chart-mix')).data.datasets[0].backgroundColor[0]]"
    )
    dark = await support.open_app(chromium, base, manager, harness, dark=True, hash_path="#/dash")
    await chart_ready(dark.page, "chart-mix")
    light = await support.open_app(chromium, base, manager, harness, hash_path="#/dash")
    await chart_ready(light.page, "chart-mix")
    assert await dark.page.evaluate(colour) == ["rgb(23, 33, 43)", "#2481cc"]
    assert await light.page.evaluate(colour) == ["rgb(255, 255, 255)", "#2481cc"]
    # inside Telegram, telegram-web-app.js sets --tg-theme-* on the page: they win, charts too
    theme = (
        "document.addEventListener('DOMContentLoaded', () => { const s = document.documentElement.style;"
        " s.setProperty('--tg-theme-bg-color', '#101010'); s.setProperty('--tg-theme-button-color', '#ff8800'); })"
    )
    telegram = await support.open_app(
        chromium, base, manager, harness, dark=True, hash_path="#/dash", before_load=theme
    )
    await chart_ready(telegram.page, "chart-mix")
    assert await telegram.page.evaluate(colour) == ["rgb(16, 16, 16)", "#ff8800"]
    assert dark.errors == light.errors == telegram.errors == []


def test_without_chromium_the_tests_fail_and_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(support, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        support.chromium()


async def test_todays_view_shows_its_two_statuses_in_the_filter(
    harness: Harness, demo_app: Any, chromium: Browser
) -> None:
    base, people = demo_app
    rep = people["rep"]
    opened = await support.open_app(chromium, base, rep, harness, hash_path="#/list?cadence=overdue%2Cdue")
    page = opened.page
    behind = search_table(harness, rep, cadence=("overdue", "due"))
    await wait_rows(page, behind.total)
    assert behind.total > 0 and await shown_ids(page) == [row.id for row in behind.rows]
    assert await page.input_value("#cadence") == "overdue,due"  # not "any", as before
    assert opened.errors == []


async def test_leaving_the_list_before_its_rows_arrive_breaks_nothing(
    harness: Harness, demo_app: Any, chromium: Browser
) -> None:
    base, people = demo_app
    manager = people["manager"]
    opened = await support.open_app(chromium, base, manager, harness, hash_path="#/dash")
    page = opened.page
    await page.wait_for_selector("#chart-mix")
    held: list[Any] = []
    await page.route("**/api/customers?*", lambda route: held.append(route))  # the rows answer late
    await page.evaluate("() => { location.hash = '#/'; }")
    await page.wait_for_function("() => document.querySelector('#total') !== null")
    await page.evaluate("() => { location.hash = '#/dash'; }")  # gone before the rows came
    await page.wait_for_selector("#chart-mix")
    for route in held:
        await route.continue_()
    await page.wait_for_timeout(300)
    assert held and await page.locator("#chart-mix").count() == 1 and opened.errors == []
