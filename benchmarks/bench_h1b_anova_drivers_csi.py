"""Benchmark: servgap anova / relative_importance / csi_model against peers.

Run:  .venv/bin/python benchmarks/bench_h1b_anova_drivers_csi.py [--quick]

* ``anova`` (F, Welch, Kruskal–Wallis, Levene, Brown–Forsythe, Tukey and
  Games–Howell tables) on N rows in 8 groups, against the scipy calls that give
  the subset scipy offers (f_oneway, levene mean + median, kruskal, tukey_hsd);
* exact LMG for p drivers from one correlation matrix, against the textbook
  approach of one OLS fit (numpy lstsq on raw rows) per subset, as
  ``dominance-analysis``-style packages do;
* ``csi_model`` on the 250-row ECSI data with 200 bootstrap resamples.

``--quick``: N = 50,000 rows, p = 8 drivers, 50 resamples.
"""

from __future__ import annotations

import argparse
import time
from itertools import combinations
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from servgap.core.anova import anova
from servgap.core.csi import csi_model
from servgap.core.drivers import relative_importance

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def bench_anova(n: int) -> None:
    rng = np.random.default_rng(0)
    g = rng.integers(0, 8, n)
    y = rng.normal(5 + 0.02 * g, 1 + 0.1 * g).round(1)
    d = pd.DataFrame({"y": y, "g": g})
    r, t_ours = _timed(anova, d, "y", "g")

    def peer() -> None:
        groups = [y[g == i] for i in range(8)]
        stats.f_oneway(*groups)
        stats.levene(*groups, center="mean")
        stats.levene(*groups, center="median")
        stats.kruskal(*groups)
        stats.tukey_hsd(*groups)

    _, t_peer = _timed(peer)
    print(
        f"anova, {n:,} rows, 8 groups: servgap {t_ours:.3f} s (all tests + Games-Howell), "
        f"scipy subset {t_peer:.3f} s (no Welch, no Games-Howell) -> ratio {t_peer / t_ours:.1f}x"
    )
    print(
        f"  F = {r.f:.4f}, Welch F = {r.welch_f:.4f}, H = {r.kruskal_h:.2f}, post-hoc {r.posthoc_method}"
    )


def _lmg_bruteforce(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = x.shape[1]
    yc = y - y.mean()
    sst = float(yc @ yc)
    r2 = {(): 0.0}
    for s in range(1, p + 1):
        for c in combinations(range(p), s):
            xx = np.column_stack([np.ones(len(y)), x[:, c]])
            coef, *_ = np.linalg.lstsq(xx, y, rcond=None)
            res = y - xx @ coef
            r2[c] = 1 - float(res @ res) / sst
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for s in range(p):
            w = factorial(s) * factorial(p - s - 1) / factorial(p)
            for c in combinations(others, s):
                out[j] += w * (r2[tuple(sorted((*c, j)))] - r2[c])
    return out


def bench_lmg(p: int, n: int = 2000) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, p))
    x[:, 1:] += 0.5 * x[:, :1]
    y = x @ rng.uniform(0.2, 1.0, p) + rng.normal(size=n)
    cols = [f"x{i}" for i in range(p)]
    d = pd.DataFrame(x, columns=cols).assign(y=y)
    r, t_ours = _timed(relative_importance, d, "y", cols)
    ref, t_peer = _timed(_lmg_bruteforce, x, y)
    err = float(np.max(np.abs(r.table["importance"].to_numpy() - ref)))
    print(
        f"LMG, p = {p}, n = {n}: servgap {t_ours:.3f} s, one-OLS-per-subset {t_peer:.3f} s "
        f"-> ratio {t_peer / t_ours:.1f}x, max |diff| = {err:.1e}"
    )


def bench_csi(boot: int) -> None:
    sat = pd.read_csv(ROOT / "tests" / "data" / "h1b_satisfaction.csv", index_col=0)
    blocks = {
        "IMAG": [f"imag{i}" for i in range(1, 6)],
        "EXPE": [f"expe{i}" for i in range(1, 6)],
        "QUAL": [f"qual{i}" for i in range(1, 6)],
        "VAL": [f"val{i}" for i in range(1, 5)],
        "SAT": [f"sat{i}" for i in range(1, 5)],
        "LOY": [f"loy{i}" for i in range(1, 5)],
    }
    paths = [
        ("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"),
        ("EXPE", "SAT"), ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "LOY"),
    ]  # fmt: skip
    _, t = _timed(csi_model, sat, blocks, paths, bootstrap=boot, scale_ranges=(0, 10))
    print(
        f"csi_model, ECSI 250 x 27, {boot} bootstrap resamples: {t:.3f} s (no peer in Python env)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    a = ap.parse_args()
    bench_anova(50_000 if a.quick else 1_000_000)
    bench_lmg(8 if a.quick else 12)
    bench_csi(50 if a.quick else 200)


if __name__ == "__main__":
    main()
