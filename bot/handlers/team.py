"""/team for managers and admins: the overview of their people, and the levers — reassign
customers (one, a tier, a whole book), dedicated account managers for VIP customers, archive and
merge customers, deactivate people, change roles and teams.

Everything works with buttons from the overview, and as typed commands (`/team help`). Bulk and
destructive changes show a confirmation with ✅ / ✖ first; the ✅ key carries exactly what was
confirmed (the customer ids, the person), and core checks the rights again when it runs.
Typed answers to prompts (a customer's name to archive, the two records to merge) go through
the pending flow in the database (core.chat.flows).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal
from zoneinfo import ZoneInfo

from telegram import Update

from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.keyboards import Button, markup, page_row
from bot.payloads import (
    ConfirmArchive,
    ConfirmMerge,
    ConfirmPeople,
    ConfirmReassign,
    CustomerCard,
    PeopleOp,
    TeamAm,
    TeamAmPick,
    TeamAmSet,
    TeamArchived,
    TeamArchivePrompt,
    TeamAskArchive,
    TeamAskDeactivate,
    TeamAskMove,
    TeamAskReassign,
    TeamAskRole,
    TeamBook,
    TeamCancel,
    TeamConfirm,
    TeamCustomer,
    TeamHelp,
    TeamMember,
    TeamMergePrompt,
    TeamMergeWith,
    TeamPage,
    TeamPick,
    TeamReactivate,
    TeamRoles,
    TeamScope,
    TeamTeams,
    TeamUnarchive,
)
from bot.replies import edit, reply
from core.models import Role
from core.team import account_managers, archive, lookup, merge, overview, people, reassign

PAGE = 10  # people per overview page
BOOK_PAGE = 10  # customers per page of a book
PICK_MAX = 40  # people offered as buttons
MERGE_SPLIT = re.compile(r"\s*[|｜]\s*")
# typed sub-commands, with Chinese aliases
SUBCOMMANDS = {
    "reassign": "reassign",
    "转交": "reassign",
    "archive": "archive",
    "归档": "archive",
    "unarchive": "unarchive",
    "恢复": "unarchive",
    "archived": "archived",
    "已归档": "archived",
    "merge": "merge",
    "合并": "merge",
    "am": "am",
    "重点客户经理": "am",
    "deactivate": "deactivate",
    "停用": "deactivate",
    "activate": "activate",
    "reactivate": "activate",
    "启用": "activate",
    "role": "role",
    "角色": "role",
    "move": "move",
    "调组": "move",
    "help": "help",
    "帮助": "help",
}
TIER_WORDS = ("tier", "档", "档次")
ALL_WORDS = ("all", "全部")
NO_ONE = ("-", "—", "none", "无")


async def _say(update: Update, text: str, rows: Any = None) -> None:
    """Edit the message a button sits on, or answer a typed command with a new message."""
    if update.callback_query is not None:
        await edit(update, text, rows)
    else:
        await reply(update, text, rows)


def _zone(context: BotContext) -> ZoneInfo:
    return ZoneInfo(context.me.timezone or context.services.settings.timezone)


def _pairs(buttons: list[Button], width: int = 2) -> list[list[Button]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# --- /team ----------------------------------------------------------------------------------------


@answers("team")
async def command(update: Update, context: BotContext) -> None:
    me = context.me
    if not me.is_manager:
        await reply(update, context.render("common/not_allowed", need="manager"))
        return
    args = context.args or []
    if not args:
        await _overview(update, context, 0, None)
        return
    sub = SUBCOMMANDS.get(args[0].casefold())
    rest = " ".join(args[1:]).strip()
    if sub is not None:
        await TYPED[sub](update, context, rest)
    elif args[0].startswith("@") and len(args) == 1:
        person = await context.run(people.find_person, me, args[0])
        await _member(update, context, person.id)
    elif me.role == Role.ADMIN:
        await _overview(update, context, 0, " ".join(args))
    else:
        await _usage(update, context, "")


async def _usage(update: Update, context: BotContext, rest: str) -> None:
    await _say(update, context.render("team/usage", admin=context.me.role == Role.ADMIN))


@action(TeamHelp)
@answers("team")
async def help_pressed(update: Update, context: BotContext, payload: TeamHelp) -> None:
    await reply(update, context.render("team/usage", admin=context.me.role == Role.ADMIN))


# --- the overview -----------------------------------------------------------------------------------


async def _overview(update: Update, context: BotContext, page: int, team_name: str | None) -> None:
    me = context.me
    found = await context.run(overview.overview, me, context.as_of(), team=team_name)
    pages = max(1, -(-len(found.members) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = found.members[page * PAGE : (page + 1) * PAGE]
    everyone = me.role == Role.ADMIN and team_name is None
    text = context.render(
        "team/overview",
        o=found,
        members=shown,
        start=page * PAGE,
        page=page + 1,
        pages=pages,
        team=team_name or (None if everyone else me.team_name),
        everyone=everyone,
        show_teams=everyone,
        zone=_zone(context),
    )
    rows = _pairs(
        [
            Button.of(f"{page * PAGE + n}. {m.name}{'' if m.active else ' ⛔'}", TeamMember(id=m.id), single_use=False)
            for n, m in enumerate(shown, start=1)
        ]
    )
    rows += page_row(TeamPage(page=page, team=team_name), at=page, step=1, end=pages, key="page")
    rows.append(
        [
            Button.of(context.label("team.am"), TeamAm(), single_use=False),
            Button.of(context.label("team.archived"), TeamArchived(), single_use=False),
        ]
    )
    rows.append(
        [
            Button.of(context.label("team.archive"), TeamArchivePrompt(), single_use=False),
            Button.of(context.label("team.merge"), TeamMergePrompt(), single_use=False),
            Button.of(context.label("team.help"), TeamHelp(), single_use=False),
        ]
    )
    await _say(update, text, await markup(context, rows))


@action(TeamPage)
@answers("team")
async def page_pressed(update: Update, context: BotContext, payload: TeamPage) -> None:
    await _overview(update, context, payload.page, payload.team)


# --- one person -------------------------------------------------------------------------------------


async def _member(update: Update, context: BotContext, user_id: int) -> None:
    me = context.me
    row = await context.run(overview.member, me, context.as_of(), user_id)
    text = context.render(
        "team/member", m=row, tier_names=overview.tier_names(context.services.policy), zone=_zone(context)
    )
    rows = [
        [
            Button.of(context.label("team.book"), TeamBook(id=row.id), single_use=False),
            Button.of(context.label("team.reassign"), TeamScope(from_=row.id), single_use=False),
        ]
    ]
    if row.id != me.id and (me.role == Role.ADMIN or row.role != Role.ADMIN):
        access = (
            Button.of(context.label("team.deactivate"), TeamAskDeactivate(id=row.id), single_use=False)
            if row.active
            else Button.of(context.label("team.reactivate"), TeamReactivate(id=row.id))
        )
        people_row = [Button.of(context.label("team.role"), TeamRoles(id=row.id), single_use=False), access]
        if me.role == Role.ADMIN:
            people_row.append(Button.of(context.label("team.move"), TeamTeams(id=row.id), single_use=False))
        rows.append(people_row)
    rows.append([Button.of(context.label("team.back"), TeamPage(page=0), single_use=False)])
    await _say(update, text, await markup(context, rows))


@action(TeamMember)
@answers("team")
async def member_pressed(update: Update, context: BotContext, payload: TeamMember) -> None:
    await _member(update, context, payload.id)


@action(TeamBook)
@answers("team")
async def book_pressed(update: Update, context: BotContext, payload: TeamBook) -> None:
    user_id, offset = payload.id, payload.offset
    policy = context.services.policy
    page = await context.run(overview.book_page, context.me, policy, user_id, offset=offset, limit=BOOK_PAGE)
    lines, total = page.lines, page.total
    text = context.render(
        "team/book",
        name=page.name,
        lines=lines,
        total=total,
        offset=offset,
        shown=len(lines),
        tier_names=overview.tier_names(policy),
    )
    rows = _pairs(
        [
            Button.of(f"{offset + n}. {line.name}", TeamCustomer(id=line.id), single_use=False)
            for n, line in enumerate(lines, start=1)
        ]
    )
    rows += page_row(payload, at=offset, step=BOOK_PAGE, end=total)
    rows.append([Button.of(context.label("team.back"), TeamMember(id=user_id), single_use=False)])
    await _say(update, text, await markup(context, rows))


@action(TeamCustomer)
@answers("team")
async def customer_pressed(update: Update, context: BotContext, payload: TeamCustomer) -> None:
    ref = await context.run(lookup.customer_ref, context.me, payload.id)
    label = context.label
    rows = [
        [
            Button.of(label("team.card"), CustomerCard(id=ref.id), single_use=False),
            Button.of(label("team.reassign"), TeamPick(ids=(ref.id,)), single_use=False),
        ],
        [
            Button.of(label("team.set_am"), TeamAmPick(customer=ref.id), single_use=False),
            Button.of(label("team.archive"), TeamAskArchive(id=ref.id), single_use=False),
            Button.of(label("team.merge_with"), TeamMergeWith(id=ref.id), single_use=False),
        ],
    ]
    if ref.owner_id is not None:
        rows.append([Button.of(label("team.back"), TeamBook(id=ref.owner_id), single_use=False)])
    await _say(update, context.render("team/customer", c=ref), await markup(context, rows))


# --- reassigning ------------------------------------------------------------------------------------


@action(TeamScope)
@answers("team")
async def scope_pressed(update: Update, context: BotContext, payload: TeamScope) -> None:
    """Which of a person's customers: all, or one tier of the main model."""
    user_id = payload.from_
    row = await context.run(overview.member, context.me, context.as_of(), user_id)
    if not row.book:
        await _say(update, context.render("team/error", code="team_nothing_selected"))
        return
    model = overview.main_model(context.services.policy)[0]
    names = overview.tier_names(context.services.policy)
    options = [Button.of(context.label("team.all", n=row.book), TeamPick(from_=user_id), single_use=False)]
    options += [
        Button.of(
            context.label("team.tier", name=names[code][context.me.language], n=row.mix[code]),
            TeamPick(from_=user_id, tier=(model, code)),
            single_use=False,
        )
        for code in names
        if row.mix.get(code) and model is not None  # no main model: no tiers either
    ]
    rows = _pairs(options, 2) + [[Button.of(context.label("team.back"), TeamMember(id=user_id), single_use=False)]]
    await _say(update, context.render("team/scope", name=row.name), await markup(context, rows))


def _selection(payload: TeamPick) -> dict[str, Any]:
    """The selection a button's payload names, as core.team.reassign.selection's arguments."""
    return {
        "from_user_id": payload.from_,
        "unassigned": payload.unassigned,
        "tier": payload.tier,
        "customer_ids": list(payload.ids) if payload.ids is not None else None,
    }


@action(TeamPick)
@answers("team")
async def pick_pressed(update: Update, context: BotContext, payload: TeamPick) -> None:
    """To whom: the active people the presser manages."""
    choice = await context.run(reassign.reassign_choice, context.me, **_selection(payload), limit=PICK_MAX)
    found = choice.selection
    rows = _pairs(
        [
            Button.of(
                p.name,
                TeamAskReassign(
                    from_=payload.from_, tier=payload.tier, ids=payload.ids, unassigned=payload.unassigned, to=p.id
                ),
                single_use=False,
            )
            for p in choice.targets
        ]
    )
    rows.append([Button.of(context.label("team.cancel"), TeamCancel())])
    await _say(
        update,
        context.render("team/pick", what="reassign", count=len(found.ids), from_name=found.from_name),
        await markup(context, rows),
    )


@action(TeamAskReassign)
@answers("team")
async def ask_reassign_pressed(update: Update, context: BotContext, payload: TeamAskReassign) -> None:
    await _confirm_reassign(update, context, payload)


async def _confirm_reassign(update: Update, context: BotContext, payload: TeamAskReassign) -> None:
    me = context.me
    preview = await context.run(reassign.reassign_preview, me, payload.to, **_selection(payload))
    found, target = preview.selection, preview.to_name
    tier = payload.tier
    tier_label = None
    if tier:
        spec = context.services.policy.tier(tier[0], tier[1])
        tier_label = spec.name.get(me.language) if spec else tier[1]
    text = context.render(
        "team/confirm",
        op="reassign",
        count=len(found.ids),
        from_name=found.from_name,
        tier=tier_label,
        to_name=target,
        names=found.names,
    )
    await _ask(update, context, text, ConfirmReassign(op="reassign", ids=tuple(found.ids), to=payload.to))


async def _ask(update: Update, context: BotContext, text: str, payload: TeamConfirm) -> None:
    rows = [
        [
            Button.of(context.label("team.confirm"), payload),
            Button.of(context.label("team.cancel"), TeamCancel()),
        ]
    ]
    await _say(update, text, await markup(context, rows))


@action(TeamCancel)
@answers("team")
async def cancel_pressed(update: Update, context: BotContext, payload: TeamCancel) -> None:
    await finish(context)
    await _say(update, context.render("team/done", op="cancelled"))


@action(TeamConfirm)
@answers("team")
async def confirm_pressed(update: Update, context: BotContext, payload: TeamConfirm) -> None:
    """The ✅ of a confirmation: do exactly what was shown (core checks the rights again)."""
    me, now = context.me, context.now()
    params: dict[str, Any]
    if isinstance(payload, ConfirmReassign):
        done = await context.run(reassign.reassign, me, list(payload.ids), payload.to, now)
        params = {"moved": done.moved, "follow_ups": done.follow_ups, "to_name": done.to_name}
    elif isinstance(payload, ConfirmArchive):
        params = {"name": await context.run(archive.archive, me, payload.id, now)}
    elif isinstance(payload, ConfirmMerge):
        merged = await context.run(merge.merge, me, context.as_of(now), payload.keep, payload.drop)
        params = {"kept": merged.kept_name, "dropped": merged.dropped_name, "moved": merged.moved}
    elif isinstance(payload, ConfirmPeople):
        change = await context.run(people.change, me, payload.op, payload.id, payload.value, now)
        params = {"name": change.person.name, "customers": change.customers, "new": change.new}
    else:  # not one of TeamConfirm's shapes: the dispatch parses only those
        return
    await _say(update, context.render("team/done", op=payload.op, **params))


async def _typed_reassign(update: Update, context: BotContext, rest: str) -> None:
    """`reassign @from @to [tier X|all]`, `reassign NAME, NAME @to`, `reassign unassigned @to`."""
    tokens = rest.split()
    tier_text = None
    for word in TIER_WORDS:
        if word in [t.casefold() for t in tokens]:
            at = [t.casefold() for t in tokens].index(word)
            tier_text, tokens = " ".join(tokens[at + 1 :]), tokens[:at]
            break
    if tokens and tokens[-1].casefold() in ALL_WORDS:
        tokens = tokens[:-1]
    refs = [n for n, t in enumerate(tokens) if t.startswith("@")]
    if not refs or refs[-1] == 0:
        await _usage(update, context, rest)
        return
    source, to_ref = tokens[: refs[-1]], tokens[refs[-1]]
    plan = await context.run(reassign.plan_reassign, context.me, context.services.policy, source, to_ref, tier_text)
    await _confirm_reassign(update, context, _plan_payload(plan))


def _plan_payload(plan: reassign.ReassignPlan) -> TeamAskReassign:
    """The typed reassignment as the payload the buttons would carry."""
    tier = plan.tier or None
    if plan.from_user_id is not None:
        return TeamAskReassign(from_=plan.from_user_id, tier=tier, to=plan.to_user_id)
    if plan.unassigned:
        return TeamAskReassign(unassigned=True, tier=tier, to=plan.to_user_id)
    ids = tuple(plan.customer_ids) if plan.customer_ids is not None else None
    return TeamAskReassign(ids=ids, tier=tier, to=plan.to_user_id)


# --- dedicated account managers -------------------------------------------------------------------


@action(TeamAm)
@answers("team")
async def am_pressed(update: Update, context: BotContext, payload: TeamAm) -> None:
    await _am_load(update, context)


async def _am_load(update: Update, context: BotContext) -> None:
    policy = context.services.policy
    load = await context.run(account_managers.account_manager_load, context.me, policy)
    names = overview.tier_names(policy)
    top_name = names.get(load.tier or "", {}).get(context.me.language, load.tier or "")
    rows = _pairs(
        [
            Button.of(f"{n}. {c['name']}", TeamAmPick(customer=c["id"]), single_use=False)
            for n, c in enumerate(load.without, start=1)
        ]
    )
    rows.append([Button.of(context.label("team.back"), TeamPage(page=0), single_use=False)])
    await _say(update, context.render("team/am", load=load, top_name=top_name), await markup(context, rows))


@action(TeamAmPick)
@answers("team")
async def am_pick_pressed(update: Update, context: BotContext, payload: TeamAmPick) -> None:
    choice = await context.run(account_managers.account_manager_choice, context.me, payload.customer, limit=PICK_MAX)
    ref = choice.customer
    rows = _pairs([Button.of(p.name, TeamAmSet(customer=ref.id, user=p.id)) for p in choice.targets])
    rows.append(
        [
            Button.of(context.label("team.remove_am"), TeamAmSet(customer=ref.id, user=None)),
            Button.of(context.label("team.cancel"), TeamCancel()),
        ]
    )
    await _say(update, context.render("team/pick", what="am", name=ref.name), await markup(context, rows))


@action(TeamAmSet)
@answers("team")
async def am_set_pressed(update: Update, context: BotContext, payload: TeamAmSet) -> None:
    name, manager = await context.run(
        account_managers.set_account_manager,
        context.me,
        context.services.policy,
        payload.customer,
        payload.user,
        context.now(),
    )
    await _say(update, context.render("team/done", op="am", name=name, manager=manager))


async def _typed_am(update: Update, context: BotContext, rest: str) -> None:
    """`am` (the load) or `am NAME @user` (`-` instead of @user removes)."""
    tokens = rest.split()
    if not tokens:
        await _am_load(update, context)
        return
    if len(tokens) < 2 or not (tokens[-1].startswith("@") or tokens[-1] in NO_ONE):
        await _usage(update, context, rest)
        return
    user_ref = None if tokens[-1] in NO_ONE else tokens[-1]
    name, manager = await context.run(
        account_managers.set_account_manager_by_name,
        context.me,
        context.services.policy,
        " ".join(tokens[:-1]),
        user_ref,
        context.now(),
    )
    await _say(update, context.render("team/done", op="am", name=name, manager=manager))


# --- archive ----------------------------------------------------------------------------------------


@action(TeamArchivePrompt)
@answers("team")
async def archive_prompt_pressed(update: Update, context: BotContext, payload: TeamArchivePrompt) -> None:
    await _prompt_archive(update, context)


async def _prompt_archive(update: Update, context: BotContext) -> None:
    await begin(context, "team.archive", {})
    await reply(update, context.render("team/prompt", step="archive"))


@expects("team.archive")
@answers("team")
async def archive_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    await _ask_archive_by_name(update, context, text)  # a bad name: the prompt stays, type again
    await finish(context)


async def _typed_archive(update: Update, context: BotContext, rest: str) -> None:
    if not rest:
        await _prompt_archive(update, context)
        return
    await _ask_archive_by_name(update, context, rest)


async def _ask_archive_by_name(update: Update, context: BotContext, name: str) -> None:
    ref = await context.run(lookup.find_customer, context.me, name)
    await _ask(
        update,
        context,
        context.render("team/confirm", op="archive", name=ref.name, owner=ref.owner),
        ConfirmArchive(op="archive", id=ref.id),
    )


@action(TeamAskArchive)
@answers("team")
async def ask_archive_pressed(update: Update, context: BotContext, payload: TeamAskArchive) -> None:
    ref = await context.run(lookup.customer_ref, context.me, payload.id)
    await _ask(
        update,
        context,
        context.render("team/confirm", op="archive", name=ref.name, owner=ref.owner),
        ConfirmArchive(op="archive", id=ref.id),
    )


@action(TeamArchived)
@answers("team")
async def archived_pressed(update: Update, context: BotContext, payload: TeamArchived) -> None:
    await _archived(update, context, payload.offset)


async def _archived(update: Update, context: BotContext, offset: int) -> None:
    lines, total = await context.run(archive.archived, context.me, offset=offset, limit=BOOK_PAGE)
    rows = _pairs(
        [
            Button.of(f"♻ {offset + n}", TeamUnarchive(id=line.id))
            for n, line in enumerate(lines, start=1)
            if line.merged_into is None
        ],
        5,
    )
    rows += page_row(TeamArchived(offset=offset), at=offset, step=BOOK_PAGE, end=total)
    rows.append([Button.of(context.label("team.back"), TeamPage(page=0), single_use=False)])
    await _say(
        update,
        context.render("team/archived", lines=lines, total=total, offset=offset, zone=_zone(context)),
        await markup(context, rows),
    )


@action(TeamUnarchive)
@answers("team")
async def unarchive_pressed(update: Update, context: BotContext, payload: TeamUnarchive) -> None:
    name = await context.run(archive.unarchive, context.me, payload.id, context.now())
    await reply(update, context.render("team/done", op="unarchive", name=name))


async def _typed_unarchive(update: Update, context: BotContext, rest: str) -> None:
    if not rest:
        await _archived(update, context, 0)
        return
    name = await context.run(archive.unarchive_by_name, context.me, rest, context.now())
    await reply(update, context.render("team/done", op="unarchive", name=name))


async def _typed_archived(update: Update, context: BotContext, rest: str) -> None:
    await _archived(update, context, 0)


# --- merge ------------------------------------------------------------------------------------------


@action(TeamMergePrompt)
@answers("team")
async def merge_prompt_pressed(update: Update, context: BotContext, payload: TeamMergePrompt) -> None:
    await begin(context, "team.merge", {})
    await reply(update, context.render("team/prompt", step="merge"))


@action(TeamMergeWith)
@answers("team")
async def merge_with_pressed(update: Update, context: BotContext, payload: TeamMergeWith) -> None:
    ref = await context.run(lookup.customer_ref, context.me, payload.id)
    await begin(context, "team.merge", {"first": ref.id})
    await reply(update, context.render("team/prompt", step="merge_with", name=ref.name))


@expects("team.merge")
@answers("team")
async def merge_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    first = data.get("first")
    names = [f"#{first}", text] if first else MERGE_SPLIT.split(text.strip(), maxsplit=1)
    if len(names) != 2 or not all(n.strip() for n in names):
        await reply(update, context.render("team/prompt", step="merge"))
        return
    await _ask_merge(update, context, names[0], names[1])  # a bad name: the prompt stays, type again
    await finish(context)


async def _typed_merge(update: Update, context: BotContext, rest: str) -> None:
    names = MERGE_SPLIT.split(rest.strip(), maxsplit=1)
    if len(names) != 2 or not all(n.strip() for n in names):
        await _usage(update, context, rest)
        return
    await _ask_merge(update, context, names[0], names[1])


async def _ask_merge(update: Update, context: BotContext, first: str, second: str) -> None:
    records = await context.run(merge.merge_preview_by_name, context.me, first, second)
    rows = [
        [
            Button.of(
                context.label("team.keep", n=n, name=keep.name[:24]),
                ConfirmMerge(op="merge", keep=keep.id, drop=other.id),
            )
        ]
        for n, (keep, other) in enumerate((records, records[::-1]), start=1)
    ]
    rows.append([Button.of(context.label("team.cancel"), TeamCancel())])
    await _say(update, context.render("team/merge", records=records), await markup(context, rows))


# --- people -----------------------------------------------------------------------------------------


@action(TeamAskDeactivate)
@answers("team")
async def ask_deactivate_pressed(update: Update, context: BotContext, payload: TeamAskDeactivate) -> None:
    await _ask_people(update, context, "deactivate", payload.id, None)


async def _ask_people(update: Update, context: BotContext, op: PeopleOp, user_id: int, value: str | None) -> None:
    change = await context.run(people.preview, context.me, user_id, "team" if op == "move" else op, value)
    text = context.render(
        "team/confirm",
        op=op,
        name=change.person.name,
        customers=change.customers,
        old=change.old,
        role=change.new,
        team=change.new,
    )
    await _ask(update, context, text, ConfirmPeople(op=op, id=user_id, value=change.new))


@action(TeamReactivate)
@answers("team")
async def reactivate_pressed(update: Update, context: BotContext, payload: TeamReactivate) -> None:
    await _reactivate(update, context, payload.id)


async def _reactivate(update: Update, context: BotContext, user_id: int) -> None:
    change = await context.run(people.reactivate, context.me, user_id, context.now())
    await _say(update, context.render("team/done", op="reactivate", name=change.person.name))


@action(TeamRoles)
@answers("team")
async def roles_pressed(update: Update, context: BotContext, payload: TeamRoles) -> None:
    me, user_id = context.me, payload.id
    person = await context.run(people.person, me, user_id)
    roles = tuple(Role) if me.role == Role.ADMIN else (Role.REP, Role.MANAGER)
    rows = [
        [
            Button.of(context.label(f"roles.{r}"), TeamAskRole(id=user_id, role=r.value), single_use=False)
            for r in roles
            if r != person.role
        ],
        [Button.of(context.label("team.back"), TeamMember(id=user_id), single_use=False)],
    ]
    await _say(
        update,
        context.render("team/pick", what="role", name=person.name, role=person.role),
        await markup(context, rows),
    )


@action(TeamAskRole)
@answers("team")
async def ask_role_pressed(update: Update, context: BotContext, payload: TeamAskRole) -> None:
    await _ask_people(update, context, "role", payload.id, payload.role)


@action(TeamTeams)
@answers("team")
async def teams_pressed(update: Update, context: BotContext, payload: TeamTeams) -> None:
    me, user_id = context.me, payload.id
    person = await context.run(people.person, me, user_id)
    names = await context.run(people.team_names)
    rows = _pairs(
        [
            Button.of(name, TeamAskMove(id=user_id, team=name), single_use=False)
            for name in names
            if name != person.team
        ][:PICK_MAX],
        3,
    )
    rows.append([Button.of(context.label("team.back"), TeamMember(id=user_id), single_use=False)])
    await _say(
        update,
        context.render("team/pick", what="move", name=person.name, ref=person.username or person.name),
        await markup(context, rows),
    )


@action(TeamAskMove)
@answers("team")
async def ask_move_pressed(update: Update, context: BotContext, payload: TeamAskMove) -> None:
    await _ask_people(update, context, "move", payload.id, payload.team)


def _typed_people(op: PeopleOp | Literal["activate"]) -> Callable[[Update, BotContext, str], Awaitable[None]]:
    """`deactivate @user`, `activate @user`, `role @user ROLE`, `move @user TEAM`."""

    async def typed(update: Update, context: BotContext, rest: str) -> None:
        tokens = rest.split()
        if not tokens or (op in ("role", "move") and len(tokens) < 2):
            await _usage(update, context, rest)
            return
        person = await context.run(people.find_person, context.me, tokens[0])
        if op == "activate":
            await _reactivate(update, context, person.id)
            return
        await _ask_people(update, context, op, person.id, " ".join(tokens[1:]) or None)

    return typed


TYPED: dict[str, Callable[[Update, BotContext, str], Awaitable[None]]] = {
    "reassign": _typed_reassign,
    "archive": _typed_archive,
    "unarchive": _typed_unarchive,
    "archived": _typed_archived,
    "merge": _typed_merge,
    "am": _typed_am,
    "help": _usage,
    "deactivate": _typed_people("deactivate"),
    "activate": _typed_people("activate"),
    "role": _typed_people("role"),
    "move": _typed_people("move"),
}
