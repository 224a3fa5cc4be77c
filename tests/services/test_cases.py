"""Case handling and intake on the store: workflow, SLA queue, escalation, ledger,
all-or-nothing import, the survey closed loop and the demo's three seed cases.

Expected SLA numbers are worked by hand from the calendar (Mon–Fri 09:00–18:00,
Asia/Shanghai; 2026-03-02 is a Monday), not taken from our own output.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func, select

from servgap.core.errors import ConflictError, InputError, NotFoundError
from servgap.services.cases import (
    act_on_case,
    assign_case,
    cases_from_complaints,
    cases_from_survey,
    compensation_ledger,
    escalate_cases,
    get_case,
    import_cases,
    list_cases,
    move_case,
    note_case,
    open_case,
    resume_case,
    wait_for_customer,
)
from servgap.services.context import Store, ensure_workspace
from servgap.services.responses import import_responses
from servgap.services.surveys import save_definition
from servgap.store.models import Case, CaseEvent, Complaint, Customer, Site, Workspace

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
        s.add(Customer(workspace_id=ws.id, code="c1", tenure_months=60, orders_per_month=8,
                       loyalty_intent=7, attributes={}))  # fmt: skip
        s.add(Customer(workspace_id=ws.id, code="c2", tenure_months=1, orders_per_month=0.2,
                       loyalty_intent=1, attributes={}))  # fmt: skip
    return store


def n_rows(store: Store, model: type[Case] | type[CaseEvent] | type[Complaint]) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_full_lifecycle_with_reopen(ws_store: Store) -> None:
    c = open_case(ws_store, workspace=WS, summary="包裹延误三天", category="delay",
                  customer="c1", site="SH01", channel="phone", actor="ann", now=at(2, 9))  # fmt: skip
    assert c.created and c.state == "new" and c.customer == "c1" and c.site == "SH01"
    code = c.case
    steps = [("acknowledged", 10), ("investigating", 11), ("recovery_offered", 12),
             ("resolved", 13), ("follow_up_done", 14), ("closed", 15)]  # fmt: skip
    for to, h in steps:
        out = move_case(ws_store, workspace=WS, code=code, to=to, actor="bob", now=at(2, h))
        assert out.state == to
    shown = get_case(ws_store, workspace=WS, code=code)
    assert dt.datetime.fromisoformat(shown.acknowledged_at) == at(2, 10)
    assert dt.datetime.fromisoformat(shown.resolved_at) == at(2, 13)
    assert dt.datetime.fromisoformat(shown.closed_at) == at(2, 15)
    # reopen: closed -> investigating
    out = move_case(
        ws_store, workspace=WS, code=code, to="investigating", actor="bob", now=at(3, 9)
    )
    assert out.reopen_count == 1 and out.resolved_at is None and out.closed_at is None
    move_case(ws_store, workspace=WS, code=code, to="resolved", now=at(3, 10))
    move_case(ws_store, workspace=WS, code=code, to="closed", now=at(3, 11))
    shown = get_case(ws_store, workspace=WS, code=code)
    assert shown.state == "closed" and shown.reopen_count == 1
    assert shown.history_consistent
    kinds = [e.kind for e in shown.events]
    assert kinds == ["created"] + ["transition"] * 9
    assert [e.actor for e in shown.events[:3]] == ["ann", "bob", "bob"]


def test_illegal_move_refused_and_nothing_written(ws_store: Store) -> None:
    c = open_case(ws_store, workspace=WS, summary="x", category="other", now=at(2, 9))
    before = n_rows(ws_store, CaseEvent)
    with pytest.raises(ConflictError) as ei:
        move_case(ws_store, workspace=WS, code=c.case, to="closed", now=at(2, 10))
    assert "acknowledged" in ei.value.en and "不能变更为" in ei.value.zh
    assert n_rows(ws_store, CaseEvent) == before
    assert get_case(ws_store, workspace=WS, code=c.case).state == "new"
    with pytest.raises(NotFoundError):
        move_case(ws_store, workspace=WS, code="NOPE", to="acknowledged")
    with pytest.raises(InputError):  # time going backwards is refused
        note_case(ws_store, workspace=WS, code=c.case, note="late", now=at(1, 9))


def test_idempotency_key_returns_existing(ws_store: Store) -> None:
    a = open_case(ws_store, workspace=WS, summary="x", category="price", idempotency_key="k1",
                  now=at(2, 9))  # fmt: skip
    b = open_case(ws_store, workspace=WS, summary="y", category="price", idempotency_key="k1",
                  now=at(2, 10))  # fmt: skip
    assert a.case == b.case and a.created and not b.created
    assert n_rows(ws_store, Case) == 1


def test_sla_listing_overdue_at_risk_and_escalation(ws_store: Store) -> None:
    # normal: acknowledge within 4 business hours, resolve within 40
    slow = open_case(ws_store, workspace=WS, summary="slow", category="delay", now=at(2, 9))
    # urgent: ack 1 h, resolve 8 h; acknowledged at 09:30
    fast = open_case(ws_store, workspace=WS, summary="fast", category="damage_loss",
                     priority="urgent", now=at(2, 9))  # fmt: skip
    move_case(ws_store, workspace=WS, code=fast.case, to="acknowledged", now=at(2, 9, 30))
    q = list_cases(ws_store, workspace=WS, now=at(2, 12, 30)).set_index("case")
    # slow: 3.5 h elapsed of 4 -> 0.5 h left < 20 % of 4 h -> at risk
    assert q.loc[slow.case, "sla_clock"] == "acknowledge"
    assert q.loc[slow.case, "remaining_h"] == pytest.approx(0.5)
    assert q.loc[slow.case, "sla_state"] == "at_risk"
    # fast: resolve clock 3.5 h of 8 -> 4.5 h left, ok
    assert q.loc[fast.case, "sla_clock"] == "resolve"
    assert q.loc[fast.case, "remaining_h"] == pytest.approx(4.5)
    assert q.loc[fast.case, "sla_state"] == "ok"
    risk = list_cases(ws_store, workspace=WS, at_risk=True, now=at(2, 12, 30))
    assert risk["case"].tolist() == [slow.case]
    assert list_cases(ws_store, workspace=WS, overdue=True, now=at(2, 12, 30)).empty
    # 13:30: slow is 0.5 h past its acknowledgement target
    over = list_cases(ws_store, workspace=WS, overdue=True, now=at(2, 13, 30))
    assert over["case"].tolist() == [slow.case]
    assert over.loc[0, "remaining_h"] == pytest.approx(-0.5)
    out = escalate_cases(ws_store, workspace=WS, all_overdue=True, actor="boss", now=at(2, 13, 30))
    assert [e.to_dict() for e in out] == [
        {"case": slow.case, "from_priority": "normal", "to_priority": "high", "escalated": True}
    ]
    shown = get_case(ws_store, workspace=WS, code=slow.case)
    assert shown.priority == "high" and shown.escalated
    assert shown.events[-1].kind == "escalated" and shown.events[-1].actor == "boss"
    assert shown.history_consistent
    # urgent stays urgent
    out = escalate_cases(ws_store, workspace=WS, codes=[fast.case], now=at(2, 13, 30))
    assert out[0].to_priority == "urgent"


def test_sla_business_hours_holidays_and_pause(ws_store: Store) -> None:
    with ws_store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        ws.settings = {"calendar": {"holidays": ["2026-03-03"]}}
    c = open_case(ws_store, workspace=WS, summary="x", category="other", now=at(2, 17))
    # Mon 17-18 (1 h) + Tue holiday (0) + Wed 09-10 (1 h) = 2 h of 4
    q = list_cases(ws_store, workspace=WS, now=at(4, 10))
    assert q.loc[0, "remaining_h"] == pytest.approx(2.0)
    assert q.loc[0, "sla_state"] == "ok"
    # resolution clock pauses while waiting for the customer
    move_case(ws_store, workspace=WS, code=c.case, to="acknowledged", now=at(4, 10))
    wait_for_customer(ws_store, workspace=WS, code=c.case, now=at(4, 11))
    with pytest.raises(ConflictError):
        wait_for_customer(ws_store, workspace=WS, code=c.case, now=at(4, 11))
    resume_case(ws_store, workspace=WS, code=c.case, now=at(4, 15))
    q = list_cases(ws_store, workspace=WS, now=at(4, 16))
    # elapsed resolve time: Mon 1 + Wed 09-16 (7) - paused 11-15 (4) = 4 h of 40
    assert q.loc[0, "sla_clock"] == "resolve"
    assert q.loc[0, "remaining_h"] == pytest.approx(36.0)
    # waiting again then resolving ends the pause automatically
    wait_for_customer(ws_store, workspace=WS, code=c.case, now=at(4, 16))
    move_case(ws_store, workspace=WS, code=c.case, to="investigating", now=at(4, 16, 30))
    move_case(ws_store, workspace=WS, code=c.case, to="resolved", now=at(4, 17))
    shown = get_case(ws_store, workspace=WS, code=c.case)
    assert shown.waiting_since is None and shown.history_consistent
    assert [e.kind for e in shown.events][-2:] == ["resume", "transition"]


def test_queue_order_uses_tolerance(ws_store: Store) -> None:
    loyal = open_case(ws_store, workspace=WS, summary="a", category="delay", customer="c1",
                      now=at(2, 9))  # fmt: skip
    fresh = open_case(ws_store, workspace=WS, summary="b", category="delay", customer="c2",
                      now=at(2, 9))  # fmt: skip
    # a long, loyal, frequent customer forgives more (seed document: emotional investment)
    assert loyal.tolerance > fresh.tolerance
    q = list_cases(ws_store, workspace=WS, now=at(2, 10))
    assert q["case"].tolist() == [fresh.case, loyal.case]
    assert q["rank"].tolist() == [1, 2]


def test_actions_and_ledger(ws_store: Store) -> None:
    a = open_case(ws_store, workspace=WS, summary="a", category="delay", customer="c1",
                  site="SH01", now=at(2, 9))  # fmt: skip
    b = open_case(ws_store, workspace=WS, summary="b", category="damage_loss", customer="c1",
                  site="SH02", now=at(2, 9))  # fmt: skip
    c = open_case(ws_store, workspace=WS, summary="c", category="attitude", customer="c2",
                  site="SH02", now=at(2, 9))  # fmt: skip
    act_on_case(ws_store, workspace=WS, code=a.case, action="apology", now=at(2, 10))
    act_on_case(ws_store, workspace=WS, code=a.case, action="coupon", amount_cny=20,
                now=at(2, 10))  # fmt: skip
    act_on_case(ws_store, workspace=WS, code=b.case, action="compensation", amount_cny=30.5,
                now=at(2, 10))  # fmt: skip
    act_on_case(ws_store, workspace=WS, code=c.case, action="refund", amount_cny=100,
                now=at(2, 10))  # fmt: skip
    with pytest.raises(InputError):
        act_on_case(ws_store, workspace=WS, code=c.case, action="refund", now=at(2, 10))
    with pytest.raises(InputError):
        act_on_case(ws_store, workspace=WS, code=c.case, action="apology", amount_cny=5)
    by_c = compensation_ledger(ws_store, workspace=WS, by="customer")
    assert by_c.total_cny == pytest.approx(150.5) and by_c.n_actions == 4 and by_c.n_cases == 3
    t = by_c.table.set_index("customer")
    assert t.loc["c1", "total_cny"] == pytest.approx(50.5)
    assert t.loc["c1", "cases"] == 2 and t.loc["c1", "actions"] == 3
    assert t.loc["c1", "coupon_cny"] == pytest.approx(20.0)
    assert t.loc["c2", "refund_cny"] == pytest.approx(100.0)
    by_s = compensation_ledger(ws_store, workspace=WS, by="site").table.set_index("site")
    assert by_s.loc["SH01", "total_cny"] == pytest.approx(20.0)
    assert by_s.loc["SH02", "total_cny"] == pytest.approx(130.5)
    assert by_s.loc["SH02", "compensated_cases"] == 2
    # other history kinds
    assign_case(ws_store, workspace=WS, code=a.case, owner="王经理", now=at(2, 11))
    note_case(ws_store, workspace=WS, code=a.case, note="客户已接受", now=at(2, 11))
    shown = get_case(ws_store, workspace=WS, code=a.case)
    assert shown.owner == "王经理" and shown.compensation_cny == pytest.approx(20.0)
    assert [e.kind for e in shown.events] == ["created", "action", "action", "assigned",
                                                    "note"]  # fmt: skip


def test_import_all_or_nothing_lists_every_bad_row(ws_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "code": ["K1", "K2", "K3", "K4"],
            "received_at": ["2026-03-02 09:00", "2026-03-02 10:00", "not a date", "2026-03-02"],
            "text": ["快递延误", "包裹破损", "态度差", ""],
            "customer": ["c1", "new9", "", ""],
            "site": ["SH01", "XX99", "SH02", "SH01"],
            "channel": ["phone", "app", "fax", "web"],
            "priority": ["high", "", "", ""],
        }
    ).to_csv(bad, index=False)
    with pytest.raises(InputError) as ei:
        import_cases(ws_store, bad, workspace=WS, now=at(3, 9))
    probs = {(p.row, p.column) for p in ei.value.problems}
    assert probs == {(3, "site"), (4, "received_at"), (4, "channel"), (5, "text")}
    assert any(p.value == "XX99" for p in ei.value.problems)
    assert n_rows(ws_store, Case) == 0 and n_rows(ws_store, Complaint) == 0
    good = tmp_path / "good.csv"
    pd.DataFrame(
        {
            "received_at": ["2026-03-02 09:00", "2026-03-02 10:00"],
            "text": ["快递延误", "包裹破损"],
            "category": ["delay", "damage_loss"],
            "customer": ["c1", "new9"],
            "site": ["SH01", ""],
            "channel": ["phone", "app"],
        }
    ).to_csv(good, index=False)
    rep = import_cases(ws_store, good, workspace=WS, now=at(3, 9))
    assert rep.opened == 2 and rep.complaints_created == 2 and rep.customers_created == 1
    again = import_cases(ws_store, good, workspace=WS, now=at(3, 10))
    assert again.opened == 0 and again.already_open == 2
    assert n_rows(ws_store, Case) == 2
    # the stored complaints are picked up by from-complaints without duplicates
    assert cases_from_complaints(ws_store, workspace=WS, now=at(3, 11)).opened == 0


def test_from_complaints_idempotent(ws_store: Store) -> None:
    with ws_store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        for i, sev in enumerate((1, 3, None)):
            s.add(Complaint(workspace_id=ws.id, code=f"P{i}", channel="phone",
                            received_at=at(2, 9 + i), text="包裹丢了", category="damage_loss",
                            severity=sev))  # fmt: skip
    rep = cases_from_complaints(ws_store, workspace=WS, actor="bot", now=at(2, 15))
    assert rep.opened == 3
    pri = list_cases(ws_store, workspace=WS, now=at(2, 15), order="opened")["priority"].tolist()
    assert pri == ["low", "high", "normal"]
    rep = cases_from_complaints(ws_store, workspace=WS, now=at(2, 16))
    assert rep.opened == 0 and rep.already_open == 3


SURVEY = {
    "code": "mini",
    "title": {"zh": "小调查", "en": "Mini survey"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "按时送达", "en": "On time"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
    ],
}  # fmt: skip


def test_survey_closed_loop_idempotent(ws_store: Store, tmp_path: Path) -> None:
    with ws_store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        save_definition(s, ws, SURVEY)
    f = tmp_path / "resp.csv"
    pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4"],
            "site": ["SH01", "SH02", "SH01", "SH01"],
            "customer": ["c1", "c2", "c1", "c2"],
            "rel1_adequate": [6, 5, 5, 7],
            "rel1_desired": [8, 8, 8, 9],
            "rel1_perceived": [4, 6, 5, 7],  # r1 below adequate by 2
            "nps": [9, 5, 8, 2],  # r2 detractor, r4 NPS 2
        }
    ).to_csv(f, index=False)
    import_responses(ws_store, f, workspace=WS, survey="mini")
    rep = cases_from_survey(ws_store, workspace=WS, survey="mini", items=["rel1"], now=at(2, 9))
    assert rep.opened == 3 and rep.not_triggered == 1
    q = list_cases(ws_store, workspace=WS, now=at(2, 9), order="opened")
    assert q["priority"].tolist() == ["high", "normal", "high"]  # r1 MSA -2, r2 NPS 5, r4 NPS 2
    assert set(q["customer"]) == {"c1", "c2"} and (q["channel"] == "survey").all()
    shown = get_case(ws_store, workspace=WS, code=q["case"].iloc[0])
    assert shown.idempotency_key == "survey:mini:r1"
    assert shown.opened_at == at(2, 9).astimezone(dt.UTC).isoformat()
    again = cases_from_survey(ws_store, workspace=WS, survey="mini", items=["rel1"], now=at(2, 10))
    assert again.opened == 0 and again.already_open == 3
    assert n_rows(ws_store, Case) == 3
    with pytest.raises(InputError):
        cases_from_survey(ws_store, workspace=WS, survey="mini", items=["zzz"], now=at(2, 10))


@pytest.mark.slow
def test_demo_seed_cases_end_to_end(sqlite_store: Store) -> None:
    from servgap.demo.texts import SEED_CASES
    from servgap.services.demo import build_demo_store

    load = build_demo_store(sqlite_store)
    wsc = load.workspace
    with sqlite_store.session() as s:
        codes = [
            s.scalar(select(Complaint.code).where(Complaint.text == str(seed["text"])))
            for seed in SEED_CASES
        ]
    assert all(codes) and len(codes) == 3
    t0 = dt.datetime(2026, 1, 7, 9, 0, tzinfo=SH)
    plan = [  # weather delay, rude courier, damaged parcel (demo seed cases)
        [("apology", None), ("explanation", None), ("coupon", 20.0)],
        [("apology", None), ("explanation", None), ("compensation", 30.0)],
        [("apology", None), ("explanation", None), ("compensation", 320.0)],
    ]
    opened = []
    for comp, acts in zip(codes, plan, strict=True):
        c = open_case(sqlite_store, workspace=wsc, summary="seed", complaint=comp, now=t0)
        assert c.source == "complaint"
        opened.append(c)
        n = c.case
        move_case(sqlite_store, workspace=wsc, code=n, to="acknowledged", now=t0)
        move_case(sqlite_store, workspace=wsc, code=n, to="investigating", now=t0)
        for action, amount in acts:
            act_on_case(sqlite_store, workspace=wsc, code=n, action=action, amount_cny=amount,
                        now=t0)  # fmt: skip
        for to in ("recovery_offered", "resolved", "follow_up_done", "closed"):
            move_case(sqlite_store, workspace=wsc, code=n, to=to, now=t0)
        shown = get_case(sqlite_store, workspace=wsc, code=n)
        assert shown.state == "closed" and shown.history_consistent
        assert [a.action for a in shown.actions] == [a for a, _ in acts]
    assert [c.category for c in opened] == ["delay", "attitude", "damage_loss"]
    ledger = compensation_ledger(sqlite_store, workspace=wsc, by="site")
    assert ledger.total_cny == pytest.approx(370.0) and ledger.n_cases == 3
    sites = set(ledger.table["site"])
    assert sites == {"bj_chaoyang", "sh_xuhui", "gz_tianhe"}
    # the same complaints again: idempotent
    again = open_case(sqlite_store, workspace=wsc, summary="x", complaint=codes[0], now=t0)
    assert not again.created and again.case == opened[0].case


def test_workspace_sla_policy_overrides_default(ws_store: Store) -> None:
    from servgap.store.models import SlaPolicyRow

    with ws_store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        s.add(SlaPolicyRow(workspace_id=ws.id, category="damage_loss", priority="*",
                           acknowledge_within_h=0.5, resolve_within_h=4.0))  # fmt: skip
    d = open_case(ws_store, workspace=WS, summary="d", category="damage_loss", now=at(2, 9))
    o = open_case(ws_store, workspace=WS, summary="o", category="other", now=at(2, 9))
    q = list_cases(ws_store, workspace=WS, now=at(2, 9, 15)).set_index("case")
    assert q.loc[d.case, "target_h"] == pytest.approx(0.5)  # workspace rule
    assert q.loc[o.case, "target_h"] == pytest.approx(4.0)  # default normal: 4 h


def test_import_excel(ws_store: Store, tmp_path: Path) -> None:
    f = tmp_path / "cases.xlsx"
    pd.DataFrame(
        {
            "code": ["X1", "X2"],
            "received_at": ["2026-03-02 09:00", "2026-03-02 11:00"],
            "text": ["快递员态度很差", "运费多收了"],
            "site": ["SH01", "SH02"],
            "channel": ["app", "phone"],
            "priority": ["urgent", "low"],
        }
    ).to_excel(f, index=False)
    rep = import_cases(ws_store, f, workspace=WS, now=at(2, 12))
    assert rep.opened == 2 and rep.complaints_created == 2
    q = list_cases(ws_store, workspace=WS, now=at(2, 12), order="opened")
    assert q["priority"].tolist() == ["urgent", "low"] and q["site"].tolist() == ["SH01", "SH02"]
    assert set(q["category"]) <= {"delay", "damage_loss", "attitude", "information", "price",
                                  "other"}  # fmt: skip


def test_category_and_sentiment_from_text_when_available(ws_store: Store) -> None:
    pytest.importorskip("servgap.core.text")
    c = open_case(ws_store, workspace=WS, summary="快递员态度非常恶劣，说话很不客气", now=at(2, 9))
    created = get_case(ws_store, workspace=WS, code=c.case).events[0].data
    assert created["category_auto"] and c.category == "attitude"
    assert created["sentiment"] is not None and created["sentiment"] < 0


def test_concurrent_writes_to_one_case_all_succeed_in_time_order(ws_store: Store) -> None:
    """16 agents write to one case at once (as 16 `servgap case note` processes or a web
    app's workers do): every write lands, and the history stays in time order. The time
    is taken after the case is locked, so a writer's lock order cannot refuse it."""
    code = open_case(ws_store, workspace=WS, summary="包裹延误三天", category="delay").case
    n = 16
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def agent(i: int) -> None:
        try:
            start.wait()
            note_case(ws_store, workspace=WS, code=code, note=f"note {i}", actor=f"agent{i}")
            assign_case(ws_store, workspace=WS, code=code, owner=f"agent{i}", actor=f"agent{i}")
            act_on_case(ws_store, workspace=WS, code=code, action="apology", actor=f"agent{i}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    pool = [threading.Thread(target=agent, args=(i,)) for i in range(n)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    with ws_store.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == code))
        events = s.execute(
            select(CaseEvent.kind, CaseEvent.at)
            .where(CaseEvent.case_id == case_id)
            .order_by(CaseEvent.id)
        ).all()
    kinds = [k for k, _ in events]
    assert kinds.count("note") == n and kinds.count("assigned") == n
    assert kinds.count("action") == n
    times = [t for _, t in events]
    assert times == sorted(times)
    assert get_case(ws_store, workspace=WS, code=code).history_consistent


def test_explicit_time_before_the_last_event_is_still_refused(ws_store: Store) -> None:
    code = open_case(ws_store, workspace=WS, summary="包裹延误", category="delay",
                     now=at(2, 10)).case  # fmt: skip
    with pytest.raises(InputError, match="earlier than the case's last event"):
        note_case(ws_store, workspace=WS, code=code, note="late", now=at(2, 9))
    with pytest.raises(InputError, match="no time zone"):
        note_case(ws_store, workspace=WS, code=code, note="naive",
                  now=dt.datetime(2026, 3, 2, 11))  # fmt: skip
    note_case(ws_store, workspace=WS, code=code, note="in time", now=at(2, 11))


LONG = "包裹" * 176_000  # the 352,000-character complaint that case open used to store


def test_one_text_limit_for_surveys_and_cases() -> None:
    from servgap.core import parse, survey

    assert survey.MAX_TEXT_CHARS is parse.MAX_TEXT_CHARS == 10_000


def test_overlong_summary_and_note_refused_naming_field_length_and_limit(
    ws_store: Store,
) -> None:
    with pytest.raises(InputError) as ei:
        open_case(ws_store, workspace=WS, summary=LONG, category="delay", now=at(2, 9))
    assert "`summary`" in ei.value.en and "352000" in ei.value.en and "10000" in ei.value.en
    assert ei.value.fields == ("summary",)
    assert n_rows(ws_store, Case) == 0
    code = open_case(ws_store, workspace=WS, summary="包" * 10_000, category="delay",
                     now=at(2, 9)).case  # fmt: skip
    for write in (
        lambda: note_case(ws_store, workspace=WS, code=code, note=LONG, now=at(2, 10)),
        lambda: move_case(ws_store, workspace=WS, code=code, to="acknowledged", note=LONG,
                          now=at(2, 10)),
        lambda: act_on_case(ws_store, workspace=WS, code=code, action="apology", note=LONG,
                            now=at(2, 10)),
    ):  # fmt: skip
        with pytest.raises(InputError, match=r"`note` is 352000 characters long, over the 10000"):
            write()
    assert [e.kind for e in get_case(ws_store, workspace=WS, code=code).events] == ["created"]


def test_overlong_complaint_refused_by_import_and_intake(ws_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    pd.DataFrame(
        {
            "code": ["L1", "L2"],
            "received_at": ["2026-03-02 09:00", "2026-03-02 10:00"],
            "text": ["快递延误", "包裹" * 10_001],  # within the CSV reader's own field limit
            "channel": ["phone", "app"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        import_cases(ws_store, path, workspace=WS, now=at(3, 9))
    ((row, col, msg),) = [(p.row, p.column, p.en) for p in ei.value.problems]
    assert (row, col) == (3, "text") and "20002" in msg and "10000" in msg  # file line 3
    assert n_rows(ws_store, Case) == 0 and n_rows(ws_store, Complaint) == 0
    with ws_store.session() as s:  # stored before the limit existed (or by another tool)
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        s.add(Complaint(workspace_id=ws.id, code="OLD", channel="phone", received_at=at(2, 9),
                        text=LONG))  # fmt: skip
    with pytest.raises(InputError, match="complaint `OLD`: the text is 352000 characters"):
        cases_from_complaints(ws_store, workspace=WS, now=at(3, 9))
    assert n_rows(ws_store, Case) == 0
