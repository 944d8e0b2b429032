"""What the bot sends on its own, as core plans it (`OutboxMessage`): a template, its parameters
and what the message offers its reader (`Offer`) — typed until the outbox row is written
(`to_payload`) and again once the sender reads it (`from_payload`).

An offer says, in core's terms, what a line of the message lets its reader do with which record
(log a customer, close or snooze a follow-up, resolve a complaint, …); which buttons that makes,
their labels, action names and keys are the bot's business (bot/push_buttons.py), decided when
the message is sent. A row stored by an older version carries ready "buttons" instead; the
sender still draws those as they were stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Act(StrEnum):
    """What an offer lets the reader do (the record it acts on is the offer's `target`)."""

    LOG = "log"  # log a contact with a customer: {"customer": id}
    DONE = "done"  # close a follow-up: {"follow_up": id}
    SNOOZE = "snooze"  # move a follow-up on: {"follow_up": id}
    RESOLVE = "resolve"  # resolve a complaint: {"complaint": id}
    REVIEW = "review"  # review the old follow-ups the message rolled up: {}
    GREETING_SENT = "greeting_sent"  # a greeting was sent: {"customer": id, "occasion": key, "name": {zh, en}}
    GREETING_SKIPPED = "greeting_skipped"  # no greeting this time: {"customer": id}
    OPEN_SUMMARY = "open_summary"  # the full summary: {"period": …}


@dataclass(frozen=True)
class Offer:
    """One thing the message's line `line` (its number as shown; None: the message as a whole)
    lets its reader do."""

    act: Act
    target: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None

    def to_payload(self) -> dict[str, Any]:
        return {"act": str(self.act), "target": dict(self.target), "line": self.line}

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Offer:
        line = data.get("line")
        return cls(Act(data["act"]), dict(data.get("target") or {}), None if line is None else int(line))


@dataclass(frozen=True)
class OutboxMessage:
    """A message rendered at send time, in the recipient's language then: `params` must be
    JSON-safe (the outbox stores them as they are)."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    offers: tuple[Offer, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        """The outbox row's JSON column."""
        payload: dict[str, Any] = {"template": self.template, "params": dict(self.params)}
        if self.offers:
            payload["offers"] = [offer.to_payload() for offer in self.offers]
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutboxMessage:
        """A stored row read back (an older row's ready "buttons" are not offers: the sender reads
        them from the payload itself)."""
        return cls(
            str(payload.get("template", "")),
            dict(payload.get("params") or {}),
            tuple(Offer.from_payload(offer) for offer in payload.get("offers") or ()),
        )
