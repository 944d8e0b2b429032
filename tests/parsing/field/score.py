"""Scores the parser on the field set (tests/parsing/field): 2,320 messages written and labelled
blind — by people who had not read the parser — against a book of full registered names.

`dev.jsonl` … `dev10.jsonl` (1,960 in ten parts, each scored before it was first tuned on) are
the parts tuned on; `holdout.jsonl` (360) is never tuned on: only its per-field table is ever
printed, not its misses. Run `python -m tests.parsing.field.score dev10` to see a dev part's misses.

Fields: customer (the book names the message is about, in order; ["ambiguous"] for a shared
contact alone), new_customer (a company not in the book, offered for creation), kind, attempt,
date (local day it happened), part_of_day (the hour falls in it), amount, money (booked /
expected / refund), currency, follow_up (its day), follow_up_text (usable: holds one word of
every keyword group), feedback, fact (birthday or phone of a contact).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from core.parsing import CustomerIndex, ParsedLog, parse

from .book import BOOK, NOW, ZONE

HERE = Path(__file__).parent
PARTS_OF_DAY = {"morning": (5, 11), "noon": (11, 14), "afternoon": (13, 18), "evening": (18, 24)}
FIELDS = (
    "customer",
    "new_customer",
    "kind",
    "attempt",
    "date",
    "part_of_day",
    "amount",
    "money",
    "currency",
    "follow_up",
    "follow_up_text",
    "feedback",
    "fact",
)


def load(part: str) -> list[dict]:
    lines = (HERE / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _customers(log: ParsedLog) -> list[str]:
    if not log.candidates:
        return []
    if log.ambiguous:
        return ["ambiguous"]
    return [log.candidates[0].name, *(c.name for c in log.others)]


def _usable(text: str | None, groups: list[list[str]]) -> bool:
    low = (text or "").lower()
    return bool(low) and all(any(word.lower() in low for word in group) for group in groups)


def _fact(log: ParsedLog, want: dict) -> bool:
    if not log.facts:
        return False
    fact = log.facts[0]
    if (
        fact.kind != want["kind"]
        or fact.contact.lower() not in want["contact"].lower()
        and want["contact"].lower() not in fact.contact.lower()
    ):
        return False
    if want["kind"] == "birthday":
        return fact.value == f"{want['month']:02d}-{want['day']:02d}"
    return fact.value.lstrip("+").endswith(want["value"].lstrip("+")[-11:])


def judge(row: dict, log: ParsedLog) -> dict[str, bool]:
    """field → right or wrong, for the fields this row labels."""
    zone = ZoneInfo(ZONE)
    when = log.occurred_at.astimezone(zone)
    out = {
        "customer": _customers(log) == row["customers"],
        "kind": log.kind == row["kind"],
        "attempt": log.attempt == row["attempt"],
        "date": when.date().isoformat() == row["date"],
        "amount": (log.amount is None) == (row["amount"] is None)
        and (row["amount"] is None or Decimal(row["amount"]) == log.amount),
        "money": log.money == row["money"],
        "currency": log.currency == row["currency"],
        "follow_up": (log.follow_up.due.astimezone(zone).date().isoformat() if log.follow_up else None)
        == row["follow_up"],
        "feedback": (log.feedback.kind if log.feedback else None) == row["feedback"],
    }
    if row["new_customer"] is not None:
        out["new_customer"] = (log.new_customer or "").lower().strip() == row["new_customer"].lower().strip()
    if row["part_of_day"] is not None:
        low, high = PARTS_OF_DAY[row["part_of_day"]]
        out["part_of_day"] = low <= when.hour < high
    if row["follow_up_keywords"] is not None:
        out["follow_up_text"] = log.follow_up is not None and _usable(log.follow_up.text, row["follow_up_keywords"])
    if row["fact"] is not None:
        out["fact"] = _fact(log, row["fact"])
    elif log.facts:
        out["fact"] = False
    return out


def score(part: str) -> tuple[Counter, Counter, list[str]]:
    index = CustomerIndex(BOOK)
    right, total, misses = Counter(), Counter(), []
    for row in load(part):
        log = parse(row["text"], index, now=NOW, timezone=ZONE)
        for field, ok in judge(row, log).items():
            total[field] += 1
            right[field] += ok
            if not ok:
                misses.append(f"{field:>14}: {row['text']!r}\n{'':>16}{_shown(field, row, log)}")
    return right, total, misses


def _shown(field: str, row: dict, log: ParsedLog) -> str:
    got = {
        "customer": _customers(log),
        "new_customer": log.new_customer,
        "kind": log.kind,
        "attempt": log.attempt,
        "date": log.occurred_at.astimezone(ZoneInfo(ZONE)).isoformat(),
        "part_of_day": log.occurred_at.astimezone(ZoneInfo(ZONE)).isoformat(),
        "amount": log.amount,
        "money": log.money,
        "currency": log.currency,
        "follow_up": log.follow_up and log.follow_up.due.astimezone(ZoneInfo(ZONE)).date().isoformat(),
        "follow_up_text": log.follow_up and log.follow_up.text,
        "feedback": log.feedback and log.feedback.kind,
        "fact": log.facts,
    }[field]
    want = {"customer": row["customers"], "follow_up_text": row["follow_up_keywords"]}.get(field, row.get(field))
    return f"want {want!r} got {got!r}"


def table(right: Counter, total: Counter) -> str:
    lines = [f"{'field':<16}{'correct/total':>15}{'%':>8}"]
    for field in FIELDS:
        if total[field]:
            lines.append(f"{field:<16}{f'{right[field]}/{total[field]}':>15}{100 * right[field] / total[field]:>8.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "dev"
    right, total, misses = score(part)
    print(table(right, total))
    if part.startswith("dev"):
        print("\n".join(misses))
