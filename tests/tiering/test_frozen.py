"""init_through_slots: the same constructor as the dataclass's own, only faster; still frozen."""

import inspect
from dataclasses import FrozenInstanceError, dataclass, field, replace

import pytest

from core.tiering import CustomerFacts
from core.tiering.frozen import init_through_slots

from .factories import NOW


@dataclass(frozen=True, slots=True)
class Plain:
    a: int
    b: str = "b"
    c: list = field(default_factory=list)


@init_through_slots
@dataclass(frozen=True, slots=True)
class Fast:
    a: int
    b: str = "b"
    c: list = field(default_factory=list)


@init_through_slots
@dataclass(frozen=True, slots=True)
class FastChild(Fast):
    d: float = 1.5


def _fields(obj) -> tuple:
    return tuple(getattr(obj, name) for name in obj.__dataclass_fields__)


@pytest.mark.parametrize(
    "args, kwargs", [((1,), {}), ((1, "x"), {}), ((), {"a": 2, "c": [3]}), ((4,), {"b": "y", "c": [5]})]
)
def test_same_values_as_the_generated_init(args, kwargs):
    assert _fields(Fast(*args, **kwargs)) == _fields(Plain(*args, **kwargs))


def test_same_signature_and_errors():
    assert str(inspect.signature(Fast)) == str(inspect.signature(Plain))
    with pytest.raises(TypeError):
        Fast()
    with pytest.raises(TypeError):
        Fast(1, nope=2)


def test_each_instance_gets_its_own_default_from_the_factory():
    assert Fast(1).c is not Fast(1).c


def test_still_frozen_comparable_and_replaceable():
    one = Fast(1)
    with pytest.raises(FrozenInstanceError):
        one.a = 2  # type: ignore[misc]
    assert one == Fast(1) and hash(FastChild(1, c=())) == hash(FastChild(1, c=()))
    assert replace(one, b="z") == Fast(1, "z")
    assert _fields(FastChild(1, d=2.5)) == (1, "b", [], 2.5)


def test_customer_facts_defaults():
    facts = CustomerFacts(id=1, stage="active", added_at=NOW)
    assert facts.timezone == "UTC" and facts.revenue_12m == {} and facts.assigned_tiers == {}
    with pytest.raises(FrozenInstanceError):
        facts.stage = "lost"  # type: ignore[misc]
