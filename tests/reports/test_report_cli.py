"""`servgap report` through the command-line runner, on the hand-made company."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from servgap.cli import main
from servgap.services.context import Store


@pytest.fixture
def runner(small_company: Store, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_DATABASE_URL", small_company.settings.resolved_database_url())
    monkeypatch.setenv("SERVGAP_HOME", str(small_company.settings.home))
    return CliRunner()


def test_report_in_chinese_and_english(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "q3"
    args = ["-w", "kiosk_co", "report", "--period", "2026Q3", "--compare", "2026Q2", "--out",
            str(out)]  # fmt: skip
    res = runner.invoke(main, ["--lang", "zh", *args])
    assert res.exit_code == 0, res.output
    assert "与 2026Q2 相比的变化" in res.output and "没有需求数据" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "report.xlsx", "summary.md"]
    # an earlier report in the folder: refused without --force (exit 1), replaced with it
    res = runner.invoke(main, ["--lang", "en", *args])
    assert res.exit_code == 1 and "already holds 3 file(s)" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(main, ["--lang", "en", *args, "--force", "--format", "json,csv"])
    assert res.exit_code == 0, res.output
    assert "Change since 2026Q2" in res.output and "No demand data" in res.output
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["lang"] == "en" and (out / "servqual_dimensions.csv").exists()


def test_report_json_output(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(
        main, ["-w", "kiosk_co", "report", "--site", "s2", "--out", str(tmp_path / "r"), "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["site"] == "s2" and len(doc["files"]) == 3


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--format", "md,docx"], 2, "docx"),
        (["--period", "Q3"], 2, "quarter"),
        (["--site", "nowhere"], 1, "nowhere"),
        (["--survey", "nope"], 1, "nope"),
    ],
)
def test_report_errors(runner: CliRunner, tmp_path: Path, args: list[str], code: int,
                       text: str) -> None:  # fmt: skip
    res = runner.invoke(
        main, ["--lang", "en", "-w", "kiosk_co", "report", "--out", str(tmp_path / "r"), *args]
    )
    assert res.exit_code == code, res.output
    assert text in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r").exists()


def test_analyze_reports_the_wait_on_its_own_row(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--lang", "en", "-w", "kiosk_co", "analyze", "servqual", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    dims = {d["dimension"]: d for d in doc["dimensions"]}
    # all 8 respondents: responsiveness MSA (0.625·4 − 0.375·4)/8 = 0.125, the wait apart
    assert dims["responsiveness"]["msa"] == pytest.approx(0.125)
    assert [s["item"] for s in doc["separate_items"]] == ["wait"]
    res = runner.invoke(main, ["--lang", "zh", "-w", "kiosk_co", "analyze", "servqual"])
    assert res.exit_code == 0, res.output
    assert "分钟" in res.output and "wait" in res.output
