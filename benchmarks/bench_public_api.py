"""Benchmark: the public functions a notebook user calls, on 1,000,000 respondents (issue 14).

The workload of issue 14, through ``import servgap as sg`` only:

* ``sg.servqual`` — three-column SERVQUAL on 22 items (PZB layout) with importance weights,
* ``sg.kano`` on 10 features, ``sg.nps`` and ``sg.csat``,
* ``sg.respondent_scores`` (the dimension scores the comparisons need),
* 15 × ``sg.anova`` — 5 dimension scores × 3 segment columns, each with F, Welch,
  Kruskal–Wallis, Levene, Brown–Forsythe, Tukey HSD and Games–Howell,
* ``sg.relative_importance`` — LMG of the 5 dimension scores on overall satisfaction,

side by side, in one run, with a fair pandas + scipy version of the same numbers
(vectorised pandas for the tables, ``scipy.stats`` for the tests, the correlation
matrix once for LMG, Kano from one ``value_counts`` of the answer pairs; servgap's ANOVA
includes Tukey HSD and Games–Howell, so scipy's ``tukey_hsd`` is in too). Prints wall and CPU time (the machine is shared: CPU time is the steadier figure),
the ratios, peak traced memory (tracemalloc, in a separate pass) and the floor: one read
of every answer byte the analyses use (``np.add.reduce`` over each column), the least
any implementation must do. Results of both versions are compared.

Where servgap's time goes (issue 14): each public call computes from per-group
sufficient statistics — ANOVA from the (segment, score) histogram binned straight from
the columns (dimension scores are means of whole numbers, so score × lcm lies on an
integer grid; no hashing, no copy), Kano from one ``np.bincount`` of answer-pair codes,
NPS/CSAT from the answer histogram, LMG from one cross-product matrix of the columns.
SERVQUAL, the respondent scores and the score histograms are row passes: on large
inputs each item is one compiled loop that reads its three answers once
(``servgap.core.kernels``, numba, no GIL) and the row chunks run on a thread per core
(``servgap.core._parallel``), so wall time is below CPU time. ``SERVGAP_KERNELS=0``
gives the numpy passes and ``SERVGAP_THREADS=1`` one thread, to see what each adds.

Usage::

    .venv/bin/python benchmarks/bench_public_api.py            # 1,000,000 respondents
    .venv/bin/python benchmarks/bench_public_api.py -n 200000 --repeat 1
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_expectation_report import (
    DIM_NAMES,
    FEATURES,
    SEGMENTS,
    WEIGHTS,
    make_data,
)

import servgap as sg
from servgap.core.kano import KANO_TABLE

Times = dict[str, float]


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _lap(times: dict[str, tuple[float, float]], part: str, t0: tuple[float, float]) -> None:
    w, c = _clock()
    times[part] = (w - t0[0], c - t0[1])


# ------------------------------------------------------------------ servgap (public API)
def run_servgap(df: pd.DataFrame, items: dict[str, dict[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    times: dict[str, tuple[float, float]] = {}
    t0 = _clock()
    out["servqual"] = sg.servqual(df, items, weights=WEIGHTS)
    _lap(times, "servqual", t0)
    t0 = _clock()
    out["kano"] = sg.kano(df, FEATURES)
    out["nps"] = sg.nps(df["nps"])
    out["csat"] = sg.csat(df["csat"])
    _lap(times, "kano+nps+csat", t0)
    t0 = _clock()
    frame = sg.respondent_scores(df, items)  # a new frame: add the columns the tests need
    for col in (*SEGMENTS, "csat"):
        frame[col] = df[col]
    _lap(times, "respondent scores", t0)
    t0 = _clock()
    out["anova"] = {(d, s): sg.anova(frame, d, s) for d in DIM_NAMES for s in SEGMENTS}
    _lap(times, "anova x15", t0)
    t0 = _clock()
    out["drivers"] = sg.relative_importance(frame, "csat", DIM_NAMES)
    _lap(times, "drivers (LMG)", t0)
    out["_times"] = times
    return out


# ------------------------------------------------------------------ pandas + scipy
def run_pandas(
    df: pd.DataFrame, items: dict[str, dict[str, str]], *, tukey: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    times: dict[str, tuple[float, float]] = {}
    t0 = _clock()
    rows = []
    gaps = {}
    for name, it in items.items():
        a, d, p = df[it["adequate"]], df[it["desired"]], df[it["perceived"]]
        answered = a.notna() & d.notna() & p.notna()
        ok = answered & (d >= a)
        msa, mss = (p - a)[ok], (p - d)[ok]
        n = int(ok.sum())
        row: dict[str, Any] = {
            "item": name,
            "n": n,
            "n_inconsistent": int((answered & (d < a)).sum()),
        }
        for label, x in (("msa", msa), ("mss", mss)):
            m, se = x.mean(), x.std(ddof=1) / np.sqrt(n)
            lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=se)
            row.update({label: m, f"{label}_ci_low": lo, f"{label}_ci_high": hi})
        row["share_below"] = (p[ok] < a[ok]).mean()
        row["share_above"] = (p[ok] > d[ok]).mean()
        row["share_inside"] = 1 - row["share_below"] - row["share_above"]
        rows.append(row)
        gaps[name] = (p - d).where(ok)
    out["items"] = pd.DataFrame(rows)
    g = pd.DataFrame(gaps)
    dim_scores = pd.DataFrame(
        {
            dim: g[[n for n, it in items.items() if it["dimension"] == dim]].mean(axis=1)
            for dim in DIM_NAMES
        }
    )
    out["dimensions"] = dim_scores.mean()
    overall = dim_scores.mean(axis=1, skipna=False)
    out["servqual"] = overall.mean()
    w = df[[f"imp_{d}" for d in DIM_NAMES]].to_numpy() / 100
    out["servqual_weighted"] = (dim_scores * w).sum(axis=1, skipna=False).mean()
    _lap(times, "servqual", t0)
    t0 = _clock()
    # the answer pair as one small integer, counted once, then mapped to categories
    table = {10 * f + d: KANO_TABLE[f - 1][d - 1] for f in range(1, 6) for d in range(1, 6)}
    kano_rows = []
    for feat, (fc, dc) in FEATURES.items():
        pairs = (df[fc].astype(np.int16) * 10 + df[dc]).value_counts()
        vc = pairs.groupby(pairs.index.map(table)).sum()
        c = {k: int(vc.get(k, 0)) for k in "AOMIRQ"}
        aomi = c["A"] + c["O"] + c["M"] + c["I"]
        kano_rows.append(
            {"feature": feat, **c, "better": (c["A"] + c["O"]) / aomi,
             "worse": -(c["O"] + c["M"]) / aomi}
        )  # fmt: skip
    out["kano"] = pd.DataFrame(kano_rows)
    ltr = df["nps"]
    out["nps"] = 100 * ((ltr >= 9).mean() - (ltr <= 6).mean())
    out["csat_mean"] = df["csat"].mean()
    _lap(times, "kano+nps+csat", t0)
    frame = pd.concat([dim_scores, df[[*SEGMENTS, "csat"]]], axis=1)
    times["respondent scores"] = (0.0, 0.0)  # computed inside the SERVQUAL part above
    t0 = _clock()
    res = {}
    for dim in DIM_NAMES:
        for seg in SEGMENTS:
            sub = frame[[dim, seg]].dropna()
            groups = [x[dim].to_numpy() for _, x in sub.groupby(seg, observed=True)]
            res[(dim, seg)] = (
                stats.f_oneway(*groups),
                stats.kruskal(*groups),
                stats.levene(*groups, center="mean"),
                stats.levene(*groups, center="median"),
                stats.tukey_hsd(*groups) if tukey else None,
            )
    out["anova"] = res
    _lap(times, "anova x15", t0)
    t0 = _clock()
    sub = frame[["csat", *DIM_NAMES]].dropna()
    corr = sub.corr().to_numpy()
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    r2: dict[frozenset[int], float] = {frozenset(): 0.0}
    n_drv = len(DIM_NAMES)
    for k in range(1, n_drv + 1):
        for combo in itertools.combinations(range(n_drv), k):
            idx = list(combo)
            r2[frozenset(combo)] = float(
                rxy[idx] @ np.linalg.solve(rxx[np.ix_(idx, idx)], rxy[idx])
            )
    lmg = {}
    for j in range(n_drv):
        tot = 0.0
        others = [i for i in range(n_drv) if i != j]
        for k in range(n_drv):
            wk = math.factorial(k) * math.factorial(n_drv - k - 1) / math.factorial(n_drv)
            for combo in itertools.combinations(others, k):
                tot += wk * (r2[frozenset((*combo, j))] - r2[frozenset(combo)])
        lmg[DIM_NAMES[j]] = tot
    out["lmg"] = lmg
    _lap(times, "drivers (LMG)", t0)
    out["_times"] = times
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Largest relative difference between the two versions on the numbers both compute."""
    diffs: list[float] = []

    def rel(x: Any, y: Any) -> None:
        x_ = np.asarray(x, dtype=np.float64)
        y_ = np.asarray(y, dtype=np.float64)
        diffs.append(float(np.max(np.abs(x_ - y_) / np.maximum(1.0, np.abs(y_)))))

    items = a["servqual"].items.set_index("item")
    pi = b["items"].set_index("item")
    for c in ("n", "n_inconsistent", "msa", "msa_ci_low", "mss", "mss_ci_high", "share_below",
              "share_inside", "share_above"):  # fmt: skip
        rel(items[c].to_numpy(), pi[c].to_numpy())
    dims = a["servqual"].dimensions.set_index("dimension")["gap"]
    rel(dims.to_numpy(), b["dimensions"][dims.index].to_numpy())
    rel(a["servqual"].overall["servqual_unweighted"].iloc[0], b["servqual"])
    rel(a["servqual"].overall["servqual_weighted"].iloc[0], b["servqual_weighted"])
    k = a["kano"].features.set_index("feature")
    pk = b["kano"].set_index("feature")
    for c in ("A", "O", "M", "I", "R", "Q", "better", "worse"):
        rel(k[c].to_numpy(), pk[c].to_numpy())
    rel(a["nps"].nps, b["nps"])
    rel(a["csat"].mean, b["csat_mean"])
    for key, r in a["anova"].items():
        f, kw, lev, bf, tk = b["anova"][key]
        rel([r.f, r.p, r.kruskal_h, r.kruskal_p, r.levene_w, r.levene_p, r.brown_forsythe_w],
            [f.statistic, f.pvalue, kw.statistic, kw.pvalue, lev.statistic, lev.pvalue,
             bf.statistic])  # fmt: skip
        if tk is not None:  # scipy orders pairs (i, j) with diff = mean_i - mean_j
            kk = r.k
            i, j = np.triu_indices(kk, k=1)
            rel(-r.tukey["diff"].to_numpy(), tk.statistic[i, j])
    imp = a["drivers"].table.set_index("driver")["importance"]
    rel([imp[d] for d in DIM_NAMES], [b["lmg"][d] for d in DIM_NAMES])
    return max(diffs)


def floor_pass(df: pd.DataFrame, items: dict[str, dict[str, str]]) -> float:
    """One read of every answer column the analyses use (the least any method must do)."""
    cols = [c for it in items.values() for c in (it["adequate"], it["desired"], it["perceived"])]
    cols += [c for pair in FEATURES.values() for c in pair]
    cols += ["nps", "csat", *WEIGHTS.values(), *SEGMENTS]
    arrays = []
    for c in cols:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            arrays.append(s.cat.codes.to_numpy())
        elif s.dtype == object:  # text segments: their codes, as for categoricals
            arrays.append(pd.factorize(s)[0])
        else:
            arrays.append(s.to_numpy())
    t0 = time.process_time()
    for x in arrays:
        np.add.reduce(x, dtype=np.float64 if x.dtype.kind == "f" else np.int64)
    return float(time.process_time() - t0)


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="respondents")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs each; best is shown")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--no-tukey", action="store_true", help="leave scipy's tukey_hsd out of pandas")
    ap.add_argument("--text-segments", action="store_true",
                    help="segment columns as Python strings (as read_csv gives) instead of categoricals")  # fmt: skip
    args = ap.parse_args()
    df, items = make_data(args.n)
    if args.text_segments:
        for seg in SEGMENTS:
            df[seg] = df[seg].astype(str).astype(object)
    size = int(df.memory_usage(deep=True).sum())
    print(f"respondents: {args.n:,}   input: {size / 1e6:,.0f} MB   items: 22 (three-column), "
          "Kano features: 10, NPS, CSAT; 15 one-way ANOVAs; LMG on 5 drivers")  # fmt: skip
    sg_runs: list[dict[str, Any]] = []
    pd_runs: list[dict[str, Any]] = []
    for _ in range(args.repeat):  # alternate, so a busy moment hurts both
        sg_runs.append(run_servgap(df, items))
        pd_runs.append(run_pandas(df, items, tukey=not args.no_tukey))

    def best(runs: list[dict[str, Any]], part: str, which: int) -> float:
        return float(min(r["_times"][part][which] for r in runs))

    parts = list(sg_runs[0]["_times"])
    print(f"max relative difference servgap vs pandas+scipy: {compare(sg_runs[0], pd_runs[0]):.1e}")
    print(f"\n{'best of ' + str(args.repeat) + ' (seconds)':26}{'servgap':>10}{'pandas':>10}{'ratio':>8}"
          f"{'servgap':>10}{'pandas':>10}{'ratio':>8}")  # fmt: skip
    print(f"{'':26}{'wall':>10}{'wall':>10}{'':>8}{'CPU':>10}{'CPU':>10}")
    tot = {"sw": 0.0, "pw": 0.0, "sc": 0.0, "pc": 0.0}
    for part in parts:
        sw, pw = best(sg_runs, part, 0), best(pd_runs, part, 0)
        sc, pc = best(sg_runs, part, 1), best(pd_runs, part, 1)
        for k, v in zip(("sw", "pw", "sc", "pc"), (sw, pw, sc, pc), strict=True):
            tot[k] += v
        r1 = f"{pw / sw:7.1f}x" if pw > 0 else f"{'':8}"
        r2 = f"{pc / sc:7.1f}x" if pc > 0 else f"{'':8}"
        print(f"  {part:24}{sw:10.3f}{pw:10.3f}{r1}{sc:10.3f}{pc:10.3f}{r2}")
    print(f"  {'whole (sum of parts)':24}{tot['sw']:10.3f}{tot['pw']:10.3f}{tot['pw'] / tot['sw']:7.1f}x"
          f"{tot['sc']:10.3f}{tot['pc']:10.3f}{tot['pc'] / tot['sc']:7.1f}x")  # fmt: skip
    fl = floor_pass(df, items)
    print(f"\nfloor: one read of the {size / 1e6:,.0f} MB of answers: {fl:.3f} s CPU; servgap is "
          f"{tot['sc'] / fl:.1f}x the floor")  # fmt: skip
    if not args.no_memory:
        m_sg = _peak(lambda: run_servgap(df, items))
        m_pd = _peak(lambda: run_pandas(df, items, tukey=not args.no_tukey))
        print(f"peak traced memory: servgap {m_sg / 1e6:,.0f} MB ({m_sg / size:.2f}x input), "
              f"pandas+scipy {m_pd / 1e6:,.0f} MB ({m_pd / size:.2f}x input)")  # fmt: skip
    rw, rc = tot["pw"] / tot["sw"], tot["pc"] / tot["sc"]
    print(f"targets: whole < 1 s: {'met' if tot['sw'] < 1 else 'NOT met'} (wall {tot['sw']:.2f} s, "
          f"CPU {tot['sc']:.2f} s); >= 10x pandas+scipy: {'met' if rw >= 10 else 'NOT met'} "
          f"(wall ratio {rw:.1f}x; CPU ratio {rc:.1f}x, {'also' if rc >= 10 else 'NOT'} "
          "met on CPU)")  # fmt: skip


if __name__ == "__main__":
    main()
