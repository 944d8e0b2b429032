"""Onboarding in chat (issue 14): a deals export previews the tier changes it will make and makes
them once; under `sponsor.toml` the policy's own inputs (sponsorship amount, frequency, years)
import from columns named by the attribute or its dimension (赞助金额 / Sponsorship amount), are
edited on the card and asked in /new, are shown on the card and in the export, and the sponsors
get the levels the bands give."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.testing import Harness
from core.models import Customer, CustomerTier
from core.names import book
from core.policies import example_policy_text
from tests.core.test_import_deals import BOOK, SHAPES


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def test_deals_export_in_chat_says_how_many_tiers_change_then_changes_them(harness: Harness) -> None:
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    [preview] = await harness.upload(rep, "客户.csv", BOOK.encode())
    await harness.press(rep, "导入", preview)
    [preview] = await harness.upload(rep, "商机.csv", SHAPES["fxiaoke"].encode("gbk"))
    assert "（商机）" in preview.text and "4 行可导入：新增 4" in preview.text
    assert "🏷 导入后的档次（按定期评估的规则：人工调档保持不变，降档需超过缓冲分），涉及 2 位客户" in preview.text
    assert "• 价值分档：普通客户 → 重要客户：1" in preview.text  # 华为, booked 3,000,000
    assert (
        "读取的列：商机编号、商机名称、客户名称、金额、阶段、预计成交日期 → 成交日期、负责人、输单原因" in preview.text
    )
    await harness.press(rep, "导入", preview)
    result, report = harness.sent(rep)[-2:]
    assert "新增商机 4 条" in result.text and "🏷 已重新分档，涉及 2 位客户" in result.text
    rows = list(csv.reader(io.StringIO(report.file_bytes.decode("utf-8-sig"))))
    assert [r[-2] for r in rows[1:]] == ["新增"] * 4
    with harness.db.session() as session:
        huawei = session.exec(select(Customer).where(Customer.name == "华为")).one()
        tier = session.exec(
            select(CustomerTier.tier).where(CustomerTier.customer_id == huawei.id, CustomerTier.model == "value")
        ).one()
    assert tier == "key"


SPONSORS = (
    "name,stage,赞助金额,Sponsorship frequency,years\n"
    "金牌赞助商,active,60万,6,5\n"  # 100 × .5 + 100 × .25 + 100 × .25 = 100 → 高档
    '银牌赞助商,active,"250,000",3,3\n'  # 70 × .5 + 60 × .25 + 60 × .25 = 65 → 中档
    "铜牌赞助商,active,8万,1,1\n"  # 40 × .5 + 30 × .25 + 30 × .25 = 35 → 低档
    "空白赞助商,active,,,\n"
    "写错的赞助商,active,很多,2,2\n"
)


@pytest.fixture
async def sponsor_harness(any_db, clock, tmp_path: Path):
    path = tmp_path / "sponsor.toml"
    path.write_text(example_policy_text("sponsor"), encoding="utf-8")
    harness = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None, policy_file=str(path))
    yield harness
    await harness.stop()


def _levels(harness: Harness) -> dict[str, str | None]:
    with harness.db.session() as session:
        return dict(
            session.exec(
                select(Customer.name, CustomerTier.tier)
                .join(CustomerTier, CustomerTier.customer_id == Customer.id)
                .where(CustomerTier.model == "sponsor")
            ).all()
        )


async def test_sponsors_import_with_their_inputs_and_get_the_levels_the_bands_give(sponsor_harness: Harness) -> None:
    harness = sponsor_harness
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    [preview] = await harness.upload(rep, "赞助商.csv", SPONSORS.encode())
    assert "赞助金额、Sponsorship frequency → 赞助频率、years → 合作年限" in preview.text
    assert "第 6 行：赞助金额：“很多”不是数字（请写 50000、5万 或 3）" in preview.text
    await harness.press(rep, "导入", preview)
    assert _levels(harness) == {"金牌赞助商": "high", "银牌赞助商": "mid", "铜牌赞助商": "basic", "空白赞助商": "basic"}
    with harness.db.session() as session:
        gold = session.exec(select(Customer).where(Customer.name == "金牌赞助商")).one()
    assert gold.attributes == {"amount": "600000", "frequency": "6", "years": "5"}
    # shown on the card, edited there (a number, refused otherwise), and the live level follows
    [found] = await harness.send(rep, "/find 铜牌赞助商")
    await harness.press(rep, "铜牌赞助商", found)
    card = harness.last(rep)
    assert "📐 赞助金额：80000 · 赞助频率：1 · 合作年限：1" in card.text
    await harness.press(rep, "编辑", card)
    await harness.press(rep, "赞助金额", harness.last(rep))
    assert "（数字，如 50000 或 5万）" in harness.last(rep).text
    [refused] = await harness.send(rep, "不少")
    assert "“不少”不是数字" in refused.text
    await harness.send(rep, "90万")
    card = harness.last(rep)  # 100 × .5 + 30 × .25 + 30 × .25 = 65: live 中档 now, stored at the review
    assert "赞助金额：900000" in card.text and "赞助档次：<b>低档</b>（65.0） → 当前 中档" in card.text
    # shown in the export under the dimension's name, and read back by the import
    admin = await harness.person("admin", name="Root", language="en", telegram_id=66)
    await harness.send(admin, "/export")
    xlsx = next(s for s in harness.sent(admin) if s.file_name and s.file_name.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.file_bytes)).worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"Sponsorship amount", "Sponsorship frequency", "Years of history"} <= set(header)
    assert (rows["铜牌赞助商"]["Sponsorship amount"], rows["金牌赞助商"]["Years of history"]) == (900000, 5)
    [again] = await harness.upload(admin, "export.xlsx", xlsx.file_bytes)
    assert "0 new, 0 to update" in again.text and "4 already there, unchanged" in again.text


async def test_new_asks_for_the_policys_own_inputs(sponsor_harness: Harness) -> None:
    harness = sponsor_harness
    rep = await harness.person("rep", name="Emma", language="en", team="East")
    await harness.send(rep, "/new")
    await harness.send(rep, "Globex Foundation")
    await harness.press(rep, "Active customer", harness.last(rep))
    await harness.press(rep, "Skip", harness.last(rep))  # no contact
    assert "Sponsorship amount? A number (50000, 5万), or Skip." in harness.last(rep).text
    [refused] = await harness.send(rep, "lots")
    assert "“lots” is not a number" in refused.text
    await harness.send(rep, "550000")
    assert "Sponsorship frequency?" in harness.last(rep).text
    await harness.send(rep, "6")
    await harness.press(rep, "Skip", harness.last(rep))  # years: skipped
    with harness.db.session() as session:
        globex = session.exec(select(Customer).where(Customer.name == "Globex Foundation")).one()
    assert (globex.stage, globex.attributes) == ("active", {"amount": "550000", "frequency": "6"})
    assert "Sponsorship amount: 550000 · Sponsorship frequency: 6 · Years of history: —" in harness.last(rep).text
