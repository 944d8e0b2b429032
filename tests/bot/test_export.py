"""/export (issue 6 §7): XLSX (customers with tiers and cadence, interactions, feedback) and a
customers CSV; reps their own book, managers their team, admins all; headers in the user's
language; an export imports back into a fresh database with nothing lost."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.testing import Harness, Person
from core import accounts
from core.db import open_database
from core.imports.file_reader import read_bytes
from core.imports.importer import import_table
from core.models import Contact, Customer, CustomerAlias, Feedback, Interaction, Opportunity, User
from core.names import book

BOOK = (
    "external_id,name,company,owner,stage,industry,region,timezone,language,contact_name,contact_title,"
    "contact_phone,contact_email,birthday,contract_start,annual_revenue,potential,influence,intention,"
    "expectation,satisfaction,pipeline_stage,expected_signing_date\n"
    "C1,华为,华为技术有限公司,李伟,active,通信,CN,Asia/Shanghai,zh,张总,采购总监,13800000000,zhang@hw.example,"
    "1975-03-08,2020-01-15,1200000.50,5,5,,4,4,,\n"
    "C2,Acme,Acme Corp,Emma,prospect,Manufacturing,US,America/New_York,en,Bob Smith,CEO,,bob@acme.example,,,,3,2,"
    "4,,,proposal,2026-12-20\n"
    ",星辰科技,,李伟,lost,软件,,,,,,,,,,,,,,,,,\n"
    "W1,西部客户,,孙强,active,物流,,,,刘经理,,,,,2024-06-01,80000,,,,,,,\n"
)
CUSTOMER_COLUMNS = (
    "external_id",
    "name",
    "company",
    "owner_id",
    "stage",
    "industry",
    "region",
    "timezone",
    "language",
    "contract_start",
    "annual_revenue_minor",
    "potential",
    "influence",
    "intention",
    "expectation",
    "satisfaction",
    "pipeline_stage",
    "expected_signing_date",
)
CONTACT_COLUMNS = ("name", "title", "phone", "email", "birthday", "is_primary")


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def _book(harness: Harness) -> dict[str, Person]:
    people = {
        "li": await harness.person("rep", name="李伟", language="zh", team="East", telegram_id=61),
        "emma": await harness.person("rep", name="Emma", language="en", team="East", telegram_id=62),
        "sun": await harness.person("rep", name="孙强", language="zh", team="West", telegram_id=63),
        "wang": await harness.person("manager", name="王芳", language="zh", team="East", telegram_id=64),
        "admin": await harness.person("admin", name="Boss", language="en", telegram_id=65),
    }
    now = harness.clock.now()
    with harness.db.session() as session:
        report = import_table(
            session,
            "customers",
            read_bytes(BOOK.encode()),
            actor=None,
            now=now,
            currency="CNY",
            timezone="Asia/Shanghai",
            apply=True,
        )
        assert report.ok and report.created == 4
        ids = {c.name: c.id for c in session.exec(select(Customer)).all()}
        session.add(
            Interaction(
                customer_id=ids["华为"],
                rep_id=people["li"].account.id,
                kind="deal",
                occurred_at=now - timedelta(days=3),
                amount_minor=50_000_000,
                currency="CNY",
                summary="签约50万",
                created_at=now,
            )
        )
        session.add(
            Interaction(
                customer_id=ids["西部客户"],
                rep_id=people["sun"].account.id,
                kind="visit",
                occurred_at=now - timedelta(days=100),
                summary="west visit",
                created_at=now,
            )
        )
        session.add(
            Feedback(
                customer_id=ids["华为"], rep_id=people["li"].account.id, kind="complaint", text="交货慢", created_at=now
            )
        )
        session.add(
            CustomerAlias(customer_id=ids["华为"], text="华为技术", key="华为技术", source="manual", created_at=now)
        )
        session.add(
            Opportunity(
                customer_id=ids["华为"],
                rep_id=people["li"].account.id,
                title="二期扩容",
                amount_minor=80_000_000,
                currency="CNY",
                expected_signing_date=now.date() + timedelta(days=40),
                stage="proposal",
                created_at=now,
                updated_at=now,
            )
        )
    return people


def _workbook(sent) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(sent.file_bytes), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


async def test_rep_gets_their_own_book_with_tiers_and_cadence(harness: Harness) -> None:
    people = await _book(harness)
    await harness.send(people["emma"], "/export")
    xlsx, csv_file = harness.sent(people["emma"])[-2:]
    assert xlsx.file_name == "tierbot-export-2026-11-24.xlsx" and "of your book: 1 customers" in xlsx.text
    assert csv_file.file_name == "tierbot-export-2026-11-24-customers.csv"
    sheets = _workbook(xlsx)
    assert list(sheets) == ["Customers", "Interactions", "Feedback", "Opportunities"]
    assert sheets["Opportunities"] == [
        [
            "Customer",
            "Title",
            "Expected amount (not revenue)",
            "Currency",
            "Expected signing date",
            "Pipeline stage",
            "Status",
            "Lost reason",
            "Created",
            "Updated",
            "Rep",
        ]
    ]  # 华为's is not in Emma's book
    header, *rows = sheets["Customers"]
    assert header[:5] == ["External ID", "Name", "Owner", "Tier: Value tier", "Score: Value tier"]
    assert {"Company", "Stage", "Cadence", "Next due", "Next visit due", "Days overdue"} <= set(header)
    tiers = dict(zip(header, rows[0]))
    assert [row[1] for row in rows] == ["Acme"] and (tiers["Owner"], tiers["Stage"]) == ("Emma", "Prospect")
    assert any(key.startswith("Tier:") and value for key, value in tiers.items())
    assert tiers["Cadence"] in ("On track", "Due", "Overdue") and tiers["Next due"] is not None
    assert sheets["Interactions"] == [
        [
            "Record ID",
            "External ID",
            "Customer",
            "Customer external ID",
            "Date",
            "Kind",
            "Amount",
            "Currency",
            "Summary",
            "Rep",
        ]
    ]
    text = csv_file.file_bytes.decode("utf-8-sig")
    assert [row[1] for row in csv.reader(io.StringIO(text))] == ["Name", "Acme"]


async def test_manager_gets_the_team_in_chinese_and_a_rep_only_theirs(harness: Harness) -> None:
    people = await _book(harness)
    await harness.send(people["wang"], "/export")
    xlsx, _ = harness.sent(people["wang"])[-2:]
    assert "（您的团队）：客户 3 个，互动记录 1 条，客户反馈 1 条" in xlsx.text
    sheets = _workbook(xlsx)
    assert list(sheets) == ["客户", "互动记录", "客户反馈", "商机"]
    [opportunity] = sheets["商机"][1:]  # expected money apart from the booked deal of 互动记录
    assert opportunity[:4] == ["华为", "二期扩容", 800000, "CNY"] and opportunity[5:7] == ["方案报价", "进行中"]
    header, *rows = sheets["客户"]
    assert header[:5] == ["客户编号", "客户名称", "负责人", "档次：价值分档", "分数：价值分档"]
    assert sorted(row[1] for row in rows) == ["Acme", "华为", "星辰科技"]  # not the West team's
    huawei = dict(zip(header, next(row for row in rows if row[1] == "华为")))
    assert (huawei["阶段"], huawei["联系人"], huawei["年交易额"], huawei["档次：价值分档"] is not None) == (
        "服务中",
        "张总",
        1200000.5,
        True,
    )
    [deal] = sheets["互动记录"][1:]
    assert deal[2:4] == ["华为", "C1"] and deal[5:9] == ["成交", 500000, "CNY", "签约50万"]
    [complaint] = sheets["客户反馈"][1:]
    assert complaint[0] == "华为" and complaint[2:4] == ["投诉", "待处理"] and complaint[5] == "交货慢"
    await harness.send(people["sun"], "/export")
    rows = _workbook(harness.sent(people["sun"])[-2])["客户"][1:]
    assert [row[1] for row in rows] == ["西部客户"]


def _snapshot(db) -> dict[str, tuple]:
    with db.session() as session:
        owners = {u.id: u.name for u in session.exec(select(User)).all()}
        customers = {}
        for customer in session.exec(select(Customer)).all():
            values = [getattr(customer, column) for column in CUSTOMER_COLUMNS]
            values[3] = owners.get(customer.owner_id)
            contacts = session.exec(select(Contact).where(Contact.customer_id == customer.id)).all()
            names = session.exec(select(CustomerAlias.text).where(CustomerAlias.customer_id == customer.id)).all()
            customers[customer.name] = (
                tuple(values),
                tuple(tuple(getattr(c, k) for k in CONTACT_COLUMNS) for c in contacts),
                tuple(sorted(names)),
            )
    return customers


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_export_then_import_into_a_fresh_database_loses_nothing(
    harness: Harness, tmp_path: Path, language: str
) -> None:
    people = await _book(harness)
    admin = await harness.person("admin", name="Root", language=language, telegram_id=66)
    await harness.send(admin, "/export")
    xlsx, csv_file = harness.sent(admin)[-2:]
    before = _snapshot(harness.db)
    assert len(before) == 4
    for name, content in (("csv", csv_file.file_bytes), ("xlsx", xlsx.file_bytes)):
        fresh = open_database(f"sqlite:///{tmp_path / f'fresh-{language}-{name}.db'}")
        try:
            with fresh.session() as session:
                for person in [*people.values(), admin]:
                    accounts.add_user(
                        session,
                        telegram_id=person.chat_id,
                        name=person.account.name,
                        role=person.account.role,
                        team=person.account.team_name,
                        now=harness.clock.now(),
                    )
            with fresh.session() as session:
                report = import_table(
                    session,
                    "customers",
                    read_bytes(content),
                    actor=None,
                    now=harness.clock.now(),
                    currency="CNY",
                    timezone="Asia/Shanghai",
                    apply=True,
                )
            assert report.ok and report.created == 4 and report.unknown_columns == [], (name, report)
            assert _snapshot(fresh) == before, name
            with fresh.session() as session:  # and once more: nothing new, nothing changed
                report = import_table(
                    session,
                    "customers",
                    read_bytes(content),
                    actor=None,
                    now=harness.clock.now(),
                    currency="CNY",
                    timezone="Asia/Shanghai",
                    apply=True,
                )
            assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        finally:
            fresh.dispose()


# Values a spreadsheet would run as formulas (issue 12 §3), in every kind of text column.
HOSTILE = (
    "external_id,name,company,owner,stage,industry,contact_name,contact_title,contact_phone,contact_email\n"
    'X1,"=HYPERLINK(""https:evil.example"",""Click"")",@SUM(A1),李伟,active,+1+2,-Bob,=1+1,+86 138 0000 0000,'
    "-x@evil.example\n"  # an e-mail address must be one (issue 14 §3), and may still start with -
    "X2,''=already quoted,'plain quote,李伟,active,'''+two quotes,Ann,#N/A,,\n"
)  # each stored with one ' less
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def test_export_writes_formula_like_text_as_quoted_strings_and_imports_back(
    harness: Harness, tmp_path: Path
) -> None:
    li = await harness.person("rep", name="李伟", language="zh", team="East", telegram_id=61)
    admin = await harness.person("admin", name="Root", language="en", telegram_id=66)
    now = harness.clock.now()
    with harness.db.session() as session:
        report = import_table(
            session,
            "customers",
            read_bytes(HOSTILE.encode()),
            actor=None,
            now=now,
            currency="CNY",
            timezone="Asia/Shanghai",
            apply=True,
        )
        assert report.ok and report.created == 2, report.errors
        ids = {c.external_id: c.id for c in session.exec(select(Customer)).all()}
        session.add(
            Interaction(
                customer_id=ids["X1"],
                rep_id=li.account.id,
                kind="call",
                occurred_at=now,
                summary="=cmd|' /C calc'!A0",
                created_at=now,
            )
        )
        session.add(
            Feedback(customer_id=ids["X1"], rep_id=li.account.id, kind="complaint", text="-2+3", created_at=now)
        )
    before = _snapshot(harness.db)
    assert '=HYPERLINK("https:evil.example","Click")' in before and "'=already quoted" in before
    await harness.send(admin, "/export")
    xlsx, csv_file = harness.sent(admin)[-2:]
    workbook = load_workbook(io.BytesIO(xlsx.file_bytes))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert not [t for t in texts if t.startswith(FORMULA_START)], texts
    for expected in (
        '\'=HYPERLINK("https:evil.example","Click")',
        "'@SUM(A1)",
        "'+1+2",
        "'-Bob",
        "'=1+1",
        "'+86 138 0000 0000",
        "'-x@evil.example",
        "''=already quoted",
        "'''+two quotes",
        "'=cmd|' /C calc'!A0",
        "'-2+3",
    ):
        assert expected in texts, expected
    assert "'plain quote" in texts  # a quote before no formula sign is left as it is
    rows = list(csv.reader(io.StringIO(csv_file.file_bytes.decode("utf-8-sig"))))
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]
    assert '\'=HYPERLINK("https:evil.example","Click")' in rows[1] + rows[2] and "'+1+2" in rows[1] + rows[2]
    for name, content in (("csv", csv_file.file_bytes), ("xlsx", xlsx.file_bytes)):  # the round trip loses nothing
        fresh = open_database(f"sqlite:///{tmp_path / f'fresh-{name}.db'}")
        try:
            with fresh.session() as session:
                for person in (li, admin):
                    accounts.add_user(
                        session,
                        telegram_id=person.chat_id,
                        name=person.account.name,
                        role=person.account.role,
                        team=person.account.team_name,
                        now=now,
                    )
            with fresh.session() as session:
                report = import_table(
                    session,
                    "customers",
                    read_bytes(content),
                    actor=None,
                    now=now,
                    currency="CNY",
                    timezone="Asia/Shanghai",
                    apply=True,
                )
            assert report.ok and report.created == 2, (name, report.errors)
            assert _snapshot(fresh) == before, name
        finally:
            fresh.dispose()


# --- issue 14 §5: an export a manager can filter ---------------------------------------------------------


def _sheets(sent) -> dict:
    """The workbook read back in full mode (freeze panes, filters, widths and formats are kept)."""
    return {sheet.title: sheet for sheet in load_workbook(io.BytesIO(sent.file_bytes)).worksheets}


async def test_export_a_manager_can_filter(harness: Harness) -> None:
    from core.models import FollowUp

    people = await _book(harness)
    now = harness.clock.now()
    with harness.db.session() as session:
        ids = {c.name: c.id for c in session.exec(select(Customer)).all()}
        session.add(
            FollowUp(
                customer_id=ids["华为"],
                rep_id=people["li"].account.id,
                due_at=now + timedelta(days=2),
                text="回访",
                created_at=now,
            )
        )
        session.add(
            Interaction(
                customer_id=ids["华为"],
                rep_id=people["li"].account.id,
                kind="call",
                occurred_at=now - timedelta(days=1),
                summary="电话",
                created_at=now,
            )
        )
    await harness.send(people["wang"], "/export")
    xlsx, _ = harness.sent(people["wang"])[-2:]
    sheets = _sheets(xlsx)
    for sheet in sheets.values():  # every sheet: frozen header, a filter over all its rows, readable widths
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}", (
            sheet.title
        )
        for cell in sheet[1]:
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= min(60, sum(2 if ord(c) > 0x2E80 else 1 for c in cell.value)), (sheet.title, cell.value)
    customers = sheets["客户"]
    header = [c.value for c in customers[1]]
    rows = {row[1].value: dict(zip(header, row)) for row in customers.iter_rows(min_row=2)}
    huawei = rows["华为"]
    assert huawei["负责人"].value == "李伟"
    for model in ("价值分档", "RFM分群", "成熟度分类", "忠诚度分级"):  # the tier under each model with its score
        assert f"档次：{model}" in header and f"分数：{model}" in header
    assert huawei["档次：价值分档"].value and isinstance(huawei["分数：价值分档"].value, float)
    assert huawei["分数：价值分档"].number_format == "0.00"
    booked, expected = huawei["近12个月成交额（CNY）"], huawei["未结商机预计金额（CNY）"]
    assert (booked.value, booked.number_format) == (500000, "#,##0.00")
    assert (expected.value, expected.number_format) == (800000, "#,##0.00")  # apart from the booked revenue
    assert (
        huawei["最近联系"].value == (now - timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
        and huawei["最近联系"].number_format == "yyyy-mm-dd hh:mm"
    )
    assert huawei["联络状态"].value in ("联系正常", "该联系了", "已逾期") or huawei["联络状态"].value
    assert huawei["下次联系"].number_format == "yyyy-mm-dd"
    assert (huawei["未完成跟进"].value, huawei["未处理投诉"].value) == (1, 1)
    assert huawei["别名"].value == "华为技术"  # the aliases column (issue 14)
    assert (rows["Acme"]["未完成跟进"].value, rows["Acme"]["未处理投诉"].value) == (0, 0)
    interactions = sheets["互动记录"]
    ids_and_dates = [(row[0].value, row[4].value) for row in interactions.iter_rows(min_row=2)]
    assert [c.value for c in interactions[1]][:2] == ["记录ID", "编号"]
    assert [d for _, d in ids_and_dates] == sorted((d for _, d in ids_and_dates), reverse=True)  # newest first
    assert all(isinstance(i, int) for i, _ in ids_and_dates) and len(ids_and_dates) == 2
    cells = [cell for sheet in sheets.values() for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))


async def test_a_book_over_the_telegram_limit_comes_split_with_a_clear_message(harness: Harness, monkeypatch) -> None:
    import core.reports.exporter

    people = await _book(harness)
    now = harness.clock.now()
    with harness.db.session() as session:
        huawei = session.exec(select(Customer).where(Customer.name == "华为")).one()
        for n in range(3000):
            session.add(
                Interaction(
                    customer_id=huawei.id,
                    rep_id=people["li"].account.id,
                    kind="call",
                    occurred_at=now - timedelta(hours=n + 1),
                    summary=f"第 {n} 次电话，聊了续约和价格",
                    created_at=now,
                )
            )
    monkeypatch.setattr(core.reports.exporter, "MAX_FILE_BYTES", 60_000)
    await harness.send(people["wang"], "/export")
    files = [s for s in harness.sent(people["wang"]) if s.kind == "document"]
    assert "超过 Telegram 单个文件 50 MB 的上限" in files[0].text and f"分成 {len(files)} 个文件" in files[0].text
    names = [f.file_name for f in files]
    assert names[0] == "tierbot-导出-2026-11-24-客户.xlsx" and names[-1].endswith("客户.csv")
    parts = [f for f in files if "互动记录" in f.file_name]
    assert len(parts) >= 2 and parts[0].file_name.endswith(f"-1of{len(parts)}.xlsx")
    assert all(len(f.file_bytes) <= 60_000 for f in files)
    logged = [row[0] for part in parts for row in _workbook(part)["互动记录"][1:]]
    assert len(logged) == len(set(logged)) == 3001  # every interaction once, across the parts


async def test_a_customers_csv_over_the_limit_is_zipped(harness: Harness, monkeypatch) -> None:
    import zipfile

    import core.reports.exporter

    admin = await harness.person("admin", name="Root", language="en", telegram_id=66)
    rows = "".join(
        f"Customer {n},Active,{n}0000,Contact {n},+1 415 555 {n:04d},c{n}@example.com,long note {n} " + "x" * 80 + "\n"
        for n in range(400)
    )
    with harness.db.session() as session:
        report = import_table(
            session,
            "customers",
            read_bytes(("name,stage,annual_revenue,contact_name,contact_phone,contact_email,notes\n" + rows).encode()),
            actor=None,
            now=harness.clock.now(),
            currency="CNY",
            timezone="Asia/Shanghai",
            apply=True,
        )
        assert report.ok, report.errors[:3]
    monkeypatch.setattr(core.reports.exporter, "MAX_FILE_BYTES", 90_000)
    await harness.send(admin, "/export")
    files = [s for s in harness.sent(admin) if s.kind == "document"]
    [archive] = [f for f in files if f.file_name.endswith(".zip")]
    assert "zipped" in archive.text and len(archive.file_bytes) <= 90_000
    with zipfile.ZipFile(io.BytesIO(archive.file_bytes)) as opened:
        text = opened.read("customers.csv").decode("utf-8-sig")
    assert len(text.encode()) > 90_000 and len(list(csv.reader(io.StringIO(text)))) == 401
