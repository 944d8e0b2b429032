"""The follow-up's task text: what the rep will read on the reminder, days later, out of context.

It must say what to do and with whom — never the first clause of the message, never a bare
customer name:

    百度 电话 没人接 周五再打                  → 给百度打电话
    mtg w/ acme today, went well. f/u next friday → Follow up with Acme
    sent Globex the contract, chase them in 2 weeks → Chase Globex on the contract
    提醒我月底给阿里发报价                      → 给阿里发报价

What the follow-up clause itself says (after dates and cue words are gone) is kept when it has
substance beyond the action word; the customer is named in it (a pronoun — them, 他们 — is
replaced, else the name is added). Otherwise the task is composed from the action the clause
asks for (call, visit, chase, send, meet, email, message, follow up) and, for a chase or a
follow-up, the thing sent earlier in the message (the contract, 报价). The phrasing is in the
language of the follow-up clause. These phrases are the parser's own output language, like its
cue tables; they are stored as the follow-up's text and shown as written.
"""

from __future__ import annotations

import re

from .words import COMING_TO_US_ZH

_ACTIONS = [  # first match in the follow-up clause wins
    (
        "call",
        re.compile(
            r"再打|打电话|打个电话|回电|致电|电话|再试|再call|\b(?:call(?:\s+\w+)?\s+back|call|ring|phone|"
            r"try (?:\w+ )?again)\b",
            re.ASCII,
        ),
    ),
    ("chase", re.compile(r"催|\b(?:chase|nudge|push)\b", re.ASCII)),
    # the customer coming to us: 周五来看样品, 下周三过来, "meeting at our office"
    (
        "host",
        re.compile(rf"{COMING_TO_US_ZH}|\b(?:at our office|come (?:in|by|over)|visit us|tour (?:our|the))\b", re.ASCII),
    ),
    ("revisit", re.compile(r"回访", re.ASCII)),
    ("visit", re.compile(r"拜访|上门|再去|\b(?:visit|drop by|stop by|swing by|pop by|drop in)\b", re.ASCII)),
    ("send", re.compile(r"发送|寄|发(?!现|展|生)|送|\b(?:send|deliver|share|submit|ship)\b", re.ASCII)),
    ("email", re.compile(r"邮件|\b(?:e-?mail)\b", re.ASCII)),
    ("message", re.compile(r"微信|短信|\b(?:text|wechat|message|whatsapp)\b", re.ASCII)),
    (
        "meet",
        re.compile(
            r"见面|再约|约|开会|吃饭|\b(?:meet|meeting|mtg|lunch|dinner|coffee|kickoff|kick-off|sync|offsite|zoom)\b",
            re.ASCII,
        ),
    ),
    ("sign", re.compile(r"签约|签合同|签字|签(?![到名收])|\b(?:sign|signing)\b", re.ASCII)),
    (
        "follow_up",
        re.compile(
            r"跟进|跟踪|再联系|联系|复查|\b(?:follow(?:ing)?[ -]?up|followup|f/u|check (?:in|back)|"
            r"touch base|circle back|ping|reach out)\b",
            re.ASCII,
        ),
    ),
]
_MEET = dict(_ACTIONS)["meet"]
_MOVED = re.compile(
    r"\b(?:pushed|moved|rescheduled|postponed|push|bumped)\b|改到|改期|推迟|推到|挪到|延期|延到", re.ASCII
)
# What was moved (会议推到12月7号, "moved it to Thu" after "the 8am call"): the task is that event.
_EVENT = [
    ("call", re.compile(r"电话会|电话|\b(?:call|phone)\b", re.ASCII)),
    ("visit", re.compile(r"拜访|\bvisit\b", re.ASCII)),
    (
        "meet",
        re.compile(r"会议|开会|(?<=的)会|\b(?:meeting|mtg|sync|kickoff|kick-off|demo|review|lunch|dinner)\b", re.ASCII),
    ),
]
_EVENT_EN = re.compile(r"\b(kickoff|kick-off|demo|review|sync|lunch|dinner|workshop|training|roundtable)\b", re.ASCII)
_PHRASES = {  # (zh, en)
    "call": ("给{c}打电话", "Call {c}"),
    "chase": ("催一下{c}", "Chase {c}"),
    "host": ("接待{c}来访", "Host {c} at our office"),
    "revisit": ("回访{c}", "Visit {c}"),
    "visit": ("拜访{c}", "Visit {c}"),  # 明天去拜访蒙牛: a visit, not a follow-up call
    "send": ("给{c}发资料", "Send {c} the materials"),
    "email": ("给{c}发邮件", "Email {c}"),
    "message": ("给{c}发消息", "Message {c}"),
    "meet": ("约{c}见面", "Meet {c}"),
    "sign": ("和{c}签约", "Sign with {c}"),
    "follow_up": ("跟进{c}", "Follow up with {c}"),
}
# What the task is about when the rep says so: 关于 pilot 的结果, "about the renewal".
_TOPIC = re.compile(
    r"(?:关于|有关|\babout\b|\bregarding\b|\bre:)\s*([^，,。;；:：\x00]{2,24}?)\s*(?=[，,。;；]|$)", re.ASCII
)
# An appointment arranged in another clause of the message (这周五下午有空 约了去虹桥拜访).
_ARRANGED = re.compile(
    r"约(?:了|好了?)\s*(?:去|来)?[^，,。；;\s]{0,6}?(拜访|见面|吃饭|开会)|"
    r"\b(?:set up|arranged|booked|scheduled) (?:a |an |the )?(visit|meeting|lunch|dinner|call)\b",
    re.ASCII,
)
_ARRANGED_ACTION = {"拜访": "visit", "visit": "visit", "call": "call"}


def _arranged(masked: str) -> str | None:
    m = _ARRANGED.search(masked)
    return _ARRANGED_ACTION.get(m.group(1) or m.group(2), "meet") if m else None


_ABOUT = ("（{o}）", " on {o}")
_PRONOUN_EN = re.compile(r"\b(?:them|em|him|her|they|it|the client|the customer)\b", re.IGNORECASE | re.ASCII)
_PRONOUN_ZH = re.compile(r"他们|她们|他|她|对方|客户", re.ASCII)
_VERB_FIRST_EN = re.compile(
    r"^(send|email|call|text|ping|chase|visit|meet|remind|ask|tell|update|invite|pay|show|ship)\b",
    re.IGNORECASE | re.ASCII,
)
_VERB_FIRST_ZH = re.compile(
    r"^(?:发|打|送|寄|回|报|交|约|问|催|提交|确认|安排|整理|准备|改|写|更新|订|预订|做)", re.ASCII
)
# The business thing the message is about: "sent Globex the contract", "给阿里发了报价".
_THING_EN = re.compile(
    r"\b(contract|quote|quotation|proposal|invoice|po|purchase order|samples?|pricing|price list|"
    r"renewal|sow|nda|msa|agreement|redlines?|deck|demo|trial|rfp|rfq|tender|bid|order|"
    r"payment|deposit|specs?|catalog(?:ue)?|brochure|estimate|budget|case stud(?:y|ies)|report|"
    r"(?:security )?white ?paper|price list|pricing sheet|roadmap|sla|timeline)s?\b",
    re.ASCII,
)
_WANTED_EN = re.compile(
    r"\b(?:wants?|needs?|asked for|requested)\s+(?:the |a |an |our |some )?(?:[\w-]+ ){0,2}?"
    r"(quote|proposal|contract|samples?|pricing|price list|report|deck|sow|nda|msa|invoice|estimate|specs?|docs?)s?\b",
    re.ASCII,
)
_THING_ZH = re.compile(
    r"(框架协议|合同|报价单|报价|方案|样品|资料|标书|发票|账单|对账单|协议|清单|价格表|目录|"
    r"续约|续费|订单|回款|尾款|预付款|付款|试用|演示|招标|投标|预算|案例|报告)",
    re.ASCII,
)
_FILLER = re.compile(
    r"^约(?:了|好了?)(?=\s)|一下|一趟|(?<=去)一次|在(?=\s|$)|(?<=\s)前(?![面期台天])|^前|之前|以前|"
    r"\b(?:(?:is )?(?:set|booked|scheduled) for|rescheduled to|to (?:both|them all|all of them)|"
    r"swing(?: by| over)?(?: again)?|pop(?: by| in)?(?: again)?)\b",
    re.IGNORECASE | re.ASCII,
)
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def task_text(
    said: str, clause: str, masked: str, customer: str, zh: bool, attempt: bool = False, around: str = ""
) -> str:
    """`said`: the follow-up clause without dates and cue words; `clause`: that clause (lowered,
    masked); `masked`: the whole lowered message with customer names as \\x00; `customer`: the
    display name, or "" when no customer is known; `zh`: the message is written in Chinese;
    `around`: the whole sentence part the follow-up is in ("intro call set for Thu")."""
    action = (
        next((name for name, pattern in _ACTIONS if pattern.search(clause)), None)
        or next((name for name, pattern in _ACTIONS if name != "follow_up" and pattern.search(around)), None)
        or _arranged(masked)
    )
    if action in (None, "follow_up") and _MOVED.search(masked) and _MEET.search(masked):
        action = "meet"  # "pushed our sync to next wed": the task is the meeting, on its new day
    if _MOVED.search(clause) and customer:  # 会议推到12月7号, 改到下周四: the event that was moved
        event = next((name for name, pattern in _EVENT if pattern.search(masked)), None)
        named = _EVENT_EN.search(masked) if event == "meet" and not zh else None
        if named:  # "push the kickoff to the 8th" → Kickoff with BnL
            return f"{named.group(1).capitalize()} with {customer}"
        if event:
            return _composed(event, customer, None, zh, "开会" if event == "meet" else masked)
    if action in (None, "follow_up") and attempt and dict(_ACTIONS)["call"].search(masked):
        action = "call"  # 拨了三个电话都在忙线 周四再联系: the task is the call, tried again
    said = _FILLER.sub(" ", said).strip()
    if action == "host" and customer:  # 周五来看样品: receive them; the rest is how they said it
        return _composed(action, customer, _thing(masked), zh, clause, masked)
    kept = _named(said, customer, zh)
    if kept and _substance(said, action, customer):
        if (
            action is None
            or _VERB_FIRST_ZH.match(said)
            or said.startswith("给")
            or _VERB_FIRST_EN.match(said)
            or not customer
        ):
            thing = _thing(masked)  # 改好再发 → 给海尔改好再发（方案）
            if thing and customer and thing.removeprefix("the ").lower() not in said.lower():
                return kept + _ABOUT[0 if zh else 1].format(o=thing)
            return kept
        rest = " ".join(said.replace(customer, " ").split()).strip(" ：:,，的")
        return _composed(action, customer, _thing(masked), zh, clause, masked) + (
            ("：" if zh else ": ") + rest if rest else ""
        )
    if not customer:
        return kept or ""
    return _composed(action, customer, _thing(masked), zh, clause, masked)


_MEAL_EN = re.compile(r"\b(lunch|dinner|breakfast|coffee|drinks)\b", re.ASCII)


def _composed(
    action: str | None, customer: str, thing: str | None, zh: bool, clause: str = "", masked: str = ""
) -> str:
    """The task from its action, the customer and the thing the message is about."""
    meal = _MEAL_EN.search(clause) or _MEAL_EN.search(masked) if action == "meet" and not zh else None
    if meal:  # "dinner with Hank tonight" → Dinner with Globex
        return f"{meal.group(1).capitalize()} with {customer}"
    if zh and thing:
        thing = thing.removeprefix("the ")  # 给X发RFP, not 发the RFP
    if action == "send" and thing:
        return ("给{c}发{o}" if zh else "Send {c} {o}").format(c=customer, o=thing)
    phrase = _PHRASES[action or "follow_up"][0 if zh else 1].format(c=customer)
    if zh and action == "meet" and "饭" in clause:
        phrase = f"约{customer}吃饭"
    elif zh and action == "meet" and "开会" in clause:
        phrase = f"和{customer}开会"
    if thing and action in (None, "follow_up", "chase", "call", "host"):
        phrase += _ABOUT[0 if zh else 1].format(o=thing)
    return phrase


def _substance(said: str, action: str | None, customer: str) -> bool:
    """Words beyond the customer, pronouns and the bare action word (打, call, f/u)."""
    rest = said.replace(customer, " ") if customer else said
    rest = _PRONOUN_ZH.sub(" ", _PRONOUN_EN.sub(" ", rest))
    if action is not None:
        pattern = dict(_ACTIONS)[action]
        rest = pattern.sub(" ", rest, count=1)
        rest = dict(_ACTIONS)["follow_up"].sub(" ", rest)  # 打电话：联系 — a bare follow-up word adds nothing
    rest = re.sub(r"^(?:再|要|去|给|and|to|with|the)\b|[再要去给]", " ", rest.strip())
    return len(_LETTERS.findall(rest)) >= 2


def _named(said: str, customer: str, zh: bool) -> str:
    """The rep's own words with the customer in them."""
    said = said.strip(" ,.;:!?，。、")
    if not said or not customer or customer.lower() in said.lower():
        return said[:1].upper() + said[1:] if said and not zh else said
    pronoun = _PRONOUN_ZH if zh else _PRONOUN_EN
    if pronoun.search(said):
        out = pronoun.sub(customer, said, count=1)
    elif zh and said.startswith("给"):  # 给 陈工回电话 (the customer's name was taken out)
        out = f"给{customer}{said[1:].strip()}"
    elif zh:
        out = f"给{customer}{said}" if _VERB_FIRST_ZH.match(said) else f"{customer}：{said}"
    else:
        verb = _VERB_FIRST_EN.match(said)
        out = f"{said[: verb.end()]} {customer}{said[verb.end() :]}" if verb else f"{said} ({customer})"
    return out[:1].upper() + out[1:] if not zh else out


def _thing(masked: str) -> str | None:
    wanted = _WANTED_EN.search(masked)  # "she wants a revised quote by fri": what they asked for
    if wanted:
        return f"the {wanted.group(1).upper() if len(wanted.group(1)) <= 3 else wanted.group(1)}"
    topic = _TOPIC.search(masked)
    if topic and not topic.group(1).strip().startswith(("我", "我们", "us ", "it")):
        return topic.group(1).strip()
    m = _THING_ZH.search(masked)
    if m:
        return m.group(1)
    m = _THING_EN.search(masked)
    return f"the {m.group(1).upper() if len(m.group(1)) <= 3 else m.group(1)}" if m else None
