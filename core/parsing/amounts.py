"""Money written in a message: ¥50,000 · 5万 · 3.5万元 · 50k · 1.2m · $2,000 · €300 · 五十万 ·
50万美元 · 1.5亿. Exact (Decimal), never float.

A number is money when it carries a currency (symbol or word) or a multiplier (万, 亿, k, m …),
or when it is written with thousands separators, or when it stands bare in a clause that talks
about money (签约, 报价, deal, budget …). It is not money when a unit follows (200 units, 3台,
5万人), when it looks like a phone number or an id (#12345, 订单号, 7+ bare digits), or when an
earlier reader already took it (dates, times, ratings, customer names are masked before this
runs). The first amount in the message wins, a strong one (currency or multiplier) over a bare one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .text import is_cjk, to_int

_PREFIX_CURRENCY = {
    "us$": "USD",
    "usd": "USD",
    "hk$": "HKD",
    "hkd": "HKD",
    "s$": "SGD",
    "a$": "AUD",
    "c$": "CAD",
    "rmb": "CNY",
    "cny": "CNY",
    "eur": "EUR",
    "gbp": "GBP",
    "jpy": "JPY",
    "¥": "CNY",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
}
_SUFFIX_CURRENCY = {
    "元人民币": "CNY",
    "元": "CNY",
    "块钱": "CNY",
    "块": "CNY",
    "人民币": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "美元": "USD",
    "美金": "USD",
    "刀": "USD",
    "usd": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "欧元": "EUR",
    "eur": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "英镑": "GBP",
    "gbp": "GBP",
    "pounds": "GBP",
    "港币": "HKD",
    "港元": "HKD",
    "hkd": "HKD",
    "日元": "JPY",
    "jpy": "JPY",
    "yen": "JPY",
}
_MULTIPLIER = {
    "千万": 10**7,
    "百万": 10**6,
    "十万": 10**5,
    "万": 10**4,
    "亿": 10**8,
    "千": 10**3,
    "k": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "mm": 10**6,
    "bn": 10**9,
    "w": 10**4,
    "million": 10**6,
    "mil": 10**6,
    "billion": 10**9,
    "thousand": 10**3,
    "grand": 10**3,
}


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_APPROX_BEFORE = r"(?:est\.|estimated|大约|(?<![签节预合契制公条邀相])约|大概|差不多|将近|接近|估计|预计|大致|about|around|approx\.?|approximately|roughly|~|≈|circa|nearly|almost)"
_AMOUNT = re.compile(
    rf"(?P<pre>{_APPROX_BEFORE})?\s*"
    rf"(?P<cur1>{_alternation(_PREFIX_CURRENCY)})?\s*"
    r"(?<![a-z0-9_#])(?<!\d[.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿点]*)"
    rf"(?:\s*(?P<mult>{_alternation(_MULTIPLIER)})(?:(?<=[万亿千百])|(?![a-z])))?"  # 25万rmb; not 5 mins
    rf"\s*(?P<cur2>{_alternation(_SUFFIX_CURRENCY)}(?![a-z]))?"
    r"(?P<post>\s*(?:左右|上下|多|出头|\+|\?|ish\b))?"
)
_UNIT_AFTER = re.compile(
    r"\s*(?:units?|pcs|pieces|people|persons|users|seats|licen[cs]es?|boxes|sets|items|hours?|hrs?"
    r"|mins?|minutes?|days?|weeks?|months?|years?|%|percent|times|stores?|sites?|employees|staff"
    r"|台|个|件|套|人|位|次|天|日|周|月|年|小时|分钟|箱|吨|公斤|斤|kg|号|楼|层|岁|家|条|份|张|瓶|包(?!装|括|含)|盒"
    r"|批|辆|部|本|(?<=[\d万千百十亿])款(?!项)|点|分|星|km|平米|平方|㎡|米|周年|倍|折|成|/|:)"
)
_ID_BEFORE = re.compile(r"(?:#|no\.?|编号|单号|订单号|电话|手机|tel|phone|ext|room|v|version|q|fy|第|尾号|工号)\s*$")
_MONEY_CUE = re.compile(
    r"退款|退了|退费|金额|价格|报价|预算|合同额|合同金额|货款|回款|付款|首付|尾款|总价|单价|签约|签单|成交|订单|采购|续费|续约|打款|收款|到账|"
    r"\b(?:deal|signed|order|ordered|worth|value|budget|price|priced|quote|quoted|paid|payment|"
    r"invoice|amount|renewal|renewed|contract|purchase|po|total|closed|won|refund|refunded|wired)\b"
)
_VAGUE = re.compile(r"几[十百千万]|[十百千万]把")


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    currency: str | None  # None: the organisation's currency
    approximate: bool
    start: int
    end: int


def _value(number: str, multiplier: str | None) -> Decimal | None:
    if number[0].isdigit():
        try:
            return _scaled(Decimal(number.replace(",", "")), multiplier)
        except InvalidOperation:
            return None
    tail = _WAN_TAIL.fullmatch(number)
    if tail:  # 十一万五: 十一万 and five thousand (the way it is said)
        head, thousands = to_int(tail.group(1)), to_int(tail.group(2))
        return None if head is None or thousands is None else _scaled(Decimal(head + thousands * 1000), multiplier)
    if "点" not in number:
        whole = to_int(number)
        return None if whole is None else _scaled(Decimal(whole), multiplier)
    whole_text, _, fraction = number.partition("点")  # 一点五万 → 1.5 × 万 (cn2an reads no decimals)
    unit = fraction.lstrip("零〇一二两三四五六七八九")
    decimals = "".join(str(to_int(c)) for c in fraction[: len(fraction) - len(unit)])
    whole = to_int(whole_text)
    if whole is None or not decimals or (unit and unit not in _MULTIPLIER):
        return None
    value = Decimal(f"{whole}.{decimals}") * (_MULTIPLIER[unit] if unit else 1)
    return _scaled(value, multiplier)


# Spoken money drops the last unit: 3万5 and 十一万五 are 35,000 and 115,000 (cn2an reads neither).
_WAN_TAIL = re.compile(r"(.+万)([一二两三四五六七八九])")
_DIGIT_AFTER_WAN = re.compile(r"([1-9])(?:千)?(?![\d.,%]|\s*(?:百|k|w|个|人|台|件|套|年|月|天|号|点))")


def _scaled(value: Decimal, multiplier: str | None) -> Decimal:
    if multiplier:
        value *= _MULTIPLIER[multiplier]
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def find_amount(low: str, clauses: list[tuple[int, int]]) -> Amount | None:
    """The amount of a lower-cased, normalised, masked message, or None."""
    strong: Amount | None = None
    bare: Amount | None = None
    for m in _AMOUNT.finditer(low):
        number, multiplier = m.group("num"), m.group("mult")
        cur1, cur2 = m.group("cur1"), m.group("cur2")
        is_zh_numeral = not number[0].isdigit()
        if is_zh_numeral and not (multiplier or cur2 or number[-1] in "万亿千百" or _WAN_TAIL.fullmatch(number)):
            continue
        if _VAGUE.search(low, max(0, m.start("num") - 1), m.end("num") + 1):
            continue
        has_unit_after = _UNIT_AFTER.match(low, m.end("mult") if multiplier else m.end("num"))
        if (
            has_unit_after
            and multiplier
            and has_unit_after.group()[:1].isspace()
            and is_cjk(has_unit_after.group().strip()[:1] or "a")
        ):
            has_unit_after = None  # 96万 年付: "a year", not 960,000 years
        currency = _PREFIX_CURRENCY.get(cur1 or "") or _SUFFIX_CURRENCY.get(cur2 or "")
        if has_unit_after and not (cur1 or cur2):
            continue
        if _ID_BEFORE.search(low[max(0, m.start("num") - 8) : m.start("num")]) and not currency:
            continue
        digits = number.replace(",", "").replace(".", "")
        if number[0].isdigit() and not (cur1 or cur2 or multiplier):
            if (
                (len(digits) >= 7 and "," not in number)
                or number.startswith("0")
                or low[m.start("num") - 1 : m.start("num")] in ("-", "/")
            ):
                continue  # phone numbers, ids (2026-0042)
            if re.fullmatch(r"(?:19|20)\d\d", number):
                continue  # a year
        value = _value(number, multiplier)
        if value is None or value <= 0:
            continue
        end = m.end()
        if multiplier == "万" and not cur2 and (tail := _DIGIT_AFTER_WAN.match(low, m.end("mult"))):
            value, end = value + int(tail.group(1)) * 1000, max(end, tail.end())  # 3万5 = 35,000
        approximate = bool(m.group("pre") or m.group("post")) or _near_approx(low, m.start("num"))
        amount = Amount(value, currency, approximate, m.start("num"), end)
        if cur1 or cur2 or multiplier or is_zh_numeral:
            strong = strong or amount
            break
        if bare is None and ("," in number or (len(digits) >= 3 and _money_clause(low, clauses, m.start("num")))):
            bare = amount
    return strong or bare


def _money_clause(low: str, clauses: list[tuple[int, int]], position: int) -> bool:
    for start, end in clauses:
        if start <= position < end:
            return _MONEY_CUE.search(low, start, end) is not None
    return False


_APPROX_NEAR = re.compile(rf"{_APPROX_BEFORE}\S{{0,4}}$")


def _near_approx(low: str, position: int) -> bool:
    """大概签了5万: the hedge sits a few characters before the number."""
    return _APPROX_NEAR.search(low[max(0, position - 8) : position].rstrip()) is not None
