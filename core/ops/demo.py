"""A seeded demo book: a team with a manager, two reps and an admin, about 60 customers with
Chinese and English names, their contacts, a year of interactions and deals, and a few open
opportunities (expected money).

Deterministic for a given `now` (fixed random seed), so demos and tests see the same book.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, func, select

from core import accounts
from core.models import Contact, Customer, Interaction, Opportunity, Role, User
from core.money import to_minor

TEAM = "华东销售 East China"


@dataclass(frozen=True)
class DemoPerson:
    telegram_id: int
    name: str
    role: str
    language: str


REP_ZH = DemoPerson(1001, "李伟 Li Wei", "rep", "zh")
REP_EN = DemoPerson(1002, "Emma Chen", "rep", "en")
MANAGER = DemoPerson(2001, "王芳 Wang Fang", "manager", "zh")
ADMIN = DemoPerson(3001, "Admin", "admin", "en")
PEOPLE = {"rep": REP_ZH, "rep_en": REP_EN, "manager": MANAGER, "admin": ADMIN}

_ZH_COMPANIES = [
    ("华为", "华为技术有限公司", "通信"),
    ("腾讯", "深圳市腾讯计算机系统有限公司", "互联网"),
    ("星辰科技", "星辰科技股份有限公司", "软件"),
    ("蓝海物流", "上海蓝海物流有限公司", "物流"),
    ("阿里巴巴", "阿里巴巴（中国）有限公司", "电商"),
    ("比亚迪", "比亚迪股份有限公司", "汽车"),
    ("海尔", "海尔集团公司", "家电"),
    ("美的", "美的集团股份有限公司", "家电"),
    ("京东", "北京京东世纪贸易有限公司", "电商"),
    ("小米", "小米科技有限责任公司", "消费电子"),
    ("宁德时代", "宁德时代新能源科技股份有限公司", "能源"),
    ("顺丰", "顺丰控股股份有限公司", "物流"),
    ("格力", "珠海格力电器股份有限公司", "家电"),
    ("联想", "联想集团有限公司", "硬件"),
    ("中兴", "中兴通讯股份有限公司", "通信"),
    ("百度", "北京百度网讯科技有限公司", "互联网"),
    ("网易", "网易（杭州）网络有限公司", "互联网"),
    ("万科", "万科企业股份有限公司", "地产"),
    ("安踏", "安踏体育用品集团有限公司", "零售"),
    ("伊利", "内蒙古伊利实业集团股份有限公司", "食品"),
    ("蒙牛", "内蒙古蒙牛乳业（集团）股份有限公司", "食品"),
    ("青岛啤酒", "青岛啤酒股份有限公司", "食品"),
    ("东方航空", "中国东方航空股份有限公司", "航空"),
    ("招商银行", "招商银行股份有限公司", "金融"),
    ("平安保险", "中国平安保险（集团）股份有限公司", "金融"),
    ("云图数据", "杭州云图数据科技有限公司", "软件"),
    ("金桥贸易", "宁波金桥贸易有限公司", "贸易"),
    ("绿源农业", "江苏绿源农业发展有限公司", "农业"),
    ("恒通机械", "苏州恒通机械制造有限公司", "制造"),
    ("明远教育", "上海明远教育科技有限公司", "教育"),
    ("瑞丰医疗", "杭州瑞丰医疗器械有限公司", "医疗"),
    ("天启游戏", "成都天启游戏有限公司", "游戏"),
]
_EN_COMPANIES = [
    ("Acme", "Acme Corporation", "Manufacturing"),
    ("Globex", "Globex Corporation", "Energy"),
    ("Initech", "Initech LLC", "Software"),
    ("Umbrella", "Umbrella Pharmaceuticals", "Pharma"),
    ("Stark Industries", "Stark Industries Ltd", "Defense"),
    ("Wayne Enterprises", "Wayne Enterprises", "Conglomerate"),
    ("Hooli", "Hooli Inc.", "Internet"),
    ("Pied Piper", "Pied Piper Inc.", "Software"),
    ("Soylent", "Soylent Foods", "Food"),
    ("Vandelay", "Vandelay Industries", "Import/Export"),
    ("Cyberdyne", "Cyberdyne Systems", "Robotics"),
    ("Tyrell", "Tyrell Corporation", "Biotech"),
    ("Wonka", "Wonka Industries", "Food"),
    ("Oscorp", "Oscorp Industries", "Chemicals"),
    ("Aperture", "Aperture Science", "Research"),
    ("Massive Dynamic", "Massive Dynamic", "Technology"),
    ("Gringotts", "Gringotts Bank", "Finance"),
    ("Monarch", "Monarch Solutions", "Consulting"),
    ("Dunder Mifflin", "Dunder Mifflin Paper Co.", "Paper"),
    ("Bluth", "Bluth Company", "Real estate"),
    ("Nakatomi", "Nakatomi Trading", "Trading"),
    ("Virtucon", "Virtucon Industries", "Industrial"),
    ("Octan", "Octan Energy", "Energy"),
    ("Zenith", "Zenith Logistics", "Logistics"),
    ("Northwind", "Northwind Traders", "Wholesale"),
    ("Contoso", "Contoso Ltd", "Retail"),
    ("Fabrikam", "Fabrikam Inc.", "Manufacturing"),
    ("Tailspin", "Tailspin Toys", "Toys"),
]
_ZH_PEOPLE = ["张总", "王经理", "刘总监", "陈主任", "杨总", "赵经理", "黄总", "周经理", "吴总", "孙主管"]
_EN_PEOPLE = ["Bob Smith", "Alice Jones", "Carol White", "David Brown", "Erin Clark", "Frank Lee"]
_TITLES_ZH = ["采购总监", "总经理", "技术负责人", "运营经理"]
_TITLES_EN = ["Head of Procurement", "CEO", "CTO", "Operations Manager"]
_KINDS = ["call", "call", "message", "message", "email", "visit", "meeting", "note"]


def is_seeded(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Customer)).one() > 0


def seed(session: Session, now: datetime) -> dict[str, accounts.Account]:
    """Create the demo people and book (idempotent: a seeded database is left as it is)."""
    people = {
        key: accounts.add_user(
            session,
            telegram_id=p.telegram_id,
            name=p.name,
            role=p.role,
            now=now,
            team=TEAM if p.role != Role.ADMIN else None,
            language=p.language,
        )
        for key, p in PEOPLE.items()
    }
    for key in ("rep", "rep_en"):
        rep = session.get(User, people[key].id)
        assert rep is not None
        rep.manager_id = people["manager"].id
        session.add(rep)
    if is_seeded(session):
        return people
    rng = random.Random(20261124)
    owners = [people["rep"].id, people["rep_en"].id]
    companies = [(c, True) for c in _ZH_COMPANIES] + [(c, False) for c in _EN_COMPANIES]
    for index, ((name, company, industry), chinese) in enumerate(companies):
        customer = _customer(rng, index, name, company, industry, chinese, owners, now)
        session.add(customer)
        session.flush()
        session.add(_contact(rng, customer, chinese))
        if customer.stage != "prospect" or rng.random() < 0.6:
            session.add_all(_history(rng, customer, now))
    session.flush()
    _opportunities(session, now)
    return people


# Open opportunities (expected money, not revenue), so the pipeline shows on cards and grades:
# (customer, title, amount, currency, days to the expected signing, stage)
_OPPORTUNITIES = [
    ("美的", "空调产线升级项目", "800000", "CNY", 45, "proposal"),
    ("华为", "二期扩容", "500000", "CNY", 75, "negotiation"),
    ("Pied Piper", "Compression platform licence", "120000", "USD", 20, "negotiation"),
]


def _opportunities(session: Session, now: datetime) -> None:
    for name, title, amount, currency, days, stage in _OPPORTUNITIES:
        customer = session.exec(select(Customer).where(Customer.name == name)).first()
        if customer is None:
            continue
        session.add(
            Opportunity(
                customer_id=customer.id or 0,
                title=title,
                amount_minor=to_minor(Decimal(amount), currency),
                currency=currency,
                expected_signing_date=now.date() + timedelta(days=days),
                stage=stage,
                rep_id=customer.owner_id,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()


def _customer(
    rng: random.Random,
    index: int,
    name: str,
    company: str,
    industry: str,
    chinese: bool,
    owners: Sequence[int | None],
    now: datetime,
) -> Customer:
    stage = "lost" if index % 12 == 11 else ("prospect" if index % 4 == 3 else "active")
    owner = owners[0] if chinese else owners[1]
    if index % 7 == 3:  # some cross-over, so each rep has both kinds of name
        owner = owners[1] if chinese else owners[0]
    years = rng.choice([0, 1, 2, 3, 5, 8])
    rating = lambda: rng.choice([None, 1, 2, 3, 3, 4, 4, 5])  # noqa: E731
    region = "CN" if chinese else rng.choice(["US", "GB", "SG"])
    zone = None if chinese else rng.choice(["America/New_York", "Europe/London", "Asia/Singapore"])
    contract_start = (now.date() - timedelta(days=365 * years + rng.randint(0, 300))) if stage != "prospect" else None
    # The demo book is one the bot has tracked for a year: its revenue is its deals. A stated annual
    # revenue (which ranks until a customer has deals of its own) is left out; its draw stays, so
    # the rest of the book is what it always was.
    rng.choice([5, 20, 50, 120, 300, 800])
    customer = Customer(
        name=name,
        company=company,
        industry=industry,
        owner_id=owner,
        stage=stage,
        region=region,
        timezone=zone,
        language="zh" if chinese else "en",
        contract_start=contract_start,
        potential=rating(),
        influence=rating(),
        intention=rating() if stage == "prospect" else None,
        expectation=rating() if stage == "active" else None,
        satisfaction=rating() if stage == "active" else None,
        pipeline_stage=rng.choice(["lead", "contacted", "needs_confirmed", "proposal", "negotiation", "contract_sent"])
        if stage == "prospect"
        else None,
        expected_signing_date=(now.date() + timedelta(days=rng.randint(5, 150))) if stage == "prospect" else None,
        external_id=f"DEMO-{index + 1:03d}",
        added_at=now - timedelta(days=rng.randint(20, 120) if stage == "prospect" else 400),
        tags=["demo"],
    )
    return customer


def _contact(rng: random.Random, customer: Customer, chinese: bool) -> Contact:
    birthday = date(rng.randint(1965, 1990), rng.randint(1, 12), rng.randint(1, 28))
    if chinese:
        return Contact(
            customer_id=customer.id or 0,
            name=rng.choice(_ZH_PEOPLE),
            title=rng.choice(_TITLES_ZH),
            phone=f"138{rng.randint(10_000_000, 99_999_999)}",
            wechat=f"wx_{customer.id}",
            birthday=birthday,
            is_primary=True,
        )
    person = rng.choice(_EN_PEOPLE)
    return Contact(
        customer_id=customer.id or 0,
        name=person,
        title=rng.choice(_TITLES_EN),
        email=f"{person.split()[0].lower()}@{customer.name.split()[0].lower()}.example",
        birthday=birthday,
        is_primary=True,
    )


def _history(rng: random.Random, customer: Customer, now: datetime) -> list[Interaction]:
    """A year of touches, denser for bigger accounts; deals for signed customers."""
    touches = rng.randint(3, 30) if customer.stage != "lost" else rng.randint(1, 4)
    # most customers were touched recently; a few have gone quiet (those are the reminders)
    quiet_days = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 40]) if customer.stage != "lost" else 200
    rows = []
    for _ in range(touches):
        days_ago = rng.randint(quiet_days, quiet_days + 60) if _ == 0 else rng.randint(quiet_days, 365)
        when = datetime.combine(now.date() - timedelta(days=days_ago), time(rng.randint(1, 10), 0), now.tzinfo)
        kind = rng.choice(_KINDS)
        rows.append(_interaction(customer, kind, when, None, f"demo {kind}"))
    if customer.stage in ("active", "lost"):
        for _ in range(rng.randint(1, 6)):
            when = now - timedelta(days=rng.randint(quiet_days, 700), hours=rng.randint(0, 8))
            amount = Decimal(rng.choice([8, 15, 30, 50, 120, 260])) * 10_000 + Decimal(rng.randint(0, 99)) / 100
            rows.append(
                _interaction(customer, "deal", when, amount, "demo deal", channel=rng.choice(["visit", "call"]))
            )
    return rows


def _interaction(
    customer: Customer, kind: str, when: datetime, amount: Decimal | None, summary: str, channel: str | None = None
) -> Interaction:
    return Interaction(
        customer_id=customer.id or 0,
        rep_id=customer.owner_id,
        kind=kind,
        channel=channel,
        occurred_at=when,
        amount_minor=to_minor(amount, "CNY") if amount is not None else None,
        currency="CNY" if amount is not None else None,
        summary=summary,
        created_at=when,
    )
