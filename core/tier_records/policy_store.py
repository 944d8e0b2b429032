"""Which tier policy is in force, and its versions (table `policy_version`).

The effective policy, first match wins:
1. `TIERBOT_POLICY_FILE` — the operator pinned it; uploads and restores are refused;
2. the most recently activated `PolicyVersion` in the database (a manager uploaded or restored it);
3. the policy shipped in the package (`core/policies/default.toml`).

A long-running process keeps its parsed policy in a `PolicyHolder`, which asks the database
(one indexed row) at most every `REFRESH_INTERVAL` whether another version became active, so
every process follows an upload within a minute without restarting. Reading files and the
database is core's job; parsing is core.tiering's.

Changing the policy: the uploaded text is validated and stored as a draft (`activated_at` NULL),
`preview_changes` tells what a re-tiering under it would change (the review's decision rules in
a dry run: hysteresis, overrides), and `apply` activates it, re-tiers the book and queues the
reps' tier-change notices. A restore copies an earlier version into a new draft and goes the same
way, so the history reads in order. Drafts never applied stay out of the version list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from core import audit
from core.accounts import Account
from core.as_of import AsOf
from core.clock import Clock
from core.db import Database
from core.errors import ConfigError, Forbidden, NotFound, PolicyPinned
from core.models import AuditLog, CustomerTier, PolicyVersion, User, pk
from core.policies import default_policy_text
from core.settings import Settings
from core.tiering import MAX_POLICY_BYTES, Policy, PolicyError, PolicyIssue, parse_policy

log = logging.getLogger("tierbot.policy")
REFRESH_INTERVAL = timedelta(seconds=30)
VERSIONS_SHOWN = 10


# --- the effective policy --------------------------------------------------------------------------


def read_policy_file(path: Path) -> str:
    """The file's text; a file larger than a policy can be is a PolicyError, found without reading
    more than the limit (a 10 GB file costs no more than a 256 KB one)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_POLICY_BYTES + 1)
        if len(data) > MAX_POLICY_BYTES:
            raise PolicyError([PolicyIssue("", f"the policy is larger than {MAX_POLICY_BYTES // 1024} KB")])
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")  # as read_text did
    except FileNotFoundError:
        raise ConfigError(f"TIERBOT_POLICY_FILE: no such file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"TIERBOT_POLICY_FILE: cannot read {path} ({exc})") from None


def pinned_policy(settings: Settings) -> Policy | None:
    """The operator's policy file, when one is set; an invalid file stops the start with its first error."""
    if settings.policy_file is None:
        return None
    try:
        return parse_policy(read_policy_file(settings.policy_file))
    except PolicyError as exc:
        first = exc.issues[0] if exc.issues else None
        detail = f"{first.path}: {first.message}" if first else str(exc)
        raise ConfigError(
            f"TIERBOT_POLICY_FILE: {settings.policy_file} is invalid ({detail}; "
            f"`tierbot policy check` lists every error)"
        ) from None


def effective_policy(settings: Settings, db: Database | None = None) -> Policy:
    """The policy in force: the pinned file, else the database's active version (when `db` is
    given), else the shipped default."""
    pinned = pinned_policy(settings)
    if pinned is not None:
        return pinned
    if db is not None:
        with db.session() as session:
            row = latest_active(session)
        if row is not None:
            return parse_policy(row.text)
    return parse_policy(default_policy_text())


@dataclass(frozen=True)
class Source:
    """Where the policy in force comes from: `file` (pinned), `database` or `default`."""

    kind: str
    path: str | None = None
    version_id: int | None = None
    activated_at: datetime | None = None
    by: str | None = None
    note: str = ""


def effective_source(session: Session, settings: Settings) -> tuple[Source, str]:
    """(where it comes from, its TOML text)."""
    if settings.policy_file is not None:
        return Source("file", path=str(settings.policy_file)), read_policy_file(settings.policy_file)
    row = latest_active(session)
    if row is None:
        return Source("default"), default_policy_text()
    return Source(
        "database",
        version_id=row.id,
        activated_at=row.activated_at,
        by=_user_name(session, row.created_by_id),
        note=row.note,
    ), row.text


def policy_in_force(session: Session, settings: Settings) -> tuple[Source, Policy]:
    """(where it comes from, the policy itself): what /policy shows."""
    source, text = effective_source(session, settings)
    return source, parse_policy(text)


def latest_active(session: Session) -> PolicyVersion | None:
    return session.exec(
        select(PolicyVersion)
        .where(col(PolicyVersion.activated_at).is_not(None))
        .order_by(col(PolicyVersion.activated_at).desc(), col(PolicyVersion.id).desc())
        .limit(1)
    ).first()


def _latest_marker(session: Session) -> tuple[int, str] | None:
    """The active version's (id, content hash): one small row, the holder's periodic check."""
    row = session.exec(
        select(pk(PolicyVersion.id), col(PolicyVersion.version))
        .where(col(PolicyVersion.activated_at).is_not(None))
        .order_by(col(PolicyVersion.activated_at).desc(), col(PolicyVersion.id).desc())
        .limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


class PolicyHolder:
    """The policy of one running process. `policy` is the parsed effective policy; at most every
    `interval` (by the process's clock) it checks the database for a newer active version and
    swaps it in. A pinned file is never re-read. Thread-safe: handlers read it on the event loop,
    sweeps refresh it from worker threads."""

    def __init__(
        self, settings: Settings, db: Database, clock: Clock, *, interval: timedelta = REFRESH_INTERVAL
    ) -> None:
        self.settings, self.db, self.clock, self.interval = settings, db, clock, interval
        self._lock = Lock()
        self._pinned = pinned_policy(settings)
        self._default: Policy | None = None
        self._policy: Policy = self._pinned or self._shipped()
        self._marker: tuple[int, str] | None = None
        self._checked: datetime | None = None
        if self._pinned is None:
            self.refresh()

    @property
    def pinned(self) -> bool:
        return self._pinned is not None

    @property
    def policy(self) -> Policy:
        if self._pinned is None:
            now = self.clock.now()
            if self._due(now):
                self.refresh(now)
        return self._policy

    def _due(self, now: datetime) -> bool:
        checked = self._checked
        return checked is None or not checked <= now < checked + self.interval

    def refresh_if_due(self, session: Session, now: datetime) -> None:
        """The check `policy` makes when its interval has lapsed, in the caller's transaction: the
        bot's gate makes it in the worker thread it already runs each update's first reads in, so
        the handlers after it read the policy from memory on the event loop (no query there)."""
        if self._pinned is None and self._due(now):
            self._check(session, now)

    def refresh(self, now: datetime | None = None) -> bool:
        """Look for another active version now; True when the policy changed."""
        if self._pinned is not None:
            return False
        with self.db.session() as session:
            return self._check(session, now or self.clock.now())

    def _check(self, session: Session, now: datetime) -> bool:
        marker = _latest_marker(session)
        version = session.get(PolicyVersion, marker[0]) if marker and marker != self._marker else None
        text = version.text if version is not None else None
        with self._lock:
            self._checked = now
            if marker == self._marker:
                return False
            try:
                policy = parse_policy(text) if text is not None else self._shipped()
            except PolicyError as exc:  # stored valid, but this code reads it otherwise (an upgrade)
                log.error(
                    "policy version #%s no longer parses; keeping %s: %s",
                    marker and marker[0],
                    self._policy.version,
                    exc,
                )
                self._marker = marker
                return False
            changed = policy.version != self._policy.version
            self._policy, self._marker = policy, marker
        if changed:
            log.info("policy %s in force (version #%s)", policy.version, marker[0] if marker else "default")
        return changed

    def _shipped(self) -> Policy:
        if self._default is None:
            self._default = parse_policy(default_policy_text())
        return self._default


# --- rights ----------------------------------------------------------------------------------------


def require_changeable(settings: Settings, actor: Account) -> None:
    """Managers and admins change the (organisation-wide) policy, unless the operator pinned it."""
    if not actor.is_manager:
        raise Forbidden("policy")
    if settings.policy_file is not None:
        raise PolicyPinned(str(settings.policy_file))


# --- versions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionView:
    id: int
    version: str
    note: str
    by: str | None
    created_at: datetime
    activated_at: datetime | None
    current: bool


def versions(session: Session, *, limit: int = VERSIONS_SHOWN) -> tuple[list[VersionView], int]:
    """Activated versions, the one in force first, and how many there are in all."""
    activated = col(PolicyVersion.activated_at).is_not(None)
    rows = session.exec(
        select(PolicyVersion)
        .where(activated)
        .order_by(col(PolicyVersion.activated_at).desc(), col(PolicyVersion.id).desc())
        .limit(limit)
    ).all()
    total = session.exec(select(func.count()).select_from(PolicyVersion).where(activated)).one()
    names = _user_names(session, {row.created_by_id for row in rows})
    return [
        VersionView(
            row.id or 0,
            row.version,
            row.note,
            names.get(row.created_by_id),
            row.created_at,
            row.activated_at,
            index == 0,
        )
        for index, row in enumerate(rows)
    ], int(total)


@dataclass(frozen=True)
class Draft:
    id: int
    policy: Policy
    note: str


def store_draft(session: Session, settings: Settings, actor: Account, text: str, *, note: str, now: datetime) -> Draft:
    """Validate `text` (PolicyError lists every issue with its key path) and keep it as a draft."""
    require_changeable(settings, actor)
    policy = parse_policy(text)
    row = PolicyVersion(version=policy.version, text=text, note=note[:200], created_by_id=actor.id, created_at=now)
    session.add(row)
    session.flush()
    return Draft(row.id or 0, policy, row.note)


def draft_from_version(
    session: Session, settings: Settings, actor: Account, version_id: int | None, *, now: datetime
) -> Draft:
    """A restore: an earlier version (None: the shipped default) copied into a new draft."""
    require_changeable(settings, actor)
    if version_id is None:
        return store_draft(session, settings, actor, default_policy_text(), note="shipped default", now=now)
    row = session.get(PolicyVersion, version_id)
    if row is None or row.activated_at is None:
        raise NotFound(f"policy version {version_id}")
    return store_draft(session, settings, actor, row.text, note=f"restored from #{version_id}", now=now)


def discard(session: Session, actor: Account, draft_id: int) -> bool:
    """Forget a draft; False when it was applied or is gone already."""
    row = session.get(PolicyVersion, draft_id)
    if row is None or row.activated_at is not None or row.created_by_id != actor.id:
        return False
    session.execute(
        delete(PolicyVersion).where(col(PolicyVersion.id) == draft_id, col(PolicyVersion.activated_at).is_(None))
    )
    return True


def activate(
    session: Session, settings: Settings, actor: Account, draft_id: int, now: datetime
) -> PolicyVersion | None:
    """Make the draft the policy in force (audited); None when it is no longer a draft (a double
    tap, another worker). The row lock makes two presses racing apply it once."""
    require_changeable(settings, actor)
    row = session.exec(select(PolicyVersion).where(PolicyVersion.id == draft_id).with_for_update()).first()
    if row is None or row.created_by_id != actor.id:
        raise NotFound(f"policy draft {draft_id}")
    if row.activated_at is not None:
        return None
    previous = latest_active(session)
    row.activated_at = now
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=actor.id,
        action="policy.apply",
        now=now,
        target=f"policy_version:{row.id}",
        version=row.version,
        note=row.note,
        previous=previous.version if previous else None,
    )
    return row


def _user_name(session: Session, user_id: int | None) -> str | None:
    return _user_names(session, {user_id}).get(user_id)


def _user_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.exec(select(col(User.id), col(User.name)).where(col(User.id).in_(wanted))).all())


# --- what a new policy would change ------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    customers: int  # evaluated
    changed: int  # customers with at least one change
    movements: list[Any]  # core.tier_records.retier.Movement
    dropped_models: dict[str, int]  # models the new policy no longer has → customers with a stored tier


def preview_changes(db: Database, new: Policy, current: Policy, now: datetime, *, org_timezone: str) -> Preview:
    """What re-tiering the book under `new` would change against the stored tiers: the review's
    rules (overrides win, hysteresis) in a dry run, nothing written. Whole-book work (a few
    seconds for 100k customers): call it off the event loop."""
    from core.tier_records.retier import (
        movements,
        recompute,
    )  # the tiering service imports nothing of ours; late import keeps start-up light

    report = recompute(db, AsOf(new, now, org_timezone), review=True, store=False)
    with db.session() as session:
        dropped = dict(
            session.exec(
                select(CustomerTier.model, func.count())
                .where(col(CustomerTier.model).not_in(new.model_codes), col(CustomerTier.tier).is_not(None))
                .group_by(CustomerTier.model)
            ).all()
        )
    return Preview(
        report.customers,
        len({c.customer_id for c in report.changes}),
        movements(report.changes, new, current),
        {str(k): int(v) for k, v in dropped.items()},
    )


# --- applying ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    version_id: int
    version: str
    changed: int  # customers whose stored tier moved
    notices: int  # tier-change messages queued for the reps


def apply(db: Database, settings: Settings, actor: Account, draft_id: int, now: datetime) -> Applied | None:
    """Activate the draft, then re-tier the book under it and tell the reps what moved. None when
    the draft was applied already. Whole-book work: call it off the event loop."""
    with db.session() as session:
        row = activate(session, settings, actor, draft_id, now)
    if row is None:
        return None
    changed, notices = retier_book(db, settings, row.id or 0, parse_policy(row.text), now)
    return Applied(row.id or 0, row.version, changed, notices)


def retier_book(db: Database, settings: Settings, version_id: int, policy: Policy, now: datetime) -> tuple[int, int]:
    """Re-tier every customer under a newly active version as a review would, and queue each rep
    one message listing their customers that moved (key `tier_changes:<rep>:policy:<id>`)."""
    from core.chat.plans import enqueue
    from core.tier_records.retier import recompute
    from core.tier_records.review_cycle import change_notices

    report = recompute(db, AsOf(policy, now, settings.timezone), review=True)
    with db.session() as session:
        day = now.astimezone(ZoneInfo(settings.timezone)).date()
        row = session.get(PolicyVersion, version_id)
        cause = {
            "kind": "policy",
            "version": version_id,
            "by": _user_name(session, row.created_by_id) if row is not None else None,
        }
        planned = [
            replace(p, dedupe_key=f"tier_changes:{p.recipient_id}:policy:{version_id}")
            for p in change_notices(session, report.changes, day, policy, cause)
        ]
        queued = enqueue(session, planned, now)
        session.add(
            AuditLog(
                action="policy.retier",
                target=f"policy_version:{version_id}",
                at=now,
                detail={"changes": len(report.changes), "policy_version": policy.version, "notices": queued},
            )
        )
    return len({c.customer_id for c in report.changes}), queued


def retier_pending(db: Database, settings: Settings, now: datetime) -> bool:
    """Catch-up (hourly sweep): when the active version's re-tiering never finished (the process
    died between activating it and storing the tiers), run it now."""
    if settings.policy_file is not None:
        return False
    with db.session() as session:
        row = latest_active(session)
        if row is None:
            return False
        done = session.exec(
            select(AuditLog.id).where(AuditLog.action == "policy.retier", AuditLog.target == f"policy_version:{row.id}")
        ).first()
    if done is not None:
        return False
    retier_book(db, settings, row.id or 0, parse_policy(row.text), now)
    return True
