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
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from servgap.core._parallel import kernels_enabled, map_chunks
from servgap.core._result import ResultMixin
from servgap.core._stats import FloatArray, check_confidence, mean_var, t_interval
from servgap.core.errors import InputError, SpecError
from servgap.core.servqual_items import _FINITE
from servgap.core.servqual_stats import (
    _CHUNK,
    ServqualStats,
    _Item,
    _parse_items,
    _rating_dimensions,
    is_rating_item,
    item_columns,
    servqual_stats,
)

if TYPE_CHECKING:
    from servgap.engines.duckdb import ParquetSource

__all__ = [
    "ServqualResult",
    "finish_servqual",
    "respondent_scores",
    "servqual",
    "servqual_change",
]


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
    data: pd.DataFrame | str | PathLike[str] | ParquetSource,
    items: Mapping[str, Mapping[str, str]],
    *,
    weights: pd.DataFrame | Mapping[str, str] | None = None,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    engine: str = "memory",
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
    engine
        ``"memory"`` (``data`` a DataFrame) or ``"duckdb"``: ``data`` is the path of a
        Parquet file or folder; DuckDB streams only the needed columns in batches and
        the statistics of the batches are merged (:mod:`servgap.engines.duckdb`), so
        files larger than memory work. ``weights`` must then name columns. Row numbers
        in data errors count from the start of the batch (1,000,000 rows).

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
    if engine != "memory":
        return finish_servqual(
            _servqual_stats_engine(engine, data, items, weights=weights, by=by),
            confidence=confidence,
        )
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            "data must be a pandas DataFrame (a Parquet path needs engine='duckdb').",
            "data 必须是 pandas DataFrame（Parquet 路径需要 engine='duckdb'）。",
        )
    stats = servqual_stats(data, items, weights=weights, by=by)
    return finish_servqual(stats, confidence=confidence)


def _servqual_stats_engine(
    engine: str,
    data: Any,
    items: Mapping[str, Mapping[str, str]],
    *,
    weights: pd.DataFrame | Mapping[str, str] | None,
    by: str | Sequence[str] | None,
) -> ServqualStats:
    """Merged SERVQUAL statistics of a source folded in batches by another engine.

    Each batch's :func:`servqual_stats` is computed where the engine runs it
    (:func:`servgap.engines.fold`: on Spark's executors) and the partial statistics are
    merged in order (:meth:`ServqualStats.merge`).
    """
    from functools import partial

    from servgap.engines import check_engine, fold

    check_engine(engine)
    spec = _parse_items(items)
    if weights is not None and not isinstance(weights, Mapping):
        raise SpecError(
            f"engine={engine!r} reads weights from the source: give a mapping dimension -> column.",
            f"engine={engine!r} 从数据源读取权重：请给出 维度 -> 列名 的映射。",
        )
    needed = [c for it in spec for c in (it.perceived, it.expected, it.adequate, it.desired)]
    needed += [str(c) for c in (weights or {}).values()]
    needed += [by] if isinstance(by, str) else list(by or [])
    each = partial(servqual_stats, items=items, weights=weights, by=by)
    merged: ServqualStats | None = None
    for part in fold(engine, data, [c for c in needed if c], each):
        merged = part if merged is None else merged.merge(part)
    if merged is None:  # an empty source: the statistics of no rows
        merged = servqual_stats(pd.DataFrame(columns=list(dict.fromkeys(needed))), items,
                                weights=weights, by=by)  # fmt: skip
    return merged


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
    cols = item_columns(data, spec)
    dims = _rating_dimensions(spec)
    n_rows = len(data)
    members = [[it for it in spec if it.dimension == dim and it.rating] for dim in dims]
    # one row per result column: the frame wraps this one block (no consolidating copy)
    block = np.empty((len(dims) + 1, n_rows))

    def one_chunk(lo: int, hi: int) -> list[bool]:
        """Scores of rows lo:hi into the block (disjoint slices: chunks run on threads)."""
        with np.errstate(invalid="ignore"):
            return [_dimension_scores_fast(mem, cols, lo, hi, block[i], compiled=compiled)
                    for i, mem in enumerate(members)]  # fmt: skip

    compiled = kernels_enabled(n_rows)  # large inputs: compiled loops
    finite = np.ones(len(dims), dtype=bool)
    for ok in map_chunks(one_chunk, n_rows, _CHUNK):
        finite &= ok
    for k in np.flatnonzero(~finite):  # an infinite or huge answer: the masked computation
        block[k] = _dimension_scores_masked(members[k], cols, n_rows)
    total = block[len(dims)]
    if dims:
        np.copyto(total, block[0])
        for i in range(1, len(dims)):
            total += block[i]  # NaN (a missing dimension) propagates: skipna=False
        total /= len(dims)
    else:
        total[:] = np.nan
    return pd.DataFrame(block.T, index=data.index, columns=[*dims, "servqual"])


def _dimension_scores_fast(
    members: Sequence[_Item],
    cols: Mapping[str, FloatArray],
    lo: int,
    hi: int,
    out: FloatArray,
    *,
    compiled: bool = False,
) -> bool:
    """Respondent means of the usable gaps of rows ``lo:hi``, written to ``out[lo:hi]``,
    without masked writes.

    Returns False when an answer is infinite or huge (the branch-free stand-in for a
    missing answer could then be mistaken for a value; the caller recomputes masked).
    """
    m = hi - lo
    acc = np.zeros(m)
    # usable items per respondent: small integers, counted in one byte per row when they fit
    cnt = np.zeros(m, dtype=np.int8 if len(members) < 127 else np.int32)
    if compiled:  # one fused loop per item (servgap.core.kernels)
        from servgap.core.kernels import gap_sums
    for it in members:
        p = cols[it.perceived][lo:hi]
        if compiled:
            x = cols[str(it.desired if it.three else it.expected)][lo:hi]
            a = cols[str(it.adequate)][lo:hi] if it.three else x
            gap_sums(p, x, a, it.three, float(it.sign), acc, cnt)
            continue
        if it.three:
            a, dd = cols[str(it.adequate)][lo:hi], cols[str(it.desired)][lo:hi]
            ok = np.greater_equal(dd, a) if it.sign > 0 else np.less_equal(dd, a)
            ok &= p == p
            gap = p - dd if it.sign > 0 else dd - p
        else:
            e = cols[str(it.expected)][lo:hi]
            gap = p - e if it.sign > 0 else e - p
            ok = gap == gap
        np.fmin(gap, _FINITE, out=gap)  # NaN -> finite, then x 0/1: no branches
        np.multiply(gap, ok, out=gap)
        acc += gap
        np.add(cnt, ok.view(np.int8), out=cnt)
    if m and not (acc.max() < 1e300 and acc.min() > -1e300):  # NaN fails too
        return False
    score = out[lo:hi]
    np.divide(acc, np.maximum(cnt, 1), out=score)
    score[cnt == 0] = np.nan
    return True


def _dimension_scores_masked(
    members: Sequence[_Item], cols: Mapping[str, FloatArray], n_rows: int
) -> FloatArray:
    acc = np.zeros(n_rows)
    cnt = np.zeros(n_rows)
    with np.errstate(invalid="ignore"):
        for it in members:
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
    return np.asarray(
        np.divide(acc, cnt, out=np.full(n_rows, np.nan), where=cnt > 0), dtype=np.float64
    )


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
