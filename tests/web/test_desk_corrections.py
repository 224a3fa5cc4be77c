"""Correcting a case's reading on the desk: the form offers only legal values, a correction
is stored with who and when and shown on the page, a bad value is refused without change,
and the route needs a signed-in user with a correcting role (and the CSRF token for a
browser session)."""

from __future__ import annotations

import re

from tests.web.conftest import Web

from servgap.services.accounts import start_session, token_principal
from servgap.services.cases import get_case, open_case
from servgap.services.text_corrections import list_corrections

TEXT = "显示已签收，但我根本没收到"


def _case(web: Web) -> str:
    return open_case(web.store, workspace="acme", summary=TEXT, category="information").case


def _form(html: str) -> str:
    start = html.index('id="form-correct"')
    return html[start : html.index("</form>", start)]


def test_the_form_offers_only_legal_values_and_a_correction_is_shown(web: Web) -> None:
    code = _case(web)
    agent = web.auth("agent@acme")
    form = _form(web.client.get(f"/w/acme/desk/{code}", headers=agent).text)
    assert re.findall(r'<option value="([a-z_]*)"', form) == [
        "", "delay", "damage_loss", "attitude", "information", "price", "other",
        "", "negative", "neutral", "positive",
    ]  # fmt: skip
    r = web.client.post(f"/w/acme/desk/{code}/correct",
                        data={"category": "damage_loss", "polarity": ""}, headers=agent,
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("?done=correct")
    assert get_case(web.store, workspace="acme", code=code).category == "damage_loss"
    rows = list_corrections(web.store, workspace="acme", case=code)
    assert rows[["field", "old_value", "new_value", "author"]].values.tolist() == [
        ["category", "information", "damage_loss", "agent@acme.test"]
    ]
    data = web.client.get(f"/w/acme/desk/{code}.json", headers=agent).json()
    assert [(x["field"], x["new_value"], x["author"]) for x in data["corrections"]] == [
        ("category", "damage_loss", "agent@acme.test")]  # fmt: skip
    assert data["case"]["category"] == "damage_loss"  # the page's JSON: the same figures
    html = web.client.get(f"/w/acme/desk/{code}?done=correct&lang=en", headers=agent).text
    listing = html[html.index('id="correction-list"') :]
    assert "The correction was saved." in html
    assert "agent@acme.test" in listing and "Damage or loss" in listing
    # an analyst (a supervisor) may correct the polarity too
    r = web.client.post(f"/w/acme/desk/{code}/correct", data={"polarity": "neutral"},
                        headers=web.auth("analyst@acme"), follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert list_corrections(web.store, workspace="acme", case=code)["author"].tolist() == [
        "analyst@acme.test", "agent@acme.test"]  # fmt: skip


def test_a_bad_value_is_refused_without_change(web: Web) -> None:
    code = _case(web)
    agent = web.auth("agent@acme")
    r = web.client.post(f"/w/acme/desk/{code}/correct?lang=en",
                        data={"category": "damage_loss", "polarity": "furious"},
                        headers=agent)  # fmt: skip
    assert r.status_code == 422 and 'id="error-correct"' in r.text
    assert "`polarity` &#39;furious&#39;" in r.text or "`polarity` 'furious'" in r.text
    r = web.client.post(f"/w/acme/desk/{code}/correct", data={"category": "x" * 41},
                        headers=agent)  # fmt: skip
    assert r.status_code == 422
    r = web.client.post(f"/w/acme/desk/{code}/correct?lang=zh", data={}, headers=agent)
    assert r.status_code == 422 and "没有要更正的内容" in r.text
    assert list_corrections(web.store, workspace="acme").empty
    assert get_case(web.store, workspace="acme", code=code).category == "information"


def test_the_route_needs_a_signed_in_corrector_and_the_csrf_token(web: Web) -> None:
    code = _case(web)
    url = f"/w/acme/desk/{code}/correct"
    data = {"category": "damage_loss"}
    r = web.client.post(url, data=data, follow_redirects=False)  # nobody signed in
    assert r.status_code in (303, 401)
    r = web.client.post(url, data=data, headers=web.auth("auditor@acme"))
    assert r.status_code == 403
    r = web.client.post(f"/w/beta/desk/{code}/correct", data=data,
                        headers=web.auth("admin@beta"))  # fmt: skip
    assert r.status_code == 404
    html = web.client.get(f"/w/acme/desk/{code}", headers=web.auth("analyst@acme")).text
    assert 'id="form-correct"' in html  # analysts see the form, not the case work forms
    # a browser session without the CSRF token is refused; with it, accepted
    principal = token_principal(web.store, web.tokens["agent@acme"])
    assert principal is not None
    session = start_session(web.store, principal.user_id)
    cookie = {"Cookie": f"sg_session={session.cookie}"}
    r = web.client.post(url, data=data, headers=cookie, follow_redirects=False)
    assert r.status_code == 403
    assert list_corrections(web.store, workspace="acme").empty
    r = web.client.post(url, data={**data, "csrf": session.csrf}, headers=cookie,
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert len(list_corrections(web.store, workspace="acme")) == 1
