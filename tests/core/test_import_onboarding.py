"""Onboarding a real book (issue 14): a first import arrives tiered (the annual revenue counts
until the customer has deals of its own), nothing in the file is dropped without a word, and
values are checked — on SQLite and PostgreSQL, through the same preview → ✅ path as the chat."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from statistics import median

from sqlmodel import select

from bot.import_texts import row_reason
from bot.render import Renderer
from core import accounts
from core.accounts import Account
from core.as_of import AsOf
from core.customers import cards
from core.db import Database
from core.imports import uploads
from core.imports.file_reader import read_bytes
from core.imports.importer import ImportReport, outcome_csv
from core.models import Contact, Customer, CustomerTier, TierAssignment
from core.policies import default_policy_text
from core.tier_records.retier import RecomputeReport, recompute
from core.tiering import parse_policy
from tests.crm_export import ONBOARDING_HEADERS, onboarding_export

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())
ZONE = "Asia/Shanghai"
RENDERER = Renderer()


def _rep(db: Database) -> Account:
    with db.session() as session:
        return accounts.add_user(session, telegram_id=11, name="李伟", role="rep", team="East", now=NOW, language="zh")


def preview(
    db: Database, actor: Account, content: bytes, kind: str = "customers", policy=POLICY
) -> tuple[int, ImportReport]:
    with db.session() as session:
        upload = uploads.store(session, actor, filename="book.csv", content=content, kind=kind, now=NOW)
        return upload, uploads.preview(
            session,
            actor,
            upload,
            kind,
            as_of=AsOf(policy, NOW, ZONE),
            currency="CNY",
            table=read_bytes(content),
        )


def confirm(db: Database, actor: Account, upload: int, policy=POLICY) -> tuple[ImportReport, RecomputeReport]:
    """What ✅ does: import in one transaction, then re-tier the customers it touched once."""
    with db.session() as session:
        report = uploads.confirm(session, actor, upload, as_of=AsOf(policy, NOW, ZONE), currency="CNY")
    assert report is not None
    return report, recompute(db, AsOf(policy, NOW, ZONE), review=True, customer_ids=sorted(report.touched_ids))


def _tiers(db: Database, model: str = "value") -> dict[str, str | None]:
    with db.session() as session:
        return dict(
            session.exec(
                select(Customer.name, CustomerTier.tier)
                .join(CustomerTier, CustomerTier.customer_id == Customer.id)
                .where(CustomerTier.model == model)
            ).all()
        )


def test_a_500_customer_gbk_book_arrives_tiered_by_revenue_with_nothing_dropped(any_db: Database) -> None:
    rep = _rep(any_db)
    export = onboarding_export("李伟")
    upload, seen = preview(any_db, rep, export.content)
    # every column is read or named: 创建时间 → customer since, 备注 → notes; only 客户来源 has no field
    assert dict(seen.columns)["创建时间"] == "customer_since" and dict(seen.columns)["备注"] == "notes"
    assert seen.unknown_columns == ["客户来源"] and seen.derived_columns == []
    assert {h for h, _ in seen.columns} | set(seen.unknown_columns) == set(ONBOARDING_HEADERS)
    # every bad row refused with its column and reason: the malformed e-mails, the 10-digit mobiles
    assert {e.line: e.code for e in seen.errors} == export.bad
    assert {e.column for e in seen.errors} == {"邮箱", "电话"}
    assert (seen.created, seen.updated) == (export.valid, 0)
    # the preview says which tiers the import sets, and leaves nothing behind
    preview_moves = {(c.customer_id, c.model, c.new) for c in seen.tier_changes}
    assert sum(1 for c in seen.tier_changes if c.model == "value" and c.new == "key") > 50
    with any_db.session() as session:
        assert session.exec(select(Customer)).all() == [] and session.exec(select(TierAssignment)).all() == []

    report, retier = confirm(any_db, rep, upload)
    assert report.created == export.valid
    assert {(c.model, c.new) for c in retier.changes} >= {(m, n) for _, m, n in preview_moves}
    assert len(retier.changes) == len(seen.tier_changes)
    tiers = _tiers(any_db)
    assert len(tiers) == export.valid
    # the tier mix follows the revenue: the top quarter by revenue is Key (40 points of
    # contribution alone reach it), customers without revenue are Regular; before the change
    # every customer was Regular (score 20 + stability)
    ranked = sorted(export.revenue, key=export.revenue.get)  # type: ignore[arg-type]
    top = ranked[-len(ranked) // 4 + 1 :]
    assert all(tiers[name] in ("key", "vip") for name in top)
    assert all(tiers[name] == "regular" for name, yuan in export.revenue.items() if not yuan)
    key_revenue = [export.revenue[n] for n, t in tiers.items() if t == "key"]
    regular_revenue = [export.revenue[n] for n, t in tiers.items() if t == "regular"]
    assert min(key_revenue) > median(regular_revenue) and 0.2 < len(key_revenue) / len(tiers) < 0.8

    with any_db.session() as session:
        customers = {c.name: c for c in session.exec(select(Customer)).all()}
        first = export.rows[0]
        customer = customers[first[1]]
        assert customer.customer_since == date(2023, 5, 10) and customer.notes == first[10]
        assert customer.annual_revenue_minor == export.revenue[first[1]] * 100
        assert customer.annual_revenue_currency == "CNY"
        # birthday, phone and e-mail without a contact name: the customer's own primary contact
        [contact] = session.exec(select(Contact).where(Contact.customer_id == customer.id)).all()
        assert (contact.name, contact.phone, contact.email, contact.birthday, contact.is_primary) == (
            first[1],
            first[5],
            first[6],
            date.fromisoformat(first[7]),
            True,
        )
        assert len(session.exec(select(Contact)).all()) == export.valid
        # the customer's "why" says the figure came from the import
        _, _, lines, _ = cards.explanation(session, rep, customer.id, AsOf(POLICY, NOW, ZONE), lang="zh")
        assert any("导入的年交易额 2,780,000.00 CNY" in line for block in lines for line in block)

    # the downloadable report: every row with its outcome, refused ones with why (in Chinese)
    reasons = [row_reason(RENDERER, "zh", e) for e in report.errors]
    rows = list(
        csv.reader(
            io.StringIO(
                outcome_csv(
                    report,
                    reasons,
                    ("导入结果", "未导入原因"),
                    {"created": "新增", "updated": "更新", "unchanged": "无变化", "refused": "未导入"},
                ).decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == [*ONBOARDING_HEADERS, "导入结果", "未导入原因"] and len(rows) == 501
    outcomes = {r[0]: (r[-2], r[-1]) for r in rows[1:]}
    assert outcomes["ON0004"] == ("未导入", "邮箱：“contact@@example”不是邮箱地址（请写成 name@example.com）")
    assert outcomes["ON0009"] == ("未导入", "电话：“1390000009”有 10 位数字：中国手机号为 11 位（如 138 0013 8000）")
    assert outcomes["ON0000"] == ("新增", "")

    # a re-import changes nothing: no row, no contact, no tier
    upload, again = preview(any_db, rep, export.content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, export.valid) and again.tier_changes == []


def test_revenue_counts_until_the_customer_has_enough_deals_of_its_own(any_db: Database) -> None:
    from core.models import Interaction

    rep = _rep(any_db)
    book = (
        "客户名称,阶段,年交易额,签约日期\n"
        + "".join(f"大客户{i},服务中,{(i + 1) * 100}万,2020-01-01\n" for i in range(4))
        + "".join(f"小客户{i},服务中,,2020-01-01\n" for i in range(4))
    )
    upload, _ = preview(any_db, rep, book.encode())
    confirm(any_db, rep, upload)
    with any_db.session() as session:
        ids = dict(session.exec(select(Customer.name, Customer.id)).all())
        # the biggest stated revenue now has three small deals of its own in the 365 days: they count instead
        for day in (1, 5, 10):
            session.add(
                Interaction(
                    customer_id=ids["大客户3"],
                    rep_id=rep.id,
                    kind="deal",
                    amount_minor=100_00,
                    currency="CNY",
                    occurred_at=datetime(2026, 11, day, 4, tzinfo=UTC),
                    created_at=NOW,
                )
            )
    with any_db.session() as session:
        _, _, lines, _ = cards.explanation(session, rep, ids["大客户3"], AsOf(POLICY, NOW, ZONE), lang="en")
        text = "\n".join(line for block in lines for line in block)
        assert "300.00 CNY in 12 months" in text and "from the import" not in text
        _, _, lines, _ = cards.explanation(session, rep, ids["大客户2"], AsOf(POLICY, NOW, ZONE), lang="en")
        text = "\n".join(line for block in lines for line in block)
        assert "annual revenue 3,000,000.00 CNY from the import" in text and "0 so far" in text
    # a policy that says "never": booked deals only, the stated revenue is no contribution
    never = parse_policy(
        default_policy_text().replace('imported_revenue = "until_deals"', 'imported_revenue = "never"')
    )
    report = recompute(any_db, AsOf(never, NOW, ZONE), review=True, store=False)
    by_id = {c.customer_id: c for c in report.changes if c.model == "value"}
    assert by_id[ids["大客户2"]].new == "regular"  # Key under the default, Regular without its figure


def test_values_are_checked_and_refused_in_the_uploaders_language(any_db: Database) -> None:
    rep = _rep(any_db)
    content = (
        "客户名称,阶段,联系人,电话,邮箱,生日,签约日期,年交易额,语言\n"
        "甲公司,服务中,张总,13800138000,zhang@jia.example,1980-01-01,2020-01-01,12万,中文\n"
        "乙公司,服务中,,,contact@@example,,,,\n"
        "丙公司,服务中,,1380013800,,,,,\n"
        "丁公司,合作中,,,,,,,\n"
        "戊公司,服务中,,,,2030-01-01,,,\n"
        "己公司,服务中,,,,,2026-02-30,,\n"
        "庚公司,服务中,,,,,,面议,\n"
        "辛公司,服务中,,,,,,-5万,\n"
        "壬公司,服务中,,电话号码,,,,,\n"
        "癸公司,服务中,,,,,,,法语\n"
        "甲公司,服务中,,,,,,,\n"
    ).encode("gbk")
    _, report = preview(any_db, rep, content)
    assert report.created == 1
    reasons = {e.line: row_reason(RENDERER, "zh", e) for e in report.errors}
    assert reasons == {
        3: "邮箱：“contact@@example”不是邮箱地址（请写成 name@example.com）",
        4: "电话：“1380013800”有 10 位数字：中国手机号为 11 位（如 138 0013 8000）",
        5: "阶段：“合作中”不是客户阶段：请写 待签约、服务中 或 流失",
        6: "生日：“2030-01-01”不可能是生日（应在1900年之后，且不晚于今天）",
        7: "签约日期：“2026-02-30”不是日期（请写成 2026-03-08）",
        8: "年交易额：“面议”不是金额（请写 120000、120,000.00 或 12万）",
        9: "年交易额：“-5万”小于零：请写不带负号的金额",
        10: "电话：“电话号码”不是电话号码（数字，可带 + 空格 - 或括号，如 +86 10 8888 6666）",
        11: "语言：“法语”不是语言：请写 中文 或 英文",
        12: "与第 2 行重复（客户编号相同，或名称和负责人相同）",
    }
    # no English library words inside the Chinese answers: only the value and our own words
    assert not any(word in text for text in reasons.values() for word in ("must", "valid", "The ", "@-sign"))
    english = {e.line: row_reason(RENDERER, "en", e) for e in report.errors}
    assert english[3] == "邮箱: “contact@@example” is not an e-mail address (write name@example.com)"
    assert english[5].endswith("write Prospect, Customer or Lost (待签约 / 服务中 / 流失)")


def test_a_phone_or_email_without_a_contact_name_is_the_customers_own_and_updates_in_place(any_db: Database) -> None:
    rep = _rep(any_db)
    upload, _ = preview(any_db, rep, "客户名称,电话\n王小明,13800000001\n".encode())
    confirm(any_db, rep, upload)
    upload, report = preview(any_db, rep, "客户名称,邮箱,生日\n王小明,xm@example.cn,1990-05-01\n".encode())
    assert (report.updated, report.unchanged) == (1, 0)  # was "unchanged": the values were dropped
    confirm(any_db, rep, upload)
    with any_db.session() as session:
        [contact] = session.exec(select(Contact)).all()
    assert (contact.name, contact.phone, contact.email, contact.birthday) == (
        "王小明",
        "13800000001",
        "xm@example.cn",
        date(1990, 5, 1),
    )


def test_customer_since_counts_for_stability_and_is_no_contract_anniversary(any_db: Database) -> None:
    rep = _rep(any_db)
    upload, _ = preview(
        any_db,
        rep,
        b'Account Name,Type,Created Time,Description\nAcme,Customer,2016-12-01 09:30,"Key account, pays late"\n',
    )
    confirm(any_db, rep, upload)
    with any_db.session() as session:
        [acme] = session.exec(select(Customer)).all()
        assert (acme.customer_since, acme.contract_start, acme.notes) == (
            date(2016, 12, 1),
            None,
            "Key account, pays late",
        )
        result = cards.evaluate(session, AsOf(POLICY, NOW, ZONE), acme.id)
    stability = result.model("value").component("stability")
    assert stability.raw["years"] > 9.9 and dict(stability.inputs)["since"] == date(2016, 12, 1)
    assert not [o for o in result.facts.occasions if o.kind == "anniversary"]


def test_amounts_as_reps_write_them_and_a_book_without_stages_is_served_where_it_has_revenue(any_db: Database) -> None:
    """A spreadsheet kept by hand: 35w, 50k, ¥12万, 1.2M and 800万元 are amounts as in a message; with
    no stage column, a customer with revenue of its own is served (tiered as a customer), the rest
    are prospects — not 800万 a year filed as 待签约."""
    rep = _rep(any_db)
    content = (
        '客户名称,年交易额\n光明乳业,800万元\n小米,35w\n蔚来,"1,200,000"\n星巴克,50k\n'
        "Acme,1.2M\n甲公司,¥12万\n新线索,\n"
    ).encode()
    upload, report = preview(any_db, rep, content)
    assert (report.created, report.errors) == (7, [])
    confirm(any_db, rep, upload)
    with any_db.session() as session:
        rows = {c.name: (c.stage, c.annual_revenue_minor) for c in session.exec(select(Customer)).all()}
    assert rows == {
        "光明乳业": ("active", 800_000_000),
        "小米": ("active", 35_000_000),
        "蔚来": ("active", 120_000_000),
        "星巴克": ("active", 5_000_000),
        "Acme": ("active", 120_000_000),
        "甲公司": ("active", 12_000_000),
        "新线索": ("prospect", None),
    }
    assert _tiers(any_db)["光明乳业"] is not None  # value-tiered as a served customer from day one
