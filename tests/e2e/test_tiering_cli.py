"""`tierbot import`, `recompute`, `tiers` and `policy` as scripts use them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import TIERBOT

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = """external_id,name,owner,stage,potential,influence,expectation,satisfaction,contract_start,intention,pipeline_stage,expected_signing_date,region
C1,华为,Li Wei,active,5,5,4,4,2020-01-15,,,,CN
C2,Acme,1001,prospect,3,2,,,,4,proposal,2026-12-20,US
C3,Globex,,active,,,,,,,,,
"""
INTERACTIONS = """customer,kind,occurred_at,amount,summary
C1,deal,2026-11-20,"500,000.25",signed
Globex,visit,2026-10-01 10:00,,
C3,deal,2026-06-01,120000,
"""


def _tierbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIERBOT, *args], capture_output=True, text=True, env=env, timeout=120)


def test_import_recompute_and_tiers_json(tmp_path: Path, cli_env: dict[str, str]) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS, encoding="utf-8-sig")
    (tmp_path / "i.csv").write_text(INTERACTIONS)
    assert _tierbot(cli_env, "admin", "add", "--telegram-id", "1001", "--name", "Li Wei").returncode == 0
    imported = _tierbot(cli_env, "import", "customers", str(tmp_path / "c.csv"))
    assert imported.returncode == 0 and "3 created" in imported.stdout, imported.stdout + imported.stderr
    interactions = _tierbot(cli_env, "import", "interactions", str(tmp_path / "i.csv"))
    # the customers an import touched are re-tiered once at its end (issue 14 §4): 华为's deal makes it VIP
    assert interactions.returncode == 0 and "; 0 tier change(s)" not in interactions.stdout, interactions.stdout
    again = _tierbot(cli_env, "import", "customers", str(tmp_path / "c.csv"))
    assert "0 created" in again.stdout and "3 unchanged" in again.stdout

    review = _tierbot(cli_env, "recompute", "--at", "2026-11-24T09:00")
    assert review.returncode == 0, review.stderr
    report = json.loads(review.stdout)
    assert report["review"] is True and report["customers"] == 3

    listed = _tierbot(cli_env, "tiers", "--format", "json", "--at", "2026-11-24T09:00", "--lang", "zh")
    rows = {row["external_id"]: row for row in json.loads(listed.stdout)}
    assert rows["C1"]["value"]["tier"] == "vip" and rows["C1"]["owner"] == "Li Wei"
    assert rows["C2"]["pipeline"]["grade"] in ("A", "B", "C") and rows["C2"]["value"] is None
    assert rows["C3"]["cadence"]["status"] in ("due", "overdue")
    assert all("text" in a and "reason" in a for a in rows["C3"]["actions"])

    one = _tierbot(cli_env, "tiers", "--customer", str(rows["C1"]["id"]), "--at", "2026-11-24T09:00")
    assert one.returncode == 0 and "华为" in one.stdout and "Value tier:VIP" in one.stdout
    table = _tierbot(cli_env, "tiers", "--format", "table", "--lang", "zh", "--at", "2026-11-24T09:00")
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["编号", "客户", "负责人", "阶段", "分档", "得分", "联络状态", "下次联系"]
    assert "价值分档:VIP客户" in table.stdout and "服务中客户" in table.stdout and "待签约客户" in table.stdout
    assert "value:" not in table.stdout and "active" not in table.stdout and len(lines) == 3
    missing = _tierbot(cli_env, "tiers", "--customer", "999")
    assert missing.returncode == 1 and "no customer" in missing.stderr


def test_bad_import_is_refused_whole_or_partly_with_skip_invalid(tmp_path: Path, cli_env: dict[str, str]) -> None:
    path = tmp_path / "c.csv"
    path.write_text("name,stage,potential,colour\nGood,active,3,red\nBad,active,9,blue\n")
    refused = _tierbot(cli_env, "import", "customers", str(path))
    assert refused.returncode == 1
    assert "line 3: potential:" in refused.stdout and "nothing imported" in refused.stdout
    assert "unknown column 'colour'" in refused.stdout
    partial = _tierbot(cli_env, "import", "customers", str(path), "--skip-invalid")
    assert partial.returncode == 0 and "1 created" in partial.stdout and "line 3" in partial.stdout
    (tmp_path / "x.pdf").write_text("%PDF")
    assert _tierbot(cli_env, "import", "customers", str(tmp_path / "x.pdf")).returncode == 1


def test_policy_check_and_show(tmp_path: Path, cli_env: dict[str, str]) -> None:
    sponsor = ROOT / "core" / "policies" / "sponsor.toml"
    ok = _tierbot(cli_env, "policy", "check", str(sponsor))
    assert ok.returncode == 0 and "ok" in ok.stdout
    assert "main model: sponsor · priority tiers: sponsor:high" in ok.stdout and "note:" not in ok.stdout
    bare = tmp_path / "bare.toml"
    bare.write_text(sponsor.read_text().replace('main_model = "sponsor"', "").replace("priority = true", ""))
    noted = _tierbot(cli_env, "policy", "check", str(bare))
    assert noted.returncode == 0 and "note: policy.main_model is not set" in noted.stdout
    assert "note: no tier has `priority = true`" in noted.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(sponsor.read_text().replace("min_score = 0", "min_score = 140", 1))
    checked = _tierbot(cli_env, "policy", "check", str(bad))
    assert checked.returncode == 1 and ".min_score" in checked.stdout
    hostile = tmp_path / "hostile.toml"  # issue 12 §6: every error at once, never a traceback
    hostile.write_text(
        sponsor.read_text().replace("min_score = 0", "min_score = 140", 1).replace("max = 21", "max = 1000000000", 1)
        + "\nx = "
        + "[" * 3000
        + "]" * 3000
        + "\n"
    )
    checked = _tierbot(cli_env, "policy", "check", str(hostile))
    assert checked.returncode == 1 and "nested too deeply" in checked.stdout and "Traceback" not in checked.stderr
    hostile.write_text(
        sponsor.read_text()
        .replace('"01-15", ', '"01-32", ', 1)
        .replace("max = 21", "max = 1000000000", 1)
        .replace("{since}", "{since:1000000000}")
    )
    checked = _tierbot(cli_env, "policy", "check", str(hostile))  # three tables, each error reported
    assert checked.returncode == 1 and "review.dates[0]: " in checked.stdout, checked.stdout
    assert ".cadence.any.max: must be at most 3660" in checked.stdout and "sets a width" in checked.stdout
    hostile.write_text("#" * 300_000)
    checked = _tierbot(cli_env, "policy", "check", str(hostile))
    assert checked.returncode == 1 and "larger than 256 KB" in checked.stdout
    shown = _tierbot({**cli_env, "TIERBOT_POLICY_FILE": str(sponsor)}, "policy", "show")
    assert shown.returncode == 0 and "effective policy" in shown.stdout and "sponsor" in shown.stdout
