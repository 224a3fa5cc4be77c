"""Issue 8 probes through the command line: refusals exit 1 (2 for usage) with a message that
names the file and the fix, never "Internal error"; personal data never leaks through --csv."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from servgap.cli import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    return CliRunner()


def ok(runner: CliRunner, *args: str) -> str:
    res = runner.invoke(main, ["--lang", "en", *args])
    assert res.exit_code == 0, res.output
    return res.output


def test_export_over_the_store_is_refused_and_the_store_survives(
    runner: CliRunner, tmp_path: Path
) -> None:
    ok(runner, "workspace", "create", "acme")
    store = tmp_path / "home" / "servgap.sqlite"
    assert store.exists()
    for force in ([], ["--force"]):
        res = runner.invoke(main, ["--lang", "en", "-w", "acme", "export", "sites", "--out",
                                   str(store), "--format", "csv", *force])  # fmt: skip
        assert res.exit_code == 1, res.output
        assert "servgap's own database" in res.output
    assert "acme" in ok(runner, "workspace", "list")


def test_existing_output_needs_force(runner: CliRunner, tmp_path: Path) -> None:
    ok(runner, "workspace", "create", "acme")
    out = tmp_path / "sites.csv"
    out.write_text("keep me", encoding="utf-8")
    res = runner.invoke(main, ["--lang", "en", "-w", "acme", "export", "sites", "--out", str(out)])
    assert res.exit_code == 1
    assert "already exists" in res.output and "--force" in res.output
    assert out.read_text(encoding="utf-8") == "keep me"
    ok(runner, "-w", "acme", "export", "sites", "--out", str(out), "--force")
    assert out.read_text(encoding="utf-8-sig").startswith("code,")


def test_format_mismatch_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    ok(runner, "workspace", "create", "acme")
    res = runner.invoke(main, ["--lang", "en", "-w", "acme", "export", "sites", "--out",
                               str(tmp_path / "x.csv"), "--format", "xlsx"])  # fmt: skip
    assert res.exit_code == 2
    assert "x.xlsx" in res.output and "Internal error" not in res.output


def test_junk_xlsx_import_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    ok(runner, "workspace", "create", "acme")
    ok(runner, "-w", "acme", "survey", "load", "nps")
    junk = tmp_path / "junk.xlsx"
    import zipfile

    with zipfile.ZipFile(junk, "w") as z:
        z.writestr("[Content_Types].xml", "<Types><unclosed")
    res = runner.invoke(main, ["--lang", "en", "-w", "acme", "import", str(junk), "--survey",
                               "nps"])  # fmt: skip
    assert res.exit_code == 1
    assert "junk.xlsx" in res.output and "Excel workbook" in res.output
    assert "Internal error" not in res.output


def test_text_classify_csv_masks_personal_data_and_is_private(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "c.csv"
    ok(runner, "text", "classify", "我叫张伟，电话13812345678，邮箱 zw@example.com，快递三天没到",
       "--csv", str(out))  # fmt: skip
    text = pd.read_csv(out, encoding="utf-8-sig")["text"].iloc[0]
    assert "13812345678" not in text and "138****5678" in text
    assert "zw@example.com" not in text and "张伟" not in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_import_errors_file_is_private(runner: CliRunner, tmp_path: Path) -> None:
    ok(runner, "workspace", "create", "acme")
    ok(runner, "-w", "acme", "survey", "load", "nps")
    bad = tmp_path / "bad.csv"
    bad.write_text("response_id,nps\n1,11\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    res = runner.invoke(main, ["--lang", "en", "-w", "acme", "import", str(bad), "--survey",
                               "nps", "--errors-out", str(errors)])  # fmt: skip
    assert res.exit_code == 1
    assert stat.S_IMODE(errors.stat().st_mode) == 0o600


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = dict(os.environ, SERVGAP_HOME=str(tmp_path / "home"), SERVGAP_LANG="en")
    env.pop("SERVGAP_DATABASE_URL", None)
    texts = ["快递三天没到，客服也不回电话"] * 4000  # > 64 KB of table: the pipe fills
    proc = subprocess.Popen(
        [sys.executable, "-c", "from servgap.cli import main; main()", "text", "classify", *texts],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) in (0, 141)  # click may absorb EPIPE itself at exit
    assert "Internal error" not in err and "Traceback" not in err and "BrokenPipe" not in err


def test_broken_pipe_inside_a_command_exits_141_quietly(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import servgap.cli._app as app

    def closed(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(app, "format_table", closed)
    res = runner.invoke(main, ["--lang", "en", "survey", "templates"])
    assert res.exit_code == 141
    assert "Internal error" not in res.output


def test_a_refused_cell_shows_the_value_found(runner: CliRunner, tmp_path: Path) -> None:
    ok(runner, "workspace", "create", "acme")
    bad = tmp_path / "sites.csv"
    bad.write_text("region,region_name,site,site_name,kind\nsz,深圳,x1,新网点,shop\n", "utf-8")
    res = runner.invoke(main, ["--lang", "en", "site", "import", str(bad)])
    assert res.exit_code == 1
    assert "row 2, column `kind`, value `shop`: use one of outlet" in res.output
    res = runner.invoke(main, ["--lang", "zh", "site", "import", str(bad)])
    assert "第 2 行，列 `kind`，值 `shop`：" in res.output
