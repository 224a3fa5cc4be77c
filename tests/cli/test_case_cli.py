"""`servgap case …`: the whole loop through the command line, --json, errors exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from servgap.cli import main

T0 = "2026-03-02T09:00+08:00"  # a Monday


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("USER", "tester")
    r = CliRunner()
    assert r.invoke(main, ["workspace", "create", "acme"]).exit_code == 0
    return r


def run(r: CliRunner, *args: str, lang: str = "en") -> tuple[int, str]:
    res = r.invoke(main, ["--lang", lang, "-w", "acme", "case", *args])
    return res.exit_code, res.output


def test_case_workflow_via_cli(runner: CliRunner) -> None:
    code, out = run(runner, "open", "--summary", "包裹延误", "--category", "delay",
                    "--customer", "c1", "--at", T0, "--json")  # fmt: skip
    assert code == 0, out
    case = json.loads(out)
    cid = case["case"]
    assert case["state"] == "new" and case["created"]
    # illegal move: clean error, exit 1, no traceback, both languages
    code, out = run(runner, "move", cid, "closed", "--at", "2026-03-02T10:00+08:00")
    assert code == 1 and "cannot move" in out and "Traceback" not in out
    code, out = run(runner, "move", cid, "closed", lang="zh")
    assert code == 1 and "不能变更为" in out
    code, out = run(runner, "show", "NOPE")
    assert code == 1 and "does not exist" in out
    code, out = run(runner, "move", cid, "acknowledged", "--at", "2026-03-02T10:00+08:00")
    assert code == 0 and f"Case {cid} is now acknowledged" in out
    code, out = run(runner, "act", cid, "coupon", "--amount", "20", "--at",
                    "2026-03-02T10:30+08:00")  # fmt: skip
    assert code == 0, out
    code, out = run(runner, "act", cid, "coupon", "--at", "2026-03-02T10:30+08:00")
    assert code == 1 and "needs an amount" in out
    code, out = run(runner, "ledger", "--by", "customer", "--json")
    led = json.loads(out)
    assert led["total_cny"] == 20.0 and led["rows"][0]["customer"] == "c1"
    code, out = run(runner, "show", cid, "--json")
    shown = json.loads(out)
    assert [e["kind"] for e in shown["events"]] == ["created", "transition", "action"]
    assert shown["events"][1]["actor"] == "tester" and shown["history_consistent"]
    code, out = run(runner, "show", cid)
    assert code == 0 and "History:" in out


def test_list_overdue_and_escalate(runner: CliRunner) -> None:
    _, out = run(runner, "open", "--summary", "a", "--category", "other", "--at", T0, "--json")
    cid = json.loads(out)["case"]
    # normal priority: acknowledge within 4 business hours -> overdue at 13:30
    code, out = run(runner, "list", "--overdue", "--at", "2026-03-02T12:30+08:00", "--json")
    assert code == 0 and json.loads(out) == []
    code, out = run(runner, "list", "--at-risk", "--at", "2026-03-02T12:30+08:00", "--json")
    assert [r["case"] for r in json.loads(out)] == [cid]
    code, out = run(runner, "list", "--overdue", "--at", "2026-03-02T13:30+08:00", "--json")
    rows = json.loads(out)
    assert [r["case"] for r in rows] == [cid] and rows[0]["sla_state"] == "breached"
    code, out = run(runner, "escalate", "--all-overdue", "--at", "2026-03-02T13:30+08:00",
                    "--json")  # fmt: skip
    assert code == 0 and json.loads(out)[0]["to_priority"] == "high"
    code, out = run(runner, "list", "--at", "2026-03-02T13:30+08:00")
    assert code == 0 and "tolerance" in out and "sla_state" in out and "high" in out
    code, out = run(runner, "escalate")
    assert code == 2


def test_import_from_complaints_and_survey(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "received_at,text,site,channel\n2026-03-02 09:00,延误,NOSITE,phone\n"
        "2026-03-02 10:00,,,fax\n",
        encoding="utf-8",
    )
    code, out = run(runner, "import", str(bad))
    assert (
        code == 1
        and "NOSITE" in out
        and "row 3, column `channel`" in out
        and "nothing was imported" in out
    )
    good = tmp_path / "good.csv"
    good.write_text("received_at,text,channel\n2026-03-02 09:00,包裹延误了,phone\n",
                    encoding="gbk")  # fmt: skip
    code, out = run(runner, "import", str(good), "--at", T0, "--json")
    assert code == 0 and json.loads(out)["opened"] == 1
    code, out = run(runner, "from-complaints", "--at", T0, "--json")
    assert code == 0 and json.loads(out)["opened"] == 0
    # closed loop from an NPS survey
    assert runner.invoke(main, ["-w", "acme", "survey", "load", "nps"]).exit_code == 0
    data = tmp_path / "nps.csv"
    data.write_text("response_id,nps,nps_reason\n1,10,很好\n2,3,太慢了\n3,8,\n", encoding="utf-8")
    res = runner.invoke(main, ["-w", "acme", "import", str(data), "--survey", "nps"])
    assert res.exit_code == 0, res.output
    code, out = run(runner, "from-survey", "--survey", "nps", "--at", T0, "--json")
    rep = json.loads(out)
    assert code == 0 and rep["opened"] == 1 and rep["not_triggered"] == 2
    code, out = run(runner, "from-survey", "--survey", "nps", "--at", T0)
    assert code == 0 and "Opened 0 case(s); 1 already had one" in out
    code, out = run(runner, "from-survey", "--survey", "nps", "--at", T0, lang="zh")
    assert "新立案 0 个" in out


def test_typed_times_follow_the_workspace_zone(runner: CliRunner) -> None:
    res = runner.invoke(main, ["workspace", "create", "xj", "--timezone", "Asia/Urumqi"])
    assert res.exit_code == 0, res.output

    def xj(*args: str) -> tuple[int, str]:
        r = runner.invoke(main, ["--lang", "en", "-w", "xj", "case", *args])
        return r.exit_code, r.output

    code, out = xj("open", "--summary", "包裹延误", "--category", "delay", "--at",
                   "2026-03-02 09:00", "--json")  # fmt: skip
    assert code == 0, out
    case = json.loads(out)
    assert case["opened_at"] == "2026-03-02T03:00:00+00:00"  # 09:00 at UTC+6
    code, out = xj("list", "--at", "2026-03-02 12:30", "--json")
    assert code == 0 and json.loads(out)[0]["remaining_h"] == 0.5
    # a time the reader cannot take is a usage error naming the option
    code, out = xj("move", case["case"], "acknowledged", "--at", "03/02/2026 10:00")
    assert code == 2 and "`--at`" in out and "ambiguous" in out and "Traceback" not in out
    code, out = xj("from-complaints", "--since", "yesterday")
    assert code == 2 and "`--since`" in out


def test_close_with_satisfaction_and_import_outcomes(runner: CliRunner, tmp_path: Path) -> None:
    _, out = run(runner, "open", "--summary", "包裹破损", "--category", "damage_loss",
                 "--customer", "c1", "--at", T0, "--json")  # fmt: skip
    cid = json.loads(out)["case"]
    for to, hour in (("investigating", 10), ("resolved", 11)):
        code, out = run(runner, "move", cid, to, "--at", f"2026-03-02T{hour}:00+08:00")
        assert code == 0, out
    code, out = run(runner, "close", cid, "--satisfaction-after", "9", "--at",
                    "2026-03-02T12:00+08:00")  # fmt: skip
    assert code == 1 and "`--satisfaction-after`" in out and "1–7" in out
    code, out = run(runner, "close", cid, "--satisfaction-after", "6", "--satisfaction-before",
                    "4", "--at", "2026-03-02T12:00+08:00")  # fmt: skip
    assert code == 0 and f"Case {cid} is closed. Satisfaction before 4, after 6" in out
    code, out = run(runner, "close", cid, "--satisfaction-before", "4", lang="zh")
    assert code == 2 and "`--satisfaction-after`" in out
    _, out = run(runner, "open", "--summary", "送错地址", "--category", "delay", "--at", T0,
                 "--json")  # fmt: skip
    other = json.loads(out)["case"]
    f = tmp_path / "outcomes.csv"
    f.write_text(f"case,satisfaction_before,satisfaction_after\n{cid},3,5\n{other},,6\n",
                 encoding="utf-8")  # fmt: skip
    code, out = run(runner, "import-outcomes", str(f))
    assert code == 1 and "row 3, column `case`" in out and "nothing was imported" in out
    f.write_text(f"case,satisfaction_before,satisfaction_after\n{cid},3,5\n", encoding="utf-8")
    code, out = run(runner, "import-outcomes", str(f), "--json")
    assert code == 0 and json.loads(out)["recorded"] == 1
    code, out = run(runner, "show", cid, "--json")
    shown = json.loads(out)
    assert (shown["satisfaction_before"], shown["satisfaction_after"]) == (3.0, 5.0)
    assert shown["history_consistent"]


def test_a_listing_in_a_year_without_official_holidays_warns_on_stderr(
    runner: CliRunner,
) -> None:
    from servgap.core.holidays import official_years

    year = official_years()[0] - 1  # the package's data starts in 2004; --at allows 1990 on
    _, out = run(runner, "open", "--summary", "x", "--category", "other", "--at",
                 f"{year}-03-03 09:00", "--json")  # fmt: skip
    cid = json.loads(out)["case"]
    res = runner.invoke(main, ["--lang", "en", "-w", "acme", "case", "list", "--at",
                               f"{year}-03-03 10:00", "--json"])  # fmt: skip
    assert res.exit_code == 0 and [r["case"] for r in json.loads(res.stdout)] == [cid]
    assert "Warning:" in res.stderr and str(year) in res.stderr
    res = runner.invoke(main, ["--lang", "zh", "-w", "acme", "case", "list", "--at",
                               f"{year}-03-03 10:00"])  # fmt: skip
    assert "注意：" in res.stderr and "官方节假日" in res.stderr
