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

from servgap.core.errors import (
    InputError,
    InsufficientDataError,
    NotFoundError,
    ServgapError,
    UsageError,
)
from servgap.core.staffing import required_agents
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


def test_demand_file_lists_every_bad_row_with_the_import_rules(tmp_path: Path) -> None:
    """`capacity --file` reads like `demand import`: spreadsheet row numbers (header = row 1),
    every bad cell listed, a time without an offset read in the workspace's zone."""
    p = tmp_path / "d.csv"
    p.write_text(
        "interval_start,arrivals,handled\n"
        "2026-09-11T09:00:00+08:00,10,9\n"
        "2026-09-11T09:30:00+08:00,-3,0\n"
        "2026-09-11 10:00,5,5\n"
        "2026-13-11 10:30,5,5\n"
        "11/09/2026 11:00,5,5\n"
    )
    with pytest.raises(InputError) as ei:
        svc.read_demand_file(p)
    rows = {(pr.row, pr.column) for pr in ei.value.problems}
    assert rows == {(3, "arrivals"), (5, "interval_start"), (6, "interval_start")}
    assert "ambiguous" in ei.value.problems[-1].en  # day/month order never guessed
    assert "nothing was imported" not in str(ei.value)  # a file read for planning
    ok = tmp_path / "ok.csv"
    ok.write_text("时段开始,呼入量\n2026-09-11 10:00,5\n2026-09-11 10:30,7\n", encoding="gbk")
    hist = svc.read_demand_file(ok, timezone="Asia/Shanghai")
    assert hist.frame["interval_start"].iloc[0] == pd.Timestamp("2026-09-11T02:00Z")
    assert hist.frame["arrivals"].tolist() == [5.0, 7.0] and hist.interval_s == 1800
    assert hist.timezone == "Asia/Shanghai"


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


def test_balance_sl_definition_is_not_ignored(hotline: svc.DemandHistory) -> None:
    """Issue 10: `capacity balance --sl-definition` was accepted and ignored (the result always
    said `offered`). The definition now sets the required agents and the service level."""
    window = svc.cut_history(hotline, until="2026-11-16")
    demand = svc.demand_for_planning(window, last_days=2)
    offered = svc.run_balance(window, demand)
    answered = svc.run_balance(window, demand, sl_definition="answered")
    assert (offered.sl_definition, answered.sl_definition) == ("offered", "answered")
    assert answered.required.sum() < offered.required.sum()
    p = answered.parameters
    ref = required_agents(demand.calls, p.interval_s, p.aht_s, 0.8, 20.0,
                          patience_s=p.patience_s, sl_definition="answered")  # fmt: skip
    np.testing.assert_array_equal(answered.required, ref.agents)
    erlang_c = svc.run_balance(window, demand, sl_definition="answered", patience=None)
    assert erlang_c.sl_definition == "erlang_c"


def test_model_is_an_explicit_choice(hotline: svc.DemandHistory) -> None:
    demand = svc.demand_for_planning(hotline, last_days=1)
    default = svc.run_staff(hotline, demand)
    assert default.model == "erlang_a" and default.parameters.patience_source == "estimated"
    c = svc.run_staff(hotline, demand, model="erlang_c")  # patience "auto" is not needed
    none = svc.run_staff(hotline, demand, patience=None)
    assert c.model == none.model == "erlang_c" and c.sl_definition == "erlang_c"
    pd.testing.assert_frame_equal(c.table, none.table)
    assert c.parameters.patience_s is None
    with pytest.raises(UsageError) as ei:
        svc.run_staff(hotline, demand, model="erlang_a", patience=None)
    assert set(ei.value.fields) == {"model", "patience"} and "--" not in ei.value.en


def test_pooled_aht_leaves_out_contacts_without_handle_time(hotline: svc.DemandHistory) -> None:
    frame = hotline.frame.copy()
    frame.loc[frame.index[:100], "aht_s"] = np.nan
    p = svc.queue_parameters(hotline.with_frame(frame))
    known = frame["aht_s"].notna()
    expected = (frame.loc[known, "handled"] * frame.loc[known, "aht_s"]).sum() / frame.loc[
        known, "handled"
    ].sum()
    assert p.aht_s == pytest.approx(expected, rel=1e-12)
    assert p.handled == frame.loc[known, "handled"].sum() and p.aht_source == "estimated"
    given = svc.queue_parameters(hotline, aht_s=200.0)
    assert (given.aht_s, given.aht_source) == (200.0, "given")


def test_simulate_a_day_of_the_history(hotline: svc.DemandHistory) -> None:
    res = svc.simulate_queue(hotline, day="2026-11-11", replications=2, target_wait_s=20.0)
    day = svc.day_demand(hotline, "2026-11-11")
    assert res.mode == "day" and day.calls.size == 48  # the local day's half hours
    assert res.calls == pytest.approx(day.calls.sum())
    with pytest.raises(UsageError) as ei:
        svc.simulate_queue(hotline, calls=10.0)
    assert set(ei.value.fields) == {"calls", "agents", "day"}
    with pytest.raises(InsufficientDataError) as ei2:
        svc.day_demand(hotline, "2020-01-01")
    assert ei2.value.fields == ("day",)


def test_service_errors_name_fields_not_options(hotline: svc.DemandHistory) -> None:
    """Services name their input fields (`horizon`, `last_days`, `until`, `patience`); each face
    shows them its own way (issue 9)."""
    cases = [
        (lambda: svc.run_forecast(hotline, horizon=0), "horizon"),
        (lambda: svc.demand_for_planning(hotline, last_days=0), "last_days"),
        (lambda: svc.cut_history(hotline, until="2020-01-01"), "until"),
        (lambda: svc.cut_history(hotline, until="01/02/2026"), "until"),
        (lambda: svc.queue_parameters(hotline, patience="soon"), "patience"),
    ]
    for call, field in cases:
        with pytest.raises(ServgapError) as ei:
            call()
        assert field in ei.value.fields and f"`{field}`" in ei.value.en
        assert "--" not in ei.value.en and "--" not in ei.value.zh


def test_store_demand_of_any_workspace_uses_the_site_zone_queues_and_calendar(
    tmp_path: Path,
) -> None:
    """Issue 10 item 3: a workspace that is not the demo, its site's own zone and queues (a
    site in Urumqi, UTC+6, in a Shanghai workspace) and its own days off."""
    from servgap.services.demand import import_demand
    from servgap.services.sites import import_sites
    from servgap.services.workspaces import create_workspace, set_workspace_setting

    store = Store.open(Settings(database_url=f"sqlite:///{tmp_path / 's.sqlite'}", home=tmp_path))
    try:
        create_workspace(store, "acme", name_zh="某公司", name_en="Acme")
        set_workspace_setting(store, "acme", "calendar.holidays", "2026-09-09")
        sites = tmp_path / "sites.csv"
        sites.write_text(
            "region,region_name,site,site_name,kind,queue,timezone\n"
            "west,西区,urc,乌鲁木齐热线,call_centre,hotline;vip,Asia/Urumqi\n",
            encoding="utf-8",
        )
        import_sites(store, sites, workspace="acme")
        rows = ["site,queue,interval_start,arrivals,handled,abandoned,aht_s,total_wait_s"]
        for ts in pd.date_range("2026-09-07 09:00", periods=6, freq="30min"):
            rows.append(f"urc,hotline,{ts:%Y-%m-%d %H:%M},30,28,2,200,400")
        demand = tmp_path / "d.csv"
        demand.write_text("\n".join(rows) + "\n", encoding="utf-8")
        import_demand(store, demand, workspace="acme")
        hist = svc.load_demand(store, workspace="acme", site="urc")  # one queue with demand
        assert (hist.queue, hist.timezone) == ("hotline", "Asia/Urumqi")
        # 09:00 in Urumqi (UTC+6) is 03:00 UTC
        assert hist.frame["interval_start"].iloc[0] == pd.Timestamp("2026-09-07T03:00Z")
        assert hist.holidays == (pd.Timestamp("2026-09-09").date(),)
        with pytest.raises(InsufficientDataError, match="`vip` of site `urc` has no demand"):
            svc.load_demand(store, workspace="acme", site="urc", queue="vip")
        with pytest.raises(NotFoundError) as ei:
            svc.load_demand(store, workspace="acme", site="urc", queue="nope")
        assert ei.value.fields == ("queue",) and "hotline, vip" in ei.value.en
        plan = svc.run_staff(hist, svc.demand_for_planning(hist, last_days=1))
        assert str(plan.table["interval_start"].iloc[0]) == "2026-09-07 09:00:00+06:00"
    finally:
        store.dispose()


def test_capacity_and_roster_files_are_read_like_imports(
    hotline: svc.DemandHistory, tmp_path: Path
) -> None:
    demand = svc.demand_for_planning(svc.cut_history(hotline, until="2026-11-10"), last_days=1)
    local = pd.to_datetime(demand.interval_start)
    bad = tmp_path / "cap.csv"
    lines = ["interval_start,agents"] + [f"{t:%Y-%m-%d %H:%M},5" for t in local]
    lines[3], lines[7] = f"{local[2]:%Y-%m-%d %H:%M},2.5", "01/02/2026 10:00,4"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as ei:
        svc.planned_capacity(hotline, demand, capacity=bad)
    assert {(p.row, p.column) for p in ei.value.problems} == {(4, "agents"), (8, "interval_start")}
    good = tmp_path / "cap_ok.csv"
    good.write_text("在岗人数\n" + "\n".join(str(i % 7) for i in range(len(local))) + "\n")
    agents, source = svc.planned_capacity(hotline, demand, capacity=good)
    assert source == "file" and agents.tolist() == [float(i % 7) for i in range(len(local))]
    roster = tmp_path / "roster.csv"
    day = f"{local[0]:%Y-%m-%d}"
    roster.write_text(f"开始,结束,人数\n{day} 08:00,{day} 16:00,6\n{day} 12:00,{day} 20:00,4\n")
    agents, source = svc.planned_capacity(hotline, demand, roster=roster)
    hours = local.dt.hour.to_numpy()
    expected = np.where((hours >= 8) & (hours < 16), 6, 0) + np.where(
        (hours >= 12) & (hours < 20), 4, 0
    )
    assert source == "roster" and agents.tolist() == expected.astype(float).tolist()
    with pytest.raises(UsageError) as ue:
        svc.planned_capacity(hotline, demand, capacity=good, roster=roster)
    assert ue.value.fields == ("capacity", "roster")
