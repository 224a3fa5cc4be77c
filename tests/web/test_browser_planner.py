"""The capacity planner in a real browser (Playwright driving Debian's /usr/bin/chromium) on the
demo company 示例快递: an analyst signs in, plans the hotline, enters an expert adjustment
with a reason, sees the forecast and the staffing change, downloads a chart's numbers, and
the page is looked at on a 1366×768 screen and a 360×740 phone in zh and en. Screenshots
are kept in tests/web/artifacts/planner_*.png (look at them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.browser_kit import CHROMIUM, chromium, serve
from tests.web.conftest import ARTIFACTS, web_settings

from servgap.services.accounts import create_user
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.web.app import create_app

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"
WS = "example_express"
PLAN = f"/w/{WS}/planner?site=cc_hotline&week=2026-W49"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
    ),
]


@pytest.fixture
def server(sqlite_store: Store, tmp_path: Path) -> Iterator[str]:
    build_demo_store(sqlite_store)
    create_user(sqlite_store, "planner@demo.test", role="analyst", workspace=WS,
                password=PASSWORD)  # fmt: skip
    app = create_app(web_settings(sqlite_store, tmp_path), store=sqlite_store)
    with serve(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"planner_{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def _sign_in(page: object, url: str) -> None:
    page.goto(url, timeout=180_000)  # type: ignore[attr-defined]
    page.fill('input[name="email"]', "planner@demo.test")  # type: ignore[attr-defined]
    page.fill('input[name="password"]', PASSWORD)  # type: ignore[attr-defined]
    page.click('button[type="submit"]', timeout=180_000)  # type: ignore[attr-defined]
    page.wait_for_load_state(timeout=180_000)  # type: ignore[attr-defined]


def _number(text: str) -> float:
    return float(text.split()[0].replace(",", ""))


def test_an_analyst_plans_next_week_with_an_adjustment(server: str, browser: object) -> None:
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, f"{server}{PLAN}&lang=zh")
    assert "/w/example_express/planner" in page.url
    assert "产能规划" in page.inner_text("h1")
    # the three charts are drawn (ECharts SVG), no horizontal scrolling
    for chart in ("pl-forecast", "pl-agents", "pl-cost"):
        page.locator(f"#{chart} svg").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    demand = _number(page.locator(".pl-cards .card").nth(1).locator("strong").inner_text())
    peak = _number(page.locator(".pl-cards .card").nth(3).locator("strong").inner_text())
    _shot(page, "desktop_zh")
    # 双12 eve: calls × 1.8 on Friday 4 December, with who and why
    page.fill('input[name="start"]', "2026-12-04")
    page.fill('input[name="end"]', "2026-12-04")
    page.select_option('select[name="kind"]', "factor")
    page.fill('input[name="value"]', "1.8")
    page.fill('input[name="reason"]', "双12 预热促销，来电预计增加八成")
    page.click("form.pl-adj button[type=submit]", timeout=180_000)
    page.wait_for_load_state(timeout=180_000)
    assert "调整已保存" in page.inner_text("main")
    row = page.locator("#adjustments tbody tr").first
    assert "planner@demo.test" in row.inner_text() and "双12 预热促销" in row.inner_text()
    assert _number(page.locator(".pl-cards .card").nth(1).locator("strong").inner_text()) > demand
    assert _number(page.locator(".pl-cards .card").nth(3).locator("strong").inner_text()) > peak
    page.locator("#adjustments").scroll_into_view_if_needed()
    _shot(page, "desktop_zh_adjusted")
    # a bad value is shown at its field, what was typed is kept
    page.fill('input[name="start"]', "2026-12-05T09:00")
    page.fill('input[name="end"]', "2026-12-05T10:00")
    page.select_option('select[name="kind"]', "add")
    page.fill('input[name="value"]', "-5000")
    page.fill('input[name="reason"]', "测试")
    page.click("form.pl-adj button[type=submit]", timeout=180_000)
    page.wait_for_load_state(timeout=180_000)
    assert "小于 0" in page.inner_text("#err-value")
    assert page.input_value('input[name="reason"]') == "测试"
    page.locator("#err-value").scroll_into_view_if_needed()
    _shot(page, "desktop_zh_field_error")
    # the forecast chart's numbers as CSV
    with page.expect_download() as info:
        page.click("#pl-forecast a:has-text('CSV')")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 336 and {"forecast", "adjusted", "lo_80", "hi_80"} <= set(rows[0])
    assert sum(float(r["adjusted"]) for r in rows) > sum(float(r["forecast"]) for r in rows)
    # the table view of a chart
    page.click("#pl-agents [data-table-toggle]")
    assert page.locator("#pl-agents .chart-table").is_visible()
    # the week's roster: two shifts on Monday, the balance is computed against it
    roster = Path(info.value.path()).parent / "roster.csv"
    roster.write_text("开始,结束,人数\n2026-11-30 08:00,2026-11-30 16:00,10\n"
                      "2026-11-30 12:00,2026-11-30 20:00,6\n", encoding="utf-8")  # fmt: skip
    page.set_input_files('input[name="roster"]', str(roster))
    page.click("form.pl-roster button[type=submit]", timeout=180_000)
    page.wait_for_load_state(timeout=180_000)
    assert "排班已上传" in page.inner_text("main")
    assert "planner@demo.test" in page.inner_text("#roster")
    assert "上传的排班表" in page.inner_text("#pl-agents")
    page.locator("#pl-agents").scroll_into_view_if_needed()
    _shot(page, "desktop_zh_roster")
    # the only failed load is the refused adjustment's page itself (422, shown at the field)
    assert [e for e in errors if "status of 422" not in e] == [], errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_planner_at_desktop_and_phone_size(server: str, browser: object, lang: str) -> None:
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        ctx = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US",  # type: ignore[attr-defined]
                                  is_mobile=name == "phone", has_touch=name == "phone")  # fmt: skip
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        _sign_in(page, f"{server}{PLAN}&target=sl&lang={lang}")
        page.locator("#pl-cost svg").first.wait_for()
        title = "产能规划" if lang == "zh" else "Capacity planner"
        assert title in page.inner_text("h1")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        _shot(page, f"{name}_{lang}")
        assert not errors, errors
        ctx.close()
