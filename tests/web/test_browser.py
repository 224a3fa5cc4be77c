"""Real browser at phone size (Playwright driving Debian's /usr/bin/chromium): a respondent
answers a three-column survey with one inconsistent item, corrects it, submits, presses back
and submits again (one response stored); an admin signs in and creates links and a QR code.
Screenshots are kept in tests/web/artifacts/ (look at them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.web.browser_kit import (
    PASSWORD,
    PHONE,
    chromium,
    needs_chromium,
    serve,
    shot,
)
from tests.web.conftest import seed, web_settings

from servgap.services.accounts import create_user
from servgap.services.context import Store
from servgap.services.distribution import create_links
from servgap.store.models import Response
from servgap.web.app import create_app

pytestmark = needs_chromium


@dataclass
class Server:
    url: str
    store: Store


@pytest.fixture
def server(sqlite_store: Store, tmp_path: Path) -> Iterator[Server]:
    seed(sqlite_store)
    app = create_app(web_settings(sqlite_store, tmp_path), store=sqlite_store)
    with serve(app) as url:
        yield Server(url, sqlite_store)


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


_shot = shot


def _count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Response)) or 0)


def _answer(page: object, item: str, a: int, d: int, p: int) -> None:
    for part, v in (("adequate", a), ("desired", d), ("perceived", p)):
        page.check(f'input[name="a-{item}_{part}"][value="{v}"]')  # type: ignore[attr-defined]


def test_respondent_on_a_phone_corrects_an_inconsistent_item(
    server: Server, browser: object
) -> None:
    token = create_links(server.store, workspace="acme", survey="short", count=1,
                         site="sh01").links[0].token  # fmt: skip
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,  # type: ignore[attr-defined]
                              has_touch=True, locale="zh-CN")  # fmt: skip
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/s/{token}")
    assert page.locator(".ws-name").inner_text() == "甲快递"
    # nothing wider than the phone: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "respond_1_empty")
    _answer(page, "rel1", 5, 8, 6)
    _answer(page, "rel2", 8, 3, 4)  # desired below adequate
    _answer(page, "ass1", 6, 9, 9)
    page.click('button[value="submit"]')
    page.wait_for_load_state()
    card = page.locator("#q-rel2")
    assert "理想水平 3 低于最低可接受水平 8" in card.inner_text()
    assert page.locator('input[name="a-rel1_desired"][value="8"]').is_checked()  # kept
    card.scroll_into_view_if_needed()
    _shot(page, "respond_2_inconsistent")
    assert _count(server.store) == 0
    page.check('input[name="a-rel2_desired"][value="9"]')
    page.click('button[value="submit"]')
    page.wait_for_load_state()
    assert "提交成功" in page.inner_text("main")
    _shot(page, "respond_3_thanks")
    assert _count(server.store) == 1
    # back, and submit again
    page.go_back()
    page.wait_for_load_state()
    # the form comes back from the browser's cache (form pages are not no-store), answered
    assert page.locator('button[value="submit"]').count() == 1
    assert page.locator('input[name="a-rel2_desired"][value="9"]').is_checked()
    _shot(page, "respond_4_back")
    page.click('button[value="submit"]')
    page.wait_for_load_state()
    assert "已经通过此链接提交过答卷" in page.inner_text("main")
    _shot(page, "respond_5_already_answered")
    assert _count(server.store) == 1
    # the same in English
    page.goto(f"{server.url}/s/{token}?lang=en")
    assert "already been used" in page.inner_text("main")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    ctx.close()


def test_every_question_type_at_phone_size(server: Server, browser: object) -> None:
    token = create_links(server.store, workspace="acme", survey="svc", count=1,
                         kind="open").links[0].token  # fmt: skip
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,  # type: ignore[attr-defined]
                              has_touch=True, locale="en-US")  # fmt: skip
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/s/{token}")
    n = 1
    while True:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], n
        if page.locator('input[name="a-importance_tangibles"]').count():
            for opt, v in (("tangibles", 10), ("reliability", 40), ("responsiveness", 20),
                           ("assurance", 20)):  # fmt: skip
                page.fill(f'input[name="a-importance_{opt}"]', str(v))
            assert page.locator("output.sum").inner_text() == "90"  # the live total (script)
            page.fill('input[name="a-importance_empathy"]', "10")
            assert page.locator("output.sum").inner_text() == "100"
        _shot(page, f"types_page_{n}")
        if page.locator('button[value="next"]').count() == 0:
            break
        page.click('button[value="next"]')
        page.wait_for_load_state()
        n += 1
    assert n >= 3
    assert not errors, errors
    ctx.close()


def test_admin_creates_links_and_a_qr_code(server: Server, browser: object) -> None:
    create_user(server.store, "admin@acme.test", role="admin", workspace="acme", password=PASSWORD)
    ctx = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(f"{server.url}/w/acme/surveys/svc")
    assert "/login" in page.url
    _shot(page, "admin_1_login")
    page.fill('input[name="email"]', "admin@acme.test")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    assert page.url.endswith("/w/acme/surveys/svc")
    page.check('input[name="kind"][value="open"]')
    page.fill('input[name="count"]', "1")
    page.select_option('select[name="site"]', "sh01")
    page.select_option('select[name="source"]', "qr")
    page.click("form.links-form button[type=submit]")
    page.wait_for_load_state()
    assert "已创建 1 个链接" in page.inner_text("main")
    qr = page.locator("img.qr").first
    qr.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0  # the SVG loaded
    _shot(page, "admin_2_links_and_qr")
    ctx.close()


def test_an_interviewer_keys_a_phone_interview(server: Server, browser: object) -> None:
    from servgap.store.models import InterviewCall

    create_user(server.store, "analyst@acme.test", role="analyst", workspace="acme",
                password=PASSWORD)  # fmt: skip
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/w/acme/surveys/svc/interview")
    page.fill('input[name="email"]', "analyst@acme.test")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    assert page.url.endswith("/w/acme/surveys/svc/interview")
    _shot(page, "interview_1_empty")
    kb = page.keyboard
    # the customer field has the focus: everything else is number keys and Tab
    assert page.evaluate("document.activeElement.name") == "customer"
    kb.type("C0815")
    kb.press("Tab")
    page.select_option('select[name="site"]', "sh01")
    page.focus('input[name="a-rel1_adequate"]')
    for digit in "586473699":  # one-key answers move on by themselves
        kb.type(digit)
    assert page.evaluate("document.activeElement.name") == "a-wait_adequate"
    for value in ("15", "5", "12.5"):  # several keys: Tab moves on
        kb.type(value)
        kb.press("Tab")
    kb.type("1")
    kb.type("4")  # Kano
    kb.type("9")
    kb.press("Tab")  # NPS 0-10 takes two keys at most
    kb.type("4")  # CSAT
    for value in ("10", "40", "20", "20", "10"):
        kb.type(value)
        kb.press("Tab")
    kb.type("2")  # channel_used: the second option
    assert page.locator('input[name="a-channel_used"] + output').inner_text() == "counter"
    kb.press("Space")  # extras: insurance
    kb.press("Tab")
    kb.press("Tab")
    kb.press("Space")  # packing
    kb.press("Tab")
    kb.type("3")  # age_group 55+
    kb.type("很快，态度好")
    _shot(page, "interview_2_keyed")
    page.click("form.iv-form button[type=submit]")
    page.wait_for_load_state()
    assert "已记录：客户 C0815，完成访谈" in page.inner_text("main")
    _shot(page, "interview_3_recorded")
    with server.store.session() as s:
        [resp] = s.scalars(select(Response)).all()
        [call] = s.scalars(select(InterviewCall)).all()
    assert resp.channel == "phone" and call.outcome == "answered" and call.response_id == resp.id
    assert resp.answers["rel2_perceived"] == 3 and resp.answers["wait_perceived"] == 12.5
    assert resp.answers["channel_used"] == "counter" and resp.answers["age_group"] == "55+"
    assert resp.answers["extras_insurance"] == 1 and resp.answers["extras_pickup"] == 0
    assert resp.answers["comment"] == "很快，态度好"
    # the next call: nobody answers
    page.fill('input[name="customer"]', "C0816")
    page.check('input[name="outcome"][value="no_answer"]')
    page.click("form.iv-form button[type=submit]")
    page.wait_for_load_state()
    assert "C0816" in page.inner_text("table.iv-log")
    _shot(page, "interview_4_log")
    assert _count(server.store) == 1
    assert not errors, errors
    ctx.close()
