"""Sufficient statistics shared by the public analyses: mergeable, small, computed in one pass.

Survey answers are small integers on a fixed scale, and even derived scores (a
respondent's mean gap over four items) take few distinct values. Everything the
analyses need — means, variances, medians, tie-aware ranks, Levene's deviations,
shares, NPS counts, Tukey's means and variances, the cross-product matrix of a
regression — is a function of a few per-group counts and sums:

* :class:`ValueHistogram` — how often each distinct value occurs in each group
  (the joint (group, value) histogram). Exact for any data; compact when values
  repeat. Built by :func:`grid_histogram` (no hashing) when every value is a whole
  number or a mean of a few whole numbers, else by :func:`value_histogram`. Gives n, Σx, centred sums of squares, medians, min/max, average ranks
  with the tie correction and Levene/Brown–Forsythe deviations.
* :class:`Moments` — n, Σx, Σx² per group (continuous data, x-bar charts).
* :class:`CrossProducts` — n, Σx and Σxxᵀ of complete rows (about a fixed shift,
  for numerical stability), which give covariances and correlations for driver
  analysis (:func:`column_cross_products` reads DataFrame columns in place).

Each is a frozen dataclass with ``merge`` (``a + b`` also works): statistics of
chunks, files, periods or machines add up exactly to the statistics of the whole
(tested), so the one pass can run wherever the data are and only these small
objects travel. Written by hand (numpy ``bincount`` / ``pd.factorize`` / BLAS);
no package offers mergeable per-group histograms with these finishers.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._parallel import kernels_enabled, map_chunks
from servgap.core.errors import SpecError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "CrossProducts",
    "Moments",
    "ValueHistogram",
    "column_cross_products",
    "cross_products",
    "grid_histogram",
    "moments",
    "value_histogram",
]

#: Largest groups × distinct values for which a histogram is built (8 MB of counts);
#: above it callers fall back to their sort-based path.
MAX_HISTOGRAM_CELLS = 1 << 20


def _union_groups(
    a: tuple[Hashable, ...], b: tuple[Hashable, ...]
) -> tuple[tuple[Hashable, ...], IntArray, IntArray]:
    index: dict[Hashable, int] = {}
    for k in (*a, *b):
        index.setdefault(k, len(index))
    ia = np.array([index[k] for k in a], dtype=np.int64)
    ib = np.array([index[k] for k in b], dtype=np.int64)
    return tuple(index), ia, ib


@dataclass(frozen=True)
class ValueHistogram:
    """Counts of every distinct value in every group.

    Attributes
    ----------
    groups
        Group labels, one per row of ``counts``.
    values
        The distinct values, sorted ascending (float64, no NaN).
    counts
        ``counts[g, v]``: how many answers in group ``g`` equal ``values[v]`` (int64).
    """

    groups: tuple[Hashable, ...]
    values: FloatArray
    counts: IntArray

    # ------------------------------------------------------------------ merging
    def merge(self, other: ValueHistogram) -> ValueHistogram:
        """The histogram of both partitions (groups matched by label, values by value)."""
        groups, ia, ib = _union_groups(self.groups, other.groups)
        values = np.union1d(self.values, other.values)
        counts = np.zeros((len(groups), values.size), dtype=np.int64)
        for idx, h in ((ia, self), (ib, other)):
            cols = np.searchsorted(values, h.values)
            np.add.at(counts, (idx[:, None], cols[None, :]), h.counts)
        return ValueHistogram(groups=groups, values=values, counts=counts)

    def __add__(self, other: ValueHistogram) -> ValueHistogram:
        return self.merge(other)

    # ------------------------------------------------------------------ finishers
    @property
    def n(self) -> IntArray:
        """Answers per group."""
        return np.asarray(self.counts.sum(axis=1), dtype=np.int64)

    @property
    def totals(self) -> IntArray:
        """Answers per value over all groups."""
        return np.asarray(self.counts.sum(axis=0), dtype=np.int64)

    def sums(self) -> FloatArray:
        """Σx per group."""
        return np.asarray(self.counts @ self.values, dtype=np.float64)

    def mean(self) -> FloatArray:
        """Mean per group (NaN for an empty group)."""
        n = self.n.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.sums() / n, dtype=np.float64)

    def centred_ss(self, centre: FloatArray | None = None) -> FloatArray:
        """Σ (x − c_g)² per group, about ``centre`` (default: the group means)."""
        c = self.mean() if centre is None else centre
        dev = self.values[None, :] - c[:, None]
        return np.asarray((self.counts * (dev * dev)).sum(axis=1), dtype=np.float64)

    def abs_deviation_stats(self, centre: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """n, mean and centred sum of squares of z = |x − centre_g| per group.

        These are the group statistics of Levene's (centre = means) and
        Brown–Forsythe's (centre = medians) tests.
        """
        z = np.abs(self.values[None, :] - centre[:, None])
        n = self.n.astype(np.float64)
        zm = (self.counts * z).sum(axis=1) / n
        dz = z - zm[:, None]
        zss = (self.counts * (dz * dz)).sum(axis=1)
        return n, np.asarray(zm, dtype=np.float64), np.asarray(zss, dtype=np.float64)

    def quantile_positions(self, pos: IntArray) -> FloatArray:
        """The value at 0-based sorted position ``pos[g]`` within each group."""
        cum = np.cumsum(self.counts, axis=1)
        idx = np.array(
            [np.searchsorted(cum[g], pos[g], side="right") for g in range(cum.shape[0])],
            dtype=np.int64,
        )
        return np.asarray(self.values[np.minimum(idx, self.values.size - 1)], dtype=np.float64)

    def medians(self) -> FloatArray:
        """Median per group (mean of the two middle answers for even n)."""
        n = self.n
        lo = self.quantile_positions((n - 1) // 2)
        hi = self.quantile_positions(n // 2)
        return np.asarray((lo + hi) / 2.0, dtype=np.float64)

    def minmax(self) -> tuple[FloatArray, FloatArray]:
        """Smallest and largest answer per group (±inf for an empty group)."""
        has = self.counts > 0
        u = self.values.size
        first = np.argmax(has, axis=1)
        last = u - 1 - np.argmax(has[:, ::-1], axis=1)
        empty = ~has.any(axis=1)
        lo = np.where(empty, np.inf, self.values[first])
        hi = np.where(empty, -np.inf, self.values[last])
        return lo.astype(np.float64), hi.astype(np.float64)

    def average_ranks(self) -> tuple[FloatArray, float]:
        """Average rank of each distinct value over all groups and the tie correction
        1 − Σ(t³ − t)/(N³ − N) (ties share their mean rank)."""
        t = self.totals
        start = np.cumsum(t) - t
        ranks = start + (t + 1) / 2.0
        tf = t[t > 0].astype(np.float64)
        big_n = float(t.sum())
        return np.asarray(ranks, dtype=np.float64), 1.0 - float((tf**3 - tf).sum()) / (
            big_n**3 - big_n
        )

    def rank_sums(self) -> tuple[FloatArray, float]:
        """Σ ranks per group (Kruskal–Wallis) and the tie correction."""
        ranks, corr = self.average_ranks()
        return np.asarray(self.counts @ ranks, dtype=np.float64), corr

    def count_where(self, mask: npt.NDArray[np.bool_]) -> IntArray:
        """Answers per group whose value satisfies ``mask`` (one flag per distinct value)."""
        return np.asarray(self.counts[:, mask].sum(axis=1), dtype=np.int64)


def value_histogram(
    x: FloatArray,
    codes: IntArray,
    groups: Sequence[Hashable],
    *,
    max_cells: int | None = MAX_HISTOGRAM_CELLS,
) -> ValueHistogram | None:
    """The (group, value) histogram of ``x`` (no NaN) with group ``codes`` (0..G−1).

    One hash pass (``pd.factorize``) and one ``np.bincount``; no sort of the rows.
    Returns ``None`` when groups × distinct values exceeds ``max_cells`` (then the
    data hardly repeat and a sort-based path is cheaper).
    """
    g = len(groups)
    vcodes, uniq = pd.factorize(x, sort=False)
    u = len(uniq)
    if max_cells is not None and u * max(g, 1) > max_cells:
        return None
    uvals = np.asarray(uniq, dtype=np.float64)
    order = np.argsort(uvals, kind="stable")
    rank = np.empty(u, dtype=np.int64)
    rank[order] = np.arange(u)
    if g == 1:
        raw = np.bincount(vcodes, minlength=u)
        counts = raw[order][None, :]
    else:
        key = codes * u + vcodes
        raw = np.bincount(key, minlength=g * u).reshape(g, u)
        counts = raw[:, order]
    return ValueHistogram(
        groups=tuple(groups),
        values=uvals[order],
        counts=np.ascontiguousarray(counts, dtype=np.int64),
    )


@dataclass(frozen=True)
class Moments:
    """n, Σx and Σx² per group (mergeable)."""

    groups: tuple[Hashable, ...]
    n: FloatArray
    total: FloatArray
    sumsq: FloatArray

    def merge(self, other: Moments) -> Moments:
        groups, ia, ib = _union_groups(self.groups, other.groups)
        out = [np.zeros(len(groups)) for _ in range(3)]
        for idx, m in ((ia, self), (ib, other)):
            for acc, arr in zip(out, (m.n, m.total, m.sumsq), strict=True):
                np.add.at(acc, idx, arr)
        return Moments(groups=groups, n=out[0], total=out[1], sumsq=out[2])

    def __add__(self, other: Moments) -> Moments:
        return self.merge(other)


def moments(x: FloatArray, codes: IntArray, groups: Sequence[Hashable]) -> Moments:
    """:class:`Moments` of ``x`` (no NaN) per group code, one ``np.bincount`` each."""
    g = len(groups)
    return Moments(
        groups=tuple(groups),
        n=np.bincount(codes, minlength=g).astype(np.float64),
        total=np.asarray(np.bincount(codes, weights=x, minlength=g), dtype=np.float64),
        sumsq=np.asarray(np.bincount(codes, weights=x * x, minlength=g), dtype=np.float64),
    )


@dataclass(frozen=True)
class CrossProducts:
    """Cross products of the complete rows of p columns, about a fixed shift.

    Attributes
    ----------
    names
        Column names.
    n
        Complete rows.
    shift
        The constant subtracted from every column before summing (the column
        means of the first chunk; keeps the sums small, so covariances do not
        lose digits to cancellation).
    total
        Σ (x − shift) per column.
    cross
        Σ (x − shift)(x − shift)ᵀ (p × p).
    """

    names: tuple[str, ...]
    n: int
    shift: FloatArray
    total: FloatArray
    cross: FloatArray

    def merge(self, other: CrossProducts) -> CrossProducts:
        """Statistics of both partitions (re-expressed about this one's shift)."""
        if self.names != other.names:
            raise SpecError(
                f"Cannot merge cross products of {list(self.names)} and {list(other.names)}.",
                f"无法合并 {list(self.names)} 与 {list(other.names)} 的交叉积。",
            )
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        d = other.shift - self.shift  # x − s1 = (x − s2) + d
        total = other.total + other.n * d
        cross = other.cross + np.outer(other.total, d) + np.outer(d, other.total)
        cross = cross + other.n * np.outer(d, d)
        return CrossProducts(
            names=self.names,
            n=self.n + other.n,
            shift=self.shift,
            total=self.total + total,
            cross=self.cross + cross,
        )

    def __add__(self, other: CrossProducts) -> CrossProducts:
        return self.merge(other)

    def covariance(self) -> FloatArray:
        """Sample covariance matrix (ddof = 1)."""
        m = self.total / self.n
        return np.asarray((self.cross - self.n * np.outer(m, m)) / (self.n - 1.0), dtype=np.float64)

    def correlation(self) -> FloatArray:
        """Pearson correlation matrix (NaN rows/columns for a constant column)."""
        cov = self.covariance()
        d = np.sqrt(np.maximum(np.diag(cov), 0.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / d[:, None] / d[None, :]
        np.fill_diagonal(corr, np.where(d > 0, 1.0, np.nan))
        return np.asarray(corr, dtype=np.float64)


def column_cross_products(
    columns: Sequence[npt.NDArray[np.floating] | npt.NDArray[np.integer]], names: Sequence[str]
) -> tuple[CrossProducts, int]:
    """:class:`CrossProducts` of the complete rows of equally long 1-D columns, and the rows
    left out (NaN in any column).

    Same statistics as :func:`cross_products` on the complete rows, without building
    them: the columns are copied once into a p × n block, incomplete rows are set to
    the shift (so they add 0), and Σxxᵀ is one matrix product of the block with itself.
    Checked against ``numpy.cov`` / ``numpy.corrcoef`` of the complete rows (tests).
    """
    p = len(columns)
    n_rows = int(columns[0].size) if p else 0
    block = np.empty((p, n_rows))
    bad = np.zeros(n_rows, dtype=bool)
    for i, col in enumerate(columns):
        block[i] = col
        if np.asarray(col).dtype.kind == "f":
            bad |= np.isnan(block[i])
    drop = np.flatnonzero(bad)
    n_ok = n_rows - drop.size
    if n_ok == 0:
        return CrossProducts(tuple(names), 0, np.zeros(p), np.zeros(p), np.zeros((p, p))), n_rows
    # the shift: means of the complete rows among the first 65,536 (any value near the
    # mean keeps the sums small; the exact mean is not needed and would cost a pass)
    head = np.flatnonzero(~bad[:65_536])
    if head.size == 0:
        head = np.flatnonzero(~bad)[:65_536]
    shift = np.asarray(block[:, head].mean(axis=1), dtype=np.float64)
    block -= shift[:, None]
    block[:, drop] = 0.0
    return (
        CrossProducts(
            names=tuple(names),
            n=n_ok,
            shift=shift,
            total=np.asarray(block.sum(axis=1), dtype=np.float64),
            cross=np.asarray(block @ block.T, dtype=np.float64),
        ),
        int(drop.size),
    )


def cross_products(x: FloatArray, names: Sequence[str]) -> CrossProducts:
    """:class:`CrossProducts` of the rows of ``x`` (n × p) without NaN (drop them first)."""
    p = x.shape[1]
    if x.shape[0] == 0:
        return CrossProducts(tuple(names), 0, np.zeros(p), np.zeros(p), np.zeros((p, p)))
    shift = np.asarray(x.mean(axis=0), dtype=np.float64)
    xc = x - shift
    return CrossProducts(
        names=tuple(names),
        n=int(x.shape[0]),
        shift=shift,
        total=np.asarray(xc.sum(axis=0), dtype=np.float64),
        cross=np.asarray(xc.T @ xc, dtype=np.float64),
    )


#: Denominators tried by :func:`grid_histogram`: lcm(1..k) for k = 1, 2, 3, 4, 5, 7, 8, 9, so
#: a mean of up to 10 whole-number answers (x = s/c, c ≤ 10) lies on one of these grids.
GRID_DENOMINATORS = (1, 2, 6, 12, 60, 420, 840, 2520)
_GRID_CHUNK = 131_072  # per thread (see servgap.core._parallel); cache-sized temporaries


def grid_histogram(
    x: FloatArray,
    codes: npt.NDArray[np.integer] | None,
    groups: Sequence[Hashable],
    *,
    max_cells: int = MAX_HISTOGRAM_CELLS,
) -> tuple[ValueHistogram, int] | None:
    """The (group, value) histogram of ``x`` when every value is a fraction m / L.

    Survey scores are whole numbers or means of a few whole numbers: x = s / c with
    integer s and c ≤ 10, so x·L is a whole number m for L = lcm(1..c). Then the bin
    of each row is m − min(m) plus an offset per group, and one ``np.bincount`` over the
    rows counts everything — no hashing (``pd.factorize``) and no sort. The grid is
    *verified* row by row: m / L must reproduce x bit for bit (it does for a correctly
    rounded s / c, since m / L and s / c are the same rational number); otherwise, or
    for an infinity, or when groups × grid points exceed ``max_cells``, ``None`` is
    returned and the caller uses :func:`value_histogram`. So the histogram is the one
    :func:`value_histogram` builds from the same rows (same values, same counts).

    Parameters
    ----------
    x
        The values (float64; NaN = missing, left out).
    codes
        Group code per row, 0..G−1; a negative code (an empty group cell) is left out.
        ``None``: one group.
    groups
        The G group labels (every label becomes a row of the histogram, even if empty).

    Returns
    -------
    (ValueHistogram, rows left out) or None.
    """
    n_rows = int(x.size)
    g = len(groups)
    finite = x[:: max(1, n_rows // 2048)]
    finite = finite[~np.isnan(finite)]
    for denom in GRID_DENOMINATORS:
        if np.array_equal(np.rint(finite * denom) / denom, finite):
            break
    else:
        return None
    with np.errstate(invalid="ignore"):
        lo_x = float(np.fmin.reduce(x)) if n_rows else np.nan
        hi_x = float(np.fmax.reduce(x)) if n_rows else np.nan
    if not (np.isfinite(lo_x) and np.isfinite(hi_x)):
        return None  # all missing, or an infinity: the general path decides
    m_lo = float(np.rint(lo_x * denom))
    width = int(np.rint(hi_x * denom) - m_lo) + 1
    if width * max(g, 1) > max_cells:
        return None
    # bins: (group, grid point) cells, then the rows of an empty group (g = G), then NaN
    nan_bin = (g + 1) * width
    bins = np.zeros(nan_bin + 1, dtype=np.int64)
    gc = None
    if codes is not None:
        gc = np.where(codes < 0, g, codes) if codes.size and int(codes.min()) < 0 else codes

    compiled = kernels_enabled(n_rows)

    def one_chunk(lo: int, hi: int) -> tuple[npt.NDArray[np.int64], int]:
        """Bin counts and on-grid rows of rows lo:hi (own temporaries: runs on a thread)."""
        xc = x[lo:hi]
        if compiled:  # the same loop fused (servgap.core.kernels)
            from servgap.core.kernels import grid_bins

            c_bins = np.zeros(nan_bin + 1, dtype=np.int64)
            no_codes = np.zeros(0, dtype=np.int64)
            c_codes = no_codes if gc is None else np.asarray(gc[lo:hi], dtype=np.int64)
            on = grid_bins(xc, c_codes, float(denom), m_lo, width, c_bins)
            return c_bins, int(on)
        tc, yc, kc = np.empty(hi - lo), np.empty(hi - lo), np.empty(hi - lo)
        with np.errstate(invalid="ignore"):
            if denom == 1:
                np.rint(xc, out=tc)
                on = int(np.count_nonzero(tc == xc))
            else:
                np.multiply(xc, denom, out=tc)
                np.rint(tc, out=tc)
                np.divide(tc, denom, out=yc)
                on = int(np.count_nonzero(yc == xc))
            if gc is None:
                np.subtract(tc, m_lo, out=kc)
            else:
                np.multiply(gc[lo:hi], float(width), out=kc)
                kc += tc
                kc -= m_lo
            np.fmin(kc, nan_bin, out=kc)  # NaN -> the NaN bin
        return np.bincount(kc.astype(np.intp), minlength=nan_bin + 1), on

    on_grid = 0
    for c_bins, c_on in map_chunks(one_chunk, n_rows, _GRID_CHUNK):  # integer counts: exact
        bins += c_bins
        on_grid += c_on
    n_nan = int(bins[nan_bin])
    if on_grid != n_rows - n_nan:
        return None  # some value is not m / L exactly
    counts = bins[: g * width].reshape(max(g, 1), width)[:g]
    used = np.flatnonzero(counts.sum(axis=0))
    values = (m_lo + used.astype(np.float64)) / denom
    hist = ValueHistogram(
        groups=tuple(groups),
        values=np.asarray(values, dtype=np.float64),
        counts=np.ascontiguousarray(counts[:, used], dtype=np.int64),
    )
    return hist, n_rows - int(hist.counts.sum())
