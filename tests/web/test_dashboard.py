"""The expectation dashboard page: HTML and JSON for each role, a user of another workspace
gets 404, bad filters are field errors on the page, chart downloads (CSV/XLSX) hold the
chart's numbers, and the page's figures equal the analysis API's (``analyze … --json``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import ROLES, Web, seed, web_settings

from servgap.services.accounts import create_user
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.settings import Settings
from servgap.web.app import create_app

WS = "example_express"
URL = f"/w/{WS}/dashboard"


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("dashweb")
    store = Store.open(Settings(database_url=f"sqlite:///{tmp / 'web.sqlite'}", home=tmp / "h"))
    tokens = seed(store)
    build_demo_store(store)
    for role in ROLES:  # the acme users get the same role in the demo company
        create_user(store, f"{role}@acme.test", role=role, workspace=WS)
    app = create_app(web_settings(store, tmp), store=store)
    with TestClient(app) as client:
        yield Web(app, client, store, tokens)
    store.dispose()


@pytest.mark.parametrize(("who", "status"), [("admin@acme", 200), ("analyst@acme", 200),
                                             ("agent@acme", 403), ("auditor@acme", 403),
                                             ("admin@beta", 404)])  # fmt: skip
@pytest.mark.parametrize("suffix", ["", ".json", "/data/zone_dimensions?format=csv"])
def test_roles(dash: Web, who: str, status: int, suffix: str) -> None:
    r = dash.client.get(URL + suffix, headers=dash.auth(who))
    assert r.status_code == status, r.text[:300]


def test_page_html_has_every_chart_and_the_action_table(dash: Web) -> None:
    r = dash.client.get(URL + "?lang=zh", headers=dash.auth("analyst@acme"))
    assert r.status_code == 200
    html = r.text
    for chart in ("zone-dimensions", "zone-items", "zone-shares", "nps-trend", "csat-trend",
                  "csi", "ipa", "kano", "segments"):  # fmt: skip
        assert f'id="chart-{chart}-option"' in html, chart
    assert "改进优先级" in html and "容忍区间" in html and "可靠性" in html
    assert 'src="/static/vendor/echarts.min.js' in html
    assert "<script>" not in html  # CSP: no inline script
    assert "Welch" in html or "单因素方差分析" in html  # the test is named


def test_json_figures_equal_the_analysis_api(dash: Web) -> None:
    h = dash.auth("analyst@acme")
    page = dash.client.get(URL + ".json?period=2026Q3&compare=none", headers=h).json()
    api = dash.client.get(f"/api/v1/workspaces/{WS}/analysis/servqual?period=2026Q3",
                          headers=h).json()["result"]  # fmt: skip
    assert page["filters"]["period"] == "2026Q3" and page["filters"]["compare"] is None
    mine = {r["dimension"]: r for r in page["zone_dimensions"]}
    for row in api["dimensions"]:
        for col in ("n", "msa", "mss", "msa_ci_low", "share_below", "share_above"):
            assert mine[row["dimension"]][col] == pytest.approx(row[col]), col
    nps = dash.client.get(f"/api/v1/workspaces/{WS}/analysis/nps?period=2026Q3",
                          headers=h).json()["result"]["rows"][0]  # fmt: skip
    assert page["nps"][0]["nps"] == pytest.approx(nps["nps"])
    # Accept: application/json gives the same document
    same = dash.client.get(URL + "?period=2026Q3&compare=none",
                           headers={**h, "Accept": "application/json"}).json()  # fmt: skip
    assert same["zone_dimensions"] == page["zone_dimensions"]


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ("?site=nowhere", "site", "nowhere"),
        ("?period=2031Q1", "period", "2031Q1"),
        ("?period=soon", "period", "soon"),
        ("?segment=customer_type&value=martian", "value", "martian"),
        ("?segment=shoe_size&value=1", "segment", "shoe_size"),
    ],
)
def test_bad_filter_is_a_field_error_on_the_page(dash: Web, query: str, field: str,
                                                 text: str) -> None:  # fmt: skip
    r = dash.client.get(URL + query + "&lang=en", headers=dash.auth("admin@acme"))
    assert 400 <= r.status_code < 500
    assert f'id="err-{field}"' in r.text and text in r.text
    assert 'name="site"' in r.text  # the filter form is there to fix it
    j = dash.client.get(URL + ".json" + query, headers=dash.auth("admin@acme"))
    assert 400 <= j.status_code < 500 and j.json()["ok"] is False


def test_downloads_hold_the_chart_numbers(dash: Web) -> None:
    h = dash.auth("admin@acme")
    r = dash.client.get(f"{URL}/data/zone_dimensions?site=gz_baiyun&format=csv&lang=en", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(r.content.decode("utf-8-sig")))
    js = dash.client.get(f"{URL}.json?site=gz_baiyun", headers=h).json()
    assert len(frame) == len(js["zone_dimensions"])
    assert frame["MSA (perceived − adequate)"].tolist() == pytest.approx(
        [row["msa"] for row in js["zone_dimensions"]]
    )
    x = dash.client.get(f"{URL}/data/actions?format=xlsx", headers=h)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    book = pd.read_excel(io.BytesIO(x.content))
    assert len(book) == len(dash.client.get(f"{URL}.json", headers=h).json()["actions"])
    assert dash.client.get(f"{URL}/data/nothing?format=csv", headers=h).status_code == 404
    bad = dash.client.get(f"{URL}/data/csi?format=exe", headers=h)
    assert bad.status_code == 422


def test_workspace_without_data_shows_reasons_not_errors(dash: Web) -> None:
    r = dash.client.get("/w/acme/dashboard?survey=svc&lang=en", headers=dash.auth("admin@acme"))
    assert r.status_code == 200
    assert "no responses yet" in r.text
    several = dash.client.get("/w/acme/dashboard?lang=en", headers=dash.auth("admin@acme"))
    assert 400 <= several.status_code < 500 and 'id="err-survey"' in several.text


def test_module_files_exist() -> None:
    root = Path(__file__).parents[2] / "src" / "servgap" / "web"
    assert (root / "static" / "js" / "dashboard.js").exists()
    assert (root / "templates" / "dashboard.html").exists()
