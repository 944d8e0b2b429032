"""Issue 12 §4, §5, §14: nothing of one team reaches another through unassigned customers, /away
delegates or the duplicate check at /new."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.testing import Harness
from core.as_of import AsOf
from core.imports import uploads
from core.models import Customer, Notification, User
from core.names import book
from tests.security.checks import Mark, assert_no_error_logged, assert_no_leak
from tests.security.world import build


async def test_west_managers_unassigned_import_stays_in_west(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    world = await build(harness)
    settings = harness.services.settings
    with harness.db.session() as session:  # Omar confirms his upload of "West Two" (no owner column)
        report = uploads.confirm(
            session,
            world.account("other_manager"),
            world.ids["manager_upload"],
            as_of=AsOf(harness.services.policy, harness.clock.now(), settings.timezone),
            currency=settings.currency,
        )
        assert report is not None and report.created == 1
        west_two = session.exec(select(Customer).where(Customer.name == "West Two")).one()
        assert (west_two.owner_id, west_two.team_id) == (None, world.ids["west_team"])
    book.invalidate()
    east, west = world.person("manager"), world.person("other_manager")
    mark = Mark(harness)
    for text in ("/find West T", "/team", "/export", "/team archive West T", "/summary"):  # a prefix: no echo
        await harness.send(east, text)
    texts = mark.texts(east)
    assert any((s.file_name or "").endswith(".xlsx") for s in mark.sent(east))  # the export's cells are read too
    assert_no_leak(texts, ("West Two",), "East's manager")
    with harness.db.session() as session:
        assert session.get(Customer, west_two.id).archived is False
    await harness.send(west, "/find West Two")
    assert any("West Two" in label for label, _ in harness.last(west).buttons)
    assert_no_error_logged(caplog, "unassigned import")


async def test_an_east_rep_cannot_hand_escalations_to_a_west_rep(harness: Harness) -> None:
    world = await build(harness)
    rep = world.person("rep")
    with harness.db.session() as session:
        session.get(User, world.account("other_rep").id).username = "zoe"
    await harness.send(rep, "/away until 2026-12-10 @zoe")
    assert "Zoe Quinn 不在您的团队" in harness.last(rep).text
    with harness.db.session() as session:
        li = session.get(User, world.account("rep").id)
        assert (li.away_until, li.delegate_id) == (None, None)
        assert (
            session.exec(
                select(Notification).where(  # (the world's pin of Cobalt tells its owner: issue 13)
                    Notification.recipient_id == world.account("other_rep").id,
                    Notification.dedupe_key.not_like("pin:%"),
                )
            ).all()
            == []
        )  # type: ignore[attr-defined]


async def test_the_duplicate_check_names_only_the_owner_and_never_matches_contacts(harness: Harness) -> None:
    world = await build(harness)
    rep = world.person("rep")
    answer = (await harness.send(rep, "/new Cobalt Mining Co."))[-1]
    assert "Zoe Quinn" in answer.text and "Cobalt Mining</" not in answer.text.split("\n", 1)[1]
    assert [label for label, _ in answer.buttons] == ["仍然新建"]
    answer = await harness.send(rep, "/new Mining contact")  # part of a contact's name: no match
    assert not any("Zoe Quinn" in s.text for s in answer)
    with harness.db.session() as session:
        assert (
            session.exec(select(Customer).where(Customer.name == "Mining contact")).one().owner_id
            == world.account("rep").id
        )
