"""SERVQUAL gap scores and the zone of tolerance (two- and three-column formats).

Written by hand: no maintained Python package computes SERVQUAL, MSA/MSS and
zone-of-tolerance shares. Everything is computed from per-group *sufficient
statistics* (counts, sums, sums of squares, counts below/inside/above the zone)
gathered in one vectorised numpy pass (``np.bincount`` over group codes, no
per-row Python) and finished in numpy. Such statistics add up across
partitions: :meth:`ServqualStats.merge` combines two chunks and
:func:`finish_servqual` turns the result into tables, so a survey that does not
fit in memory can be processed chunk by chunk.

Sign convention (documented once, used everywhere): **positive = better than
expected.** For ``direction="higher_better"`` (ratings) gap = P − E,
MSA = P − A, MSS = P − D, zone width = D − A. For ``direction="lower_better"``
(quantities such as waiting minutes, where the adequate wait A is the *longest*
acceptable and the desired wait D the shorter ideal) every difference is
negated: gap = E − P, MSA = A − P, MSS = D − P, zone width = A − D. Below the
zone therefore always means MSA < 0 (e.g. a wait longer than the adequate
wait), above the zone MSS > 0, inside MSA ≥ 0 and MSS ≤ 0 (bounds inclusive).
An answer with zone width < 0 (desired below adequate for ratings) is
inconsistent: it is excluded from every statistic of that item and counted in
``n_inconsistent``.

For three-column items the gap used in dimension and SERVQUAL scores is the MSS
(P − D, the desired level playing the role of the expectation, as in PZB 1994),
so two- and three-column items can be mixed.

What enters a dimension score (one rule, :func:`is_rating_item`, used by every
face): only *rating items*, answered on the survey's rating scale with higher =
better and no ``unit``. An item on another unit or direction (a quantity such as
a wait in minutes, or any ``lower_better`` item) never enters a dimension mean,
the SERVQUAL score or the weights with rating items; it is reported on its own
row of :attr:`ServqualResult.separate_items`, in its unit. (Averaging a 0–240
minute wait into a 1–9 responsiveness score would make the score meaningless.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core._stats import FloatArray, check_confidence, group_codes, mean_var, t_interval
from servgap.core.errors import InputError, ProblemCollector, SpecError

__all__ = [
    "ServqualResult",
    "ServqualStats",
    "finish_servqual",
    "is_rating_item",
    "respondent_scores",
    "servqual",
    "servqual_change",
    "servqual_stats",
]

IntArray = npt.NDArray[np.int64]

#: Rows processed per chunk (temporaries stay in the CPU cache).
_CHUNK = 32_768

#: Item-level sufficient statistics kept per (group, item).
ITEM_STATS = (
    "n",
    "n_inconsistent",
    "n_below",
    "n_inside",
    "n_above",
    "sum_perceived",
    "sum_expected",
    "sum_adequate",
    "sum_desired",
    "sum_gap",
    "ssq_gap",
    "sum_msa",
    "ssq_msa",
    "sum_mss",
    "ssq_mss",
    "sum_zone",
)
#: Dimension-level sufficient statistics of respondent dimension scores per (group, dimension).
DIM_STATS = (
    "n_gap",
    "sum_gap",
    "ssq_gap",
    "n_msa",
    "sum_msa",
    "ssq_msa",
    "sum_mss",
    "ssq_mss",
)
#: Overall sufficient statistics of respondent SERVQUAL scores per group.
OVERALL_STATS = (
    "n",
    "sum",
    "ssq",
    "n_weighted",
    "sum_weighted",
    "ssq_weighted",
    "n_msa",
    "sum_msa",
    "ssq_msa",
    "sum_mss",
    "ssq_mss",
)


def is_rating_item(*, direction: str = "higher_better", unit: str | None = None) -> bool:
    """Whether an item enters its dimension's mean: a rating (higher = better, no unit).

    The one rule for what enters a dimension score, used by :func:`servqual`,
    :func:`respondent_scores` and every analysis built on them. Items with a
    ``unit`` (minutes, yuan, ...) or ``direction="lower_better"`` are reported on
    their own instead.
    """
    return direction == "higher_better" and not unit


@dataclass(frozen=True)
class _Item:
    name: str
    dimension: str
    perceived: str
    expected: str | None
    adequate: str | None
    desired: str | None
    sign: float
    unit: str | None = None

    @property
    def three(self) -> bool:
        return self.adequate is not None

    @property
    def rating(self) -> bool:
        """Enters its dimension's mean (see :func:`is_rating_item`)."""
        return is_rating_item(
            direction="higher_better" if self.sign > 0 else "lower_better", unit=self.unit
        )


def _parse_items(items: Mapping[str, Mapping[str, str]]) -> list[_Item]:
    pc = ProblemCollector()
    out: list[_Item] = []
    if not isinstance(items, Mapping) or len(items) == 0:
        raise SpecError(
            "items must be a non-empty mapping item -> {dimension, perceived, expected | "
            "adequate + desired}.",
            "items 必须是非空映射：条目 -> {dimension, perceived, expected 或 adequate + desired}。",
        )
    for name, spec in items.items():
        if not isinstance(spec, Mapping):
            pc.add(
                f"item `{name}`: specification must be a mapping, got {spec!r}.",
                f"条目 `{name}`：定义必须是映射，收到 {spec!r}。",
                value=str(spec),
            )
            continue
        missing = [k for k in ("dimension", "perceived") if not spec.get(k)]
        has_e = bool(spec.get("expected"))
        has_a, has_d = bool(spec.get("adequate")), bool(spec.get("desired"))
        if missing:
            pc.add(
                f"item `{name}`: missing key(s) {', '.join(missing)}; add them.",
                f"条目 `{name}`：缺少键 {', '.join(missing)}；请补充。",
            )
            continue
        if has_e == (has_a or has_d) or (has_a != has_d):
            pc.add(
                f"item `{name}`: give either `expected` or both `adequate` and `desired` "
                f"(got keys {sorted(spec)}).",
                f"条目 `{name}`：请给出 `expected`，或同时给出 `adequate` 与 `desired`"
                f"（收到键 {sorted(spec)}）。",
            )
            continue
        direction = spec.get("direction", "higher_better")
        if direction not in ("higher_better", "lower_better"):
            pc.add(
                f"item `{name}`: direction {direction!r} is not 'higher_better' or 'lower_better'.",
                f"条目 `{name}`：方向 {direction!r} 无效，应为 'higher_better' 或 'lower_better'。",
                value=str(direction),
            )
            continue
        unit = spec.get("unit")
        if unit is not None and not isinstance(unit, str):
            pc.add(
                f"item `{name}`: unit {unit!r} must be a word such as 'minutes' (or left out "
                "for rating items).",
                f"条目 `{name}`：单位 {unit!r} 必须是 'minutes' 这样的词（评分题不填）。",
                value=str(unit),
            )
            continue
        out.append(
            _Item(
                name=str(name),
                dimension=str(spec["dimension"]),
                perceived=str(spec["perceived"]),
                expected=str(spec["expected"]) if has_e else None,
                adequate=str(spec["adequate"]) if has_a else None,
                desired=str(spec["desired"]) if has_d else None,
                sign=1.0 if direction == "higher_better" else -1.0,
                unit=unit.strip() or None if isinstance(unit, str) else None,
            )
        )
    pc.raise_if_any(
        SpecError, "The SERVQUAL item specification is invalid.", "SERVQUAL 条目定义无效。"
    )
    return out


def _numeric_column(data: pd.DataFrame, col: str, pc: ProblemCollector) -> FloatArray | None:
    """Column as float64 (NaN = missing); non-numeric cells are collected as problems."""
    if col not in data.columns:
        pc.add(
            f"column `{col}` is not in the data; check the item specification.",
            f"数据中没有列 `{col}`；请检查条目定义。",
            column=col,
        )
        return None
    s = data[col]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        conv = pd.to_numeric(s.replace("", np.nan), errors="coerce")
        bad = np.flatnonzero(conv.isna().to_numpy() & s.notna().to_numpy() & (s != "").to_numpy())
        for i in bad:
            pc.add(
                f"value {s.iloc[i]!r} is not a number; enter a number or leave the cell empty.",
                f"值 {s.iloc[i]!r} 不是数字；请填写数字或留空。",
                row=int(i) + 1,
                column=col,
                value=s.iloc[i],
            )
        return np.asarray(conv.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    if s.dtype == np.float64:
        return np.asarray(s.to_numpy(), dtype=np.float64)  # a view: no copy
    return np.asarray(s.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


class _Summer:
    """Per-group sums Σx over rows, via np.bincount (or a plain sum for one group)."""

    def __init__(self, codes: IntArray, n_groups: int) -> None:
        self.codes = codes
        self.g = n_groups

    def sum(self, x: FloatArray) -> FloatArray:
        if self.g == 1:
            return np.array([float(np.sum(x))])
        return np.asarray(np.bincount(self.codes, weights=x, minlength=self.g), dtype=np.float64)

    def ssq(self, x: FloatArray) -> FloatArray:
        if self.g == 1:
            return np.array([float(np.einsum("i,i->", x, x))])
        return self.sum(x * x)

    def count(self, mask: npt.NDArray[np.bool_]) -> FloatArray:
        if self.g == 1:
            return np.array([float(np.count_nonzero(mask))])
        return np.asarray(np.bincount(self.codes[mask], minlength=self.g), dtype=np.float64)


@dataclass(frozen=True)
class ServqualStats(ResultMixin):
    """Mergeable sufficient statistics for :func:`servqual`.

    Attributes
    ----------
    item_names, item_dimensions, item_three_column, item_lower_better, item_units
        Item metadata, in the order of the specification (unit ``None`` for ratings).
    dimensions
        Names of the dimensions that have rating items (:func:`is_rating_item`), in
        order of first appearance.
    by
        Segment column names (empty when not segmented).
    groups
        One row per segment with the ``by`` columns (one empty row when not segmented).
    item_stats
        Name -> array (groups × items) for each name in :data:`ITEM_STATS`.
    dim_stats
        Name -> array (groups × dimensions) for each name in :data:`DIM_STATS`.
    overall_stats
        Name -> array (groups,) for each name in :data:`OVERALL_STATS`.
    weighted
        Whether weights were given (weighted SERVQUAL available).
    n_weights_excluded
        Respondents with no importance weights (excluded from weighted SERVQUAL).
    """

    item_names: tuple[str, ...]
    item_dimensions: tuple[str, ...]
    item_three_column: tuple[bool, ...]
    item_lower_better: tuple[bool, ...]
    item_units: tuple[str | None, ...]
    dimensions: tuple[str, ...]
    by: tuple[str, ...]
    groups: pd.DataFrame
    item_stats: dict[str, FloatArray] = field(repr=False)
    dim_stats: dict[str, FloatArray] = field(repr=False)
    overall_stats: dict[str, FloatArray] = field(repr=False)
    weighted: bool = False
    n_weights_excluded: int = 0

    def merge(self, other: ServqualStats) -> ServqualStats:
        """Add the statistics of another partition computed with the same specification.

        Segments are matched on their ``by`` values; segments present in only one
        partition are kept.
        """
        same = (
            self.item_names == other.item_names
            and self.item_dimensions == other.item_dimensions
            and self.item_three_column == other.item_three_column
            and self.item_lower_better == other.item_lower_better
            and self.item_units == other.item_units
            and self.by == other.by
            and self.weighted == other.weighted
        )
        if not same:
            raise SpecError(
                "Cannot merge SERVQUAL statistics computed with different items, segments or "
                "weighting; compute both partitions with the same specification.",
                "无法合并使用不同条目、分组或加权方式计算的 SERVQUAL 统计量；请用相同定义计算各分区。",
            )
        keys_a = _key_tuples(self.groups, self.by)
        keys_b = _key_tuples(other.groups, other.by)
        index: dict[tuple[Any, ...], int] = {}
        for k in [*keys_a, *keys_b]:
            index.setdefault(k, len(index))
        ia = np.array([index[k] for k in keys_a], dtype=np.int64)
        ib = np.array([index[k] for k in keys_b], dtype=np.int64)
        g = len(index)

        def _add(a: dict[str, FloatArray], b: dict[str, FloatArray]) -> dict[str, FloatArray]:
            out: dict[str, FloatArray] = {}
            for name, arr in a.items():
                acc = np.zeros((g, *arr.shape[1:]), dtype=np.float64)
                np.add.at(acc, ia, arr)
                np.add.at(acc, ib, b[name])
                out[name] = acc
            return out

        if self.by:
            rows = list(index)
            groups = pd.DataFrame(rows, columns=list(self.by))
            order = np.lexsort([groups[c].astype(str).to_numpy() for c in reversed(self.by)])
        else:
            groups = pd.DataFrame(index=range(1))
            order = np.arange(1)
        items = {k: v[order] for k, v in _add(self.item_stats, other.item_stats).items()}
        dims = {k: v[order] for k, v in _add(self.dim_stats, other.dim_stats).items()}
        overall = {k: v[order] for k, v in _add(self.overall_stats, other.overall_stats).items()}
        return ServqualStats(
            item_names=self.item_names,
            item_dimensions=self.item_dimensions,
            item_three_column=self.item_three_column,
            item_lower_better=self.item_lower_better,
            item_units=self.item_units,
            dimensions=self.dimensions,
            by=self.by,
            groups=groups.iloc[order].reset_index(drop=True),
            item_stats=items,
            dim_stats=dims,
            overall_stats=overall,
            weighted=self.weighted,
            n_weights_excluded=self.n_weights_excluded + other.n_weights_excluded,
        )


def _key_tuples(groups: pd.DataFrame, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    if not by:
        return [()]
    return [tuple(r) for r in groups[list(by)].itertuples(index=False, name=None)]


def _weights_matrix(
    data: pd.DataFrame,
    weights: pd.DataFrame | Mapping[str, str],
    dimensions: Sequence[str],
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """(N × D) weights and a mask of rows that have weights; raises on bad rows."""
    pc = ProblemCollector()
    cols: list[FloatArray] = []
    if isinstance(weights, pd.DataFrame):
        if len(weights) != len(data) or not weights.index.equals(data.index):
            raise InputError(
                "weights must be index-aligned with data (same rows, same index).",
                "权重表必须与数据按索引对齐（相同的行与索引）。",
            )
        frame, names = weights, {d: d for d in dimensions}
    elif isinstance(weights, Mapping):
        frame, names = data, {d: weights.get(d, "") for d in dimensions}
    else:
        raise SpecError(
            f"weights must be a DataFrame or a mapping dimension -> column, got {type(weights)}.",
            f"weights 必须是 DataFrame 或 维度 -> 列名 的映射，收到 {type(weights)}。",
        )
    for d in dimensions:
        col = names[d]
        if not col or col not in frame.columns:
            raise SpecError(
                f"no importance weight column for dimension `{d}`; give one per dimension "
                f"({', '.join(dimensions)}).",
                f"维度 `{d}` 没有重要性权重列；请为每个维度（{', '.join(dimensions)}）提供一列。",
            )
        arr = _numeric_column(frame, str(col), pc)
        cols.append(arr if arr is not None else np.full(len(frame), np.nan))
    pc.raise_if_any(InputError, "Importance weights are not numeric.", "重要性权重不是数字。")
    w = np.column_stack(cols) if cols else np.zeros((len(data), 0))
    nan = np.isnan(w)
    any_w: npt.NDArray[np.bool_] = np.asarray(~nan.all(axis=1), dtype=bool)
    total = np.where(nan, 0.0, w).sum(axis=1)
    bad = any_w & (
        nan.any(axis=1) | (np.where(nan, 0.0, w) < 0).any(axis=1) | (np.abs(total - 100.0) > 0.5)
    )
    w0 = np.where(nan, 0.0, w)
    for i in np.flatnonzero(bad):
        if nan[i].any():
            why_en, why_zh = "some weights are empty", "部分权重为空"
        elif (w0[i] < 0).any():
            why_en, why_zh = (
                f"a weight is negative ({w0[i].min():g})",
                f"有负权重（{w0[i].min():g}）",
            )
        else:
            why_en, why_zh = f"the row sums to {total[i]:g}", f"该行合计为 {total[i]:g}"
        pc.add(
            f"importance points must be non-negative, complete and sum to 100, but {why_en}. "
            "Fix the row or leave all its weights empty.",
            f"重要性分数必须非负、完整且合计为 100，但{why_zh}。请修正该行或将其权重全部留空。",
            row=int(i) + 1,
            value=float(total[i]),
        )
    pc.raise_if_any(
        InputError,
        f"{len(pc)} row(s) have invalid importance weights.",
        f"{len(pc)} 行的重要性权重无效。",
    )
    return w, any_w


def servqual_stats(
    data: pd.DataFrame,
    items: Mapping[str, Mapping[str, str]],
    *,
    weights: pd.DataFrame | Mapping[str, str] | None = None,
    by: str | Sequence[str] | None = None,
) -> ServqualStats:
    """Gather mergeable sufficient statistics for :func:`servqual` (see there)."""
    spec = _parse_items(items)
    if not isinstance(data, pd.DataFrame):
        raise InputError("data must be a pandas DataFrame.", "data 必须是 pandas DataFrame。")
    pc = ProblemCollector()
    cols: dict[str, FloatArray] = {}
    for it in spec:
        for c in (it.perceived, it.expected, it.adequate, it.desired):
            if c is not None and c not in cols:
                arr = _numeric_column(data, c, pc)
                if arr is not None:
                    cols[c] = arr
    pc.raise_if_any(
        InputError,
        f"The SERVQUAL data has {len(pc)} problem(s).",
        f"SERVQUAL 数据有 {len(pc)} 处问题。",
    )
    codes, groups, by_cols = group_codes(data, by)
    g = len(groups)
    n_rows = len(data)
    dims = _rating_dimensions(spec)
    j_items = len(spec)
    ist = {k: np.zeros((g, j_items)) for k in ITEM_STATS}
    dst = {k: np.zeros((g, len(dims))) for k in DIM_STATS}

    w: FloatArray | None = None
    w_rows = np.zeros(n_rows, dtype=bool)
    if weights is not None:
        w, w_rows = _weights_matrix(data, weights, dims)

    n_dims = len(dims)
    members = [
        [(j, it) for j, it in enumerate(spec) if it.rating and it.dimension == dim] for dim in dims
    ]
    separate = [(j, it) for j, it in enumerate(spec) if not it.rating]
    has3_dim = [any(it.three for _, it in mem) for mem in members]
    dims3 = sum(has3_dim)
    ost = {k: np.zeros(g) for k in OVERALL_STATS}
    n_w_rows = 0
    # Row chunks keep every temporary in cache; statistics are sums, so they just add up.
    with np.errstate(invalid="ignore"):
        for lo in range(0, n_rows, _CHUNK):
            hi = min(lo + _CHUNK, n_rows)
            m = hi - lo
            sm = _Summer(codes[lo:hi], g)
            ov_sum = np.zeros(m)
            ov_cnt = np.zeros(m, dtype=np.int64)
            ov_msa = np.zeros(m)
            ov_mss = np.zeros(m)
            ov_cnt3 = np.zeros(m, dtype=np.int64)
            w_sum = np.zeros(m)
            w_ok = w_rows[lo:hi].copy()
            for d_idx, mem in enumerate(members):
                rs_gap = np.zeros(m)
                rc_gap = np.zeros(m)
                rs_msa = np.zeros(m)
                rs_mss = np.zeros(m)
                rc_3 = np.zeros(m)
                for j, it in mem:
                    gap0, ok, msa, mss = _item_pass(it, j, cols, lo, hi, sm, ist)
                    if msa is not None and mss is not None:
                        rs_msa += msa
                        rs_mss += mss
                        rc_3 += ok
                    rs_gap += gap0
                    rc_gap += ok
                # respondent-level dimension scores
                has = rc_gap > 0
                dg = np.divide(rs_gap, rc_gap, out=np.zeros(m), where=has)
                dst["n_gap"][:, d_idx] += sm.count(has)
                dst["sum_gap"][:, d_idx] += sm.sum(dg)
                dst["ssq_gap"][:, d_idx] += sm.ssq(dg)
                ov_sum += dg
                ov_cnt += has
                if w is not None:
                    w_sum += w[lo:hi, d_idx] / 100.0 * dg
                    w_ok &= has
                if has3_dim[d_idx]:
                    has3 = rc_3 > 0
                    dm = np.divide(rs_msa, rc_3, out=np.zeros(m), where=has3)
                    ds = np.divide(rs_mss, rc_3, out=np.zeros(m), where=has3)
                    dst["n_msa"][:, d_idx] += sm.count(has3)
                    dst["sum_msa"][:, d_idx] += sm.sum(dm)
                    dst["ssq_msa"][:, d_idx] += sm.ssq(dm)
                    dst["sum_mss"][:, d_idx] += sm.sum(ds)
                    dst["ssq_mss"][:, d_idx] += sm.ssq(ds)
                    ov_msa += dm
                    ov_mss += ds
                    ov_cnt3 += has3
            for j, it in separate:  # item statistics only: never in a dimension or overall
                _item_pass(it, j, cols, lo, hi, sm, ist)
            full = (ov_cnt == n_dims) & (n_dims > 0)
            score = np.where(full, ov_sum / max(n_dims, 1), 0.0)
            full3 = (ov_cnt3 == dims3) & (dims3 > 0)
            s_msa = np.where(full3, ov_msa / max(dims3, 1), 0.0)
            s_mss = np.where(full3, ov_mss / max(dims3, 1), 0.0)
            if n_dims == 0:
                w_ok[:] = False
            ws = np.where(w_ok, w_sum, 0.0)
            n_w_rows += int(np.count_nonzero(w_ok))
            for key, val in (
                ("n", sm.count(full)),
                ("sum", sm.sum(score)),
                ("ssq", sm.ssq(score)),
                ("n_weighted", sm.count(w_ok)),
                ("sum_weighted", sm.sum(ws)),
                ("ssq_weighted", sm.ssq(ws)),
                ("n_msa", sm.count(full3)),
                ("sum_msa", sm.sum(s_msa)),
                ("ssq_msa", sm.ssq(s_msa)),
                ("sum_mss", sm.sum(s_mss)),
                ("ssq_mss", sm.ssq(s_mss)),
            ):
                ost[key] += val
    return ServqualStats(
        item_names=tuple(it.name for it in spec),
        item_dimensions=tuple(it.dimension for it in spec),
        item_three_column=tuple(it.three for it in spec),
        item_lower_better=tuple(it.sign < 0 for it in spec),
        item_units=tuple(it.unit for it in spec),
        dimensions=tuple(dims),
        by=by_cols,
        groups=groups,
        item_stats=ist,
        dim_stats=dst,
        overall_stats=ost,
        weighted=weights is not None,
        n_weights_excluded=int(n_rows - n_w_rows) if weights is not None else 0,
    )


def _rating_dimensions(spec: Sequence[_Item]) -> list[str]:
    """Dimensions with at least one rating item, in order of first appearance."""
    dims: list[str] = []
    for it in spec:
        if it.rating and it.dimension not in dims:
            dims.append(it.dimension)
    return dims


def _item_pass(
    it: _Item,
    j: int,
    cols: Mapping[str, FloatArray],
    lo: int,
    hi: int,
    sm: _Summer,
    ist: dict[str, FloatArray],
) -> tuple[FloatArray, npt.NDArray[np.bool_], FloatArray | None, FloatArray | None]:
    """Add rows ``lo:hi`` of item ``j`` to the item statistics ``ist``.

    Returns the respondent values a dimension score needs: the gap (0 where not
    usable), the mask of usable answers, and for three-column items MSA and MSS
    (0 where not usable; ``None`` for two-column items).
    """
    p = cols[it.perceived][lo:hi]
    msa_out: FloatArray | None = None
    mss_out: FloatArray | None = None
    if it.three:
        a = cols[str(it.adequate)][lo:hi]
        dd = cols[str(it.desired)][lo:hi]
        msa = p - a
        mss = p - dd
        zone = dd - a
        if it.sign < 0:
            np.negative(msa, out=msa)
            np.negative(mss, out=mss)
            np.negative(zone, out=zone)
        missing = np.isnan(msa) | np.isnan(mss)
        neg = zone < 0
        incons = neg & ~missing
        bad = missing | neg
        ok = ~bad
        np.copyto(msa, 0.0, where=bad)
        np.copyto(mss, 0.0, where=bad)
        np.copyto(zone, 0.0, where=bad)
        below = msa < 0
        above = mss > 0
        n_ok = sm.count(ok)
        n_below = sm.count(below)
        n_above = sm.count(above)
        ist["n_inconsistent"][:, j] += sm.count(incons)
        ist["n_below"][:, j] += n_below
        ist["n_inside"][:, j] += n_ok - n_below - n_above
        ist["n_above"][:, j] += n_above
        sum_p = sm.sum(np.where(ok, p, 0.0))
        sum_msa = sm.sum(msa)
        sum_mss = sm.sum(mss)
        # Σ A = Σ P − sign·Σ MSA and Σ D = Σ P − sign·Σ MSS over the same rows
        ist["sum_perceived"][:, j] += sum_p
        ist["sum_adequate"][:, j] += sum_p - it.sign * sum_msa
        ist["sum_desired"][:, j] += sum_p - it.sign * sum_mss
        ist["sum_msa"][:, j] += sum_msa
        ist["ssq_msa"][:, j] += sm.ssq(msa)
        ist["sum_mss"][:, j] += sum_mss
        ssq_mss = sm.ssq(mss)
        ist["ssq_mss"][:, j] += ssq_mss
        ist["sum_zone"][:, j] += sm.sum(zone)
        gap0 = mss
        gap_sum, gap_ssq = sum_mss, ssq_mss  # three-column gap is the MSS
        msa_out, mss_out = msa, mss
    else:
        e = cols[str(it.expected)][lo:hi]
        gap0 = p - e
        if it.sign < 0:
            np.negative(gap0, out=gap0)
        bad = np.isnan(gap0)
        ok = ~bad
        np.copyto(gap0, 0.0, where=bad)
        n_ok = sm.count(ok)
        sum_p = sm.sum(np.where(ok, p, 0.0))
        ist["sum_perceived"][:, j] += sum_p
        gap_sum, gap_ssq = sm.sum(gap0), sm.ssq(gap0)
        ist["sum_expected"][:, j] += sum_p - it.sign * gap_sum
    ist["n"][:, j] += n_ok
    ist["sum_gap"][:, j] += gap_sum
    ist["ssq_gap"][:, j] += gap_ssq
    return gap0, ok, msa_out, mss_out


@dataclass(frozen=True)
class ServqualResult(ResultMixin):
    """SERVQUAL and zone-of-tolerance tables.

    Attributes
    ----------
    items
        One row per item (× segment): ``item, dimension, format`` ("two_column" /
        "three_column"), ``direction, unit`` (None for ratings), ``in_dimension``
        (whether the item enters its dimension's score, :func:`is_rating_item`),
        ``n, n_inconsistent, perceived_mean,
        expected_mean, adequate_mean, desired_mean, gap, gap_ci_low, gap_ci_high,
        msa, msa_ci_low, msa_ci_high, mss, mss_ci_low, mss_ci_high, zone_width,
        share_below, share_inside, share_above``. Columns that do not apply to an
        item's format are NaN (the ``format`` column says which apply).
    dimensions
        One row per dimension with rating items (× segment): ``dimension, n_items,
        n, gap, gap_ci_low, gap_ci_high, n_three_column, msa, msa_ci_low,
        msa_ci_high, mss, mss_ci_low, mss_ci_high, share_below, share_inside,
        share_above``. Rating items only (see the module docstring).
    separate_items
        One row per item on another unit or direction (× segment), reported on its
        own in its unit: ``dimension, item, unit, direction, n, adequate_mean,
        desired_mean, perceived_mean, expected_mean, gap, gap_ci_low, gap_ci_high,
        msa, msa_ci_low, msa_ci_high, mss, mss_ci_low, mss_ci_high, zone_width,
        share_below, share_inside, share_above`` (same sign convention: positive =
        better than expected). Empty when every item is a rating.
    overall
        One row (per segment): ``n, servqual_unweighted, servqual_unweighted_ci_low,
        servqual_unweighted_ci_high, n_weighted, servqual_weighted,
        servqual_weighted_ci_low, servqual_weighted_ci_high, n_three_column, msa,
        msa_ci_low, msa_ci_high, mss, mss_ci_low, mss_ci_high``.
    by, confidence
        Segment columns and confidence level used.
    warnings
        Human-readable notes: inconsistent answers excluded, intervals undefined
        (n < 2), respondents without weights.
    """

    items: pd.DataFrame
    dimensions: pd.DataFrame
    overall: pd.DataFrame
    separate_items: pd.DataFrame
    by: tuple[str, ...]
    confidence: float
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The item table."""
        return self.items


def _with_groups(groups: pd.DataFrame, by: tuple[str, ...], reps: int) -> dict[str, Any]:
    return {c: np.repeat(groups[c].to_numpy(), reps) for c in by}


def finish_servqual(stats: ServqualStats, *, confidence: float = 0.95) -> ServqualResult:
    """Turn (merged) :class:`ServqualStats` into a :class:`ServqualResult`."""
    check_confidence(confidence)
    g = len(stats.groups)
    j = len(stats.item_names)
    ist = stats.item_stats
    warns: list[str] = []
    three = np.array(stats.item_three_column, dtype=bool)[None, :].repeat(g, axis=0)
    rating_j = np.array(
        [
            is_rating_item(direction="lower_better" if lb else "higher_better", unit=u)
            for lb, u in zip(stats.item_lower_better, stats.item_units, strict=True)
        ],
        dtype=bool,
    )
    n = ist["n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap, gap_var = mean_var(n, ist["sum_gap"], ist["ssq_gap"])
        msa, msa_var = mean_var(n, ist["sum_msa"], ist["ssq_msa"])
        mss, mss_var = mean_var(n, ist["sum_mss"], ist["ssq_mss"])
        gl, gh = t_interval(gap, gap_var, n, confidence)
        ml, mh = t_interval(msa, msa_var, n, confidence)
        sl, sh = t_interval(mss, mss_var, n, confidence)
        nn = np.where(n > 0, n, np.nan)
        nan3 = np.where(three, 1.0, np.nan)
        nan2 = np.where(three, np.nan, 1.0)
        items = pd.DataFrame(
            {
                **_with_groups(stats.groups, stats.by, j),
                "item": np.tile(np.array(stats.item_names, dtype=object), g),
                "dimension": np.tile(np.array(stats.item_dimensions, dtype=object), g),
                "format": np.where(three, "three_column", "two_column").ravel(),
                "direction": np.tile(
                    np.array(
                        ["lower_better" if x else "higher_better" for x in stats.item_lower_better],
                        dtype=object,
                    ),
                    g,
                ),
                "unit": np.tile(np.array(stats.item_units, dtype=object), g),
                "in_dimension": np.tile(rating_j, g),
                "n": n.astype(np.int64).ravel(),
                "n_inconsistent": ist["n_inconsistent"].astype(np.int64).ravel(),
                "perceived_mean": (ist["sum_perceived"] / nn).ravel(),
                "expected_mean": (ist["sum_expected"] / nn * nan2).ravel(),
                "adequate_mean": (ist["sum_adequate"] / nn * nan3).ravel(),
                "desired_mean": (ist["sum_desired"] / nn * nan3).ravel(),
                "gap": gap.ravel(),
                "gap_ci_low": gl.ravel(),
                "gap_ci_high": gh.ravel(),
                "msa": (msa * nan3).ravel(),
                "msa_ci_low": (ml * nan3).ravel(),
                "msa_ci_high": (mh * nan3).ravel(),
                "mss": (mss * nan3).ravel(),
                "mss_ci_low": (sl * nan3).ravel(),
                "mss_ci_high": (sh * nan3).ravel(),
                "zone_width": (ist["sum_zone"] / nn * nan3).ravel(),
                "share_below": (ist["n_below"] / nn * nan3).ravel(),
                "share_inside": (ist["n_inside"] / nn * nan3).ravel(),
                "share_above": (ist["n_above"] / nn * nan3).ravel(),
            }
        )

        # dimensions
        dims = stats.dimensions
        nd = len(dims)
        dst = stats.dim_stats
        # rating items only: an item on another unit or direction is never averaged in
        onehot = np.zeros((j, nd))
        for jj, (dim_name, rated) in enumerate(zip(stats.item_dimensions, rating_j, strict=True)):
            if rated:
                onehot[jj, dims.index(dim_name)] = 1.0
        three_j = np.array(stats.item_three_column, dtype=np.float64)
        n3 = (n * three_j[None, :]) @ onehot
        n3n = np.where(n3 > 0, n3, np.nan)
        dgap, dgap_v = mean_var(dst["n_gap"], dst["sum_gap"], dst["ssq_gap"])
        dmsa, dmsa_v = mean_var(dst["n_msa"], dst["sum_msa"], dst["ssq_msa"])
        dmss, dmss_v = mean_var(dst["n_msa"], dst["sum_mss"], dst["ssq_mss"])
        dgl, dgh = t_interval(dgap, dgap_v, dst["n_gap"], confidence)
        dml, dmh = t_interval(dmsa, dmsa_v, dst["n_msa"], confidence)
        dsl, dsh = t_interval(dmss, dmss_v, dst["n_msa"], confidence)
        dimensions = pd.DataFrame(
            {
                **_with_groups(stats.groups, stats.by, nd),
                "dimension": np.tile(np.array(dims, dtype=object), g),
                "n_items": np.tile(onehot.sum(axis=0).astype(np.int64), g),
                "n": dst["n_gap"].astype(np.int64).ravel(),
                "gap": dgap.ravel(),
                "gap_ci_low": dgl.ravel(),
                "gap_ci_high": dgh.ravel(),
                "n_three_column": dst["n_msa"].astype(np.int64).ravel(),
                "msa": dmsa.ravel(),
                "msa_ci_low": dml.ravel(),
                "msa_ci_high": dmh.ravel(),
                "mss": dmss.ravel(),
                "mss_ci_low": dsl.ravel(),
                "mss_ci_high": dsh.ravel(),
                "share_below": ((ist["n_below"] @ onehot) / n3n).ravel(),
                "share_inside": ((ist["n_inside"] @ onehot) / n3n).ravel(),
                "share_above": ((ist["n_above"] @ onehot) / n3n).ravel(),
            }
        )

        ost = stats.overall_stats
        on, osum, ossq = ost["n"], ost["sum"], ost["ssq"]
        sq, sq_v = mean_var(on, osum, ossq)
        sql, sqh = t_interval(sq, sq_v, on, confidence)
        wq, wq_v = mean_var(ost["n_weighted"], ost["sum_weighted"], ost["ssq_weighted"])
        wql, wqh = t_interval(wq, wq_v, ost["n_weighted"], confidence)
        om, om_v = mean_var(ost["n_msa"], ost["sum_msa"], ost["ssq_msa"])
        os_, os_v = mean_var(ost["n_msa"], ost["sum_mss"], ost["ssq_mss"])
        oml, omh = t_interval(om, om_v, ost["n_msa"], confidence)
        osl, osh = t_interval(os_, os_v, ost["n_msa"], confidence)
        wnan = 1.0 if stats.weighted else np.nan
        overall = pd.DataFrame(
            {
                **_with_groups(stats.groups, stats.by, 1),
                "n": on.astype(np.int64),
                "servqual_unweighted": sq,
                "servqual_unweighted_ci_low": sql,
                "servqual_unweighted_ci_high": sqh,
                "n_weighted": ost["n_weighted"].astype(np.int64),
                "servqual_weighted": wq * wnan,
                "servqual_weighted_ci_low": wql * wnan,
                "servqual_weighted_ci_high": wqh * wnan,
                "n_three_column": ost["n_msa"].astype(np.int64),
                "msa": om,
                "msa_ci_low": oml,
                "msa_ci_high": omh,
                "mss": os_,
                "mss_ci_low": osl,
                "mss_ci_high": osh,
            }
        )

    sep_cols = [*stats.by, "dimension", "item", "unit", "direction", "n", "n_inconsistent",
                "adequate_mean", "desired_mean", "perceived_mean", "expected_mean", "gap",
                "gap_ci_low", "gap_ci_high", "msa", "msa_ci_low", "msa_ci_high", "mss",
                "mss_ci_low", "mss_ci_high", "zone_width", "share_below", "share_inside",
                "share_above"]  # fmt: skip
    separate = items.loc[~items["in_dimension"].to_numpy(dtype=bool), sep_cols].reset_index(
        drop=True
    )
    for item_name, dim_name, unit, lower in zip(
        stats.item_names, stats.item_dimensions, stats.item_units, stats.item_lower_better,
        strict=True,
    ):  # fmt: skip
        if not is_rating_item(direction="lower_better" if lower else "higher_better", unit=unit):
            what = ", ".join(x for x in (unit or "", "lower is better" if lower else "") if x)
            warns.append(
                f"item {item_name} ({what}) is reported on its own in separate_items, not "
                f"averaged into dimension {dim_name}"
            )
    incons = items.groupby("item", sort=False)["n_inconsistent"].sum()
    for name, cnt in incons.items():
        if cnt > 0:
            warns.append(
                f"item {name}: {int(cnt)} answer(s) with desired below adequate were excluded "
                "as inconsistent"
            )
    small = items[items["n"] < 2]
    if len(small):
        warns.append(
            f"{len(small)} item row(s) have n < 2: their confidence intervals are undefined (NaN)"
        )
    if not stats.weighted:
        warns.append("no importance weights given: servqual_weighted is not computed (NaN)")
    elif stats.n_weights_excluded:
        warns.append(
            f"{stats.n_weights_excluded} respondent(s) without weights or without a score on "
            "every dimension are excluded from servqual_weighted"
        )
    return ServqualResult(
        items=items,
        dimensions=dimensions,
        overall=overall,
        separate_items=separate,
        by=stats.by,
        confidence=float(confidence),
        warnings=tuple(warns),
    )


def servqual(
    data: pd.DataFrame,
    items: Mapping[str, Mapping[str, str]],
    *,
    weights: pd.DataFrame | Mapping[str, str] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> ServqualResult:
    """SERVQUAL gaps, zone of tolerance (MSA, MSS, shares) and (weighted) SERVQUAL.

    Parameters
    ----------
    data
        One row per respondent.
    items
        Item name -> ``{"dimension": d, "perceived": col, "expected": col}`` (two-column)
        or ``{"dimension": d, "perceived": col, "adequate": col, "desired": col}``
        (three-column), optionally ``"direction": "lower_better"`` and ``"unit"``
        (e.g. ``"minutes"``) for quantities such as waiting time. Formats may be mixed.
        Only rating items (higher = better, no unit; :func:`is_rating_item`) enter
        dimension and SERVQUAL scores; the others are reported in ``separate_items``.
    weights
        Importance points (each respondent shares 100 over the dimensions): a
        DataFrame with one column per dimension, index-aligned with ``data``, or a
        mapping dimension -> column of ``data``. Rows whose weights are all empty are
        excluded from the weighted score; rows that are incomplete, negative or do not
        sum to 100 (± 0.5) raise :class:`InputError` listing every such row.
    by
        Segment column(s); every table then has one block per segment.
    confidence
        Level of the t-based confidence intervals.

    Returns
    -------
    ServqualResult

    Notes
    -----
    Sign convention: positive = better than expected (see module docstring; for
    ``lower_better`` items every difference is negated).

    Item level (respondent i, answered and consistent):
    gap_i = P_i − E_i (two-column) or P_i − D_i (three-column);
    MSA_i = P_i − A_i; MSS_i = P_i − D_i; zone width = D_i − A_i.
    Below the zone: P < A; inside: A ≤ P ≤ D; above: P > D. D < A is inconsistent
    and excluded. Each mean is reported with the t interval of a mean of paired
    differences, x̄ ± t_{(1+c)/2, n−1} · s/√n.

    Dimension level: each respondent's dimension score is the mean of his or her
    answered items of that dimension; the dimension gap/MSA/MSS is the mean of these
    respondent scores, with a t interval. With complete answers this equals PZB's
    mean of the item means.

    Overall: the unweighted SERVQUAL of a respondent is the mean of his or her
    dimension scores (respondents with a score on every dimension); the weighted
    SERVQUAL is Σ_d (w_d / 100) · gap_d with the respondent's own importance points
    w_d (Zeithaml, Parasuraman & Berry 1990) — the division by 100 matters.

    Implementation: one pass over the columns accumulating per-segment counts, sums
    and sums of squares (:func:`servqual_stats`), which merge across partitions
    (:meth:`ServqualStats.merge`), then :func:`finish_servqual`.

    Checked against a direct pandas computation (tests), a hand-worked three-column
    example built from the PZB (1994) definitions, and the /100 weighting rule.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item
    scale for measuring consumer perceptions of service quality. *Journal of
    Retailing*, 64(1), 12–40.

    Zeithaml, V. A., Parasuraman, A., & Berry, L. L. (1990). *Delivering Quality
    Service*. Free Press.

    Zeithaml, V. A., Berry, L. L., & Parasuraman, A. (1993). The nature and
    determinants of customer expectations of service. *JAMS*, 21(1), 1–12.

    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1994). Alternative scales for
    measuring service quality: a comparative assessment based on psychometric and
    diagnostic criteria. *Journal of Retailing*, 70(3), 201–230.
    """
    check_confidence(confidence)
    stats = servqual_stats(data, items, weights=weights, by=by)
    return finish_servqual(stats, confidence=confidence)


def respondent_scores(data: pd.DataFrame, items: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Each respondent's dimension gap scores and unweighted SERVQUAL score.

    Same definitions, sign convention and item rule as :func:`servqual`: a
    respondent's dimension score is the mean of his or her answered, consistent
    rating-item gaps (P − E, or P − D for three-column items) in that dimension
    (NaN when none; items on another unit or direction are left out);
    ``servqual`` is the mean of the dimension scores when all are present (NaN
    otherwise). Useful as input to group comparisons and driver analysis.

    Returns
    -------
    pandas.DataFrame
        Index of ``data``; one column per dimension plus ``servqual``.
    """
    spec = _parse_items(items)
    pc = ProblemCollector()
    cols: dict[str, FloatArray] = {}
    for it in spec:
        for c in (it.perceived, it.expected, it.adequate, it.desired):
            if c is not None and c not in cols:
                arr = _numeric_column(data, c, pc)
                if arr is not None:
                    cols[c] = arr
    pc.raise_if_any(
        InputError,
        f"The SERVQUAL data has {len(pc)} problem(s).",
        f"SERVQUAL 数据有 {len(pc)} 处问题。",
    )
    dims = _rating_dimensions(spec)
    n_rows = len(data)
    out: dict[str, FloatArray] = {}
    with np.errstate(invalid="ignore"):
        for dim in dims:
            acc = np.zeros(n_rows)
            cnt = np.zeros(n_rows)
            for it in spec:
                if it.dimension != dim or not it.rating:
                    continue
                p = cols[it.perceived]
                if it.three:
                    a, dd = cols[str(it.adequate)], cols[str(it.desired)]
                    gap = it.sign * (p - dd)
                    ok = ~np.isnan(gap) & ~np.isnan(a) & (it.sign * (dd - a) >= 0)
                else:
                    gap = it.sign * (p - cols[str(it.expected)])
                    ok = ~np.isnan(gap)
                acc += np.where(ok, gap, 0.0)
                cnt += ok
            out[dim] = np.divide(acc, cnt, out=np.full(n_rows, np.nan), where=cnt > 0)
    frame = pd.DataFrame(out, index=data.index)
    frame["servqual"] = frame[dims].mean(axis=1, skipna=False)
    return frame


def servqual_change(current: ServqualResult, previous: ServqualResult) -> pd.DataFrame:
    """MSA and MSS of one period next to a comparison period, and the change.

    Parameters
    ----------
    current, previous
        Results of :func:`servqual` on two sets of respondents (e.g. 2026Q3 and
        2026Q2) with the same items and segments.

    Returns
    -------
    pandas.DataFrame
        One row per dimension, then one per separate item (× segment):
        ``[by...], dimension, item`` (None for a dimension row), ``unit, n,
        n_compare, msa, msa_compare, msa_change, mss, mss_compare, mss_change``.
        A row present in only one result has NaN for the other period.

    Notes
    -----
    change = current − previous, in the row's unit (scale points for dimensions,
    e.g. minutes for a wait). Positive = better than before (the sign convention
    of :func:`servqual` holds for ``lower_better`` items). No test of the change
    is made here: the period-by-period control limits of
    :func:`servgap.core.trend.trend` judge whether a move exceeds chance.
    """
    if current.by != previous.by:
        raise SpecError(
            f"Cannot compare results segmented by {list(current.by)} and {list(previous.by)}; "
            "compute both with the same segments.",
            f"无法比较按 {list(current.by)} 与 {list(previous.by)} 分组的结果；请用相同分组计算。",
        )
    by = list(current.by)

    def rows(res: ServqualResult) -> pd.DataFrame:
        dims = res.dimensions.assign(item=None, unit=None)
        dims = dims.rename(columns={"n_three_column": "n_msa"})
        sep = res.separate_items.assign(n_msa=res.separate_items["n"])
        cols = [*by, "dimension", "item", "unit", "n_msa", "msa", "mss"]
        parts = [f[cols] for f in (dims, sep) if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else dims[cols]

    now, before = rows(current), rows(previous)
    keys = [*by, "dimension", "item"]
    for i, frame in enumerate((now, before)):
        frame["item"] = frame["item"].astype(object).where(frame["item"].notna(), "")
        frame["_order"] = np.arange(len(frame)) + i * len(now)
    merged = now.merge(before, on=keys, how="outer", suffixes=("", "_compare"))
    merged["_order"] = merged["_order"].fillna(merged["_order_compare"])
    merged = merged.sort_values("_order", kind="stable")
    merged["unit"] = merged["unit"].where(merged["unit"].notna(), merged["unit_compare"])
    merged["item"] = merged["item"].map(lambda x: x or None)
    out = pd.DataFrame(
        {
            **{c: merged[c] for c in by},
            "dimension": merged["dimension"],
            "item": merged["item"],
            "unit": merged["unit"],
            "n": merged["n_msa"].fillna(0).astype(np.int64),
            "n_compare": merged["n_msa_compare"].fillna(0).astype(np.int64),
            "msa": merged["msa"].astype(float),
            "msa_compare": merged["msa_compare"].astype(float),
            "msa_change": merged["msa"].astype(float) - merged["msa_compare"].astype(float),
            "mss": merged["mss"].astype(float),
            "mss_compare": merged["mss_compare"].astype(float),
            "mss_change": merged["mss"].astype(float) - merged["mss_compare"].astype(float),
        }
    )
    return out.reset_index(drop=True)
