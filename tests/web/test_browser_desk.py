"""The complaint desk in a real browser (Playwright driving Debian's /usr/bin/chromium): an agent
signs in, opens a case from the queue, records an apology and a coupon with its amount and moves
the case to resolved — on a 1366×768 screen in Chinese and on a 360×740 phone in English.
Screenshots are kept in tests/web/artifacts/desk_*.png (look at them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.web.browser_kit import CHROMIUM, chromium, serve
from tests.web.conftest import ARTIFACTS, seed, web_settings

from servgap.services.accounts import create_user
from servgap.services.cases import act_on_case, get_case, move_case, open_case
from servgap.services.context import Store
from servgap.store.models import Customer, Workspace
from servgap.web.app import create_app

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
)


@dataclass
class Server:
    url: str
    store: Store
    cases: dict[str, str]


def _cases(store: Store) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    with store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == "acme"))
        assert ws is not None
        s.add(Customer(workspace_id=ws.id, code="c1", name="张伟", phone="13812345678",
                       tenure_months=30, orders_per_month=4, attributes={}))  # fmt: skip
    done = open_case(store, workspace="acme", summary="包裹破损，玻璃杯碎了", category="damage_loss",
                     site="bj01", now=now - dt.timedelta(days=40)).case  # fmt: skip
    move_case(store, workspace="acme", code=done, to="investigating",
              now=now - dt.timedelta(days=39))  # fmt: skip
    act_on_case(store, workspace="acme", code=done, action="coupon", amount_cny=30,
                now=now - dt.timedelta(days=39))  # fmt: skip
    move_case(store, workspace="acme", code=done, to="resolved", now=now - dt.timedelta(days=38))
    zh = open_case(store, workspace="acme", summary="包裹破损了，里面的玻璃杯全碎了，请尽快处理",
                   site="sh01", customer="c1", priority="high",
                   now=now - dt.timedelta(days=3)).case  # fmt: skip
    en = open_case(store, workspace="acme", summary="The parcel arrived three days late",
                   category="delay", site="bj01", now=now - dt.timedelta(hours=2)).case  # fmt: skip
    return {"done": done, "zh": zh, "en": en}


@pytest.fixture
def server(sqlite_store: Store, tmp_path: Path) -> Iterator[Server]:
    seed(sqlite_store)
    create_user(sqlite_store, "desk.agent@acme.test", role="agent", workspace="acme",
                password=PASSWORD)  # fmt: skip
    cases = _cases(sqlite_store)
    app = create_app(web_settings(sqlite_store, tmp_path), store=sqlite_store)
    with serve(app) as url:
        yield Server(url, sqlite_store, cases)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk_{name}.png"), full_page=True)


def _no_side_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _work_a_case(server: Server, browser: Any, *, viewport: dict[str, int], lang: str,
                 code: str, tag: str, phone: bool) -> None:  # fmt: skip
    extra = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if phone else {}
    ctx = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US",
                              **extra)  # fmt: skip
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/w/acme/desk?lang={lang}")
    assert "/login" in page.url
    page.fill('input[name="email"]', "desk.agent@acme.test")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith("/w/acme/desk")
    _no_side_scroll(page, viewport["width"])
    _shot(page, f"{tag}_1_queue")
    # the queue, most urgent first: open the case from its row
    page.click(f'a.dk-case:text-is("{code}")')
    page.wait_for_load_state()
    assert page.url.endswith(f"/w/acme/desk/{code}")
    _no_side_scroll(page, viewport["width"])
    _shot(page, f"{tag}_2_case")
    # the amount field follows the action (script): hidden for an apology
    page.select_option("select.dk-action", "apology")
    assert page.locator(".dk-amount").is_hidden()
    page.click("#form-action button[type=submit]")
    page.wait_for_load_state()
    page.select_option("select.dk-action", "coupon")
    assert page.locator(".dk-amount").is_visible()
    page.fill('input[name="amount_cny"]', "20")
    page.click("#form-action button[type=submit]")
    page.wait_for_load_state()
    notice = "补救措施已记录" if lang == "zh" else "recovery action was recorded"
    assert notice in page.inner_text("main")
    assert page.locator("#case-total").inner_text() == "20.00"
    page.locator("#ledger").scroll_into_view_if_needed()
    _shot(page, f"{tag}_3_actions")
    # new → investigating → resolved: only the legal next states are in the list
    options = page.locator('#form-move select[name="to"] option').evaluate_all(
        "els => els.map(e => e.value)")  # fmt: skip
    assert options == ["acknowledged", "investigating"]
    page.select_option('#form-move select[name="to"]', "investigating")
    page.click("#form-move button[type=submit]")
    page.wait_for_load_state()
    page.select_option('#form-move select[name="to"]', "resolved")
    page.click("#form-move button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == ("已解决" if lang == "zh" else "Resolved")
    _no_side_scroll(page, viewport["width"])
    _shot(page, f"{tag}_4_resolved")
    shown = get_case(server.store, workspace="acme", code=code)
    assert shown.state == "resolved"
    assert [(a.action, a.amount_cny) for a in shown.actions] == [("apology", 0.0), ("coupon", 20.0)]
    assert shown.history_consistent
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert not errors, errors
    ctx.close()


def test_an_agent_works_a_case_at_1366_in_chinese(server: Server, browser: Any) -> None:
    _work_a_case(server, browser, viewport=DESKTOP, lang="zh", code=server.cases["zh"],
                 tag="zh_desktop", phone=False)  # fmt: skip


def test_an_agent_works_a_case_on_a_phone_in_english(server: Server, browser: Any) -> None:
    _work_a_case(server, browser, viewport=PHONE, lang="en", code=server.cases["en"],
                 tag="en_phone", phone=True)  # fmt: skip


def test_a_supervisor_sees_overdue_cases_per_site_and_agent(server: Server, browser: Any) -> None:
    create_user(server.store, "desk.lead@acme.test", role="admin", workspace="acme",
                password=PASSWORD)  # fmt: skip
    for viewport, lang, tag in ((DESKTOP, "zh", "zh_desktop"), (PHONE, "en", "en_phone")):
        ctx = browser.new_context(viewport=viewport, locale="zh-CN")
        page = ctx.new_page()
        page.goto(f"{server.url}/w/acme/desk/supervisor?lang={lang}")
        page.fill('input[name="email"]', "desk.lead@acme.test")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_load_state()
        assert page.url.split("?")[0].endswith("/w/acme/desk/supervisor")
        assert page.locator("#n-overdue").inner_text() == "1"  # the case opened 3 days ago
        _no_side_scroll(page, viewport["width"])
        _shot(page, f"{tag}_5_supervisor")
        ctx.close()
