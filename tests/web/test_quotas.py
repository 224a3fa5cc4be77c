"""Quotas per segment: a full cell closes the survey for its respondents with a friendly page;
never overfilled by concurrent respondents; set and listed through the API and the page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from tests.web.conftest import Web
from tests.web.helpers import GOOD, answers, form_fields, make_links

from servgap.services.collection import submit_form
from servgap.services.distribution import create_links
from servgap.services.quotas import QuotaFullError, set_quotas
from servgap.store.models import Response

QUOTAS = "/api/v1/workspaces/acme/surveys/svc/quotas"
SHORT = {k: v for k, v in GOOD.items() if k[:4] in ("rel1", "rel2", "ass1")}


def _count(web: Web) -> int:
    with web.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Response)) or 0)


def test_quotas_are_set_and_listed_with_their_counts(web: Web) -> None:
    h = web.auth("analyst@acme")
    r = web.client.put(QUOTAS, json={"segment": "site", "quotas": {"sh01": 2, "bj01": 1}},
                       headers=h)  # fmt: skip
    assert r.status_code == 200, r.text
    cells = {c["value"]: c for c in r.json()["cells"]}
    assert cells["sh01"] == {"segment": "site", "value": "sh01", "target": 2, "filled": 0,
                             "remaining": 2, "full": False}  # fmt: skip
    web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", headers=h,
                    json={"response_id": "x1", "site": "bj01", "nps": 7})  # fmt: skip
    cells = {c["value"]: c for c in web.client.get(QUOTAS, headers=h).json()["cells"]}
    assert cells["bj01"]["filled"] == 1 and cells["bj01"]["full"] is True
    r = web.client.put(QUOTAS, json={"segment": "age_group", "quotas": {"55+": 1}}, headers=h)
    assert {c["segment"] for c in r.json()["cells"]} == {"site", "age_group"}
    r = web.client.put(QUOTAS, json={"segment": "site", "quotas": {}}, headers=h)
    assert {c["segment"] for c in r.json()["cells"]} == {"age_group"}  # the site cells removed
    bad = web.client.put(QUOTAS, json={"segment": "nps", "quotas": {"9": 1}}, headers=h)
    assert bad.status_code == 422 and bad.json()["fields"] == ["/segment"]
    bad = web.client.put(QUOTAS, json={"segment": "age_group", "quotas": {"99+": 1}}, headers=h)
    assert bad.status_code == 422 and bad.json()["fields"] == ["/quotas"]
    bad = web.client.put(QUOTAS, json={"segment": "site", "quotas": {"sh01": -1}}, headers=h)
    assert bad.status_code == 422
    assert web.client.get(QUOTAS, headers=web.auth("agent@acme")).status_code == 403


def test_a_full_site_closes_its_links_with_a_friendly_page(web: Web) -> None:
    set_quotas(web.store, workspace="acme", survey="short", segment="site", targets={"sh01": 1})
    [first, second] = make_links(web.client, web.auth("admin@acme"), survey="short", count=2,
                                 site="sh01")  # fmt: skip
    [other] = make_links(web.client, web.auth("admin@acme"), survey="short", site="bj01")
    r = web.client.get(f"/s/{first['token']}")
    data = {**form_fields(r.text), "action": "submit", **answers(SHORT)}
    assert (
        web.client.post(f"/s/{first['token']}", data=data, follow_redirects=False).status_code
        == 303
    )
    page = web.client.get(f"/s/{second['token']}?lang=en")
    assert page.status_code == 200 and "enough answers from customers like you" in page.text
    assert 'name="a-' not in page.text  # no form
    assert "a-rel1_adequate" in web.client.get(f"/s/{other['token']}").text  # another cell
    assert _count(web) == 1


def test_a_profile_answer_in_a_full_cell_ends_the_survey_at_that_page(web: Web) -> None:
    set_quotas(web.store, workspace="acme", survey="svc", segment="age_group",
               targets={"55+": 0, "35-54": 5})  # fmt: skip
    [link] = make_links(web.client, web.auth("admin@acme"), kind="open")
    c, token = web.client, link["token"]
    r = c.get(f"/s/{token}")
    p = 1
    while "a-age_group" not in r.text:  # to the page with the profile question
        r = c.post(f"/s/{token}", data={**form_fields(r.text), "action": "next"})
        p += 1
        assert p < 10
    data = {**form_fields(r.text), "action": "next", "a-age_group": "55+"}
    r = c.post(f"/s/{token}?lang=zh", data=data)
    assert "与您情况相同的受访者的答卷已经足够" in r.text
    assert _count(web) == 0
    # the same respondent opening the link again sees the same page (the draft holds the answer)
    assert "答卷已经足够" in c.get(f"/s/{token}").text
    # a respondent in another cell goes on
    r = c.get(f"/s/{token}?new=1")
    while "a-age_group" not in r.text:
        r = c.post(f"/s/{token}", data={**form_fields(r.text), "action": "next"})
    r = c.post(f"/s/{token}", data={**form_fields(r.text), "action": "next",
                                    "a-age_group": "35-54"}, follow_redirects=False)  # fmt: skip
    assert r.status_code in (200, 303) and "答卷已经足够" not in r.text


def test_concurrent_respondents_never_overfill_a_cell(web: Web) -> None:
    set_quotas(web.store, workspace="acme", survey="short", segment="site", targets={"sh01": 3})
    batch = create_links(web.store, workspace="acme", survey="short", count=12, site="sh01")

    def submit(token: str) -> str:
        try:
            return "stored" if submit_form(web.store, token, None, SHORT).created else "dup"
        except QuotaFullError:
            return "full"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(submit, [x.token for x in batch.links]))
    assert outcomes.count("stored") == 3 and outcomes.count("full") == 9
    assert _count(web) == 3
    with web.store.session() as s:  # the refused personal links are still unused
        from servgap.store.models import SurveyLink

        used = s.scalar(select(func.count()).select_from(SurveyLink)
                        .where(SurveyLink.used_at.is_not(None)))  # fmt: skip
    assert used == 3


def test_the_survey_page_sets_a_quota(web: Web) -> None:
    from servgap.services.accounts import start_session, token_principal

    principal = token_principal(web.store, web.tokens["analyst@acme"])
    assert principal is not None
    session = start_session(web.store, principal.user_id)
    web.client.cookies.set("sg_session", session.cookie)
    url = "/w/acme/surveys/svc/quotas"
    r = web.client.post(url, data={"csrf": session.csrf, "segment": "site", "value": "sh01",
                                   "target": "40"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = web.client.get("/w/acme/surveys/svc?lang=en")
    assert "Quotas" in page.text and "<td>sh01</td><td>40</td><td>0</td>" in page.text
    r = web.client.post(url + "?lang=en", data={"csrf": session.csrf, "segment": "site",
                                                "value": "nowhere", "target": "4"})  # fmt: skip
    assert r.status_code == 422 and "“Quota”" in r.text
