"""Cue words: kind of interaction, feedback, satisfaction, follow-up intent, unknown names.

Every table reads lower-cased, normalised text in which customer names, dates and amounts have
already been blanked out, so a customer called 电话邦 does not make a message a call.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from .text import is_cjk, to_int
from .words import COMMON_WORDS, ZH_COMPANY_SUFFIXES


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# -- kind ------------------------------------------------------------------------------------
# A deal beats everything (its channel is the visit/call/... it was closed in); a greeting next;
# otherwise the first channel word in the message wins ("Called Acme, then emailed the quote"
# is a call).
_DEAL = _any(r"签约|签了|签下|签单|签合同|签署|成交|下单|下了单|新订单|订购|续约|续签|续费|中标|拿下|回款|到账|"
             r"打款|付了?款|收到.{0,4}款|已收.{0,2}款|采购了|购买了|"
             r"(?:订金|定金|货款|尾款|首付|预付款|服务费|合同款|款项).{0,4}(?:已收|已付|付清|到账|收到)",
             r"\b(?:signed|closed|deal closed|deal done|won|placed an? order|placed the order|"
             r"new order|ordered|purchased|bought|renewed|paid|payment received|got the po|po received|"
             r"booked an order|order confirmed|confirmed the order|purchase order|(?:a|the|their) po)\b")
_NOT_YET = _any(r"(?:准备|打算|计划|将要|将|要|想|有望|预计|争取|还没|没有|没|未|尚未|即将|可能|希望|等|待|提醒|催|讨论|谈|聊|商量|沟通|关于|问)\s*.{0,2}$",
                r"被.{0,6}$",
                r"\b(?:will|to|not|n't|about to|ready to|plans? to|planning to|going to|might|may|hope to|"
                r"expects? to|close to|yet to|didn't|haven't|hasn't|no|hopefully|wants? to|almost)\s+(?:\w+\s+)?$")
_GREETING = _any(r"祝福|问候|拜年|贺卡|贺岁|慰问|节日快乐|生日快乐|新年快乐|春节快乐|中秋快乐|圣诞快乐|元旦快乐|"
                 r"国庆快乐|端午安康|送了?.{0,4}(?:礼盒|月饼|礼品|礼物|粽子)",
                 r"\b(?:greetings|greeted|greeting|merry christmas|season's greetings|happy new year|"
                 r"happy birthday|happy holidays|birthday (?:wishes|card|message)|holiday (?:card|wishes)|"
                 r"new year wishes|congratulated|congrats|wished (?:them|him|her)|(?:christmas|xmas|holiday|greeting|new year|"
                 r"thank[- ]you|festive) cards?)\b")
CHANNELS = {
    "visit": _any(r"拜访|上门|走访|到访|来访|登门|实地|参观|去了|去过|跑了一趟",
                  r"\b(?:visit|visited|visiting|on-?site|site visit|dropped by|stopped by|popped in|"
                  r"went to (?:their|the|see)|went over to)\b"),
    "meeting": _any(r"会议|开会|开了会|视频会|电话会|线上会|会面|见面|面谈|面聊|饭局|吃饭|吃了?.{0,3}饭|吃了顿|午饭|午餐|晚饭|晚餐|早餐|早茶|宴请|"
                    r"请客|喝茶|喝咖啡|喝酒|聚餐|宵夜|约见|碰面|洽谈|座谈|交流会|研讨会|路演|展会|演示|见了|见到|"
                    r"开了?(?:[个一二两三四五六七八九几\d]+次?)?会",
                    r"\b(?:meeting|met|meet|lunch|dinner|breakfast|coffee|drinks|conference|demo|"
                    r"presentation|workshop|sat down|catch-?up|caught up|sync|synced)\b"),
    "call": _any(r"电话|致电|通话|来电|回电|打给|语音",
                 r"\b(?:call|called|calling|calls|phoned|phone|rang|ring|voicemail|voice mail|spoke|zoom call|"
                 r"teams call)\b"),
    "email": _any(r"邮件|邮箱|发邮|电邮",
                  r"\b(?:email|emailed|emails|emailing|e-mail|e-mailed|mail|mailed)\b"),
    "message": _any(r"微信|短信|消息|留言|私信|钉钉|飞书|发信息|发了信息|企微",
                    r"\b(?:wechat|wechatted|wx|sms|text|texted|texting|message|messaged|messaging|"
                    r"whatsapp|whatsapped|telegram|tg|dm|dmed|dm'd|slacked|qq)\b"),
}


def detect_kind(low: str) -> tuple[str, str | None]:
    """(kind, channel): channel is set for a deal or greeting made through a visit, call …"""
    first_channel = _first_channel(low)
    if _deal_said(low):
        return "deal", first_channel
    if _GREETING.search(low):
        return "greeting", first_channel
    return (first_channel, None) if first_channel else ("note", None)


_FACE_TO_FACE = frozenset(("visit", "meeting"))


def answered_by(follow_up_text: str, kind: str, channel: str | None) -> bool:
    """Does an interaction of `kind` (made through `channel`) do what a follow-up asks? Only a
    follow-up that names a channel can tell: "回电" / "call back" is answered by a call (or a deal
    closed in a call), "拜访" / "visit them" by a visit or a meeting; "send the quote" by none."""
    wanted = _first_channel(follow_up_text.lower())
    if wanted is None:
        return False
    done = {kind, channel}
    return bool(done & _FACE_TO_FACE) if wanted in _FACE_TO_FACE else wanted in done


def _first_channel(low: str) -> str | None:
    best: tuple[int, str] | None = None
    for kind, pattern in CHANNELS.items():
        m = pattern.search(low)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind)
    return best[1] if best else None


def _deal_said(low: str) -> bool:
    for m in _DEAL.finditer(low):
        before = low[max(0, m.start() - 24):m.start()]
        if not _NOT_YET.search(before):
            return True
    return False


# -- feedback --------------------------------------------------------------------------------
# One feedback per message; when several are said, the one that needs action first wins:
# complaint > suggestion > question > praise. "very positive" alone is a mood, not praise.
_NO_COMPLAINT = re.compile(r"没有?(?:任何|什么)?(?:投诉|抱怨|不满|意见|异议)|无(?:投诉|意见|异议)|\bno complaints?\b|\bdidn't complain\b|"
                           r"\bnot complain(?:ing|ed)?\b|\bwithout complaint")
FEEDBACK = [
    ("complaint", _any(r"投诉|不满意|不满|抱怨|吐槽|埋怨|差评|生气|发火|不高兴|有意见|意见很大|不爽|失望|不太满意|很差|有异议",
                       r"\b(?:complain|complained|complains|complaint|complaints|complaining|unhappy|"
                       r"dissatisfied|not happy|not satisfied|not pleased|angry|upset|frustrated|annoyed|"
                       r"disappointed|escalated|pissed)\b")),
    ("suggestion", _any(r"建议|提议|希望我们|提了.{0,6}(?:需求|意见)",
                        r"\b(?:suggest|suggested|suggests|suggestion|suggestions|feature request|"
                        r"would like us to|wants us to|asked us to (?:add|improve|change|support))\b")),
    ("question", _any(r"咨询|询问|询价|问价|打听|想了解|想知道|有疑问|疑问|提问|(?<![提疑追责访])问(?![题候责卷])",
                      r"\b(?:ask(?:ed|ing|s)? (?:about|if|whether|how|when|what|why|where|which)|"
                      r"had (?:a |some |a few )?questions?|questions? (?:about|on|regarding)|enquired|"
                      r"enquiry|inquired|inquiry|wanted to know|wants to know|wondering)\b")),
    ("praise", _any(r"表扬|夸(?!张)|称赞|赞扬|赞赏|点赞|好评|感谢|感激|(?:很|非常|挺|十分|特别|相当)满意|(?:很|非常|十分|高度)认可",
                    r"\b(?:praised|praise|praising|very happy with|really happy with|so happy with|thanked|"
                    r"grateful|complimented|compliments|loved|loves (?:our|the)|very satisfied|"
                    r"extremely satisfied|great feedback|positive feedback)\b")),
]


@dataclass(frozen=True, slots=True)
class FeedbackCue:
    kind: str
    start: int
    end: int


def detect_feedback(low: str) -> FeedbackCue | None:
    cleaned = _NO_COMPLAINT.sub(lambda m: " " * len(m.group()), low)
    for kind, pattern in FEEDBACK:
        m = pattern.search(cleaned)
        if m:
            return FeedbackCue(kind, m.start(), m.end())
    return None


# -- satisfaction ----------------------------------------------------------------------------
_SCORE = r"(\d+(?:\.\d+)?|[一二三四五六七八九十])"
SATISFACTION = _any(
    rf"(?:满意度|满意分|满意评分|评分|打分|评价分?)\s*(?:[:是为]|打了|给了|评了)?\s*{_SCORE}\s*(?:分|星)?(?:\s*/\s*(\d+))?",
    rf"(?:打了|给了|评了)\s*{_SCORE}\s*(?:分|星)",
    rf"\b(?:satisfaction|csat|sat score|rating|rated|score|scored)\s*(?:score|rating)?\s*(?:of|is|was|=|:|at)?\s*"
    rf"{_SCORE}(?:\s*/\s*(\d+)|\s*out of\s*(\d+))?",
    r"(?<![\d.])(\d)\s*(?:/\s*5|out of 5)\b",
    r"(?<![\d.])(\d)\s*(?:stars?\b|星(?!级))",
)


@dataclass(frozen=True, slots=True)
class Satisfaction:
    value: int | None      # None when written but not 1–5
    start: int
    end: int


def detect_satisfaction(low: str) -> Satisfaction | None:
    m = SATISFACTION.search(low)
    if not m:
        return None
    groups = [g for g in m.groups() if g is not None]
    score_text, scale = groups[0], (groups[1] if len(groups) > 1 else None)
    value = to_int(score_text) if "." not in score_text else None
    ok = value is not None and 1 <= value <= 5 and scale in (None, "5")
    return Satisfaction(value if ok else None, m.start(), m.end())


# -- follow-up intent ------------------------------------------------------------------------
FOLLOW_UP_CUE = _any(
    r"回访|跟进|跟踪|提醒|再联系|再跟|再约|再打|再去|再聊|再发|再问|再确认|复查|待办|截止|之前|到期|下次|需要|要(?!了)|"
    r"得|准备|打算|计划|(?<![签合预节])约了|约好|安排|改到|改期|推迟|延期|延到",
    r"\b(?:follow(?:ing)?[ -]?up|followup|f/u|remind|reminder|check (?:back|in)|call (?:\w+ )?back|"
    r"circle back|touch base|ping|chase|by|due|deadline|needs? to|will|should|plan(?:ning)? to|"
    r"going to|gonna|to do|todo|next step|schedul\w*|reschedul\w*|postpon\w*|moved to|pushed to|set up|"
    r"send|before|until|till)\b",
    # An order to oneself at the start of a clause: "…, call them Monday".
    r"(?:^|(?<=[,.;:!?]))\s*(?:call|email|send|ping|visit|meet|text|message|chase|try|remind)\b")
# Said in the past: a channel word next to a follow-up date counts only with one of these
# ("Called Acme, follow up Friday" is a call; "Globex call tomorrow 10:00" is a plan, a note).
_PAST_MARKER = re.compile(r"了|过|完|刚|已|\b(?:had|was|were|met|spoke|sent|went|saw|got|gave|took|made|rang|"
                          r"did|left|came|paid|signed|told|said|bought|today|\w+ed)\b")
_NOT_PAST = frozenset("scheduled rescheduled planned booked arranged interested postponed supposed "
                      "needed expected moved pushed proposed".split())


def said_in_past(low: str, start: int, end: int) -> bool:
    return any(m.group() not in _NOT_PAST for m in _PAST_MARKER.finditer(low, start, end))


# Cues whose own words make a sensible default follow-up text (回访 华为, Follow up Acme).
ACTION_CUE = _any(r"回访|跟进|再联系|复查", r"\b(?:follow[ -]?up|check in|call back|circle back|touch base)\b")
_CUE_NOISE = re.compile(r"提醒我|提醒|回访|跟进|待办|截止|到期|"
                        r"\b(?:remind me(?: to)?|reminder(?: to)?|follow(?:ing)?[ -]?up(?: with| on)?|"
                        r"followup|f/u|by|due|until|till|on|at|in|next|this|coming)\b", re.IGNORECASE)
_LEADING = re.compile(r"^(?:[\s,.:;!?\-()]|to\b|and\b|then\b|with\b|about\b|re\b|之前|以前|前|再|要|需要|并|然后|和|再次)+",
                      re.IGNORECASE)


def follow_up_text(span_text: str) -> str:
    """What is left of the follow-up clause once dates and cue words are gone ("send the quote")."""
    kept = " ".join(_CUE_NOISE.sub(" ", span_text).split())
    return _LEADING.sub("", kept).strip(" ,.;:!?，。()（）")


# -- names not in the book -------------------------------------------------------------------
_ZH_STOP = frozenset("了 给 和 与 跟 同 在 去 到 见 拜访 联系 电话 微信 新 客户 新客户 潜在 潜在客户 一家 家 的 是 个 一个 位 "
                     "那 这 今天 昨天 前天 刚 刚刚 已 已经 也 又 还 就 我 我们 他 他们 她 对 向 为 从 被 把 "
                     "今日 上午 下午 晚上 发 发了 打 打了 约 约了 谈 谈了 聊 聊了 接触 认识 介绍 签约 签了 成交 叫 名 "
                     "合作 对接 意向 有 想 要 说 看 跑 见了 邮件 短信 回访 拜访了 联系了 一下 公司的".split())
_EN_NAME = re.compile(
    r"\b([A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+){0,3})\s+(?:Inc|Ltd|LLC|Corp|Co|GmbH|Group|Holdings|Limited)\b"
    r"|\b(?:from|at|with|to|called|call|met|visited|emailed|messaged|texted|for|new (?:client|customer|lead|prospect)[,:]?)\s+"
    r"([A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+){0,2})")


@lru_cache(maxsize=1)
def jieba_tokenizer():
    """One quiet jieba tokenizer per process (its dictionary takes ~0.8 s to load)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def unknown_name(norm: str) -> str | None:
    """A name-like span for a customer not in the book: 拜访了新客户云帆科技 → 云帆科技."""
    if any(is_cjk(c) for c in norm):
        found = _zh_name(norm)
        if found:
            return found
    for m in _EN_NAME.finditer(norm):
        name = (m.group(1) or m.group(2) or "").strip()
        words = [w for w in name.split() if w.lower() not in COMMON_WORDS]
        if words and len(words) == len(name.split()):
            return name
    return None


def _zh_name(norm: str) -> str | None:
    tokens = list(jieba_tokenizer().cut(norm))
    suffixes = set(ZH_COMPANY_SUFFIXES)
    for i, token in enumerate(tokens):
        ends_like_company = token in suffixes or any(token.endswith(s) and len(token) > len(s) for s in suffixes)
        if not ends_like_company or not all(is_cjk(c) for c in token):
            continue
        parts = [token]
        j = i - 1
        while j >= 0 and len("".join(parts)) < 12 and tokens[j] not in _ZH_STOP \
                and all(is_cjk(c) for c in tokens[j]):
            parts.insert(0, tokens[j])
            j -= 1
        # Keep a following suffix too (云帆科技有限公司 may be cut as 云帆 / 科技 / 有限公司).
        k = i + 1
        while k < len(tokens) and tokens[k] in suffixes:
            parts.append(tokens[k])
            k += 1
        name = "".join(parts)
        if len(name) > len(token) or len(token) > 2 and token not in suffixes:
            return name
    marker = re.search(r"(?:新客户|潜在客户|潜客|新的客户|客户)[:\s]*([\u4e00-\u9fff]{2,6})", norm)
    if marker:
        words = list(jieba_tokenizer().cut(marker.group(1)))
        kept = []
        for word in words:
            if word in _ZH_STOP:
                break
            kept.append(word)
        name = "".join(kept)
        return name if len(name) >= 2 else None
    return None
