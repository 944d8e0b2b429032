"""What a summary is asked for: the period and the scope.

Who sees what:
- a rep may not ask for a summary (`Forbidden`);
- a manager: their team by default (`customer_scope`: the team's and their reports' customers,
  plus unassigned ones), or one person of it (`@rep`); another team is refused;
- an admin: the whole organisation by default, `team NAME` for one team (customers owned by its
  members), or any person (`@rep`).

The period is rolling and ends now: week = 7 days, month = 30, quarter = 91. It bounds the
movements (tier changes) and the time allocation; everything else is as of now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from core.accounts import Account
from core.errors import Forbidden, InvalidInput
from core.models import Customer, Role, Team, User
from core.team.people import find_user, in_domain
from core.visibility import customer_scope

PERIOD_DAYS = {"week": 7, "month": 30, "quarter": 91}
DEFAULT_PERIOD = "month"
_PERIOD_WORDS = {
    "week": "week",
    "weekly": "week",
    "w": "week",
    "周": "week",
    "本周": "week",
    "一周": "week",
    "每周": "week",
    "month": "month",
    "monthly": "month",
    "m": "month",
    "月": "month",
    "本月": "month",
    "一个月": "month",
    "quarter": "quarter",
    "quarterly": "quarter",
    "q": "quarter",
    "季": "quarter",
    "季度": "quarter",
    "本季度": "quarter",
    "本季": "quarter",
}
_TEAM_WORDS = {"team", "团队", "小组", "本组"}


@dataclass(frozen=True)
class Request:
    period: str = DEFAULT_PERIOD
    person: str | None = None  # "@username", a name or a Telegram id
    team: str | None = None  # a team name; "" for `team` alone (the default scope)


def parse_request(words: list[str]) -> Request:
    """`/summary` arguments in any order: a period word, `team [NAME]`, `@rep` or a person's
    name. Raises InvalidInput(`summary_usage`) for what cannot be read."""
    period: str | None = None
    person: str | None = None
    team: str | None = None
    rest: list[str] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        key = word.casefold()
        if key in _PERIOD_WORDS:
            if period is not None:
                raise InvalidInput("summary_usage", value=word[:64])
            period = _PERIOD_WORDS[key]
        elif key in _TEAM_WORDS:
            if team is not None:
                raise InvalidInput("summary_usage", value=word[:64])
            team = ""
        elif word.startswith("@"):
            if person is not None or len(word) == 1:
                raise InvalidInput("summary_usage", value=word[:64])
            person = word
        else:
            rest.append(word)
    if rest:  # after `team`: the team's name; otherwise a person's name
        if team is not None:
            team = " ".join(rest)
        elif person is None:
            person = " ".join(rest)
        else:
            raise InvalidInput("summary_usage", value=" ".join(rest)[:64])
    if person is not None and team:
        raise InvalidInput("summary_usage", value=person[:64])
    return Request(period or DEFAULT_PERIOD, person, team)


@dataclass(frozen=True)
class Scope:
    """Whose customers: `org` (an admin's whole book), `team` (a manager's team, or the team
    `team_id` for an admin) or `person` (one user's book)."""

    kind: str
    label: str | None = None
    user_id: int | None = None
    team_id: int | None = None

    def as_payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "user_id": self.user_id, "team_id": self.team_id}


def require_summary_rights(actor: Account) -> None:
    if actor.role not in (Role.MANAGER, Role.ADMIN) or not actor.active:
        raise Forbidden("summaries are for managers and admins")


def resolve_scope(session: Session, actor: Account, request: Request) -> Scope:
    """The scope `request` names, within what `actor` may see (InvalidInput codes
    summary_unknown_user, summary_other_team, summary_ambiguous_user, summary_unknown_team,
    summary_team_forbidden)."""
    require_summary_rights(actor)
    if request.person is not None:
        try:
            user = find_user(session, actor, request.person)
        except InvalidInput as exc:
            code = {"team_other_team": "summary_other_team", "team_ambiguous_user": "summary_ambiguous_user"}.get(
                exc.code, "summary_unknown_user"
            )
            raise InvalidInput(code, **{"value": request.person[:64], **exc.params}) from None
        return Scope("person", user.name, user_id=user.id)
    if request.team:
        team = session.exec(select(Team).where(func.lower(Team.name) == request.team.strip().lower())).first()
        if actor.role != Role.ADMIN:
            if team is None or team.id != actor.team_id:
                raise InvalidInput("summary_team_forbidden", value=request.team[:100], own=actor.team_name)
            return Scope("team", actor.team_name, team_id=actor.team_id)
        if team is None:
            raise InvalidInput("summary_unknown_team", value=request.team[:100])
        return Scope("team", team.name, team_id=team.id)
    if actor.role == Role.ADMIN:
        return Scope("org")
    return Scope("team", actor.team_name, team_id=actor.team_id)


def scope_from_payload(session: Session, actor: Account, payload: dict[str, Any]) -> Scope:
    """A scope stored behind a button, re-checked for the person pressing it now."""
    require_summary_rights(actor)
    scope = Scope(str(payload.get("kind")), payload.get("label"), payload.get("user_id"), payload.get("team_id"))
    if scope.kind == "person" and scope.user_id is not None and in_domain(session, actor, int(scope.user_id)):
        return scope
    if scope.kind == "org" and actor.role == Role.ADMIN:
        return scope
    if scope.kind == "team" and (actor.role == Role.ADMIN or scope.team_id == actor.team_id):
        return scope
    raise Forbidden("scope no longer visible")


def scope_clause(actor: Account, scope: Scope) -> ColumnElement[bool]:
    """WHERE clause on `Customer`: the scope, never beyond what `actor` may see."""
    visible = customer_scope(actor)
    if scope.kind == "person":
        return and_(
            visible, or_(col(Customer.owner_id) == scope.user_id, col(Customer.account_manager_id) == scope.user_id)
        )
    if scope.kind == "team" and actor.role == Role.ADMIN:
        members = select(User.id).where(User.team_id == scope.team_id)
        return and_(visible, col(Customer.owner_id).in_(members))
    return visible
