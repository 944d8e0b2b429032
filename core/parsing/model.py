"""The values that cross the parsing boundary: what the caller passes in, what parse() returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
    aliases: tuple[str, ...] = ()  # names the reps taught it (阿里 → 阿里巴巴) or an import gave


@dataclass(frozen=True, slots=True)
class Candidate:
    """A customer that fits; `matched` is the text span (mentions) or alias (find) that matched."""

    customer_id: int
    name: str
    score: float
    matched: str
    start: int = 0  # the matched span in the message (0, 0 for /find)
    end: int = 0
    is_contact: bool = False  # matched by a contact's name, not the customer's


@dataclass(frozen=True, slots=True)
class FollowUp:
    due: datetime  # aware UTC
    has_time: bool  # False: no time of day was written, `due` is 09:00 local
    text: str  # what to do ("send the quote"), else a short default from the sentence


@dataclass(frozen=True, slots=True)
class Feedback:
    kind: str  # complaint | suggestion | praise | question
    text: str  # the clause that carries it


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact about a contact stated in the sentence, proposed for one tap to apply."""

    kind: str  # birthday | phone
    contact: str  # the contact as written (李总, Bruce)
    value: str  # birthday: "MM-DD"; phone: digits, with a leading + if written
    customer_id: int | None  # whose contact it is, when the book tells


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
    attempt         a call or message that did not connect (没人接, voicemail): not a contact
    money           booked | expected | refund, None without an amount: only booked money is a
                    deal; a budget or quote is expected money, a refund is negative
    expected_by     the local day expected money is to be signed by, when said
    others          further customers the message is about (Called Contoso and Fabrikam …),
                    each distinct from candidates[0]: one log per customer
    new_customer    a company named in the sentence that is not in the book (offered ➕ Create)
    facts           birthdays and phone numbers stated about contacts
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
    attempt: bool = False
    money: str | None = None
    expected_by: date | None = None
    others: tuple[Candidate, ...] = ()
    new_customer: str | None = None
    facts: tuple[Fact, ...] = ()
