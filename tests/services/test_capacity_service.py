"""Capacity use cases on the demo store: planted patience, 双11 staffing, survey targets.

Expected values come from the demo's planted parameters (servgap.demo.demand:
CALL_PATIENCE_S = 90 s, CALL_AHT_S = 240 s, CALL_PROMO_FACTOR = 1.8 on 11-12 Nov)
and from independent computations inside the tests (numpy quantile rule,
scipy / hand formulas), never from our own output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servgap.core.errors import InputError, NotFoundError
from servgap.demo.demand import CALL_AHT_S, CALL_PATIENCE_S
from servgap.services import capacity as svc
from servgap.services.context import Store
from servgap.services.demo import build_demo_store
from servgap.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("capdemo")
    store = Store.open(Settings(database_url=f"sqlite:///{tmp / 'demo.sqlite'}", home=tmp))
    build_demo_store(store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def hotline(demo_store: Store) -> svc.DemandHistory:
    return svc.load_demand(
        demo_store, workspace="example_express", site="cc_hotline", queue="hotline"
    )


def test_patience_and_aht_recover_the_planted_values(hotline: svc.DemandHistory) -> None:
    p = svc.queue_parameters(hotline)
    assert p.patience_source == "estimated"
    # planted exponential patience 90 s; the MLE's standard error is ~1.1 s
    assert p.patience_s is not None and p.patience_se_s is not None
    assert abs(p.patience_s - CALL_PATIENCE_S) < 3 * p.patience_se_s + 1.0
    assert abs(p.aht_s - CALL_AHT_S) < 5.0
    # independent: Σ total_wait_s / Σ abandoned straight from the frame
    f = hotline.frame
    assert p.patience_s == pytest.approx(f["total_wait_s"].sum() / f["abandoned"].sum())


def test_double11_intervals_need_more_staff(hotline: svc.DemandHistory) -> None:
    demand = svc.Demand(
        hotline.frame["interval_start"].dt.tz_convert("Asia/Shanghai"),
        hotline.frame["arrivals"].to_numpy(dtype=np.float64),
        "history",
        None,
    )
    plan = svc.run_staff(hotline, demand, target_sl=0.8, target_wait_s=20.0)
    t = plan.table
    local = pd.to_datetime(t["interval_start"])
    slot = local.dt.hour * 2 + local.dt.minute // 30
    promo = (local.dt.month == 11) & local.dt.day.isin([11, 12])
    normal_same_weekdays = local.dt.dayofweek.isin([2, 3]) & ~promo  # 11/12 Nov 2026 = Wed/Thu
    busy = slot.between(18, 40)
    promo_mean = t.loc[promo & busy, "agents"].mean()
    normal_mean = t.loc[normal_same_weekdays & busy, "agents"].mean()
    assert promo_mean > 1.4 * normal_mean
    assert plan.sl_definition == "offered"
    # every staffed interval meets the target
    assert (t.loc[t["calls"] > 0, "service_level"] >= 0.8 - 1e-9).all()


def test_sl_definition_changes_staffing(hotline: svc.DemandHistory) -> None:
    """REFERENCES.md: with abandonment, SL definitions give different staffing."""
    demand = svc.demand_for_planning(hotline, last_days=1)
    offered = svc.run_staff(hotline, demand, sl_definition="offered").agent_hours
    answered = svc.run_staff(hotline, demand, sl_definition="answered").agent_hours
    assert offered > answered


def test_plan_target_is_the_coverage_quantile_rule(demo_store: Store) -> None:
    hist = svc.load_demand(demo_store, workspace="example_express", site="sh_xuhui")
    adequate, desired, unit = svc.survey_waits(
        demo_store, workspace="example_express", survey="example_express_q", item="wait"
    )
    assert unit == "minutes"
    demand = svc.demand_for_planning(hist, last_days=2)
    plan = svc.run_plan(hist, demand, adequate, desired, unit=unit, coverage=0.8)
    # independent: the largest wait that at least 80 % call adequate = the k-th smallest
    # consistent adequate wait, k = floor(0.2 n) + 1 (Zeithaml, Berry & Parasuraman 1993 zone
    # of tolerance; the share with a_i >= w must be >= 0.8)
    ok = ~np.isnan(adequate) & ~np.isnan(desired) & (desired <= adequate)
    a = np.sort(adequate[ok])
    k = int(np.floor(0.2 * a.size)) + 1
    assert plan.target.adequate_target == a[k - 1]
    assert np.mean(adequate[ok] >= a[k - 1]) >= 0.8
    assert np.mean(adequate[ok] >= a[k - 1] + 1e-9) < 0.8 or a[k - 1] == a.max()
    assert plan.adequate_wait_s == a[k - 1] * 60
    cmp = plan.comparison.set_index("level")
    # desired (shorter) wait needs at least as many agent-hours and serves more within tolerance
    assert cmp.loc["desired", "agent_hours"] >= cmp.loc["adequate", "agent_hours"]
    assert (
        cmp.loc["desired", "share_within_adequate"] >= cmp.loc["adequate", "share_within_adequate"]
    )
    # agent cost = agent-hours x cost per hour (per week: 2 days planned -> x 3.5)
    assert cmp.loc["adequate", "agent_cost_per_week"] == pytest.approx(
        cmp.loc["adequate", "agent_hours"] * 3.5 * svc.DEFAULT_AGENT_COST_PER_HOUR
    )


def test_forecast_with_adjustment_and_balance(hotline: svc.DemandHistory) -> None:
    hist = svc.cut_history(hotline, until="2026-11-09")
    demand = svc.demand_for_planning(
        hist,
        horizon=336,
        models=["seasonal_naive"],
        adjustments=["2026-11-11..2026-11-12:x1.8:ops-team:Double 11"],
    )
    fc = demand.forecast
    assert fc is not None
    adj = fc.adjustments.iloc[0]
    assert (adj["author"], adj["reason"], adj["status"]) == ("ops-team", "Double 11", "applied")
    assert adj["intervals_touched"] == 96  # two local days of half hours
    t = fc.table
    local = pd.to_datetime(t["interval_start"])
    promo = local.dt.day.isin([11, 12])
    np.testing.assert_allclose(t.loc[promo, "adjusted"], 1.8 * t.loc[promo, "forecast"])
    np.testing.assert_allclose(t.loc[~promo, "adjusted"], t.loc[~promo, "forecast"])
    # the "staff like last week" capacity model (the default only when no staffing is recorded)
    params = svc.queue_parameters(hist)
    last_week = svc.last_week_capacity(hist, demand, params, target_sl=0.8, target_wait_s=20.0)
    rep = svc.run_balance(hist, demand, capacity=last_week, capacity_source="last_week")
    status = rep.table.set_index(local)["status"]
    assert (status[promo.to_numpy()] == "below").sum() > 20
    assert (status[~promo.to_numpy()] == "below").sum() == 0
    assert set(rep.recommendations["strategy"]) >= {"shift_demand", "flexible_hours"}


def test_unknown_site_and_queue(demo_store: Store) -> None:
    with pytest.raises(NotFoundError, match="cc_hotline"):
        svc.load_demand(demo_store, workspace="example_express", site="nope")
    with pytest.raises(NotFoundError, match="hotline"):
        svc.load_demand(demo_store, workspace="example_express", site="cc_hotline", queue="x")


def test_demand_file_negative_volume_names_the_row(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text(
        "interval_start,arrivals,handled\n"
        "2026-11-11T09:00:00+08:00,10,9\n"
        "2026-11-11T09:30:00+08:00,-3,0\n"
        "2026-11-11T10:00:00,5,5\n"
    )
    with pytest.raises(InputError) as ei:
        svc.read_demand_file(p)
    rows = {(pr.row, pr.column) for pr in ei.value.problems}
    assert rows == {(2, "arrivals"), (3, "interval_start")}


def test_parse_adjustment_inclusive_date_end() -> None:
    a = svc.parse_adjustment("2026-11-11..2026-11-12:x1.8:ops:Double 11", "Asia/Shanghai")
    assert pd.Timestamp(a.start) == pd.Timestamp("2026-11-10T16:00Z")
    assert pd.Timestamp(a.end) == pd.Timestamp("2026-11-12T16:00Z")
    assert a.factor == 1.8 and a.author == "ops" and a.reason == "Double 11"
    b = svc.parse_adjustment("2026-11-11T09:00..2026-11-11T12:00:+20:ops:event", "UTC")
    assert b.add == 20 and pd.Timestamp(b.end) == pd.Timestamp("2026-11-11T12:00Z")


def test_balance_uses_recorded_staffing_and_finds_double11(hotline: svc.DemandHistory) -> None:
    """The demo rostered only ~25 % more staff for the 1.8x 双11 peak (docs/demo.md, F9):
    against the recorded staff on duty, the shortfall concentrates on 11-12 Nov."""
    window = svc.cut_history(hotline, until="2026-11-16")
    demand = svc.demand_for_planning(window, last_days=14)
    rep = svc.run_balance(window, demand)
    assert rep.capacity_source == "recorded"
    local = pd.to_datetime(demand.interval_start)
    promo = local.dt.day.isin([11, 12]).to_numpy()
    below = (rep.table["status"] == "below").to_numpy()
    assert below[promo].mean() > 5 * below[~promo].mean()
    assert (
        rep.table.loc[promo, "abandonments"].sum() > rep.table.loc[~promo, "abandonments"].sum() / 6
    )
