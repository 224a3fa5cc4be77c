"""Alert pages: list with filters, one alert with its evidence chart and numbers, acknowledge,
open an improvement action, the actions list; per role; JSON equal to the CLI's."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from tests.web.conftest import Web

from servgap.services.alerts import list_alerts
from servgap.services.context import Store
from servgap.services.responses import import_responses
from servgap.web.pages.alerts import fmt

NOISE = (-1, 0, 1, 0)
PERIODS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")


def short_rows(sites: tuple[str, ...] = ("sh01", "bj01")) -> list[dict[str, Any]]:
    """The `short` survey (rel1, rel2, ass1), 20 answers per site and quarter: adequate 5,
    desired 8, perceived 7 (± noise); in 2026Q4 sh01 perceives reliability at 3 and every
    adequate level is 6."""
    out = []
    for q, period in enumerate(PERIODS):
        last = q == len(PERIODS) - 1
        for site in sites:
            for i in range(20):
                e = NOISE[i % 4]
                rec: dict[str, Any] = {"response_id": f"{period}-{site}-{i}", "site": site,
                                       "period": period}  # fmt: skip
                for item in ("rel1", "rel2", "ass1"):
                    bad = last and site == sites[0] and item.startswith("rel")
                    rec[f"{item}_adequate"] = (6 if last else 5) + (e if i % 2 == 0 else 0)
                    rec[f"{item}_desired"] = 8
                    rec[f"{item}_perceived"] = (3 if bad else 7) + NOISE[(i + 1) % 4]
                out.append(rec)
    return out


def load_alerts(store: Store, tmp_path: Path, ws: str = "acme") -> None:
    path = tmp_path / f"short_{ws}.csv"
    sites = ("sh01", "bj01") if ws == "acme" else ("gz01",)
    pd.DataFrame(short_rows(sites)).to_csv(path, index=False)
    import_responses(store, path, workspace=ws, survey="short")  # scans for alerts


@pytest.fixture
def alerted(web: Web, tmp_path: Path) -> Web:
    load_alerts(web.store, tmp_path)
    return web


def _first(web: Web, **kw: Any) -> Any:
    return list_alerts(web.store, "acme", **kw).alerts[0]


def test_list_page_and_its_json_equal_the_cli(alerted: Web) -> None:
    web = alerted
    r = web.client.get("/w/acme/alerts?lang=en", headers=web.auth("analyst@acme"))
    assert r.status_code == 200
    res = list_alerts(web.store, "acme", state="open")
    assert len(res.alerts) >= 3
    for a in res.alerts:
        assert f'href="/w/acme/alerts/{a.id}"' in r.text
    assert "Site sh01: perceived reliability below the adequate level" in r.text
    j = web.client.get("/w/acme/alerts.json", headers=web.auth("analyst@acme")).json()
    assert j == json.loads(json.dumps(res.to_dict()))
    url = web.store.settings.resolved_database_url()
    out = CliRunner().invoke(
        __import__("servgap.cli", fromlist=["main"]).main,
        ["--database-url", url, "-w", "acme", "alerts", "list", "--state", "open", "--json"],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == j


def test_filters(alerted: Web) -> None:
    web, h = alerted, alerted.auth("admin@acme")
    j = web.client.get("/w/acme/alerts.json?site=sh01", headers=h).json()
    assert j["alerts"] and all(a["site"] == "sh01" for a in j["alerts"])
    j = web.client.get("/w/acme/alerts.json?kind=expectations_rising", headers=h).json()
    assert j["alerts"] and all(a["kind"] == "expectations_rising" for a in j["alerts"])
    assert web.client.get("/w/acme/alerts.json?state=resolved", headers=h).json()["alerts"] == []
    r = web.client.get("/w/acme/alerts.json?state=closed", headers=h)
    assert r.status_code == 422 and "不是以下之一：all、open、acknowledged、resolved" in r.text
    html = web.client.get("/w/acme/alerts?site=sh01&lang=zh", headers=h).text
    assert "网点 sh01" in html and "可靠性感知低于适当服务水平" in html


def test_alert_page_shows_evidence_chart_numbers_and_download(alerted: Web) -> None:
    web, h = alerted, alerted.auth("analyst@acme")
    a = next(x for x in list_alerts(web.store, "acme").alerts if x.kind == "expectations_rising")
    r = web.client.get(f"/w/acme/alerts/{a.id}?lang=en", headers=h)
    assert r.status_code == 200
    assert 'id="al-evidence"' in r.text and "echarts.min.js" in r.text
    assert "x-bar chart, 3σ phase II limits from 2026Q1–2026Q3" in r.text
    ucl = a.evidence["numbers"]["ucl"]
    assert f">{fmt(ucl)}<" in r.text  # the numbers table
    j = web.client.get(f"/w/acme/alerts/{a.id}.json", headers=h).json()
    assert j["alert"]["id"] == a.id and j["alert"]["evidence"]["numbers"]["ucl"] == ucl
    assert j["actions"] == []
    d = web.client.get(f"/w/acme/alerts/{a.id}/evidence?format=csv", headers=h)
    assert d.status_code == 200 and "attachment" in d.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(d.content.decode("utf-8-sig"))))
    assert [x["period"] for x in rows] == list(PERIODS)
    assert float(rows[-1]["high"]) == pytest.approx(ucl)
    x = web.client.get(f"/w/acme/alerts/{a.id}/evidence?format=xlsx", headers=h)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert (
        web.client.get(f"/w/acme/alerts/{a.id}/evidence?format=pdf", headers=h).status_code == 422
    )


def test_acknowledge_and_open_an_action(alerted: Web) -> None:
    web, h = alerted, alerted.auth("analyst@acme")
    a = _first(alerted, sites=["sh01"])
    r = web.client.post(f"/w/acme/alerts/{a.id}/ack", data={"note": "网点经理已核查 <b>"},
                        headers=h, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith(f"/alerts/{a.id}?done=ack")
    page = web.client.get(r.headers["location"] + "&lang=zh", headers=h).text
    assert "已确认此预警" in page and "网点经理已核查 &lt;b&gt;" in page
    assert "analyst@acme.test" in page
    r = web.client.post(f"/w/acme/alerts/{a.id}/actions",
                        data={"title": "复核白云派送", "owner": "张经理", "due_date": "2026-12-15"},
                        headers=h, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    j = web.client.get(f"/w/acme/alerts/{a.id}.json", headers=h).json()
    assert [(x["title"], x["owner"], x["due_date"]) for x in j["actions"]] == [
        ("复核白云派送", "张经理", "2026-12-15")
    ]
    bad = web.client.post(f"/w/acme/alerts/{a.id}/actions",
                          data={"title": "x", "owner": "y", "due_date": "15/12/2026"},
                          headers=h, follow_redirects=False)  # fmt: skip
    assert bad.status_code == 422 and "2026-12-31" in bad.text
    acts = web.client.get("/w/acme/actions.json", headers=h).json()["actions"]
    assert len(acts) == 1
    aid = acts[0]["id"]
    html = web.client.get("/w/acme/actions?lang=en", headers=h).text
    assert "复核白云派送" in html and f'action="/w/acme/actions/{aid}/state"' in html
    r = web.client.post(f"/w/acme/actions/{aid}/state", data={"state": "done"}, headers=h,
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert (
        web.client.get("/w/acme/actions.json?state=done", headers=h).json()["actions"][0]["id"]
        == aid
    )
    r = web.client.post(f"/w/acme/actions/{aid}/state", data={"state": "finished"}, headers=h)
    assert r.status_code == 422


def _routes(alert_id: int, action_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    return [
        ("GET", "/w/acme/alerts", None),
        ("GET", "/w/acme/alerts.json", None),
        ("GET", f"/w/acme/alerts/{alert_id}", None),
        ("GET", f"/w/acme/alerts/{alert_id}.json", None),
        ("GET", f"/w/acme/alerts/{alert_id}/evidence?format=csv", None),
        ("POST", f"/w/acme/alerts/{alert_id}/ack", {"note": "seen"}),
        ("POST", f"/w/acme/alerts/{alert_id}/actions", {"title": "t", "owner": "o"}),
        ("GET", "/w/acme/actions", None),
        ("GET", "/w/acme/actions.json", None),
        ("POST", f"/w/acme/actions/{action_id}/state", {"state": "in_progress"}),
    ]


def test_roles_agent_and_auditor_403_other_workspace_404(alerted: Web) -> None:
    from servgap.services.alerts import open_action

    web = alerted
    a = _first(web)
    act = open_action(web.store, "acme", alert_id=a.id, title="t", owner="o", created_by="x")
    for method, url, data in _routes(a.id, act.id):
        for who, want in (("admin@acme", None), ("analyst@acme", None), ("agent@acme", 403),
                          ("auditor@acme", 403), ("admin@beta", 404)):  # fmt: skip
            r = web.client.request(method, url, data=data, headers=web.auth(who),
                                   follow_redirects=False)  # fmt: skip
            where = f"{who} {method} {url}: {r.status_code}"
            if want is None:
                assert r.status_code in (200, 303), where
            else:
                assert r.status_code == want, where


def test_an_alert_of_another_workspace_is_404(web: Web, tmp_path: Path) -> None:
    load_alerts(web.store, tmp_path, ws="beta")
    [beta_alert, *_] = list_alerts(web.store, "beta").alerts
    # admin of acme asks for beta's alert id under acme: not found, nothing leaked
    r = web.client.get(f"/w/acme/alerts/{beta_alert.id}.json", headers=web.auth("admin@acme"))
    assert r.status_code == 404
    r = web.client.post(f"/w/acme/alerts/{beta_alert.id}/ack", data={"note": "x"},
                        headers=web.auth("admin@acme"))  # fmt: skip
    assert r.status_code == 404
    assert list_alerts(web.store, "beta").alerts[0].state == "open"


def test_alerts_panel_partial(alerted: Web) -> None:
    from servgap.i18n import t
    from servgap.web.templating import environment

    alerts = list_alerts(alerted.store, "acme", state="open").alerts
    html = (
        environment()
        .get_template("_alerts_panel.html")
        .render(alerts=alerts, ws="acme", lang="zh", t=lambda k, **kw: t(k, "zh", **kw))
    )
    assert "待处理预警" in html and 'href="/w/acme/alerts"' in html
    for a in alerts:
        assert f'href="/w/acme/alerts/{a.id}"' in html
        assert a.title_zh.split("（")[0] in html
    empty = (
        environment()
        .get_template("_alerts_panel.html")
        .render(alerts=[], ws="acme", lang="en", t=lambda k, **kw: t(k, "en", **kw))
    )
    assert "No alerts match." in empty


def test_a_web_submission_schedules_a_debounced_scan(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web.helpers import GOOD, answers, form_fields, make_links

    from servgap.services import alerts as svc

    calls: list[str] = []
    monkeypatch.setattr(svc, "_last_scan", {})
    monkeypatch.setattr(svc, "scan_after_import", lambda store, ws: calls.append(ws))
    for _ in range(2):
        [link] = make_links(web.client, web.auth("admin@acme"), survey="short")
        page = web.client.get(f"/s/{link['token']}")
        vals = {k: v for k, v in GOOD.items() if k[:4] in ("rel1", "rel2", "ass1")}
        r = web.client.post(f"/s/{link['token']}",
                            data={**form_fields(page.text), **answers(vals), "action": "submit"},
                            follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text[:300]
    assert calls == ["acme"]  # the second submission within 10 minutes: no second scan
