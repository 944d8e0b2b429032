"""Every button's payload: one frozen dataclass per action, naming it (bot.button_dispatch).

They live together here, a section per handler module, because buttons cross feature lines —
the customer card offers the opportunity, override, feedback and follow-up buttons, the agenda
and the summary offer the card's — and the handler modules import one another the other way
round (opportunities, corrections, overrides and summary import customers). The section says
which module registers the action. A field's name is the key stored in the payload dict: keys
that core stores itself (core.reminders.planner: the digest's, nudges' and greetings' buttons;
core.reports.weekly: the push's 📊) keep the shape it writes.

An `int` is an id unless its name says otherwise; `msg` is the message id of the log card a
button is bound to. A stored name that is a Python keyword is an alias: `from_` is stored as
"from"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field

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


# Every button of a log card carries `msg`, the message the card is about: a button of an older
# card (its draft replaced by a newer message) must not change or save the newer draft.


@dataclass(frozen=True)
class LogSet(Payload, action="log.set"):
    field: str  # the draft's field: customer_id, kind, occurred_at, money, feedback_kind
    value: str | int | None  # a customer id, a word, an ISO date, or no feedback
    msg: int


@dataclass(frozen=True)
class LogPick(Payload, action="log.pick"):
    field: str  # kind, date, money, followup, feedback
    msg: int


@dataclass(frozen=True)
class LogAsk(Payload, action="log.ask"):
    field: str  # customer, amount, date, followup
    msg: int


@dataclass(frozen=True)
class LogSetFollowup(Payload, action="log.set_followup"):
    days: int  # from today, at 9:00; 0: no follow-up
    msg: int


@dataclass(frozen=True)
class LogBack(Payload, action="log.back"):
    msg: int


@dataclass(frozen=True)
class LogCancel(Payload, action="log.cancel"):
    msg: int


@dataclass(frozen=True)
class LogSave(Payload, action="log.save"):
    msg: int


@dataclass(frozen=True)
class LogCreateCustomer(Payload, action="log.create_customer"):
    msg: int


@dataclass(frozen=True)
class LogCreateNamed(Payload, action="log.create_named"):
    msg: int


@dataclass(frozen=True)
class LogReached(Payload, action="log.reached"):
    msg: int


@dataclass(frozen=True)
class LogOther(Payload, action="log.other"):
    index: int  # in the card's further customers
    msg: int


@dataclass(frozen=True)
class LogFact(Payload, action="log.fact"):
    index: int  # in the card's facts
    msg: int


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


# --- bot/handlers/team.py --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamHelp(NoPayload, action="team.help"):
    pass


@dataclass(frozen=True)
class TeamPage(Payload, action="team.page"):
    page: int = 0
    team: str | None = None  # an admin's overview of one team


@dataclass(frozen=True)
class TeamMember(Payload, action="team.member"):
    id: int  # the person's


@dataclass(frozen=True)
class TeamBook(Payload, action="team.book"):
    id: int  # the person's
    offset: int = 0


@dataclass(frozen=True)
class TeamCustomer(Payload, action="team.customer"):
    id: int


@dataclass(frozen=True)
class TeamScope(Payload, action="team.scope"):
    """Which of a person's customers to reassign."""

    from_: Annotated[int, Field(alias="from")]  # the person's


@dataclass(frozen=True, kw_only=True)
class TeamPick(Payload, action="team.pick"):
    """Whose customers to reassign (core.team.reassign.selection): a person's (all, or one tier),
    the unassigned ones, or the customers named."""

    from_: Annotated[int | None, Field(alias="from")] = None  # the person's
    tier: tuple[str, str] | None = None  # (model, tier) of the main model
    ids: tuple[int, ...] | None = None  # the customers'
    unassigned: bool = False


@dataclass(frozen=True, kw_only=True)
class TeamAskReassign(TeamPick, action="team.ask_reassign"):
    """The selection and to whom: the confirmation."""

    to: int  # the person's


@dataclass(frozen=True)
class TeamCancel(NoPayload, action="team.cancel"):
    pass


@dataclass(frozen=True)
class TeamConfirm(Payload, action="team.confirm"):
    """The ✅ of a confirmation, carrying exactly what was confirmed: one of the shapes below,
    told apart by `op` (a subclass naming no action is a shape, bot.button_dispatch)."""


@dataclass(frozen=True, kw_only=True)
class ConfirmReassign(TeamConfirm):
    op: Literal["reassign"]  # required: a stored dict without it fits no shape
    ids: tuple[int, ...]  # the customers shown
    to: int  # the person's


@dataclass(frozen=True, kw_only=True)
class ConfirmArchive(TeamConfirm):
    op: Literal["archive"]  # required: a stored dict without it fits no shape
    id: int  # the customer's


@dataclass(frozen=True, kw_only=True)
class ConfirmMerge(TeamConfirm):
    op: Literal["merge"]  # required: a stored dict without it fits no shape
    keep: int  # the customer kept
    drop: int  # the customer merged into it


PeopleOp = Literal["deactivate", "role", "move"]


@dataclass(frozen=True, kw_only=True)
class ConfirmPeople(TeamConfirm):
    op: PeopleOp
    id: int  # the person's
    value: str | None = None  # the new role or team, as previewed


@dataclass(frozen=True)
class TeamAm(NoPayload, action="team.am"):
    pass


@dataclass(frozen=True)
class TeamAmPick(Payload, action="team.am_pick"):
    customer: int


@dataclass(frozen=True)
class TeamAmSet(Payload, action="team.am_set"):
    customer: int
    user: int | None = None  # None: remove the account manager


@dataclass(frozen=True)
class TeamArchivePrompt(NoPayload, action="team.archive_prompt"):
    pass


@dataclass(frozen=True)
class TeamAskArchive(Payload, action="team.ask_archive"):
    id: int  # the customer's


@dataclass(frozen=True)
class TeamArchived(Payload, action="team.archived"):
    offset: int = 0


@dataclass(frozen=True)
class TeamUnarchive(Payload, action="team.unarchive"):
    id: int  # the customer's


@dataclass(frozen=True)
class TeamMergePrompt(NoPayload, action="team.merge_prompt"):
    pass


@dataclass(frozen=True)
class TeamMergeWith(Payload, action="team.merge_with"):
    id: int  # the customer's


@dataclass(frozen=True)
class TeamAskDeactivate(Payload, action="team.ask_deactivate"):
    id: int  # the person's


@dataclass(frozen=True)
class TeamReactivate(Payload, action="team.reactivate"):
    id: int


@dataclass(frozen=True)
class TeamRoles(Payload, action="team.roles"):
    id: int


@dataclass(frozen=True)
class TeamAskRole(Payload, action="team.ask_role"):
    id: int
    role: str


@dataclass(frozen=True)
class TeamTeams(Payload, action="team.teams"):
    id: int


@dataclass(frozen=True)
class TeamAskMove(Payload, action="team.ask_move"):
    id: int
    team: str  # the team's name
