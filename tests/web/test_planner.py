"""The capacity planner page (issue 12 item 4): each role, the JSON twin equal to the
command line's ``servgap capacity … --json``, expert adjustments with author and reason that
change the forecast and the staffing, bad input shown at its field, the downloads and an
uploaded roster."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from tests.web.conftest import Web

from servgap.cli import main
from servgap.services.demand import import_demand
from servgap.store.models import ForecastAdjustment

PLANNER = "/w/acme/planner"
# one day of half hours, the fastest model: the figures, not the models, are under test
FAST = "site=sh01&models=seasonal_naive&horizon=48"


def _demand_csv(path: Path) -> Path:
    """Three weeks of half-hour counter demand at sh01 with the staff on duty recorded."""
    rng = np.random.default_rng(11)
    starts = pd.date_range("2026-06-01 08:00", periods=21 * 48, freq="30min")
    hour = starts.hour + starts.minute / 60
    rate = np.where((hour >= 8) & (hour < 20), 20 + 15 * np.sin((hour - 8) / 12 * np.pi), 2)
    arrivals = rng.poisson(rate)
    abandoned = rng.binomial(arrivals, 0.05)
    frame = pd.DataFrame({
        "site": "sh01", "queue": "counter", "interval_start": starts.strftime("%Y-%m-%d %H:%M"),
        "arrivals": arrivals, "handled": arrivals - abandoned, "abandoned": abandoned,
        "aht_s": np.round(rng.normal(240, 20, len(starts)), 1),
        "total_wait_s": np.round(abandoned * 60 + arrivals * 10.0, 1),
        "agents": np.ceil(rate * 240 / 1800),
    })  # fmt: skip
    frame.to_csv(path, index=False)
    return path


def _responses(web: Web, n: int = 30) -> None:
    """``n`` answers to the survey's waiting-time item (adequate 10–29 min)."""
    rng = np.random.default_rng(7)
    h = web.auth("analyst@acme")
    for i in range(n):
        w = int(rng.integers(10, 30))
        row = {"response_id": f"r{i}", "site": "sh01", "submitted_at": "2026-06-15 10:30",
               "wait_adequate": w, "wait_desired": w - int(rng.integers(0, 8)),
               "wait_perceived": int(rng.integers(0, 40)), "nps": int(rng.integers(0, 11))}  # fmt: skip
        r = web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", json=row, headers=h)
        assert r.status_code == 201, r.text


@pytest.fixture
def queue(web: Web, tmp_path: Path) -> Web:
    import_demand(web.store, _demand_csv(tmp_path / "demand.csv"), workspace="acme")
    _responses(web)
    return web


def _cli(web: Web, args: list[str]) -> Any:
    url = web.store.settings.resolved_database_url()
    res = CliRunner().invoke(main, ["--database-url", url, "-w", "acme", *args, "--json"],
                             env={"SERVGAP_HOME": str(web.store.settings.home)})  # fmt: skip
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _json(web: Web, query: str = FAST, who: str = "analyst@acme") -> dict[str, Any]:
    r = web.client.get(f"{PLANNER}.json?{query}", headers=web.auth(who))
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _adjust(web: Web, query: str = FAST, **form: str) -> Any:
    return web.client.post(f"{PLANNER}/adjustments?{query}", data=form,
                           headers=web.auth("analyst@acme"), follow_redirects=False)  # fmt: skip


def _stored(web: Web) -> int:
    with web.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(ForecastAdjustment)) or 0)


# ------------------------------------------------------------------------------ roles


@pytest.mark.parametrize("who", ["admin@acme", "analyst@acme"])
def test_page_and_json_for_admin_and_analyst(queue: Web, who: str) -> None:
    r = queue.client.get(f"{PLANNER}?{FAST}&lang=en", headers=queue.auth(who))
    assert r.status_code == 200, r.text
    html = r.text
    assert "Capacity planner" in html and "sh01 / counter" in html
    for chart in ("pl-forecast", "pl-agents", "pl-cost"):
        assert f'id="{chart}"' in html
    assert "/w/acme/planner/data/forecast?" in html  # the chart's downloads
    data = _json(queue, who=who)
    assert data["query"]["site"] == "sh01" and data["query"]["horizon"] == 48
    assert data["forecast"]["best_model"] == "seasonal_naive"
    assert {"mase", "smape"} <= set(data["forecast"]["backtest"][0])
    # the same figures when asked with Accept: application/json at the page's own URL
    r = queue.client.get(f"{PLANNER}?{FAST}",
                         headers={**queue.auth(who), "Accept": "application/json"})  # fmt: skip
    assert r.json()["staff"] == data["staff"]


@pytest.mark.parametrize("who", ["agent@acme", "auditor@acme"])
@pytest.mark.parametrize("path", [PLANNER, f"{PLANNER}.json", f"{PLANNER}/data/forecast"])
def test_agents_and_auditors_may_not_plan(queue: Web, who: str, path: str) -> None:
    assert queue.client.get(f"{path}?{FAST}", headers=queue.auth(who)).status_code == 403
    r = queue.client.post(f"{PLANNER}/adjustments?{FAST}", headers=queue.auth(who),
                          data={"start": "2026-06-22", "end": "2026-06-22", "kind": "factor",
                                "value": "2", "reason": "x"})  # fmt: skip
    assert r.status_code == 403
    assert _stored(queue) == 0


@pytest.mark.parametrize("path", [PLANNER, f"{PLANNER}.json", f"{PLANNER}/data/forecast"])
def test_a_user_of_another_workspace_gets_404(queue: Web, path: str) -> None:
    assert queue.client.get(path, headers=queue.auth("admin@beta")).status_code == 404


def test_a_workspace_without_demand_says_so(web: Web) -> None:
    r = web.client.get("/w/beta/planner?lang=en", headers=web.auth("admin@beta"))
    assert r.status_code == 200
    assert "no interval demand yet" in r.text
    r = web.client.get("/w/beta/planner.json", headers=web.auth("admin@beta"))
    assert r.status_code == 422 and r.json()["ok"] is False


# ------------------------------------------------------------------------ CLI parity


@pytest.mark.parametrize("target", ["adequate", "sl"])
def test_page_figures_equal_the_cli(queue: Web, target: str) -> None:
    assert _adjust(queue, start="2026-06-22T10:00", end="2026-06-22T14:00", kind="factor",
                   value="1.5", reason="Promotion: 50% off").status_code == 303  # fmt: skip
    query = f"{FAST}&target={target}&target_sl=0.9&target_wait=30&model=erlang_a"
    data = _json(queue, query)
    cli = data["cli"]
    assert "--adjust" in cli["forecast"]
    if target == "adequate":
        assert data["query"]["target"] == "adequate" and data["plan"] is not None
        assert data["query"]["target_wait_s"] == data["plan"]["adequate_wait_s"]
        assert data["plan"] == _cli(queue, cli["plan"])
    else:
        assert data["plan"] is None and "plan" not in cli
        assert (data["query"]["target_sl"], data["query"]["target_wait_s"]) == (0.9, 30.0)
    for part in ("forecast", "staff", "balance"):
        assert data[part] == _cli(queue, cli[part]), part
    # and the command line is the one a person would type: the site, the horizon, the model
    assert cli["staff"][:6] == ["capacity", "staff", "--site", "sh01", "--queue", "counter"]
    assert cli["staff"][cli["staff"].index("--model") + 1] == "erlang_a"


def test_the_staffing_model_is_a_choice(queue: Web) -> None:
    a = _json(queue, f"{FAST}&target=sl&model=erlang_a")
    c = _json(queue, f"{FAST}&target=sl&model=erlang_c")
    assert (a["staff"]["model"], c["staff"]["model"]) == ("erlang_a", "erlang_c")
    assert a["staff"]["agent_hours"] != c["staff"]["agent_hours"]
    assert c["staff"] == _cli(queue, c["cli"]["staff"])


# ------------------------------------------------------------------------ adjustments


def test_an_adjustment_is_saved_with_author_and_reason_and_changes_the_plan(queue: Web) -> None:
    before = _json(queue, f"{FAST}&target=sl")
    r = _adjust(queue, f"{FAST}&target=sl", start="2026-06-22T08:00", end="2026-06-22",
                kind="factor", value="2", reason="双11 促销：来电翻倍")  # fmt: skip
    assert r.status_code == 303 and "saved=1" in r.headers["location"]
    after = _json(queue, f"{FAST}&target=sl")
    [adj] = after["adjustments"]
    assert adj["author"] == "analyst@acme.test" and adj["reason"] == "双11 促销：来电翻倍"
    assert adj["factor"] == 2.0 and adj["add"] is None
    # a date as the end includes the whole day
    assert adj["end"].startswith("2026-06-23T00:00")
    fc0, fc1 = before["forecast"], after["forecast"]
    assert fc1["total_forecast"] == fc0["total_forecast"]
    touched = [r for r in fc1["table"] if r["adjustment"] != 0]
    assert touched and all(r["adjusted"] == pytest.approx(2 * r["forecast"]) for r in touched)
    assert fc1["total_adjusted"] > fc0["total_adjusted"]
    assert after["staff"]["agent_hours"] > before["staff"]["agent_hours"]
    assert after["staff"]["peak_agents"] > before["staff"]["peak_agents"]
    html = queue.client.get(f"{PLANNER}?{FAST}&lang=zh", headers=queue.auth("admin@acme")).text
    assert "双11 促销：来电翻倍" in html and "analyst@acme.test" in html and "× 2" in html
    # removed again: back to the statistical plan
    r = queue.client.post(f"{PLANNER}/adjustments/{adj['id']}/delete?{FAST}",
                          headers=queue.auth("analyst@acme"), follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert _json(queue, f"{FAST}&target=sl")["staff"] == before["staff"]


def test_adding_contacts_per_interval(queue: Web) -> None:
    before = _json(queue, f"{FAST}&target=sl")["forecast"]
    assert _adjust(queue, start="2026-06-22T12:00", end="2026-06-22T13:00", kind="add",
                   value="+10", reason="Parcel drop-off day").status_code == 303  # fmt: skip
    after = _json(queue, f"{FAST}&target=sl")["forecast"]
    assert after["total_adjusted"] == pytest.approx(before["total_adjusted"] + 2 * 10)


@pytest.mark.parametrize(
    "form,field,text",
    [
        ({"kind": "add", "value": "-1000"}, "value", "below 0"),
        ({"kind": "factor", "value": "-2"}, "value", "between 0 and 10"),
        ({"kind": "factor", "value": "many"}, "value", "not a number"),
        ({"reason": "  "}, "reason", "say why"),
        ({"end": "2026-06-22T07:00"}, "end", "is not after"),
        ({"start": "next monday"}, "start", "not a date"),
        ({"start": "2027-01-01", "end": "2027-01-02"}, "start", "touches no interval"),
        ({"kind": "multiply"}, "kind", "must be factor"),
    ],
)  # fmt: skip
def test_a_bad_adjustment_is_refused_at_its_field(
    queue: Web, form: dict[str, str], field: str, text: str
) -> None:
    good = {"start": "2026-06-22T08:00", "end": "2026-06-22T20:00", "kind": "factor",
            "value": "1.2", "reason": "test"}  # fmt: skip
    r = _adjust(queue, f"{FAST}&lang=en", **{**good, **form})
    assert r.status_code == 422
    assert f'id="err-{field}"' in r.text and text in r.text
    assert "Traceback" not in r.text
    # what was typed is kept in the form
    assert f'value="{form.get("reason", "test").strip()}"' in r.text or field == "reason"
    assert _stored(queue) == 0
    # the API-style client gets the error with the field
    r = queue.client.post(f"{PLANNER}/adjustments?{FAST}", data={**good, **form},
                          headers={**queue.auth("analyst@acme"), "Accept": "application/json"})  # fmt: skip
    assert r.status_code == 422 and r.json()["fields"][0] == f"/{field}"


@pytest.mark.parametrize(
    "query,field",
    [
        ("site=nowhere", "site"),
        ("site=sh01&queue=vip", "queue"),
        ("site=sh01&target_sl=1.5&target=sl", "target_sl"),
        ("site=sh01&coverage=0", "coverage"),
        ("site=sh01&target=soon", "target"),
        ("site=sh01&model=erlang_z", "model"),
        ("site=sh01&week=someday", "week"),
        ("site=sh01&week=2020-W01", "week"),
        ("site=sh01&horizon=0", "horizon"),
        ("site=sh01&models=prophet", "models"),
    ],
)
def test_bad_filters_are_shown_at_their_field(queue: Web, query: str, field: str) -> None:
    r = queue.client.get(f"{PLANNER}?{query}&lang=en", headers=queue.auth("analyst@acme"))
    assert r.status_code == 422
    assert 'class="alert"' in r.text and "Traceback" not in r.text
    if field in ("site", "queue", "target", "model", "week", "target_sl", "coverage", "models"):
        assert f'id="err-{field}"' in r.text
    r = queue.client.get(f"{PLANNER}.json?{query}", headers=queue.auth("analyst@acme"))
    assert r.status_code == 422 and r.json()["fields"] == [f"/{field}"]


def test_a_past_week_is_planned_from_the_history_before_it(queue: Web) -> None:
    data = _json(queue, "site=sh01&models=seasonal_naive&week=2026-W25&target=sl")
    assert data["query"]["until"] == "2026-06-15" and data["query"]["horizon"] == 336
    first = data["forecast"]["table"][0]["interval_start"]
    assert first.startswith("2026-06-15T00:00")
    actual = [r for r in data["history"] if r["period"] == "actual"]
    assert len(actual) == 336  # the actual arrivals of that week, to compare
    assert data["staff"] == _cli(queue, data["cli"]["staff"])


# ------------------------------------------------------------------------ downloads


@pytest.mark.parametrize("table", ["forecast", "backtest", "staffing", "balance", "comparison",
                                   "cost_curve", "recommendations", "history", "adjustments"])  # fmt: skip
def test_every_table_downloads_as_csv_and_xlsx(queue: Web, table: str) -> None:
    h = queue.auth("analyst@acme")
    assert _adjust(queue, start="2026-06-22T08:00", end="2026-06-22T20:00", kind="factor",
                   value="1.2", reason="=HYPERLINK(\"x\")").status_code == 303  # fmt: skip
    r = queue.client.get(f"{PLANNER}/data/{table}?{FAST}&format=csv", headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert f"planner_sh01_counter_{table}.csv" in r.headers["content-disposition"]
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert len(frame) > 0
    x = queue.client.get(f"{PLANNER}/data/{table}?{FAST}&format=xlsx", headers=h)
    assert x.status_code == 200
    assert pd.read_excel(io.BytesIO(x.content)).shape == frame.shape
    data = _json(queue)
    if table == "forecast":
        assert len(frame) == 48
        assert frame["adjusted"].sum() == pytest.approx(data["forecast"]["total_adjusted"])
        assert str(frame["interval_start"].iloc[0]) == "2026-06-22 08:00"
    if table == "balance":
        assert frame["required_agents"].tolist() == [
            r["required_agents"] for r in data["balance"]["table"]
        ]
    if table == "adjustments":
        assert not str(frame["reason"].iloc[0]).startswith("=")  # formulas made inert


def test_an_unknown_table_or_format_is_an_error(queue: Web) -> None:
    h = queue.auth("analyst@acme")
    assert queue.client.get(f"{PLANNER}/data/secrets?{FAST}", headers=h).status_code == 422
    r = queue.client.get(f"{PLANNER}/data/forecast?{FAST}&format=pdf", headers=h)
    assert r.status_code == 422


# ------------------------------------------------------------------------ roster


def _upload(web: Web, query: str, name: str, body: bytes, **headers: str) -> Any:
    return web.client.post(f"{PLANNER}/roster?{query}", files={"roster": (name, body, "text/csv")},
                           headers={**web.auth("analyst@acme"), **headers},
                           follow_redirects=False)  # fmt: skip


def test_balance_against_an_uploaded_roster(queue: Web, tmp_path: Path) -> None:
    roster = (b"start,end,count\n2026-06-22 08:00,2026-06-22 14:00,3\n"
              b"2026-06-22 12:00,2026-06-22 20:00,2\n")  # fmt: skip
    query = f"{FAST}&target=sl"
    before = _json(queue, query)
    assert before["balance"]["capacity_source"] == "recorded" and before["roster"] is None
    r = _upload(queue, query, "roster.csv", roster)
    assert r.status_code == 303 and "roster=1" in r.headers["location"]
    data = _json(queue, query)
    assert data["balance"]["capacity_source"] == "roster"
    assert data["roster"]["uploaded_by"] == "analyst@acme.test"
    planned = {
        row["interval_start"][11:16]: row["planned_agents"] for row in data["balance"]["table"]
    }
    assert planned["09:00"] == 3 and planned["13:00"] == 5 and planned["15:00"] == 2
    assert planned["21:00"] == 0  # nobody rostered
    # the roster's download, given to the command line, gives the same balance
    dl = queue.client.get(f"{PLANNER}/data/roster?{query}&format=csv",
                          headers=queue.auth("analyst@acme"))  # fmt: skip
    assert dl.status_code == 200
    path = tmp_path / "roster.csv"
    path.write_bytes(dl.content)
    args = data["cli"]["balance"]
    args[args.index("--roster") + 1] = str(path)
    assert data["balance"] == _cli(queue, args)
    # the page says who uploaded it; a bad file is refused at the field, the roster kept
    html = queue.client.get(f"{PLANNER}?{query}&lang=en&roster=1", headers=queue.auth("admin@acme"))
    assert "Roster uploaded" in html.text and "uploaded by analyst@acme.test" in html.text
    bad = _upload(queue, f"{query}&lang=en", "roster.csv", b"start,end\nx,y\n")
    assert bad.status_code == 422 and 'id="err-roster"' in bad.text
    assert "count" in bad.text  # the missing column is named
    reversed_ = _upload(queue, f"{query}&lang=en", "roster.csv",
                        b"start,end,count\n2026-06-22 14:00,2026-06-22 08:00,3\n")  # fmt: skip
    assert reversed_.status_code == 422 and "end before they start" in reversed_.text
    exe = _upload(queue, query, "roster.exe", b"MZ")
    assert exe.status_code == 422
    assert _json(queue, query)["balance"] == data["balance"]
    # removed: back to the staff recorded with the demand
    r = queue.client.post(f"{PLANNER}/roster/delete?{query}", headers=queue.auth("analyst@acme"),
                          follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert _json(queue, query)["balance"] == before["balance"]
