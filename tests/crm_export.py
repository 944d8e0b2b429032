"""A realistic CRM export for the import tests: 500 customers as 纷享销客 or a Chinese Salesforce
would write them (zh headers, GBK, mixed date formats, 万 amounts, extra columns we do not
read), with invalid rows at known places so the tests can count exactly."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field

HEADERS = [
    "客户编号",
    "客户名称",
    "负责人",
    "阶段",
    "行业",
    "联系人",
    "电话",
    "邮箱",
    "生日",
    "签约日期",
    "年交易额",
    "客户来源",
    "创建时间",
]
_STAGES = ["服务中", "待签约", "已签约", "潜在", "流失"]
_INDUSTRIES = ["制造业", "零售", "通信", "物流", "金融", "教育"]
_SURNAMES = "王李张刘陈杨黄赵吴周"
_DATE_FORMATS = ["{y}/{m}/{d}", "{y}-{m:02d}-{d:02d}", "{y}年{m}月{d}日", "{y}.{m:02d}.{d:02d}"]


@dataclass
class CrmExport:
    content: bytes
    rows: list[list[str]]
    bad: dict[int, str] = field(default_factory=dict)  # file line → expected error code

    @property
    def valid(self) -> int:
        return len(self.rows) - len(self.bad)


def crm_export(
    owners: list[str], *, rows: int = 500, encoding: str = "gbk", seed: int = 6, outsider: str = "赵六"
) -> CrmExport:
    """`owners` take turns as 负责人; every 50 rows, four rows go wrong on purpose: an owner
    nobody knows (`outsider`), an impossible date, an amount in words, and (every 100) no name."""
    rng = random.Random(seed)
    body: list[list[str]] = []
    bad: dict[int, str] = {}
    for i in range(rows):
        line = i + 2  # the header is line 1
        y, m, d = rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)
        signed = rng.choice(_DATE_FORMATS).format(y=y, m=m, d=d)
        revenue = rng.choice([f"{rng.randint(1, 500) * 10_000:,}.00", f"{rng.randint(1, 300)}万", ""])
        row = [
            f"FX{i:05d}",
            f"{rng.choice(_SURNAMES)}氏{_INDUSTRIES[i % 6]}公司{i}",
            owners[i % len(owners)],
            rng.choice(_STAGES),
            _INDUSTRIES[i % 6],
            f"{rng.choice(_SURNAMES)}经理",
            f"138{i:08d}",
            f"contact{i}@example.cn",
            f"{rng.randint(1960, 1995)}/{rng.randint(1, 12)}/{rng.randint(1, 28)}",
            signed,
            revenue,
            rng.choice(["展会", "转介绍", "官网"]),
            "2024-01-01 10:00",
        ]
        if i % 50 == 7:
            row[2], bad[line] = outsider, "owner_unknown"
        elif i % 50 == 19:
            row[9], bad[line] = "2023-02-30", "date"
        elif i % 50 == 33:
            row[10], bad[line] = "面议", "amount"
        elif i % 100 == 41:
            row[1], bad[line] = "", "required"
        body.append(row)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(body)
    return CrmExport(text.getvalue().encode(encoding), body, bad)


ONBOARDING_HEADERS = [
    "客户编号",
    "客户名称",
    "负责人",
    "客户状态",
    "行业",
    "电话",
    "邮箱",
    "生日",
    "年销售额",
    "创建时间",
    "备注",
    "客户来源",
]


@dataclass
class OnboardingExport:
    content: bytes
    rows: list[list[str]]
    revenue: dict[str, int]  # customer name → annual revenue in yuan (0: none given)
    bad: dict[int, str] = field(default_factory=dict)  # file line → expected error code

    @property
    def valid(self) -> int:
        return len(self.rows) - len(self.bad)


def onboarding_export(owner: str, *, rows: int = 500, seed: int = 14) -> OnboardingExport:
    """A team's first import (issue 14): 500 customers in GBK as a Chinese CRM writes them, every
    one already served (客户状态 服务中), with an annual revenue (年销售额, a third in 万), the date
    the record was made (创建时间, 2012–2025, with a time), a note (备注), and — with no contact
    name column at all — a phone, an e-mail and a birthday for the customer itself. Every 25th
    row has a malformed e-mail (contact@@example), every 40th a 10-digit mobile number."""
    rng = random.Random(seed)
    body: list[list[str]] = []
    revenue: dict[str, int] = {}
    bad: dict[int, str] = {}
    for i in range(rows):
        line = i + 2
        name = f"{rng.choice(_SURNAMES)}记{_INDUSTRIES[i % 6]}{i:03d}"
        yuan = rng.choice([0, 1, 1, 1]) * rng.randint(1, 900) * 10_000
        cell = "" if not yuan else (f"{yuan // 10_000}万" if i % 3 == 0 else f"{yuan:,}.00")
        created = f"{rng.randint(2012, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:{i % 60:02d}"
        email = f"boss{i}@example.cn"
        phone = f"139{i:08d}"
        if i % 25 == 4:
            email, bad[line] = "contact@@example", "email"
        elif i % 40 == 9:
            phone, bad[line] = f"139{i:07d}", "phone_cn_mobile"
        body.append(
            [
                f"ON{i:04d}",
                name,
                owner,
                "服务中",
                _INDUSTRIES[i % 6],
                phone,
                email,
                f"{rng.randint(1960, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                cell,
                created,
                f"老客户，{rng.choice(['关注价格', '重视服务', '决策慢'])}",
                rng.choice(["展会", "转介绍"]),
            ]
        )
        if line not in bad:
            revenue[name] = yuan
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(ONBOARDING_HEADERS)
    writer.writerows(body)
    return OnboardingExport(text.getvalue().encode("gbk"), body, revenue, bad)
