"""The complaint desk in the browser's HTTP: the queue equals `servgap case list --json`, the
case page for every role, illegal moves refused on the page, recovery actions in the ledger,
similar cases, the supervisor view, and the survey closed loop from web submissions."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from tests.web.conftest import Web
from tests.web.helpers import GOOD, answers, form_fields, make_links

from servgap.cli import main
from servgap.services.cases import (
    act_on_case,
    assign_case,
    cases_from_survey,
    compensation_ledger,
    get_case,
    list_cases,
    move_case,
    open_case,
)
from servgap.store.models import Case, Customer, Workspace

UTC = dt.UTC


def _ago(**kw: float) -> dt.datetime:
    return dt.datetime.now(UTC) - dt.timedelta(**kw)


def seed_cases(web: Web) -> dict[str, str]:
    """Cases in acme: two old ones (overdue whatever the calendar), one fresh; two sites."""
    with web.store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == "acme"))
        assert ws is not None
        s.add(Customer(workspace_id=ws.id, code="c1", name="张伟", phone="13812345678",
                       tenure_months=30, attributes={}))  # fmt: skip
    st = web.store
    old = open_case(st, workspace="acme", summary="包裹破损了，玻璃杯碎了，请回电 13812345678",
                    category="damage_loss", site="sh01", customer="c1", priority="high",
                    now=_ago(days=30)).case  # fmt: skip
    late = open_case(st, workspace="acme", summary="快递延误三天", category="delay",
                     site="sh01", now=_ago(days=20)).case  # fmt: skip
    other = open_case(st, workspace="acme", summary="快递员态度差", category="attitude",
                      site="bj01", now=_ago(days=10)).case  # fmt: skip
    assign_case(st, workspace="acme", code=late, owner="agent@acme.test", now=_ago(days=19))
    done = open_case(st, workspace="acme", summary="包裹破损，杯子碎了", category="damage_loss",
                     site="bj01", now=_ago(days=40)).case  # fmt: skip
    move_case(st, workspace="acme", code=done, to="investigating", now=_ago(days=39))
    act_on_case(st, workspace="acme", code=done, action="apology", now=_ago(days=39))
    act_on_case(st, workspace="acme", code=done, action="coupon", amount_cny=30,
                now=_ago(days=39))  # fmt: skip
    move_case(st, workspace="acme", code=done, to="resolved", now=_ago(days=38))
    return {"old": old, "late": late, "other": other, "done": done}


def cli_queue(web: Web, *args: str) -> list[dict[str, Any]]:
    url = web.store.settings.resolved_database_url()
    res = CliRunner().invoke(main, ["--database-url", url, "-w", "acme", "case", "list",
                                    *args, "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows: list[dict[str, Any]] = json.loads(res.stdout)
    return rows


def same_queue(web_rows: list[dict[str, Any]], cli_rows: list[dict[str, Any]]) -> None:
    """Equal rows; the clocks of the two calls may differ by the seconds between them."""
    assert [r["case"] for r in web_rows] == [r["case"] for r in cli_rows]
    for a, b in zip(web_rows, cli_rows, strict=True):
        assert a["remaining_h"] == pytest.approx(b["remaining_h"], abs=0.01)
        moving = {"remaining_h", "urgency", "sla_state", "at_risk", "overdue"}
        assert {k: v for k, v in a.items() if k not in moving} == {
            k: v for k, v in b.items() if k not in moving}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("", ()),
        ("?site=sh01", ("--site", "sh01")),
        ("?category=delay&owner=agent%40acme.test", ("--category", "delay", "--owner",
                                                      "agent@acme.test")),
        ("?overdue=1", ("--overdue",)),
        ("?state=resolved", ("--state", "resolved")),
        ("?all=1&site=bj01", ("--all", "--site", "bj01")),
        ("?owner=-", ("--owner", "-")),
    ],
)  # fmt: skip
def test_queue_and_filters_equal_the_cli(web: Web, query: str, args: tuple[str, ...]) -> None:
    seed_cases(web)
    r = web.client.get(f"/w/acme/desk.json{query}", headers=web.auth("agent@acme"))
    assert r.status_code == 200, r.text
    body = r.json()
    cli = cli_queue(web, *args)
    assert cli or query in ("?state=resolved",)  # every filter but one keeps some case
    same_queue(body["cases"], cli)
    api = web.client.get(f"/api/v1/workspaces/acme/cases{query}", headers=web.auth("agent@acme"))
    assert api.status_code == 200, api.text
    same_queue(api.json()["cases"], cli)


def test_queue_page_html_shows_the_filtered_cases(web: Web) -> None:
    cases = seed_cases(web)
    r = web.client.get("/w/acme/desk?site=sh01", headers=web.auth("agent@acme"))
    assert r.status_code == 200
    html = r.text
    assert f"/w/acme/desk/{cases['old']}" in html and f"/w/acme/desk/{cases['late']}" in html
    assert cases["other"] not in html
    order = list_cases(web.store, workspace="acme", site="sh01")["case"].tolist()
    shown = re.findall(r'class="dk-case" href="/w/acme/desk/(C\d+)"', html)
    assert shown == order
    assert '<option value="sh01" selected>' in html
    # English
    r = web.client.get("/w/acme/desk?lang=en", headers=web.auth("agent@acme"))
    assert "Complaint desk" in r.text and "business hours over (target" in r.text


def test_unknown_category_filter_is_refused_naming_it(web: Web) -> None:
    r = web.client.get("/w/acme/desk?category=bogus", headers=web.auth("agent@acme"))
    assert r.status_code in (400, 422) and "bogus" in r.text


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin@acme", 200), ("analyst@acme", 200), ("agent@acme", 200), ("auditor@acme", 403),
     ("admin@beta", 404)],
)  # fmt: skip
def test_case_page_for_each_role(web: Web, who: str, status: int) -> None:
    cases = seed_cases(web)
    for path in (f"/w/acme/desk/{cases['old']}", f"/w/acme/desk/{cases['old']}.json",
                 "/w/acme/desk", "/w/acme/desk.json"):  # fmt: skip
        r = web.client.get(path, headers=web.auth(who))
        assert r.status_code == status, (path, r.text[:300])
    if status != 200:
        return
    page = web.client.get(f"/w/acme/desk/{cases['old']}", headers=web.auth(who)).text
    data = web.client.get(f"/w/acme/desk/{cases['old']}.json", headers=web.auth(who)).json()
    queue = web.client.get("/w/acme/desk.json", headers=web.auth(who)).json()
    works = who != "analyst@acme"  # admin and agent contact customers and act on cases
    assert ("13812345678" in page) is works
    assert ("13812345678" in json.dumps(data, ensure_ascii=False)) is works
    assert ("13812345678" in json.dumps(queue, ensure_ascii=False)) is works
    assert ("138****5678" in page) is not works
    assert (f'action="/w/acme/desk/{cases["old"]}/move"' in page) is works  # the work forms
    assert 'id="form-correct"' in page  # agents and supervisors correct the text reading
    assert data["case"]["case"] == cases["old"] and data["personal_data_shown"] is works
    assert data["case"]["sla"]["overdue"] is True


def test_supervisor_view_roles_and_figures(web: Web) -> None:
    cases = seed_cases(web)
    for who, status in (("admin@acme", 200), ("analyst@acme", 200), ("agent@acme", 403),
                        ("auditor@acme", 403), ("admin@beta", 404)):  # fmt: skip
        r = web.client.get("/w/acme/desk/supervisor.json", headers=web.auth(who))
        assert r.status_code == status, who
    view = web.client.get("/w/acme/desk/supervisor.json", headers=web.auth("admin@acme")).json()
    # the three open cases are weeks old: all overdue
    assert (view["open"], view["overdue"], view["at_risk"]) == (3, 3, 0)
    sites = {g["key"]: g for g in view["by_site"]}
    assert sites["sh01"]["overdue"] == 2 and sites["bj01"]["overdue"] == 1
    assert sites["sh01"]["oldest_case"] == cases["old"]
    agents = {g["key"]: g for g in view["by_agent"]}
    assert agents["agent@acme.test"]["open"] == 1 and agents["(none)"]["open"] == 2
    overdue = list_cases(web.store, workspace="acme", overdue=True, at_risk=True)
    assert [r["case"] for r in view["cases"]] == overdue["case"].tolist()
    html = web.client.get("/w/acme/desk/supervisor", headers=web.auth("analyst@acme")).text
    assert 'id="n-overdue">3<' in html and "按网点" in html


def test_only_legal_next_states_are_offered_and_an_illegal_move_is_refused(web: Web) -> None:
    cases = seed_cases(web)
    code = cases["other"]  # new
    html = web.client.get(f"/w/acme/desk/{code}", headers=web.auth("agent@acme")).text
    form = html[html.index('id="form-move"') : html.index("</form>", html.index('id="form-move"'))]
    assert re.findall(r'<option value="([a-z_]+)"', form) == ["acknowledged", "investigating"]
    before = get_case(web.store, workspace="acme", code=code)
    r = web.client.post(f"/w/acme/desk/{code}/move", data={"to": "closed", "note": "x"},
                        headers=web.auth("agent@acme"), follow_redirects=False)  # fmt: skip
    assert r.status_code == 409
    assert "不能变更为" in r.text and "可变更为" in r.text and 'id="error-move"' in r.text
    after = get_case(web.store, workspace="acme", code=code)
    assert after.state == "new" and len(after.events) == len(before.events)
    r = web.client.post(f"/w/acme/desk/{code}/move?lang=en", data={"to": "resolved"},
                        headers=web.auth("agent@acme"))  # fmt: skip
    assert r.status_code == 409 and "cannot move" in r.text
    # a legal move: back to the case page with a notice
    r = web.client.post(f"/w/acme/desk/{code}/move", data={"to": "acknowledged"},
                        headers=web.auth("agent@acme"), follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("?done=move")
    assert get_case(web.store, workspace="acme", code=code).state == "acknowledged"
    # analysts read but do not act
    r = web.client.post(f"/w/acme/desk/{code}/move", data={"to": "investigating"},
                        headers=web.auth("analyst@acme"))  # fmt: skip
    assert r.status_code == 403


def test_recovery_action_with_amount_appears_in_the_ledger(web: Web) -> None:
    cases = seed_cases(web)
    code = cases["old"]
    agent = web.auth("agent@acme")
    r = web.client.post(f"/w/acme/desk/{code}/act", data={"action": "coupon", "amount_cny": ""},
                        headers=agent)  # fmt: skip
    assert r.status_code == 422 and 'id="error-action"' in r.text and "金额" in r.text
    r = web.client.post(f"/w/acme/desk/{code}/act", data={"action": "coupon", "amount_cny": "abc"},
                        headers=agent)  # fmt: skip
    assert r.status_code == 422 and "abc" in r.text
    assert get_case(web.store, workspace="acme", code=code).actions == ()  # nothing written
    for data in ({"action": "apology", "note": "已致电道歉"},
                 {"action": "coupon", "amount_cny": "¥20", "note": "优惠券"}):  # fmt: skip
        r = web.client.post(f"/w/acme/desk/{code}/act", data=data, headers=agent,
                            follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
    page = web.client.get(f"/w/acme/desk/{code}.json", headers=agent).json()
    assert [(a["action"], a["amount_cny"]) for a in page["case"]["actions"]] == [
        ("apology", 0.0), ("coupon", 20.0)]  # fmt: skip
    assert page["case"]["compensation_cny"] == 20.0
    assert page["ledger"]["total_cny"] == 20.0 and page["ledger"]["by_action"]["coupon"] == 20.0
    ledger = compensation_ledger(web.store, workspace="acme")
    row = ledger.table.set_index("customer").loc["c1"]
    assert row["coupon_cny"] == 20.0 and row["total_cny"] == 20.0
    html = web.client.get(f"/w/acme/desk/{code}?done=action", headers=agent).text
    assert 'id="case-total">20.00<' in html and "补救措施已记录" in html


def test_similar_resolved_case_on_the_case_page(web: Web) -> None:
    cases = seed_cases(web)
    page = web.client.get(f"/w/acme/desk/{cases['old']}.json", headers=web.auth("agent@acme"))
    similar = page.json()["similar"]
    assert similar and similar[0]["case"] == cases["done"]
    assert similar[0]["actions"] == ["apology", "coupon 30"]
    assert page.json()["text"]["category"] == "damage_loss"


def test_note_and_assign_forms(web: Web) -> None:
    cases = seed_cases(web)
    code, agent = cases["other"], web.auth("agent@acme")
    r = web.client.post(f"/w/acme/desk/{code}/note", data={"note": "  "}, headers=agent)
    assert r.status_code == 422 and 'id="error-note"' in r.text
    r = web.client.post(f"/w/acme/desk/{code}/note", data={"note": "x" * 10_001}, headers=agent)
    assert r.status_code == 422
    web.client.post(f"/w/acme/desk/{code}/note", data={"note": "客户要求回电"}, headers=agent)
    web.client.post(f"/w/acme/desk/{code}/assign", data={"owner": ""}, headers=agent)
    shown = get_case(web.store, workspace="acme", code=code)
    assert shown.owner == "agent@acme.test"
    assert [e.kind for e in shown.events][-2:] == ["note", "assigned"]


def test_unknown_case_is_404_and_other_workspace_case_is_404(web: Web) -> None:
    cases = seed_cases(web)
    r = web.client.get("/w/acme/desk/C999999", headers=web.auth("agent@acme"))
    assert r.status_code == 404
    r = web.client.get(f"/w/beta/desk/{cases['old']}", headers=web.auth("admin@beta"))
    assert r.status_code == 404


# ------------------------------------------------------------------ the survey closed loop


def submit(web: Web, values: dict[str, str]) -> str:
    [link] = make_links(
        web.client, web.auth("admin@acme"), survey="short", customers=[f"c{uuid.uuid4().hex[:6]}"]
    )
    r = web.client.get(f"/s/{link['token']}")
    data = {**form_fields(r.text), "action": "submit",
            **answers({k: v for k, v in values.items() if k[:4] in ("rel1", "rel2", "ass1")})}  # fmt: skip
    r = web.client.post(f"/s/{link['token']}", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(link["id"])


def test_a_dissatisfied_web_answer_opens_a_case_the_same_day(web: Web) -> None:
    unhappy = {**GOOD, "rel1_perceived": "2"}  # rel1: adequate 5, perceived 2 (MSA -3)
    happy = {**GOOD, "rel2_perceived": "5"}  # every item at or above adequate
    link = submit(web, unhappy)
    submit(web, happy)
    with web.store.session() as s:
        rows = s.scalars(select(Case).where(Case.source == "survey")).all()
        assert len(rows) == 1
        case = rows[0]
        assert case.idempotency_key == f"survey:short:web-{link}"
        assert case.priority == "high" and case.channel == "survey"
        assert case.opened_at.date() == dt.datetime.now(UTC).date()
        assert "rel1" in case.summary and "rel2" in case.summary
        code = case.code
    queue = web.client.get("/w/acme/desk.json", headers=web.auth("agent@acme")).json()
    assert code in [r["case"] for r in queue["cases"]]
    # the batch run later finds it open: one case per response, whichever came first
    rep = cases_from_survey(web.store, workspace="acme", survey="short", items=["rel1", "rel2"],
                            nps_col=None)  # fmt: skip
    assert rep.opened == 0 and rep.already_open == 1


def test_a_case_number_taken_meanwhile_is_retried_and_the_answer_kept(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent submissions (PostgreSQL) can pick the same case number: the case is opened
    in a savepoint and the next number tried, the response is kept."""
    from servgap.services.cases.intake import Opener
    from servgap.store.models import Response

    taken = open_case(web.store, workspace="acme", summary="x", category="other").case
    real = Opener.new_code
    calls: list[str] = []

    def first_taken(self: Opener) -> str:
        calls.append("x")
        return taken if len(calls) == 1 else real(self)

    monkeypatch.setattr(Opener, "new_code", first_taken)
    submit(web, {**GOOD, "rel1_perceived": "2"})
    assert len(calls) == 2
    with web.store.session() as s:
        assert len(s.scalars(select(Case).where(Case.source == "survey")).all()) == 1
        assert len(s.scalars(select(Response)).all()) == 1
