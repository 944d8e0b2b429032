"""Which customers a sentence is about, and /find.

Built once per book. Mentions are found by hash look-ups, not by comparing the sentence with
every customer: CJK aliases by substring, Latin aliases by word n-gram, IME homophone typos
(华伟 for 华为) by the same look-up on pinyin, and Latin typos (Acmee) by rapidfuzz over a small
block of aliases that share the word's first or last letter and about its length. That keeps a
message on a 10k-customer book well under a millisecond for the lookup part.

Alias weights (the best alias of a customer is its score; a second, independent kind of alias —
a contact next to the company — adds a small bonus, and a contact that the named customer also
has counts 30 less for the other customers who share it):
    display name, full company          100
    learned alias                        96   阿里 → 阿里巴巴 (taught by a rep, or imported)
    short company / name (no suffix)     92   星辰科技有限公司 → 星辰科技 → 星辰
    leading characters or words          88   中兴 → 中兴通讯, stark ind, Wayne Ent, vandelay
    two-character short form             86   青啤 → 青岛啤酒, 东航 → 东方航空
    contact person                       80   张总, Bob Smith
    pinyin homophone of a CJK name       84   华伟 → 华为 (needs one character in common)
    name written in pinyin               80   huawei → 华为
    Latin typo                   ratio × 0.95  Acmee → Acme (ratio ≥ 85)
    contact's first name alone           60   Bob (only when capitalised in the text)
    contact's surname alone              58   Osborn → Norman Osborn (only when capitalised)
    pinyin initials of a 3-character name 86  byd → 比亚迪
    well-known nickname                  86   鹅厂 → 腾讯, 菊厂 → 华为 (words.NICKNAMES)
    English trade name                   86   Gree → 格力电器, CMB → 招商银行 (words.ENGLISH_NAMES)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

from .model import BookEntry, Candidate
from .text import has_cjk, is_cjk, lower, normalise
from .words import (
    COMMON_WORDS,
    ENGLISH_NAMES,
    LATIN_COMPANY_SUFFIXES,
    NICKNAMES,
    TRADE_ACRONYMS,
    WORDLIKE_NAMES,
    ZH_COMPANY_SUFFIXES,
    ZH_PLACES,
)

NAME, CORE, CONTACT, HOMOPHONE, PINYIN, FIRST_NAME, SURNAME = 100.0, 92.0, 80.0, 84.0, 80.0, 60.0, 58.0
ALIAS = 96.0  # a name the reps taught (阿里 → 阿里巴巴) or an import's 别名 column
PREFIX = 88.0  # leading characters or words: 中兴 → 中兴通讯, stark ind → Stark Industries
ABBREVIATION = 86.0  # first character of each part: 青啤 → 青岛啤酒, 东航 → 东方航空
MIN_CJK_PREFIX, MIN_LATIN_PREFIX, MIN_FIRST_WORD = 2, 3, 4
FUZZY_CUTOFF, FUZZY_WEIGHT = 85.0, 0.95
SECOND_KIND_BONUS = 5.0
EXPLAINED_CONTACT_PENALTY = 30.0  # 张总 next to 星辰科技 is 星辰科技's 张总, not another customer's
OWNED_NAME_PENALTY = 20.0  # 华为 written: 华为云's short form 华为 counts 20 less
MAX_ALIAS_CHARS = 40
RANKED = 32  # candidates kept per message (the card shows 6)
AMBIGUITY_GAP = 10.0  # candidates closer than this to the best one make the choice ambiguous
MAX_NGRAM = 4

_ZH_PLACE = re.compile("^(?:" + "|".join(ZH_PLACES) + ")[市省]?")
_ZH_SUFFIX = re.compile("(?<=..)(?:" + "|".join(sorted(ZH_COMPANY_SUFFIXES, key=len, reverse=True)) + ")$")
_ALL_CJK = re.compile("[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[&'.+-][a-z0-9]+)*")
_NOT_LETTER = re.compile(r"[\W_]+")
_DERIVED_WEIGHTS = frozenset({PREFIX, ABBREVIATION})  # forms the index derives, not names anyone wrote
# Three-letter words of a rep's shorthand that are no one's initials (mtg, fyi, tmr …).
CHAT_ABBREVIATIONS = frozenset(
    "mtg fyi eta pls plz thx tmr tmw tdy sow nda msa mou loi sla kpi roi sms qbr pdf ppt xls doc fwd btw lol omg "
    "tbd tba eod eow eom eoy wfh ooo pto hrs min sec usd cny rmb hkd eur gbp jpy vip est pst cst utc gmt asap "
    "b2b b2c ppl pcs qty amt ref req msg txt yrs mos wks idk imo jic nvm".split()
)
SHARED_SHORT_MIN = 3  # duplicate check: two short forms alike count from this length (星辰科技, 星辰物流: 星辰)


@dataclass(frozen=True, slots=True)
class Alias:
    customer_id: int
    weight: float
    is_contact: bool
    written: str  # as the book writes it (case kept), for case-sensitive aliases


@dataclass(frozen=True, slots=True)
class Resolved:
    candidates: tuple[Candidate, ...]  # best first
    others: tuple[Candidate, ...]  # further customers named in the same sentence
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class Mention:
    customer_id: int
    score: float
    start: int
    end: int
    is_contact: bool


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL)[0] if is_cjk(char) else char


@lru_cache(maxsize=65536)
def _syllables(text: str) -> tuple[str, ...]:
    return tuple(_syllable(c) for c in text)


def sounds_like_start(typed: str, name: str) -> bool:
    """梦牛 sounds like the start of 蒙牛乳业: a voice-typing slip for the name, one character at least
    in common."""
    head = name[: len(typed)]
    return (
        len(typed) >= 2
        and len(head) == len(typed)
        and is_cjk(typed[0])
        and is_cjk(head[0])
        and any(a == b for a, b in zip(typed, head))
        and _syllables(typed) == _syllables(head)
    )


def _latin_key(text: str) -> str:
    return " ".join(_WORD.findall(lower(text)))


@lru_cache(maxsize=65536)
def _short_names(name: str) -> frozenset[str]:
    """星辰科技有限公司 → {星辰科技, 星辰}; Acme Corporation → {acme}; 深圳市鼎盛贸易 → {鼎盛贸易, 鼎盛}."""
    out: set[str] = set()
    if has_cjk(name):
        current = name
        for _ in range(3):
            stripped = _ZH_PLACE.sub("", current) if len(current) > 4 else current
            stripped = _ZH_SUFFIX.sub("", stripped)
            if stripped == current or len(stripped) < 2:
                break
            if not _is_place(stripped):  # 青岛啤酒 → 青岛 is the city, not the brewery
                out.add(stripped)
            current = stripped
        return frozenset(out)
    words = _latin_key(name).split()
    while len(words) > 1 and words[-1].strip(".") in LATIN_COMPANY_SUFFIXES:
        words = words[:-1]
        out.add(" ".join(words))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class NameForm:
    text: str
    weight: float


_LATIN_ARTICLES = frozenset("the los las la le el les der die das".split())
# Industries whose four-character names are shortened to two characters (青岛啤酒 → 青啤,
# 东方航空 → 东航, 招商银行 → 招行); 中兴通讯 is 中兴, never 中通.
ABBREVIATED_SUFFIXES = frozenset("啤酒 航空 银行 大学 医院 证券 保险 石化 石油 电力 钢铁 铁路".split())
_GENERIC_HEADS = frozenset(
    "中国 中华 国际 全国 国家 华东 华南 华北 华中 西南 西北 东北 亚洲 世界 环球 "
    "新兴 现代 未来 第一 一号 公司 集团 我们".split()
)


def _is_place(text: str) -> bool:
    return text in ZH_PLACES or text.rstrip("市省") in ZH_PLACES or text in _GENERIC_HEADS


@lru_cache(maxsize=65536)  # the index is rebuilt every minute from mostly the same names
def name_forms(name: str, shorts: frozenset[str] | None = None) -> tuple[NameForm, ...]:
    """The shorter forms reps type for a registered name, derived once when the book is indexed
    (a rename re-derives them): leading characters of a Chinese name (中兴 → 中兴通讯, 字节 →
    字节跳动), the two-character short form of a four-character one (青岛啤酒 → 青啤), the first
    word of a Latin name and its leading words with the last one cut (vandelay, stark ind,
    Wayne Ent). A place or a generic word (青岛, 中国) alone is never a form."""
    shorts = _short_names(name) if shorts is None else shorts
    out: dict[str, float] = {}
    if has_cjk(name):
        core = min(shorts, key=len) if shorts else name  # prefixes of the part without suffix
        if _ALL_CJK.fullmatch(core):
            for length in range(MIN_CJK_PREFIX, len(core)):
                out.setdefault(core[:length], PREFIX)
        for form in {name, *shorts}:
            if len(form) == 4 and _ALL_CJK.fullmatch(form) and form[2:] in ABBREVIATED_SUFFIXES:
                out.setdefault(form[0] + (form[3] if form.endswith("银行") else form[2]), ABBREVIATION)
            if len(form) == 3 and _ALL_CJK.fullmatch(form):  # 比亚迪 → byd, as reps type it
                initials = "".join(syllable[0] for syllable in _syllables(form))
                if initials not in COMMON_WORDS | CHAT_ABBREVIATIONS and initials.upper() not in TRADE_ACRONYMS:
                    out.setdefault(initials, ABBREVIATION)
            for nickname in NICKNAMES.get(form, ()) + ENGLISH_NAMES.get(form, ()):  # 鹅厂, Tencent → 腾讯
                out.setdefault(nickname, ABBREVIATION)
    else:
        words = _latin_key(name).split()
        if len(words) > 2 and words[0] in _LATIN_ARTICLES:  # Los Pollos Hermanos → pollos
            out[" ".join(words[1:])] = PREFIX
            out.setdefault(words[1], PREFIX) if len(words[1]) >= MIN_FIRST_WORD and words[
                1
            ] not in COMMON_WORDS else None
        core_words = [w for w in words if w not in LATIN_COMPANY_SUFFIXES]
        if len(core_words) >= 3:  # Buy n Large → bnl
            initials = "".join(w[0] for w in core_words)
            if initials not in COMMON_WORDS:
                out.setdefault(initials, ABBREVIATION)
        if len(words) > 1:
            if len(words[0]) >= MIN_FIRST_WORD and words[0] not in COMMON_WORDS and not words[0].isdigit():
                out[words[0]] = PREFIX
            for k in range(1, min(len(words), MAX_NGRAM)):
                head = " ".join(words[:k])
                for length in range(MIN_LATIN_PREFIX, len(words[k])):
                    out.setdefault(f"{head} {words[k][:length]}", PREFIX)
    taken = {lower(name), *(lower(s) for s in shorts)}
    return tuple(
        NameForm(text, weight) for text, weight in out.items() if lower(text) not in taken and not _is_place(text)
    )


class CustomerIndex:
    """Aliases of one book, ready for `mentions` (inside a sentence) and `find` (a search box)."""

    def __init__(self, entries: Iterable[BookEntry]) -> None:
        self._names: dict[int, str] = {}
        self._cjk: dict[str, list[Alias]] = defaultdict(list)  # alias → who
        self._latin: dict[str, list[Alias]] = defaultdict(list)  # "acme corporation" → who
        self._sounds: dict[str, list[tuple[str, Alias]]] = defaultdict(list)  # "hua wei" → (华为, who)
        self._blocks: dict[tuple[str, int], list[str]] = defaultdict(list)  # fuzzy blocks
        self._search: list[str] = []  # /find: names, companies, contacts, pinyin; lowered
        self._search_owner: list[int] = []
        self._search_written: list[str] = []  # what /find shows as `matched`
        self._initials: list[tuple[str, int, str]] = []  # ("hw", customer, "华为"): prefix only
        for entry in entries:
            self._add(entry)
        self._drop_crowded_forms()
        # /find scans one joined string with str.find (C speed) instead of 50k Python compares.
        self._blob = "\n" + "\n".join(self._search) + "\n"
        self._offsets = list(accumulate((len(k) + 1 for k in self._search), initial=1))[:-1]
        self._cjk_lengths = sorted({len(a) for a in self._cjk}, reverse=True)
        self._sound_lengths = sorted({k.count(" ") + 1 for k in self._sounds}, reverse=True)
        for key in self._latin:
            if len(key) >= 4 and " " not in key and not key.isdigit():
                self._blocks[(key[0], len(key))].append(key)
                self._blocks[(key[-1] + "$", len(key))].append(key)

    def __len__(self) -> int:
        return len(self._names)

    # -- building -------------------------------------------------------------------------

    def _add(self, entry: BookEntry) -> None:
        cid = entry.customer_id
        self._names[cid] = entry.name
        names = [normalise(n).strip() for n in (entry.name, entry.company) if n and n.strip()]
        for name in names:
            self._alias(name, Alias(cid, NAME, False, name))
            shorts = _short_names(name)
            for short in shorts:
                self._alias(short, Alias(cid, CORE, False, short))
            for form in name_forms(name, shorts):
                self._alias(form.text, Alias(cid, form.weight, False, form.text))
        taught = [normalise(a).strip() for a in entry.aliases if a and a.strip()]
        for alias in taught:
            self._alias(alias, Alias(cid, ALIAS, False, alias))
        for contact in entry.contacts:
            contact = normalise(contact).strip()
            if not contact:
                continue
            self._alias(contact, Alias(cid, CONTACT, True, contact))
            words = contact.split()
            if len(words) > 1 and not has_cjk(contact):
                self._latin[_latin_key(words[0])].append(Alias(cid, FIRST_NAME, True, words[0]))
                if len(words[-1]) >= 3:  # "Osborn didn't dial in": the surname alone, capitalised
                    self._latin[_latin_key(words[-1])].append(Alias(cid, SURNAME, True, words[-1]))
        for name in names + taught:
            self._search_entry(name, cid)
        for contact in entry.contacts:
            self._search_entry(normalise(contact), cid)

    def _drop_crowded_forms(self) -> None:
        """A derived short form that more than RANKED customers share (the leading words of
        "Company 00017 Ltd" in a book of such names, a two-character prefix in a big book) names
        none of them: it is left out of the sentence scan — a message would otherwise build a
        mention per customer sharing it, thousands in a big book, for a choice the card could not
        offer. Names, taught aliases, contacts and the forms of a few customers stay."""
        for table in (self._cjk, self._latin):
            for key, aliases in table.items():
                derived = [a for a in aliases if a.weight in _DERIVED_WEIGHTS]
                if len({a.customer_id for a in derived}) > RANKED:
                    table[key] = [a for a in aliases if a.weight not in _DERIVED_WEIGHTS]

    def _alias(self, text: str, alias: Alias) -> None:
        if has_cjk(text):
            key = lower(text)
            if len(key) >= 2:
                self._cjk[key].append(alias)
                # sounds and pinyin only for whole names: 华为云's leading 华为 is no "huawei"
                if not alias.is_contact and alias.weight > PREFIX and _ALL_CJK.fullmatch(key):
                    syllables = _syllables(key)
                    self._sounds[" ".join(syllables)].append((key, alias))
                    spelled = "".join(syllables)
                    if len(spelled) >= 5 and spelled not in COMMON_WORDS:
                        self._latin[spelled].append(Alias(alias.customer_id, PINYIN, False, spelled))
        else:
            key = _latin_key(text)
            if len(key) >= 2 and key.count(" ") < MAX_NGRAM:
                self._latin[key].append(alias)

    def _search_entry(self, text: str, cid: int) -> None:
        keys = {lower(text)}
        if has_cjk(text):
            syllables = [s for s in _syllables(text) if s.strip()]
            keys.add("".join(syllables))
            self._initials.append(("".join(s[0] for s in syllables if s), cid, text))
        for key in keys:
            self._search.append(key)
            self._search_owner.append(cid)
            self._search_written.append(text)

    # -- reading ----------------------------------------------------------------------------

    def scan(self, text: str) -> list[Mention]:
        """Every alias occurrence in already-normalised `text`, longest spans kept."""
        low = lower(text)
        found = self._scan_cjk(low) + self._scan_latin(text, low)
        found += self._scan_sounds(low, found)
        return _drop_contained(found)

    def _scan_cjk(self, low: str) -> list[Mention]:
        out: list[Mention] = []
        for i in range(len(low)):
            for length in self._cjk_lengths:
                if i + length > len(low):
                    continue
                aliases = self._cjk.get(low[i : i + length])
                if aliases and _latin_bounded(low, i, i + length):
                    out.extend(Mention(a.customer_id, a.weight, i, i + length, a.is_contact) for a in aliases)
        return out

    def _scan_latin(self, text: str, low: str) -> list[Mention]:
        words = [_unpossessed(m.start(), m.end(), m.group()) for m in _WORD.finditer(low)]
        out: list[Mention] = []
        exact_spans: set[tuple[int, int]] = set()
        for i in range(len(words)):
            for n in range(1, MAX_NGRAM + 1):
                if i + n > len(words):
                    break
                start, end = words[i][0], words[i + n - 1][1]
                key = " ".join(w[2] for w in words[i : i + n])
                for alias in self._latin.get(key, ()):
                    if _case_ok(alias, text[start:end], key):
                        out.append(Mention(alias.customer_id, alias.weight, start, end, alias.is_contact))
                        exact_spans.add((start, end))
        for start, end, word in words:
            if (start, end) in exact_spans or len(word) < 4 or word in COMMON_WORDS or not word.isalpha():
                continue
            out.extend(self._fuzzy(word, start, end))
        return out

    def _fuzzy(self, word: str, start: int, end: int) -> list[Mention]:
        out: list[Mention] = []
        seen: set[str] = set()
        for length in range(len(word) - 2, len(word) + 3):
            for block in ((word[0], length), (word[-1] + "$", length)):
                for key, score, _ in process.extract(
                    word, self._blocks.get(block, ()), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
                ):
                    if key in seen:
                        continue
                    seen.add(key)
                    out.extend(
                        Mention(
                            a.customer_id, min(a.weight, NAME) * FUZZY_WEIGHT * score / 100, start, end, a.is_contact
                        )
                        for a in self._latin[key]
                        if a.weight >= CONTACT
                    )
        return out

    def _scan_sounds(self, low: str, exact: list[Mention]) -> list[Mention]:
        if not self._sounds or not has_cjk(low):
            return []
        taken = {(m.start, m.end) for m in exact}
        syllables = _syllables(low)
        out = []
        for i in range(len(low)):
            if not is_cjk(low[i]):
                continue
            for length in self._sound_lengths:
                piece = low[i : i + length]
                if len(piece) < length or (i, i + length) in taken:
                    continue
                for written, alias in self._sounds.get(" ".join(syllables[i : i + length]), ()):
                    if written != piece and any(a == b for a, b in zip(written, piece)):
                        out.append(Mention(alias.customer_id, HOMOPHONE * alias.weight / NAME, i, i + length, False))
        return out

    def rank(self, mentions: list[Mention], text: str) -> list[Candidate]:
        """One candidate per customer, best first; a contact plus a name of the same customer
        earns a small bonus, so 张总（星辰科技） beats another customer who also has a 张总."""
        best: dict[int, Mention] = {}
        kinds: dict[int, set[bool]] = defaultdict(set)
        for mention in mentions:
            kinds[mention.customer_id].add(mention.is_contact)
            if mention.customer_id not in best or mention.score > best[mention.customer_id].score:
                best[mention.customer_id] = mention
        named = {m.customer_id for m in mentions if not m.is_contact}
        explained = {(m.start, m.end) for m in mentions if m.is_contact and m.customer_id in named}
        # A span that is one customer's own name (华为) is not another's short form (华为云 → 华为).
        owned = {(m.start, m.end): m.customer_id for m in mentions if m.score >= ALIAS and not m.is_contact}

        def score(m: Mention) -> float:
            value = m.score + _bonus(kinds[m.customer_id])
            if m.customer_id not in named and (m.start, m.end) in explained:
                value -= EXPLAINED_CONTACT_PENALTY
            elif m.score < ALIAS and owned.get((m.start, m.end), m.customer_id) != m.customer_id:
                value -= OWNED_NAME_PENALTY
            return value

        scored = sorted(((score(m), m) for m in best.values()), key=lambda pair: (-pair[0], pair[1].start))
        # A short form shared by hundreds of customers (a 2-character prefix in a big book)
        # makes no candidate below the best RANKED anyway: build only those.
        return [
            Candidate(
                m.customer_id,
                self._names[m.customer_id],
                round(min(100.0, value), 1),
                text[m.start : m.end],
                m.start,
                m.end,
                m.is_contact,
            )
            for value, m in scored[:RANKED]
        ]

    def resolve(self, mentions: list[Mention], text: str) -> Resolved:
        """Who the sentence is about: the best candidates for the first customer named, and the
        other customers named beside it ("Called Contoso and Fabrikam", 华为、小米、海尔).

        Mentions whose spans overlap compete for one slot (a shared contact, 华为 in 华为云);
        a slot whose winner is a customer's name (not a contact) and has no close rival names
        a customer of its own. Two or more such slots: one log per customer, the first named
        leads. Otherwise the ranking decides, ambiguous when the best two are close."""
        ranked = self.rank(mentions, text)
        slots: list[list[Candidate]] = []
        for candidate in sorted(ranked, key=lambda c: c.start):
            for slot in slots:
                if any(candidate.start < c.end and c.start < candidate.end for c in slot):
                    slot.append(candidate)
                    break
            else:
                slots.append([candidate])
        named: list[Candidate] = []
        for slot in slots:
            slot.sort(key=lambda c: -c.score)
            clear = len(slot) == 1 or slot[0].score - slot[1].score >= AMBIGUITY_GAP
            full_person = slot[0].is_contact and len(slot[0].matched.split()) >= 2  # "Albert Wesker"
            names_one = (
                slot[0].score >= ABBREVIATION and not slot[0].is_contact or full_person and slot[0].score >= CONTACT
            )
            if clear and names_one and all(c.customer_id != slot[0].customer_id for c in named):  # one log per customer
                named.append(slot[0])
        if len(named) > 1:
            lead = named[0]
            taken = {c.customer_id for c in named}
            rest = [c for c in ranked if c.customer_id not in taken]
            return Resolved((lead, *rest), tuple(named[1:]), False)
        return Resolved(tuple(ranked), (), is_ambiguous(ranked))

    def mentions(self, text: str) -> list[Candidate]:
        """Customers mentioned inside a free sentence, best first."""
        norm = normalise(text or "")
        return self.rank(self.scan(norm), norm)

    def alias_problem(self, text: str, customer_id: int) -> tuple[str, str | None] | None:
        """Why `text` cannot become an alias of `customer_id`, or None when it can:
        ("too_short" | "too_long" | "no_letters", None), ("known", None) when it already finds
        that customer by name, ("taken", other's name) when it is another customer's name or alias."""
        norm = normalise(text or "").strip()
        key = lower(norm) if has_cjk(norm) else _latin_key(norm)
        if not re.search(r"[^\W\d_]", norm):
            return ("no_letters", None)
        if len(key) < 2:
            return ("too_short", None)
        if len(norm) > MAX_ALIAS_CHARS:
            return ("too_long", None)
        table = self._cjk if has_cjk(norm) else self._latin
        holders = {a.customer_id for a in table.get(key, ()) if not a.is_contact and a.weight >= ALIAS}
        others = holders - {customer_id}
        if others:
            return ("taken", self._names[min(others)])
        if customer_id in holders:
            return ("known", None)
        return None

    def find(self, query: str, limit: int = 8) -> list[Candidate]:
        """For /find: fuzzy over names, companies and contacts, in hanzi, Latin or pinyin
        (huawei, hw → 华为). Exact, prefix and substring hits first, then initials, then
        rapidfuzz's ratio for typos (≥ 75, only for queries of 3+ characters)."""
        key = lower(normalise(query or "")).strip()
        if not key or limit <= 0:
            return []
        scores: dict[int, tuple[float, str]] = {}

        def offer(cid: int, score: float, matched: str) -> None:
            if cid not in scores or score > scores[cid][0]:
                scores[cid] = (score, matched)

        key = key.replace("\n", " ")
        position = self._blob.find(key)
        while position != -1:
            i = bisect_right(self._offsets, position) - 1
            alias = self._search[i]
            if position == self._offsets[i]:
                score = 100.0 if len(alias) == len(key) else 95.0 - min(len(alias), 20) / 4
            else:
                score = 85.0
            offer(self._search_owner[i], score, self._search_written[i])
            position = self._blob.find(key, position + 1)
        for alias in (*self._cjk.get(key, ()), *self._latin.get(_latin_key(key), ())):
            if alias.weight == ABBREVIATION and not alias.is_contact:  # 青啤, 东航: as the card reads them
                offer(alias.customer_id, ABBREVIATION, alias.written)
        for initials, cid, written in self._initials:
            if initials.startswith(key):
                offer(cid, 90.0 if initials == key else 80.0, written)
        if not scores and len(key) >= 3:
            for _, score, i in process.extract(key, self._search, scorer=fuzz.ratio, score_cutoff=75, limit=limit * 4):
                offer(self._search_owner[i], score * 0.9, self._search_written[i])
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], self._names[item[0]]))
        return [Candidate(cid, self._names[cid], round(score, 1), matched) for cid, (score, matched) in ranked[:limit]]


class NameIndex:
    """Customer names and companies by their forms, for the duplicate check at /new (客户查重)."""

    def __init__(self, entries: Iterable[BookEntry]) -> None:
        self._names: dict[int, str] = {}
        self._forms: dict[str, list[tuple[int, bool]]] = defaultdict(list)  # form → (who, is the full name)
        for entry in entries:
            self._names[entry.customer_id] = entry.name
            for text in {entry.name, entry.company or "", *entry.aliases}:
                own, keys = _name_forms(text)
                for key in keys:
                    self._forms[key].append((entry.customer_id, key == own))

    def __len__(self) -> int:
        return len(self._names)

    def same_name(self, name: str, limit: int = 5) -> list[Candidate]:
        """Customers that may be the one `name` means: their name or company is `name`, or a short
        form of one is the other (深圳市星辰科技有限公司 ~ 星辰科技 ~ 星辰), or both shorten to the same
        name of 3+ characters (Cobalt Mining Corp. ~ Cobalt Mining Corporation). Contacts never
        count (a person's name, or a piece of one, is not a customer), nor do near spellings
        (客户123 is not 客户1023): a warning must not name another team's owner for a likeness."""
        full, keys = _name_forms(name)
        scores: dict[int, float] = {}
        for key in keys:
            for cid, is_full in self._forms.get(key, ()):
                if key == full or is_full or len(key) >= SHARED_SHORT_MIN:
                    scores[cid] = max(scores.get(cid, 0.0), NAME if key == full and is_full else CORE)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self._names[item[0]]))
        return [Candidate(cid, self._names[cid], score, "") for cid, score in ranked[:limit]]


def _name_forms(name: str) -> tuple[str, set[str]]:
    """A name's key and the keys of all its forms (itself and its short forms), compared without
    case, spaces or punctuation: 'Acme Corp.' → ('acmecorp', {'acmecorp', 'acme'})."""
    text = normalise(name or "").strip()
    forms = {_NOT_LETTER.sub("", lower(form)) for form in (text, *_short_names(text))}
    return _NOT_LETTER.sub("", lower(text)), {key for key in forms if len(key) >= 2}


def is_ambiguous(candidates: list[Candidate]) -> bool:
    return len(candidates) > 1 and candidates[0].score - candidates[1].score < AMBIGUITY_GAP


def _bonus(kinds: set[bool]) -> float:
    return SECOND_KIND_BONUS if len(kinds) > 1 else 0.0


def _latin_bounded(low: str, start: int, end: int) -> bool:
    """A CJK alias that begins or ends with a Latin letter must not cut a Latin word."""
    if (
        low[start].isascii()
        and low[start].isalnum()
        and start > 0
        and low[start - 1].isascii()
        and low[start - 1].isalnum()
    ):
        return False
    last = low[end - 1]
    return not (last.isascii() and last.isalnum() and end < len(low) and low[end].isascii() and low[end].isalnum())


def _unpossessed(start: int, end: int, word: str) -> tuple[int, int, str]:
    """vandelay's warehouse → vandelay."""
    if word.endswith("'s") and len(word) > 3:
        return start, end - 2, word[:-2]
    return start, end, word


def _case_ok(alias: Alias, written: str, key: str) -> bool:
    """Common words ("Target", "Shell") count only when capitalised; so do first names that are
    also words (Art, Bill, Will) — reps type "texted bruce", not "texted Bruce"."""
    if key in COMMON_WORDS or alias.weight == SURNAME or (alias.weight == FIRST_NAME and key in WORDLIKE_NAMES):
        return written[:1].isupper()
    return True


def _drop_contained(mentions: list[Mention]) -> list[Mention]:
    """华为云 beats 华为 inside it: a span strictly inside a longer matched span is dropped."""
    spans = {(m.start, m.end) for m in mentions}
    return [
        m for m in mentions if not any(s <= m.start and m.end <= e and (e - s) > (m.end - m.start) for s, e in spans)
    ]
