"""The Mini App's server: the static page and its JSON API, on aiohttp.web.

Every /api request carries Telegram's initData (header `Authorization: tma <initData>`), checked
by web.initdata and mapped to the account (core.accounts); every use case then applies the
chat's visibility (core.visibility) itself. Forged, expired, another bot's or missing initData,
or a Telegram user who is no (active) account: 401 with an empty body. A customer the account
may not see: 404. Bad input: 400 with a short message in the user's language (templates/*/web).
Use cases run off the loop, one transaction each (`services.run`), exactly as the chat runs them.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from core import accounts
from core.accounts import Account
from core.as_of import AsOf
from core.customers import cards, registry, table
from core.errors import Forbidden, InvalidInput, NotFound
from core.interactions import feedback, followups, logbook
from core.json_values import jsonable
from core.reports import dashboard
from core.team import people, reassign
from web.initdata import InvalidInitData, verify

log = logging.getLogger("tierbot.web")
STATIC = Path(__file__).resolve().parent / "static"
ACCOUNT = web.RequestKey("account", Account)  # the signed-in account
MAX_BODY = 64 * 1024


class Services(Protocol):
    """What the web transport needs of the running bot (bot.app.Services has it)."""

    settings: Any
    db: Any
    clock: Any
    renderer: Any

    @property
    def policy(self) -> Any: ...

    def as_of(self, now: datetime | None = None) -> AsOf: ...

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any: ...


SERVICES = web.AppKey("services", object)
TOKEN = web.AppKey("token", str)


def create_app(services: Services, *, bot_token: str) -> web.Application:
    app = web.Application(middlewares=[_errors, _auth], client_max_size=MAX_BODY)
    app[SERVICES] = services
    app[TOKEN] = bot_token
    app.router.add_get("/", _index)
    app.router.add_get("/api/me", me)
    app.router.add_get("/api/customers", customer_list)
    app.router.add_get("/api/customers/{id}", customer_detail)
    app.router.add_post("/api/customers/{id}/log", log_interaction)
    app.router.add_post("/api/customers/{id}/followup", add_follow_up)
    app.router.add_post("/api/customers/{id}/feedback", add_feedback)
    app.router.add_post("/api/customers/{id}/edit", edit_field)
    app.router.add_get("/api/dashboard", dashboard_view)
    app.router.add_get("/api/people", assignees)
    app.router.add_post("/api/reassign", reassign_customers)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app


def _services(request: web.Request) -> Any:
    return request.app[SERVICES]


def _me(request: web.Request) -> Account:
    return request[ACCOUNT]


# --- middlewares ------------------------------------------------------------------------------


def init_data_of(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("tma "):
        return header[4:]
    return request.headers.get("X-Telegram-Init-Data")


@web.middleware
async def _auth(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    services = _services(request)
    max_age = timedelta(seconds=services.settings.web_auth_max_age)
    try:
        user = verify(init_data_of(request), request.app[TOKEN], services.clock.now(), max_age)
    except InvalidInitData:
        return web.Response(status=401)
    # as the chat's gate does per update: the account, its client language kept current
    account = await services.run(accounts.recognise, user.id, user.language_code, user.username)
    if account is None:
        return web.Response(status=401)
    request[ACCOUNT] = account
    return await handler(request)


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except NotFound:
        return _error(request, 404, "not_found")
    except Forbidden:
        return _error(request, 403, "forbidden")
    except InvalidInput as exc:
        return _error(request, 400, exc.code, **exc.params)
    except Exception:
        log.exception("web request failed: %s %s", request.method, request.path)
        return _error(request, 500, "unexpected")


def _error(request: web.Request, status: int, code: str, **params: Any) -> web.Response:
    account = request.get(ACCOUNT)
    lang = account.language if account else "en"
    text = _services(request).renderer.render(lang, "web/error", code=code, **{"value": "", **params})
    return web.json_response({"error": html.unescape(text), "code": code}, status=status)


# --- pages --------------------------------------------------------------------------------------


async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def me(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    lang, policy = account.language, services.policy
    renderer = services.renderer
    models = [
        {
            "code": model.code,
            "name": model.name.get(lang),
            "tiers": [{"code": tier.code, "name": tier.name.get(lang)} for tier in table.model_tiers(model)],
        }
        for model in policy.models
    ]
    labels = {
        section: renderer.section(lang, section) for section in ("web", "stages", "kinds", "feedback_kinds", "fields")
    }
    return web.json_response(
        {
            "user": {"id": account.id, "name": account.name, "team": account.team_name},
            "role": account.role,
            "language": lang,
            "currency": policy.base_currency,
            "models": models,
            "labels": labels,
            "editable": list(registry.EDITABLE),
        }
    )


# --- the table --------------------------------------------------------------------------------

_KNOWN = {
    "q",
    "cadence",
    "stage",
    "silent_days",
    "revenue_min",
    "revenue_max",
    "tag",
    "person",
    "team",
    "expected",
    "complaints",
    "sort",
    "desc",
    "offset",
    "limit",
}


def parse_query(params: Any) -> table.Query:
    """Query-string → Query; an unknown field or a malformed number is InvalidInput."""
    tiers: dict[str, tuple[str, ...]] = {}
    for key in params:
        if key.startswith("tier."):
            tiers[key.removeprefix("tier.")] = tuple(v for value in params.getall(key) for v in value.split(",") if v)
        elif key not in _KNOWN:
            raise InvalidInput("web_bad_filter", value=key[:64])

    def many(key: str) -> tuple[str, ...]:
        return tuple(v for value in params.getall(key, []) for v in value.split(",") if v)

    return table.Query(
        text=params.get("q", ""),
        tiers=tiers,
        cadence=many("cadence"),
        stages=many("stage"),
        silent_days=_int(params, "silent_days"),
        revenue_min=_decimal(params, "revenue_min"),
        revenue_max=_decimal(params, "revenue_max"),
        tags=many("tag"),
        person=_int(params, "person"),
        team=_int(params, "team"),
        expected=params.get("expected") == "1",
        complaints=params.get("complaints") == "1",
        sort=params.get("sort", "name"),
        descending=params.get("desc") == "1",
        offset=_or(_int(params, "offset"), 0),
        limit=_or(_int(params, "limit"), 50),
    )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _int(params: Any, key: str) -> int | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("web_bad_filter", value=f"{key}={value}"[:64]) from None
    if not -(10**9) < number < 10**9:
        raise InvalidInput("web_bad_page" if key in ("offset", "limit") else "web_bad_filter", value=f"{key}"[:64])
    return number


def _decimal(params: Any, key: str) -> Decimal | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidInput("web_bad_filter", value=f"{key}={value}"[:64]) from None
    if not number.is_finite():
        raise InvalidInput("web_bad_filter", value=f"{key}={value}"[:64])
    return number


async def customer_list(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    query = parse_query(request.query)
    page = await services.run(
        table.search,
        account,
        services.as_of(),
        query,
    )
    return web.json_response(
        {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "revenue_total": str(page.revenue_total),
            "rows": [_row(row) for row in page.rows],
        }
    )


def _row(row: table.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "company": row.company,
        "stage": row.stage,
        "owner": row.owner_name,
        "tiers": dict(row.tiers),
        "cadence": row.cadence,
        "next_due": row.next_due,
        "last_contact": row.last_contact_at.isoformat() if row.last_contact_at else None,
        "revenue": str(row.revenue),
        "expected": str(row.expected),
        "tags": list(row.tags),
        "open_complaints": row.open_complaints,
    }


# --- one customer ----------------------------------------------------------------------------


def _customer_id(request: web.Request) -> int:
    try:
        value = int(request.match_info["id"])
    except ValueError:
        raise NotFound("customer") from None
    if not 0 < value < 2**62:
        raise NotFound("customer")
    return value


def _detail(session: Any, account: Account, customer_id: int, as_of: AsOf, *, currency: str) -> dict[str, Any]:
    lang = account.language
    card = cards.card(session, account, customer_id, as_of, lang=lang, currency=currency)
    _, badges, why, actions = cards.explanation(session, account, customer_id, as_of, lang=lang)
    history, total = logbook.history(session, account, customer_id, limit=20)
    return {
        "card": jsonable(card),
        "why": [{"badge": jsonable(b), "lines": lines} for b, lines in zip(badges, why)],
        "actions": jsonable(actions),
        "history": jsonable(history),
        "history_total": total,
    }


async def customer_detail(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    settings = services.settings
    found = await services.run(
        _detail,
        account,
        _customer_id(request),
        services.as_of(),
        currency=settings.currency,
    )
    return web.json_response(found)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise InvalidInput("web_bad_json") from None
    if not isinstance(body, dict):
        raise InvalidInput("web_bad_json")
    return body


def _text(body: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = body.get(key, default)
    if value is not None and not isinstance(value, str):
        raise InvalidInput("web_bad_json", value=key)
    return value


def _when(text: str | None, default: datetime | None, zone: str) -> datetime | None:
    """An ISO date or date-time (local to the organisation when it has no offset) → aware UTC."""
    if not text:
        return default
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("bad_date", value=text[:40]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(ZoneInfo("UTC"))


async def log_interaction(request: web.Request) -> web.Response:
    """The chat's ✅ on a log card: the same draft, validation and use case (save + re-tier)."""
    account, services = _me(request), _services(request)
    settings, now = services.settings, services.clock.now()
    body = await _body(request)
    customer_id = _customer_id(request)
    occurred = _when(_text(body, "occurred_at"), now, settings.timezone)
    assert occurred is not None
    if occurred > now + timedelta(minutes=5):
        raise InvalidInput("web_future", value=_text(body, "occurred_at") or "")
    follow_up = _when(_text(body, "follow_up_due"), None, settings.timezone)
    satisfaction = body.get("satisfaction")
    if satisfaction is not None and not isinstance(satisfaction, int):
        raise InvalidInput("bad_rating", value=str(satisfaction)[:10])
    draft = logbook.LogDraft(
        customer_id=customer_id,
        kind=_text(body, "kind", "") or "",
        occurred_at=occurred.isoformat(),
        summary=(_text(body, "summary", "") or "")[:4000],
        amount=_text(body, "amount") or None,
        money=_text(body, "money") or None,
        follow_up_due=follow_up.isoformat() if follow_up else None,
        follow_up_text=_text(body, "follow_up_text"),
        feedback_kind=_text(body, "feedback_kind") or None,
        feedback_text=_text(body, "feedback_text"),
        satisfaction=satisfaction,
    )
    request_id = body.get("request_id")
    if not isinstance(request_id, int) or not 0 < request_id < 2**62:
        raise InvalidInput("web_bad_json", value="request_id")
    # idempotent like a Telegram message: (the user's chat, the page's request id) is written once
    result = await services.run(
        logbook.log_and_retier,
        account,
        draft,
        chat_id=-account.telegram_id,
        message_id=request_id,
        as_of=services.as_of(now),
        currency=settings.currency,
    )
    return web.json_response(
        {"interaction_id": result.saved.interaction_id, "duplicate": result.saved.duplicate, "status": result.status}
    )


async def add_follow_up(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    body = await _body(request)
    due = _when(_text(body, "due"), None, services.settings.timezone)
    if due is None:
        raise InvalidInput("bad_date", value="")
    follow_up_id = await services.run(
        followups.create,
        account,
        _customer_id(request),
        due_at=due,
        has_time="T" in (_text(body, "due") or ""),
        text=_text(body, "text", "") or "",
        now=services.clock.now(),
    )
    return web.json_response({"follow_up_id": follow_up_id})


async def add_feedback(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    body = await _body(request)
    satisfaction = body.get("satisfaction")
    if satisfaction is not None and not isinstance(satisfaction, int):
        raise InvalidInput("bad_rating", value=str(satisfaction)[:10])
    feedback_id = await services.run(
        feedback.record,
        account,
        _customer_id(request),
        kind=_text(body, "kind", "") or "",
        text=_text(body, "text", "") or "",
        now=services.clock.now(),
        severity=_text(body, "severity", "medium") or "medium",
        satisfaction=satisfaction,
    )
    return web.json_response({"feedback_id": feedback_id})


async def edit_field(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    settings = services.settings
    body = await _body(request)
    await services.run(
        registry.edit_field,
        account,
        _customer_id(request),
        _text(body, "field", "") or "",
        _text(body, "value", "") or "",
        as_of=services.as_of(),
        currency=settings.currency,
    )
    return web.json_response({"ok": True})


# --- managers ---------------------------------------------------------------------------------


async def dashboard_view(request: web.Request) -> web.Response:
    account, services = _me(request), _services(request)
    query = request.query
    period = query.get("period", "month")
    figures = await services.run(
        dashboard.build,
        account,
        services.as_of(),
        period=period,
        person=query.get("person") or None,
        team=query.get("team") or None,
    )
    return web.json_response(figures)


async def assignees(request: web.Request) -> web.Response:
    """Whom a manager may reassign customers to (403 for reps)."""
    found = await _services(request).run(people.assignable, _me(request))
    return web.json_response({"people": [{"id": p.id, "name": p.name, "role": p.role, "team": p.team} for p in found]})


async def reassign_customers(request: web.Request) -> web.Response:
    """The chat's /reassign: the same rules (core.team.reassign.reassign: the actor's own team, an active
    target, only customers the actor may see)."""
    account, services = _me(request), _services(request)
    if not account.is_manager:
        raise Forbidden("managers only")
    body = await _body(request)
    ids, to = body.get("customer_ids"), body.get("to_user_id")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > 10_000
        or not all(isinstance(i, int) for i in ids)
        or not isinstance(to, int)
    ):
        raise InvalidInput("web_bad_json", value="customer_ids")
    done = await services.run(reassign.reassign, account, ids, to, services.clock.now())  # invalidates the book itself
    return web.json_response({"moved": done.moved, "follow_ups": done.follow_ups, "to": done.to_name})
