"""The complaint desk's services: one case with all it needs, similar resolved cases, the
supervisor's overdue counts, and the typed results of the case use cases.

SLA figures are worked by hand from the default calendar (Mon–Fri 09:00–18:00,
Asia/Shanghai; 2026-03-02 is a Monday) and the default targets (normal: acknowledge
within 4 business hours).
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from servgap.core.errors import ConflictError
from servgap.services.cases import (
    CaseDetail,
    OpenedCase,
    act_on_case,
    assign_case,
    desk_case,
    get_case,
    list_cases,
    move_case,
    open_case,
    supervisor_view,
)
from servgap.services.context import Store, ensure_workspace
from servgap.services.similar_cases import similar_resolved_cases
from servgap.store.models import Customer, Site

SH = ZoneInfo("Asia/Shanghai")
WS = "acme"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=SH)


@pytest.fixture
def ws_store(store: Store) -> Store:
    with store.session() as s:
        ws = ensure_workspace(s, WS, "示例", "Acme")
        for code in ("SH01", "SH02"):
            s.add(Site(workspace_id=ws.id, code=code, name_zh=code, name_en=code, kind="outlet"))
        s.add(Customer(workspace_id=ws.id, code="c1", name="张伟", phone="13812345678",
                       email="zhang.wei@example.com", tenure_months=60, orders_per_month=8,
                       loyalty_intent=7, attributes={}))  # fmt: skip
    return store


def _resolve(store: Store, code: str, day: int, *acts: tuple[str, float | None]) -> None:
    move_case(store, workspace=WS, code=code, to="investigating", now=at(day, 10))
    for i, (action, amount) in enumerate(acts):
        act_on_case(store, workspace=WS, code=code, action=action, amount_cny=amount,
                    now=at(day, 11, i))  # fmt: skip
    move_case(store, workspace=WS, code=code, to="resolved", now=at(day, 12))


def test_results_are_frozen_dataclasses_with_the_same_json(ws_store: Store) -> None:
    c = open_case(ws_store, workspace=WS, summary="包裹延误", category="delay", customer="c1",
                  site="SH01", now=at(2, 9))  # fmt: skip
    assert isinstance(c, OpenedCase)
    with pytest.raises(AttributeError):
        c.state = "closed"  # type: ignore[misc]
    d = c.to_dict()
    assert list(d)[:3] == ["case", "state", "priority"] and d["created"] is True
    assert list(d)[-2:] == ["idempotency_key", "created"]
    shown = get_case(ws_store, workspace=WS, code=c.case)
    assert isinstance(shown, CaseDetail)
    out = shown.to_dict()
    assert list(out)[-7:] == ["events", "actions", "compensation_cny", "history_consistent",
                              "sla", "warning_en", "warning_zh"]  # fmt: skip
    assert out["events"][0]["kind"] == "created" and out["sla"]["target_h"] == 4.0
    json.dumps(out)  # JSON-ready


def test_similar_cases_finds_the_truly_similar_resolved_case(ws_store: Store) -> None:
    damage = open_case(ws_store, workspace=WS, summary="包裹破损了，里面的玻璃杯全碎了",
                       category="damage_loss", now=at(2, 9)).case  # fmt: skip
    late = open_case(ws_store, workspace=WS, summary="快递延误了三天还没有送到",
                     category="delay", now=at(2, 9, 5)).case  # fmt: skip
    rude = open_case(ws_store, workspace=WS, summary="快递员态度很差，还骂人",
                     category="attitude", now=at(2, 9, 10)).case  # fmt: skip
    _resolve(ws_store, damage, 3, ("apology", None), ("coupon", 20.0))
    _resolve(ws_store, late, 3, ("apology", None))
    _resolve(ws_store, rude, 4, ("explanation", None))
    unresolved = open_case(ws_store, workspace=WS, summary="杯子碎了，包裹破损",
                           category="damage_loss", now=at(4, 9)).case  # fmt: skip
    new = open_case(ws_store, workspace=WS, summary="收到的包裹破损，玻璃杯碎了",
                    now=at(5, 9)).case  # fmt: skip
    found = similar_resolved_cases(ws_store, workspace=WS, code=new, top_k=3)
    assert found[0].case == damage  # the damaged glass, not the delay or the rude courier
    assert found[0].actions == ("apology", "coupon 20") and found[0].compensation_cny == 20.0
    assert unresolved not in {f.case for f in found}  # only resolved cases are compared
    assert all(0.0 <= f.score <= 1.0 for f in found)
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)


def test_similar_cases_index_is_kept_until_the_resolved_cases_change(
    ws_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus is vectorised once per workspace and rebuilt when a case is resolved; a
    resolved case never finds itself."""
    import servgap.services.similar_cases as sc

    built: list[int] = []
    real = sc.build_case_index
    monkeypatch.setattr(
        sc, "build_case_index", lambda texts: built.append(len(texts)) or real(texts)
    )
    damage = open_case(ws_store, workspace=WS, summary="包裹破损了，里面的玻璃杯全碎了",
                       category="damage_loss", now=at(2, 9)).case  # fmt: skip
    _resolve(ws_store, damage, 3, ("apology", None))
    new = open_case(ws_store, workspace=WS, summary="收到的包裹破损，玻璃杯碎了",
                    now=at(5, 9)).case  # fmt: skip
    for _ in range(3):
        assert [f.case for f in similar_resolved_cases(ws_store, workspace=WS, code=new)] == [
            damage
        ]
    assert built == [1]  # one build for three page views
    _resolve(ws_store, new, 6, ("apology", None))
    found = similar_resolved_cases(ws_store, workspace=WS, code=new)
    assert built == [1, 2] and [f.case for f in found] == [damage]  # rebuilt; not itself


def test_desk_case_gathers_history_customer_text_and_ledger(ws_store: Store) -> None:
    old = open_case(ws_store, workspace=WS, summary="上次快递延误", category="delay",
                    customer="c1", now=at(2, 9)).case  # fmt: skip
    _resolve(ws_store, old, 2, ("refund", 15.0))
    code = open_case(ws_store, workspace=WS, summary="快递员态度很差，请回电 13812345678",
                     customer="c1", site="SH02", now=at(3, 9)).case  # fmt: skip
    act_on_case(ws_store, workspace=WS, code=code, action="coupon", amount_cny=20, now=at(3, 10))
    page = desk_case(ws_store, workspace=WS, code=code, personal=True)
    assert page.next_states == ("acknowledged", "investigating")
    assert page.customer is not None and page.customer.phone == "13812345678"
    assert [p.case for p in page.past_cases] == [old]
    assert page.past_cases[0].compensation_cny == 15.0
    assert page.text is not None and page.text.category == "attitude"
    assert page.text.polarity == "negative" and page.text.sentiment < 0
    assert page.ledger is not None and page.ledger.total_cny == pytest.approx(35.0)
    assert page.ledger.by_action["coupon"] == 20.0 and page.ledger.by_action["refund"] == 15.0
    assert page.ledger.cases == 2 and page.ledger.actions == 2
    assert {k.code for k in page.action_kinds if k.amount_required} == {
        "refund", "coupon", "compensation"}  # fmt: skip
    json.dumps(page.to_dict())
    # an analyst's view: name, phone and e-mail masked, and the phone inside the summary too
    masked = desk_case(ws_store, workspace=WS, code=code, personal=False)
    assert masked.customer is not None and masked.customer.phone == "138****5678"
    assert masked.customer.name == "张*" and masked.customer.email == "z***@example.com"
    assert "13812345678" not in json.dumps(masked.to_dict(), ensure_ascii=False)
    assert "138****5678" in masked.case.summary


def test_illegal_move_changes_nothing(ws_store: Store) -> None:
    code = open_case(ws_store, workspace=WS, summary="x", category="other", now=at(2, 9)).case
    with pytest.raises(ConflictError) as err:
        move_case(ws_store, workspace=WS, code=code, to="closed", now=at(2, 10))
    assert "acknowledged" in err.value.en and "已受理" in err.value.zh
    shown = get_case(ws_store, workspace=WS, code=code)
    assert shown.state == "new" and len(shown.events) == 1


def test_queue_filters_site_category_owner(ws_store: Store) -> None:
    a = open_case(ws_store, workspace=WS, summary="a", category="delay", site="SH01",
                  now=at(2, 9)).case  # fmt: skip
    b = open_case(ws_store, workspace=WS, summary="b", category="attitude", site="SH02",
                  now=at(2, 9, 1)).case  # fmt: skip
    c = open_case(ws_store, workspace=WS, summary="c", category="delay", site="SH02",
                  now=at(2, 9, 2)).case  # fmt: skip
    assign_case(ws_store, workspace=WS, code=c, owner="agent@acme.test", now=at(2, 9, 3))
    q = {"workspace": WS, "now": at(2, 10)}
    assert set(list_cases(ws_store, **q, site="SH02")["case"]) == {b, c}
    assert set(list_cases(ws_store, **q, category="delay")["case"]) == {a, c}
    assert list_cases(ws_store, **q, owner="agent@acme.test")["case"].tolist() == [c]
    assert set(list_cases(ws_store, **q, owner="-")["case"]) == {a, b}
    assert list_cases(ws_store, **q, site="SH01", category="attitude").empty


def test_supervisor_counts_overdue_and_at_risk_per_site_and_agent(ws_store: Store) -> None:
    # normal priority: acknowledge within 4 business hours
    late = open_case(ws_store, workspace=WS, summary="a", category="delay", site="SH01",
                     owner="ann", now=at(2, 9)).case  # fmt: skip
    near = open_case(ws_store, workspace=WS, summary="b", category="delay", site="SH01",
                     owner="bob", now=at(2, 9, 50)).case  # fmt: skip
    fine = open_case(ws_store, workspace=WS, summary="c", category="delay", site="SH02",
                     owner="ann", now=at(2, 12)).case  # fmt: skip
    # at 13:30: late has 4 h used of 4 → breached by 0.5 h; near 3 h 40 used → 0.33 h left
    # (< 20 % of 4 h: at risk); fine 1.5 h used
    view = supervisor_view(ws_store, workspace=WS, now=at(2, 13, 30))
    assert (view.open, view.overdue, view.at_risk) == (3, 1, 1)
    sites = {g.key: g for g in view.by_site}
    assert (sites["SH01"].open, sites["SH01"].overdue, sites["SH01"].at_risk) == (2, 1, 1)
    assert sites["SH01"].oldest_case == late and sites["SH01"].most_overdue_case == late
    assert sites["SH01"].most_overdue_h == pytest.approx(0.5)
    assert (sites["SH02"].overdue, sites["SH02"].most_overdue_case) == (0, None)
    agents = {g.key: g for g in view.by_agent}
    assert (agents["ann"].open, agents["ann"].overdue) == (2, 1)
    assert (agents["bob"].at_risk, agents["bob"].oldest_case) == (1, near)
    assert view.by_site[0].key == "SH01"  # most overdue first
    assert set(view.cases["case"]) == {late, near} and fine not in set(view.cases["case"])
    same = list_cases(ws_store, workspace=WS, now=at(2, 13, 30), overdue=True, at_risk=True)
    assert view.cases["case"].tolist() == same["case"].tolist()


def test_pauses_are_listed_with_their_business_hours(ws_store: Store) -> None:
    from servgap.services.cases import resume_case, wait_for_customer

    code = open_case(ws_store, workspace=WS, summary="等待客户提供单号", category="other",
                     now=at(2, 9)).case  # fmt: skip
    move_case(ws_store, workspace=WS, code=code, to="acknowledged", now=at(2, 10))
    wait_for_customer(ws_store, workspace=WS, code=code, now=at(2, 17))
    resume_case(ws_store, workspace=WS, code=code, now=at(3, 11))  # Mon 17-18 + Tue 9-11: 3 h
    wait_for_customer(ws_store, workspace=WS, code=code, now=at(3, 12))
    page = desk_case(ws_store, workspace=WS, code=code, personal=True)
    first, second = page.pauses
    assert (first.start, first.end) == (at(2, 17).astimezone(dt.UTC).isoformat(),
                                         at(3, 11).astimezone(dt.UTC).isoformat())  # fmt: skip
    assert first.business_h == pytest.approx(3.0)
    assert second.end is None and second.business_h >= 0.0  # still waiting
    assert page.case.waiting_since is not None
