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
from .words import (
    COMING_TO_US_ZH,
    COMMON_WORDS,
    LATIN_COMPANY_SUFFIXES,
    LATIN_COMPANY_WORDS,
    TRADE_ACRONYMS,
    ZH_COMPANY_SUFFIXES,
    ZH_PLACES,
)
from .words import SURNAMES as _SURNAMES


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile(
        "|".join(f"(?:{p})" for p in patterns), re.ASCII
    )  # ASCII \b: a Latin word glued to Chinese (发email) keeps its word boundary


# -- kind ------------------------------------------------------------------------------------
# A deal beats everything (its channel is the visit/call/... it was closed in); a greeting next;
# otherwise the first channel word in the message wins ("Called Acme, then emailed the quote"
# is a call).
_DEAL = _any(
    r"签约|签了(?!字)|签下|签单|签合同|签署|(?:今天|已经?|刚)?签字了|签了字|成交|下单|下了单|新订单|订购|续约|续签|续费|中标|拿下|回款|到账|"
    r"打款|付了?款|谈妥|盖章了|盖了章|合同盖章|盖的章|(?:单|合同|项目)(?:终于)?落地了|订单确认|确认了订单|下了.{0,4}订单|(?:发来|收到了?)\s*po\b|\bpo\s*(?:到了|已到|来了|下来了|批了|下了|已下|收到|追加)|\bpo\b[^，,。；;]{0,16}到了|拍板了|(?:过来|发了个?|发来了?)\s*po\b|\bpo\s*过来|盖好章|定了.{0,4}签|签\s*\d|收到.{0,4}款|已收.{0,2}款|采购了|购买了|确认采购|确认订单|款.{0,6}(?:到了|到账|收到了)|款.{0,10}?(?:打过来|打来|转过来|汇过来)了|签好了|订单(?:下来了|到了|来了)|close\s*了|收到.{0,16}\bpayment\b|付了.{0,3}(?:款|尾款|定金|订金)|"
    r"(?:订金|定金|货款|尾款|首付|预付款|服务费|合同款|款项).{0,4}(?:已收|已付|付清|到账|收到)",
    r"\b(?:signed(?! (?:the |an? )?(?:nda|mou|loi)\b)|(?:(?:called|rang|emailed|wrote) to )?confirm(?:ed|s)? (?:[\w\x00]+'s |the |their |our |an? )?order|po\b.{0,24}\bapproved|closed|deal closed|deal done|won|placed an? order|placed the order|order placed|"
    r"orders? came in|po came in|payment came in|received (?:the )?payment|got paid|invoice paid|paid in full|"
    r"wired|transferred|remitted|po (?:is )?in|po arrived|agreed to (?:the|our|a)|said yes|accept(?:s|ed) (?:the|our) (?:price|offer|quote|deal|terms)|"
    r"signing (?:for )?\$?\d|sent (?:the|their|us)? ?payment|paid (?:the|their|us) ?(?:invoice|deposit|balance)?|"
    r"new order|ordered|purchased|bought|renewed|paid|payment received|got the po|po received|"
    r"put pen to paper|countersigned (?:\w+ )?(?:msa|contract|agreement|order|sow|po|deal)|landed in (?:our|the) (?:bank|account)|"
    r"(?:deposit|payment|wire|funds|transfer|down payment) (?:received|landed|cleared|came through)|"
    r"received (?:the |a |their )?(?:deposit|wire|transfer|down payment)|"
    r"po (?:reach|reached|came)|confirm(?:ed|s)? (?:the )?po|sign(?:ed)? already|booked an order|order confirmed|confirmed the order|purchase order|(?:a|the|their) po)\b",
)
_NOT_YET = _any(
    r"(?:准备|打算|计划|将要|将|要|想|有望|预计|争取|还没|没有|没|未|尚未|即将|可能|希望|等|待|提醒|催|讨论|谈|聊|商量|沟通|关于|问)\s*.{0,2}$",
    r"(?:能不能|能否|可不可以|可否|是否|会不会)\s*.{0,6}$",
    r"(?:这周|本周|下周|这个月|本月|下个?月|月底|年底|年前|明天|后天|周[一二三四五六日末])内?\s*$",
    r"(?:^|\s)内\s*$",  # the date itself is blanked by then: "这周内付款" reads "   内付款"
    r"(?:谈|聊|讨论|商量|沟通)了?(?:一下|下)?.{0,4}的\s*$",
    r"被.{0,6}$",
    r"\b(?:will|to|not|n't|about to|ready to|plans? to|planning to|going to|might|may|hope to|"
    r"expects? to|close to|yet to|didn't|haven't|hasn't|no|hopefully|wants? to|almost)\s+(?:\w+\s+)?$",
    r"\b(?:will|going to|plans? to|planning to|wants? to|expects? to|hope to)\s+(?:\w+\s+){2}$",
)
_GREETING = _any(
    r"祝福|问候|拜年|贺卡|贺岁|慰问|节日快乐|生日快乐|新年快乐|春节快乐|中秋快乐|圣诞快乐|元旦快乐|"
    r"国庆快乐|端午安康|祝[^，,。；;]{0,12}快乐|恭喜|祝贺|道贺|礼盒|台历|挂历|发了?个?红包|送了?一?[盒瓶箱份束篮]|(?:送|寄)了?.{0,8}(?:月饼|礼品|礼物|粽子|酒|蛋糕|鲜花|花篮|花|茶叶|茶|水果|年货|红包|票|卡|券|围巾|特产|巧克力|坚果|保温杯)",
    r"\b(?:greetings|greeted|greeting|merry christmas|season's greetings|happy new year|"
    r"happy birthday|happy holidays|birthday (?:wishes|card|message)|holiday (?:card|wishes)|"
    r"new year wishes|congratulated|congrats|wished (?:them|him|her)|(?:christmas|xmas|holiday|greeting|new year|"
    r"thank[- ]you|festive|thanksgiving|birthday|bday|b-day) (?:cards?|msg|message|wishes|hamper|basket|gift)|"
    r"gifts?|hampers?|flowers|bouquet|fruit basket|gift basket|sent (?:him|her|them|\x00) a card|"
    r"(?:sent|gave|brought) (?:[\w\x00]+ )?(?:a|some|two|2) (?:bottles?|box|boxes|basket|case|bouquet|hamper)|happy (?:bday|thanksgiving|diwali|hanukkah)|(?:thanksgiving|christmas|xmas|holiday|new year|diwali|birthday|bday) (?:turkey|ham|cake|wine|chocolates?|cookies|card|hamper|basket|gift|flowers))\b",
)
CHANNELS = {
    "visit": _any(
        r"拜访|上门|前台|走访|到访|来访|登门|实地|参观|(?<![发送寄传])(?<!发过)(?<!送过)(?<!寄过)(?<!传过)去了|去过|(?:去|到)\s+[a-z]|跑了一趟|现场|(?<![发送寄传要想])去[^，,。\s]{2,10}?看了|(?<![收接得遇找想提碰见看])(?:去|到)\x00",
        r"\b(?:visit|visited|visiting|visitd|visted|vistied|on[- ]?site|site visit|dropped by|stopped by|popped in|"
        r"went to (?:their|the|see)|went \w+ (?:see|visit)|went (?:and|to) see|go and see|went over to|swung by|popped by|dropped in|(?:at|to) (?:their|\x00+(?:'s)?) "
        r"(?:office|site|plant|factory|warehouse|hq|store|shop)s?)\b|\b(?:went|came|drove) (?:to|by|over to) (?=\x00)",
    ),
    "meeting": _any(
        r"钉钉视频|钉钉会|飞书视频|微信视频|视频|腾讯会议|飞书会议|钉钉会议|线上会|开了.{0,3}会|会议|开会|开了会|视频会|电话会|线上会|会面|见面|面谈|面聊|饭局|吃饭|吃了?.{0,3}饭|吃了顿|饭桌上|当面|开了个?[^，,。\s]{0,10}?的会|午饭|午餐|晚饭|晚餐|早餐|早茶|宴请|"
        r"请客|喝茶|喝咖啡|ktv|唱k|喝酒|喝了.{0,3}酒|星巴克|咖啡馆|咖啡厅|茶馆|餐厅|饭店|聚餐|宵夜|约见|碰面|碰到|遇到|偶遇|峰会|论坛|年会|碰了?个?头|洽谈|座谈|交流会|研讨会|路演|展会|演示|见了|见到|"
        r"开了?(?:[个一二两三四五六七八九几\d]+次?)?会",
        r"\b(?:meeting|mtg|mtng|expo|trade show|summit|no[- ]?show|stood (?:us|me) up|qbr|ebr|kickoff|kick-off|standup|met|meet|lunch|dinner|breakfast|coffee|drinks|conference|demo|"
        r"presentation|workshop|sat down|catch-?up|caught up|sync|synced|zoom|webex|video call|"
        r"teams (?:call|meeting)|quarterly review|business review|review w(?:ith|/)?)\b",
    ),
    "call": _any(
        r"电话|致电|通话|来电|回电|打给|语音|打(?:了)?过来|(?<=[总工理\x00])打来",
        r"\b(?:call|called|calling|calls|phoned|phone|rang|ring|voicemail|voice mail|spoke)\b",
    ),
    "email": _any(
        r"邮件|邮箱|发邮|电邮",
        r"\b(?:email|emailed|emails|emailing|e-mail|e-mailed|mail|mailed|"
        r"sent (?:the |a |our |them the |\x00+ the )?(?:deck|slides|pdf|docs?|proposal|quote|deck))\b",
    ),
    "message": _any(
        r"微信|短信|消息|留言|私信|钉钉|飞书|发信息|发了信息|企微|ping\s*(?:了|过)|linkedin\s*上(?=.{0,3}(?:联系|发|私信|留言|聊|找))",
        r"\b(?:wechat|wechatted|wx|sms|text|texted|texting|message|messaged|messaging|"
        r"whatsapp|whatsapped|whatsapp'd|(?<!saw it )(?<!saw )(?<!read )(?<!posted )on linkedin|telegram|tg|dm|dmed|dm'd|slack|slacked|qq|pinged|msg|msged|inmail|teams chat)\b",
    ),
}


# A conversation whose channel is not said ("跟中星聊了下", "talked to Acme") is still a contact;
# it is taken as a call, the usual way reps talk in between visits (one tap changes it). Words
# that only report what a customer is doing ("they are comparing prices") stay a note.
_TALKED = _any(
    r"聊了|聊过|聊了下|聊了聊|聊一下|沟通了|沟通过|交流了|谈了|谈过|对接了|碰了|通了个气|联系了|联系过|联系上|"
    # the contact picked up (伊利郭总接了)
    r"(?<=[总工理\x00])接了|接通了|打通了|"
    # what a contact said is a conversation (黄总说下周三给答复, Pepper说…); not 听说/据说
    r"(?<!听.)(?<!听..)(?<!听...)(?<!听....)(?<=[总工理姐哥董监\x00a-z])说|(?<=秘书|助理)说|(?<=[总工理监\x00]呃)说",
    r"\b(?:talked (?:to|with)|spoke (?:to|with)|chatted|touched base|connected with|checked in with|"
    r"reached|got hold of|heard back from|had a chat|had a word)\b",
    r"\x00 (?:says|said|told (?:me|us)|mentioned)\b",
    # Singapore English drops the -s and the past: "he say", "Engineer Chen say", "PA say"
    r"(?:\b(?:he|she|they|pa|boss|buyer|bursar|secretary|engineer|manager)|\x00) say\b",
    r"\b(?!(?:it|this|that|which|who|report|news|article|website|site|doc|document|email|mail|message|text|"
    r"contract|invoice|po|quote|sign|system|app|one|everyone|nobody|someone|rumou?r)\b)[a-z]{3,} (?:says|said)\b",
    r"\b(?!(?:it|this|that|which|who|report|news|article|website|site|doc|document|email|mail|message|text|"
    r"contract|invoice|po|quote|sign|system|app|one|everyone|nobody|someone|rumou?r|would|will|could|should|"
    r"can|cannot|don't|didn't|dont|didnt|not|let|must|might|may|shall|never|just|to)\b)[a-z]{3,} say (?!hi\b|hello\b|thanks\b|no\b|yes\b)",
)


# What the rep heard from someone else (听中兴的周经理说…) is no conversation with them.
_HEARSAY = re.compile(r"(?:听|据)[^，,。；;\s]{0,10}?说")


def detect_kind(low: str) -> tuple[str, str | None]:
    """(kind, channel): channel is set for a deal or greeting made through a visit, call …"""
    talk = _HEARSAY.sub(lambda m: " " * len(m.group()), low)
    first_channel = _first_channel(low) or ("call" if _TALKED.search(talk) else None)
    if deal_said(low):
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


# A call (or a visit) that did not reach anyone is an attempt: logged, but no contact.
_ATTEMPT = _any(
    r"没人接|没接|未接|无人接听?|不接|没打通|打不通|没通|未接通|没接通|关机|占线|停机|不在服务区|无法接通|"
    r"没人应|没有人接|扑空|没见到|没见着|没见上|没见成|不让进|找不到对接人|都没人|没人在|人不在|不在(?!乎|意|话下)|白跑|出差了|"
    r"忙线|去外地了|休假",
    r"\b(?:no answer|no one (?:answered|picked up)|nobody (?:answered|picked up|was there)|"
    r"didn'?t (?:answer|pick up)|did not (?:answer|pick up)|not picking up|no pick-?up|"
    r"(?:went (?:straight )?|straight )to (?:voicemail|vm)|left (?:a )?(?:voicemail|vm)|voicemail (?:again|twice|both times)|"
    r"missed call|gatekeeper|wouldn'?t put (?:me|us) through|no[- ]?show|stood (?:us|me) up|didn'?t show(?: up)?|couldn'?t (?:reach|get through|get hold of)|could not (?:reach|get through)|"
    r"unreachable|not reachable|phone (?:was )?off|line (?:was )?busy|busy signal|missed my call|"
    r"wasn'?t (?:in|there|around|available)|was (?:out|away|off)(?! of)|out sick|not in (?:the office|today)|"
    r"nobody (?:\w+ ){0,3}showed up|no one (?:\w+ ){0,3}showed up|(?:was|is|were) on (?:vacation|holiday|leave)|"
    r"wasted (?:trip|journey)|didn'?t (?:dial|join|call) in|never (?:dialed|dialled|joined|showed))\b",
)


def _channel_or_cue(text: str) -> bool:
    low = text.lower()
    return (
        any(p.search(low) for p in CHANNELS.values())
        or _DEAL.search(low) is not None
        or _GREETING.search(low) is not None
        or FOLLOW_UP_CUE.search(low) is not None
    )


def detect_attempt(low: str) -> bool:
    """A call or visit that reached no one — unless someone was talked to after all (刘总没见上
    跟Kevin聊了一会)."""
    missed = _ATTEMPT.search(low)
    return missed is not None and _TALKED_AFTER.search(low, missed.end()) is None


# Someone the rep talked to after the one who was missed (跟Kevin聊了一会, "spoke to his deputy instead").
_TALKED_AFTER = re.compile(
    r"(?:跟|和|与|同)[^，,。；;]{1,10}?(?:聊了|谈了|沟通了|见了)|\b(?:spoke|talked|met) (?:to|with)\b"
)


# Tools named after companies: a customer called 腾讯 is not meant by 腾讯会议.
TOOL_NAMES = re.compile(
    r"腾讯会议|企业微信|企微|飞书会议|钉钉会议|微信视频|微信电话|"
    r"\b(?:google meet|microsoft teams|teams (?:call|meeting)|zoom (?:call|meeting)|whatsapp call)\b"
)


# Where it happened decides between a meeting and a visit: at the customer's (在招行总部开会,
# mtg at hooli HQ, site survey) or the customer at ours (来我们公司, came by our office) is a visit.
_AT_SITE = _any(
    r"去[^\s，,。]{1,8}(?:总部|工厂|门店|仓库|园区|厂区)|[在去]\x00+[^，,。\s]{0,4}(?:总部|公司|办公室|会议室|工厂|门店|现场|厂里|那边|楼)|(?:在|去)他们(?:的)?[^，,。\s]{0,4}?(?:公司|办公室|会议室|工厂|门店|总部|仓库|厂里|店里|园区|车间)|"
    r"来了?(?:我们|我司|公司|我们公司|我们工厂|我们办公室|厂里)|(?:到|来)(?:我们|我司)(?:公司|工厂|办公室|厂里|这边)?[^，,。\s]{0,3}来(?![的我])|办公室(?:坐了|坐坐|喝茶)|(?:到|去)[^，,。\s]{1,10}(?:那里|那儿|那边)(?:坐|聊|喝|见了)|验厂|扫楼|实地|踩点|巡店|到店|陪同.{0,4}(?:考察|参观)",
    r"\b(?:at (?:the )?(?:\x00+(?:'s)? )?(?:their |the )?(?:hq|office|offices|plant|factory|site|warehouse|store|shop|premises)|"
    r"came (?:by |to |over to )?our (?:office|factory|showroom|place|plant)|came (?:by|to|over to) our|visited us|came in to (?:our|the) office|site (?:survey|walk|visit|inspection|tour)|"
    r"drove (?:out )?(?:to|over to)|walk-?through|plant tour|factory tour|in our (?:lobby|office|showroom|reception))\b|"
    r"\b(?:meeting|mtg) at \x00",
)
# Work done for the customer online counts as a meeting: a demo, a training, a webinar.
_ONLINE = _any(
    r"(?:做|开)了?.{0,4}(?:demo|演示|培训|分享会?|汇报|讲解)|线上(?:demo|演示|培训|会)",
    r"\b(?:ran|gave|did|held|hosted|delivered) (?:a |an |the )?(?:\w+ )?(?:demo|training|webinar|workshop|walkthrough|"
    r"presentation|session)|ran into|bumped into|bump into|bumped in\b",
)
# A call made through a chat app is a call (微信语音, 钉钉电话, voice call); a voice note is not.
_VOICE = _any(
    r"(?:微信|钉钉|飞书|企微)(?:语音|电话)(?!消息|留言)|语音通话|视频通话",
    r"\b(?:voice call|wechat call|whatsapp call|left a voice ?(?:msg|message|mail)|voice ?mail)\b",
)


# A voice note sent (发来一段微信语音) is a message, not a call.
_VOICE_NOTE = re.compile(r"(?:发来|发了|发个|一段|一条|条)\S{0,4}语音|语音(?:消息|留言|条)|\bvoice (?:note|memo)\b")


def _first_channel(low: str) -> str | None:
    if _VOICE_NOTE.search(low):
        return "message"
    if _VOICE.search(low):
        return "call"
    best: tuple[int, str] | None = None
    for kind, pattern in CHANNELS.items():
        m = pattern.search(low)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind)
    if best and best[1] == "meeting" and _AT_SITE.search(low):
        return "visit"
    if best is None and _AT_SITE.search(low):
        return "visit"
    if best is None and _ONLINE.search(low):
        return "meeting"
    return best[1] if best else None


def deal_said(low: str) -> bool:
    for m in _DEAL.finditer(low):
        before = low[max(0, m.start() - 24) : m.start()]
        if not _NOT_YET.search(before):
            return True
    return False


# -- feedback --------------------------------------------------------------------------------
# One feedback per message; when several are said, the one that needs action first wins:
# complaint > suggestion > question > praise. "very positive" alone is a mood, not praise.
_NO_COMPLAINT = re.compile(
    r"没有?(?:任何|什么)?(?:投诉|抱怨|不满|意见|异议)|无(?:投诉|意见|异议)|\bno complaints?\b|\bdidn't complain\b|"
    r"零故障|无故障|没出(?:过)?故障|零投诉|\bzero (?:downtime|outages?|incidents?)\b|"
    r"\bnot complain(?:ing|ed)?\b|\bwithout complaint"
)
FEEDBACK = [
    (
        "complaint",
        _any(
            r"投诉|不满意|不满|抱怨|吐槽|埋怨|差评|生气|发火|不高兴|有意见|意见很大|不爽|失望|不太满意|很差|有异议|"
            r"恼火|火大|骂|要退|退货|索赔|流失|不续|不合作了|要换供应商|损坏|破损|质量问题|出问题|故障|延误|晚到|没到货|"
            r"谈崩|不顺利|很糟|糟糕|对不上|太慢|太差|太贵|断连|掉线|断线|卡顿|报错|不稳定|质量差|宕机|崩了|挂了|开错|搞错|弄错|出错|"
            r"停摆|瘫痪|很急|受潮|换货|发错|少发|漏发|(?:价格|报价|价钱|费用)(?:太|偏|有点|比较)高|太烂|很烂|烂透|难用|不好用|"
            r"(?:refund|退款|货款|货|发票|款)\s*(?:还没|一直没|迟迟没)(?:收到|到)",
            r"\b(?:complain|complained|complains|complaint|complaints|complaining|unhappy|"
            r"dissatisfied|not happy|not satisfied|not pleased|angry|upset|frustrated|annoyed|"
            r"disappointed|escalated|pissed|went badly|go(?:ne|ing)? badly|went poorly|"
            r"(?:may|might|could|will|about to|likely to|threaten(?:ed|ing)? to) (?:churn|leave|cancel|walk)|"
            r"churn(?:ing|ed)?|furious|livid|damaged|broken|defective|faulty|late delivery|"
            r"threatened|terrible|awful|bad experience|not working|too (?:high|expensive|pricey)|overpriced|outage|(?:is|was|went|been) down|wrong invoice|"
            r"or (?:he|she|they) (?:walks?|leaves?|leave)|"
            r"(?:will|gonna|going to) walk|grumpy|too slow|buggy|crash(?:es|ed|ing)?|keeps? failing|"
            r"yell(?:ed|ing)? at|shout(?:ed|ing)? at|chewed (?:me|us) out|ripped into)\b",
        ),
    ),
    (
        "suggestion",
        _any(
            r"建议|提议|希望我们(?!再?(?:降|便宜|打折|优惠|让))|希望(?:能|可以|你们)?(?:增加|提供|加上?|改进|优化|支持|改善|开通|延长|降低|提前|加快|尽快)|"
            r"提了.{0,6}(?:需求|意见)|想要(?:增加|一个)",
            r"\b(?:suggest|suggested|suggests|suggesting|suggestion|suggestions|feature request|"
            r"maybe (?:we )?(?:offer|add|do|try|give|build)|how about|what if we|"
            r"recommended (?:we|that)|proposed (?:we|that)|would love (?:us to|a|an)|wish(?:ed|es)? (?:we|there was)|"
            r"would like us to|wants us to|asked us to (?:add|improve|change|support))\b",
        ),
    ),
    (
        "question",
        _any(
            r"咨询|询问|询价|问价|打听|想了解|想知道|有疑问|疑问|提问|(?<![提疑追责访])问(?![题候责卷他她])(?!了?\x00)|"
            r"(?:能不能|能否|可不可以|是否).{0,12}[?？]|[吗么][?？]",
            r"\b(?:ask(?:ed|ing|s)? (?:about|if|whether|how|when|what|why|where|which)|"
            r"had (?:a |some |a few )?questions?|questions? (?:about|on|regarding)|enquired|"
            r"enquiry|inquired|inquiry|wanted to know|wants to know|wondering)\b|"
            r"\b(?:can|could|would|will|do|does|is|are) (?:we|you|it|they|i)\b[^?.!]{0,60}\?",
        ),
    ),
    (
        "praise",
        _any(
            r"表扬|夸(?!张)|称赞|赞扬|赞赏|点赞|好评|感谢(?!支持|合作|关照|配合)|感激|谢谢我们|感谢我们|很有帮助|(?:整体|都|比较|挺|还算|基本)满意|稳定多了|好用|好多了|(?:比|跟).{1,8}(?:好|强)(?:多了|很多|不少)|反响(?:不错|很好|挺好)|效果(?:不错|很好|挺好)|(?:很|非常|挺|十分|特别|相当)满意|(?:很|非常|十分|高度)认可|评价(?:挺|很|非常|特别|比较)?(?:高|好|不错)",
            r"\b(?:praised|praise|praising|very happy with|really happy with|so happy with|thanked|"
            r"grateful|(?:super|really|very) helpful|excellent|awesome|amazing|fantastic|the best|thanks for|"
            r"thank you for|to say thanks|complimented|compliments|loved|loves (?:our|the)|very satisfied|"
            r"extremely satisfied|great feedback|positive feedback|loved it|love it|loving it|"
            r"impressed|delighted|thrilled|kudos|raved|happy (?:with|w/|w)|pleased with|satisfied with|"
            r"great job|good job|well done|positive about (?:our|the|us)|loves? (?:the|our|us)|"
            r"(?:called|wrote|texted) to (?:say )?thank|thanked us|went smooth(?:ly)?|smooth rollout)",
        ),
    ),
]


@dataclass(frozen=True, slots=True)
class FeedbackCue:
    kind: str
    start: int
    end: int


# A complaint about someone else (their current vendor, a competitor) is news, not feedback
# about us — unless we are named beside it ("比竞品贵", "worse than us" stay complaints).
_THIRD_PARTY = _any(
    r"供应商|服务商|供货商|厂商|竞品|竞争对手|友商|对手|别家|其他家|上一家|原厂商",
    r"\b(?:(?:their|his|her|current|other|existing|old)(?: [\w-]+){0,2} (?:vendor|provider|supplier|partner)s?|"
    r"(?:cloud|pos|mes|erp|crm|it|hosting|logistics|shipping) (?:vendor|provider|supplier)s?|"
    r"competitors?|not us)\b",
)
_US = _any(
    r"我们|咱们|我司|本公司",
    r"\b(?:than (?:us|ours|we)|with us|about us|at us|blames? us|"
    r"our (?:product|service|system|price|team|support|delivery|invoice)s?)\b",
)


def _about_others(low: str, start: int, end: int) -> bool:
    window = low[max(0, start - 12) : end + 40]
    return _THIRD_PARTY.search(window) is not None and _US.search(low) is None


def detect_feedback(low: str) -> FeedbackCue | None:
    cleaned = _NO_COMPLAINT.sub(lambda m: " " * len(m.group()), low)
    for kind, pattern in FEEDBACK:
        for m in pattern.finditer(cleaned):
            if kind == "complaint" and _about_others(cleaned, m.start(), m.end()):
                continue
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
    value: int | None  # None when written but not 1–5
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
    r"回访|跟进|跟踪|提醒|再联系|再跟|再约|再打|再去|再聊|再发|再问|再确认|再试|复查|待办|截止|之前|(?<=[一二三四五六日天末号])前|到期|下次|需要|要(?!了)|"
    r"确认(?!了)|回复(?!了)|约个|约一下|发过去|发给|发他|把(?![^，,。；\s]{0,8}了)|记得|"
    r"得|准备|打算|计划|想约|想去|(?<![签合预节])约了|约好|安排|改到|改期|推迟|延期|延到|约\s*(?:demo|演示|见面|开会|拜访)|"
    r"改约|重约|约(?=\s*(?:周|星期|礼拜|明天|后天|下周|\d))|对方让|让我们|让我|别忘了?|别忘记|推到|挪到|"
    r"[请让](?:他|她|对方)(?:们)?",
    r"\b(?:follow(?:ing)?[ -]?up|followup|f/u|remind|reminder|check (?:back|in)|call (?:\w+ )?back|"
    r"circle back|touch base|ping|chase|by|due|deadline|needs? to|will|should|plan(?:ning)? to|"
    r"going to|gonna|to do|todo|next step|schedul\w*|reschedul\w*|postpon\w*|moved to|pushed to|set up|"
    r"wants? to (?:meet|move|reschedule)|invited (?:us|me) to|(?:set|booked) for|wants? a (?:call|meeting|demo)|"
    r"wants? (?:us|me) to|set (?:it|that|this|one) up|(?:meeting|mtg|call|demo|visit|lunch|dinner)\b[^,.;]{0,30}\bconfirmed|"
    r"swing by|come (?:in|by|over)|don'?t forget|confirmed for|"
    r"(?:moved|pushed|bumped|shifted|push|move) (?:it|this|that|the \w+|our \w+) (?:to|until)|"
    r"send|before|until|till)\b",
    # An order to oneself at the start of a clause: "…, call them Monday".
    r"(?:^|(?<=[,.;:!?]))\s*(?:call|email|send|ping|visit|meet|text|message|chase|try|remind)\b"
    r"(?!\s+(?:from|w/|with)\b)(?![了过完])",
)
# The customer coming to us (周五来看样品, 下周三过来): a day ahead when nothing is said in the past.
COMING_TO_US = re.compile(r"来(?:我们|我司|公司|看|参观)|过来")  # not 来访: a visit that happened


# Whose plan a future date is. The rep's (提醒我, 我周五先发个提醒, I'll chase, f/u, an order to
# oneself: "send them the deck by thurs", "给中兴陈工回电话") makes the follow-up; the customer's
# (他们下个月招标, 郑经理说下个月初付款, "he'll call me back tmr", a birthday) does not; a date
# with neither (周五回访 is said without a subject) is the rep's.
MINE, NEUTRAL, THEIRS = "mine", "neutral", "theirs"
JOINT = "joint"  # the customer's date for a meeting with the rep: the rep's follow-up when no other is
_MINE = _any(
    r"我|提醒|回访|跟进|再打|再约|再联系|再试|再问|问问|记得|催|复查|想约|约他|约她|约个|把|发他|发她|发给|发过去|"
    r"整理|改好|准备好|(?:^|\s|前)给\x00+\s*(?:打|回|发|开|送|寄|报|做)(?![^，。\s]{0,3}了)|"
    r"前要(?:报价|方案|样品|合同|资料|发票)|对方让|让我们|让我|别忘|"  # 下周一前要报价: what the customer asked of us
    r"[请让](?:他|她|对方)",  # 请他周五前盖章: what the rep asked of them, and will chase
    r"(?:^|(?<=[,.;:!])|(?<=[,.;:!] ))will\b|\bwants? (?:us|me) to\b|"
    r"\b(?:try|trying) (?:\w+ )?again\b|\bwants? (?:a |an |the |our )?(?:\w+ )?(?:quote|proposal|deck|contract|"
    r"samples?|pricing|report|docs?|specs?|price list|draft)\b",
    r"\bwants? (?:the |a |an |our )?[\w -]{0,30}? by\b|\bdon'?t forget\b|"  # "wants the revised SOW by Friday"
    r"\b(?:i|i'll|i will|i'm|me|my|remind|f/u|follow(?:ing)?[ -]?up|followup|chase|ping|check (?:in|back)|"
    r"touch base|circle back)\b|^\s*(?:book|send|call|email|ping|chase|prep|schedule|set up|visit|text|"
    r"message|draft|prepare|get|arrange)\b(?!\s+(?:w/|with|from)\b)",
)
_THEIRS = _any(
    r"答应|承诺|才(?:能|有|会|出)|(?<=[总工理\x00])那边|(?<![去到在来])他们(?!(?:的)?(?:公司|办公室|园区|工厂|总部|那边|那里))|(?<![去到在来])他|她|对方|(?<![我再])说|透露|表示|生日|内部|董事会",
    r"\b(?:they|they'll|they're|he|he'll|he's|she|she'll|she's|says|said|will|wants?|plans?|"
    r"decides?|board|birthday|bday|b-day|promised)\b|\x00+ (?:is|are) \w+ing\b",
)


# Reported speech before a date makes it the speaker's plan (郑经理说月底前把款付了, 唐工说过两天来我们
# 公司, "he said he'd call me back tmr"), unless the rep speaks in the first person in between
# (韩总说… 我下周一再跟进), is asked to act (说要我们周四前报价) or will get back to them (再约).
# "我们" / "us" as a mere object (给我们PO, 来我们公司) is no first person.
SAID = _any(r"(?<![我再听据])说", r"\b(?:says|said|told (?:me|us))\b")
_FIRST_PERSON = _any(r"我(?![们司方])|[要让请叫]我们|再约|再联系|再打给", r"\b(?:i|i'll|i'm|i will|i'd)\b")


# A meeting both sides will be at is the rep's date too: "wants to meet thurs", 说下周一 kickoff.
_APPOINTMENT = _any(
    rf"见面|开会|会议|kickoff|饭局|吃饭|拜访|面谈|演示|demo|参观|{COMING_TO_US_ZH}",
    r"\b(?:meet|meeting|mtg|kickoff|kick-off|sync|lunch|dinner|demo|offsite|zoom|visit|a call|tour|roundtable|"
    r"our (?:call|meeting|sync|demo)|present|presentation|come (?:in|by|over))\b",
)

_INTERNAL = _any(r"内部", r"\binternal(?:ly)?\b")


def plan_owner(low: str, start: int, end: int, at: int | None = None) -> str:
    """Whose plan a future date is (at `at`, in the clause start…end)."""
    owner = _plan_owner(low, start, end, at)
    joint = _APPOINTMENT.search(low, start, end) and not _INTERNAL.search(low, start, end)
    return JOINT if owner == THEIRS and joint else owner


def _plan_owner(low: str, start: int, end: int, at: int | None) -> str:
    if at is not None:
        said = None
        for said in SAID.finditer(low, start, at):  # noqa: B007 - the last match is the one wanted
            pass
        if said is not None and not _FIRST_PERSON.search(low, said.end(), at):
            return THEIRS
    if _MINE.search(low, start, end):
        return MINE
    return THEIRS if _THEIRS.search(low, start, end) else NEUTRAL


# Said in the past: a channel word next to a follow-up date counts only with one of these
# ("Called Acme, follow up Friday" is a call; "Globex call tomorrow 10:00" is a plan, a note).
# A message received is a contact that happened, whatever it says about the future
# ("email from Lucius: can we hop on a call next week?", 小米宋经理微信说下周三给答复).
_PAST_MARKER = re.compile(
    r"了|过|完|约好|刚|已|(?<!再)说|来电|打来|发来|\b(?:had|was|were|met|spoke|sent|went|saw|got|gave|took|made|rang|"
    r"did|left|came|paid|signed|told|said|says|bought|today|from|wrote|\w+ed|"
    r"on (?:wechat|slack|whatsapp|teams|the phone|the call))\b|^\s*(?:call|mtg|meeting|email|text)\s+w(?:ith|/)"
)
_NOT_PAST = frozenset(
    "need needs feed speed proceed indeed red bed scheduled rescheduled planned booked arranged interested postponed supposed "
    "needed expected moved pushed proposed".split()
)


def said_in_past(low: str, start: int, end: int) -> bool:
    return any(m.group() not in _NOT_PAST for m in _PAST_MARKER.finditer(low, start, end))


# A note to oneself: a to-do list line or a preparation, with nothing said in the past tense
# ("plan: demo for initech next wed", "need to prep the wayne ent QBR deck", 整理华为的方案).
SELF_NOTE = _any(
    r"^\s*(?:待办|备忘|计划|笔记|备注)\s*[:：]|^\s*(?:要|得(?![物力到体])|需要)(?!了)|准备(?!好了)|整理|要做|得做",
    r"^\s*(?:plan|todo|to-?do|note|memo|reminder)\s*[:：]|"
    r"\b(?:prep|prepare|preparing|need to|needs to|have to|has to|gotta|must)\b|^\s*draft\b",
)  # not "the contract draft"


# A rep's to-do written as a bare instruction: with no past marker in the message, a weekday
# before it is the day it is due (周三上午给中兴陈工回电话 on a Tuesday is tomorrow's task).
TODO_CALL = re.compile(
    r"给.{1,12}?(?:回个?电话|打个?电话|回电|发(?:个|一下)?(?:微信|邮件|报价|资料|合同|方案))|^\s*\S{0,8}?(?:回电话|回电)"
)


# Cues whose own words make a sensible default follow-up text (回访 华为, Follow up Acme).
ACTION_CUE = _any(r"回访|跟进|再联系|复查", r"\b(?:follow[ -]?up|check in|call back|circle back|touch base)\b")
_CUE_NOISE = re.compile(
    r"提醒我|提醒|回访|跟进|待办|截止|到期|到时候|届时|"
    r"\b(?:remind me(?: to)?|reminder(?: to)?|follow(?:ing)?[ -]?up(?: with| on| w/)?|"
    r"followup|f/u|by|due|until|till|on|at|in|next|this|coming)\b",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:[\s,.:;!?\-()]|to\b|and\b|then\b|with\b|about\b|re\b|will\b|i'll\b|we'll\b|i will\b|之前|以前|前|再|要(?!求)|需要|并|然后|和|再次|让我们|让我)+",
    re.IGNORECASE,
)


def follow_up_text(span_text: str) -> str:
    """What is left of the follow-up clause once dates and cue words are gone ("send the quote")."""
    kept = " ".join(_CUE_NOISE.sub(" ", span_text).split())
    return _LEADING.sub("", kept).strip(" ,.;:!?，。()（）")


# -- names not in the book -------------------------------------------------------------------
_ZH_STOP = frozenset(
    "了 给 和 与 跟 同 在 去 到 见 拜访 联系 电话 微信 新 客户 新客户 潜在 潜在客户 一家 家 的 是 个 一个 位 "
    "那 这 今天 昨天 前天 刚 刚刚 已 已经 也 又 还 就 我 我们 他 他们 她 对 向 为 从 被 把 "
    "今日 上午 下午 晚上 发 发了 打 打了 约 约了 谈 谈了 聊 聊了 接触 认识 介绍 签约 签了 成交 叫 名 "
    "合作 对接 意向 有 想 要 说 看 跑 见了 邮件 短信 回访 拜访了 联系了 一下 公司的 里 微信里 电话里".split()
)
_EN_NAME = re.compile(
    r"\b([A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+){0,3}\s+(?:Inc|Ltd|LLC|Corp|Co|GmbH|Group|Holdings|Limited)\b\.?)"
    r"|\b([A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+){0,2}\s+(?:" + "|".join(w.title() for w in LATIN_COMPANY_WORDS) + r"))\b"
    r"|\b(?i:from|at|with|w/|to|called|call|met|meet|visited|visit|emailed|messaged|texted|for|heard|"
    r"(?:ceo|cfo|coo|cto|cio|vp|founder|owner) of|"
    r"new (?:client|customer|lead|prospect)[,:]?)\s+"
    r"([A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+){0,2})"
)


# Reps type names in lower case too: "visited northwind traders", "proseware's CFO". Without
# capitals only a company word or a possessive before a job title marks a name.
_EN_NAME_LOWER = re.compile(
    r"\b(?:from|at|with|w/|to|called|met|visited|emailed|zoom w/|call w/|mtg w/)\s+"
    r"([a-z][\w&'-]+(?:\s+[a-z][\w&'-]+){0,2}\s+(?:" + "|".join(LATIN_COMPANY_WORDS) + r"|inc|ltd|llc|corp|gmbh|plc))\b"
    r"|\b(?:from|at)\s+(?!(?:follow|check|sign|kick|co|e|pick|drop|set|log)-)([a-z]+-[a-z]+)\b(?!-)"  # from weyland-yutani
    r"|\b(?:new (?:lead|client|customer|prospect)|(?:ceo|cfo|coo|cto|cio|vp|head of \w+) (?:of|at|from))[,:]?\s+"
    r"([a-z][\w&'-]+(?:\s+[a-z][\w&'-]+)?)(?=\s*(?:[,.;:!?—-]|$|\s(?:at|to|and|is|are|was|they|who|wants?|signed|said|-)\b))"
    r"|\b([a-z][\w&-]{2,})'s\s+(?i:ceo|cfo|coo|cto|cio|vp|svp|evp|head of|procurement|purchasing|buyer|"
    r"it (?:team|dept|director)|ops|finance team|legal team)\b"
)


@lru_cache(maxsize=1)
def jieba_tokenizer():
    """One quiet jieba tokenizer per process (its dictionary takes ~0.8 s to load)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


# A legal form is dropped from a leading name (Zentrix Ltd → Zentrix); a word like Company stays.
_LEGAL_FORMS = frozenset(LATIN_COMPANY_SUFFIXES) - {"company", "group", "holdings"}
# Reps type a new company's name in lower case at the start, then what it did: "adventure works
# signed a pilot", "dharma initiative emailed back" (two or three words, none of them common).
_EN_LEADING_LOWER = re.compile(
    r"^([a-z][a-z&'-]+(?: [a-z][a-z&'-]+){1,2}) (?=(?:signed|wants|want|emailed|called|rang|asked|replied|"
    r"texted|messaged|placed|paid|needs|is looking|are looking|reached out|got back|sent)\b)"
)

# ... or before a colon, a dash or the person or paper it is about: "nakatomi trading: rang twice",
# "sirius cybernetics - follow up", "bluth company cfo on zoom", "virtucon invoice paid".
_EN_LEADING_MARKED = re.compile(
    r"^(?!(?:bday|birthday|note|notes|todo|to-do|fyi|reminder|update|re|fwd|memo|task)\b)"
    r"([a-z][a-z&'-]+(?: [a-z][a-z&'-]+){0,2})(?=\s*:|\s+[-–—]\s|\s+(?:ceo|cfo|coo|cto|cio|vp|procurement|purchasing|"
    r"facilities|plant manager|office manager|buyer|invoice|refund|po)\b)"
)
# ... or after what the rep did, two or three words before a comma, a number or the end: "drove out
# to cogswell cogs, plant manager …", "emailed prestige worldwide 3 case studies"; one word only
# after "cold called" (a single lower-case word after "called" is as often a person: "called bob,").
_EN_AFTER_VERB_LOWER = re.compile(
    r"\b(?:(?:called|emailed|visited|drove (?:out )?to|met with|rang)\s+([a-z][a-z&'-]+(?: [a-z][a-z&'-]+){1,2})"
    r"|cold called\s+([a-z][a-z&'-]+(?: [a-z][a-z&'-]+){0,2}))(?=\s*(?:[,;]|$|\s\d))"
)


# A company a book customer's person introduced, or that the rep met through them: 华为林工介绍了
# 立讯精密的采购, 百度何总推荐了小红书的市场部, 在招行钱经理的饭局上认识了平安保险的刘总, 陪腾讯梁总去了趟
# 长城汽车, "acme's bob introduced us to Spacely Sprockets". The sentence is about the book customer;
# the new one is offered beside it.
_INTRODUCED_ZH = re.compile(
    r"(?:介绍了?|推荐了?|引荐了?|认识了)((?:(?!的|给)[\u4e00-\u9fff]){2,6}?)(?=的|给|[\s，,。]|$)"
    r"|去了趟((?:(?!的)[\u4e00-\u9fff]){2,6})(?=[\s，,。]|$)"
)
_INTRODUCED_EN = re.compile(
    r"\b(?:introduced|introducing|referred|intro'?d|connected) (?:us|me) (?:to|with) "
    r"((?:[A-Z][\w&'-]*|[a-z][\w&'-]*-[\w&'-]+)(?: [A-Z][\w&'-]*){0,3}"
    r"|[a-z][\w&'-]+(?: [a-z][\w&'-]+){0,2}(?=\s*(?:[,;.]|$|\s(?:for|and|who|-)\s)))"
)
# "acme 介绍了一个新客户 globalnet", 美的介绍了一家新客户 万和电气: the new client named after 新客户.
_INTRODUCED_NEW_CLIENT = re.compile(
    r"(?:介绍|推荐|引荐)了?(?:一个|一家|个|家)?新客户[:：\s]*([A-Za-z][\w&'-]+(?: [A-Za-z][\w&'-]+){0,2}"
    r"|[\u4e00-\u9fff]{2,10}(?=[\s，,。]|$))"
)
# The name a rep writes right after saying it is a new client, set off by a space or a colon.
_NEW_CLIENT_NAMED = re.compile(
    r"(?:新客户|潜在客户|新的客户|潜客)(?:[:：]?\s+|(?=叫|是))(?:(?:叫做|叫|是)\s*)?(?:([\u4e00-\u9fff]{2,20})(?=[\s，,。]|$)"
    r"|([A-Za-z][\w&'.-]*(?: [A-Za-z][\w&'.-]*){0,3})(?=\s*(?:[\u4e00-\u9fff，,。]|$)))"
)


def introduced_name(norm: str) -> str | None:
    """The new company in a sentence about a book customer: only where someone introduced it."""
    named = _INTRODUCED_NEW_CLIENT.search(norm)
    if named and not any(w.lower() in COMMON_WORDS for w in named.group(1).split()):
        return named.group(1)
    found = _INTRODUCED_ZH.search(norm)
    if found:
        name = found.group(1) or found.group(2)
        if found.group(2) and not name.endswith(tuple(ZH_COMPANY_SUFFIXES)):
            return None  # 去了趟上海: a trip to a place, not to a company
        return (
            name
            if _name_like(name)
            and not _channel_or_cue(name)
            and name not in _ZH_STOP
            and not re.search("新客户|一个|一家", name)
            else None
        )
    found = _INTRODUCED_EN.search(norm)
    if found and not any(w.lower() in COMMON_WORDS for w in found.group(1).split()):
        return found.group(1)
    return None


# A legal form typed after a Latin name is kept as typed (Lion City Logistics Pte. Ltd., Pearl
# River Textiles Co., Ltd.): the dot after a form, then more forms after a space or a comma.
_LEGAL_FORM_AFTER = re.compile(r",?\s+(pte|co|ltd|inc|corp|llc|gmbh|limited|plc|bhd|sdn bhd)\b(\.)?", re.IGNORECASE)


def _with_legal_form(norm: str, found: str) -> str:
    at = norm.find(found)
    if at < 0:
        return found
    end = at + len(found)
    last = found.rsplit(" ", 1)[-1].lower().rstrip(".")
    while True:
        if last in _LEGAL_FORM_WORDS and not norm[at:end].endswith(".") and norm[end : end + 1] == ".":
            end += 1
        more = _LEGAL_FORM_AFTER.match(norm, end)
        if not more:
            return norm[at:end]
        end, last = more.end(1), more.group(1).lower()


_LEGAL_FORM_WORDS = frozenset("pte co ltd inc corp llc gmbh limited plc bhd".split())


# Dictation fillers are no part of a name: 呃上海电气那个项目 → 上海电气; 呃那个杨总 → none.
_FILLERS = re.compile(r"^(?:呃|嗯|额|啊|那个|这个)+")


def unknown_name(norm: str) -> str | None:
    """A name-like span for a customer not in the book: 拜访了新客户云帆科技 → 云帆科技."""
    found = _unknown_name(norm)
    if found and found.isascii():
        found = _with_legal_form(norm, found)
    if found and _FILLERS.match(found):
        found = _FILLERS.sub("", found)
        found = found if len(found) >= 2 and _name_like(found) else None
    if found and found.endswith(("'s", "’s")) and len(found) > 4:  # "litware's cto, lunch yesterday"
        found = found[:-2]
    return None if found and found.lower().strip(".") in _CALENDAR_WORDS else found  # "send by Fri"


# Fillers of dictated text set off what follows like a pause: 呃携程那边…, 那个新客户叫做…呃昨天.
_PAUSES = re.compile(r"[呃嗯]+|(?:^|(?<=[呃嗯\s，,。]))(?:那个|这个)")


def _unknown_name(norm: str) -> str | None:
    if "呃" in norm or "嗯" in norm or norm.startswith(("那个", "这个")):
        norm = _PAUSES.sub(lambda m: " " * len(m.group()), norm)
    named = _NEW_CLIENT_NAMED.search(norm)
    if named:
        name = named.group(1) or named.group(2)
        if (
            name
            and (_name_like(name) or not is_cjk(name[0]) or name.endswith(ZH_COMPANY_SUFFIXES[:4]))
            and not any(w.lower() in COMMON_WORDS for w in name.split())
        ):
            return name
    if any(is_cjk(c) for c in norm):
        found = _zh_name(norm)
        found = found[:-1] if found and found.endswith("的") else found  # 大疆的 procurement team
        if found and _name_like(found):
            return found
        found = _latin_in_chinese(norm)
        if found:
            return found
    found = _en_name(norm)
    return found if found and not any(is_cjk(c) for c in found) else None  # not "BYD合同signed"


# A capitalised name that opens the message may end in a common word of a trade (Maple & Oak Coffee).
_LEADING_COMPANY_TAIL = LATIN_COMPANY_WORDS | {"coffee", "cafe", "bakery", "print", "foods"}


def _unpossessed(words: list[str]) -> list[str]:
    """Lamna Healthcare's procurement lead → Lamna Healthcare: a possessive ends the name; so
    does a department after it (Alpine Ski House IT)."""
    for i, word in enumerate(words):
        if word.endswith(("'s", "’s")) and len(word) > 3:
            return [*words[:i], word[:-2]]
    while len(words) > 1 and words[-1] in TRADE_ACRONYMS:
        words = words[:-1]
    return words


_CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun today tomorrow tonight january february march april may june july august "
    "september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def _en_name(norm: str) -> str | None:
    """The English rules of unknown_name: a capitalised or lower-case company where reps put one."""
    person_at = _PERSON_AT.search(norm)  # "call with John at Proseware": the company, not John
    if person_at and not any(w.lower() in COMMON_WORDS for w in person_at.group(1).split()):
        return person_at.group(1)
    leading = _EN_LEADING.match(norm.strip())
    words = _unpossessed(leading.group(1).split()) if leading else []
    if leading and len(words) > 1 and words[-1].lower().strip(".") in _LEGAL_FORMS:  # Zentrix Ltd. is offered as typed
        words[-1] += "." if norm.strip()[leading.end(1) : leading.end(1) + 1] == "." else ""
    body = words[:-1] if len(words) > 1 and words[-1].lower() in _LEADING_COMPANY_TAIL else words  # … Oak Coffee
    if words and not any(w.lower() in COMMON_WORDS for w in body):
        return " ".join(words)
    for rule in (_EN_LEADING_MARKED, _EN_LEADING_LOWER, _EN_AFTER_VERB_LOWER):
        lower = rule.search(norm.strip())
        name = next((group for group in lower.groups() if group), None) if lower else None
        if name and not any(w in COMMON_WORDS for w in name.split()):
            return name
    for m in _EN_NAME.finditer(norm):
        words = _unpossessed((m.group(1) or m.group(2) or m.group(3) or "").split())
        while words and words[0].lower() in COMMON_WORDS:  # "Visited Blue Origin Logistics"
            words = words[1:]
        if words and all(w.lower() not in COMMON_WORDS for w in words[:-1]) and not _PERSONISH.match(words[0]):
            return " ".join(words)
    for m in _EN_NAME_LOWER.finditer(norm):
        words = (m.group(1) or m.group(2) or m.group(3) or m.group(4)).split()
        while words and words[0] in COMMON_WORDS:
            words = words[1:]
        if len(words) > (1 if m.group(1) else 0) and not any(w in COMMON_WORDS for w in words[:-1]):
            return " ".join(words)
    return None


# A Latin company name inside a Chinese sentence: 拜访了Zorg Industries, 和InGen的CTO开了个zoom,
# Nuka Cola的procurement head, Oceanic Airlines签了. Capitalised words glued to Chinese (or to
# the sentence's start) with a Chinese word, 的 or the end after them; titles and acronyms of the
# trade (CTO, PO, POC …) are no company.
_LATIN_IN_ZH = re.compile(
    r"(?:^|(?<=[\u4e00-\u9fff\s]))([A-Z][A-Za-z0-9&'-]*(?: [A-Z][A-Za-z0-9&'-]*){0,3})(?:'s)?"
    r"(?=的|[\u4e00-\u9fff]|\s[\u4e00-\u9fff]|\s*$)"
)
_TRADE_ACRONYMS = TRADE_ACRONYMS


def _latin_in_chinese(norm: str) -> str | None:
    for m in _LATIN_LOWER_IN_ZH.finditer(norm):  # 拜访了 kingsoft cloud 的王总, 给 alpine ski house 发了
        words = m.group(1).split()
        if len(" ".join(words)) >= 3 and not any(w in COMMON_WORDS or w.upper() in _TRADE_ACRONYMS for w in words):
            return " ".join(words)
    for m in _LATIN_IN_ZH.finditer(norm):
        words = m.group(1).split()
        while words and words[0].lower() in COMMON_WORDS:
            words = words[1:]
        name = " ".join(words)
        if len(words) == 1 and name.isupper():
            continue  # ZTE陈工, CATL唐工: an acronym beside a contact is a registered customer's English short name
        if (
            words
            and name.upper() not in _TRADE_ACRONYMS
            and len(name) >= 3
            and not any(w.lower() in COMMON_WORDS for w in words)
            and not _PERSONISH.match(name)
        ):
            return name
    return None


# A capitalised pair that is a person, not a company (Met John Smith): a company word ends a
# company name, so only names without one are checked.
# An English message that opens with a capitalised name: "Spacely Sprockets quote request …".
_PERSON_AT = re.compile(
    r"\b(?:with|w/|to|from|called|emailed|met|texted)\s+[A-Z][a-z]+(?: [A-Z][a-z]+)?\s+(?:at|from|of)\s+"
    r"([A-Z][\w&'-]+(?: [A-Z][\w&'-]+){0,3})"
)
# "Maple & Oak Coffee left a voicemail", "Quanta Freight's CTO called": an ampersand joins the
# name's words, a possessive ends it.
_EN_LEADING = re.compile(r"^([A-Z][\w&'-]+(?:\s+(?:&\s+)?[A-Z][\w&'-]+){0,2})(?=\s+[a-z~$\d]|\s+[A-Z]{2,5}\b|[,:]|$)")
_PERSONISH = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Mister)\b")


_TITLES = r"(?:总监|总|经理|主任|老板|董事长|董|工|老师|先生|女士|小姐|秘书|部长|处长|科长|局长|院长|书记|助理)"
# A lower-case Latin name inside a Chinese sentence, before 的 and a person or after 给 and before
# what was sent: 拜访了 kingsoft cloud 的王总, 给 alpine ski house 发了 (read by _latin_in_chinese).
_LATIN_LOWER_IN_ZH = re.compile(
    r"(?:^|(?<=[\u4e00-\u9fff\s]))([a-z][a-z&'-]+(?: [a-z][a-z&'-]+){0,3})\s*"
    r"(?:的\s*(?:[\u4e00-\u9fff]{1,2}(?:总监|总|经理|工|主任|老板)|采购|cto|ceo|cfo|buyer|老板)|(?=\s+(?:发了|发|打了|打)))"
)
_OF_PERSON = re.compile(
    rf"(?:^|[\s，,。和跟与同给里]|(?<=[认见识])了)([\u4e00-\u9fff]{{2,6}}?|[A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+){{0,2}})的"
    rf"(?:[\u4e00-\u9fff]{{1,2}}{_TITLES}|人|同事|(?:IT|it)?[\u4e00-\u9fff]{{0,4}}(?:采购|负责人|部|组|团队)|老板|IT部)"
)
# Reps write the company first, then what happened: "携程 商旅部 视频会议", "农夫山泉 下单 15万".
_LEADING_NAME = re.compile(r"^([\u4e00-\u9fff]{2,6})(?=[\s,，:：!！]|$)")
# A span that starts with a time word or ends with a cue is no name (下周五再跟进, 今天).
_NOT_A_NAME = re.compile(
    r"^(?:接到|收到|今[天日晚早]|明[天日晚早]|昨[天日晚]|前[天几两]|后[天面]|[上下](?:周|个|次|午|月|星期|礼拜)|"
    r"这(?:周|个|次|边)|本[周月]|每|刚|已|再|要|在|和|跟|给|去|到|电话|微信|短信|邮件|拜访|听说|"
    r"视频|会议|开会|见面|吃饭|签|回访|跟进|提醒|客户|新客户|我|他|她|对接人|联系人|负责人)|"
    r"(?:跟进|回访|联系|提醒|一下|了|过|吗|呢|吧|是|对接人|联系人|今天|昨天|前天|刚才|刚刚|上午|下午|晚上|早上)$|"
    r"^[小老][\u4e00-\u9fff]$"  # 小王昨天来电: a person, then when
)


def _name_like(name: str) -> bool:
    return 2 <= len(name) <= 12 and not _NOT_A_NAME.search(name) and not _PERSON_NAME.match(name)


_PERSON_NAME = re.compile(rf"^[\u4e00-\u9fff]{{1,2}}{_TITLES}$")


# A brand written bare, then its department or what it did: 大疆采购部打电话来, 携程商旅部发来邮件,
# 隆基绿能签了第一单, 安踏体育下了试用订单 (the shortest name before the word).
_BRAND_THEN = re.compile(
    r"(?:^|[\s，,。；;])(?:(?:刚刚|刚才|今天|昨天|上午|下午)?[跟和与同])?((?:(?!的)[\u4e00-\u9fff]){2,6}?)(?:采购部|采购经理|采购总监|商旅部|市场部|技术部|"
    r"财务部|信息部|IT部|行政部|人事部|销售部|项目组|那边(?:有|的)|签了|签约了|下了|下单|打电话来|打来电话|来电|发来|想要)"
)
# Words that begin a span _OF_PERSON takes but belong to the sentence: 给用友的赵经理 → 用友.
_LEAD_WORDS = "给和跟与同在陪找约对向把让请帮见去到"


# Where the rep went, or whom money went to: 去卓越物流谈仓配, 去海信拜访, 给三只松鼠退了…
_WENT_TO = re.compile(
    r"(?:^|[\s，,。；;]|邮件|微信|短信)(?:今天|昨天|明天|后天|上午|下午|晚上)?(?:去|到|给)((?:(?![的了])[\u4e00-\u9fff]){2,6}?)"
    r"(?:谈|拜访|参观|考察|开会|签|退了?|打款|回款|付|(?:采购|市场部|技术部)?(?:发了|寄了)|\s*(?:visit|onsite|demo)\b)"
)
# A company written right before a person: 中天科技王总, 波司登李经理.
_NAME_THEN_PERSON = re.compile(rf"^((?:(?!的)[\u4e00-\u9fff]){{2,8}}?)[{_SURNAMES}]{_TITLES}")
_ROLE_TAIL = re.compile(r"(?<=..)(?:的)?(?:采购|老板|销售|工程师|助理|秘书)$")
_DEPARTMENT = re.compile(r"(?:部|组|处|科|中心|团队)$")
_DEPARTMENT_TAIL = re.compile(
    r"(?:市场|采购|技术|销售|财务|行政|人事|信息|商旅|电商|IT|运营|法务|客服)(?:部|中心)$|项目组$"
)


# A company written before its site in a city: 去中联重科长沙园区拜访, 去了趟海天味业佛山总部.
_AT_ITS_SITE = re.compile(
    r"(?:^|[\s，,。；;])(?:去|到|在)?(?:了趟)?((?:(?![的了])[\u4e00-\u9fff]){2,6}?)(?:"
    + "|".join(ZH_PLACES)
    + r")(?:市)?(?:总部|园区|工厂|基地|分公司|办事处|厂区|研发中心)"
)
# A company that opens the message, then when it came or called: 药明康德昨天上午来访.
_LEADING_THEN_CAME = re.compile(
    r"^((?:(?![的了说过在和跟与给])[\u4e00-\u9fff]){2,6}?)(?:今天|昨天|前天|刚才|刚刚|今早|昨晚)?(?:上午|下午|中午|晚上)?"
    r"(?:来访|到访|来电|打来电话|来了?我们|来公司|来我司|来厂里)"
)
# 公司 after these is the rep's own (来公司参观), not the end of a company's name.
_OUR_OFFICE_BEFORE = frozenset("来 到 回 我 我们 我司 咱们 本".split())


def _zh_name(norm: str) -> str | None:
    for rule in (_AT_ITS_SITE, _LEADING_THEN_CAME):
        site = rule.search(norm.strip())
        name = _DEPARTMENT_TAIL.sub("", site.group(1)) if site else ""  # 香飘飘采购部打来电话 → 香飘飘
        if (
            name
            and _name_like(name)
            and not _channel_or_cue(name)
            and not re.search(f"[{_SURNAMES}]{_TITLES}", name)  # 唐工过两天来我们公司: a person
            and not (name[0] in _SURNAMES + "小老" and len(name) <= 3)  # 张三昨天来电, 小王来访: a person
        ):
            return name
    person_after = _NAME_THEN_PERSON.match(norm.strip())
    if person_after:
        name = _DEPARTMENT_TAIL.sub("", person_after.group(1))  # 三只松鼠市场部王总监 → 三只松鼠
        if (
            len(name) >= 2
            and _name_like(name)
            and not _channel_or_cue(name)
            and not re.search(f"[{_LEAD_WORDS}]|^(?:中午|上午|下午|晚上|早上|刚才|刚刚)", name)
        ):
            return name
    went = _WENT_TO.search(norm)
    if (
        went
        and _name_like(went.group(1))
        and not _channel_or_cue(went.group(1))
        and not _DEPARTMENT.search(went.group(1))
    ):
        return went.group(1)
    leading = _LEADING_NAME.match(norm.strip())
    if leading and _name_like(leading.group(1)) and not _channel_or_cue(leading.group(1)):
        name = _ROLE_TAIL.sub("", leading.group(1))  # 大疆采购 Lily: the brand, then who
        return name if len(name) >= 2 else None
    brand = _BRAND_THEN.search(norm)
    if brand and _name_like(brand.group(1)) and not _channel_or_cue(brand.group(1)):
        return brand.group(1)
    owner = _OF_PERSON.match(norm.strip())  # 良品铺子的电商总监…: the message opens with whose person it is
    if owner and owner.group(1) not in _ZH_STOP and _name_like(owner.group(1)) and is_cjk(owner.group(1)[0]):
        return owner.group(1)
    tokens = list(jieba_tokenizer().cut(norm))
    suffixes = set(ZH_COMPANY_SUFFIXES)
    for i, token in enumerate(tokens):
        ends_like_company = token in suffixes or any(token.endswith(s) and len(token) > len(s) for s in suffixes)
        if not ends_like_company or not all(is_cjk(c) for c in token):
            continue
        if token == "公司" and i and tokens[i - 1] in _OUR_OFFICE_BEFORE:
            continue
        parts = [token]
        j = i - 1
        while j >= 0 and len("".join(parts)) < 12 and tokens[j] not in _ZH_STOP and all(is_cjk(c) for c in tokens[j]):
            parts.insert(0, tokens[j])
            j -= 1
        # Keep a following suffix too (云帆科技有限公司 may be cut as 云帆 / 科技 / 有限公司).
        k = i + 1
        while k < len(tokens) and tokens[k] in suffixes:
            parts.append(tokens[k])
            k += 1
        for span in range(1, 4):  # ...and a registered form ahead: 苏州绿源环保 / 设备 / 有限公司
            ahead = tokens[k : k + span]
            if (
                len(ahead) == span
                and all(is_cjk(c) for t in ahead for c in t)
                and not set(ahead) & (_ZH_STOP | _OUR_OFFICE_BEFORE)
                and "".join(ahead).endswith(("有限公司", "股份公司", "集团", "公司"))
            ):
                parts += ahead
                break
        name = "".join(parts)
        if len(name) > len(token) or len(token) > 2 and token not in suffixes:
            return name
    owner = _OF_PERSON.search(norm)  # 海底捞的王经理: the company the person is from
    if owner and owner.group(1) not in _ZH_STOP:
        name = re.split(f"[{_LEAD_WORDS}]", owner.group(1))[-1]  # 微信给海信的采购 → 海信
        return name if len(name) >= 2 else owner.group(1)
    marker = re.search(
        r"(?:新客户|潜在客户|潜客|新的客户|客户|拜访了?|走访了?|考察了?|去了|见了|听说|接到|收到|"
        r"(?i:new (?:client|lead|customer|prospect)))[:：,\s]*([\u4e00-\u9fff]{2,6})",
        norm,
    )
    if marker:
        words = list(jieba_tokenizer().cut(marker.group(1)))
        kept = []
        for word in words:
            if word in _ZH_STOP:
                break
            kept.append(word)
        name = "".join(kept)
        return name if _name_like(name) and not _DEPARTMENT.search(name) else None  # 拜访了采购部: no company
    return None
