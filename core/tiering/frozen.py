"""Frozen, slotted dataclasses that are cheap to build: a recompute makes 100k facts and
about 200k model results."""

from __future__ import annotations

from dataclasses import MISSING, fields
from types import FunctionType
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


class _Factory:
    """Stands for "not given: call the field's default factory" in a signature."""

    def __repr__(self) -> str:
        return "<factory>"


def init_through_slots(cls: T) -> T:
    """Give a frozen, slotted dataclass the same __init__ (parameters, defaults, factories),
    only storing each field through its slot descriptor. The generated one goes through
    `object.__setattr__` per field (a frozen class refuses its own __setattr__), which cost
    more than the reading of 100k customers' facts; the class stays frozen for everyone else.
    Apply it above @dataclass(frozen=True, slots=True); there is no __post_init__ to call."""
    namespace: dict[str, Any] = {"_NO_VALUE": _Factory()}
    parameters, body = [], []
    for f in fields(cls):
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__  # the slot's member descriptor
        if f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            parameters.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            parameters.append(f"{f.name}=_NO_VALUE")
            body.append(f"    if {f.name} is _NO_VALUE: {f.name} = _factory_{f.name}()")
        else:
            parameters.append(f.name)
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(parameters)}):\n" + "\n".join(body), namespace)  # noqa: S102 (our own field names)
    init: FunctionType = namespace["__init__"]
    init.__annotations__ = {f.name: f.type for f in fields(cls)} | {"return": None}
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]  # mypy refuses assigning a method; replacing __init__ is this module's point
    return cls
