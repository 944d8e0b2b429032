"""The manager's dashboard (the Mini App): /summary's figures for a team or person and a period
(core.reports.summary.build, the very same numbers), the expected money in the pipeline, and for each
figure the table filter (core.customers.table.Query fields) that lists the customers behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from core.accounts import Account
from core.as_of import AsOf
from core.models import Customer, Opportunity, Role
from core.money import from_minor
from core.reports import scoping, summary
from core.tiering import Policy
from core.tiering.specs import ServiceModel


def build(
    session: Session,
    actor: Account,
    as_of: AsOf,
    *,
    period: str = scoping.DEFAULT_PERIOD,
    person: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """JSON-safe figures (summary.Summary.params()) plus `pipeline` and `drill` filters.
    Forbidden for reps; InvalidInput (summary_*) for a scope the actor may not see."""
    request = scoping.Request(period=period, person=person, team=team)
    scope = scoping.resolve_scope(session, actor, request)
    figures = summary.build(session, actor, as_of, scope=scope, period=period).params()
    base = scope_filter(actor, scope)
    figures["pipeline"] = {
        "expected": str(pipeline_expected(session, actor, as_of.policy, scope)),
        "drill": {**base, "expected": "1", "sort": "expected", "desc": "1"},
    }
    figures["drill"] = {
        "scope": base,
        "overdue": {**base, "cadence": "overdue"},
        "complaints": {**base, "complaints": "1"},
    }
    for model in figures["models"]:
        for tier in model["tiers"]:
            tier["drill"] = {**base, f"tier.{model['code']}": tier["code"], "sort": "revenue", "desc": "1"}
    for person_line in figures["overdue_people"]:
        person_line["drill"] = {**base, "cadence": "overdue", "person": str(person_line["user_id"])}
    service = next((m for m in as_of.policy.models if isinstance(m, ServiceModel)), None)
    for share in figures["allocation"]:
        share["drill"] = {**base, f"tier.{service.code}": share["code"]} if service else base
    return figures


def scope_filter(actor: Account, scope: scoping.Scope) -> dict[str, str]:
    """The table filter of a summary scope, as `summary.scope_clause` reads it: a manager's team
    and an admin's organisation are their whole visible book (no filter)."""
    if scope.kind == "person" and scope.user_id is not None:
        return {"person": str(scope.user_id)}
    if scope.kind == "team" and actor.role == Role.ADMIN and scope.team_id is not None:
        return {"team": str(scope.team_id)}
    return {}


def pipeline_expected(session: Session, actor: Account, policy: Policy, scope: scoping.Scope) -> Decimal:
    """Open opportunities of the scope's customers in the base currency (expected money: never
    counted as revenue; a currency without a rate in the policy counts 0)."""
    o = Opportunity
    rows: Sequence[Any] = session.execute(
        select(col(o.currency), func.sum(col(o.amount_minor)))
        .join(Customer, col(Customer.id) == col(o.customer_id))
        .where(and_(scoping.scope_clause(actor, scope), col(o.status) == "open"))
        .group_by(col(o.currency))
    ).all()
    total = Decimal(0)
    for currency, minor in rows:
        if minor:
            currency = currency or policy.base_currency
            total += from_minor(int(minor), currency) * policy.fx.get(currency, Decimal(0))
    return total
