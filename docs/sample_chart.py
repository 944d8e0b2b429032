"""Draw the sample /summary chart shown in the README: the demo book (core/ops/demo.py) as its
manager 王芳 sees it, Chinese labels.

    .venv/bin/python docs/sample_chart.py [OUT.png]     (default: docs/summary-chart.png)

The demo book is seeded 60 days before a fixed "now", tiered then, and reviewed at "now", so
the quarter holds tier movements as well.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.handlers.summary import chart_labels  # noqa: E402
from bot.render import Renderer  # noqa: E402
from core.reports import charts, scoping, summary# noqa: E402
from core.ops import demo
from core.db import open_database  # noqa: E402
from core.policies import default_policy_text  # noqa: E402
from core.tiering import parse_policy  # noqa: E402
from core.tier_records.retier import recompute  # noqa: E402

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
ZONE = "Asia/Shanghai"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "summary-chart.png"
    policy = parse_policy(default_policy_text())
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/demo.db")
        seeded = NOW - timedelta(days=60)
        with db.session() as session:
            manager = demo.seed(session, seeded)["manager"]
        recompute(db, policy, seeded, org_timezone=ZONE, review=False)
        recompute(db, policy, NOW, org_timezone=ZONE, review=True)
        with db.session() as session:
            scope = scoping.resolve_scope(session, manager, scoping.Request(period="quarter"))
            params = summary.build(session, manager, policy, NOW, org_timezone=ZONE, scope=scope,
                                   period="quarter").params()
        db.dispose()
    target.write_bytes(charts.summary_chart(params, "zh", chart_labels(Renderer(), "zh", params)))
    print(target)


if __name__ == "__main__":
    main()
