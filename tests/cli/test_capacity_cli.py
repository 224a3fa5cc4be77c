"""`servgap capacity ...` on the demo store: tables, --json, --csv, --chart, clean errors."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
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
        (["forecast", *HOT, "--horizon", "-5"], "`--horizon` must be a positive"),
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
    # rows counted as a spreadsheet shows them (header = row 1), as `demand import` does
    assert "row 5" in res.output.lower() and "`arrivals`" in res.output
    assert "plausible range 0" in res.output
    zh = run("forecast", "--file", str(p), "--horizon", "4", lang="zh")
    assert "第 5 行" in zh.output


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


# ------------------------------------------------------------------ a company that is not the demo

EX = Path(__file__).resolve().parents[2] / "examples"
CC = ["--site", "cc01", "--queue", "hotline"]


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example company of docs/getting-started.md: workspace, sites, survey, ACD demand."""
    tmp = tmp_path_factory.mktemp("capco")
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    steps = [
        ["workspace", "create", "pengcheng", "--name-zh", "鹏城快递", "--name-en",
         "Pengcheng Express", "--timezone", "Asia/Shanghai", "--lang", "zh"],
        ["workspace", "set", "cost.agent_per_hour", "48"],
        ["site", "import", str(EX / "sites.csv")],
        ["survey", "load", str(EX / "survey.yaml")],
        ["import", str(EX / "responses_wjx.csv"), "--survey", "pc_survey", "--mapping",
         str(EX / "responses_mapping.yaml")],
        ["demand", "import", str(EX / "acd_export.csv"), "--mapping", str(EX / "acd_mapping.yaml")],
    ]  # fmt: skip
    mp = pytest.MonkeyPatch()
    mp.setenv("SERVGAP_HOME", str(tmp / "home"))
    for var in ("SERVGAP_DATABASE_URL", "SERVGAP_WORKSPACE", "SERVGAP_LANG"):
        mp.delenv(var, raising=False)
    for args in steps:
        res = CliRunner().invoke(main, ["--database-url", url, *args])
        assert res.exit_code == 0, (args, res.output)
    yield url
    mp.undo()


@pytest.fixture
def co(company: str):  # type: ignore[no-untyped-def]
    def invoke(*args: str, lang: str | None = "en"):  # type: ignore[no-untyped-def]
        head = ["--lang", lang] if lang else []
        return CliRunner().invoke(main, [*head, "--database-url", company, "capacity", *args])

    return invoke


def _acd() -> pd.DataFrame:
    """The ACD export read with pandas and renamed by its mapping, by hand."""
    mapping = yaml.safe_load((EX / "acd_mapping.yaml").read_text(encoding="utf-8"))
    return pd.read_csv(EX / "acd_export.csv", encoding="utf-8-sig").rename(
        columns=mapping["columns"]
    )


def test_staff_on_imported_demand_matches_an_independent_computation(co) -> None:  # type: ignore[no-untyped-def]
    """Issue 10 item 3: capacity commands on any workspace's demand from `demand import`."""
    res = co("staff", *CC, "--last-days", "1", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    acd = _acd()
    aht = (acd["handled"] * acd["aht_s"]).sum() / acd["handled"].sum()
    patience = acd["total_wait_s"].sum() / acd["abandoned"].sum()
    p = data["parameters"]
    assert p["aht_s"] == pytest.approx(aht, rel=1e-12)
    assert p["patience_s"] == pytest.approx(patience, rel=1e-12)
    assert data["model"] == "erlang_a" and len(data["table"]) == 28  # open 08:00-22:00
    # the same file read with --file and its mapping gives the same queue parameters
    res = co("staff", "--file", str(EX / "acd_export.csv"), "--mapping",
             str(EX / "acd_mapping.yaml"), "--last-days", "1", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["parameters"] == p


def test_staff_header_says_a_given_aht_is_given(co) -> None:  # type: ignore[no-untyped-def]
    """The header printed "AHT … (from N handled contacts)" even with --aht."""
    res = co("staff", *CC, "--last-days", "1", "--aht", "200", "--model", "erlang_c")
    assert res.exit_code == 0, res.output
    assert "AHT 200.0 s (given)" in res.output and "handled contacts" not in res.output
    assert "definition `erlang_c`" in res.output and "model erlang_c" in res.output


def test_forecast_marks_holidays_and_closed_hours(co) -> None:  # type: ignore[no-untyped-def]
    res = co("forecast", *CC, "--horizon", "336", "--models", "seasonal_naive", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    table = pd.DataFrame(data["table"])
    start = pd.to_datetime(table["interval_start"].str[:16])
    # Mid-Autumn Festival, Friday 25 September 2026 (State Council notice); Sunday 20
    # September is a make-up working day
    assert (table.loc[start.dt.day == 25, "day_type"] == "holiday").all()
    assert set(table.loc[start.dt.day == 20, "day_type"]) == {"makeup_workday"}
    # the centre is open 08:00-22:00 in the ACD export: nights are closed, forecast 0
    night = (start.dt.hour < 8) | (start.dt.hour >= 22)
    assert table.loc[night, "closed"].all() and not table.loc[~night, "closed"].any()
    assert (table.loc[night, ["forecast", "adjusted", "hi_80"]] == 0).all().all()
    notes = data["notes"]
    assert any("do not know holidays" in n["en"] and "节假日" in n["zh"] for n in notes)
    assert any("backtest window" in n["en"] for n in notes)  # two weeks hold one window
    zh = co("forecast", *CC, "--horizon", "336", "--models", "seasonal_naive", lang=None)
    assert zh.exit_code == 0, zh.output  # the workspace's language: zh
    assert "统计模型不了解节假日" in zh.output and "do not know holidays" not in zh.output


def test_plan_uses_the_workspace_survey_item_and_costs(co) -> None:  # type: ignore[no-untyped-def]
    """`--survey` defaulted to the demo's `example_express_q`; now the workspace's only survey,
    its waiting-time item and the workspace's cost settings."""
    res = co("plan", *CC, "--last-days", "1", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert (data["survey"], data["item"], data["unit"]) == ("pc_survey", "wait", "minutes")
    assert data["agent_cost_per_hour"] == 48.0  # workspace set cost.agent_per_hour 48
    mapping = yaml.safe_load((EX / "responses_mapping.yaml").read_text(encoding="utf-8"))
    answers = pd.read_csv(EX / "responses_wjx.csv", encoding="gbk").rename(
        columns=mapping["columns"]
    )
    a, d = answers["wait_adequate"].to_numpy(float), answers["wait_desired"].to_numpy(float)
    ok = ~np.isnan(a) & ~np.isnan(d) & (d <= a)
    k = int(np.floor(0.2 * ok.sum())) + 1  # k-th smallest consistent adequate wait
    assert data["target"]["adequate_target"] == np.sort(a[ok])[k - 1]
    res = co("plan", *CC, "--last-days", "1", "--agent-cost-per-hour", "50", "--json")
    assert json.loads(res.output)["agent_cost_per_hour"] == 50.0


def test_balance_honours_sl_definition_on_the_command_line(co) -> None:  # type: ignore[no-untyped-def]
    res = co("balance", *CC, "--last-days", "1", "--sl-definition", "answered", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["sl_definition"] == "answered" and data["capacity_source"] == "recorded"
    res = co("balance", *CC, "--last-days", "1", "--sl-definition", "answered")
    assert "definition `answered`" in res.output.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["staff", "--site", "cc01", "--queue", "vip"], 1, ["`vip`", "no demand data yet"]),
        (["plan", *CC, "--item", "nope"], 1, ["`nope`", "`--item`"]),
        (["staff", *CC, "--patience", "none", "--model", "erlang_a"], 2,
         ["`--model`", "`--patience`"]),
        (["staff", *CC, "--until", "01/02/2026"], 1, ["`--until`", "ambiguous"]),
        (["balance", *CC, "--capacity", "a.csv", "--roster", "b.csv"], 2,
         ["`--capacity`", "`--roster`"]),
        (["simulate", *CC, "--calls", "10"], 2, ["`--calls`", "`--agents`", "`--day`"]),
        (["staff", *CC, "--tz", "Mars/Olympus"], 2, ["`--tz`"]),
    ],
)  # fmt: skip
def test_errors_name_the_options(co, args: list[str], code: int, needles: list[str]) -> None:  # type: ignore[no-untyped-def]
    res = co(*args)
    assert res.exit_code == code, res.output
    for needle in needles:
        assert needle in res.output, (needle, res.output)
    assert "Traceback" not in res.output and "Internal error" not in res.output
