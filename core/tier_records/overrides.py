"""Overrides (人工调档): a manager pins a customer's tier under one model, with a reason and an
optional expiry (table `tier_override`).

- One active pin per customer and model: a new pin replaces the previous one.
- Pinning and unpinning re-tier the customer at once (`core.tier_records.retier.retier_customer`), so the
  card, the cadence and the agenda follow the pinned tier from that moment.
- A pin ends when removed or when its `expires_at` passes; the engine ignores it from then on
  (`core.tier_records.retier.active_overrides`). An ended pin hands the model back to the score *as at a
  review* (upgrade at once, downgrade past the hysteresis), so nobody waits a quarter for a pin
  to wear off. `expire_due` (an hourly sweep) does that for pins that simply ran out.
- Rights: managers for the customers they can see (their team), admins all, reps never.
  Every pin and removal is in the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.as_of import AsOf
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Customer, TierOverride, User
from core.parsing.dates import find_dates
from core.tier_records.retier import TierChange, retier_customer
from core.tiering import Override, Policy
from core.visibility import customer_scope

REASON_MAX = 200
OFF_WORDS = ("off", "remove", "unpin", "取消", "解除", "删除")
# "until DATE" at the end of a reason; the Chinese words only count when a date follows
_UNTIL = re.compile(r"(?:^|\s)(until|till|through|至|到|截至|直到)\s*(\S.*)$", re.IGNORECASE)
_EXPLICIT_UNTIL = ("until", "till", "through")
_BRACKETS = re.compile(r"\s*[（(].*?[)）]\s*")


# --- naming a tier -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TierChoice:
    model: str
    tier: str


def tier_aliases(policy: Policy) -> dict[str, list[TierChoice]]:
    """Every word that names a tier, case-folded: its code, its names in zh and en, and those
    names without a bracketed note or a trailing 客户 ('重要客户' → '重要', 'A类（成熟度高）' →
    'A类', 'A (mature)' → 'A')."""
    aliases: dict[str, list[TierChoice]] = {}
    for model in policy.models:
        for code, spec in model.tier_by_code.items():
            names = {code, spec.name.en, spec.name.zh}
            names |= {_BRACKETS.sub("", name) for name in list(names)}
            names |= {name.removesuffix("客户") for name in list(names) if len(name) > 2}
            for name in {n.strip().casefold() for n in names if n.strip()}:
                choices = aliases.setdefault(name, [])
                if TierChoice(model.code, code) not in choices:
                    choices.append(TierChoice(model.code, code))
    return aliases


def tier_choices(policy: Policy, word: str) -> list[TierChoice]:
    return list(tier_aliases(policy).get(word.strip().casefold(), []))


def applicable(policy: Policy, stage: str, choices: list[TierChoice]) -> list[TierChoice]:
    """The choices whose model grades customers of `stage` (a pipeline grade for a prospect...)."""
    return [c for c in choices if stage in policy.model(c.model).stage_set]


# --- reading the command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverrideArgs:
    """`/override NAME TIER REASON [until DATE]` or `/override NAME off`, split against the policy."""

    name: str
    word: str  # the tier as typed ('' for off)
    choices: list[TierChoice]
    reason: str
    until: date | None
    off: bool = False


def parse_args(policy: Policy, text: str, today: date) -> OverrideArgs:
    """The customer's name runs up to the first word (after the first) that names a tier or is
    `off`; the rest is the reason, optionally ending in `until DATE`."""
    words = text.split()
    aliases = tier_aliases(policy)
    for index in range(1, len(words)):
        word = words[index].casefold()
        name = " ".join(words[:index])
        if word in OFF_WORDS:
            return OverrideArgs(name, "", [], "", None, off=True)
        if word in aliases:
            reason, until = split_until(" ".join(words[index + 1 :]), today)
            return OverrideArgs(name, words[index], list(aliases[word]), reason, until)
    raise InvalidInput("override_usage")


def split_until(text: str, today: date) -> tuple[str, date | None]:
    """('reason', expiry date) from 'reason until 2026-12-31' (or 至 12月31日, until next Friday)."""
    text = text.strip()
    match = _UNTIL.search(text)
    if match is None:
        return text, None
    day = _future_day(match.group(2), today)
    if day is None:
        if match.group(1).casefold() in _EXPLICIT_UNTIL:
            raise InvalidInput("override_bad_date", value=match.group(2)[:40])
        return text, None  # 到/至 inside a Chinese reason, not followed by a date
    if day <= today:
        raise InvalidInput("override_past_date", value=day.isoformat())
    return text[: match.start()].strip(), day


def _future_day(text: str, today: date) -> date | None:
    """A date that is the whole of `text` ('2026-12-31', '12月31日', '月底', 'next Friday')."""
    low = text.strip().casefold()
    local_now = datetime.combine(today, time(12))
    mentions = [m for m in find_dates(low, local_now, True, True) if not m.invalid]
    if len(mentions) != 1 or low[: mentions[0].start].strip() or low[mentions[0].end :].strip(" .。"):
        return None
    return mentions[0].future_day


def expiry_instant(until: date | None, timezone: str) -> datetime | None:
    """A pin "until 31 Dec" holds through that day: it ends at the next local midnight."""
    if until is None:
        return None
    return datetime.combine(until + timedelta(days=1), time(0), ZoneInfo(timezone))


# --- pins --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PinView:
    id: int
    customer_id: int
    customer_name: str
    model: str
    model_name: str
    tier: str
    tier_name: str
    reason: str
    by: str | None
    created_at: datetime
    expires_at: datetime | None
    until: date | None  # the last day it holds, in the timezone it was read in


@dataclass(frozen=True)
class Pinned:
    pin: PinView
    changes: list[TierChange]
    replaced: str | None  # the tier of the pin it replaced


def require_manager(actor: Account) -> None:
    if not actor.is_manager:
        raise Forbidden("override")


def _customer(session: Session, actor: Account, customer_id: int) -> Customer:
    require_manager(actor)
    row = session.exec(select(Customer).where(Customer.id == customer_id, customer_scope(actor))).first()
    if row is None:
        raise NotFound(f"customer {customer_id}")
    return row


def models_for(session: Session, actor: Account, policy: Policy, customer_id: int) -> list[str]:
    """The models that grade this customer now (what a pin can be set under)."""
    stage = _customer(session, actor, customer_id).stage
    return [m.code for m in policy.models if stage in m.stage_set]


def pin(
    session: Session,
    actor: Account,
    as_of: AsOf,
    customer_id: int,
    model: str,
    tier: str,
    reason: str,
    *,
    until: date | None,
    timezone: str,
) -> Pinned:
    """Pin `tier` under `model` (replacing an active pin of that model) and re-tier the customer.
    `until` is a date in `timezone` through which the pin holds."""
    customer = _customer(session, actor, customer_id)
    spec = as_of.policy.model_by_code.get(model)
    if spec is None or tier not in spec.tier_by_code:
        raise InvalidInput("override_bad_tier", value=tier)
    if customer.stage not in spec.stage_set:
        raise InvalidInput(
            "override_model_not_applicable",
            model=spec.name.get(actor.language),
            stage=customer.stage,
            name=customer.name,
        )
    reason = " ".join(reason.split())[:REASON_MAX]
    if not reason:
        raise InvalidInput("override_no_reason")
    expires_at = expiry_instant(until, timezone)
    if expires_at is not None and expires_at <= as_of.now:
        raise InvalidInput("override_past_date", value=until.isoformat() if until else "")
    replaced = [
        r
        for r in _end_pins(session, customer_id, as_of.now, model=model)
        if r.expires_at is None or r.expires_at > as_of.now
    ]
    row = TierOverride(
        customer_id=customer_id,
        model=model,
        tier=tier,
        reason=reason,
        expires_at=expires_at,
        created_by_id=actor.id,
        created_at=as_of.now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=actor.id,
        action="override.pin",
        now=as_of.now,
        target=f"customer:{customer_id}",
        model=model,
        tier=tier,
        reason=reason,
        expires_at=expires_at.isoformat() if expires_at else None,
        replaced=replaced[0].tier if replaced else None,
    )
    _, changes = retier_customer(session, as_of, customer_id)
    view = _views(session, as_of.policy, [(row, customer.name)], actor.language, timezone)[0]
    _tell_owner(session, as_of.policy, actor, customer, row, changes, until, as_of.now)
    return Pinned(view, changes, replaced[0].tier if replaced else None)


def _tell_owner(
    session: Session,
    policy: Policy,
    actor: Account,
    customer: Customer,
    row: TierOverride,
    changes: list[TierChange],
    until: date | None,
    now: datetime,
) -> None:
    """The rep whose customer a manager pinned hears of it (in their language: rendered at send
    time), with the change it made and the manager's reason."""
    if customer.owner_id is None or customer.owner_id == actor.id:
        return
    from core.tier_records.review_cycle import tier_change_words  # reminders builds on tiers too: import late

    moved = next((c for c in changes if c.model == row.model), None)
    old = moved.old if moved is not None else row.tier
    outbox.enqueue(
        session,
        recipient_id=customer.owner_id,
        kind="tier_changes",
        dedupe_key=f"pin:{row.id}",
        message=OutboxMessage(
            "reminders/pinned",
            {
                "by": actor.name,
                "name": customer.name,
                "reason": row.reason,
                "until": until.isoformat() if until else None,
                **tier_change_words(policy, row.model, old, row.tier),
            },
        ),
        now=now,
    )


def unpin(
    session: Session,
    actor: Account,
    as_of: AsOf,
    customer_id: int,
    *,
    model: str | None = None,
) -> tuple[str, list[TierOverride], list[TierChange]]:
    """End the customer's active pins (of `model`, or all); the models go back to their scores
    as at a review. (customer name, pins ended, tier changes)."""
    customer = _customer(session, actor, customer_id)
    ended = _end_pins(session, customer_id, as_of.now, model=model)
    if not ended:
        return customer.name, [], []
    for row in ended:
        audit.record(
            session,
            actor_id=actor.id,
            action="override.remove",
            now=as_of.now,
            target=f"customer:{customer_id}",
            model=row.model,
            tier=row.tier,
        )
    _, changes = retier_customer(
        session,
        as_of,
        customer_id,
        ended={(customer_id, row.model): Override(row.tier, row.reason, as_of.now) for row in ended},
    )
    return customer.name, ended, changes


def _end_pins(session: Session, customer_id: int, now: datetime, *, model: str | None) -> list[TierOverride]:
    statement = select(TierOverride).where(
        TierOverride.customer_id == customer_id, col(TierOverride.removed_at).is_(None)
    )
    if model is not None:
        statement = statement.where(TierOverride.model == model)
    rows = list(session.exec(statement).all())  # expired ones not yet settled by expire_due too
    for row in rows:
        row.removed_at = now
        session.add(row)
    session.flush()
    return rows


def active_overrides(
    session: Session,
    actor: Account | None,
    now: datetime,
    policy: Policy,
    *,
    lang: str = "en",
    timezone: str = "UTC",
    customer_ids: list[int] | None = None,
    limit: int | None = None,
) -> list[PinView]:
    """The pins in force among the customers `actor` may see (None: the whole organisation),
    newest first — for the card, `/override` and the summary."""
    statement = (
        select(TierOverride, col(Customer.name))
        .join(Customer, col(Customer.id) == col(TierOverride.customer_id))
        .where(col(TierOverride.removed_at).is_(None))
        .where((col(TierOverride.expires_at).is_(None)) | (col(TierOverride.expires_at) > now))
        .order_by(col(TierOverride.created_at).desc(), col(TierOverride.id).desc())
    )
    if actor is not None:
        statement = statement.where(customer_scope(actor))
    if customer_ids is not None:
        statement = statement.where(col(TierOverride.customer_id).in_(customer_ids))
    if limit is not None:
        statement = statement.limit(limit)
    return _views(session, policy, list(session.exec(statement).all()), lang, timezone)


def _views(
    session: Session, policy: Policy, rows: list[tuple[TierOverride, str]], lang: str, timezone: str
) -> list[PinView]:
    authors = {r.created_by_id for r, _ in rows if r.created_by_id}
    names = (
        dict(session.exec(select(col(User.id), col(User.name)).where(col(User.id).in_(authors))).all())
        if authors
        else {}
    )
    views = []
    for row, customer_name in rows:
        model = policy.model_by_code.get(row.model)
        tier = policy.tier(row.model, row.tier)
        views.append(
            PinView(
                row.id or 0,
                row.customer_id,
                customer_name,
                row.model,
                model.name.get(lang) if model else row.model,
                row.tier,
                tier.name.get(lang) if tier else row.tier,
                row.reason,
                names.get(row.created_by_id),
                row.created_at,
                row.expires_at,
                _last_day(row.expires_at, timezone),
            )
        )
    return views


def _last_day(expires_at: datetime | None, timezone: str) -> date | None:
    if expires_at is None:
        return None
    return (expires_at.astimezone(ZoneInfo(timezone)) - timedelta(microseconds=1)).date()


def expire_due(session: Session, as_of: AsOf) -> int:
    """Close the pins whose expiry has passed and hand their models back to the scores (as at a
    review); returns how many. Run hourly: the engine already ignores them from `expires_at` on,
    this settles the stored tier and records it."""
    rows = session.exec(
        select(TierOverride).where(col(TierOverride.removed_at).is_(None), col(TierOverride.expires_at) <= as_of.now)
    ).all()
    by_customer: dict[int, list[TierOverride]] = {}
    for row in rows:
        row.removed_at = as_of.now
        session.add(row)
        by_customer.setdefault(row.customer_id, []).append(row)
        audit.record(
            session,
            actor_id=None,
            action="override.expired",
            now=as_of.now,
            target=f"customer:{row.customer_id}",
            model=row.model,
            tier=row.tier,
            expires_at=row.expires_at.isoformat() if row.expires_at else None,
        )
    session.flush()
    for customer_id, ended in by_customer.items():
        retier_customer(
            session,
            as_of,
            customer_id,
            ended={(customer_id, r.model): Override(r.tier, r.reason, r.expires_at) for r in ended},
        )
    return len(rows)
