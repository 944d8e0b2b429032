"""The values that cross the parsing boundary: what the caller passes in, what parse() returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

KINDS = ("call", "visit", "meeting", "message", "email", "deal", "greeting", "note")
FEEDBACK_KINDS = ("complaint", "suggestion", "praise", "question")


@dataclass(frozen=True, slots=True)
class BookEntry:
    """One customer the rep may log against (the caller loads them)."""

    customer_id: int
    name: str
    company: str | None = None
    contacts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A customer that fits; `matched` is the text span (mentions) or alias (find) that matched."""

    customer_id: int
    name: str
    score: float
    matched: str


@dataclass(frozen=True, slots=True)
class FollowUp:
    due: datetime          # aware UTC
    has_time: bool         # False: no time of day was written, `due` is 09:00 local
    text: str              # what to do ("send the quote"), else a short default from the sentence


@dataclass(frozen=True, slots=True)
class Feedback:
    kind: str              # complaint | suggestion | praise | question
    text: str              # the clause that carries it


@dataclass(frozen=True, slots=True)
class ParsedLog:
    """One free-text message read as an interaction. Every field is a proposal the rep confirms.

    candidates      best first, at most 8; () when no known customer is mentioned
    customer_text   the matched span, or a name-like span for a customer not in the book
    ambiguous       the best two are within 10 points (two customers named, a shared contact)
    channel         for a deal or a greeting: the visit / call / meeting / message / email it
                    was made in, if said
    occurred_at     aware UTC; now when no usable date was written (occurred_date_given False)
    currency        set only with an amount: the written one, else the organisation's
    problems        invalid_date, future_date, invalid_satisfaction, follow_up_in_past,
                    unknown_timezone (each at most once, in the order found)
    """

    candidates: tuple[Candidate, ...]
    customer_text: str | None
    ambiguous: bool
    kind: str
    channel: str | None
    occurred_at: datetime
    occurred_date_given: bool
    amount: Decimal | None
    currency: str | None
    amount_approximate: bool
    follow_up: FollowUp | None
    feedback: Feedback | None
    satisfaction: int | None
    summary: str
    problems: tuple[str, ...]
