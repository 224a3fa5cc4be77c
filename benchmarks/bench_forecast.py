"""Benchmark: servgap.core.forecast.forecast versus calling statsforecast directly.

Both sides do the same statsforecast work on the same data in the same run:
a rolling-origin backtest (``StatsForecast.cross_validation``, refit at each origin)
and a final forecast with 80/95% prediction intervals, for

* AutoETS with season length 48 (one day of half-hours). 48, not 336: AutoETS(336)
  measured here about 4x slower per series (8.9 s against 2.3 s on 8-week series),
  and the weekly pattern is covered by MSTL;
* MSTL with seasons (48, 336) and an AutoETS(model='ZZN') trend.

servgap additionally validates the input, scores the backtest (MAE, RMSE, sMAPE,
MASE), picks the best model per series and assembles the result tables. The
printed ratio is servgap time / direct time; the target is < 1.10.

Full size (default): 1,000 half-hourly series of eight weeks, one week (336)
ahead, 3 backtest windows, n_jobs=2. That is roughly 14 CPU-seconds per series
per side on this machine, i.e. about two hours per side on 2 cores; use
``--series`` to run a smaller sample. ``--quick``: 20 series of four weeks with
one backtest window.

Usage::

    .venv/bin/python benchmarks/bench_forecast.py --quick
    .venv/bin/python benchmarks/bench_forecast.py --series 100
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS, SeasonalNaive, WindowAverage

from servgap.core.forecast import forecast

SF_SECONDS = [0.0]


def _timed(method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            SF_SECONDS[0] += time.perf_counter() - t0

    return wrapper


# Count the time spent inside statsforecast on both sides, so that servgap's own work
# (validation, scoring, selection, tables) can be measured even on a busy machine.
StatsForecast.cross_validation = _timed(StatsForecast.cross_validation)  # type: ignore[method-assign]
StatsForecast.forecast = _timed(StatsForecast.forecast)  # type: ignore[method-assign]


def make_history(n_series: int, n: int, seed: int = 1) -> pd.DataFrame:
    """Poisson arrivals with daily and weekly patterns and a level per series."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    daily = np.sin(2 * np.pi * t / 48 - 1.2)
    weekly = np.sin(2 * np.pi * t / 336)
    level = rng.uniform(5, 80, n_series)
    lam = level[:, None] * (1 + 0.6 * daily[None, :] + 0.2 * weekly[None, :])
    y = rng.poisson(np.clip(lam, 0.1, None)).astype(float)
    start = pd.Timestamp("2026-01-05", tz="UTC")
    return pd.DataFrame(
        {
            "series": np.repeat([f"s{i:04d}" for i in range(n_series)], n),
            "interval_start": np.tile(pd.date_range(start, periods=n, freq="30min"), n_series),
            "arrivals": y.ravel(),
        }
    )


def run_direct(
    sf_df: pd.DataFrame, horizon: int, windows: int, n_jobs: int, cheap: bool
) -> pd.DataFrame:
    if cheap:
        cv_models: list[Any] = [SeasonalNaive(48), WindowAverage(48)]
        pi_models: list[Any] = [SeasonalNaive(48)]
    else:
        cv_models = [
            AutoETS(season_length=48),
            MSTL(season_length=[48, 336], trend_forecaster=AutoETS(model="ZZN")),
        ]
        pi_models = cv_models
    sf = StatsForecast(models=cv_models, freq="30min", n_jobs=n_jobs)
    sf.cross_validation(h=horizon, df=sf_df, n_windows=windows, step_size=horizon)
    out: pd.DataFrame = StatsForecast(models=pi_models, freq="30min", n_jobs=n_jobs).forecast(
        h=horizon, df=sf_df, level=[80, 95]
    )
    if cheap:  # WindowAverage has no intervals: a second call, as servgap does
        extra = StatsForecast(models=[WindowAverage(48)], freq="30min", n_jobs=n_jobs)
        out = out.merge(extra.forecast(h=horizon, df=sf_df), on=["unique_id", "ds"])
    return out


def run_servgap(
    history: pd.DataFrame, horizon: int, windows: int, n_jobs: int, cheap: bool
) -> pd.DataFrame:
    res = forecast(
        history,
        horizon,
        models=("seasonal_naive", "window_average") if cheap else ("auto_ets", "mstl"),
        season_lengths=(48, 336),
        season_length=48,
        level=(80, 95),
        backtest_windows=windows,
        intermittent_threshold=None,
        n_jobs=n_jobs,
    )
    return res.forecast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="20 series of 15 days, horizon 48, 1 window"
    )
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--horizon", type=int, default=336)
    parser.add_argument(
        "--reps", type=int, default=1, help="repetitions, order alternating; minimum kept"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--cheap",
        action="store_true",
        help="SeasonalNaive(48) + WindowAverage(48) instead of AutoETS + MSTL: measures "
        "servgap's own work at full size in minutes (it does not depend on the models)",
    )
    args = parser.parse_args()
    n_points = args.weeks * 336
    if args.quick:
        args.series, n_points, args.windows, args.horizon = 20, 15 * 48, 1, 48
    n_jobs = min(args.n_jobs, 2)

    history = make_history(args.series, n_points)
    sf_df = pd.DataFrame(
        {
            "unique_id": history["series"],
            "ds": history["interval_start"].dt.tz_localize(None),
            "y": history["arrivals"],
        }
    )
    print(
        f"{args.series} series × {n_points} half-hours, horizon {args.horizon}, "
        f"{args.windows} backtest window(s), "
        f"{'SeasonalNaive + WindowAverage' if args.cheap else 'AutoETS(48) + MSTL(48, 336)'}, "
        f"n_jobs={n_jobs}"
    )
    # warm-up (numba compilation / cache load) on two series, not timed
    warm = history[history["series"].isin(history["series"].unique()[:2])]
    run_servgap(warm, args.horizon, 1, 1, args.cheap)

    t_direct: list[float] = []
    t_servgap: list[float] = []
    t_own: list[float] = []
    for rep in range(args.reps):
        # alternate the order so that neither side always runs first
        for side in ("direct", "servgap") if rep % 2 == 0 else ("servgap", "direct"):
            if side == "direct":
                t0 = time.perf_counter()
                direct = run_direct(sf_df, args.horizon, args.windows, n_jobs, args.cheap)
                t_direct.append(time.perf_counter() - t0)
            else:
                SF_SECONDS[0] = 0.0
                t0 = time.perf_counter()
                ours = run_servgap(history, args.horizon, args.windows, n_jobs, args.cheap)
                t_servgap.append(time.perf_counter() - t0)
                t_own.append(t_servgap[-1] - SF_SECONDS[0])
    if len(ours) != len(direct):
        raise SystemExit("row counts differ between servgap and statsforecast")
    d, s, own = min(t_direct), min(t_servgap), min(t_own)
    print(f"statsforecast direct         : {d:9.2f} s")
    print(f"servgap forecast()           : {s:9.2f} s")
    print(f"  of which servgap's own work: {own:9.2f} s (outside statsforecast calls)")
    print(f"ratio servgap/direct (wall)  : {s / d:9.3f}  ({100 * (s / d - 1):+.1f}%)")
    print(f"servgap own work / direct    : {own / d:9.3f}  ({100 * own / d:+.1f}%, target < 10%)")


if __name__ == "__main__":
    main()
