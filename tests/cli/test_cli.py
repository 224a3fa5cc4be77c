"""The command line: help, error contract (exit 1, no traceback; 2 for usage), --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from servgap.cli import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    return CliRunner()


def test_help_lists_commands_with_one_sentence(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--help"])
    assert res.exit_code == 0
    for cmd in ("demo", "import", "export", "survey", "workspace", "db"):
        assert f"\n  {cmd} " in res.output


def test_unknown_workspace_is_a_clean_error(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--lang", "en", "-w", "nope", "survey", "list"])
    assert res.exit_code == 1
    assert "Workspace `nope` does not exist" in res.output
    assert "Traceback" not in res.output


def test_chinese_error(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--lang", "zh", "-w", "nope", "survey", "list"])
    assert res.exit_code == 1
    assert "工作区 `nope` 不存在" in res.output


def test_usage_error_exits_2(runner: CliRunner) -> None:
    res = runner.invoke(main, ["import"])
    assert res.exit_code == 2


def test_workspace_survey_import_export_flow(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["workspace", "create", "acme"]).exit_code == 0
    res = runner.invoke(main, ["-w", "acme", "survey", "load", "nps"])
    assert res.exit_code == 0, res.output
    data = tmp_path / "nps.csv"
    data.write_text("response_id,nps,nps_reason\n1,10,很好\n2,3,太慢了\n3,8,\n", encoding="gbk")
    res = runner.invoke(
        main, ["--lang", "en", "-w", "acme", "import", str(data), "--survey", "nps"]
    )
    assert res.exit_code == 0, res.output
    assert "Imported 3 responses" in res.output
    res = runner.invoke(main, ["-w", "acme", "survey", "list", "--json"])
    assert json.loads(res.output)[0]["responses"] == 3
    out = tmp_path / "out.csv"
    res = runner.invoke(main, ["-w", "acme", "export", "responses", "--survey", "nps", "--out",
                               str(out)])  # fmt: skip
    assert res.exit_code == 0 and out.exists()


def test_import_errors_listed(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["workspace", "create", "acme"])
    runner.invoke(main, ["-w", "acme", "survey", "load", "nps"])
    data = tmp_path / "bad.csv"
    data.write_text("response_id,nps\n1,11\n2,x\n3,5\n", encoding="utf-8")
    res = runner.invoke(
        main, ["--lang", "en", "-w", "acme", "import", str(data), "--survey", "nps"]
    )
    assert res.exit_code == 1
    assert "row 2, column `nps`" in res.output and "row 3, column `nps`" in res.output
    assert "outside the 0–10 scale" in res.output
    assert "nothing was imported" in res.output
    assert "Traceback" not in res.output


def test_bad_survey_yaml(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(main, ["workspace", "create", "acme"])
    bad = tmp_path / "s.yaml"
    bad.write_text("code: x\nquestions:\n  - {code: q1, type: likret}\n", encoding="utf-8")
    res = runner.invoke(main, ["--lang", "en", "-w", "acme", "survey", "load", str(bad)])
    assert res.exit_code == 1
    assert "unknown type" in res.output and "title" in res.output
