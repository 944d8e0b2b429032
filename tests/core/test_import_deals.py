"""Deals exports (issue 14 §4): the shapes Zoho, HubSpot, Salesforce and 纷享销客 write import in
the same preview → ✅ flow: won deals as booked revenue, open ones as expected revenue in the
pipeline, lost ones closed; the preview says which tiers will change and writes nothing; the
customers are re-tiered once at the end; a second import changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.import_texts import row_reason
from bot.render import Renderer
from core import accounts
from core.db import Database
from core.imports.file_reader import read_bytes
from core.imports.importer import detect_kind
from core.models import Customer, CustomerTier, Interaction, Opportunity
from tests.core.test_import_onboarding import confirm, preview

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
BOOK = (
    "客户编号,客户名称,负责人,阶段,年交易额,签约日期\n"
    "A1,华为,李伟,服务中,,2019-03-01\n"
    "A2,腾讯,李伟,服务中,,2019-03-01\n"
    "A3,海尔,李伟,服务中,50万,2019-03-01\n"
    "A4,美的,李伟,待签约,,\n" + "".join(f"B{i},小客户{i},李伟,服务中,{i + 1}万,2019-03-01\n" for i in range(6))
)
SHAPES = {
    "zoho": (
        "Record Id,Deal Name,Account Name,Amount,Stage,Closing Date,Deal Owner,Probability (%),Expected Revenue,"
        "Reason For Loss\n"
        "Z1,华为 5G 扩容,华为,3000000,Closed Won,2026-10-15,李伟,100,3000000,\n"
        "Z2,腾讯云合作,腾讯,800000,Negotiation/Review,2026-12-20,李伟,80,640000,\n"
        "Z3,海尔冰箱线,海尔,200000,Closed Lost,2026-09-01,李伟,0,0,价格太高\n"
        "Z4,美的首单,美的,1200000,Closed Won,2026-11-01,李伟,100,1200000,\n"
    ),
    "hubspot": (
        "Record ID,Deal Name,Deal Stage,Close Date,Amount,Deal owner,Associated Company,Pipeline\n"
        "H1,华为 5G 扩容,Closed Won,2026-10-15,3000000,李伟,华为,Sales Pipeline\n"
        "H2,腾讯云合作,Contract Sent,2026-12-20,800000,李伟,腾讯,Sales Pipeline\n"
        "H3,海尔冰箱线,Closed Lost,2026-09-01,200000,李伟,海尔,Sales Pipeline\n"
        "H4,美的首单,Closed Won,2026-11-01,1200000,李伟,美的,Sales Pipeline\n"
    ),
    "salesforce": (
        "Opportunity ID,Opportunity Name,Account Name,Amount,Stage,Close Date,Opportunity Owner,"
        "Probability (%),Fiscal Period\n"
        'S1,华为 5G 扩容,华为,"3,000,000.00",Closed Won,10/15/2026,李伟,100,Q4-2026\n'
        'S2,腾讯云合作,腾讯,"800,000.00",Proposal/Price Quote,12/20/2026,李伟,75,Q4-2026\n'
        'S3,海尔冰箱线,海尔,"200,000.00",Closed Lost,9/1/2026,李伟,0,Q3-2026\n'
        'S4,美的首单,美的,"1,200,000.00",Closed Won,11/1/2026,李伟,100,Q4-2026\n'
    ),
    "fxiaoke": (
        "商机编号,商机名称,客户名称,金额,阶段,预计成交日期,负责人,输单原因\n"
        "F1,华为 5G 扩容,华为,300万,赢单,2026-10-15,李伟,\n"
        "F2,腾讯云合作,腾讯,80万,商务谈判,2026-12-20,李伟,\n"
        "F3,海尔冰箱线,海尔,20万,输单,2026-09-01,李伟,价格太高\n"
        "F4,美的首单,美的,120万,赢单,2026-11-01,李伟,\n"
    ),
}
UNUSED = {"zoho": ["Expected Revenue"], "hubspot": ["Pipeline"], "salesforce": ["Fiscal Period"], "fxiaoke": []}


def _setup(db: Database):
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=11, name="李伟", role="rep", team="East", now=NOW, language="zh")
    upload, _ = preview(db, rep, BOOK.encode())
    confirm(db, rep, upload)
    return rep


def _rows(db: Database, model):
    with db.session() as session:
        return session.exec(select(model)).all()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_deals_export_books_the_won_expects_the_open_closes_the_lost(any_db: Database, shape: str) -> None:
    rep = _setup(any_db)
    content = SHAPES[shape].encode("gbk" if shape == "fxiaoke" else "utf-8")
    assert detect_kind(read_bytes(content).headers) == "deals"
    with any_db.session() as session:
        before = dict(
            session.exec(select(CustomerTier.customer_id, CustomerTier.tier).where(CustomerTier.model == "value")).all()
        )
    upload, seen = preview(any_db, rep, content, kind="deals")
    assert seen.ok and (seen.created, seen.updated, seen.unchanged) == (4, 0, 0)
    assert seen.unknown_columns == UNUSED[shape]
    # the preview says what re-tiering will change (华为's 3,000,000 booked makes it Key; 美的 becomes
    # an active customer and gets a value tier) …
    ids = {c.name: c.id for c in _rows(any_db, Customer)}
    moves = {(c.customer_id, c.model, c.old, c.new) for c in seen.tier_changes}
    assert (ids["华为"], "value", "regular", "key") in moves
    assert any(cid == ids["美的"] and model == "value" and old is None for cid, model, old, _ in moves)
    # … and leaves nothing behind
    assert _rows(any_db, Opportunity) == [] and [i for i in _rows(any_db, Interaction) if i.kind == "deal"] == []
    assert next(c for c in _rows(any_db, Customer) if c.name == "美的").stage == "prospect"

    report, retier = confirm(any_db, rep, upload)
    assert (report.created, report.updated) == (4, 0)
    assert {(c.customer_id, c.model, c.old, c.new) for c in retier.changes} == moves  # once, as previewed
    opportunities = {o.title: o for o in _rows(any_db, Opportunity)}
    deals = {i.customer_id: i for i in _rows(any_db, Interaction) if i.kind == "deal"}
    won = opportunities["华为 5G 扩容"]
    assert won.status == "won" and won.deal_interaction_id == deals[ids["华为"]].id
    assert (deals[ids["华为"]].amount_minor, deals[ids["华为"]].currency) == (300_000_000, "CNY")
    assert deals[ids["华为"]].occurred_at == datetime(2026, 10, 15, 4, 0, tzinfo=UTC)  # noon in Shanghai
    open_one = opportunities["腾讯云合作"]
    assert (open_one.status, open_one.amount_minor, open_one.expected_signing_date) == (
        "open",
        80_000_000,
        date(2026, 12, 20),
    )
    assert open_one.stage in ("negotiation", "contract_sent", "proposal") and ids["腾讯"] not in deals
    lost = opportunities["海尔冰箱线"]
    assert lost.status == "lost" and lost.closed_at is not None and ids["海尔"] not in deals
    if shape in ("zoho", "fxiaoke"):
        assert lost.lost_reason == "价格太高"
    meidi = next(c for c in _rows(any_db, Customer) if c.name == "美的")
    assert (meidi.stage, meidi.contract_start) == ("active", date(2026, 11, 1))  # signed by its won deal
    with any_db.session() as session:
        after = dict(
            session.exec(select(CustomerTier.customer_id, CustomerTier.tier).where(CustomerTier.model == "value")).all()
        )
    assert before[ids["华为"]] == "regular" and after[ids["华为"]] == "key" and after[ids["美的"]] is not None

    # the same file again: nothing new, nothing changed, no tier moves
    _, again = preview(any_db, rep, content, kind="deals")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4) and again.tier_changes == []


def test_an_open_deal_won_later_is_booked_and_a_closed_one_is_never_reopened(any_db: Database) -> None:
    rep = _setup(any_db)
    upload, _ = preview(any_db, rep, SHAPES["zoho"].encode(), kind="deals")
    confirm(any_db, rep, upload)
    later = (
        "Record Id,Deal Name,Account Name,Amount,Stage,Closing Date,Deal Owner\n"
        "Z2,腾讯云合作,腾讯,900000,Closed Won,2026-11-20,李伟\n"
        "Z3,海尔冰箱线,海尔,200000,Closed Won,2026-11-20,李伟\n"
        "Z5,腾讯二期,腾讯,400000,Qualification,2027-03-01,李伟\n"
    )
    upload, seen = preview(any_db, rep, later.encode(), kind="deals")
    assert (seen.created, seen.updated) == (1, 1)
    assert [(e.line, e.code) for e in seen.errors] == [(3, "deal_closed_lost")]
    report, _ = confirm(any_db, rep, upload)
    assert report.outcomes == {2: "updated", 3: "refused", 4: "created"}
    opportunities = {o.title: o for o in _rows(any_db, Opportunity)}
    tencent = opportunities["腾讯云合作"]
    deal = next(i for i in _rows(any_db, Interaction) if i.id == tencent.deal_interaction_id)
    assert (tencent.status, deal.amount_minor, opportunities["海尔冰箱线"].status) == ("won", 90_000_000, "lost")
    assert (opportunities["腾讯二期"].status, opportunities["腾讯二期"].stage) == ("open", "contacted")


def test_bad_deal_rows_are_refused_with_the_column_and_the_fix_in_chinese(any_db: Database) -> None:
    rep = _setup(any_db)
    content = (
        "商机名称,客户名称,金额,阶段,预计成交日期,负责人\n"
        "好商机,华为,10万,方案报价,2026-12-01,\n"
        "无名客户的商机,不存在的公司,10万,赢单,2026-10-01,\n"
        "奇怪阶段,华为,10万,考虑中,2026-12-01,\n"
        "没日期的赢单,华为,10万,赢单,,\n"
        "未来的赢单,华为,10万,赢单,2027-01-01,\n"
        ",华为,10万,赢单,2026-10-01,\n"
        "负数,华为,-10万,赢单,2026-10-01,\n"
        "好商机,华为,12万,方案报价,2026-12-01,\n"
    ).encode("gbk")
    _, report = preview(any_db, rep, content, kind="deals")
    reasons = {e.line: row_reason(Renderer(), "zh", e) for e in report.errors}
    assert report.created == 1 and reasons == {
        3: "客户名称：客户资料中没有“不存在的公司”：请先导入客户，或按客户资料中的名称填写",
        4: "阶段：“考虑中”不是我认识的商机阶段：请写 赢单、输单，或进行中的阶段，如 初步接洽、方案报价、商务谈判",
        5: "预计成交日期：赢单的商机需要填写成交日期",
        6: "预计成交日期：“2027-01-01”是未来的日期：赢单应是已经成交的日期",
        7: "商机名称：为空",
        8: "金额：“-10万”小于零：请写不带负号的金额",
        9: "与第 2 行重复（商机编号相同，或客户和商机名称相同）",
    }
    assert _rows(any_db, Opportunity) == []
