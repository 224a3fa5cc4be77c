"""Respondent pages /s/{token}: every question type, page by page, without JavaScript; the
importer's validation; idempotent submission; open and personal links; dates."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from tests.web.conftest import Web
from tests.web.helpers import GOOD, answers, form_fields, make_links

from servgap.services.collection import submit_form
from servgap.services.distribution import create_links
from servgap.services.responses import import_responses
from servgap.store.models import Response


def responses(web: Web, survey: str = "svc") -> list[Response]:
    with web.store.session() as s:
        return list(s.scalars(select(Response).where(Response.external_id.like("web-%"))))


def answer_all_pages(web: Web, token: str, values: dict[str, str]) -> object:
    """Walk every page of the form, posting the values of its fields; returns the last reply."""
    c = web.client
    r = c.get(f"/s/{token}")
    assert r.status_code == 200, r.text
    while True:
        f = form_fields(r.text)
        names = set(re.findall(r'name="a-([a-z0-9_]+)"', r.text))
        last = 'value="submit"' in r.text
        data = {**f, "action": "submit" if last else "next",
                **answers({k: v for k, v in values.items() if k in names})}  # fmt: skip
        r = c.post(f"/s/{token}", data=data)
        if last or r.status_code != 200 or 'name="p"' not in r.text:
            return r
        if hidden_p(r.text) == f["p"]:
            return r  # the same page again: problems


def hidden_p(html: str) -> str:
    m = re.search(r'name="p" value="(\d+)"', html)
    return m.group(1) if m else ""


def test_every_question_type_renders_on_a_phone_page(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"))
    seen = set()
    r = web.client.get(f"/s/{link['token']}?lang=en")
    pages = int(re.search(r"Page 1 of (\d+)", r.text).group(1))  # type: ignore[union-attr]
    for p in range(1, pages + 1):
        html = web.client.get(f"/s/{link['token']}?lang=en&p={p}").text
        seen |= set(re.findall(r'class="q q-([a-z0-9]+)', html))
        assert 'name="viewport"' in html and "<script>" not in html
    assert seen == {"servqual3", "kano", "nps", "csat", "importance", "single", "multiple",
                    "profile", "text"}  # fmt: skip
    first = web.client.get(f"/s/{link['token']}?lang=zh").text
    assert "甲快递" in first and "快递服务满意度调查" in first and "第 1 / " in first
    assert "The lowest level of service you would accept" in r.text


def test_a_full_answer_is_stored_as_an_import_would_store_it(web: Web, tmp_path: Path) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), site="sh01")
    r = answer_all_pages(web, link["token"], GOOD)
    assert r.status_code == 200 and "感谢" in r.text  # type: ignore[attr-defined]
    [stored] = responses(web)
    assert stored.channel == "web" and stored.external_id == f"web-{link['id']}"
    # the same answers through the importer give the same stored answers
    row = {"response_id": "imp1", "submitted_at": stored.submitted_at.isoformat(),
           "site": "sh01", **{k: v for k, v in GOOD.items()}}  # fmt: skip
    row["extras_pickup"] = "0"
    path = tmp_path / "one.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    import_responses(web.store, path, workspace="acme", survey="svc")
    with web.store.session() as s:
        imported = s.scalars(select(Response).where(Response.external_id == "imp1")).one()
    assert stored.answers == imported.answers
    assert stored.period == imported.period and stored.site_id == imported.site_id
    assert stored.answers["wait_perceived"] == 12.5 and stored.answers["extras_pickup"] == 0
    assert stored.answers["comment"] == GOOD["comment"]


def test_inconsistent_three_column_item_gets_a_friendly_message(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), survey="short")
    c = web.client
    r = c.get(f"/s/{link['token']}?lang=en")
    bad = {**GOOD, "rel2_adequate": "8", "rel2_desired": "3"}
    data = {**form_fields(r.text), "action": "submit",
            **answers({k: v for k, v in bad.items() if k[:4] in ("rel1", "rel2", "ass1")})}  # fmt: skip
    r = c.post(f"/s/{link['token']}?lang=en", data=data)
    assert r.status_code == 422
    assert "the desired level 3 is below the adequate level 8" in r.text
    assert 'value="8" checked' in r.text  # the answers are kept
    assert responses(web) == []
    data["a-rel2_desired"] = "9"
    r = c.post(f"/s/{link['token']}?lang=en", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert len(responses(web)) == 1


def test_a_lower_better_wait_is_checked_the_other_way_round(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"))
    bad = {**GOOD, "wait_adequate": "5", "wait_desired": "20"}
    r = answer_all_pages(web, link["token"], bad)
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "理想值 20 大于最低可接受值 5" in r.text  # type: ignore[attr-defined]


def test_answers_outside_the_scale_are_refused_naming_the_field(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), survey="short")
    c = web.client
    r = c.get(f"/s/{link['token']}?lang=en")
    data = {**form_fields(r.text), "action": "submit", "a-rel1_adequate": "12",
            "a-rel1_desired": "abc"}  # fmt: skip
    r = c.post(f"/s/{link['token']}?lang=en", data=data)
    assert r.status_code == 422
    assert "answer 12 is outside the 1–9 scale of `rel1`" in r.text
    assert "is not a number; `rel1` takes numbers from 1 to 9" in r.text


def test_importance_points_must_total_100(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"))
    bad = {**GOOD, "importance_empathy": "25"}
    r = answer_all_pages(web, link["token"], bad)
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "合计为 115 而不是 100" in r.text  # type: ignore[attr-defined]


def test_double_submit_and_back_button_store_one_response(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), survey="short")
    c, token = web.client, link["token"]
    r = c.get(f"/s/{token}")
    data = {**form_fields(r.text), "action": "submit",
            **answers({k: v for k, v in GOOD.items() if k[:4] in ("rel1", "rel2", "ass1")})}  # fmt: skip
    first = c.post(f"/s/{token}", data=data, follow_redirects=False)
    again = c.post(f"/s/{token}", data=data)
    assert first.status_code == 303 and again.status_code == 200
    assert "已经通过此链接提交过答卷" in again.text
    assert "已经通过此链接提交过答卷" in c.get(f"/s/{token}").text  # a used personal link
    assert len(responses(web)) == 1


def test_open_link_one_response_per_respondent(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), survey="short", count=1, kind="open")
    c, token = web.client, link["token"]
    vals = answers({k: v for k, v in GOOD.items() if k[:4] in ("rel1", "rel2", "ass1")})
    r = c.get(f"/s/{token}")
    f = form_fields(r.text)
    assert len(f["rid"]) >= 16
    c.post(f"/s/{token}", data={**f, "action": "submit", **vals})
    c.post(f"/s/{token}", data={**f, "action": "submit", **vals})  # a retry: same respondent
    assert "感谢" in c.get(f"/s/{token}?sent=1").text
    # the next customer at the counter
    r = c.get(f"/s/{token}?new=1")
    g = form_fields(r.text)
    assert g["rid"] != f["rid"]
    c.post(f"/s/{token}", data={**g, "action": "submit", **vals})
    ids = sorted(x.external_id for x in responses(web))
    assert ids == sorted([f"web-{link['id']}-{f['rid']}", f"web-{link['id']}-{g['rid']}"])


def test_save_and_resume(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), survey="short")
    c, token = web.client, link["token"]
    r = c.get(f"/s/{token}")
    data = {**form_fields(r.text), "action": "save", "a-rel1_adequate": "3"}
    r = c.post(f"/s/{token}", data=data)
    assert r.status_code == 200 and "已保存" in r.text
    c.cookies.clear()  # another day, another browser: the personal link keeps the draft
    r = c.get(f"/s/{token}")
    assert re.search(r'name="a-rel1_adequate" value="3" checked', r.text)


def test_multi_page_navigation_keeps_answers(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"))
    c, token = web.client, link["token"]
    r = c.get(f"/s/{token}")
    data = {**form_fields(r.text), "action": "next", "a-rel1_adequate": "2"}
    r = c.post(f"/s/{token}", data=data, follow_redirects=False)
    assert r.status_code == 303 and "p=2" in r.headers["location"]
    r = c.get(r.headers["location"])
    r = c.post(f"/s/{token}", data={**form_fields(r.text), "action": "back"})
    assert re.search(r'name="a-rel1_adequate" value="2" checked', r.text)


def test_closed_and_not_yet_open_links(web: Web) -> None:
    now = dt.datetime.now(dt.UTC)
    past = create_links(web.store, workspace="acme", survey="short", count=1,
                        opens_at=now - dt.timedelta(days=10), closes_at=now - dt.timedelta(days=1))  # fmt: skip
    future = create_links(web.store, workspace="acme", survey="short", count=1,
                          opens_at=now + dt.timedelta(days=1))  # fmt: skip
    assert "已结束" in web.client.get(f"/s/{past.links[0].token}").text
    assert "尚未开始" in web.client.get(f"/s/{future.links[0].token}").text
    r = web.client.get(f"/s/{past.links[0].token}")
    data = {**{"csrf": web.client.cookies.get("sg_csrf") or ""}, "action": "submit",
            "a-rel1_adequate": "3"}  # fmt: skip
    assert "已结束" in web.client.post(f"/s/{past.links[0].token}", data=data).text
    assert responses(web) == []
    assert r.status_code == 200


def test_unknown_link_is_a_friendly_404(web: Web) -> None:
    r = web.client.get("/s/not-a-real-token?lang=en")
    assert r.status_code == 404 and "This survey link does not exist" in r.text


def test_post_without_csrf_is_refused(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"), survey="short")
    web.client.get(f"/s/{link['token']}")
    r = web.client.post(f"/s/{link['token']}", data={"action": "submit", "a-rel1_adequate": "3"})
    assert r.status_code == 403
    assert responses(web) == []


def test_free_text_is_escaped(web: Web) -> None:
    [link] = make_links(web.client, web.auth("admin@acme"))
    c, token = web.client, link["token"]
    pages = int(re.search(r"/ (\d+) 页", c.get(f"/s/{token}").text).group(1))  # type: ignore[union-attr]
    r = c.get(f"/s/{token}?p={pages}")
    evil = "</textarea><script>alert(1)</script>"
    r = c.post(f"/s/{token}", data={**form_fields(r.text), "action": "save", "a-comment": evil})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;/textarea&gt;&lt;script&gt;" in r.text


@pytest.mark.parametrize("kind", ["personal", "open"])
def test_concurrent_submissions_store_exactly_one(web: Web, kind: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    batch = create_links(web.store, workspace="acme", survey="short", count=1, kind=kind)
    token = batch.links[0].token
    rid = "R" * 22
    vals = {k: v for k, v in GOOD.items() if k[:4] in ("rel1", "rel2", "ass1")}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: submit_form(web.store, token, rid, vals), range(16)))
    assert sum(r.created for r in results) == 1
    with web.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1
    assert json.dumps(results[0].to_dict())
