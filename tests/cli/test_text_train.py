"""`servgap text correct|corrections|train`: corrections from the command line, the list
with who and when, and a retraining that prints the comparison and whether it switched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.services.test_text_corrections import lost_parcel_texts

from servgap.cli import main
from servgap.services.cases import open_case
from servgap.services.context import Store
from servgap.services.workspaces import create_workspace
from servgap.settings import Settings


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("SERVGAP_WORKSPACE", raising=False)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = Store.open(Settings(database_url=url, home=tmp_path / "home"))
    for code in ("acme", "beta"):  # two workspaces: --workspace is needed
        create_workspace(store, code, name_zh=code, name_en=code)
    codes = [open_case(store, workspace="acme", summary=t, category="information").case
             for t in lost_parcel_texts()]  # fmt: skip
    store.dispose()

    def invoke(*args: str, lang: str = "en"):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["--lang", lang, "--database-url", url, "text", *args])

    invoke.codes = codes  # type: ignore[attr-defined]
    return invoke


def test_correct_list_and_train(run) -> None:  # type: ignore[no-untyped-def]
    codes: list[str] = run.codes
    res = run("correct", codes[0], "--category", "lost", "--workspace", "acme")
    assert res.exit_code == 1 and "`--category` 'lost'" in res.output
    assert "Traceback" not in res.output
    for code in codes:
        res = run("correct", code, "--category", "damage_loss", "--workspace", "acme",
                  "--actor", "wang", "--json")  # fmt: skip
        assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["old_value"] == "information"
    res = run("corrections", "--workspace", "acme", "--json")
    rows = json.loads(res.output)
    assert len(rows) == len(codes) and {r["author"] for r in rows} == {"wang"}
    assert all(r["at"] for r in rows)
    table = run("corrections", "--workspace", "acme")
    assert "damage_loss" in table.output and "wang" in table.output
    assert "damage_loss" not in run("corrections", "--workspace", "beta").output

    res = run("train", "--workspace", "acme", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["switched"] is True and out["version"] == 1 and out["active"] == "v1"
    assert [r["model"] for r in out["comparison"]] == ["current", "new"]
    res = run("train", "--workspace", "acme", lang="zh")
    assert res.exit_code == 0, res.output
    assert "未切换" in res.output and "v2" in res.output and "held_out_accuracy" in res.output
    versions = json.loads(run("corrections", "--workspace", "acme", "--versions", "--json").output)
    assert [(v["version"], v["active"]) for v in versions] == [(2, False), (1, True)]


def test_train_without_corrections_is_a_clean_error(run) -> None:  # type: ignore[no-untyped-def]
    res = run("train", "--workspace", "beta", "--kind", "polarity")
    assert res.exit_code == 1 and "0 polarity corrections" in res.output
    assert "Traceback" not in res.output
