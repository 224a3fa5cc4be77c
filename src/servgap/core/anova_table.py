"""Many one-way ANOVAs at once (every value × every grouping), each group coding shared
across the tests; equal to :func:`servgap.core.anova.anova` (tested). Split from
:mod:`servgap.core.anova`.

Survey scores repeat (whole numbers, or means of a few of them), so each (value, group)
pair is finished from its (group, value) histogram like :func:`~servgap.core.anova.anova`
(:func:`servgap.core.suffstats.grid_histogram`: one ``bincount``, no sort; Levene's and
Brown–Forsythe's deviations summed per distinct value, which also keeps their sums exact
on tens of millions of rows); values that hardly repeat use the sort-based path, each
value sorted once for all its groupings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.anova import (
    FloatArray,
    IntArray,
    _average_ranks,
    _group_stats,
    _kruskal,
    _kruskal_from_ranks,
    _kruskal_from_sums,
    _levene,
    _medians,
    _oneway_from_stats,
    _welch,
)
from servgap.core.errors import (
    InputError,
)
from servgap.core.suffstats import ValueHistogram, grid_histogram, value_histogram

ANOVA_TABLE_COLUMNS = [
    "value", "group", "n", "k", "n_missing", "f", "p", "df_between", "df_within",
    "eta_squared", "omega_squared", "welch_f", "welch_p", "welch_df_within", "kruskal_h",
    "kruskal_p", "levene_w", "levene_p", "brown_forsythe_w", "brown_forsythe_p", "error",
]  # fmt: skip


@dataclass(frozen=True)
class AnovaTable(ResultMixin):
    """One row per (value, group) pair with the omnibus statistics of :func:`anova`.

    ``error`` is empty, or says (in English) why that pair could not be tested
    (fewer than two groups, a group with fewer than two respondents, constant
    values); the other columns of such a row are NaN.
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def anova_table(data: pd.DataFrame, values: Sequence[str], groups: Sequence[str]) -> AnovaTable:
    """Every value × every group, sharing each value's sort and each group's coding.

    A report that compares five dimension scores across three segment columns
    runs fifteen one-way analyses; :func:`anova` would sort each value and code
    each group fifteen times. Here each value is sorted once (the order serves
    Kruskal–Wallis ranks and the Brown–Forsythe medians of every grouping) and
    each group column is factorised once. The statistics are those of
    :func:`anova` (one-way F, η², ω², Welch, Kruskal–Wallis with tie
    correction, Levene and Brown–Forsythe) and equal them to floating-point
    precision (tested); post-hoc tables are left to :func:`anova` on the pairs
    that matter.
    """
    from servgap.core._stats import numeric_frame

    values, groups = list(values), list(groups)
    missing = [c for c in groups if c not in data.columns]
    if missing:
        raise InputError(
            f"Group column(s) {missing} not found; available columns: {list(data.columns)}.",
            f"找不到分组列 {missing}；现有列：{list(data.columns)}。",
        )
    nums = numeric_frame(data, values, what_en="value columns", what_zh="数值列")
    coded: dict[str, tuple[IntArray, list[Any]]] = {}
    for g in groups:
        try:
            c, labels = pd.factorize(data[g], sort=True)
        except TypeError:
            c, labels = pd.factorize(data[g], sort=False)
        coded[g] = (c.astype(np.int64), list(labels))
    rows: list[dict[str, Any]] = []
    for v in values:
        x_all = nums[v].to_numpy(dtype=np.float64)
        if np.isinf(x_all).any():
            raise InputError(
                f"Column `{v}` contains infinite values; replace them with real scores.",
                f"列 `{v}` 含有无穷大值；请替换为有效分数。",
            )
        sorted_once = _SortedOnce(x_all)
        for g in groups:
            codes_all, labels_all = coded[g]
            rows.append(_table_row(v, g, x_all, sorted_once, codes_all, labels_all))
    table = pd.DataFrame(rows, columns=ANOVA_TABLE_COLUMNS)
    return AnovaTable(table=table)


class _SortedOnce:
    """A value's sort order and average ranks, computed the first time a grouping needs
    them (never, when every grouping is finished from its histogram)."""

    def __init__(self, x: FloatArray) -> None:
        self.x = x
        self._order: IntArray | None = None
        self._ranks: tuple[FloatArray, float] | None = None

    @property
    def order(self) -> IntArray:
        if self._order is None:
            self._order = np.argsort(self.x, kind="stable")  # NaN sort last
        return self._order

    def ranks(self) -> tuple[FloatArray, float] | None:
        """Ranks of all rows (None when some are missing: ranks change when rows drop)."""
        if np.isnan(self.x).any():
            return None
        if self._ranks is None:
            self._ranks = _average_ranks(self.x, self.order)
        return self._ranks


def _histogram(x: FloatArray, codes: IntArray, k: int) -> ValueHistogram | None:
    labels = list(range(k))
    got = grid_histogram(x, codes, labels)
    return got[0] if got is not None else value_histogram(x, codes, labels)


def _table_row(
    value: str,
    group: str,
    x_all: FloatArray,
    sorted_once: _SortedOnce,
    codes_all: IntArray,
    labels_all: list[Any],
) -> dict[str, Any]:
    keep = ~np.isnan(x_all) & (codes_all >= 0)
    row: dict[str, Any] = {c: np.nan for c in ANOVA_TABLE_COLUMNS}
    row.update(value=value, group=group, n_missing=int((~keep).sum()), error="")
    every = bool(keep.all())
    idx = np.flatnonzero(keep) if not every else np.zeros(0, dtype=np.int64)
    x, raw_codes = (x_all, codes_all) if every else (x_all[idx], codes_all[idx])
    present = np.bincount(raw_codes, minlength=len(labels_all)) > 0
    remap = np.cumsum(present) - 1
    codes = remap[raw_codes]
    k = int(present.sum())
    row.update(n=int(x.size), k=k)
    n_int = np.bincount(codes, minlength=k)
    if k < 2:
        row["error"] = "fewer than two groups with answers"
        return row
    if (n_int < 2).any():
        small = [labels_all[i] for i in np.flatnonzero(present)[n_int < 2]]
        row["error"] = f"group(s) {small} have fewer than 2 respondents"
        return row
    if float(np.ptp(x)) == 0.0:
        row["error"] = "all values are equal"
        return row
    hist = _histogram(x, codes, k)
    if hist is not None:  # the sufficient statistics, as anova() finishes them
        n = hist.n.astype(np.float64)
        mean = hist.mean()
        ss = hist.centred_ss(mean)
    else:
        n, mean, ss = _group_stats(x, codes, k)
    var = ss / (n - 1)
    f, p, dfb, dfw, ssb, ssw = _oneway_from_stats(n, mean, ss)
    msw = ssw / dfw
    sst = ssb + ssw
    welch_f, welch_p, welch_df = _welch(n, mean, var)
    if hist is not None:
        rsum, corr = hist.rank_sums()
        kh, kp = _kruskal_from_sums(rsum, corr, n)
        lev_w, lev_p = _oneway_from_stats(*hist.abs_deviation_stats(mean))[:2]
        bf_w, bf_p = _oneway_from_stats(*hist.abs_deviation_stats(hist.medians()))[:2]
    else:
        order_all = sorted_once.order
        if every:
            order = order_all
        else:
            pos = np.full(x_all.size, -1, dtype=np.int64)
            pos[idx] = np.arange(idx.size)
            sub = pos[order_all]
            order = sub[sub >= 0]
        shared_ranks = sorted_once.ranks() if every else None
        if shared_ranks is not None:
            kh, kp = _kruskal_from_ranks(shared_ranks[0], shared_ranks[1], codes, n)
        else:
            kh, kp = _kruskal(x, codes, n, order)
        lev_w, lev_p = _levene(x, codes, mean, k)
        bf_w, bf_p = _levene(x, codes, _medians(x, codes, k, order), k)
    row.update(
        f=f, p=p, df_between=dfb, df_within=dfw, eta_squared=ssb / sst,
        omega_squared=(ssb - dfb * msw) / (sst + msw), welch_f=welch_f, welch_p=welch_p,
        welch_df_within=welch_df, kruskal_h=kh, kruskal_p=kp, levene_w=lev_w, levene_p=lev_p,
        brown_forsythe_w=bf_w, brown_forsythe_p=bf_p,
    )  # fmt: skip
    return row
