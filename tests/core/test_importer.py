"""CSV/XLSX import: headers in zh/en, all-or-nothing by default, --skip-invalid, no duplicates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from core import accounts
from core.db import Database
from core.imports.importer import ImportFileError, import_customers, import_interactions
from core.models import Contact, Customer, Interaction
from core.money import from_minor

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CUSTOMERS = """external_id,name,company,owner,stage,industry,region,timezone,language,contact_name,contact_title,contact_phone,contact_email,birthday,contract_start,annual_revenue,potential,influence,intention,expectation,satisfaction,pipeline_stage,expected_signing_date,favourite_colour
C1,华为,华为技术有限公司,Li Wei,active,通信,CN,Asia/Shanghai,zh,张总,采购总监,13800000000,zhang@hw.example,1975-03-08,2020-01-15,"1,200,000.50",5,5,,4,4,,,blue
C2,Acme,Acme Corp,1001,prospect,Manufacturing,US,America/New_York,en,Bob Smith,CEO,,bob@acme.example,,,,3,2,4,,,proposal,2026-12-20,red
,Globex,,,active,,,,,,,,,,,,,,,,,,,
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def rep(any_db: Database) -> accounts.Account:
    with any_db.session() as session:
        return accounts.add_user(session, telegram_id=1001, name="Li Wei", role="rep", now=NOW)


def test_customers_import_with_every_documented_column(any_db: Database, rep, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", "\ufeff" + CUSTOMERS)
    with any_db.session() as session:
        report = import_customers(session, path, now=NOW, currency="CNY")
    assert report.ok and report.applied and report.created == 3
    assert report.unknown_columns == ["favourite_colour"]
    with any_db.session() as session:
        huawei = session.exec(select(Customer).where(Customer.external_id == "C1")).one()
        assert (huawei.owner_id, huawei.stage, huawei.potential, huawei.expectation) == (rep.id, "active", 5, 4)
        assert from_minor(huawei.annual_revenue_minor, "CNY") == Decimal("1200000.50")
        acme = session.exec(select(Customer).where(Customer.external_id == "C2")).one()
        assert (acme.owner_id, acme.pipeline_stage, acme.intention) == (rep.id, "proposal", 4)
        contact = session.exec(select(Contact).where(Contact.customer_id == huawei.id)).one()
        assert (contact.name, contact.is_primary, contact.birthday.isoformat()) == ("张总", True, "1975-03-08")


def test_importing_twice_creates_no_duplicates(any_db: Database, rep, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", CUSTOMERS)
    for _ in range(2):
        with any_db.session() as session:
            report = import_customers(session, path, now=NOW, currency="CNY")
    assert (report.created, report.unchanged) == (0, 3)
    with any_db.session() as session:
        assert len(session.exec(select(Customer)).all()) == 3
        assert len(session.exec(select(Contact)).all()) == 2


def test_a_bad_row_refuses_the_file_unless_skip_invalid(any_db: Database, rep, tmp_path: Path) -> None:
    bad = CUSTOMERS + "C9,Bad Co,,Nobody,active,,,,,,,,,,2026-02-30,,7,,,,,,,\n"
    path = _write(tmp_path, "c.csv", bad)
    with any_db.session() as session:
        report = import_customers(session, path, now=NOW, currency="CNY")
    assert not report.applied and [e.line for e in report.errors] == [5, 5, 5]
    assert [(e.column, e.code) for e in report.errors] == [
        ("owner", "owner_unknown"),
        ("contract_start", "date"),
        ("potential", "rating"),
    ]
    with any_db.session() as session:
        assert session.exec(select(Customer)).all() == []
        report = import_customers(session, path, now=NOW, currency="CNY", skip_invalid=True)
    assert report.applied and report.created == 3 and len(report.errors) == 3


def test_row_errors_name_the_column(any_db: Database, rep, tmp_path: Path) -> None:
    text = "name,potential,contract_start,stage\nA,9,,active\nB,,2026-13-01,active\nC,,,maybe\n,,,\nD,3,,服务中\n"
    with any_db.session() as session:
        report = import_customers(session, _write(tmp_path, "c.csv", text), now=NOW, currency="CNY")
    reasons = {e.line: (e.column, e.code) for e in report.errors}
    assert reasons[2] == ("potential", "rating") and reasons[3] == ("contract_start", "date")
    assert reasons[4] == ("stage", "choice_stage") and 5 not in reasons  # blank rows are skipped
    assert not report.applied


def test_chinese_headers_and_gbk(any_db: Database, rep, tmp_path: Path) -> None:
    text = "客户名称,负责人,阶段,联系人,电话\n蓝海物流,Li Wei,服务中,陈主任,13900000000\n"
    path = _write(tmp_path, "c.csv", text, encoding="gbk")
    with any_db.session() as session:
        report = import_customers(session, path, now=NOW, currency="CNY")
    assert report.ok and report.created == 1
    with any_db.session() as session:
        customer = session.exec(select(Customer)).one()
        assert (customer.name, customer.stage) == ("蓝海物流", "active")


def test_xlsx(any_db: Database, rep, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Account Name", "Owner", "Stage", "Annual Revenue", "Contract Start"])
    sheet.append(["Initech", "Li Wei", "Active", 250000, datetime(2023, 5, 1)])
    path = tmp_path / "c.xlsx"
    workbook.save(path)
    with any_db.session() as session:
        report = import_customers(session, path, now=NOW, currency="CNY")
    assert report.ok, report.errors
    with any_db.session() as session:
        initech = session.exec(select(Customer)).one()
        assert initech.contract_start.isoformat() == "2023-05-01" and initech.annual_revenue_minor == 25_000_000


def test_unreadable_files(tmp_path: Path, any_db: Database) -> None:
    with any_db.session() as session:
        for name, content, code in (
            ("e.csv", "\n\n", "empty"),
            ("e.pdf", "%PDF-1.4", "not_table"),
            ("e.xlsx", "PK\x03\x04 not a zip", "xlsx_unreadable"),
            ("e.xlsx", "not a zip", "no_columns"),
        ):
            with pytest.raises(ImportFileError) as caught:
                import_customers(session, _write(tmp_path, name, content), now=NOW, currency="CNY")
            assert caught.value.code == code


def test_interactions_import(any_db: Database, rep, tmp_path: Path) -> None:
    with any_db.session() as session:
        import_customers(session, _write(tmp_path, "c.csv", CUSTOMERS), now=NOW, currency="CNY")
    text = (
        "external_id,customer,kind,occurred_at,amount,currency,summary\n"
        'I1,C1,deal,2026-11-20,"500,000.25",,signed\n'
        ",Acme,call,2026-11-21 15:30,,,asked for a quote\n"
        ",Globex,visit,2026-11-22T10:00:00+00:00,,,\n"
        ",Acme,电话,2026-11-23,,,中文类型\n"
    )
    path = _write(tmp_path, "i.csv", text)
    for expected_created in (4, 0):
        with any_db.session() as session:
            report = import_interactions(session, path, now=NOW, currency="CNY", timezone="Asia/Shanghai")
        assert report.ok and report.created == expected_created, report.errors
    with any_db.session() as session:
        rows = {r.summary: r for r in session.exec(select(Interaction)).all()}
    assert len(rows) == 4
    assert from_minor(rows["signed"].amount_minor, "CNY") == Decimal("500000.25") and rows["signed"].currency == "CNY"
    # no offset: local time in TIERBOT_TIMEZONE (15:30 Shanghai = 07:30 UTC)
    assert rows["asked for a quote"].occurred_at == datetime(2026, 11, 21, 7, 30, tzinfo=UTC)
    assert rows["asked for a quote"].rep_id == rep.id
    assert rows["中文类型"].kind == "call"


def test_interaction_errors(any_db: Database, rep, tmp_path: Path) -> None:
    with any_db.session() as session:
        import_customers(session, _write(tmp_path, "c.csv", CUSTOMERS), now=NOW, currency="CNY")
    text = (
        "customer,kind,occurred_at,amount\nNope,call,2026-11-20,\nAcme,dance,2026-11-20,\n"
        "Acme,call,yesterday,\nAcme,deal,2026-11-20,lots\n"
    )
    with any_db.session() as session:
        report = import_interactions(
            session, _write(tmp_path, "i.csv", text), now=NOW, currency="CNY", timezone="Asia/Shanghai"
        )
        assert session.exec(select(Interaction)).all() == []
    assert [(e.line, e.code) for e in report.errors] == [
        (2, "customer_unknown"),
        (3, "choice_kind"),
        (4, "date"),
        (5, "amount"),
    ] and not report.applied
