"""The expectation dashboard in a real browser (Playwright driving Debian's /usr/bin/chromium):
a manager on a 1366×768 screen signs in, filters to a site, sees the charts drawn (SVG),
switches a chart to its table and downloads the chart's CSV; screenshots at 1366×768 and
360×740 in zh and en are kept in tests/web/artifacts/ (look at them)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from tests.web.browser_kit import CHROMIUM, chromium, serve
from tests.web.conftest import ARTIFACTS, web_settings

from servgap.services.accounts import create_user
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.settings import Settings
from servgap.web.app import create_app

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"
WS = "example_express"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("dashbrowser")
    store = Store.open(Settings(database_url=f"sqlite:///{tmp / 'b.sqlite'}", home=tmp / "h"))
    build_demo_store(store)
    create_user(store, "manager@demo.test", role="analyst", workspace=WS, password=PASSWORD)
    app = create_app(web_settings(store, tmp), store=store)
    with serve(app) as url:
        yield url
    store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def _login(page: object, url: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.fill('input[name="email"]', "manager@demo.test")  # type: ignore[attr-defined]
    page.fill('input[name="password"]', PASSWORD)  # type: ignore[attr-defined]
    page.click('button[type="submit"]')  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def _charts_drawn(page: object) -> int:
    page.wait_for_selector("[data-chart] svg")  # type: ignore[attr-defined]
    return int(page.evaluate(  # type: ignore[attr-defined]
        "Array.from(document.querySelectorAll('[data-chart]'))"
        ".filter(el => el.querySelector('svg path, svg rect')).length"
    ))  # fmt: skip


def test_manager_filters_to_a_site_reads_a_table_and_downloads_csv(
    server: str, browser: object
) -> None:
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, f"{server}/w/{WS}/dashboard?lang=zh")
    assert "/dashboard" in page.url
    n_charts = page.locator("[data-chart]").count()
    assert n_charts >= 9
    assert _charts_drawn(page) == n_charts  # every chart drawn, none empty
    _shot(page, "dashboard_1_zh_1366")

    page.select_option('select[name="site"]', "gz_baiyun")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_load_state()
    assert "site=gz_baiyun" in page.url  # the view is in the URL: bookmark, share
    assert _charts_drawn(page) >= 9
    # the planted finding: reliability falls below the adequate level at gz_baiyun
    table = page.locator('[data-table-of="chart-zone-dimensions"]')
    assert table.is_hidden()
    page.click('[data-table-toggle="chart-zone-dimensions"]')
    assert table.is_visible()
    assert page.locator('[data-chart="chart-zone-dimensions-option"]').is_hidden()
    assert "可靠性" in table.inner_text()
    _shot(page, "dashboard_2_zh_site_table")

    with page.expect_download() as info:
        page.click('#chart-zone-dimensions a[href*="format=csv"]')
    dl = info.value
    frame = pd.read_csv(io.BytesIO(Path(dl.path()).read_bytes()), encoding="utf-8-sig")
    assert len(frame) >= 5 and "site=gz_baiyun" in dl.url
    rel = frame[frame["维度"] == "可靠性"]
    assert (rel["MSA（感知−适当）"] < 0).any()
    # no horizontal scrolling of the page at 1366 px
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert not errors, errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("size", "viewport"), [("1366", DESKTOP), ("360", PHONE)])
def test_screenshots(server: str, browser: object, lang: str, size: str,
                     viewport: dict[str, int]) -> None:  # fmt: skip
    phone = viewport is PHONE
    ctx = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-GB",  # type: ignore[attr-defined]
                              is_mobile=phone, has_touch=phone, device_scale_factor=1)  # fmt: skip
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, f"{server}/w/{WS}/dashboard?lang={lang}")
    n = page.locator("[data-chart]").count()
    assert _charts_drawn(page) == n
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    _shot(page, f"dashboard_{lang}_{size}")
    assert not errors, errors
    ctx.close()
