"""Free-text log messages → structured interactions (zh, en). Pure: no database, no Telegram,
no clock (`now` is a parameter).

    index = CustomerIndex(BookEntry(...) for ... in book)   # once per book, reused
    index.find("huawei")                                    # /find
    log = parse("拜访了华为，签约50万，下周三回访", index, now=now, timezone="Asia/Shanghai")

Calendar rules (下周, bare weekdays, month ends) are documented in `dates`; the order the
readers run in and the default times of day in `parser`; alias weights in `customers`.
Call `warm_up()` at start-up to load jieba's dictionary before the first message needs it.
"""

from .customers import CustomerIndex, NameIndex
from .model import KINDS, BookEntry, Candidate, Fact, Feedback, FollowUp, ParsedLog
from .parser import parse, warm_up
from .signals import answered_by

__all__ = [
    "KINDS",
    "BookEntry",
    "Candidate",
    "CustomerIndex",
    "Fact",
    "Feedback",
    "FollowUp",
    "NameIndex",
    "ParsedLog",
    "answered_by",
    "parse",
    "warm_up",
]
