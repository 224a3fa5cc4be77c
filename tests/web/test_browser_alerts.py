"""Real browser (Debian's chromium): a quality manager on a 1366×768 screen opens the alerts,
filters to a site, opens an alert, sees its evidence chart and numbers, switches to the table
and downloads the evidence data; acknowledges it. Screenshots in tests/web/artifacts/."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.web.browser_kit import PASSWORD
from tests.web.test_alerts import PERIODS, load_alerts
from tests.web.test_browser import (  # noqa: F401  (fixtures)
    Server,
    _shot,
    browser,
    pytestmark,
    server,
)

from servgap.services.accounts import create_user
from servgap.services.alerts import get_alert, list_alerts
from servgap.web.pages.alerts import fmt

DESKTOP = {"width": 1366, "height": 768}


def test_manager_opens_an_alert_and_downloads_its_evidence(
    server: Server,  # noqa: F811
    browser: object,  # noqa: F811
    tmp_path: Path,
) -> None:
    load_alerts(server.store, tmp_path)
    create_user(server.store, "analyst@acme.test", role="analyst", workspace="acme",
                password=PASSWORD)  # fmt: skip
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/w/acme/alerts")
    page.fill('input[name="email"]', "analyst@acme.test")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    assert page.url.endswith("/w/acme/alerts")
    n_open = len(list_alerts(server.store, "acme", state="open").alerts)
    assert page.locator(".al-item").count() == n_open
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    _shot(page, "alerts_1_list")
    # filter to the site
    page.select_option('select[name="site"]', "sh01")
    page.click(".al-filters button[type=submit]")
    page.wait_for_load_state()
    assert "site=sh01" in page.url
    items = page.locator(".al-item")
    assert items.count() == len(
        list_alerts(server.store, "acme", state="open", sites=["sh01"]).alerts
    )
    assert "网点 sh01" in items.first.inner_text()
    _shot(page, "alerts_2_site")
    items.first.locator("a.al-title").click()
    page.wait_for_load_state()
    alert_id = int(page.url.rsplit("/", 1)[1])
    a, _ = get_alert(server.store, "acme", alert_id)
    assert a.site == "sh01" and a.kind == "below_adequate"
    # the evidence chart is drawn (ECharts SVG) from the JSON option, no CSP error
    page.locator('[data-chart="al-evidence-option"] svg').first.wait_for()
    assert page.locator(".al-numbers").inner_text().count("MSA") >= 1
    msa = a.evidence["numbers"]["msa"]
    assert fmt(msa) in page.locator(".al-numbers").inner_text()  # the page's number format
    _shot(page, "alerts_3_alert")
    # the table view of the chart, then its CSV
    page.click('[data-table-toggle="al-evidence"]')
    table = page.locator('[data-table-of="al-evidence"]')
    assert table.is_visible()
    assert [c.strip() for c in table.locator("tbody tr td:first-child").all_inner_texts()] == list(
        PERIODS
    )
    _shot(page, "alerts_4_table")
    with page.expect_download() as info:
        page.click('#al-evidence a[href*="format=csv"]')
    path = info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_bytes().decode("utf-8-sig"))))
    assert [r["period"] for r in rows] == list(PERIODS)
    series = a.evidence["series"]
    assert [round(float(r["value"]), 9) for r in rows] == [round(p["value"], 9) for p in series]
    # acknowledge with a note
    page.fill('textarea[name="note"]', "已通知网点经理，周三复查")
    page.click('form[action$="/ack"] button[type=submit]')
    page.wait_for_load_state()
    assert "已确认此预警" in page.inner_text("main")
    assert get_alert(server.store, "acme", alert_id)[0].state == "acknowledged"
    _shot(page, "alerts_5_acknowledged")
    # a control-chart alert, in English
    rising = list_alerts(server.store, "acme", kind="expectations_rising").alerts[0]
    page.goto(f"{server.url}/w/acme/alerts/{rising.id}?lang=en")
    page.locator('[data-chart="al-evidence-option"] svg').first.wait_for()
    assert "x-bar chart, 3σ phase II limits from 2026Q1–2026Q3" in page.inner_text("main")
    assert "All customers · Reliability · adequate level" in page.inner_text("main") or (
        "All customers · Assurance · adequate level" in page.inner_text("main")
    )
    _shot(page, "alerts_6_control_chart_en")
    # the same pages on a phone: nothing wider than the screen
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{server.url}/w/acme/alerts?state=all&lang=zh")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "alerts_7_phone_list")
    page.goto(f"{server.url}/w/acme/alerts/{alert_id}")
    page.locator('[data-chart="al-evidence-option"] svg').first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors, errors
    ctx.close()
