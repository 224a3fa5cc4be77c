"""The administration pages in a real browser (Playwright driving Debian's /usr/bin/chromium):
an admin on a 1366×768 screen invites an auditor, is refused removing themself (the last
admin), creates an API token, mistypes a time zone, loads a survey YAML with a mistake,
previews a survey and opens the error report of a failed import; then every admin page at
phone size (360×740) in zh and en with nothing wider than the screen. Screenshots are kept in
tests/web/artifacts/ (look at them)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select
from tests.web import test_browser as tb
from tests.web.browser_kit import CHROMIUM, PASSWORD
from tests.web.test_browser import Server, _shot

from servgap.services.accounts import create_token, create_user
from servgap.store.models import Response, SurveyDraft

server = tb.server  # the fixtures of the browser tests
browser = tb.browser
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
PAGES = ["", "/users", "/tokens", "/settings", "/surveys", "/imports", "/surveys/short/preview"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
)


def _failed_import(server: Server) -> None:
    """An analyst's import with two bad cells, through the API (it is recorded)."""
    from fastapi.testclient import TestClient
    from tests.web.conftest import web_settings

    from servgap.web.app import create_app

    rows = [{"response_id": f"r{i}", "submitted_at": "2026-07-15 10:30", "site": "sh01",
             "rel1_adequate": 4, "rel1_desired": 7, "rel1_perceived": 5, "nps": i}
            for i in range(5)]  # fmt: skip
    rows[2]["nps"] = 14
    rows[3]["site"] = "nowhere"
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    token = create_token(server.store, "analyst@acme.test").token
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(web_settings(server.store, Path(tmp)), store=server.store)
        with TestClient(app) as c:
            r = c.post("/api/v1/workspaces/acme/surveys/svc/imports",
                       files={"file": ("wave 7.csv", buf.getvalue().encode())},
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 422, r.text


def _login(page: object, url: str, email: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.fill('input[name="email"]', email)  # type: ignore[attr-defined]
    page.fill('input[name="password"]', PASSWORD)  # type: ignore[attr-defined]
    page.click('button[type="submit"]')  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_an_admin_manages_the_workspace_on_a_desktop(server: Server, browser: object) -> None:
    create_user(server.store, "admin@acme.test", role="admin", workspace="acme", password=PASSWORD)
    _failed_import(server)
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, f"{server.url}/w/acme/admin", "admin@acme.test")
    assert page.url.endswith("/w/acme/admin")
    assert page.locator(".wsnav a[aria-current]").inner_text() == "管理"
    _shot(page, "admin_desk_0_overview_zh")

    # users: invite an auditor for one site; the first password is shown once
    page.click(".admin-tabs >> text=用户与角色")
    page.wait_for_load_state()
    page.fill('form.admin-form input[name="email"]', "zhao.lei@acme.test")
    page.fill('form.admin-form input[name="display_name"]', "赵磊")
    page.select_option('form.admin-form select[name="role"]', "auditor")
    page.fill('form.admin-form input[name="sites"]', "sh01")
    page.click("form.admin-form button.primary")
    page.wait_for_load_state()
    password = page.locator(".secret-value").inner_text()
    assert len(password) >= 10 and "已创建用户 zhao.lei@acme.test" in page.inner_text("main")
    _shot(page, "admin_desk_1_invited_zh")
    # the last admin cannot remove themself
    row = page.locator("tr", has_text="admin@acme.test")
    row.locator('form[action$="/users/remove"] button').click()
    page.wait_for_load_state()
    assert "最后一位管理员" in page.locator(".alert").inner_text()
    assert password not in page.content()
    _shot(page, "admin_desk_2_last_admin_zh")

    # tokens: create one, shown once
    page.click(".admin-tabs >> text=API 令牌")
    page.wait_for_load_state()
    page.fill('input[name="name"]', "BI 报表")
    page.click("form.admin-form button.primary")
    page.wait_for_load_state()
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("sgp_")
    _shot(page, "admin_desk_3_token_zh")
    page.goto(f"{server.url}/w/acme/admin/tokens")
    assert secret not in page.content() and secret[:12] in page.content()

    # settings: a time zone that does not exist is shown beside its field
    page.goto(f"{server.url}/w/acme/admin/settings?lang=en")
    page.fill('#general input[name="timezone"]', "Asia/Shanghia")
    page.click("#general button.primary")
    page.wait_for_load_state()
    err = page.locator("#general label.has-error .field-error")
    assert "Unknown time zone `Asia/Shanghia`" in err.inner_text()
    err.scroll_into_view_if_needed()
    _shot(page, "admin_desk_4_settings_error_en")

    # surveys: a YAML with an unknown question type names line and field
    page.goto(f"{server.url}/w/acme/admin/surveys?lang=en")
    page.fill('textarea[name="definition"]', "code: tiny\ntitle: {zh: 小, en: Tiny}\nquestions:\n"
              "  - code: speed\n    type: stars\n    text: {zh: 速度, en: Speed}\n")  # fmt: skip
    page.click("form.admin-form button.primary")
    page.wait_for_load_state()
    problems = page.locator("#yaml-problems").inner_text()
    assert "5" in problems and "questions[1] (speed).type" in problems
    _shot(page, "admin_desk_5_yaml_error_en")

    # preview a survey: the respondents' page; submitting stores nothing
    page.goto(f"{server.url}/w/acme/admin/surveys/short/preview?lang=en")
    for item in ("rel1", "rel2", "ass1"):
        for part, v in (("adequate", 5), ("desired", 8), ("perceived", 6)):
            page.check(f'input[name="a-{item}_{part}"][value="{v}"]')
    _shot(page, "admin_desk_6_preview_en")
    page.click('button[value="submit"]')
    page.wait_for_load_state()
    assert "nothing was saved" in page.inner_text("main")
    with server.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert s.scalar(select(func.count()).select_from(SurveyDraft)) == 0

    # imports: the failed one, its report and its CSV
    page.goto(f"{server.url}/w/acme/admin/imports?lang=zh")
    page.get_by_role("link", name="错误报告", exact=True).click()
    page.wait_for_load_state()
    report = page.locator(".import-report").inner_text()
    assert "wave_7.csv" in report and "nowhere" in report
    with page.expect_download() as info:
        page.get_by_role("link", name="下载错误报告（CSV）").click()
    assert info.value.suggested_filename.endswith("_errors.csv")
    _shot(page, "admin_desk_7_import_report_zh")
    # refused forms answer 409/422 on purpose; anything else (a script, the CSP) is a fault
    assert not [e for e in errors if "Failed to load resource" not in e], errors
    ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_admin_page_fits_a_phone_and_a_desktop(
    server: Server, browser: object, lang: str
) -> None:
    create_user(server.store, "admin@acme.test", role="admin", workspace="acme", password=PASSWORD)
    _failed_import(server)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        phone = name == "phone"
        ctx = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US",  # type: ignore[attr-defined]
                                  is_mobile=phone, has_touch=phone,
                                  device_scale_factor=2 if phone else 1)  # fmt: skip
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        _login(page, f"{server.url}/w/acme/admin?lang={lang}", "admin@acme.test")
        for path in PAGES:
            page.goto(f"{server.url}/w/acme/admin{path}?lang={lang}")
            assert page.locator("main").inner_text().strip(), path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (name, path, width)
            slug = path.strip("/").replace("/", "_") or "overview"
            _shot(page, f"admin_{name}_{lang}_{slug}")
        assert not errors, errors
        ctx.close()
