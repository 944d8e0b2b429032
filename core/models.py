"""SQLModel tables: the single source of truth for everything tierbot knows.

Conventions: every instant is a `UTCDateTime` (stored UTC, returned timezone-aware); money is
integer minor units plus an ISO currency code (see core.money), never float; enumerations are
short strings checked in core (a new kind needs no migration of a database enum type).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    LargeBinary,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped
from sqlmodel import Field, SQLModel

from core.db_types import UTCDateTime


class Role(StrEnum):
    """Who a user is to tierbot (stored as its value): a rep reaches their own customers, a
    manager their team's, an admin everyone's."""

    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class InteractionKind(StrEnum):
    """What happened with a customer (stored as its value). A note records no contact."""

    CALL = "call"
    VISIT = "visit"
    MEETING = "meeting"
    MESSAGE = "message"
    EMAIL = "email"
    DEAL = "deal"
    GREETING = "greeting"
    NOTE = "note"
    OTHER = "other"


# StrEnum members equal their stored strings, so `role in ROLES` works for a value read back
ROLES = tuple(Role)
STAGES = ("prospect", "active", "lost")
PIPELINE_STAGES = ("lead", "contacted", "needs_confirmed", "proposal", "negotiation", "contract_sent")
INTERACTION_KINDS = tuple(InteractionKind)
FEEDBACK_KINDS = ("complaint", "suggestion", "praise", "question")
FEEDBACK_STATUSES = ("open", "in_progress", "resolved")
FOLLOWUP_STATUSES = ("open", "done", "cancelled")
NOTIFICATION_STATUSES = ("pending", "sent", "failed", "skipped")
ALIAS_SOURCES = ("learned", "import", "manual")
OPPORTUNITY_STATUSES = ("open", "won", "lost")


def _utc(**kwargs: Any) -> Any:
    nullable = kwargs.pop("nullable", True)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kwargs))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = _utc(nullable=False)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    name: str = Field(max_length=200)
    username: str | None = Field(default=None, max_length=64)
    role: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="user.id")
    language: str | None = Field(default=None, max_length=8)  # chosen in /settings
    telegram_language: str | None = Field(default=None, max_length=16)  # from the client
    timezone: str | None = Field(default=None, max_length=64)  # None → organisation default
    country: str = Field(default="CN", max_length=2)  # working-day calendar
    digest_time: time = Field(default=time(9, 0), sa_column=Column(Time, nullable=False))
    quiet_start: time | None = Field(default=None, sa_column=Column(Time, nullable=True))
    quiet_end: time | None = Field(default=None, sa_column=Column(Time, nullable=True))
    quiet_off: bool = False  # the user switched quiet hours off explicitly
    away_until: date | None = None  # /away: digests and nudges pause until (and including) this date
    delegate_id: int | None = Field(default=None, foreign_key="user.id")  # gets escalations while away
    active: bool = True
    blocked_at: datetime | None = _utc()
    created_at: datetime = _utc(nullable=False)


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    expires_at: datetime = _utc(nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    used_by_id: int | None = Field(default=None, foreign_key="user.id")
    used_at: datetime | None = _utc()
    created_at: datetime = _utc(nullable=False)


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    company: str | None = Field(default=None, max_length=300)
    industry: str | None = Field(default=None, max_length=100)
    size: str | None = Field(default=None, max_length=50)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    account_manager_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    # while the customer has no owner: the team whose managers may see and assign it (the
    # importer's); None: the admins alone (core.visibility)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    stage: str = Field(default="prospect", max_length=16)
    region: str = Field(default="CN", max_length=2)
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    contract_start: date | None = None
    # when the relationship began (customer since / 创建时间), for stability when no contract start
    # is known; not a contract anniversary
    customer_since: date | None = None
    # stated annual revenue (imported, or typed on the card): contribution until own deals suffice
    annual_revenue_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    annual_revenue_currency: str | None = Field(default=None, max_length=3)  # None: the policy's base
    notes: str | None = Field(default=None, sa_column=Column(Text))  # the CRM's 备注 / description
    tags: list[str] = _json(list)
    # free numeric facts for policy-defined models (e.g. sponsor amount, years); Decimal strings
    attributes: dict[str, str] = _json(dict)
    potential: int | None = None
    influence: int | None = None
    intention: int | None = None
    expectation: int | None = None
    satisfaction: int | None = None
    pipeline_stage: str | None = Field(default=None, max_length=32)
    expected_signing_date: date | None = None
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    added_at: datetime = _utc(nullable=False)
    archived: bool = False
    archived_at: datetime | None = _utc()
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id")  # merge: the kept record
    erased_at: datetime | None = _utc()  # personal data removed on request (tierbot erase)


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)
    wechat: str | None = Field(default=None, max_length=100)
    telegram: str | None = Field(default=None, max_length=64)
    birthday: date | None = None
    is_primary: bool = False


class Interaction(SQLModel, table=True):
    __table_args__ = (
        # one Telegram message is one log per customer it is about (Called Contoso and Fabrikam …)
        UniqueConstraint("source_chat_id", "source_message_id", "customer_id", name="uq_interaction_source"),
        # Covering indexes for the set-based facts queries (core.tier_records.fact_queries): the activity pass and
        # the deals pass read only the index, never the table rows.
        Index("ix_interaction_activity", "customer_id", "occurred_at", "kind", "channel", "attempt"),
        Index(
            "ix_interaction_deals",
            "customer_id",
            "currency",
            "occurred_at",
            "amount_minor",
            sqlite_where=text("kind = 'deal'"),
            postgresql_where=text("kind = 'deal'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    rep_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    kind: str = Field(max_length=16)
    channel: str | None = Field(default=None, max_length=16)  # for deals: the visit or call
    occurred_at: datetime = _utc(nullable=False)
    amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    currency: str | None = Field(default=None, max_length=3)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    source_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    source_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = _utc(nullable=False)
    # a call or message that did not connect (没人接, voicemail): logged, but not a contact
    attempt: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class CustomerAlias(SQLModel, table=True):
    """Another name of a customer (阿里 → 阿里巴巴): learned from a rep's correction, imported
    from an 别名 / aliases column, or typed on the card. Read only through the visibility rule:
    whoever can see the customer finds it by its aliases, nobody else."""

    __tablename__ = "customer_alias"
    __table_args__ = (UniqueConstraint("customer_id", "key", name="uq_customer_alias"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    text: str = Field(max_length=100)  # as written
    key: str = Field(max_length=100)  # normalised and lower-cased: unique per customer
    source: str = Field(max_length=16)  # learned | import | manual
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _utc(nullable=False)


class Opportunity(SQLModel, table=True):
    """Expected money (商机): an amount the customer may sign, by when, how far along. Never
    revenue: only the deal logged when it is won counts. The pipeline grade reads the open ones."""

    __table_args__ = (Index("ix_opportunity_customer_status", "customer_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    external_id: str | None = Field(default=None, max_length=100, unique=True)  # the CRM's deal id (import)
    title: str = Field(default="", max_length=200)
    amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    currency: str | None = Field(default=None, max_length=3)
    expected_signing_date: date | None = None
    stage: str | None = Field(default=None, max_length=32)  # one of PIPELINE_STAGES
    intention: int | None = None  # 1–5, like Customer.intention
    status: str = Field(default="open", max_length=8)  # OPPORTUNITY_STATUSES
    lost_reason: str | None = Field(default=None, sa_column=Column(Text))
    source_interaction_id: int | None = Field(default=None, foreign_key="interaction.id")  # the log that opened it
    deal_interaction_id: int | None = Field(default=None, foreign_key="interaction.id")  # the deal it was won with
    rep_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)
    closed_at: datetime | None = _utc()


class Feedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    rep_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    severity: str = Field(default="medium", max_length=8)
    status: str = Field(default="open", max_length=16)
    satisfaction: int | None = None
    resolution: str | None = Field(default=None, sa_column=Column(Text))
    resolved_at: datetime | None = _utc()
    resolved_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _utc(nullable=False)


class FollowUp(SQLModel, table=True):
    __tablename__ = "followup"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)  # None: a personal reminder
    rep_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    due_at: datetime = _utc(nullable=False)
    has_time: bool = False  # "tomorrow 10:00" keeps its time; "Friday" is a whole day
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")
    created_at: datetime = _utc(nullable=False)
    done_at: datetime | None = _utc()
    feedback_id: int | None = Field(default=None, foreign_key="feedback.id")  # the complaint it follows up


class TierAssignment(SQLModel, table=True):
    """History: one row per decided tier change (and the first assignment)."""

    __tablename__ = "tier_assignment"
    __table_args__ = (Index("ix_tier_assignment_customer_model", "customer_id", "model", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    model: str = Field(max_length=32)
    tier: str | None = Field(default=None, max_length=32)
    previous_tier: str | None = Field(default=None, max_length=32)
    score: float | None = None
    breakdown: dict[str, Any] = _json(dict)
    policy_version: str = Field(max_length=32)
    reason: str = Field(default="", max_length=64)
    at: datetime = _utc(nullable=False)


class CustomerTier(SQLModel, table=True):
    """The tier a customer is served at under one model (decided; scores stay live)."""

    __tablename__ = "customer_tier"
    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    model: str = Field(max_length=32, primary_key=True)
    tier: str | None = Field(default=None, max_length=32)
    score: float | None = None
    policy_version: str = Field(max_length=32)
    reason: str = Field(default="", max_length=64)
    assigned_at: datetime = _utc(nullable=False)


class TierOverride(SQLModel, table=True):
    """A manager's pinned tier (人工调档), with reason and optional expiry."""

    __tablename__ = "tier_override"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    model: str = Field(max_length=32)
    tier: str = Field(max_length=32)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    expires_at: datetime | None = _utc()
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _utc(nullable=False)
    removed_at: datetime | None = _utc()


class Notification(SQLModel, table=True):
    """The outbox: every message the bot sends on its own initiative is a row here first."""

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=32)
    dedupe_key: str = Field(max_length=200, unique=True)
    payload: dict[str, Any] = _json(dict)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    not_before: datetime | None = _utc()
    sent_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _utc(nullable=False)
    sent_at: datetime | None = _utc()
    claimed_until: datetime | None = _utc()  # a sender owns the row until then (multi-worker safety)
    parts_sent: int = 0  # of a message split in parts: how many already went out (resume, not repeat)


class ActionKey(SQLModel, table=True):
    """What a button means. Callback data carries only `key`; rights are checked on press."""

    __tablename__ = "action_key"
    key: str = Field(primary_key=True, max_length=24)
    user_id: int | None = Field(default=None, foreign_key="user.id")  # who may press
    action: str = Field(max_length=48)
    payload: dict[str, Any] = _json(dict)
    single_use: bool = True
    valid_until: datetime = _utc(nullable=False)
    done_at: datetime | None = _utc()
    created_at: datetime = _utc(nullable=False)


class PendingCard(SQLModel, table=True):
    """An unfinished multi-step flow of one user (waiting for typed input or a confirmation)."""

    __tablename__ = "pending_card"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    flow: str = Field(max_length=48)
    data: dict[str, Any] = _json(dict)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = _utc(nullable=False)
    expires_at: datetime = _utc(nullable=False)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=200)
    detail: dict[str, Any] = _json(dict)
    at: datetime = _utc(nullable=False)


class PolicyVersion(SQLModel, table=True):
    """Every policy a manager uploaded. The effective one is the most recently activated; older
    ones stay to be restored. Drafts (uploaded, previewed, not applied) have no `activated_at`."""

    __tablename__ = "policy_version"
    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=32, index=True)  # the content hash the engine reports
    text: str = Field(sa_column=Column(Text, nullable=False))
    note: str = Field(default="", max_length=200)  # file name or "restored from #3"
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = _utc(nullable=False)
    activated_at: datetime | None = _utc()


class Upload(SQLModel, table=True):
    """A file sent in chat, kept between its preview and the confirmation (any worker may get the
    confirming press)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=16)  # customers | interactions | policy
    filename: str = Field(default="", max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="preview", max_length=16)  # preview | done | cancelled | expired (core.imports.uploads)
    summary: dict[str, Any] = _json(dict)
    created_at: datetime = _utc(nullable=False)
    finished_at: datetime | None = _utc()


class JobRun(SQLModel, table=True):
    """When each sweep last ran and how it ended (`tierbot stats`)."""

    __tablename__ = "job_run"
    name: str = Field(primary_key=True, max_length=32)
    last_started_at: datetime | None = _utc()
    last_finished_at: datetime | None = _utc()
    last_outcome: str = Field(default="", max_length=200)
    runs: int = 0


class StrangerRefusal(SQLModel, table=True):
    """When a Telegram user without an account was last refused (core.team.strangers): one refusal, then
    an hour of silence. Rows older than that are purged by the housekeeping sweep."""

    __tablename__ = "stranger_refusal"
    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    refused_at: datetime = _utc(nullable=False, index=True)


def pk(column: int | None) -> Mapped[int]:
    """A primary key in a query, typed as what it reads back: an int. (SQLModel types `id` as
    `int | None`, the value of an object not yet saved.)"""
    return cast("Mapped[int]", column)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's SQLAlchemy `Table`, for Core statements (bulk inserts, raw columns)."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # sqlmodel sets __table__ without declaring it
    return table
