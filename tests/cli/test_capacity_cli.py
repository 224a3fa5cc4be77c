"""`servgap capacity ...` on the demo store: tables, --json, --csv, --chart, clean errors."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from servgap.cli import main
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("capcli")
    url = f"sqlite:///{tmp / 'demo.sqlite'}"
    store = Store.open(Settings(database_url=url, home=tmp))
    build_demo_store(store)
    store.dispose()
    yield url


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str, lang: str = "en"):  # type: ignore[no-untyped-def]
        return runner.invoke(main, ["--lang", lang, "--database-url", db_url, "capacity", *args])

    return invoke


HOT = ["--site", "cc_hotline", "--queue", "hotline"]
ADJ = "2026-11-11..2026-11-12:x1.8:ops-team:Double 11"


def test_forecast_table_csv_chart(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "fc.csv"
    png = tmp_path / "fc.png"
    res = run("forecast", *HOT, "--until", "2026-11-09", "--horizon", "336",
              "--models", "seasonal_naive,window_average", "--adjust", ADJ,
              "--csv", str(csv), "--chart", str(png))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "best model by backtest" in res.output and "ops-team" in res.output
    assert "Double 11" in res.output and "applied" in res.output
    table = pd.read_csv(csv)
    assert len(table) == 336 and {"forecast", "adjusted"} <= set(table.columns)
    assert table["adjusted"].sum() > table["forecast"].sum()
    assert png.exists() and png.stat().st_size > 10_000


def test_staff_json_and_header_prints_sl_definition(run) -> None:  # type: ignore[no-untyped-def]
    res = run(
        "staff", *HOT, "--last-days", "1", "--sl-definition", "answered", "--shrinkage", "0.3"
    )
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert "definition `answered`" in first and "80% within 20 s" in first
    assert "patience" in res.output and "estimated" in res.output
    res = run("staff", *HOT, "--last-days", "1", "--json")
    data = json.loads(res.output)
    assert data["sl_definition"] == "offered" and len(data["table"]) == 48
    assert 85 < data["parameters"]["patience_s"] < 95
    zh = run("staff", *HOT, "--last-days", "1", lang="zh")
    assert "服务水平" in zh.output and "定义 `offered`" in zh.output


def test_plan_and_balance_and_simulate(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = run("plan", "--site", "sh_xuhui", "--survey", "example_express_q", "--item", "wait",
              "--last-days", "1", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [r["level"] for r in data["comparison"]] == ["adequate", "desired"]
    assert data["adequate_wait_s"] == 60 * data["target"]["adequate_target"]
    res = run("plan", "--site", "sh_xuhui", "--last-days", "1", lang="zh")
    assert "每周总成本" in res.output
    cap = tmp_path / "cap.csv"
    pd.DataFrame({"agents": [3] * 48}).to_csv(cap, index=False)
    png = tmp_path / "bal.png"
    res = run("balance", *HOT, "--last-days", "1", "--capacity", str(cap), "--chart", str(png))
    assert res.exit_code == 0, res.output
    assert "Recommendations:" in res.output and "[flexible_hours]" in res.output
    assert png.exists()
    res = run("simulate", *HOT, "--calls", "60", "--agents", "9", "--replications", "3")
    assert res.exit_code == 0, res.output
    assert "formula" in res.output and "simulated" in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["forecast", "--site", "nope"], "Site `nope` does not exist"),
        (["forecast", "--site", "cc_hotline", "--queue", "x"], "no demand for queue `x`"),
        (["forecast", *HOT, "--horizon", "-5"], "--horizon -5 must be a positive"),
        (["forecast", *HOT, "--adjust", "garbage"], "Cannot read adjustment"),
    ],
)
def test_bad_input_is_a_clean_error(run, args: list[str], needle: str) -> None:  # type: ignore[no-untyped-def]
    res = run(*args)
    assert res.exit_code == 1, res.output
    assert needle in res.output
    assert "Traceback" not in res.output


def test_demand_file_with_negative_volume(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "demand.csv"
    rows = ["site,queue,interval_start,interval_s,arrivals"]
    for i, ts in enumerate(pd.date_range("2026-11-01", periods=6, freq="30min", tz="UTC")):
        rows.append(f"s1,q1,{ts.isoformat()},1800,{-4 if i == 3 else 10}")
    p.write_text("\n".join(rows) + "\n")
    res = run("forecast", "--file", str(p), "--horizon", "4")
    assert res.exit_code == 1
    assert "row 4" in res.output.lower() and "arrivals" in res.output and "-4" in res.output
    zh = run("forecast", "--file", str(p), "--horizon", "4", lang="zh")
    assert "第 4 行" in zh.output


@pytest.mark.parametrize(
    ("args", "field", "value"),
    [
        (["--aht", "1e308", "--patience", "none"], "aht_s", "1e+308"),
        (["--aht", "1e30"], "aht_s", "1e+30"),
        (["--patience", "1e308"], "patience_s", "1e+308"),
        (["--target-wait", "1e308"], "target_wait_s", "1e+308"),
        (["--target-sl", "1e308"], "target_sl", "1e+308"),
        (["--aht", "0.00001"], "aht_s", "1e-05"),
    ],
)
def test_staff_absurd_input_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], field: str, value: str
) -> None:
    """`capacity staff --aht 1e308` printed numpy RuntimeWarnings, then "Internal error ...
    did not converge". Now: exit 1, the field, its value and the plausible range."""
    monkeypatch.setenv("SERVGAP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SERVGAP_DATABASE_URL", raising=False)
    demand = tmp_path / "demand.csv"
    rows = ["interval_start,arrivals,handled,abandoned,aht_s,total_wait_s"]
    for ts in pd.date_range("2026-11-02 09:00", periods=8, freq="30min", tz="Asia/Shanghai"):
        rows.append(f"{ts.isoformat()},50,48,2,180,300")
    demand.write_text("\n".join(rows) + "\n")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = CliRunner().invoke(
            main, ["--lang", "en", "--database-url", url, "capacity", "staff",
                   "--file", str(demand), *args],
        )  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "Internal error" not in res.output and "Traceback" not in res.output
    assert "Warning" not in res.output and caught == []
    assert f"`{field}`" in res.output and value in res.output and "plausible" in res.output
