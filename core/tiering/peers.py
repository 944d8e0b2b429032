"""One metric of every customer a model covers, sorted once, so one customer ranks among the
others in O(log n) (core.tiering.book_stats builds the book's columns; value and rfm rank on them).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

_ABSENT = object()


@dataclass(frozen=True, slots=True)
class PeerColumn:
    """One metric of every customer a model covers, sorted ascending, with each member's value.

    `rank_by_id` holds every member's answer precomputed in one pass over the sorted values,
    so a batch recompute looks answers up; bisection is only needed when a customer's value
    changed since the column was built (evaluate_one after a new deal) or it is not a member.
    """

    sorted_values: list[Any]
    value_by_id: Mapping[int, Any]
    lower_equal_by_id: Mapping[int, tuple[int, int]]  # (L, E) among the others
    position_by_id: Mapping[int, int]

    @classmethod
    def of(cls, value_by_id: dict[int, Any]) -> PeerColumn:
        """A column of values that may tie (revenues): members get (L, E)."""
        ordered = sorted(value_by_id.items(), key=itemgetter(1))
        values = [value for _, value in ordered]
        lower_equal = {}
        start = 0
        for end in range(1, len(values) + 1):  # one pass over runs of equal values
            if end == len(values) or values[end] != values[start]:
                for index in range(start, end):
                    lower_equal[ordered[index][0]] = (start, end - start - 1)
                start = end
        return cls(values, value_by_id, lower_equal, {})

    @classmethod
    def of_unique(cls, key_by_id: dict[int, tuple[Any, int]]) -> PeerColumn:
        """A column of unique keys (metric, customer id): members get positions. Sorting by the
        id, then (stably) by the metric alone gives the keys' order at a third of the cost of
        comparing the tuples."""
        keys = sorted(key_by_id.values(), key=itemgetter(1))
        keys.sort(key=itemgetter(0))
        position = {customer_id: index for index, (_, customer_id) in enumerate(keys)}
        return cls(keys, key_by_id, {}, position)

    def lower_equal_others(self, value: Any, customer_id: int) -> tuple[int, int, int]:
        """(customers below `value`, customers equal to it, number of others), self excluded."""
        others = len(self.sorted_values)
        own = self.value_by_id.get(customer_id, _ABSENT)
        if own is _ABSENT:
            lower = bisect_left(self.sorted_values, value)
            return lower, bisect_right(self.sorted_values, value) - lower, others
        if own == value:
            return (*self.lower_equal_by_id[customer_id], others - 1)
        lower = bisect_left(self.sorted_values, value)
        equal = bisect_right(self.sorted_values, value) - lower
        return (lower - 1 if own < value else lower), equal, others - 1

    def position(self, key: Any, customer_id: int) -> tuple[int, int]:
        """(0-based position of `key` in ascending order, n) with the customer in the book.
        Keys are unique (they end in the customer id), so a member's position is its index."""
        size = len(self.sorted_values)
        own = self.value_by_id.get(customer_id, _ABSENT)
        if own is _ABSENT:
            return bisect_left(self.sorted_values, key), size + 1
        if own == key:
            return self.position_by_id[customer_id], size
        position = bisect_left(self.sorted_values, key)
        return (position - 1 if own < key else position), size
