"""The API routes of analyses (every analysis of `servgap analyze`), complaint cases and
capacity give the figures of the command line's `--json`; bulk import of a file streams the
upload to disk and imports it in one transaction with every bad cell listed."""

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
from tests.web.conftest import Web, seed, web_settings

from servgap.cli import main
from servgap.store.models import Response

ANALYSIS = "/api/v1/workspaces/acme/analysis"
IMPORTS = "/api/v1/workspaces/acme/surveys/svc/imports"


def _cli(web: Web, *args: str) -> Any:
    url = web.store.settings.resolved_database_url()
    home = str(web.store.settings.home)
    res = CliRunner().invoke(main, ["--database-url", url, "-w", "acme", *args, "--json"],
                             env={"SERVGAP_HOME": home})  # fmt: skip
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _seed_responses(web: Web, n: int = 40) -> None:
    """``n`` responses over two sites, two quarters and every analysed question type."""
    rng = np.random.default_rng(7)
    h = web.auth("analyst@acme")
    for i in range(n):
        row: dict[str, object] = {"response_id": f"r{i}", "site": ["sh01", "bj01"][i % 2],
                                  "submitted_at": ["2026-04-15 10:30", "2026-07-15 10:30"][i % 3 == 0]}  # fmt: skip
        for item in ("rel1", "rel2", "ass1"):
            a = int(rng.integers(2, 6))
            row |= {f"{item}_adequate": a, f"{item}_desired": a + int(rng.integers(0, 3)),
                    f"{item}_perceived": int(rng.integers(1, 10))}  # fmt: skip
        w = int(rng.integers(10, 30))
        row |= {"wait_adequate": w, "wait_desired": w - int(rng.integers(0, 8)),
                "wait_perceived": int(rng.integers(0, 40))}  # fmt: skip
        row |= {"nps": int(rng.integers(0, 11)), "csat": int(rng.integers(1, 6)),
                "f_locker_functional": int(rng.integers(1, 6)),
                "f_locker_dysfunctional": int(rng.integers(1, 6)),
                "age_group": ["18-34", "35-54", "55+"][i % 3]}  # fmt: skip
        r = web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", json=row, headers=h)
        assert r.status_code == 201, r.text


def _count(web: Web) -> int:
    with web.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Response)) or 0)


# ---------------------------------------------------------------- analyses


@pytest.mark.parametrize(
    "query,cli",
    [
        ("tolerance?survey=svc&by=site", ["analyze", "tolerance", "--survey", "svc", "--by", "site"]),
        ("kano?survey=svc", ["analyze", "kano", "--survey", "svc"]),
        ("csat?survey=svc", ["analyze", "nps", "--survey", "svc", "--csat"]),
        ("anova?survey=svc&value=msa:reliability&group=site",
         ["analyze", "anova", "--survey", "svc", "--value", "msa:reliability", "--group", "site"]),
        ("trend?survey=svc&value=msa:reliability",
         ["analyze", "trend", "--survey", "svc", "--value", "msa:reliability"]),
        ("servqual?survey=svc&by=age_group&period=2026Q3",
         None),
        ("drivers?survey=svc&target=nps",
         ["analyze", "drivers", "--survey", "svc", "--target", "nps"]),
        ("drivers?survey=svc&target=nps&ipa=true",
         ["analyze", "drivers", "--survey", "svc", "--target", "nps", "--ipa"]),
    ],
)  # fmt: skip
def test_each_analysis_gives_the_figures_of_the_cli(
    web: Web, query: str, cli: list[str] | None
) -> None:
    _seed_responses(web, 60)
    r = web.client.get(f"{ANALYSIS}/{query}", headers=web.auth("analyst@acme"))
    assert r.status_code == 200, r.text
    if cli is None:  # a period: the CLI has no --period; the same figures on that period's rows
        assert r.json()["result"]["by"] == ["age_group"]
        assert {x["n"] for x in r.json()["result"]["dimensions"]} <= set(range(1, 21))
        return
    expected = _cli(web, *cli)
    got = r.json()["result"]
    assert (got["rows"] if isinstance(expected, list) else got) == expected


CSI_SURVEY: dict[str, Any] = {
    "code": "csi", "title": {"zh": "满意度指数", "en": "Satisfaction index"},
    "scale": {"min": 1, "max": 10},
    "questions": [{"code": f"{p}{i}", "type": "likert", "text": {"zh": f"{p}{i}", "en": f"{p}{i}"}}
                  for p in ("img", "exp", "qua", "val", "sat", "loy") for i in (1, 2, 3)],
}  # fmt: skip


def test_csi_gives_the_figures_of_the_cli(web: Web) -> None:
    h = web.auth("analyst@acme")
    assert web.client.post("/api/v1/workspaces/acme/surveys", json=CSI_SURVEY,
                           headers=h).status_code == 201  # fmt: skip
    rng = np.random.default_rng(3)
    for i in range(80):
        base = rng.normal(6.5, 1.5)
        row: dict[str, Any] = {"response_id": f"c{i}"}
        for q in CSI_SURVEY["questions"]:
            row[q["code"]] = int(np.clip(round(base + rng.normal(0, 1)), 1, 10))
        assert web.client.post("/api/v1/workspaces/acme/surveys/csi/responses", json=row,
                               headers=h).status_code == 201  # fmt: skip
    r = web.client.get(f"{ANALYSIS}/csi?survey=csi&model=ccsi", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["result"] == _cli(web, "analyze", "csi", "--survey", "csi")


def test_analysis_options_are_checked(web: Web) -> None:
    _seed_responses(web, 10)
    h = web.auth("analyst@acme")
    r = web.client.get(f"{ANALYSIS}/anova?survey=svc&value=msa:reliability", headers=h)
    assert r.status_code == 422 and r.json()["fields"] == ["/group"]
    r = web.client.get(f"{ANALYSIS}/anova?survey=svc&value=msa:nothing&group=site", headers=h)
    assert r.status_code == 422
    r = web.client.get(f"{ANALYSIS}/csi?survey=svc", headers=h)  # no items named for CSI
    assert r.status_code == 422 and r.json()["code"] == "invalid_spec"
    r = web.client.get(f"{ANALYSIS}/csi?survey=svc&bootstrap=100000", headers=h)
    assert r.status_code == 422
    r = web.client.get(f"{ANALYSIS}/wat?survey=svc", headers=h)
    assert r.status_code == 422
    assert (
        web.client.get(f"{ANALYSIS}/kano?survey=svc", headers=web.auth("agent@acme")).status_code
        == 403
    )
    assert (
        web.client.get(f"{ANALYSIS}/kano?survey=svc", headers=web.auth("admin@beta")).status_code
        == 404
    )


# ---------------------------------------------------------------- cases


def test_cases_open_list_move_act_and_show(web: Web) -> None:
    agent = web.auth("agent@acme")
    url = "/api/v1/workspaces/acme/cases"
    body = {"summary": "包裹晚到了两天", "category": "delay", "priority": "high",
            "customer": "C001", "site": "sh01", "idempotency_key": "wechat-17"}  # fmt: skip
    r = web.client.post(url, json=body, headers=agent)
    assert r.status_code == 201 and r.json()["created"] is True
    code = r.json()["case"]
    again = web.client.post(url, json=body, headers=agent)
    assert again.json()["created"] is False and again.json()["case"] == code
    listed = web.client.get(url, headers=web.auth("analyst@acme")).json()["cases"]
    assert [c["case"] for c in listed] == [code] and listed[0]["site"] == "sh01"
    assert listed == _cli(web, "case", "list")
    moved = web.client.post(f"{url}/{code}/move", json={"to": "investigating"}, headers=agent)
    assert moved.status_code == 200 and moved.json()["state"] == "investigating"
    bad = web.client.post(f"{url}/{code}/move", json={"to": "new"}, headers=agent)
    assert bad.status_code == 409
    act = web.client.post(f"{url}/{code}/actions", json={"action": "refund", "amount_cny": 20},
                          headers=agent)  # fmt: skip
    assert act.status_code == 201 and act.json()["amount_cny"] == 20
    shown = web.client.get(f"{url}/{code}", headers=agent).json()
    assert shown["compensation_cny"] == 20 and shown["history_consistent"] is True
    assert [e["actor"] for e in shown["events"]][-1] == "agent@acme.test"
    assert web.client.get(f"{url}?state=investigating", headers=agent).json()["cases"]
    assert web.client.get(f"{url}?state=closed", headers=agent).json()["cases"] == []
    assert web.client.get(f"{url}?state=nope", headers=agent).status_code == 422
    assert web.client.get(f"{url}/NOPE-1", headers=agent).status_code == 404
    # who may do what
    assert web.client.post(url, json=body, headers=web.auth("analyst@acme")).status_code == 403
    assert web.client.get(url, headers=web.auth("auditor@acme")).status_code == 403
    assert web.client.get(f"/api/v1/workspaces/acme/cases/{code}",
                          headers=web.auth("admin@beta")).status_code == 404  # fmt: skip


# ---------------------------------------------------------------- capacity


def _demand_csv(path: Path) -> Path:
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
    })  # fmt: skip
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def queue(web: Web, tmp_path: Path) -> Web:
    from servgap.services.demand import import_demand

    import_demand(web.store, _demand_csv(tmp_path / "demand.csv"), workspace="acme")
    _seed_responses(web, 30)
    return web


@pytest.mark.parametrize(
    "query,cli",
    [
        ("forecast?site=sh01&horizon=48&models=seasonal_naive&windows=1",
         ["forecast", "--site", "sh01", "--horizon", "48", "--models", "seasonal_naive",
          "--windows", "1"]),
        ("staff?site=sh01&target_sl=0.9&target_wait=30&last_days=2",
         ["staff", "--site", "sh01", "--target-sl", "0.9", "--target-wait", "30",
          "--last-days", "2"]),
        ("plan?site=sh01&survey=svc&item=wait&last_days=2",
         ["plan", "--site", "sh01", "--survey", "svc", "--item", "wait", "--last-days", "2"]),
    ],
)  # fmt: skip
def test_capacity_gives_the_figures_of_the_cli(queue: Web, query: str, cli: list[str]) -> None:
    r = queue.client.get(f"/api/v1/workspaces/acme/capacity/{query}",
                         headers=queue.auth("analyst@acme"))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["result"] == _cli(queue, "capacity", *cli)


def test_capacity_errors(queue: Web) -> None:
    h = queue.auth("analyst@acme")
    base = "/api/v1/workspaces/acme/capacity"
    assert queue.client.get(f"{base}/staff", headers=h).status_code == 422  # no site
    assert queue.client.get(f"{base}/staff?site=bj01", headers=h).status_code in (404, 422)
    assert queue.client.get(f"{base}/staff?site=sh01&patience=soon", headers=h).status_code == 422
    assert queue.client.get(f"{base}/forecast?site=sh01&horizon=0", headers=h).status_code == 422
    assert (
        queue.client.get(f"{base}/staff?site=sh01", headers=queue.auth("agent@acme")).status_code
        == 403
    )


# ---------------------------------------------------------------- bulk import


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


GOOD_ROWS = [{"response_id": f"f{i}", "submitted_at": "2026-07-15 10:30", "site": "sh01",
              "rel1_adequate": 4, "rel1_desired": 7, "rel1_perceived": 5, "nps": i % 11}
             for i in range(25)]  # fmt: skip


def test_a_file_is_imported_in_one_transaction(web: Web) -> None:
    h = web.auth("analyst@acme")
    r = web.client.post(IMPORTS, files={"file": ("wave 3.csv", _csv(GOOD_ROWS), "text/csv")},
                        headers=h)  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["inserted"] == 25 and body["file"] == "wave_3.csv" and body["rows_read"] == 25
    assert _count(web) == 25
    # the same file again: every id is a duplicate; with on_duplicate=skip nothing more
    r = web.client.post(IMPORTS, files={"file": ("wave3.csv", _csv(GOOD_ROWS))}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_rows"
    r = web.client.post(IMPORTS + "?on_duplicate=skip",
                        files={"file": ("wave3.csv", _csv(GOOD_ROWS))}, headers=h)  # fmt: skip
    assert r.status_code == 201 and r.json()["skipped"] == 25
    # a raw body with its type
    rows = [{**x, "response_id": f"g{i}"} for i, x in enumerate(GOOD_ROWS[:3])]
    r = web.client.post(IMPORTS + "?filename=more.csv", content=_csv(rows),
                        headers={**h, "Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 201 and r.json()["inserted"] == 3
    assert _count(web) == 28


def test_every_bad_cell_is_listed_and_nothing_is_imported(web: Web) -> None:
    rows = [dict(x) for x in GOOD_ROWS]
    rows[3]["nps"] = 12
    rows[7]["site"] = "nowhere"
    rows[9]["submitted_at"] = "soon"
    r = web.client.post(IMPORTS + "?lang=en", files={"file": ("bad.csv", _csv(rows))},
                        headers=web.auth("analyst@acme"))  # fmt: skip
    body = r.json()
    assert r.status_code == 422 and body["ok"] is False and body["code"] == "invalid_rows"
    where = {(e["row"], e["column"]) for e in body["errors"]}
    assert where == {
        (5, "nps"),
        (9, "site"),
        (11, "submitted_at"),
    }  # rows as a spreadsheet numbers them
    assert all(e["file"] == "bad.csv" and e["error"] for e in body["errors"])
    assert "3 problem(s)" in body["error"]
    assert _count(web) == 0


def test_uploads_have_their_own_larger_limit(store: Any, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from servgap.web.app import create_app

    tokens = seed(store)
    settings = web_settings(store, tmp_path, max_body_bytes=600, max_upload_bytes=20_000)
    with TestClient(create_app(settings, store=store)) as c:
        h = {"Authorization": f"Bearer {tokens['analyst@acme']}"}
        data = _csv(GOOD_ROWS)
        assert 600 < len(data) < 20_000
        r = c.post(IMPORTS, files={"file": ("ok.csv", data)}, headers=h)
        assert r.status_code == 201, r.text  # larger than a request, smaller than an upload
        big = _csv([{**x, "response_id": f"b{i}"} for i, x in enumerate(GOOD_ROWS * 40)])
        r = c.post(IMPORTS, files={"file": ("big.csv", big)}, headers=h)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

        def chunks() -> Any:  # no Content-Length: counted while streamed
            for i in range(0, len(big), 4096):
                yield big[i : i + 4096]

        r = c.post(IMPORTS + "?filename=big.csv", content=chunks(),
                   headers={**h, "Content-Type": "text/csv"})  # fmt: skip
        assert r.status_code == 413
        uploads = Path(store.settings.home) / "uploads"
        assert not any(uploads.iterdir())  # nothing left behind


def test_upload_errors(web: Web) -> None:
    h = web.auth("analyst@acme")
    r = web.client.post(IMPORTS, json={"rows": []}, headers=h)
    assert r.status_code == 400 and r.json()["fields"] == ["/file"]
    r = web.client.post(IMPORTS, files={"file": ("x.png", b"\x89PNG")}, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "unknown_format"
    r = web.client.post(IMPORTS, files={"other": ("x.csv", b"a,b\n")}, headers=h)
    assert r.status_code == 400
    r = web.client.post(IMPORTS, content=b"", headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 400
    r = web.client.post(IMPORTS, files={"file": ("x.csv", _csv(GOOD_ROWS))},
                        headers=web.auth("auditor@acme"))  # fmt: skip
    assert r.status_code == 403
    r = web.client.post("/api/v1/workspaces/acme/surveys/nope/imports",
                        files={"file": ("x.csv", _csv(GOOD_ROWS))}, headers=h)  # fmt: skip
    assert r.status_code == 404


def test_a_body_that_is_not_json_is_said_so(sqlite_web: Web) -> None:
    h = {**sqlite_web.auth("analyst@acme"), "Content-Type": "application/json",
         "Accept-Language": "en"}  # fmt: skip
    res = sqlite_web.client.post("/api/v1/workspaces/acme/surveys/svc/responses",
                                 content=b'{"response_id": "x1"',
                                 headers=h)  # fmt: skip
    body = res.json()
    assert res.status_code == 422 and body["fields"] == []
    assert "not valid JSON at character" in body["errors"][0]["error"]
