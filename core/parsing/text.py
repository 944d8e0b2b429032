"""Text helpers shared by the readers: one normal form, clause bounds, numbers in both scripts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import cn2an

# Messages longer than this are read only up to here (summary keeps the whole, trimmed, text):
# a 5,000-character paste is not one interaction, and the scanners are linear in length.
MAX_READ_CHARS = 1000

CJK = "\u4e00-\u9fff"
_CJK_CHAR = re.compile(f"[{CJK}]")
# Clause breaks: CJK and Latin punctuation, but not a dot or comma inside a number (1.2m, 1,200).
_SENTENCE_BREAK = re.compile(r"[;!?\n、。！？；]|[.,](?!\d)|(?<!\d)[.,]|\s[-–—]\s|\bbut\b|但是?|不过")
# A space between two Chinese characters is punctuation too: reps type "邮件发给罗经理 周四电话跟进".
_CLAUSE_BREAK = re.compile(_SENTENCE_BREAK.pattern + r"|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def normalise(text: str) -> str:
    """NFKC (full-width digits, letters and punctuation → ASCII) with case kept; one char in,
    one char out wherever NFKC allows, so spans found here can be shown back to the rep."""
    text = text[:MAX_READ_CHARS]
    if not unicodedata.is_normalized("NFKC", text):
        out = []
        for char in text:
            folded = unicodedata.normalize("NFKC", char)
            out.append(folded if len(folded) == 1 else char)
        text = "".join(out)
    if not text.isascii():
        text = _simplified(text)
    return text.replace("\u3000", " ")


@lru_cache(maxsize=1)
def _to_simplified() -> Callable[[str], str]:
    import opencc  # OpenCC's own binding: ~2 µs a message

    return opencc.OpenCC("t2s").convert


def _simplified(text: str) -> str:
    """Traditional characters read as simplified (發郵件給中興 → 发邮件给中兴), one char for one."""
    converted = _to_simplified()(text)
    if len(converted) == len(text):
        return converted
    convert = _to_simplified()
    return "".join(c if len(c := convert(char)) == 1 else char for char in text)


def lower(text: str) -> str:
    """Lower case without changing the length (a few letters lower to two chars; keep those)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(low := c.lower()) != 1 else low for c in text)


# Shanghainese and voice dictation say 讲 for 说 (王经理讲下周来, 电话里讲…); read it as 说, one char for
# one, except in words where 讲 is not "say" (讲解, 讲座, 演讲, 讲课, 讲究, 讲价) or presents (讲方案).
_SPOKEN_SAY = re.compile(r"(?<![演听宣主])讲(?![解座课师究台义稿价]|方案|产品|ppt)")


def fold_speech(low: str) -> str:
    return _SPOKEN_SAY.sub("说", low) if "讲" in low else low


def has_cjk(text: str) -> bool:
    return not text.isascii() and _CJK_CHAR.search(text) is not None


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def clause_bounds(text: str, *, spaces: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each clause; readers use them to keep a cue with its own date or amount.
    `spaces` False: only punctuation ends a clause (a Chinese message's spaced phrases stay one)."""
    bounds, start = [], 0
    for match in (_CLAUSE_BREAK if spaces else _SENTENCE_BREAK).finditer(text):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds or [(0, len(text))]


def clause_of(bounds: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in bounds:
        if start <= position < end:
            return start, end
    return (0, 0)


ZH_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_ENGLISH_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "couple": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
}
EN_NUMBER_WORDS = "|".join(sorted(_ENGLISH_NUMBERS, key=len, reverse=True))


@lru_cache(maxsize=4096)
def to_int(word: str) -> int | None:
    """'3', '三', '十二', '两', 'two' → int; None when it is not a whole number."""
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    if word in _ENGLISH_NUMBERS:
        return _ENGLISH_NUMBERS[word]
    if word and all(c in ZH_DIGITS for c in word):
        try:
            value = cn2an.cn2an(word.replace("两", "二").replace("〇", "零"), "smart")
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        return int(value) if float(value).is_integer() else None
    return None
