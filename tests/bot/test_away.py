"""/away hands off to a colleague named by @username, by name, or picked from the team's buttons."""

from __future__ import annotations

from sqlmodel import select

from bot.testing import Harness
from core.models import User


def _delegate_of(harness: Harness, user_id: int) -> int | None:
    with harness.db.session() as session:
        return session.exec(select(User.delegate_id).where(User.id == user_id)).one()


async def test_away_names_a_colleague_by_name_or_by_a_button(harness: Harness) -> None:
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    colleague = await harness.person("rep", name="王芳", language="zh", team="East")
    await harness.person("rep", name="Zoe Quinn", language="en", team="West")  # another team: not offered
    await harness.send(rep, "/away until 2026-12-10 王芳")
    assert "王芳" in harness.last(rep).text and _delegate_of(harness, rep.account.id) == colleague.account.id
    await harness.send(rep, "/away off")
    await harness.send(rep, "/away until 2026-12-10")
    offer = harness.last(rep)
    assert [label for label, _ in offer.buttons] == ["王芳"] and "请选择" in offer.text
    after = await harness.press(rep, "王芳", offer)
    assert after is not None and "王芳" in after.text and not after.buttons
    assert _delegate_of(harness, rep.account.id) == colleague.account.id
    await harness.send(rep, "/away until 2026-12-10 张三")
    assert "找不到名为 张三 的同事" in harness.last(rep).text
