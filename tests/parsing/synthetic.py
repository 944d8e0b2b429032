"""A synthetic 10k-customer book (plus the test book) for timing and bulk tests; seeded."""

from __future__ import annotations

import random

from core.parsing import BookEntry

from .book import BOOK

_ZH = "安宝北诚达鼎东方丰福光广海瀚恒宏华佳嘉建金锦京凯科蓝乐力联隆美明南鹏启瑞润森盛顺泰天通万伟祥新信兴星旭雅亚扬益银永宇源远越云泽长正智中卓"
_ZH_SUFFIX = ("科技", "贸易", "物流", "集团", "实业", "电子", "网络", "餐饮", "传媒", "医药")
_SYLLABLES = (
    "ac",
    "bel",
    "cor",
    "dan",
    "el",
    "fal",
    "gen",
    "hal",
    "in",
    "jor",
    "kel",
    "lum",
    "mar",
    "nor",
    "ov",
    "pra",
    "quin",
    "ros",
    "sol",
    "tar",
    "ul",
    "ver",
    "wex",
    "xan",
    "yor",
    "zen",
)
_EN_SUFFIX = ("Corp", "Inc", "Ltd", "Group", "Systems", "Labs", "Partners", "Holdings")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_FIRST = ("Anna", "Ben", "Carl", "Dana", "Eric", "Fay", "Gus", "Hana", "Ivan", "Jon", "Kim", "Liam")
_LAST = ("Adams", "Brown", "Chen", "Davis", "Evans", "Garcia", "Hill", "Jones", "King", "Lopez")


def synthetic_book(size: int = 10_000, seed: int = 7) -> list[BookEntry]:
    rng = random.Random(seed)
    entries = list(BOOK)
    for i in range(size - len(entries)):
        cid = 1000 + i
        if i % 2:
            core = "".join(rng.choice(_ZH) for _ in range(rng.choice((2, 2, 3))))
            name = core + rng.choice(_ZH_SUFFIX)
            contacts = (rng.choice(_SURNAMES) + rng.choice(("总", "经理", "工")),)
            entries.append(BookEntry(cid, name, f"{name}有限公司", contacts))
        else:
            core = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()
            name = f"{core} {rng.choice(_EN_SUFFIX)}"
            contacts = (f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",)
            entries.append(BookEntry(cid, core, name, contacts))
    return entries
