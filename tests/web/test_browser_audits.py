"""Real browser on the demo company (Playwright driving Debian's /usr/bin/chromium): an auditor
on a 360×740 touch screen keys a mystery-shopper visit, saves a draft, resumes it, adds a photo
and submits it; a manager at 1366×768 sees the ranking, the trend with control limits and the
audit beside customers' perception and expectations, in zh and en. Screenshots are kept in
tests/web/artifacts/ (look at them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.web.browser_kit import CHROMIUM, PASSWORD, PHONE, chromium, serve
from tests.web.conftest import web_settings
from tests.web.test_audits import png
from tests.web.test_browser import Server, _shot

from servgap.services.accounts import create_user
from servgap.services.audits import audit_scores
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.store.models import AuditPhoto, AuditVisit
from servgap.web.app import create_app

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
)
WS = "example_express"
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def demo_server(sqlite_store: Store, tmp_path: Path) -> Iterator[Server]:
    build_demo_store(sqlite_store)
    create_user(sqlite_store, "auditor@demo.test", role="auditor", workspace=WS,
                password=PASSWORD, sites=("gz_baiyun", "gz_tianhe"))  # fmt: skip
    create_user(sqlite_store, "manager@demo.test", role="analyst", workspace=WS,
                password=PASSWORD)  # fmt: skip
    app = create_app(web_settings(sqlite_store, tmp_path), store=sqlite_store)
    with serve(app) as url:
        yield Server(url, sqlite_store)


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def _login(page: object, url: str, email: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]
    page.fill('input[name="email"]', email)  # type: ignore[attr-defined]
    page.fill('input[name="password"]', PASSWORD)  # type: ignore[attr-defined]
    page.click('button[type="submit"]')  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_auditor_on_a_phone_submits_a_visit_with_a_photo(
    demo_server: Server, browser: object, tmp_path: Path
) -> None:
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,  # type: ignore[attr-defined]
                              has_touch=True, locale="zh-CN")  # fmt: skip
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, f"{demo_server.url}/w/{WS}/audits", "auditor@demo.test")
    assert page.url.endswith(f"/w/{WS}/audits")
    assert "au-rank" not in page.content()  # an auditor sees their own visits only
    page.click(f'a[href="/w/{WS}/audits/new"]')
    page.wait_for_load_state()
    # only the auditor's two sites are offered
    options = page.locator('select[name="site"] option').evaluate_all("os => os.map(o => o.value)")
    assert options == ["", "gz_baiyun", "gz_tianhe"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "audit_1_new_zh")
    page.select_option('select[name="site"]', "gz_baiyun")
    page.fill('input[name="visited_at"]', "2026-11-28T10:30")
    scores = {"greeting": "8", "queue_time": "6", "courtesy": "9"}
    for code, v in scores.items():
        page.locator(f'input[name="s-{code}"][value="{v}"]').tap()
    page.click('button[value="draft"]')
    page.wait_for_load_state()
    assert "?saved=1" in page.url
    assert "草稿已保存" in page.inner_text("main")
    # resumed: what was keyed is there; score the rest, one not applicable, add a photo
    assert page.locator('input[name="s-greeting"][value="8"]').is_checked()
    rest = {"id_check": "7", "packing": "5", "handling_care": "6", "price_disclosure": "8",
            "tracking_info": "7", "promise_time": "na", "tidiness": "9"}  # fmt: skip
    for code, v in rest.items():
        page.locator(f'input[name="s-{code}"][value="{v}"]').tap()
    photo = tmp_path / "counter.png"
    photo.write_bytes(png(40, 30))
    page.set_input_files('input[name="photos"]', str(photo))
    page.fill('textarea[name="notes"]', "柜台排队约 6 分钟，未主动告知时效。")
    page.locator("form.av-form").scroll_into_view_if_needed()
    _shot(page, "audit_2_filled_zh")
    page.click('button[value="submit"]')
    page.wait_for_load_state()
    assert page.url.endswith("/audits?submitted=" + page.url.rsplit("=", 1)[-1])
    notice = page.inner_text(".notice")
    assert "已提交" in notice
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "audit_3_submitted_zh")
    with demo_server.store.session() as s:
        visit = s.scalars(select(AuditVisit)).one()
        assert visit.status == "submitted"
        (stored,) = s.scalars(select(AuditPhoto)).all()
        assert stored.data == photo.read_bytes() and stored.content_type == "image/png"
        code = visit.code
    scores_now = audit_scores(demo_server.store, workspace=WS).set_index("visit")
    assert f"{scores_now.loc[code, 'score']:.1f}" in notice
    # the submitted visit in English, read-only, with its photo
    page.goto(f"{demo_server.url}/w/{WS}/audits/visits/{visit.id}?lang=en")
    assert "read only" in page.inner_text("main")
    img = page.locator(".av-photos img").first
    assert img.evaluate("i => i.complete && i.naturalWidth") == 40
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "audit_4_submitted_en")
    page.goto(f"{demo_server.url}/w/{WS}/audits/new")
    _shot(page, "audit_5_new_en")
    assert not errors, errors


def test_manager_sees_ranking_trend_and_comparison(demo_server: Server, browser: object) -> None:
    for lang in ("zh-CN", "en"):
        ctx = browser.new_context(viewport=DESKTOP, locale=lang)  # type: ignore[attr-defined]
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        _login(page, f"{demo_server.url}/w/{WS}/audits?lang={lang[:2]}", "manager@demo.test")
        for chart in ("au-rank", "au-trend", "au-compare"):
            assert page.locator(f"#{chart} svg").count() == 1, chart
        first = page.locator("#au-rank tbody tr").first.inner_text()
        assert "xm_siming" in first  # the best outlet of the demo ranks first
        # the demo's problem outlet is the default trend and last in the ranking
        assert "gz_baiyun" in page.locator("#au-rank tbody tr").last.inner_text()
        _shot(page, f"audit_manager_{lang[:2]}")
        with page.expect_download() as dl:
            page.click('#au-rank a[href*="format=csv"]')
        body = Path(dl.value.path()).read_text(encoding="utf-8-sig")
        assert body.splitlines()[0].startswith("site,") and "gz_baiyun" in body
        page.goto(f"{demo_server.url}/w/{WS}/audits?from=2026-07-01&to=2026-12-31&site=gz_baiyun")
        assert page.locator("#au-rank tbody tr").count() == 1
        _shot(page, f"audit_manager_site_{lang[:2]}")
        assert not errors, errors
        ctx.close()
    # the same page on a phone: nothing wider than the screen
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,  # type: ignore[attr-defined]
                              has_touch=True, locale="zh-CN")  # fmt: skip
    page = ctx.new_page()
    _login(page, f"{demo_server.url}/w/{WS}/audits", "manager@demo.test")
    assert page.locator("#au-compare svg").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "audit_manager_phone_zh")
