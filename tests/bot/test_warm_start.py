"""Issue 12 §2: `tierbot run` warms up before its first update, so the first ✅ after a start
costs what later ones do (figures in bench/README: 10k customers, 637 → 44 ms)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot import app
from bot.app import build_application, services_for, warm_start
from bot.local_api import LOCAL_TOKEN, LocalBotAPI, LocalRequest
from core import accounts
from core.as_of import AsOf
from core.clock import ManualClock
from core.db import Database
from core.models import Customer
from core.settings import load_settings
from core.tier_records import retier


def test_warm_start_compiles_every_template_and_ranks_the_book(
    any_db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=5, name="Li", role="rep", now=clock.now())
        session.add(Customer(name="Acme", owner_id=rep.id, stage="active", added_at=clock.now() - timedelta(days=9)))
        session.add(
            Customer(
                name="Initech", owner_id=rep.id, stage="active", region="US", added_at=clock.now() - timedelta(days=9)
            )
        )
    services = services_for(load_settings(_env_file=None, telegram_bot_token=None), any_db, clock)
    evaluated: list[int] = []
    evaluate = retier.evaluate_customer
    monkeypatch.setattr(
        retier,
        "evaluate_customer",
        lambda session, as_of, cid, *a, **k: evaluated.append(cid) or evaluate(session, as_of, cid, *a, **k),
    )
    warm_start(services)
    env = services.renderer.env
    assert len(env.cache) == len(env.list_templates(extensions=["j2"])) > 300  # type: ignore[arg-type]
    with any_db.session() as session:
        ids = set(session.exec(select(Customer.id)).all())
    assert set(evaluated) == ids  # one customer per region: CN and US holidays loaded

    def no_rebuild(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the ranking statistics were built again")

    monkeypatch.setattr(retier, "build_stats", no_rebuild)
    with any_db.session() as session:  # the first re-tier ranks against what the warm-up built
        first = min(ids)
        facts, result = evaluate(session, AsOf(services.policy, clock.now(), services.settings.timezone), first)
    assert result is not None


def test_the_bot_warms_up_before_its_first_update(any_db: Database, clock: ManualClock) -> None:
    services = services_for(load_settings(_env_file=None, telegram_bot_token=None), any_db, clock)
    application = build_application(services, LocalRequest(LocalBotAPI()), token=LOCAL_TOKEN)
    assert application.post_init is app.post_init
