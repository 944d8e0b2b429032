"""Every button's payload: one frozen dataclass per action, naming it (bot.button_dispatch).

They live together here, a section per handler module, because buttons cross feature lines —
the customer card offers the opportunity, override, feedback and follow-up buttons, the agenda
and the summary offer the card's — and the handler modules import one another the other way
round (opportunities, corrections, overrides and summary import customers). The section says
which module registers the action. A field's name is the key stored in the payload dict: keys
that core stores itself (core.reminders.planner: the digest's, nudges' and greetings' buttons;
core.reports.weekly: the push's 📊) keep the shape it writes.

An `int` is an id unless its name says otherwise; `msg` is the message id of the log card a
button is bound to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.button_dispatch import NoPayload, Payload
from core.reports import scoping

# --- bot/handlers/settings.py ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsMenu(NoPayload, action="settings.menu"):
    pass


@dataclass(frozen=True)
class SettingsPick(Payload, action="settings.pick"):
    field: str


@dataclass(frozen=True)
class SettingsSet(Payload, action="settings.set"):
    field: str
    value: str


@dataclass(frozen=True)
class SettingsType(Payload, action="settings.type"):
    field: str


# --- bot/handlers/invite.py -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InviteRevoke(Payload, action="invite.revoke"):
    invite_id: int


# --- bot/handlers/agenda.py -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TodayPage(Payload, action="today.page"):
    page: int = 0


@dataclass(frozen=True)
class FollowupReview(NoPayload, action="followup.review"):
    """The digest's 🗂 (core.reminders.planner) and /today's: the follow-ups rolled up as old."""


@dataclass(frozen=True)
class GreetingSent(Payload, action="greeting.sent"):
    """✓ on a greeting reminder (core.reminders.planner)."""

    customer_id: int
    occasion: str
    name: dict[str, str] | None = None  # the occasion's name by language


@dataclass(frozen=True)
class GreetingSkip(Payload, action="greeting.skip"):
    customer_id: int


@dataclass(frozen=True)
class AwayDelegate(Payload, action="away.delegate"):
    id: int  # the colleague's account


@dataclass(frozen=True)
class FollowupStart(Payload, action="followup.start"):
    id: int  # the customer's


@dataclass(frozen=True)
class FollowupDone(Payload, action="followup.done"):
    """✓ of a follow-up: on /today, the digest and nudges (core.reminders.planner), a timed
    reminder (no view) and the old ones' review."""

    id: int  # the follow-up's
    view: str | None = None  # the message to redraw: "today", "digest", "nudge"
    page: int = 0  # /today's page


@dataclass(frozen=True)
class FollowupSnooze(Payload, action="followup.snooze"):
    id: int
    by: str  # "1d", "3d", "1w"
    view: str | None = None
    page: int = 0


@dataclass(frozen=True)
class FollowupCloseMany(Payload, action="followup.close_many"):
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class FeedbackStart(Payload, action="feedback.start"):
    id: int  # the customer's


@dataclass(frozen=True)
class FeedbackKind(Payload, action="feedback.kind"):
    id: int  # the customer's
    kind: str


@dataclass(frozen=True)
class FeedbackProgress(Payload, action="feedback.progress"):
    id: int  # the feedback's
    view: str | None = None  # "feedback": redraw the open list


@dataclass(frozen=True)
class FeedbackResolve(Payload, action="feedback.resolve"):
    id: int  # the feedback's


# --- bot/handlers/log.py ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerLog(Payload, action="customer.log"):
    id: int  # the customer's


# --- bot/handlers/customers.py ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerCard(Payload, action="customer.card"):
    id: int


@dataclass(frozen=True)
class CustomerNewStage(Payload, action="customer.new_stage"):
    stage: str


@dataclass(frozen=True)
class CustomerNewSkip(NoPayload, action="customer.new_skip"):
    """Skip the contact while /new asks for it (the flow holds the rest)."""


@dataclass(frozen=True)
class CustomerNewSkipInput(NoPayload, action="customer.new_skip_input"):
    """Skip the policy input /new asks for now."""


@dataclass(frozen=True)
class CustomerCreate(Payload, action="customer.create"):
    """Create anyway, although similar customers exist: what /new was given."""

    name: str
    stage: str = "prospect"
    contact: str | None = None
    phone: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # the policy's own inputs (name → Decimal text)


@dataclass(frozen=True)
class CustomerWhy(Payload, action="customer.why"):
    id: int


@dataclass(frozen=True)
class CustomerHistory(Payload, action="customer.history"):
    id: int
    offset: int = 0


@dataclass(frozen=True)
class CustomerDeleteLog(Payload, action="customer.delete_log"):
    id: int  # the customer's
    interaction: int


@dataclass(frozen=True)
class CustomerEdit(Payload, action="customer.edit"):
    id: int


@dataclass(frozen=True)
class CustomerEditField(Payload, action="customer.edit_field"):
    id: int
    field: str


@dataclass(frozen=True)
class AliasAdd(Payload, action="alias.add"):
    id: int  # the customer's


@dataclass(frozen=True)
class AliasRemove(Payload, action="alias.remove"):
    id: int  # the customer's (the alias says which)
    alias: int


# --- bot/handlers/corrections.py -------------------------------------------------------------------------


@dataclass(frozen=True)
class EditLog(Payload, action="customer.edit_log"):
    id: int  # the customer's
    interaction: int


@dataclass(frozen=True)
class FixLog(Payload, action="customer.fix_log"):
    id: int
    interaction: int
    field: str


@dataclass(frozen=True)
class FixLogSet(Payload, action="customer.fix_log_set"):
    id: int
    interaction: int
    field: str
    value: str | int | None = None  # a kind or feedback code, a customer id, or no feedback


# --- bot/handlers/opportunities.py -----------------------------------------------------------------------


@dataclass(frozen=True)
class OpportunityWon(Payload, action="opportunity.won"):
    id: int


@dataclass(frozen=True)
class OpportunityLost(Payload, action="opportunity.lost"):
    id: int


@dataclass(frozen=True)
class OpportunityEdit(Payload, action="opportunity.edit"):
    id: int


@dataclass(frozen=True)
class OpportunityEditField(Payload, action="opportunity.edit_field"):
    id: int
    field: str


@dataclass(frozen=True)
class OpportunitySetStage(Payload, action="opportunity.set_stage"):
    id: int
    stage: str


# --- bot/handlers/imports.py -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportExpect(Payload, action="import.expect"):
    kind: str


@dataclass(frozen=True)
class ImportKind(Payload, action="import.kind"):
    upload: int
    kind: str


@dataclass(frozen=True)
class ImportCancel(Payload, action="import.cancel"):
    upload: int


@dataclass(frozen=True)
class ImportConfirm(Payload, action="import.confirm"):
    upload: int


# --- bot/handlers/policy.py ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyDownload(NoPayload, action="policy.download"):
    pass


@dataclass(frozen=True)
class PolicyVersions(NoPayload, action="policy.versions"):
    pass


@dataclass(frozen=True)
class PolicyRestore(Payload, action="policy.restore"):
    id: int | None = None  # a stored version, or None for the shipped default


@dataclass(frozen=True)
class PolicyApply(Payload, action="policy.apply"):
    draft: int


@dataclass(frozen=True)
class PolicyCancel(Payload, action="policy.cancel"):
    draft: int


# --- bot/handlers/overrides.py ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverrideCustomer(Payload, action="override.customer"):
    """What `/override <name> …` asked, for the customer picked from several matches."""

    id: int
    word: str = ""  # the tier word typed
    choices: tuple[tuple[str, str], ...] = ()  # (model, tier) pairs the word may mean
    reason: str = ""
    until: str | None = None  # an ISO date
    off: bool = False  # `/override <name> off`: remove the pins


@dataclass(frozen=True)
class OverrideModel(Payload, action="override.model"):
    id: int
    model: str
    tier: str
    reason: str = ""
    until: str | None = None


@dataclass(frozen=True)
class OverrideStart(Payload, action="override.start"):
    id: int


@dataclass(frozen=True)
class OverridePickModel(Payload, action="override.pick_model"):
    id: int
    model: str


@dataclass(frozen=True)
class OverridePickTier(Payload, action="override.pick_tier"):
    id: int
    model: str
    tier: str


@dataclass(frozen=True)
class OverrideRemove(Payload, action="override.remove"):
    id: int
    model: str | None = None  # None: every pin of the customer


# --- bot/handlers/summary.py -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryOpen(Payload, action="summary.open"):
    """The button under the weekly push (core.reports.weekly stores it)."""

    period: str = scoping.DEFAULT_PERIOD


@dataclass(frozen=True)
class SummaryTier(Payload, action="summary.tier"):
    scope: dict[str, Any]  # as core.reports.scoping wrote it into the summary: kind, team_id or user_id, label
    model: str
    tier: str
    offset: int | None = None  # None: from the summary (a new message); a number: paging in place


@dataclass(frozen=True)
class SummaryOverdue(Payload, action="summary.overdue"):
    user_id: int


@dataclass(frozen=True)
class SummaryCard(Payload, action="summary.card"):
    id: int
