"""Benchmark: servgap.core.sla.sla_status on many open cases vs a per-case loop.

The baseline walks each case's days one by one in Python (the obvious
implementation). Both compute the resolve clock's elapsed business hours; the
script checks they agree and prints the speed ratio.

    .venv/bin/python benchmarks/bench_h5_sla.py [--quick]
"""

from __future__ import annotations

import argparse
import time as _time
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from servgap.core.sla import BusinessCalendar
from servgap.core.sla_status import SlaPolicy, sla_status

CAL = BusinessCalendar(
    holidays=frozenset(date(2025, 10, d) for d in range(1, 9)),
    extra_workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11)}),
)


def baseline_elapsed_h(opened: datetime, now: datetime) -> float:
    total = 0.0
    d = opened.date()
    while d <= now.date():
        working = (d.weekday() in CAL.workdays and d not in CAL.holidays) or d in CAL.extra_workdays
        if working:
            o = datetime(d.year, d.month, d.day, 9, tzinfo=opened.tzinfo)
            c = datetime(d.year, d.month, d.day, 18, tzinfo=opened.tzinfo)
            lo, hi = max(o, opened), min(c, now)
            if hi > lo:
                total += (hi - lo).total_seconds()
        d += timedelta(days=1)
    return total / 3600.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 1_000 if args.quick else 10_000
    rng = np.random.default_rng(0)
    now = pd.Timestamp("2025-10-20 15:00", tz="Asia/Shanghai")
    opened = now - pd.to_timedelta(rng.integers(60, 40 * 24 * 60, n), unit="min")
    cases = pd.DataFrame(
        {
            "case": np.arange(n),
            "opened_at": opened,
            "acknowledged_at": pd.Series([pd.NaT] * n, dtype="datetime64[ns, Asia/Shanghai]"),
            "resolved_at": pd.Series([pd.NaT] * n, dtype="datetime64[ns, Asia/Shanghai]"),
            "category": rng.choice(["delay", "attitude", "damage_loss"], n),
            "priority": rng.choice(["normal", "high"], n),
        }
    )
    t0 = _time.perf_counter()
    res = sla_status(cases, now=now, calendar=CAL, policies=SlaPolicy("*", "*", 4, 40))
    t_servgap = _time.perf_counter() - t0
    got = res.table.query("clock == 'resolve'")["elapsed_h"].to_numpy()
    m = min(n, 1_000)
    t0 = _time.perf_counter()
    base = np.array(
        [baseline_elapsed_h(o.to_pydatetime(), now.to_pydatetime()) for o in opened[:m]]
    )
    t_base = (_time.perf_counter() - t0) * n / m
    assert np.allclose(got[:m], base, atol=1e-6), "servgap and baseline disagree"
    print(f"cases: {n}")
    print(f"servgap sla_status (both clocks): {t_servgap:.3f} s")
    print(f"per-case day loop (resolve clock only, extrapolated from {m}): {t_base:.3f} s")
    print(f"ratio baseline / servgap: {t_base / t_servgap:.1f}x")


if __name__ == "__main__":
    main()
