"""Import in chat (issue 6 §6): a CRM export sent as a document → preview → ✅ → progress →
result and the error file; /import; bad files; roles; zh and en."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from bot.testing import Harness
from core.imports import uploads
from core.imports.uploads import MAX_UPLOAD_BYTES
from core.models import AuditLog, Customer, Interaction, Upload
from core.names import book
from tests.crm_export import HEADERS, crm_export


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


def _customers(harness: Harness) -> list[Customer]:
    with harness.db.session() as session:
        return list(session.exec(select(Customer)).all())


def _getfile_calls(harness: Harness) -> int:
    return sum(1 for method, _ in harness.api.calls if method.lower() == "getfile")


async def test_crm_export_in_chinese_preview_confirm_progress_result_and_error_file(harness: Harness) -> None:
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    export = crm_export(["李伟"])
    [preview] = await harness.upload(rep, "纷享销客-客户.csv", export.content)
    assert "共 500 行" in preview.text and "465 行可导入" in preview.text and "35 行有错误" in preview.text
    assert "第 9 行：负责人：没有名为“赵六”的用户" in preview.text
    assert "未使用的列（没有对应字段）：客户来源" in preview.text and "创建时间 → 客户创建日期" in preview.text
    assert "客户将导入到您自己名下" in preview.text
    assert [label for label, _ in preview.buttons] == ["✅ 导入 465 行", "✖ 取消"]
    assert _customers(harness) == []  # nothing before ✅
    await harness.press(rep, "导入", preview)
    assert harness.api.messages[(preview.chat_id, preview.message_id)].buttons == []  # the preview keeps its text
    progress, result, errors = harness.sent(rep)[1:]
    assert len(progress.history) >= 3 and progress.text == "⏳ 正在导入……465 / 465 行（100%）"
    assert any("%" in step and "100%" not in step for step in progress.history)  # edited as it went
    assert "新增客户 465 条" in result.text and "35 行有错误未导入" in result.text
    assert errors.kind == "document" and errors.file_name.endswith(".csv") and "35 行有错误" in errors.text
    rows = list(csv.reader(io.StringIO(errors.file_bytes.decode("utf-8-sig"))))
    assert rows[0] == [*HEADERS, "导入结果", "未导入原因"] and len(rows) == 501  # every row's outcome (issue 14 §2)
    assert sorted(r[-2] for r in rows[1:]).count("未导入") == 35 and [r[-2] for r in rows[1:]].count("新增") == 465
    reasons = {r[0]: r[-1] for r in rows[1:] if r[-2] == "未导入"}
    assert reasons[export.rows[7][0]] == "负责人：没有名为“赵六”的用户（请写姓名或 Telegram ID）"
    assert reasons[export.rows[19][0]] == "签约日期：“2023-02-30”不是日期（请写成 2026-03-08）"
    assert len(_customers(harness)) == 465
    with harness.db.session() as session:
        [upload] = session.exec(select(Upload)).all()
        assert (upload.status, upload.content, upload.summary["created"]) == ("done", b"", 465)
        [audit] = session.exec(select(AuditLog).where(AuditLog.action == "import.customers")).all()
        assert audit.actor_id == rep.account.id and audit.detail["created"] == 465
    # the same file again: everything is already there, nothing to confirm
    [again, error_file] = await harness.upload(rep, "纷享销客-客户.csv", export.content)
    assert "新增 0" in again.text and "465 行已存在" in again.text and again.buttons == []
    assert error_file.kind == "document"
    assert len(_customers(harness)) == 465


async def test_confirm_twice_imports_once_and_cancel_changes_nothing(harness: Harness) -> None:
    rep = await harness.person("rep", name="Emma", language="en", team="East")
    content = b"Account Name,Stage\nAcme,Customer\nGlobex,Prospect\n"
    [preview] = await harness.upload(rep, "accounts.csv", content)
    assert "2 ready: 2 new, 0 to update" in preview.text and "into your own book" in preview.text
    confirm_key = preview.buttons[0][1]
    await harness.press(rep, "Import", preview)
    result, report = harness.sent(rep)[-2:]  # the result, then every row's outcome as a CSV
    assert "Import done: 2 new customers, 0 updated." in result.text and report.kind == "document"
    with harness.db.session() as session:
        assert uploads.unfinished(session) == []  # a committed import leaves no note for the next start
    await harness.press_data(rep, preview, confirm_key)  # a second tap (or a retry) finds the upload done
    assert "already imported or cancelled" in harness.last(rep).text
    assert sorted(c.name for c in _customers(harness)) == ["Acme", "Globex"]
    [preview] = await harness.upload(rep, "more.csv", b"Account Name\nInitech\n")
    confirm_key = preview.buttons[0][1]
    await harness.press(rep, "Cancel", preview)
    assert "Import cancelled" in harness.last(rep).text
    await harness.press_data(rep, preview, confirm_key)
    assert "already imported or cancelled" in harness.last(rep).text
    assert "Initech" not in {c.name for c in _customers(harness)}


async def test_bad_files_get_a_clear_answer_and_nothing_is_imported(harness: Harness) -> None:
    rep = await harness.person("rep", name="Emma", language="en")
    big = b"Account Name\n" + b"x" * (20 * 1024 * 1024)
    [answer] = await harness.upload(rep, "huge.csv", big)
    assert "20.0 MB" in answer.text and "up to 10 MB" in answer.text
    assert _getfile_calls(harness) == 0  # refused before download
    cases = {
        ("empty.csv", b""): "The file is empty.",
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"): "not a CSV or XLSX file",
        ("book.xlsx", b"PK\x03\x04 not really"): "cannot be read",
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64): "save it as .xlsx",
        ("latin.csv", "Name,Owner\nCafé,Emma\n".encode("cp1252")): "neither UTF-8 nor GBK",
        ("dup.csv", "客户名称,Account Name\n华为,Huawei\n".encode()): "Columns A “客户名称” and B “Account Name”",
        ("letter.txt", b"Dear customer,\nthanks.\n"): "I know none of the columns",
    }
    for (name, content), needle in cases.items():
        [answer] = await harness.upload(rep, name, content)
        assert needle in answer.text and "Nothing was imported" in answer.text, (name, answer.text)
    assert _getfile_calls(harness) == len(cases)
    assert _customers(harness) == []
    zh = await harness.person("rep", name="李伟", language="zh")
    [answer] = await harness.upload(zh, "huge.xlsx", b"PK\x03\x04" + b"\x00" * (MAX_UPLOAD_BYTES + 1))
    assert "超过 10 MB 的上限" in answer.text and _getfile_calls(harness) == len(cases)


async def test_mixed_dates_and_unknown_owner_in_the_preview(harness: Harness) -> None:
    manager = await harness.person("manager", name="Wang", language="en", team="East")
    await harness.person("rep", name="Emma", team="East")
    await harness.person("rep", name="Sun", team="West")
    content = (
        "Account Name,Owner,Contract Start\nAcme,Emma,2024-03-08\nGlobex,Emma,25/03/2024\n"
        "Initech,Sun,2024年3月10日\nHooli,Nobody,Mar 12 2024\nUmbrella,,31.12.2023\n"
    ).encode()
    [preview] = await harness.upload(manager, "team.csv", content)
    assert "3 ready: 3 new" in preview.text and "2 with errors" in preview.text
    assert "line 4: Owner: “Sun” is not in your team" in preview.text
    assert "line 5: Owner: nobody called “Nobody” uses the bot" in preview.text
    assert "rows without an owner stay unassigned" in preview.text
    await harness.press(manager, "Import", preview)
    customers = {c.name: c for c in _customers(harness)}
    assert sorted(customers) == ["Acme", "Globex", "Umbrella"]
    assert customers["Globex"].contract_start.isoformat() == "2024-03-25"
    assert customers["Umbrella"].owner_id is None and customers["Umbrella"].contract_start.isoformat() == "2023-12-31"


async def test_import_command_chooses_the_kind_and_interactions_import(harness: Harness) -> None:
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    await harness.upload(rep, "c.csv", "客户名称\n华为\n腾讯\n".encode("gbk"))
    await harness.press(rep, "导入")
    await harness.send(rep, "/import")
    assert "从 CSV 或 XLSX 文件导入" in harness.last(rep).text
    await harness.press(rep, "互动记录")
    assert "请现在发送互动记录文件" in harness.last(rep).text
    await harness.send(rep, "好的")  # typed instead of a file: asked again, not logged
    assert "请现在发送互动记录文件" in harness.last(rep).text
    content = "客户,日期,类型,内容\n华为,2026-11-20,拜访,面谈\n腾讯,2026/11/21 10:00,电话,报价\n".encode("gbk")
    [preview] = await harness.upload(rep, "跟进记录.csv", content)
    assert "（互动记录）" in preview.text and "2 行可导入" in preview.text
    await harness.press(rep, "导入", preview)
    assert "新增互动记录 2 条" in harness.sent(rep)[-2].text
    with harness.db.session() as session:
        rows = session.exec(select(Interaction)).all()
    assert sorted(r.kind for r in rows) == ["call", "visit"] and {r.rep_id for r in rows} == {rep.account.id}


async def test_a_file_of_unknown_kind_asks_which(harness: Harness) -> None:
    rep = await harness.person("rep", name="Emma", language="en")
    [question] = await harness.upload(rep, "x.csv", b"Account,Industry,Contact\nAcme,Tools,Bob\n")
    assert "customers" in question.text  # Account is a customer name: detected without asking
    [question] = await harness.upload(rep, "y.csv", b"Industry,Phone\nTools,123\n")
    assert question.text == "Does this file hold customers, interactions or deals?"
    await harness.press(rep, "Customers", question)
    assert "A column is missing: name / 客户名称 / Account Name." in harness.last(rep).text


async def test_xlsx_document(harness: Harness) -> None:
    from openpyxl import Workbook

    rep = await harness.person("rep", name="Emma", language="en")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Account Name", "Stage", "Annual Revenue"])
    sheet.append(["Initech", "Active", 250000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [preview] = await harness.upload(rep, "export.xlsx", buffer.getvalue())
    await harness.press(rep, "Import", preview)
    [initech] = _customers(harness)
    assert (initech.stage, initech.annual_revenue_minor, initech.owner_id) == ("active", 25_000_000, rep.account.id)


async def test_previews_never_confirmed_are_purged_after_a_day(harness: Harness) -> None:
    """Issue 12 §12: a preview keeps its file (up to 10 MB) for a day, then the sweep drops it."""
    from datetime import timedelta

    rep = await harness.person("rep", name="Emma", language="en")
    [old] = await harness.upload(rep, "old.csv", b"Account Name\nAcme\n")
    await harness.advance_to(harness.clock.now() + timedelta(hours=20))
    [recent] = await harness.upload(rep, "recent.csv", b"Account Name\nGlobex\n")
    await harness.advance_to(harness.clock.now() + timedelta(hours=5))  # the first is 25 h old, the second 5 h
    with harness.db.session() as session:
        uploads = {u.filename: u for u in session.exec(select(Upload)).all()}
    assert (uploads["old.csv"].status, uploads["old.csv"].content) == ("expired", b"")
    assert (uploads["recent.csv"].status, uploads["recent.csv"].content) == ("preview", b"Account Name\nGlobex\n")
    await harness.press(rep, "Import", old)
    assert "already imported or cancelled" in harness.last(rep).text
    assert _customers(harness) == []
    await harness.press(rep, "Import", recent)
    assert [c.name for c in _customers(harness)] == ["Globex"]


async def test_files_built_to_hurt_get_a_clear_answer_in_chinese(harness: Harness) -> None:
    """Issue 12 §1, §7: refused before anything is read whole, in the user's language."""
    from tests.hostile_files import ratio_bomb_xlsx, sparse_xlsx

    rep = await harness.person("rep", name="李伟", language="zh")
    [answer] = await harness.upload(rep, "sparse.xlsx", sparse_xlsx())
    assert "工作表延伸到单元格 XFD1048576" in answer.text and "200,000 行" in answer.text
    [answer] = await harness.upload(rep, "bomb.xlsx", ratio_bomb_xlsx())
    assert "解压后远大于文件本身" in answer.text
    wide = (",".join(f"列{n}" for n in range(101)) + "\n" + "华为\n").encode()
    [answer] = await harness.upload(rep, "wide.csv", wide)
    assert "第 1 行超过 100 列" in answer.text
    assert all("没有导入任何内容" in s.text for s in harness.sent(rep))
    assert _customers(harness) == []
    with harness.db.session() as session:
        assert session.exec(select(Upload)).all() == []  # nothing stored for a refused file


async def test_the_preview_names_new_customers_that_look_like_ones_in_the_book(harness: Harness) -> None:
    """小米科技有限公司 in the file, 小米 in the book: the import would create a second record of one
    company, so the preview says so (a customer of another team only by its owner, as /new does)."""
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    other = await harness.person("rep", name="Zoe Quinn", language="en", team="West")
    with harness.db.session() as session:
        session.add(Customer(name="小米", owner_id=rep.account.id, stage="active", added_at=harness.clock.now()))
        session.add(
            Customer(name="Stark Industries", owner_id=other.account.id, stage="active", added_at=harness.clock.now())
        )
    book.invalidate()
    content = "客户名称,行业\n小米科技有限公司,电子\nStark Industries Inc.,制造\n光明乳业,食品\n".encode()
    [preview] = await harness.upload(rep, "客户.csv", content)
    assert "🔁 2 个新客户名与已有客户相似" in preview.text
    assert "• 小米科技有限公司 ~ 小米" in preview.text
    assert "• Stark Industries Inc. ~ 已是 Zoe Quinn 的客户" in preview.text
    assert "光明乳业 ~" not in preview.text
    [en_preview] = await harness.upload(other, "book.csv", b"Account Name\nstark industries\n")
    assert "1 new name looks like a customer already in the book" in en_preview.text
    assert "• stark industries ~ Stark Industries" in en_preview.text
