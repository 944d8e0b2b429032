"""The summary's figures on a small book worked out by hand (tests/core/summary_book.py), the
scopes each role may ask for, and the arguments of /summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core import accounts
from core.accounts import Account
from core.as_of import AsOf
from core.db import Database
from core.errors import Forbidden, InvalidInput
from core.policies import default_policy_text
from core.reports import charts, drilldown, figures, scoping, summary
from core.tiering import parse_policy
from tests.core.summary_book import add_book

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())
ZONE = "Asia/Shanghai"


def _people(session) -> dict[str, Account]:  # type: ignore[no-untyped-def]
    manager = accounts.add_user(session, telegram_id=1, name="王芳", role="manager", team="East", now=NOW)
    people = {
        "manager": manager,
        "a": accounts.add_user(session, telegram_id=2, name="李伟", role="rep", team="East", now=NOW),
        "b": accounts.add_user(session, telegram_id=3, name="Emma", role="rep", team="East", now=NOW),
        "c": accounts.add_user(session, telegram_id=4, name="Carl", role="rep", team="West", now=NOW),
        "admin": accounts.add_user(session, telegram_id=5, name="Root", role="admin", now=NOW),
    }
    return people


def _build(
    any_db: Database, actor: str = "manager", request: scoping.Request | None = None, period: str | None = None
) -> figures.Summary:
    with any_db.session() as session:  # committed first: a whole-book read also uses a second connection
        people = _people(session)
        add_book(
            session, NOW, manager=people["manager"].id, rep_a=people["a"].id, rep_b=people["b"].id, rep_c=people["c"].id
        )
    with any_db.session() as session:
        request = request or scoping.Request()
        scope = scoping.resolve_scope(session, people[actor], request)
        return summary.build(
            session, people[actor], AsOf(POLICY, NOW, ZONE), scope=scope, period=period or request.period
        )


def _model(result: figures.Summary, code: str) -> figures.ModelFigures:
    return next(m for m in result.models if m.code == code)


def _tiers(result: figures.Summary, code: str) -> dict[str, figures.TierFigures]:
    return {t.code: t for t in _model(result, code).tiers}


def test_distribution_revenue_share_and_coverage_of_the_team(any_db: Database) -> None:
    result = _build(any_db)
    assert result.scope.kind == "team" and result.scope.label == "East"
    assert result.customers == 4  # Westco belongs to another team
    value = _tiers(result, "value")
    assert {code: t.customers for code, t in value.items()} == {"vip": 1, "key": 1, "regular": 2}
    assert value["vip"].revenue == Decimal("600000.00") and value["key"].revenue == Decimal("300000.00")
    assert value["regular"].revenue == 0  # 腾讯's deal is older than 12 months
    assert (value["vip"].revenue_share, value["key"].revenue_share, value["regular"].revenue_share) == (
        0.6667,
        0.3333,
        0.0,
    )
    assert (value["vip"].share, value["regular"].share) == (0.25, 0.5)
    assert [(t.with_cadence, t.covered) for t in value.values()] == [(1, 1), (1, 0), (2, 1)]
    assert (value["vip"].coverage, value["key"].coverage, value["regular"].coverage) == (1.0, 0.0, 0.5)
    service = _tiers(result, "service")
    assert {code: (t.customers, t.covered, t.with_cadence) for code, t in service.items()} == {
        "D": (2, 1, 2),
        "E": (1, 0, 1),
        "F": (1, 1, 1),
    }
    rfm = _tiers(result, "rfm")
    assert set(rfm) == {"champions", "loyal", "no_purchases", "others"}  # only segments that hold someone
    assert _model(result, "pipeline").customers == 0  # no prospects


def test_movements_are_net_per_customer_and_ordered_by_the_policy(any_db: Database) -> None:
    month = _build(any_db)
    moves = {(m.name, m.model): (m.old, m.new, m.direction) for m in month.movements}
    assert moves == {
        ("华为", "value"): ("key", "vip", "up"),
        ("腾讯", "service"): ("E", "D", "up"),
        ("Acme", "value"): ("vip", "key", "down"),
    }  # RFM has no order: counted, not listed
    value, service, rfm = _model(month, "value"), _model(month, "service"), _model(month, "rfm")
    assert (value.upgrades, value.downgrades, service.upgrades, rfm.changed) == (1, 1, 1, 1)
    assert next(m for m in month.movements if m.name == "华为").new_name == {"zh": "VIP客户", "en": "VIP"}


def test_quarter_reaches_further_back(any_db: Database) -> None:
    quarter = _build(any_db, period="quarter")
    assert _model(quarter, "value").downgrades == 2  # Globex key → regular 40 days ago
    assert {m.name for m in quarter.movements if m.direction == "down"} == {"Acme", "Globex"}


def test_overdue_complaints_allocation_and_overrides(any_db: Database) -> None:
    result = _build(any_db)
    assert result.overdue_total == 2
    assert sorted((p.name, p.overdue) for p in result.overdue_people) == [("Emma", 1), ("李伟", 1)]
    assert (result.complaints_open, result.complaints_old) == (2, 1)
    assert result.allocation_interactions == 3
    shares = {g.code: (g.interactions, g.share, g.target) for g in result.allocation}
    assert shares == {"D": (2, 0.6667, 0.7), "E": (0, 0.0, 0.2), "F": (1, 0.3333, 0.1)}
    [pinned] = result.overrides
    assert (pinned.name, pinned.tier, pinned.by, pinned.expires.isoformat()) == ("Acme", "key", "王芳", "2026-12-24")
    assert result.overrides_total == 1


def test_lifetime_value_from_observed_retention(any_db: Database) -> None:
    result = _build(any_db)
    assert (result.retention, result.retention_base) == (0.5, 2)
    clv = {v.code: (v.average_revenue, v.lifetime_years, v.clv) for v in result.lifetimes}
    assert clv == {
        "vip": (Decimal("600000.00"), 2.0, Decimal("1200000.00")),
        "key": (Decimal("300000.00"), 2.0, Decimal("600000.00")),
        "regular": (Decimal("0.00"), 2.0, Decimal("0.00")),
    }


def test_one_person_and_the_admins_views(any_db: Database) -> None:
    rep_a = _build(any_db, request=scoping.parse_request(["@李伟", "week"]))
    assert (rep_a.scope.kind, rep_a.scope.label, rep_a.period, rep_a.customers) == ("person", "李伟", "week", 2)
    assert {t.code: t.customers for t in _model(rep_a, "value").tiers} == {"vip": 1, "key": 1, "regular": 0}


def test_admin_sees_everything_or_one_team(any_db: Database) -> None:
    everyone = _build(any_db, actor="admin")
    assert everyone.scope.kind == "org" and everyone.customers == 5
    assert (everyone.complaints_open, everyone.overrides_total) == (3, 2)


def test_admin_names_a_team(sqlite_db: Database) -> None:
    west = _build(sqlite_db, actor="admin", request=scoping.parse_request(["team", "west"]))
    assert (west.scope.label, west.customers) == ("West", 1)
    assert {t.code: t.customers for t in _model(west, "value").tiers}["vip"] == 1


def test_params_are_json_safe(sqlite_db: Database) -> None:
    params = _build(sqlite_db).params()
    again = json.loads(json.dumps(params))
    assert again["models"][0]["tiers"][0]["revenue"] == "600000.00"
    assert again["period"] == "month"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([], scoping.Request("month")),
        (["week"], scoping.Request("week")),
        (["季度"], scoping.Request("quarter")),
        (["team"], scoping.Request("month", team="")),
        (["team", "East", "China", "week"], scoping.Request("week", team="East China")),
        (["@li", "quarter"], scoping.Request("quarter", person="@li")),
        (["李伟"], scoping.Request("month", person="李伟")),
    ],
)
def test_arguments(words: list[str], expected: scoping.Request) -> None:
    assert scoping.parse_request(words) == expected


@pytest.mark.parametrize("words", [["week", "month"], ["@a", "@b"], ["@"], ["team", "East", "@a"]])
def test_arguments_that_cannot_be_read(words: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        scoping.parse_request(words)
    assert caught.value.code == "summary_usage"


def test_who_may_ask_for_what(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        people = _people(session)
        with pytest.raises(Forbidden):
            scoping.resolve_scope(session, people["a"], scoping.Request())

        def refused(actor: str, request: scoping.Request) -> str:
            with pytest.raises(InvalidInput) as caught:
                scoping.resolve_scope(session, people[actor], request)
            return caught.value.code

        assert refused("manager", scoping.Request(person="@Carl")) == "summary_other_team"
        assert refused("manager", scoping.Request(person="nobody")) == "summary_unknown_user"
        assert refused("manager", scoping.Request(team="West")) == "summary_team_forbidden"
        assert refused("admin", scoping.Request(team="Nowhere")) == "summary_unknown_team"
        assert scoping.resolve_scope(session, people["admin"], scoping.Request(person="Carl")).label == "Carl"
        # a button's scope is checked again for whoever presses it
        west = scoping.Scope("person", "Carl", user_id=people["c"].id).as_payload()
        with pytest.raises(Forbidden):
            scoping.scope_from_payload(session, people["manager"], west)
        assert scoping.scope_from_payload(session, people["admin"], west).user_id == people["c"].id


def test_drill_down_lists_a_tiers_customers_within_the_scope(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        people = _people(session)
        add_book(
            session, NOW, manager=people["manager"].id, rep_a=people["a"].id, rep_b=people["b"].id, rep_c=people["c"].id
        )
        team = scoping.resolve_scope(session, people["manager"], scoping.Request())
        lines, total = drilldown.tier_customers(session, people["manager"], POLICY, team, "value", "vip")
        assert total == 1 and [line.name for line in lines] == ["华为"]  # not Westco
        lines, total = drilldown.tier_customers(session, people["admin"], POLICY, scoping.Scope("org"), "value", "vip")
        assert total == 2


# --- the chart -------------------------------------------------------------------------------------


def _chart_input(any_db: Database, lang: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
    from bot.handlers.summary import chart_labels
    from bot.render import Renderer

    params = _build(any_db).params()
    return params, chart_labels(Renderer(), lang, params)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_is_a_png_of_the_right_size_and_not_blank(sqlite_db: Database, lang: str) -> None:
    import io

    from PIL import Image

    params, labels = _chart_input(sqlite_db, lang)
    image = Image.open(io.BytesIO(charts.summary_chart(params, lang, labels)))
    assert image.format == "PNG" and image.size == (1000, 560)
    pixels = image.convert("RGB")
    colours = pixels.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # bars, text, anti-aliasing
    not_white = sum(count for count, rgb in colours if rgb != (255, 255, 255))
    assert not_white / (1000 * 560) > 0.05
    bar_blue = (0x2F, 0x6F, 0xB0)
    assert any(rgb == bar_blue for _, rgb in colours)  # the bars are drawn


def test_chinese_labels_have_real_glyphs(sqlite_db: Database) -> None:
    """Every character of every text in the zh chart exists in the font matplotlib resolves
    (Noto Sans CJK SC from the bundled collection), and drawing warns of no missing glyph."""
    import warnings

    from matplotlib import font_manager
    from matplotlib.text import Text

    params, labels = _chart_input(sqlite_db, "zh")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = charts.build_figure(params, "zh", labels)
        charts.summary_chart(params, "zh", labels)
    assert not [w for w in caught if "missing" in str(w.message).lower()]
    font = font_manager.get_font(charts.resolved_font("zh"))
    assert font.family_name == "Noto Sans CJK SC"
    texts = [t.get_text() for t in figure.findobj(Text) if t.get_text()]
    chinese = {ch for text in texts for ch in text if "\u4e00" <= ch <= "\u9fff"}
    assert {"分", "档", "汇", "总", "客", "户", "数", "实", "际", "目", "标"} <= chinese
    assert "价值分档 · VIP客户" in texts and "D级（优质）" in texts  # tier names from the policy
    missing = sorted({ch for text in texts for ch in text if not ch.isspace() and font.get_char_index(ord(ch)) == 0})
    assert missing == []


def test_english_chart_uses_the_latin_font_and_falls_back_for_chinese_names(sqlite_db: Database) -> None:
    import warnings

    from matplotlib import font_manager

    params, labels = _chart_input(sqlite_db, "en")
    labels["title"] = "Tier summary · 李伟 · last 30 days"  # a Chinese name in an English chart
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.summary_chart(params, "en", labels)
    assert not [w for w in caught if "missing" in str(w.message).lower()]
    assert font_manager.get_font(charts.resolved_font("en")).family_name == "DejaVu Sans"
