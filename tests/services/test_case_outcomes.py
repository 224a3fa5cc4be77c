"""Recovery outcomes of real cases: captured on close or imported in bulk, then analysed by
the recovery paradox and the tolerance calibration (services.recovery).

Expected paradox figures are computed by hand from the pairs in the test (paired t:
t = mean(d) / (sd(d)/√n)); satisfaction before taken from a CSAT answer is mapped
onto 1–7 end point to end point (4 on 1–5 → 1 + 6·3/4 = 5.5).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from servgap.core.errors import ConflictError, InputError, InsufficientDataError, UsageError
from servgap.services.cases import (
    act_on_case,
    close_case,
    get_case,
    import_outcomes,
    move_case,
    open_case,
    record_outcome,
)
from servgap.services.context import Store, ensure_workspace, get_workspace
from servgap.services.recovery import recovery_frame, recovery_report, tolerance_model
from servgap.services.responses import import_responses
from servgap.services.surveys import read_template, save_definition
from servgap.store.models import Case, CaseEvent, Complaint, Customer, Recovery

SH = ZoneInfo("Asia/Shanghai")
WS = "acme"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def ws_store(store: Store, tmp_path: Path) -> Store:
    with store.session() as s:
        ws = ensure_workspace(s, WS, "示例", "Acme")
        save_definition(s, ws, read_template("csat"))
    answers = tmp_path / "csat.csv"
    pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3"],
            "submitted_at": ["2026-02-10 10:00", "2026-02-20 10:00", "2026-03-05 10:00"],
            "customer": ["c1", "c1", "c1"],
            "csat": [2, 4, 1],  # the last answer before the case (2 March) is 4 on 1–5
        }
    ).to_csv(answers, index=False)
    import_responses(store, answers, workspace=WS, survey="csat")
    return store


def resolved_case(store: Store, customer: str | None, day: int = 2, **kw: object) -> str:
    c = open_case(store, workspace=WS, summary="包裹延误", category="delay", customer=customer,
                  now=at(day, 9), **kw).case  # type: ignore[arg-type]  # fmt: skip
    move_case(store, workspace=WS, code=c, to="investigating", now=at(day, 10))
    move_case(store, workspace=WS, code=c, to="resolved", now=at(day, 15))
    return str(c)


def n_events(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(CaseEvent)) or 0)


def test_close_records_satisfaction_after_and_before_from_the_last_survey(
    ws_store: Store,
) -> None:
    code = resolved_case(ws_store, "c1")
    out = close_case(ws_store, workspace=WS, code=code, satisfaction_after=6, now=at(3, 9))
    assert out.state == "closed"
    assert out.satisfaction_after == 6.0
    assert out.satisfaction_before == pytest.approx(5.5)  # CSAT 4 on 1–5 → 5.5 on 1–7
    assert out.before_source == "survey"
    assert out.before_from is not None
    assert out.before_from.response == "r2" and out.before_from.answer == 4.0
    shown = get_case(ws_store, workspace=WS, code=code)
    assert [e.kind for e in shown.events][-2:] == ["transition", "outcome"]
    assert shown.history_consistent
    # a given value wins; a later outcome replaces the earlier one on the case
    out = record_outcome(ws_store, workspace=WS, code=code, satisfaction_after=5,
                         satisfaction_before=3, now=at(4, 9))  # fmt: skip
    assert (out.satisfaction_before, out.satisfaction_after) == (3.0, 5.0)
    assert out.before_source == "given"


def test_no_survey_answer_leaves_satisfaction_before_unknown(ws_store: Store) -> None:
    code = resolved_case(ws_store, "c9")
    out = close_case(ws_store, workspace=WS, code=code, satisfaction_after=4, now=at(3, 9))
    assert out.satisfaction_before is None and out.before_source is None


def test_outcomes_are_refused_before_resolution_or_off_the_scale(ws_store: Store) -> None:
    c = open_case(ws_store, workspace=WS, summary="x", category="other", now=at(2, 9)).case
    before = n_events(ws_store)
    with pytest.raises(ConflictError, match="cannot move"):
        close_case(ws_store, workspace=WS, code=c, satisfaction_after=6, now=at(2, 10))
    with pytest.raises(ConflictError, match="once the case is resolved"):
        record_outcome(ws_store, workspace=WS, code=c, satisfaction_after=6, now=at(2, 10))
    with pytest.raises(InputError) as e:
        record_outcome(ws_store, workspace=WS, code=c, satisfaction_after=8, now=at(2, 10))
    assert e.value.fields == ("satisfaction_after",)
    with pytest.raises(UsageError) as u:
        close_case(ws_store, workspace=WS, code=c, satisfaction_before=4, now=at(2, 10))
    assert set(u.value.fields) == {"satisfaction_before", "satisfaction_after"}
    assert n_events(ws_store) == before
    with ws_store.session() as s:
        case = s.scalar(select(Case).where(Case.code == c))
        assert case is not None and case.state == "new" and case.satisfaction_after is None


def test_closing_an_already_closed_case_adds_only_the_outcome(ws_store: Store) -> None:
    code = resolved_case(ws_store, "c1")
    close_case(ws_store, workspace=WS, code=code, now=at(3, 9))
    out = close_case(ws_store, workspace=WS, code=code, satisfaction_after=7, now=at(4, 9))
    assert out.state == "closed" and out.satisfaction_after == 7.0
    with pytest.raises(ConflictError):  # nothing to record and already closed
        close_case(ws_store, workspace=WS, code=code, now=at(5, 9))


def test_import_outcomes_all_or_nothing_every_bad_row_listed(
    ws_store: Store, tmp_path: Path
) -> None:
    a = resolved_case(ws_store, "c1")
    b = resolved_case(ws_store, "c2")
    still_open = open_case(ws_store, workspace=WS, summary="y", category="other",
                           now=at(2, 9)).case  # fmt: skip
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "case": [a, "NOPE", still_open, b, b],
            "satisfaction_before": ["", 4, 4, 9, 3],
            "satisfaction_after": [6, 5, 5, 6, ""],
        }
    ).to_csv(bad, index=False)
    before = n_events(ws_store)
    with pytest.raises(InputError) as ei:
        import_outcomes(ws_store, bad, workspace=WS, now=at(3, 9))
    probs = sorted((p.row, p.column) for p in ei.value.problems)
    # file rows: 2 = first data row; NOPE unknown, the open case, 9 off the scale, b twice
    # (the repeated row's empty satisfaction_after is reported too)
    assert probs == [(3, "case"), (4, "case"), (5, "satisfaction_before"),
                     (6, "case"), (6, "satisfaction_after")]  # fmt: skip
    assert any("new" in p.en and p.row == 4 for p in ei.value.problems)
    assert n_events(ws_store) == before
    good = tmp_path / "good.xlsx"
    pd.DataFrame({"工单编号": [a, b], "补救前满意度": [None, 3], "补救后满意度": [6, 5]}).to_excel(
        good, index=False
    )
    rep = import_outcomes(ws_store, good, workspace=WS, now=at(3, 9))
    assert (rep.recorded, rep.before_given, rep.before_from_survey, rep.before_unknown) == (2, 1, 1,
                                                                                             0)  # fmt: skip
    with ws_store.session() as s:
        got = dict(s.execute(select(Case.code, Case.satisfaction_before)).all())
    assert got[a] == pytest.approx(5.5) and got[b] == 3.0


def test_recovery_paradox_on_the_company_s_own_cases(ws_store: Store) -> None:
    pairs = [(4, 6), (5, 6), (3, 6), (5, 5)]
    for i, (before, after) in enumerate(pairs):
        code = resolved_case(ws_store, f"k{i}", day=2 + i)
        act_on_case(ws_store, workspace=WS, code=code, action="apology", now=at(2 + i, 16))
        if i < 2:
            act_on_case(ws_store, workspace=WS, code=code, action="coupon", amount_cny=20,
                        now=at(2 + i, 16))  # fmt: skip
        close_case(ws_store, workspace=WS, code=code, satisfaction_after=after,
                   satisfaction_before=before, now=at(2 + i, 17))  # fmt: skip
    frame = recovery_frame(ws_store, WS, now=at(30, 9, month=6))
    assert list(frame["source"]) == ["case"] * 4
    assert frame["actions"].tolist() == ["apology;coupon", "apology;coupon", "apology", "apology"]
    assert frame["compensation_cny"].tolist() == [20.0, 20.0, 0.0, 0.0]
    assert frame["ack_hours"].tolist() == [1.0] * 4 and frame["resolve_hours"].tolist() == [6.0] * 4
    rep = recovery_report(ws_store, WS, now=at(30, 9, month=6))
    row = rep.paradox.table.set_index("group").loc["all"]
    # by hand: d = 2, 1, 3, 0; mean 1.5; sd = √((0.25 + 0.25 + 2.25 + 2.25)/3) = √(5/3)
    sd = math.sqrt(5 / 3)
    assert (row["n"], row["mean_before"], row["mean_after"]) == (4, 4.25, 5.75)
    assert row["mean_diff"] == pytest.approx(1.5)
    assert row["sd_diff"] == pytest.approx(sd)
    assert row["t"] == pytest.approx(1.5 / (sd / 2))  # 2.3238
    assert row["d_z"] == pytest.approx(1.5 / sd)
    by_action = rep.outcomes.by_action.set_index("action")
    assert by_action.loc["coupon", "mean"] == pytest.approx(6.0)  # (6 + 6) / 2
    assert by_action.loc["apology", "mean"] == pytest.approx(23 / 4)


def test_a_case_outcome_replaces_the_recovery_table_row_of_its_complaint(ws_store: Store) -> None:
    with ws_store.session() as s:
        ws = get_workspace(s, WS)
        for code in ("P1", "P2"):
            comp = Complaint(workspace_id=ws.id, code=code, channel="phone", text="包裹丢了",
                             received_at=at(1, 9), category="damage_loss")  # fmt: skip
            s.add(comp)
            s.flush()
            s.add(Recovery(workspace_id=ws.id, complaint_id=comp.id, acknowledged_at=at(1, 10),
                           resolved_at=at(1, 12), actions="apology", compensation_cny=0.0,
                           survey={"sat_before": 2, "sat_after": 3}, churned_90d=False,
                           complained_again_90d=False))  # fmt: skip
    c = open_case(ws_store, workspace=WS, summary="包裹丢了", complaint="P1", now=at(1, 9)).case
    move_case(ws_store, workspace=WS, code=c, to="investigating", now=at(1, 9, 30))
    move_case(ws_store, workspace=WS, code=c, to="resolved", now=at(1, 11))
    close_case(ws_store, workspace=WS, code=c, satisfaction_after=6, satisfaction_before=4,
               now=at(1, 12))  # fmt: skip
    frame = recovery_frame(ws_store, WS).set_index("complaint")
    assert sorted(frame.index) == ["P1", "P2"]
    assert frame.loc["P1", "source"] == "case" and frame.loc["P1", "case"] == c
    assert (frame.loc["P1", "sat_before"], frame.loc["P1", "sat_after"]) == (4.0, 6.0)
    assert frame.loc["P1", "ack_hours"] == pytest.approx(0.5)  # from the complaint's arrival
    assert frame.loc["P2", "source"] == "recovery" and frame.loc["P2", "sat_after"] == 3


def test_no_outcomes_is_insufficient_data(ws_store: Store) -> None:
    with pytest.raises(InsufficientDataError, match="satisfaction_after"):
        recovery_frame(ws_store, WS)


def test_tolerance_calibration_runs_on_cases_with_repeat_complaints(ws_store: Store) -> None:
    """40 customers, each one resolved case with an outcome; some come back within 90 days.
    The model is calibrated on those repeat complaints (cases have no churn)."""
    rng = np.random.default_rng(7)
    n = 40
    sat_after = rng.integers(1, 8, n)
    again = rng.random(n) < 1 / (1 + np.exp(sat_after - 4.0))  # unhappy customers come back
    texts = ["包裹延误了", "快递员态度很差，太生气了", "还可以，就是慢了点", "包裹破损"]
    with ws_store.session() as s:
        ws = get_workspace(s, WS)
        for i in range(n):
            cust = Customer(workspace_id=ws.id, code=f"t{i}", attributes={},
                            tenure_months=float(rng.integers(1, 60)))  # fmt: skip
            s.add(cust)
            s.flush()
            opened = at(1, 9, month=1) + dt.timedelta(days=int(i))
            s.add(Case(workspace_id=ws.id, code=f"T{i:03d}", source="manual", customer_id=cust.id,
                       category="delay", priority="normal", state="closed",
                       summary=texts[i % 4], opened_at=opened,
                       acknowledged_at=opened + dt.timedelta(hours=float(rng.integers(1, 30))),
                       resolved_at=opened + dt.timedelta(hours=float(rng.integers(30, 90))),
                       satisfaction_before=5.0, satisfaction_after=float(sat_after[i]),
                       reopen_count=0, escalated=False))  # fmt: skip
            if again[i]:
                s.add(Case(workspace_id=ws.id, code=f"R{i:03d}", source="manual",
                           customer_id=cust.id, category="delay", priority="normal", state="new",
                           summary="又延误了", opened_at=opened + dt.timedelta(days=30),
                           reopen_count=0, escalated=False))  # fmt: skip
    frame = recovery_frame(ws_store, WS, now=at(1, 9, month=9))
    assert frame["complained_again_90d"].astype(bool).tolist() == again.tolist()
    assert frame["churned_90d"].isna().all()
    cal = tolerance_model(ws_store, WS, now=at(1, 9, month=9))
    assert cal.fit.n == n
    coef = cal.fit.coefficients.set_index("term")
    # more satisfied after the recovery, fewer repeat complaints: tolerance rises with it
    assert coef.loc["sat_after_recovery", "coef"] < 0
    assert cal.model.weights["sat_after_recovery"] > 0
    # read before any 90-day window has closed, no repeat complaint is known yet
    with pytest.raises(InsufficientDataError):
        tolerance_model(ws_store, WS, outcome="complained_again_90d", now=at(1, 9, month=1))
