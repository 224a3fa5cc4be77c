"""Benchmark: the full customer-expectation report on synthetic respondents.

servgap (sufficient statistics in numpy) side by side with a straightforward
pandas + scipy implementation of the same numbers, in one run:

* three-column SERVQUAL on 22 items (PZB 1988 item layout) with importance weights,
* Kano on 10 features,
* NPS,
* (if importable) ``servgap.core.anova.anova`` of every dimension score across three
  segment columns, and ``servgap.core.drivers.relative_importance`` of the five
  dimension scores on overall satisfaction.

Prints wall time, peak traced memory (tracemalloc, measured in a second pass so
tracing does not slow the timed pass) and the ratios, and checks that both
implementations agree. Targets (issue 3): whole report < 3 s at 1,000,000
respondents, ≥ 10× the straightforward version, peak memory < 3× the input size.

Usage::

    .venv/bin/python benchmarks/bench_expectation_report.py            # 1,000,000
    .venv/bin/python benchmarks/bench_expectation_report.py --quick    # 50,000
"""

from __future__ import annotations

import argparse
import itertools
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from servgap.core.anova_table import anova_table
from servgap.core.drivers import relative_importance
from servgap.core.kano import KANO_TABLE, kano
from servgap.core.satisfaction import nps
from servgap.core.servqual import respondent_scores, servqual

DIMS = ["tangibles"] * 4 + ["reliability"] * 5 + ["responsiveness"] * 4
DIMS += ["assurance"] * 4 + ["empathy"] * 5
DIM_NAMES = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
SEGMENTS = ["region", "channel", "customer_type"]


def make_data(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    items: dict[str, dict[str, str]] = {}
    for j, dim in enumerate(DIMS):
        a = rng.integers(1, 8, n).astype(np.float64)
        d = np.minimum(a + rng.integers(-1, 3, n), 9).astype(np.float64)  # some D < A
        p = np.clip(a + rng.integers(-2, 4, n), 1, 9).astype(np.float64)
        p[rng.random(n) < 0.02] = np.nan  # missing answers
        name = f"q{j + 1:02d}"
        cols[f"{name}_adequate"], cols[f"{name}_desired"], cols[f"{name}_perceived"] = a, d, p
        items[name] = {
            "dimension": dim,
            "perceived": f"{name}_perceived",
            "adequate": f"{name}_adequate",
            "desired": f"{name}_desired",
        }
    for k in range(10):
        cols[f"f{k}_functional"] = rng.integers(1, 6, n).astype(np.int8)
        cols[f"f{k}_dysfunctional"] = rng.integers(1, 6, n).astype(np.int8)
    cols["nps"] = rng.integers(0, 11, n).astype(np.int8)
    cols["csat"] = rng.integers(1, 6, n).astype(np.int8)
    w = rng.dirichlet(np.ones(5), n) * 100
    w = np.floor(w)
    w[:, 4] = 100 - w[:, :4].sum(axis=1)
    for i, dim in enumerate(DIM_NAMES):
        cols[f"imp_{dim}"] = w[:, i]
    cols["region"] = pd.Categorical(rng.choice(["north", "east", "south", "west", "centre"], n))
    cols["channel"] = pd.Categorical(rng.choice(["web", "phone", "counter"], n))
    cols["customer_type"] = pd.Categorical(rng.choice(["individual", "business"], n))
    return pd.DataFrame(cols), items


FEATURES = {f"f{k}": (f"f{k}_functional", f"f{k}_dysfunctional") for k in range(10)}
WEIGHTS = {d: f"imp_{d}" for d in DIM_NAMES}


# ---------------------------------------------------------------- servgap version
def report_servgap(df: pd.DataFrame, items: dict[str, dict[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    out["servqual"] = servqual(df, items, weights=WEIGHTS)
    out["kano"] = kano(df, FEATURES)
    out["nps"] = nps(df["nps"])
    times["servqual+kano+nps"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = respondent_scores(df, items)
    frame = pd.concat([scores, df[[*SEGMENTS, "csat"]]], axis=1)
    times["respondent scores"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    # one call for the 5 x 3 comparisons: each score sorted once, each segment coded once
    table = anova_table(frame, DIM_NAMES, SEGMENTS).table
    out["anova"] = {(r.value, r.group): r for r in table.itertuples()}
    times["anova (15 calls)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["drivers"] = relative_importance(frame.dropna(subset=DIM_NAMES), "csat", DIM_NAMES)
    times["drivers"] = time.perf_counter() - t0
    out["_times"] = times
    return out


# ---------------------------------------------------------------- plain pandas version
def report_pandas(df: pd.DataFrame, items: dict[str, dict[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    rows = []
    gaps = {}
    for name, it in items.items():
        a, d, p = df[it["adequate"]], df[it["desired"]], df[it["perceived"]]
        answered = a.notna() & d.notna() & p.notna()
        ok = answered & (d >= a)
        msa, mss = (p - a)[ok], (p - d)[ok]
        n = int(ok.sum())
        row = {"item": name, "n": n, "n_inconsistent": int((answered & (d < a)).sum())}
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
    table = {f"{f}{d}": KANO_TABLE[f - 1][d - 1] for f in range(1, 6) for d in range(1, 6)}
    kano_rows = []
    for feat, (fc, dc) in FEATURES.items():
        cat = (df[fc].astype(str) + df[dc].astype(str)).map(table)
        vc = cat.value_counts()
        c = {k: int(vc.get(k, 0)) for k in "AOMIRQ"}
        aomi = c["A"] + c["O"] + c["M"] + c["I"]
        kano_rows.append(
            {
                "feature": feat,
                **c,
                "better": (c["A"] + c["O"]) / aomi,
                "worse": -(c["O"] + c["M"]) / aomi,
            }
        )
    out["kano"] = pd.DataFrame(kano_rows)
    s = df["nps"]
    pp, pdd = (s >= 9).mean(), (s <= 6).mean()
    out["nps"] = 100 * (pp - pdd)
    times["servqual+kano+nps"] = time.perf_counter() - t0
    frame = pd.concat([dim_scores, df[[*SEGMENTS, "csat"]]], axis=1)
    times["respondent scores"] = 0.0  # computed inside the SERVQUAL part above
    t0 = time.perf_counter()
    res = {}
    for d in DIM_NAMES:
        for seg in SEGMENTS:
            sub = frame[[d, seg]].dropna()
            groups = [x[d].to_numpy() for _, x in sub.groupby(seg, observed=True)]
            res[(d, seg)] = (
                stats.f_oneway(*groups),
                stats.kruskal(*groups),
                stats.levene(*groups, center="mean"),
                stats.levene(*groups, center="median"),
                stats.tukey_hsd(*groups),
            )
    out["anova"] = res
    times["anova (15 calls)"] = time.perf_counter() - t0
    import statsmodels.api as sm

    t0 = time.perf_counter()
    sub = frame.dropna(subset=DIM_NAMES)
    r2: dict[frozenset[str], float] = {frozenset(): 0.0}
    for k in range(1, 6):
        for combo in itertools.combinations(DIM_NAMES, k):
            x = sm.add_constant(sub[list(combo)])
            r2[frozenset(combo)] = sm.OLS(sub["csat"].astype(float), x).fit().rsquared
    out["lmg"] = {
        d: np.mean(
            [
                r2[frozenset(perm[: perm.index(d) + 1])] - r2[frozenset(perm[: perm.index(d)])]
                for perm in itertools.permutations(DIM_NAMES)
            ]
        )
        for d in DIM_NAMES
    }
    times["drivers"] = time.perf_counter() - t0
    out["_times"] = times
    return out


def _check(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Largest absolute difference between the two implementations on shared numbers."""
    items = a["servqual"].items.set_index("item")
    pi = b["items"].set_index("item")
    diffs = [
        np.abs(items[c].to_numpy() - pi[c].to_numpy()).max()
        for c in ("n", "n_inconsistent", "msa", "msa_ci_low", "mss", "share_below", "share_inside")
    ]
    dims = a["servqual"].dimensions.set_index("dimension")["gap"]
    diffs.append(float(np.abs(dims - b["dimensions"][dims.index]).max()))
    diffs.append(abs(a["servqual"].overall["servqual_unweighted"].iloc[0] - b["servqual"]))
    diffs.append(abs(a["servqual"].overall["servqual_weighted"].iloc[0] - b["servqual_weighted"]))
    k = a["kano"].features.set_index("feature")
    pk = b["kano"].set_index("feature")
    for c in ("A", "O", "M", "I", "R", "Q", "better", "worse"):
        diffs.append(float(np.abs(k[c].to_numpy() - pk[c].to_numpy()).max()))
    diffs.append(abs(a["nps"].nps - b["nps"]))
    if "anova" in a and "anova" in b:
        for key, res in a["anova"].items():
            diffs.append(abs(res.f - b["anova"][key][0].statistic) / max(1.0, abs(res.f)))
    if "drivers" in a and "lmg" in b:
        imp = a["drivers"].table.set_index("driver")["importance"]
        diffs.append(max(abs(float(imp[d]) - b["lmg"][d]) for d in DIM_NAMES))
    return float(max(diffs))


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50,000 respondents")
    ap.add_argument("-n", type=int, default=None, help="number of respondents")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs each; best is shown")
    args = ap.parse_args()
    n = args.n or (50_000 if args.quick else 1_000_000)
    df, items = make_data(n)
    size = int(df.memory_usage(deep=True).sum())
    print(f"respondents: {n:,}   input: {size / 1e6:,.0f} MB   items: 22   Kano features: 10")
    print(
        "parts: servqual, kano, nps, anova (5 dimensions x 3 segments), drivers (relative "
        "importance)"
    )
    # best of --repeat runs each (alternating), so a busy shared machine or first-touch
    # effects do not decide the comparison
    runs_sg, runs_pd = [], []
    for _ in range(args.repeat):
        runs_sg.append(_timed(lambda: report_servgap(df, items)))
        runs_pd.append(_timed(lambda: report_pandas(df, items)))
    t_sg, res_sg = min(runs_sg, key=lambda r: r[0])
    t_pd, res_pd = min(runs_pd, key=lambda r: r[0])
    if "drivers_error" in res_sg:
        print(f"drivers call failed: {res_sg['drivers_error']}")
    print(f"max |servgap - pandas| on shared numbers: {_check(res_sg, res_pd):.2e}")
    print(f"{'best of ' + str(args.repeat):24}{'servgap':>12}{'pandas+scipy':>14}{'ratio':>10}")
    for part, ts in res_sg["_times"].items():
        tp = res_pd["_times"].get(part, float("nan"))
        ratio = f"{tp / ts:9.1f}x" if part != "respondent scores" else ""
        print(f"  {part:22}{ts:12.2f}{tp:14.2f}{ratio}")
    core_sg = res_sg["_times"]["servqual+kano+nps"]
    core_pd = res_pd["_times"]["servqual+kano+nps"]
    print(f"{'wall time, whole (s)':24}{t_sg:12.2f}{t_pd:14.2f}{t_pd / t_sg:9.1f}x")
    if not args.no_memory:
        m_sg = _peak(lambda: report_servgap(df, items))
        m_pd = _peak(lambda: report_pandas(df, items))
        print(
            f"{'peak traced memory (MB)':24}{m_sg / 1e6:12.0f}{m_pd / 1e6:14.0f}{m_pd / m_sg:9.1f}x"
        )
        print(f"{'peak / input size':24}{m_sg / size:12.2f}{m_pd / size:14.2f}")
    print(
        f"targets, whole report: < 3 s ({'met' if t_sg < 3 else 'NOT met'}), >= 10x "
        f"({'met' if t_pd / t_sg >= 10 else 'NOT met'}); servqual+kano+nps part: "
        f"{core_sg:.2f} s, {core_pd / core_sg:.1f}x"
        + (
            ""
            if args.no_memory
            else f", peak < 3x input ({'met' if m_sg < 3 * size else 'NOT met'})"
        )
    )


if __name__ == "__main__":
    main()
