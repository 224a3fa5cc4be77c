"""The capacity planner's use cases on the demo store: the explicit staffing ``model``, stored
expert adjustments (the command line's ``--adjust`` text round trip), the ISO week window,
the forecast memo and the cost curve against a hand-computed Erlang C cost."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from servgap.core.errors import InputError, ServgapError
from servgap.services import capacity as svc
from servgap.services import planning
from servgap.services.capacity.adjustments import (
    StoredAdjustment,
    add_adjustment,
    check_adjustment,
    list_adjustments,
)
from servgap.services.capacity.forecasting import parse_adjustment
from servgap.services.capacity.planner import cached_forecast, week_window
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.settings import Settings

pytestmark = pytest.mark.slow
WS = "example_express"
FAST = ("seasonal_naive",)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("plandemo")
    store = Store.open(Settings(database_url=f"sqlite:///{tmp / 'demo.sqlite'}", home=tmp))
    build_demo_store(store)
    yield store
    store.dispose()


def test_staff_queue_takes_the_staffing_model(demo: Store) -> None:
    a = planning.staff_queue(demo, workspace=WS, site="cc_hotline", last_days=1)
    c = planning.staff_queue(demo, workspace=WS, site="cc_hotline", last_days=1, model="erlang_c")
    assert (a.model, c.model) == ("erlang_a", "erlang_c")
    assert c.parameters.patience_s is None and a.parameters.patience_s is not None
    # nobody hangs up under Erlang C, so it never needs fewer agents than Erlang A
    assert (c.table["agents"] >= a.table["agents"]).all()
    assert c.table["agents"].sum() > a.table["agents"].sum()
    with pytest.raises(ServgapError) as err:
        planning.staff_queue(demo, workspace=WS, site="cc_hotline", last_days=1, model="erlang_z")
    assert "model" in err.value.fields


def test_plan_queue_takes_the_staffing_model(demo: Store) -> None:
    c = planning.plan_queue(demo, workspace=WS, site="sh_xuhui", last_days=1, model="erlang_c")
    assert c.parameters.model == "erlang_c" and c.sl_definition == "erlang_c"


def _stored(start: str, end: str, **kw: object) -> StoredAdjustment:
    tz = "Asia/Shanghai"
    return StoredAdjustment(
        id=1, site="cc_hotline", queue="hotline",
        start=pd.Timestamp(start, tz=tz), end=pd.Timestamp(end, tz=tz),
        factor=kw.get("factor"), add=kw.get("add"), author="ops@x.cn",  # type: ignore[arg-type]
        reason=str(kw.get("reason", "双11 促销: 来电翻倍")),
        created_at=pd.Timestamp("2026-11-01", tz="UTC"),
    )  # fmt: skip


@pytest.mark.parametrize("kw", [{"factor": 1.8}, {"add": -12.5}, {"add": 40.0}, {"factor": 0.0}])
def test_a_stored_adjustment_is_the_command_lines_adjust_text(kw: dict[str, float]) -> None:
    s = _stored("2026-11-11 09:00", "2026-11-13 00:00", **kw)
    parsed = parse_adjustment(s.text, "Asia/Shanghai")
    mine = s.adjustment()
    for field in ("start", "end", "factor", "add", "author", "reason", "label"):
        assert getattr(parsed, field) == getattr(mine, field), field


def test_check_adjustment_reads_days_and_refuses_what_cannot_be(demo: Store) -> None:
    tz = "Asia/Shanghai"
    s, e, factor, add, reason = check_adjustment(
        start="2026-12-01", end="2026-12-01", kind="factor", value="1.5", reason="  a   b ", tz=tz
    )
    assert e - s == pd.Timedelta(days=1) and (factor, add, reason) == (1.5, None, "a b")
    table = pd.DataFrame({
        "interval_start": pd.date_range("2026-12-01", periods=4, freq="30min", tz=tz),
        "adjusted": [5.0, 0.0, 8.0, 9.0], "closed": [False, True, False, False],
    })  # fmt: skip
    # the closed interval's 0 does not count; the least open forecast is 5
    check_adjustment(start="2026-12-01T00:00", end="2026-12-01T02:00", kind="add", value="-5",
                     reason="r", tz=tz, forecast=table)  # fmt: skip
    with pytest.raises(InputError) as err:
        check_adjustment(start="2026-12-01T00:00", end="2026-12-01T02:00", kind="add",
                         value="-5.5", reason="r", tz=tz, forecast=table)  # fmt: skip
    assert err.value.fields == ("value",) and "5.0" in err.value.en
    with pytest.raises(InputError) as err:
        check_adjustment(start="2026-12-02", end="2026-12-02", kind="factor", value="2",
                         reason="r", tz=tz, forecast=table)  # fmt: skip
    assert err.value.fields == ("start", "end")


def test_week_window_plans_the_iso_week(demo: Store) -> None:
    hist = svc.load_demand(demo, workspace=WS, site="cc_hotline")
    last = hist.frame["interval_start"].max().tz_convert(hist.timezone)
    assert f"{last:%Y-%m-%d %H:%M}" == "2026-11-29 23:30"  # the demo's history: to a Sunday
    assert week_window(hist, "2026-W49") == ("2026-11-30", 336)
    assert week_window(hist, "2026-11-18") == ("2026-11-16", 336)  # a Wednesday: its week
    assert week_window(hist, "2026-W50") == ("2026-12-07", 672)  # a week later: two weeks on
    for bad in ("2026-W60", "soon", "2020-W01", "2027-W40"):
        with pytest.raises(InputError) as err:
            week_window(hist, bad)
        assert err.value.fields == ("week",)


def test_the_forecast_memo_follows_the_data_and_the_adjustments(demo: Store) -> None:
    hist = svc.load_demand(demo, workspace=WS, site="sh_xuhui")
    one = cached_forecast(hist, horizon=48, models=FAST, adjustments=())
    assert cached_forecast(hist, horizon=48, models=FAST, adjustments=()) is one
    frame = hist.frame.copy()
    frame.loc[frame.index[-1], "arrivals"] += 1
    changed = cached_forecast(hist.with_frame(frame), horizon=48, models=FAST, adjustments=())
    assert changed is not one
    adj = _stored("2026-11-30 09:00", "2026-11-30 12:00", factor=2.0)
    adjusted = cached_forecast(hist, horizon=48, models=FAST, adjustments=(adj,))
    assert adjusted is not one and adjusted.total_adjusted > one.total_adjusted


def _erlang_c_cost(calls: float, interval_s: float, aht_s: float, n: int, c_agent: float,
                   c_wait: float) -> float:  # fmt: skip
    """Cost per hour of ``n`` agents, M/M/n by hand: Erlang C probability of waiting
    (Gross & Harris), Wq = C·aht/(n − a), cost n·c_agent + c_wait·λ·Wq (per hour)."""
    lam = calls / interval_s
    a = lam * aht_s
    if n <= a:
        return math.inf
    top = a**n / math.factorial(n) * n / (n - a)
    c = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    wq = c * aht_s / (n - a)
    # mean number waiting = λ·Wq (Little); its cost per hour is c_wait per customer-hour
    return n * c_agent + c_wait * lam * wq


def test_the_cost_curve_optimum_is_the_least_hand_computed_cost(demo: Store) -> None:
    v = planning.planner_view(demo, workspace=WS, site="cc_hotline", models=FAST, horizon=48,
                              target="sl", model="erlang_c")  # fmt: skip
    c = v.cost
    assert c is not None and c.model == "erlang_c"
    p = v.staff.parameters
    costs = v.costs
    by_hand = {
        int(n): _erlang_c_cost(
            c.calls,
            p.interval_s,
            p.aht_s,
            int(n),
            costs.agent_cost_per_hour,
            costs.wait_cost_per_hour,
        )
        for n in c.curve["agents"]
    }
    assert c.curve["total"].to_numpy() == pytest.approx(list(by_hand.values()), rel=1e-9)
    assert c.optimal_agents == min(by_hand, key=lambda n: by_hand[n])
    assert c.calls == v.forecast.table["adjusted"].max()
    # the service target's agents at that interval, priced on the same curve
    assert c.required_agents == v.staff.table["agents"].max()
    assert c.required_cost_per_hour == pytest.approx(by_hand[int(c.required_agents)])


def test_the_planner_gives_the_figures_of_each_use_case(demo: Store) -> None:
    v = planning.planner_view(demo, workspace=WS, site="cc_hotline", models=FAST, horizon=96,
                              target="sl", target_sl=0.9, target_wait_s=15.0)  # fmt: skip
    staff = planning.staff_queue(demo, workspace=WS, site="cc_hotline", horizon=96, models=FAST,
                                 target_sl=0.9, target_wait_s=15.0)  # fmt: skip
    assert v.staff.to_dict() == staff.to_dict()
    assert v.capacity_source == "recorded"  # the demo records the staff on duty
    assert v.plan is None and v.target == "sl"
    # customers' adequate wait: coverage of respondents, the survey's wait item (minutes)
    w = planning.planner_view(demo, workspace=WS, site="sh_xuhui", models=FAST, horizon=96)
    assert w.target == "adequate" and w.plan is not None
    answers = svc.waiting_answers(demo, workspace=WS)
    a, d = answers.adequate, answers.desired
    use = np.isfinite(a) & np.isfinite(d) & (d <= a)  # consistent pairs (ZBP 1993)
    k = int(np.floor(use.sum() * (1 - 0.8))) + 1  # the k-th smallest adequate wait
    assert w.plan.target.adequate_target == np.sort(a[use])[k - 1]
    assert np.mean(a[use] >= w.plan.target.adequate_target) >= 0.8
    assert w.target_wait_s == w.plan.adequate_wait_s == w.plan.target.adequate_target * 60
    assert w.staff.target_wait_s == w.target_wait_s and w.staff.target_sl == 0.8


def test_adjustments_are_stored_per_queue_in_order(demo: Store) -> None:
    tz = "Asia/Shanghai"
    for value, reason in (("2", "first"), ("0.5", "second")):
        s, e, f, a, r = check_adjustment(start="2026-11-30T09:00", end="2026-11-30T10:00",
                                         kind="factor", value=value, reason=reason, tz=tz)  # fmt: skip
        add_adjustment(demo, workspace=WS, site="sz_nanshan", queue="counter", start=s, end=e,
                       factor=f, add=a, author="planner@x.cn", reason=r)  # fmt: skip
    got = list_adjustments(demo, workspace=WS, site="sz_nanshan", queue="counter", tz=tz)
    assert [x.reason for x in got] == ["first", "second"]
    assert got[0].start == pd.Timestamp("2026-11-30 09:00", tz=tz)
    assert list_adjustments(demo, workspace=WS, site="xm_siming", queue="counter", tz=tz) == ()
    with pytest.raises(InputError) as err:
        list_adjustments(demo, workspace=WS, site="nowhere", queue="counter", tz=tz)
    assert err.value.fields == ("site",)
    v = planning.planner_view(demo, workspace=WS, site="sz_nanshan", models=FAST, horizon=48,
                              target="sl")  # fmt: skip
    rec = v.forecast.adjustments
    assert list(rec["reason"]) == ["first", "second"] and list(rec["status"]) == ["applied"] * 2
    # applied in order: × 2 then × 0.5 gives the statistical forecast back
    assert v.forecast.total_adjusted == pytest.approx(v.forecast.total_forecast)
