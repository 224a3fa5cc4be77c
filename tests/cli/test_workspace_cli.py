"""`servgap workspace …` and how the workspace and the language of a command are chosen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from servgap.cli import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    for var in ("SERVGAP_DATABASE_URL", "SERVGAP_WORKSPACE", "SERVGAP_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return CliRunner()


def test_set_up_a_workspace(runner: CliRunner) -> None:
    res = runner.invoke(main, ["workspace", "create", "acme", "--name-zh", "顶点快递",
                               "--name-en", "Acme", "--lang", "zh"])  # fmt: skip
    assert res.exit_code == 0, res.output
    # the only workspace is the default, and its language is used
    res = runner.invoke(main, ["workspace", "set", "calendar.hours", "08:00-20:00"])
    assert res.exit_code == 0 and "已设置 calendar.hours" in res.output
    res = runner.invoke(main, ["workspace", "show", "--json"])
    assert json.loads(res.output)["name_zh"] == "顶点快递"
    res = runner.invoke(main, ["--lang", "en", "workspace", "set", "brand_reputation", "x"])
    assert res.exit_code == 1 and "Setting `brand_reputation`: `x` is not valid" in res.output
    res = runner.invoke(main, ["workspace", "set", "cost.abandon"])
    assert res.exit_code == 2  # neither a value nor --unset


def test_no_silent_default_when_there_are_several(runner: CliRunner) -> None:
    for code in ("acme", "beta"):
        assert runner.invoke(main, ["workspace", "create", code]).exit_code == 0
    res = runner.invoke(main, ["--lang", "en", "survey", "list"])
    assert res.exit_code == 2 and "say which one (`--workspace`" in res.output
    res = runner.invoke(main, ["--lang", "en", "-w", "beta", "survey", "list"])
    assert res.exit_code == 0


def test_language_order_flag_env_workspace(runner: CliRunner,
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    runner.invoke(main, ["workspace", "create", "acme", "--lang", "en"])
    res = runner.invoke(main, ["workspace", "set", "currency", "USD"])
    assert "Set currency = USD." in res.output  # the workspace's language
    res = runner.invoke(main, ["--lang", "zh", "workspace", "set", "currency", "CNY"])
    assert "已设置" in res.output  # the flag wins
    monkeypatch.setenv("SERVGAP_LANG", "zh")
    res = runner.invoke(main, ["workspace", "set", "currency", "CNY"])
    assert "已设置" in res.output  # then the environment
