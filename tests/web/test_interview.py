"""Phone interview mode: the keyboard page, the API, one call per key, call outcomes, an
auditor's assigned sites, quotas."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select
from tests.web.conftest import Web

from servgap.services.accounts import create_user, start_session, token_principal
from servgap.services.quotas import set_quotas
from servgap.store.models import InterviewCall, Response

URL = "/w/acme/surveys/svc/interview"
API = "/api/v1/workspaces/acme/surveys/svc/interviews"


def _session(web: Web, who: str) -> str:
    principal = token_principal(web.store, web.tokens[who])
    assert principal is not None
    session = start_session(web.store, principal.user_id)
    web.client.cookies.set("sg_session", session.cookie)
    return session.csrf


def _key(html: str) -> str:
    m = re.search(r'name="call_key" value="([^"]+)"', html)
    assert m is not None
    return m.group(1)


def _stored(web: Web) -> list[Response]:
    with web.store.session() as s:
        return list(s.scalars(select(Response).where(Response.channel == "phone")))


def _calls(web: Web) -> list[InterviewCall]:
    with web.store.session() as s:
        return list(s.scalars(select(InterviewCall).order_by(InterviewCall.id)))


KEYED = {"a-rel1_adequate": "5", "a-rel1_desired": "8", "a-rel1_perceived": "6",
         "a-f_locker_functional": "1", "a-f_locker_dysfunctional": "4", "a-nps": "10",
         "a-channel_used": "2", "a-age_group": "3", "a-extras_pickup": "1"}  # fmt: skip


def test_an_interviewer_keys_an_answered_call(web: Web) -> None:
    csrf = _session(web, "analyst@acme")
    page = web.client.get(URL + "?lang=en")
    assert page.status_code == 200
    assert 'data-digits="1"' in page.text and "1 app" in page.text  # one-key answers, numbered
    data = {"csrf": csrf, "call_key": _key(page.text), "customer": "C0042", "site": "sh01",
            "outcome": "answered", **KEYED}  # fmt: skip
    r = web.client.post(URL + "?lang=en", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    again = web.client.post(URL + "?lang=en", data=data, follow_redirects=False)  # a double post
    assert again.status_code == 303
    [resp] = _stored(web)
    assert resp.external_id == f"phone-{data['call_key']}"
    assert resp.answers["channel_used"] == "counter" and resp.answers["age_group"] == "55+"
    assert resp.answers["nps"] == 10 and resp.answers["extras_pickup"] == 1
    assert resp.answers["extras_insurance"] == 0  # an unticked box
    [call] = _calls(web)
    assert call.outcome == "answered" and call.response_id == resp.id
    assert call.interviewer == "analyst@acme.test"
    done = web.client.get(r.headers["location"] + "&lang=en")
    assert "Recorded: customer C0042, Answered" in done.text
    assert "C0042" in done.text.split("My recent calls")[1]


def test_a_call_without_an_interview_records_its_outcome_only(web: Web) -> None:
    csrf = _session(web, "analyst@acme")
    page = web.client.get(URL)
    data = {"csrf": csrf, "call_key": _key(page.text), "customer": "C7", "outcome": "call_back",
            "call_back_at": "2026-07-16 14:00", "note": "after work", "a-nps": "3"}  # fmt: skip
    r = web.client.post(URL, data=data, follow_redirects=False)
    assert r.status_code == 303
    assert _stored(web) == []  # the answers of a call that was not an interview are not kept
    [call] = _calls(web)
    assert call.outcome == "call_back" and call.call_back_at is not None
    listed = web.client.get(API + "?outcome=call_back", headers=web.auth("admin@acme")).json()
    assert [c["customer"] for c in listed["calls"]] == ["C7"]
    assert listed["calls"][0]["call_back_at"].startswith("2026-07-16T06:00")  # UTC


def test_keyed_answers_are_checked_as_imports_check_them(web: Web) -> None:
    csrf = _session(web, "analyst@acme")
    page = web.client.get(URL + "?lang=en")
    bad = {"csrf": csrf, "call_key": _key(page.text), "customer": "C1", "outcome": "answered",
           **KEYED, "a-nps": "12", "a-rel1_desired": "2", "a-channel_used": "7"}  # fmt: skip
    r = web.client.post(URL + "?lang=en", data=bad)
    assert r.status_code == 422
    assert "answer 12 is outside the 0–10 scale of `nps`" in r.text
    assert "the desired level 2 is below the adequate level 5" in r.text
    assert "is not one of the options of `channel_used`" in r.text
    assert 'value="12"' in r.text and 'value="C1"' in r.text  # what was typed stays
    assert _stored(web) == [] and _calls(web) == []
    r = web.client.post(URL + "?lang=en", data={**bad, "customer": ""})
    assert r.status_code == 422 and "“Customer code”" in r.text  # the field by its label
    r = web.client.post(URL + "?lang=en", data={"csrf": csrf, "call_key": _key(page.text),
                                                 "customer": "C1", "outcome": "answered"})  # fmt: skip
    assert r.status_code == 422 and "no answer was keyed" in r.text


def test_the_api_records_calls_once_per_key(web: Web) -> None:
    h = web.auth("analyst@acme")
    body = {"call_key": uuid.uuid4().hex, "customer": "C9", "site": "bj01", "outcome": "answered",
            "answers": {"nps": 9, "csat": 4, "rel1_adequate": 3, "rel1_desired": 6}}  # fmt: skip
    first = web.client.post(API, json=body, headers=h)
    assert first.status_code == 201 and first.json()["created"] is True
    call = first.json()["call"]
    assert call["site"] == "bj01" and call["response_id"] == f"phone-{body['call_key']}"
    again = web.client.post(API, json=body, headers=h)
    assert again.json()["created"] is False and again.json()["call"]["id"] == call["id"]
    assert len(_stored(web)) == 1
    r = web.client.post(API, json={**body, "call_key": uuid.uuid4().hex,
                                   "answers": {"nps": 11}}, headers=h)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["column"] == "nps"
    r = web.client.post(API, json={**body, "outcome": "hung_up"}, headers=h)
    assert r.status_code == 422
    r = web.client.post(API, json={**body, "call_key": uuid.uuid4().hex, "site": "gz01"},
                        headers=h)  # fmt: skip
    assert r.status_code == 422 and r.json()["fields"] == ["/site"]  # beta's site
    assert web.client.post(API, json=body, headers=web.auth("admin@acme")).status_code == 403
    assert web.client.post(API, json=body, headers=web.auth("admin@beta")).status_code == 404


def test_an_auditor_keys_interviews_for_assigned_sites_only(web: Web) -> None:
    create_user(web.store, "auditor@acme.test", role="auditor", workspace="acme", sites=("sh01",))
    h = web.auth("auditor@acme")
    me = web.client.get("/api/v1/me", headers=h).json()
    assert me["sites"] == {"acme": ["sh01"]}
    body = {"call_key": uuid.uuid4().hex, "customer": "C5", "outcome": "no_answer"}
    r = web.client.post(API, json={**body, "site": "bj01"}, headers=h)
    assert r.status_code == 403 and r.json()["code"] == "site_not_assigned"
    assert r.json()["fields"] == ["/site"]
    r = web.client.post(API, json=body, headers=h)  # no site: not allowed either
    assert r.status_code == 403
    r = web.client.post(API, json={**body, "site": "sh01"}, headers=h)
    assert r.status_code == 201
    # an analyst's call at another site is not shown to the auditor
    web.client.post(API, json={**body, "call_key": uuid.uuid4().hex, "site": "bj01"},
                    headers=web.auth("analyst@acme"))  # fmt: skip
    seen = web.client.get(API, headers=h).json()["calls"]
    assert [c["site"] for c in seen] == ["sh01"]
    assert len(web.client.get(API, headers=web.auth("analyst@acme")).json()["calls"]) == 2
    # the page offers the assigned site only
    _session(web, "auditor@acme")
    page = web.client.get(URL)
    assert 'value="sh01"' in page.text and 'value="bj01"' not in page.text


def test_assigned_sites_are_checked_when_stored(web: Web) -> None:
    from servgap.core.errors import InputError

    with pytest.raises(InputError, match="gz01"):
        create_user(web.store, "aud2@acme.test", role="auditor", workspace="acme", sites=("gz01",))
    with pytest.raises(InputError, match="auditors"):
        create_user(web.store, "an2@acme.test", role="analyst", workspace="acme", sites=("sh01",))
    r = web.client.get("/api/v1/workspaces/acme/users", headers=web.auth("admin@acme"))
    assert all(u["sites"] == {} for u in r.json()["users"])


def test_a_full_quota_refuses_an_interview(web: Web) -> None:
    set_quotas(web.store, workspace="acme", survey="svc", segment="age_group", targets={"55+": 1})
    h = web.auth("analyst@acme")
    body = {"customer": "C1", "outcome": "answered", "answers": {"nps": 9, "age_group": "55+"}}
    assert web.client.post(API, json={**body, "call_key": uuid.uuid4().hex},
                           headers=h).status_code == 201  # fmt: skip
    r = web.client.post(API, json={**body, "call_key": uuid.uuid4().hex}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "quota_full"
    ok = {**body, "answers": {"nps": 9, "age_group": "18-34"}, "call_key": uuid.uuid4().hex}
    assert web.client.post(API, json=ok, headers=h).status_code == 201
    assert len(_stored(web)) == 2
