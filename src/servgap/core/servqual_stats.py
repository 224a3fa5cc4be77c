"""SERVQUAL sufficient statistics: the items specification, the one rule for what enters a
dimension score (:func:`is_rating_item`), and per-group sums computed in one chunked pass
that merge exactly across chunks, files and periods (:func:`servqual_stats`). Split from
:mod:`servgap.core.servqual`, which turns these statistics into gaps, shares and intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._parallel import kernels_enabled, map_chunks
from servgap.core._result import ResultMixin
from servgap.core._stats import FloatArray, group_codes
from servgap.core.errors import InputError, ProblemCollector, SpecError
from servgap.core.servqual_items import (
    _item_kernel,
    _item_pass,
    _item_pass_masked,
    _Summer,
)

IntArray = npt.NDArray[np.int64]

#: Rows per chunk: small enough for the temporaries to stay in a core's cache, large enough
#: that the chunks run side by side on threads (numpy releases the GIL inside each call)
#: without queueing for the GIL between calls (measured on 1M respondents, 2 cores:
#: 32,768 rows ran no faster on 2 threads than on one; 131,072 rows 1.5× faster).
_CHUNK = 131_072

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

    def all_finite(self) -> bool:
        """Whether every statistic is a finite number."""
        return all(
            bool(np.isfinite(arr).all())
            for part in (self.item_stats, self.dim_stats, self.overall_stats)
            for arr in part.values()
        )

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


def item_columns(data: pd.DataFrame, spec: Sequence[_Item]) -> dict[str, FloatArray]:
    """Every column the items name, as floats; all non-numeric cells reported at once."""
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
    return cols


def _key_tuples(groups: pd.DataFrame, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    if not by:
        return [()]
    return [tuple(r) for r in groups[list(by)].itertuples(index=False, name=None)]


def _weights_matrix(
    data: pd.DataFrame,
    weights: pd.DataFrame | Mapping[str, str],
    dimensions: Sequence[str],
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """(D × N) importance shares (points / 100, one contiguous row per dimension) and a
    mask of rows that have weights; raises on bad rows."""
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
    quick = _clean_weights(cols)
    if quick is not None:
        return quick, np.ones(len(frame), dtype=bool)
    w = np.column_stack(cols) if cols else np.zeros((len(data), 0))
    nan = np.isnan(w)
    any_w: npt.NDArray[np.bool_] = np.asarray(~nan.all(axis=1), dtype=bool)
    w0 = np.where(nan, 0.0, w)
    total = w0.sum(axis=1)
    bad = any_w & (nan.any(axis=1) | (w0 < 0).any(axis=1) | (np.abs(total - 100.0) > 0.5))
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
    return np.ascontiguousarray(w.T) / 100.0, any_w


def _clean_weights(cols: Sequence[FloatArray]) -> FloatArray | None:
    """(D × N) shares if all rows' weights are complete, ≥ 0 and sum to 100 ± 0.5, else None."""
    if not cols:
        return None
    total = np.zeros(cols[0].size)
    for c in cols:
        if c.size and (bool(np.isnan(c).any()) or float(c.min()) < 0):
            return None
        total += c
    total -= 100.0
    if bool((np.abs(total) > 0.5).any()):
        return None
    share = np.empty((len(cols), cols[0].size))
    for i, c in enumerate(cols):
        np.divide(c, 100.0, out=share[i])
    return share


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
    cols = item_columns(data, spec)
    # the branch-free pass needs finite answers (an infinity would pass for a number)
    stats = _servqual_pass(data, spec, cols, weights, by, fast=True)
    if not stats.all_finite():
        # an infinite answer (or an overflow) would pass for a number in the branch-free
        # pass; the masked pass treats it exactly as before
        stats = _servqual_pass(data, spec, cols, weights, by, fast=False)
    return stats


def _servqual_pass(
    data: pd.DataFrame,
    spec: list[_Item],
    cols: dict[str, FloatArray],
    weights: pd.DataFrame | Mapping[str, str] | None,
    by: str | Sequence[str] | None,
    *,
    fast: bool,
) -> ServqualStats:
    finite = fast
    item_pass = _item_pass if fast else _item_pass_masked
    compiled = fast and kernels_enabled(len(data))  # large inputs: compiled loops

    def zero_else(x: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        """x where ``mask``, else 0 (x is finite when the answers are: multiply, no branch)."""
        return np.asarray(x * mask, dtype=np.float64) if finite else np.where(mask, x, 0.0)

    codes, groups, by_cols = group_codes(data, by)
    g = len(groups)
    n_rows = len(data)
    dims = _rating_dimensions(spec)
    j_items = len(spec)
    # importance shares (points / 100), one contiguous row per dimension
    w_share: FloatArray | None = None
    w_rows = np.zeros(n_rows, dtype=bool)
    if weights is not None:
        w_share, w_rows = _weights_matrix(data, weights, dims)

    n_dims = len(dims)
    cnt_t = np.int16 if j_items < 32_767 else np.int64  # usable items per respondent
    members = [
        [(j, it) for j, it in enumerate(spec) if it.rating and it.dimension == dim] for dim in dims
    ]
    separate = [(j, it) for j, it in enumerate(spec) if not it.rating]
    has3_dim = [any(it.three for _, it in mem) for mem in members]
    dims3 = sum(has3_dim)
    ist_z = {k: np.zeros((g, j_items)) for k in ITEM_STATS}
    dst_z = {k: np.zeros((g, len(dims))) for k in DIM_STATS}
    ost_z = {k: np.zeros(g) for k in OVERALL_STATS}

    Stats = dict[str, FloatArray]

    def one_chunk(lo: int, hi: int) -> tuple[Stats, Stats, Stats, int]:
        """The statistics of rows lo:hi (own arrays: chunks may run on threads)."""
        ist = {k: v.copy() for k, v in ist_z.items()}
        dst = {k: v.copy() for k, v in dst_z.items()}
        ost = {k: v.copy() for k, v in ost_z.items()}
        m = hi - lo
        sm = _Summer(codes[lo:hi], g)
        ov_sum = np.zeros(m)
        ov_cnt = np.zeros(m, dtype=np.int64)
        ov_msa = np.zeros(m)
        ov_mss = np.zeros(m)
        ov_cnt3 = np.zeros(m, dtype=np.int64)
        w_sum = np.zeros(m)
        w_ok = w_rows[lo:hi].copy()
        with np.errstate(invalid="ignore"):  # per thread: numpy's error state is thread-local
            for d_idx, mem in enumerate(members):
                rs_msa = np.zeros(m)
                rs_mss = np.zeros(m)
                rc_3: npt.NDArray[Any] = np.zeros(m, dtype=cnt_t)
                # a three-column item's gap is its MSS: when every item of the dimension is
                # three-column, the gap sums are the MSS sums (kept once, not twice)
                only3 = all(it.three for _, it in mem)
                rs_gap = rs_mss if only3 else np.zeros(m)
                rc_gap: npt.NDArray[Any] = rc_3 if only3 else np.zeros(m, dtype=cnt_t)
                # one item format in the dimension: one fused loop adds the item and the
                # respondent sums (a mixed dimension takes the numpy pass)
                fused = compiled and (only3 or not any(it.three for _, it in mem))
                for j, it in mem:
                    if fused:
                        acc = (rs_msa, rs_mss, rc_3) if it.three else (rs_gap, rs_gap, rc_gap)
                        _item_kernel(it, j, cols, lo, hi, codes[lo:hi], ist, acc)
                        continue
                    gap0, ok, msa, mss = item_pass(it, j, cols, lo, hi, sm, ist)
                    if msa is not None and mss is not None:
                        rs_msa += msa
                        rs_mss += mss
                        np.add(rc_3, ok, out=rc_3, casting="unsafe")
                    if not only3:
                        rs_gap += gap0
                        np.add(rc_gap, ok, out=rc_gap, casting="unsafe")
                # respondent-level dimension scores
                has = rc_gap > 0
                dg = rs_gap / np.maximum(rc_gap, 1).astype(np.float64)  # rs_gap 0 where rc_gap 0
                n_dg, sum_dg, ssq_dg = sm.count(has), sm.sum(dg), sm.ssq(dg)
                dst["n_gap"][:, d_idx] += n_dg
                dst["sum_gap"][:, d_idx] += sum_dg
                dst["ssq_gap"][:, d_idx] += ssq_dg
                ov_sum += dg
                ov_cnt += has
                if w_share is not None:
                    w_sum += w_share[d_idx, lo:hi] * dg
                    w_ok &= has
                if has3_dim[d_idx]:
                    has3 = has if only3 else rc_3 > 0  # only3: the MSS means are the gap means
                    rc_3 = np.maximum(rc_3, 1).astype(np.float64)  # sums are 0 where none usable
                    dm = rs_msa / rc_3
                    ds = dg if only3 else rs_mss / rc_3
                    dst["n_msa"][:, d_idx] += n_dg if only3 else sm.count(has3)
                    dst["sum_msa"][:, d_idx] += sm.sum(dm)
                    dst["ssq_msa"][:, d_idx] += sm.ssq(dm)
                    dst["sum_mss"][:, d_idx] += sum_dg if only3 else sm.sum(ds)
                    dst["ssq_mss"][:, d_idx] += ssq_dg if only3 else sm.ssq(ds)
                    ov_msa += dm
                    ov_mss += ds
                    ov_cnt3 += has3
            for j, it in separate:  # item statistics only: never in a dimension or overall
                if compiled:
                    _item_kernel(it, j, cols, lo, hi, codes[lo:hi], ist, None)
                else:
                    item_pass(it, j, cols, lo, hi, sm, ist)
            full = (ov_cnt == n_dims) & (n_dims > 0)
            score = zero_else(ov_sum / max(n_dims, 1), full)
            full3 = (ov_cnt3 == dims3) & (dims3 > 0)
            s_msa = zero_else(ov_msa / max(dims3, 1), full3)
            s_mss = zero_else(ov_mss / max(dims3, 1), full3)
            if n_dims == 0:
                w_ok[:] = False
            ws = np.where(w_ok, w_sum, 0.0)
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
        return ist, dst, ost, int(np.count_nonzero(w_ok))

    # Row chunks keep every temporary in cache and run side by side on threads; the
    # statistics are sums, added here in chunk order (the same sums whatever the threads).
    ist, dst, ost = ist_z, dst_z, ost_z
    n_w_rows = 0
    for c_ist, c_dst, c_ost, c_nw in map_chunks(one_chunk, n_rows, _CHUNK):
        for acc, part in ((ist, c_ist), (dst, c_dst), (ost, c_ost)):
            for k, v in part.items():
                acc[k] += v
        n_w_rows += c_nw
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
