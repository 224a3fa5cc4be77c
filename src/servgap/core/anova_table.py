"""Many one-way ANOVAs at once (every value × every grouping), each sort and group coding
shared across the tests; equal to :func:`servgap.core.anova.anova` (tested). Split from
:mod:`servgap.core.anova`.
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
    _levene,
    _medians,
    _oneway_from_stats,
    _welch,
)
from servgap.core.errors import (
    InputError,
)

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
        order_all = np.argsort(x_all, kind="stable")  # NaN sort last
        shared = _average_ranks(x_all, order_all) if not np.isnan(x_all).any() else None
        for g in groups:
            codes_all, labels_all = coded[g]
            rows.append(_table_row(v, g, x_all, order_all, codes_all, labels_all, shared))
    table = pd.DataFrame(rows, columns=ANOVA_TABLE_COLUMNS)
    return AnovaTable(table=table)


def _table_row(
    value: str,
    group: str,
    x_all: FloatArray,
    order_all: IntArray,
    codes_all: IntArray,
    labels_all: list[Any],
    shared_ranks: tuple[FloatArray, float] | None,
) -> dict[str, Any]:
    keep = ~np.isnan(x_all) & (codes_all >= 0)
    row: dict[str, Any] = {c: np.nan for c in ANOVA_TABLE_COLUMNS}
    row.update(value=value, group=group, n_missing=int((~keep).sum()), error="")
    if keep.all():
        x, raw_codes, order = x_all, codes_all, order_all
    else:
        shared_ranks = None  # ranks change when rows are dropped
        idx = np.flatnonzero(keep)
        pos = np.full(x_all.size, -1, dtype=np.int64)
        pos[idx] = np.arange(idx.size)
        sub = pos[order_all]
        order = sub[sub >= 0]
        x, raw_codes = x_all[idx], codes_all[idx]
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
    n, mean, ss = _group_stats(x, codes, k)
    var = ss / (n - 1)
    f, p, dfb, dfw, ssb, ssw = _oneway_from_stats(n, mean, ss)
    msw = ssw / dfw
    sst = ssb + ssw
    welch_f, welch_p, welch_df = _welch(n, mean, var)
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
