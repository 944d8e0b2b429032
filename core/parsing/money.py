"""Whose money an amount is: booked (a deal), expected (a budget, a quote, a forecast) or refunded.

Only booked money is revenue. The rule reads the amount's own clause first, then the message:

* a refund word (退款, 退了两万, refunded, chargeback) → refund;
* a deal said in the past (签约, 回款, 付款, signed, PO received — `signals.deal_said`) → booked;
* otherwise the money is expected: 预算, 报价, 下个月签 大约二十万, sign 1.2m by Jan 15,
  "looking at a ~$120k budget", and a bare project size ("聊了50万的项目") alike. An amount is
  never booked by default: a wrong "expected" costs the rep one tap, a wrong "booked" inflates
  a customer's tier.

The day expected money is to be signed by is the follow-up date of a clause that talks about
signing and asks for nothing else (签约/sign/close/下单 … and no 回访, follow up, remind …).
"""

from __future__ import annotations

import re

from .signals import deal_said
from .text import clause_of

BOOKED, EXPECTED, REFUND = "booked", "expected", "refund"

_REFUND = re.compile(
    r"退款|退了?.{0,8}(?:款|钱|费)|(?:同意|答应|已经?)退了?|退\s*[¥￥$]|退给|退还|退押金|押金退|退了\s*(?:\d|[一二两三四五六七八九十])|退钱|退费|退回|返还|返款|退货款|赔付|赔款|赔了|扣款|"
    r"\b(?:refund(?:ed|s|ing)?|reimburs\w*|credit(?:ed)? (?:note|back)|chargeback|charged back|"
    r"money back|paid (?:them|him|her) back|gave (?:them|him|her) back|sent (?:it |the money |the difference )?back)\b",
    re.ASCII,
)
_SIGNING = re.compile(
    r"签|成交|下单|落单|采购|付款|打款|回款|定下来|拍板|"
    r"\b(?:sign(?:s|ed|ing)?|close[sd]?|closing|order|po|purchase|buy|commit|award(?:ed)?)\b",
    re.ASCII,
)
_ASKED = re.compile(
    r"回访|跟进|跟踪|提醒|再联系|再打|再约|再问|催|复查|"
    r"\b(?:follow(?:ing)?[ -]?up|followup|f/u|remind|reminder|chase|check (?:back|in)|call|ping|"
    r"touch base|circle back|email|visit|meet)\b",
    re.ASCII,
)


def money_role(low: str, bounds: list[tuple[int, int]], start: int, *, deal: bool) -> str:
    """booked | expected | refund for the amount at `start` of the masked, lowered message;
    `deal` says whether the message as a whole said a deal was done."""
    begin, end = clause_of(bounds, start)
    clause = low[begin:end]
    if _REFUND.search(clause):
        return REFUND
    if deal_said(clause):
        return BOOKED
    if _REFUND.search(low):
        return REFUND
    return BOOKED if deal and not _SIGNING_AHEAD.search(clause) else EXPECTED


# "Acme signed! next one is a 50k budget": the amount's own clause speaks of the future.
_SIGNING_AHEAD = re.compile(
    r"预算|报价|预计|预估|估计|意向|计划|打算|准备|有望|争取|可能|商机|规模|项目|要签|会签|将签|待签|"
    r"\b(?:budget\w*|quote[sd]?|quoting|proposal|estimate[sd]?|forecast|pipeline|potential|"
    r"opportunity|looking at|could|might|may|would|will|expect\w*|likely|rfq|rfp|tender|bid)\b",
    re.ASCII,
)


def signing_only(low: str, span: tuple[int, int]) -> bool:
    """The follow-up clause names a signing day and asks for no action (sign by Jan 15)."""
    piece = low[span[0] : span[1]]
    return _SIGNING.search(piece) is not None and _ASKED.search(piece) is None
