"""RFM: recency, frequency and monetary scores 1–5 by position in the book, and a segment.

Scores by position, not by fixed thresholds: customers are sorted ascending by the metric,
ties broken by ascending customer id, and the one at 0-based position i of n scores
1 + floor(5·i/n) — so in a book of five or more buyers the most recent, most frequent and
biggest buyer scores 5 (in smaller books the top score is lower: a lone buyer scores 1).
The segment is the first row of the policy's table whose inclusive R/F/M ranges all match.
Customers without a deal in the window get the `no_purchases` segment and no scores.
"""

from __future__ import annotations

from datetime import datetime

from .book_stats import RfmColumns
from .facts import CustomerFacts
from .localtime import as_utc
from .money import to_base
from .peers import PeerColumn
from .results import RfmResult
from .specs import RfmModel


def position_score(position: int, size: int) -> int:
    return 1 + (5 * position) // size


def evaluate_rfm(facts: CustomerFacts, model: RfmModel, columns: RfmColumns | None, fx, now: datetime) -> RfmResult:
    last, count = facts.rfm_last_deal_at, facts.rfm_deal_count
    if count == 0 and last is None:  # most prospects: one shared result
        shared = model.shared_results.get("no_purchases")
        if shared is None:
            shared = model.shared_results["no_purchases"] = _no_purchases(model, 0, ())
        return shared
    if count <= 0 or last is None:
        # Half a purchase record (a count without a date or the reverse) is no record.
        return _no_purchases(model, max(count, 0), ("inconsistent_rfm",))
    last = as_utc(last)
    amount, flags = to_base(facts.rfm_amount, fx)
    if last > now:
        flags += ("future_date:rfm_last_deal_at",)
    customer_id = facts.id
    if columns is None:  # no book: the customer is alone, position 0 of 1
        r = f = m = position_score(0, 1)
    else:
        r = _score(columns.recency, (last, customer_id), customer_id)
        f = _score(columns.frequency, (count, customer_id), customer_id)
        m = _score(columns.monetary, (amount, customer_id), customer_id)
    row = model.segment_table[r, f, m]
    return RfmResult(
        model.code, row.code, None, tuple(sorted(flags)) if flags else (), row.name, r, f, m, last, count, amount
    )


def _no_purchases(model: RfmModel, count: int, flags: tuple[str, ...]) -> RfmResult:
    row = model.no_purchases
    return RfmResult(model.code, row.code, None, flags, row.name, None, None, None, None, count, None)


def _score(column: PeerColumn, key: tuple, customer_id: int) -> int:
    return position_score(*column.position(key, customer_id))
