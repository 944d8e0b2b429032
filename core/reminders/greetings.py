"""Greetings due on a send date: holidays, contacts' birthdays and contract anniversaries.

On `today` (the send date) a customer is due for an occasion that falls exactly its lead time
ahead: `today + lead_days`. The lead time comes from the policy — the customer's assigned tier of
the policy's main model (VIP 7, Key 3, Regular 1 in the default policy); a prospect's pipeline
grade when the policy gives that grade one; else `actions.default_lead_days`. The rep (the customer's owner) gets one
batch per occasion: one per holiday, one for all birthdays and one for all anniversaries due on
that send date; each item carries a ready-to-send draft in the customer's language.

Drafts are Jinja2 files a manager can edit: `templates/greetings/<occasion>/<style>.<lang>.txt.j2`,
looked up for the style, then `standard`, then (holidays) the generic `holiday/` templates. The
style follows the policy, never a tier code: `personal` for a priority tier (`priority = true`;
the draft recalls the last good touch), `warm` for the main model's other tiers above its lowest,
`standard` for the rest. A file
that fails (syntax or rendering) is logged once per sweep and the draft falls back to
`greetings/fallback.<lang>.txt.j2`, then to one built-in sentence: a sweep never fails on a
template. Batch names for birthdays and anniversaries (and optional overrides of holiday names)
live in `templates/greetings/names.toml`.

Set-based: the target dates (today + each lead time the policy knows) decide everything. One
query reads the customers that may be due — those of a region with a holiday on a target date,
or with an anniversary or a contact's birthday on a target month-day — with their tiers; one reads
those birthdays; contacts, last interactions and rep names are read for the customers due only.
Region calendars are worked out once (and cached per region and year).
"""

from __future__ import annotations

import calendar
import logging
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from sqlalchemy import Connection, String, and_, extract, func, or_, select, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from core import occasions
from core.models import Contact, Customer, CustomerTier, Feedback, Interaction, InteractionKind, User, pk
from core.occasions import Holiday
from core.tiering import Policy, collector_paused

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
KINDS = ("holiday", "birthday", "anniversary")
STYLES = ("personal", "warm", "standard")  # draft styles, most personal first
LANGUAGES = ("zh", "en")
GREETED_STAGES = ("active", "prospect")
# Touches worth recalling in a personal draft (not notes, nor earlier greetings).
RECALLED_KINDS = (
    InteractionKind.VISIT,
    InteractionKind.MEETING,
    InteractionKind.CALL,
    InteractionKind.DEAL,
    InteractionKind.MESSAGE,
    InteractionKind.EMAIL,
)
RECALL_WITHIN = timedelta(days=365)
SNIPPET_CHARS = {"zh": 24, "en": 60}
# A Chinese contact name that already ends in a form of address ("黄总", "王经理") takes no title
# after it: never "黄总总经理". (Name data, like the parser's word lists; the words around it
# are in the templates.)
HONORIFIC_ENDINGS = (
    "总",
    "董",
    "经理",
    "主任",
    "老师",
    "先生",
    "女士",
    "小姐",
    "博士",
    "教授",
    "部长",
    "局长",
    "处长",
    "院长",
    "校长",
    "书记",
    "主席",
    "总监",
    "主管",
    "律师",
    "医生",
)
CHUNK = 5000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CLAUSE_END = re.compile(r"[。！？；;!?，,\n]|\.(?=\s|$)")


@dataclass(frozen=True)
class LastTouch:
    """The customer's latest recalled interaction: its local date, kind and the first clause of
    its summary (for the rep's eyes; the shipped drafts quote only date and kind, because a
    summary is the rep's own note about the customer)."""

    date: date
    kind: str
    summary: str | None


@dataclass(frozen=True)
class GreetingItem:
    customer_id: int
    customer_name: str
    contact_name: str | None
    contact_title: str | None
    language: str  # zh | en: the draft's language
    tier: str  # draft style: personal | warm | standard (see STYLES)
    occasion_date: date
    draft: str  # plain text, ready to send
    contact_id: int | None = None
    lead_days: int = 1
    grade: str | None = None  # the tier that set the lead time when it is not the value tier
    years: int | None = None  # anniversaries: years of partnership
    last_touch: LastTouch | None = None  # personal drafts only
    template: str = ""  # the template the draft came from, or "fallback"


@dataclass(frozen=True)
class GreetingBatch:
    rep_id: int
    kind: str  # holiday | birthday | anniversary
    occasion_key: str  # "holiday:CN:2027-09-15:mid_autumn", "birthday:2027-03-08", "anniversary:…"
    occasion_name: dict[str, str]  # {"zh": ..., "en": ...}
    occasion_date: date  # the earliest occasion date of the items
    send_date: date
    items: tuple[GreetingItem, ...]
    occasion: str = ""  # template occasion code: mid_autumn, lantern, holiday, birthday, …
    region: str | None = None  # holidays: the region whose calendar it comes from

    @property
    def dedupe_key(self) -> str:
        """Unique per rep, occasion and send date: one holiday reaches a rep on several send
        dates (e.g. 7 days ahead for one tier, 3 and 1 for others), each a message of its own."""
        return f"greeting:{self.rep_id}:{self.send_date.isoformat()}:{self.occasion_key}"


def greetings_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """A plain-text environment on the templates directory (for the CLI and tests; the bot's
    Renderer environment works as well)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def due_greetings(
    session: Session, policy: Policy, renderer_env: jinja2.Environment, today: date, *, org_timezone: str
) -> list[GreetingBatch]:
    """The greeting batches to send on `today`, sorted by rep, kind and occasion date."""
    connection = session.connection()
    leads = _LeadTimes(policy)
    targets = {today + timedelta(days=days) for days in leads.possible}
    with collector_paused():  # up to 100k candidates that all survive the sweep: nothing to find
        candidates = _candidates(connection, leads, _regions_with_holidays(connection, targets), targets)
        due = _holiday_items(candidates, today, targets)
        due += _anniversary_items(candidates, today)
        due += _birthday_items(connection, {c.id: c for c in candidates}, today, targets)
        del candidates
        return _Assembler(connection, renderer_env, today, org_timezone).batches(due) if due else []


# --- who is due -----------------------------------------------------------------------------


class Candidate(NamedTuple):
    id: int
    name: str
    owner_id: int
    stage: str
    region: str
    language: str
    contract_start: Any  # a date, or its ISO text (SQLite, read raw: parsed only when needed)
    timezone: str | None
    tier: str  # draft style
    grade: str | None
    lead_days: int


class Due(NamedTuple):
    """One greeting before its draft: the occasion and whom it is for."""

    kind: str
    customer: Candidate
    occasion_date: date
    holiday: Holiday | None = None
    contact: tuple[int, str, str | None] | None = None  # (id, name, title): birthdays
    years: int | None = None


class _LeadTimes:
    """Lead time and draft style of a customer from its assigned tiers."""

    def __init__(self, policy: Policy) -> None:
        main = policy.main_model
        self.policy, self.value_model = policy, main.code if main else ""
        self.lowest = main.tiers[-1].code if main else None
        self.default = policy.actions.default_lead_days
        self.pipeline_model = next((m.code for m in policy.models if m.type == "pipeline"), None)
        self.possible = {self.default} | {
            tier.lead_days
            for model in (self.value_model, self.pipeline_model)
            if model in policy.model_by_code
            for tier in getattr(policy.model(model), "tier_by_code", {}).values()
            if getattr(tier, "lead_days", None) is not None
        }

    def of(self, stage: str, value_tier: str | None, grade: str | None) -> tuple[int, str, str | None]:
        """(lead days, draft style, grade that set the lead) for one customer."""
        if stage == "active" and value_tier:
            spec = self.policy.tier(self.value_model, value_tier)
            style = self._style(self.value_model, value_tier, spec)
            if spec is not None and spec.lead_days is not None:
                return spec.lead_days, style, None
            return self.default, style, None
        if stage == "prospect" and grade and self.pipeline_model:
            spec = self.policy.tier(self.pipeline_model, grade)
            style = "personal" if self.policy.is_priority(self.pipeline_model, grade) else "standard"
            if spec is not None and spec.lead_days is not None:
                return spec.lead_days, style, grade
            return self.default, style, grade
        return self.default, "standard", grade if stage == "prospect" else None

    def _style(self, model: str, tier: str, spec: Any) -> str:
        if self.policy.is_priority(model, tier):
            return "personal"
        return "warm" if spec is not None and tier != self.lowest else "standard"


def _candidates(connection: Connection, leads: _LeadTimes, regions: set[str], targets: set[date]) -> list[Candidate]:
    """Customers that may be due on one of the target dates: those of a region with a holiday
    then, those with a contract anniversary or a contact's birthday on a target month-day.
    (Most days no region has a holiday: then only a few hundred rows come back.)"""
    value = aliased(CustomerTier)
    pipeline = aliased(CustomerTier)
    month_days = _month_days(targets)
    birthdays = select(col(Contact.customer_id)).where(_on_month_days(col(Contact.birthday), month_days))
    statement = (
        select(
            col(Customer.id),
            col(Customer.name),
            col(Customer.owner_id),
            col(Customer.stage),
            col(Customer.region),
            col(Customer.language),
            type_coerce(col(Customer.contract_start), String()),
            col(Customer.timezone),
            col(value.tier),
            col(pipeline.tier),
        )
        .outerjoin(value, and_(col(value.customer_id) == col(Customer.id), col(value.model) == leads.value_model))
        .outerjoin(
            pipeline,
            and_(col(pipeline.customer_id) == col(Customer.id), col(pipeline.model) == (leads.pipeline_model or "")),
        )
        .where(
            col(Customer.archived).is_(False),
            col(Customer.owner_id).is_not(None),
            col(Customer.stage).in_(GREETED_STAGES),
            or_(
                col(Customer.region).in_(sorted(regions)),
                _on_month_days(Customer.contract_start, month_days),
                col(Customer.id).in_(birthdays),
            ),
        )
    )
    profiles: dict[tuple[str, str | None, str | None], tuple[int, str, str | None]] = {}
    languages: dict[tuple[str | None, str | None], tuple[str, str]] = {}
    found = []
    rows: Iterable[Any] = connection.execute(statement)  # (ten columns: SQLAlchemy types them as variadic)
    for cid, name, owner, stage, region, language, start, zone, value_tier, grade in rows:
        profile = profiles.get((stage, value_tier, grade))
        if profile is None:  # a handful of tier combinations in the whole book
            profile = profiles[(stage, value_tier, grade)] = leads.of(stage, value_tier, grade)
        place = languages.get((region, language))
        if place is None:
            code = (region or "").strip().upper()
            place = languages[(region, language)] = (code, _language(language, code))
        found.append(
            Candidate(cid, name, owner, stage, place[0], place[1], start, zone, profile[1], profile[2], profile[0])
        )
    return found


def _language(language: str | None, region: str) -> str:
    """The customer's language wins ('zh-CN' → zh; one without templates → en); else zh for
    CN customers and en for the rest."""
    if language and language.strip():
        code = language.strip().lower().replace("_", "-").split("-")[0]
        return code if code in LANGUAGES else "en"
    return "zh" if region == "CN" else "en"


def _holiday_items(candidates: list[Candidate], today: date, targets: set[date]) -> list[Due]:
    calendars: dict[str, dict[date, tuple[Holiday, ...]]] = {}
    occasion_day = {days: today + timedelta(days=days) for days in {c.lead_days for c in candidates}}
    found = []
    for customer in candidates:
        on_day = calendars.get(customer.region)
        if on_day is None:  # each region's calendar once per sweep
            on_day = calendars[customer.region] = occasions.holidays_on(customer.region, targets)
        if not on_day:
            continue
        day = occasion_day[customer.lead_days]
        for holiday in on_day.get(day, ()):
            found.append(Due("holiday", customer, day, holiday))
    return found


def _anniversary_items(candidates: list[Candidate], today: date) -> list[Due]:
    """Contract anniversaries of active customers (year 0, the signing itself, is none)."""
    found = []
    for customer in candidates:
        if customer.contract_start is None or customer.stage != "active":
            continue
        start = _as_date(customer.contract_start)
        day = today + timedelta(days=customer.lead_days)
        if start is not None and day.year > start.year and occasions.falls_on(start, day):
            found.append(Due("anniversary", customer, day, years=day.year - start.year))
    return found


def _birthday_items(
    connection: Connection, by_id: Mapping[int, Candidate], today: date, targets: set[date]
) -> list[Due]:
    """Contacts whose birthday is exactly their customer's lead time away."""
    statement = select(
        pk(Contact.id), col(Contact.customer_id), col(Contact.name), col(Contact.title), col(Contact.birthday)
    ).where(_on_month_days(Contact.birthday, _month_days(targets)))
    found = []
    for contact_id, customer_id, name, title, birthday in connection.execute(statement):
        customer = by_id.get(customer_id)
        if customer is None:
            continue
        day = today + timedelta(days=customer.lead_days)
        born = _as_date(birthday)
        if born is not None and occasions.falls_on(born, day):
            found.append(Due("birthday", customer, day, contact=(contact_id, name, title)))
    return found


def _regions_with_holidays(connection: Connection, targets: set[date]) -> set[str]:
    """The customers' region values (as stored) whose calendar has a holiday on a target date."""
    stored = connection.execute(select(col(Customer.region)).distinct()).scalars()
    return {region for region in stored if region is not None and occasions.holidays_on(region, targets)}


def _month_days(targets: set[date]) -> set[tuple[int, int]]:
    """The month-days of the target dates; 29 Feb joins 28 Feb of a common year."""
    found = {(day.month, day.day) for day in targets}
    return found | {(2, 29) for day in targets if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)}


def _on_month_days(column: Any, month_days: set[tuple[int, int]]) -> Any:
    month, day = extract("month", column), extract("day", column)
    return and_(column.is_not(None), or_(*(and_(month == m, day == d) for m, d in sorted(month_days))))


# --- batches and drafts ---------------------------------------------------------------------


class _Assembler:
    """Turns due greetings into batches: loads contacts, last touches and rep names for the
    customers due only, then renders each draft."""

    def __init__(self, connection: Connection, env: jinja2.Environment, today: date, org_timezone: str) -> None:
        self.connection, self.today, self.org_timezone = connection, today, org_timezone
        self.drafts = _Drafts(env)
        self.names = _batch_names(env)

    def batches(self, due: list[Due]) -> list[GreetingBatch]:
        ids = sorted({d.customer.id for d in due})
        contacts = _primary_contacts(self.connection, ids)
        personal = sorted({d.customer.id for d in due if d.customer.tier == "personal"})
        touches = _last_touches(
            self.connection, personal, self.today, self.org_timezone, {d.customer.id: d.customer.timezone for d in due}
        )
        reps = _rep_names(self.connection, sorted({d.customer.owner_id for d in due}))
        groups: dict[tuple[Any, ...], list[Due]] = {}
        for item in due:
            groups.setdefault(_group_key(item), []).append(item)
        batches = [self._batch(key, items, contacts, touches, reps) for key, items in groups.items()]
        self.drafts.report()
        batches.sort(key=lambda b: (b.rep_id, KINDS.index(b.kind), b.occasion_date, b.occasion_key))
        return batches

    def _batch(
        self,
        key: tuple[Any, ...],
        due: list[Due],
        contacts: Mapping[int, tuple[int, str, str | None]],
        touches: Mapping[int, LastTouch],
        reps: Mapping[int, str],
    ) -> GreetingBatch:
        rep_id, kind = key[0], key[1]
        first = min(d.occasion_date for d in due)
        holiday = due[0].holiday
        if holiday is not None:
            region = due[0].customer.region
            occasion_key = f"holiday:{region}:{holiday.day.isoformat()}:{holiday.key}"
            name = _holiday_names(self.names, holiday)
            code = holiday.code
        else:
            region = None
            occasion_key = f"{kind}:{first.isoformat()}"
            name = dict(self.names.get(kind) or {lang: kind for lang in LANGUAGES})
            code = kind
        items = [self._item(d, code, name, contacts, touches, reps.get(rep_id)) for d in due]
        items.sort(
            key=lambda i: (i.occasion_date, STYLES.index(i.tier), i.customer_name, i.contact_name or "", i.customer_id)
        )
        return GreetingBatch(rep_id, kind, occasion_key, name, first, self.today, tuple(items), code, region)

    def _item(
        self,
        due: Due,
        code: str,
        name: Mapping[str, str],
        contacts: Mapping[int, tuple[int, str, str | None]],
        touches: Mapping[int, LastTouch],
        rep_name: str | None,
    ) -> GreetingItem:
        customer = due.customer
        contact = due.contact or contacts.get(customer.id)
        contact_id, contact_name, contact_title = contact if contact else (None, None, None)
        touch = touches.get(customer.id) if customer.tier == "personal" else None
        lang = customer.language
        context = {
            "lang": lang,
            "tier": customer.tier,
            "occasion": code,
            "occasion_name": name.get(lang) or code,
            "occasion_date": due.occasion_date,
            "customer_name": customer.name,
            "contact_name": contact_name,
            "contact_title": contact_title,
            "addressee": addressee(contact_name, contact_title),
            "rep_name": rep_name,
            "years": due.years,
            "last_touch": _for_language(touch, lang),
        }
        draft, template = self.drafts.render(code, customer.tier, lang, context, customer.id)
        return GreetingItem(
            customer.id,
            customer.name,
            contact_name,
            contact_title,
            lang,
            customer.tier,
            due.occasion_date,
            draft,
            contact_id,
            customer.lead_days,
            customer.grade,
            due.years,
            touch,
            template,
        )


def _holiday_names(names: Mapping[str, Mapping[str, str]], holiday: Holiday) -> dict[str, str]:
    """The holiday's name per language: `names.toml` by occasion code (CN's), then by key (other
    regions' holidays), over the package's names; a name the package has in English only is not
    put in a Chinese message — `untranslated` stands in."""
    found = dict(holiday.names)
    found.update(names.get(holiday.code, {}) if holiday.code != "holiday" else {})
    found.update(names.get(holiday.key, {}))
    if not _CJK.search(found.get("zh", "")) and "zh" in names.get("untranslated", {}):
        found["zh"] = names["untranslated"]["zh"]
    return found


def addressee(name: str | None, title: str | None) -> str:
    """How a draft addresses the contact: name and title once — "黄总" stays "黄总" (title 总经理),
    "张伟" with 总经理 is "张伟总经理", a title already in the name is not repeated."""
    name, title = (name or "").strip(), (title or "").strip()
    if not title or not _CJK.search(title) or title in name or name.endswith(HONORIFIC_ENDINGS):
        return name
    return name + title


def occasion_names(names: Mapping[str, str]) -> dict[str, str]:
    """A holiday's names for a reader (agenda, digest) as the greeting drafts name it: the shipped
    `names.toml` by key over the package's names, `untranslated` for an English-only one."""
    return dict(_occasion_names(tuple(sorted(names.items()))))


@lru_cache(maxsize=1024)  # asked for every customer of a region with a holiday coming
def _occasion_names(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    names = dict(pairs)
    table = _shipped_names()
    found = {**names, **table.get(occasions.key_of(names.get("en", "")), {})}
    if not _CJK.search(found.get("zh", "")) and "zh" in table.get("untranslated", {}):
        found["zh"] = table["untranslated"]["zh"]
    return tuple(found.items())


@lru_cache(maxsize=1)
def _shipped_names() -> dict[str, dict[str, str]]:
    return _batch_names(greetings_environment())


def _group_key(item: Due) -> tuple[Any, ...]:
    rep = item.customer.owner_id
    if item.holiday is not None:
        return rep, "holiday", item.customer.region, item.holiday.key, item.holiday.day
    return rep, item.kind


def _for_language(touch: LastTouch | None, lang: str) -> LastTouch | None:
    """An English draft gets no Chinese snippet (and the other way round is fine)."""
    if touch is None or touch.summary is None or lang != "en" or not _CJK.search(touch.summary):
        return touch
    return LastTouch(touch.date, touch.kind, None)


class _Drafts:
    """Template lookup and rendering that never raises: a broken template is logged once per
    sweep (with the number of drafts it cost at the end) and replaced by the fallback text."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.chosen: dict[tuple[str, str, str], jinja2.Template | None] = {}
        self.broken: Counter[str] = Counter()

    def render(self, occasion: str, tier: str, lang: str, context: dict[str, Any], customer_id: int) -> tuple[str, str]:
        template = self._template(occasion, tier, lang)
        if template is not None:
            text = self._try(template, context, customer_id)
            if text:
                return text, template.name or ""
        return self._fallback(lang, context, customer_id), "fallback"

    def _try(self, template: jinja2.Template, context: dict[str, Any], customer_id: int | None) -> str | None:
        """The rendered text, or None (logged) when the template fails or renders nothing."""
        try:
            text = _tidy(template.render(context))
        except Exception as problem:  # noqa: BLE001 - any failure of an editable file: fall back, never crash
            self._failed(template.name or "?", problem, customer_id)
            return None
        if not text:
            self._failed(template.name or "?", ValueError("the template rendered no text"), customer_id)
        return text or None

    def _template(self, occasion: str, tier: str, lang: str) -> jinja2.Template | None:
        key = (occasion, tier, lang)
        if key not in self.chosen:
            self.chosen[key] = self._load(_template_names(occasion, tier, lang))
        return self.chosen[key]

    def _load(self, names: Iterable[str]) -> jinja2.Template | None:
        tried = []
        for name in names:
            tried.append(name)
            try:
                return self.env.get_template(name)
            except jinja2.TemplateNotFound:
                continue
            except Exception as problem:  # noqa: BLE001 - a syntax error: fall back for every draft of it
                self._failed(name, problem, None)
                return None
        log.warning("no greeting template found (tried %s): plain fallback text", ", ".join(tried))
        return None

    def _failed(self, name: str, problem: Exception, customer_id: int | None) -> None:
        if name not in self.broken:
            where = ""
            if isinstance(problem, jinja2.TemplateSyntaxError):  # maybe in a file it imports
                inside = f"in {problem.name}, " if problem.name and problem.name != name else ""
                where = f" ({inside}line {problem.lineno})"
            log.warning(
                "greeting template %s is broken%s: %s: %s; drafts use the plain fallback text%s",
                name,
                where,
                type(problem).__name__,
                problem,
                f" (first: customer {customer_id})" if customer_id is not None else "",
            )
        self.broken[name] += 1

    def _fallback(self, lang: str, context: dict[str, Any], customer_id: int) -> str:
        try:
            template = self.env.get_template(f"greetings/fallback.{lang}.txt.j2")
        except Exception as problem:  # noqa: BLE001 - the built-in sentence below needs no file
            self._failed(f"greetings/fallback.{lang}.txt.j2", problem, customer_id)
            return _built_in(lang, context)
        return self._try(template, context, customer_id) or _built_in(lang, context)

    def report(self) -> None:
        for name, count in self.broken.items():
            if count > 1:
                log.warning("greeting template %s: %d drafts used the plain fallback text", name, count)


def _template_names(occasion: str, tier: str, lang: str) -> Iterator[str]:
    """The style's template, then `standard`, then for a holiday the generic holiday templates."""
    seen = set()
    for code in (occasion, "holiday") if occasion not in ("birthday", "anniversary") else (occasion,):
        for level in (tier, "standard"):
            name = f"greetings/{code}/{level}.{lang}.txt.j2"
            if name not in seen:
                seen.add(name)
                yield name


def _built_in(lang: str, context: Mapping[str, Any]) -> str:
    """The last resort when even the fallback template fails: one neutral sentence."""
    who = context.get("contact_name") or context.get("customer_name") or ""
    occasion = context.get("occasion_name") or ""
    if lang == "zh":
        return f"{who}，您好！值此{occasion}之际，谨致诚挚问候，祝您一切顺利！"
    return f"Dear {who}, warm wishes on the occasion of {occasion}. All the best!"


def _tidy(text: str) -> str:
    """Trim each line and keep at most one blank line between paragraphs."""
    text = "\n".join(line.strip() for line in text.strip().split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text) if "\n\n\n" in text else text


def _batch_names(env: jinja2.Environment) -> dict[str, dict[str, str]]:
    """`greetings/names.toml`: names of the birthday and anniversary batches, and optional
    overrides of holiday names by occasion code. A broken file is logged; names fall back."""
    name = "greetings/names.toml"
    try:
        assert env.loader is not None
        source, _, _ = env.loader.get_source(env, name)
        raw = tomllib.loads(source)
    except jinja2.TemplateNotFound:
        log.warning("%s is missing: occasion codes stand in for batch names", name)
        return {}
    except Exception as problem:  # noqa: BLE001 - an editable file: never crash the sweep
        log.warning(
            "%s is broken (%s: %s): occasion codes stand in for batch names", name, type(problem).__name__, problem
        )
        return {}
    return {
        code: {lang: str(text) for lang, text in names.items() if lang in LANGUAGES}
        for code, names in raw.items()
        if isinstance(names, dict)
    }


# --- data for the drafts --------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _primary_contacts(connection: Connection, ids: list[int]) -> dict[int, tuple[int, str, str | None]]:
    """Each customer's primary contact, else its first one."""
    best: dict[int, tuple[bool, int, str, str | None]] = {}
    for chunk in _chunks(ids):
        statement = select(
            col(Contact.customer_id), col(Contact.is_primary), pk(Contact.id), col(Contact.name), col(Contact.title)
        ).where(col(Contact.customer_id).in_(chunk))
        for customer_id, primary, contact_id, name, title in connection.execute(statement):
            current = best.get(customer_id)
            if current is None or (bool(primary), -contact_id) > (current[0], -current[1]):
                best[customer_id] = (bool(primary), contact_id, name, title)
    return {cid: (contact_id, name, title) for cid, (_, contact_id, name, title) in best.items()}


def _last_touches(
    connection: Connection, ids: list[int], today: date, org_timezone: str, zones: Mapping[int, str | None]
) -> dict[int, LastTouch]:
    """The latest recalled interaction of each customer within RECALL_WITHIN, up to today — when
    it was a good one: a draft never thanks a customer for the call in which they complained
    (then it quotes nothing rather than an older touch)."""
    until = datetime.combine(today + timedelta(days=1), time(0), _zone(org_timezone, org_timezone)).astimezone(UTC)
    since = until - RECALL_WITHIN
    found: dict[int, LastTouch] = {}
    for chunk in _chunks(ids):
        ranked = (
            select(
                col(Interaction.customer_id),
                col(Interaction.occurred_at),
                col(Interaction.kind),
                col(Interaction.summary),
                col(Interaction.id),
                func.row_number()
                .over(
                    partition_by=col(Interaction.customer_id),
                    order_by=(col(Interaction.occurred_at).desc(), col(Interaction.id).desc()),
                )
                .label("rank"),
            )
            .where(
                col(Interaction.customer_id).in_(chunk),
                col(Interaction.kind).in_(RECALLED_KINDS),
                col(Interaction.attempt).is_(False),  # a missed call is no touch to recall
                col(Interaction.occurred_at) >= since,
                col(Interaction.occurred_at) < until,
            )
            .subquery()
        )
        statement = select(
            ranked.c.customer_id, ranked.c.occurred_at, ranked.c.kind, ranked.c.summary, ranked.c.id
        ).where(ranked.c.rank == 1)
        latest: Sequence[Any] = connection.execute(statement).all()  # (columns of a subquery: untyped)
        complained = set(
            connection.execute(
                select(col(Feedback.interaction_id)).where(
                    col(Feedback.kind) == "complaint", col(Feedback.interaction_id).in_([row[4] for row in latest])
                )
            ).scalars()
        )
        for customer_id, occurred_at, kind, summary, interaction_id in latest:
            if interaction_id in complained:
                continue
            zone = _zone(zones.get(customer_id), org_timezone)
            local = _as_utc(occurred_at).astimezone(zone).date()
            found[customer_id] = LastTouch(local, kind, _snippet(summary))
    return found


def _snippet(summary: str | None) -> str | None:
    """The first clause of a summary, cut to a few words."""
    text = (summary or "").strip()
    if not text:
        return None
    first = _CLAUSE_END.split(text, maxsplit=1)[0].strip()
    limit = SNIPPET_CHARS["zh" if _CJK.search(first) else "en"]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _rep_names(connection: Connection, ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for chunk in _chunks(ids):
        names.update(
            (uid, name)
            for uid, name in connection.execute(select(pk(User.id), col(User.name)).where(col(User.id).in_(chunk)))
        )
    return names


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str | None, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        if candidate not in _ZONES:
            try:
                _ZONES[candidate] = ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
        return _ZONES[candidate]
    return ZoneInfo("UTC")


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def _as_utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
