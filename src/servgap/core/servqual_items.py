"""One SERVQUAL item's contribution to the sufficient statistics, per row chunk.

Split from :mod:`servgap.core.servqual_stats` (which owns the item specification, the
:class:`~servgap.core.servqual_stats.ServqualStats` container and the chunked pass that
calls these): the per-group summer and the two item passes, branch-free for finite
answers (:func:`_item_pass`) and masked when a column holds an infinity
(:func:`_item_pass_masked`). Definitions follow Parasuraman, Zeithaml & Berry (1994),
"Alternative scales for measuring service quality", Journal of Retailing 70(3): MSA =
P − A, MSS = P − D, an answer usable when all three are given and D ≥ A.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from servgap.core._stats import FloatArray

if TYPE_CHECKING:
    from servgap.core.servqual_stats import _Item

IntArray = npt.NDArray[np.int64]

#: Stand-in for NaN before multiplying by a 0/1 mask (any finite number would do).
_FINITE = float(np.finfo(np.float64).max)


class _Summer:
    """Per-group sums Σx over rows, via np.bincount (or a plain sum for one group)."""

    def __init__(self, codes: IntArray, n_groups: int) -> None:
        self.codes = codes
        self.g = n_groups
        # counting a mask per group: bincount of 2·code + mask (no boolean indexing)
        self.codes2 = codes * 2 if n_groups > 1 else codes

    def sum(self, x: FloatArray) -> FloatArray:
        if self.g == 1:
            return np.array([float(np.sum(x))])
        return np.asarray(np.bincount(self.codes, weights=x, minlength=self.g), dtype=np.float64)

    def ssq(self, x: FloatArray) -> FloatArray:
        if self.g == 1:
            return np.array([float(np.einsum("i,i->", x, x))])
        return self.sum(x * x)

    def sum_where(self, x: FloatArray, mask: npt.NDArray[np.bool_]) -> FloatArray:
        """Per-group Σx over the rows where ``mask`` holds (NaN elsewhere is ignored)."""
        if self.g == 1:
            return np.array([float(np.sum(x, where=mask))])
        return self.sum(np.where(mask, x, 0.0))

    def count(self, mask: npt.NDArray[np.bool_]) -> FloatArray:
        if self.g == 1:
            return np.array([float(np.count_nonzero(mask))])
        both = np.bincount(self.codes2 + mask, minlength=2 * self.g)
        return np.asarray(both[1::2], dtype=np.float64)


def _add_three(
    ist: dict[str, FloatArray], j: int, sign: float, *, n_ok: Any, n_incons: Any,
    n_below: Any, n_above: Any, sum_p: Any, sum_msa: Any, ssq_msa: Any, sum_mss: Any,
    ssq_mss: Any, sum_zone: Any,
) -> None:  # fmt: skip
    """Add one chunk's per-group sums of a three-column item ``j`` to ``ist`` (every pass)."""
    ist["n"][:, j] += n_ok
    ist["n_inconsistent"][:, j] += n_incons
    ist["n_below"][:, j] += n_below
    ist["n_inside"][:, j] += n_ok - n_below - n_above
    ist["n_above"][:, j] += n_above
    # Σ A = Σ P − sign·Σ MSA and Σ D = Σ P − sign·Σ MSS over the same rows
    ist["sum_perceived"][:, j] += sum_p
    ist["sum_adequate"][:, j] += sum_p - sign * sum_msa
    ist["sum_desired"][:, j] += sum_p - sign * sum_mss
    ist["sum_msa"][:, j] += sum_msa
    ist["ssq_msa"][:, j] += ssq_msa
    ist["sum_mss"][:, j] += sum_mss
    ist["ssq_mss"][:, j] += ssq_mss
    ist["sum_zone"][:, j] += sum_zone  # zone width = MSA − MSS (sign included)
    ist["sum_gap"][:, j] += sum_mss  # a three-column item's gap is its MSS
    ist["ssq_gap"][:, j] += ssq_mss


def _add_two(
    ist: dict[str, FloatArray], j: int, sign: float, *, n_ok: Any, sum_p: Any, sum_gap: Any,
    ssq_gap: Any,
) -> None:  # fmt: skip
    """Add one chunk's per-group sums of a two-column item ``j`` (P and E) to ``ist``."""
    ist["n"][:, j] += n_ok
    ist["sum_perceived"][:, j] += sum_p
    ist["sum_expected"][:, j] += sum_p - sign * sum_gap  # Σ E = Σ P − sign·Σ gap
    ist["sum_gap"][:, j] += sum_gap
    ist["ssq_gap"][:, j] += ssq_gap


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
    if it.three:
        a = cols[str(it.adequate)][lo:hi]
        dd = cols[str(it.desired)][lo:hi]
        # usable: all three answered and the zone not inverted (D >= A, or D <= A when
        # lower is better); a comparison with NaN is False, so no isnan is needed
        p_ok = p == p
        if it.sign > 0:
            ok = np.greater_equal(dd, a)
            incons = np.less(dd, a)
            msa = p - a
            mss = p - dd
        else:
            ok = np.less_equal(dd, a)
            incons = np.greater(dd, a)
            msa = a - p
            mss = dd - p
        ok &= p_ok
        incons &= p_ok
        # MSA and MSS where usable, 0 elsewhere, without masked writes (a random mask makes
        # np.where/copyto branchy, ~5x slower): NaN -> a finite stand-in, then x 0/1
        _zero_unusable(msa, ok)
        _zero_unusable(mss, ok)
        p0 = np.fmin(p, _FINITE)
        p0 *= ok
        sum_msa, sum_mss = sm.sum(msa), sm.sum(mss)
        _add_three(ist, j, it.sign, n_ok=sm.count(ok), n_incons=sm.count(incons),
                   n_below=sm.count(msa < 0), n_above=sm.count(mss > 0), sum_p=sm.sum(p0),
                   sum_msa=sum_msa, ssq_msa=sm.ssq(msa), sum_mss=sum_mss, ssq_mss=sm.ssq(mss),
                   sum_zone=sum_msa - sum_mss)  # fmt: skip
        return mss, ok, msa, mss  # a three-column item's gap is its MSS
    e = cols[str(it.expected)][lo:hi]
    gap0 = p - e if it.sign > 0 else e - p
    ok = gap0 == gap0
    _zero_unusable(gap0, ok)
    p0 = np.fmin(p, _FINITE)
    p0 *= ok
    _add_two(ist, j, it.sign, n_ok=sm.count(ok), sum_p=sm.sum(p0), sum_gap=sm.sum(gap0),
             ssq_gap=sm.ssq(gap0))  # fmt: skip
    return gap0, ok, None, None


def _zero_unusable(x: FloatArray, ok: npt.NDArray[np.bool_]) -> None:
    """In place: x where ``ok``, 0 elsewhere (x must be finite wherever ``ok``)."""
    np.fmin(x, _FINITE, out=x)  # NaN -> a finite number (fmin ignores NaN)
    np.multiply(x, ok, out=x)


def _item_pass_masked(
    it: _Item,
    j: int,
    cols: Mapping[str, FloatArray],
    lo: int,
    hi: int,
    sm: _Summer,
    ist: dict[str, FloatArray],
) -> tuple[FloatArray, npt.NDArray[np.bool_], FloatArray | None, FloatArray | None]:
    """Add rows ``lo:hi`` of item ``j`` to the item statistics ``ist`` (masked version).

    Used when a column holds an infinity (where the branch-free :func:`_item_pass`
    could not tell it from a missing answer); same statistics otherwise.

    Returns the respondent values a dimension score needs: the gap (0 where not
    usable), the mask of usable answers, and for three-column items MSA and MSS
    (0 where not usable; ``None`` for two-column items).
    """
    p = cols[it.perceived][lo:hi]
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
        _add_three(ist, j, it.sign, n_ok=sm.count(ok), n_incons=sm.count(incons),
                   n_below=sm.count(msa < 0), n_above=sm.count(mss > 0),
                   sum_p=sm.sum(np.where(ok, p, 0.0)), sum_msa=sm.sum(msa), ssq_msa=sm.ssq(msa),
                   sum_mss=sm.sum(mss), ssq_mss=sm.ssq(mss), sum_zone=sm.sum(zone))  # fmt: skip
        return mss, ok, msa, mss  # a three-column item's gap is its MSS
    e = cols[str(it.expected)][lo:hi]
    gap0 = p - e
    if it.sign < 0:
        np.negative(gap0, out=gap0)
    bad = np.isnan(gap0)
    ok = ~bad
    np.copyto(gap0, 0.0, where=bad)
    _add_two(ist, j, it.sign, n_ok=sm.count(ok), sum_p=sm.sum(np.where(ok, p, 0.0)),
             sum_gap=sm.sum(gap0), ssq_gap=sm.ssq(gap0))  # fmt: skip
    return gap0, ok, None, None


def _item_kernel(
    it: _Item,
    j: int,
    cols: Mapping[str, FloatArray],
    lo: int,
    hi: int,
    codes: IntArray,
    ist: dict[str, FloatArray],
    acc: tuple[FloatArray, FloatArray, npt.NDArray[Any]] | None,
) -> None:
    """:func:`_item_pass` as one compiled loop (:mod:`servgap.core.kernels`).

    Adds rows ``lo:hi`` of item ``j`` to ``ist`` and, when ``acc`` is given, each usable
    answer to the respondent sums: (MSA sums, MSS sums, usable counts) for a
    three-column item, (gap sums, gap counts, unused) for a two-column one. The same
    statistics as :func:`_item_pass`, derived the same way from the per-group sums.
    """
    from servgap.core import kernels as k  # numba loads only for large inputs

    out = k.new_out(ist["n"].shape[0])
    p = cols[it.perceived][lo:hi]
    accumulate = acc is not None
    if acc is None:
        none_f = np.zeros(0)
        acc = (none_f, none_f, np.zeros(0, dtype=np.int16))
    if it.three:
        a = cols[str(it.adequate)][lo:hi]
        dd = cols[str(it.desired)][lo:hi]
        if out.shape[1] == 1:
            k.item3_one(p, a, dd, float(it.sign), out, acc[0], acc[1], acc[2], accumulate)
        else:
            k.item3_groups(p, a, dd, float(it.sign), codes, out, acc[0], acc[1], acc[2],
                           accumulate)  # fmt: skip
        _add_three(ist, j, it.sign, n_ok=out[k.N], n_incons=out[k.INCONS], n_below=out[k.BELOW],
                   n_above=out[k.ABOVE], sum_p=out[k.SUM_P], sum_msa=out[k.SUM_MSA],
                   ssq_msa=out[k.SSQ_MSA], sum_mss=out[k.SUM_MSS], ssq_mss=out[k.SSQ_MSS],
                   sum_zone=out[k.SUM_MSA] - out[k.SUM_MSS])  # fmt: skip
        return
    e = cols[str(it.expected)][lo:hi]
    k.item2(p, e, float(it.sign), codes, out, acc[0], acc[2], accumulate)
    _add_two(ist, j, it.sign, n_ok=out[k.N], sum_p=out[k.SUM_P], sum_gap=out[k.SUM_MSS],
             ssq_gap=out[k.SSQ_MSS])  # fmt: skip
