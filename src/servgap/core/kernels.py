"""Compiled row loops for large inputs: one read of each answer (SERVQUAL, score histograms).

With numpy, one three-column item costs about 27 passes over its rows (two
differences, the usable mask, zeroing what is not usable, four counts, five sums) and
every pass is a separate call that reads and writes memory. A fused loop reads each
answer once and keeps the running sums in registers, which is what the issue 14
floor (one pass over the answer bytes) asks for. The loops are compiled with numba,
the well-kept JIT compiler for numpy code; no library offers these fused
per-group SERVQUAL sums, so the loops themselves are written here. They release the
GIL (``nogil``), so the row chunks of :mod:`servgap.core._parallel` run truly side by
side.

The definitions are those of the numpy pass they replace
(:func:`servgap.core.servqual_items._item_pass`, Parasuraman, Zeithaml & Berry 1994,
Journal of Retailing 70(3)): an answer is usable when P, A and D are given and
D ≥ A (D ≤ A when lower is better); inconsistent when P is given and D < A;
MSA = P − A and MSS = P − D (negated when lower is better). The running sums are
added row by row instead of pairwise, so results agree with the numpy pass to
rounding (exactly for whole-number answers); the tests compare the two to 1e-12.

The numpy pass stays for small inputs (see
:func:`servgap.core._parallel.kernels_enabled`: below 65,536 rows loading the
compiled code costs more than it saves), when ``SERVGAP_KERNELS=0`` and when numba is
not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np


def _compiled(*, reassoc: bool = True) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit`` without the GIL, cached on disk when a cache folder is writable.

    ``reassoc`` lets the compiler reorder sums (to vectorise them); it never assumes
    finite values, so NaN answers keep their meaning.
    """
    opts: dict[str, Any] = {"nogil": True}
    if reassoc:
        opts["fastmath"] = {"reassoc"}

    def wrap(fn: Callable[..., Any]) -> Any:
        try:
            return numba.njit(cache=True, **opts)(fn)
        except RuntimeError:  # no writable cache folder (a read-only install): compile per process
            return numba.njit(**opts)(fn)

    return wrap


#: Slots of the per-group output of :func:`item3` / :func:`item2` (rows of ``out``).
N, INCONS, BELOW, ABOVE, SUM_P, SUM_MSA, SSQ_MSA, SUM_MSS, SSQ_MSS = range(9)
N_SLOTS = 9


@_compiled()
def _usable3(pi: float, ai: float, di: float, sign: float) -> tuple[bool, bool, float, float]:
    """(usable, inconsistent, MSA, MSS) of one three-column answer (MSA/MSS 0 if not usable)."""
    answered = pi == pi
    if sign > 0:
        ok = (di >= ai) & answered
        inc = (di < ai) & answered
        msa = pi - ai
        mss = pi - di
    else:
        ok = (di <= ai) & answered
        inc = (di > ai) & answered
        msa = ai - pi
        mss = di - pi
    return ok, inc, (msa if ok else 0.0), (mss if ok else 0.0)


@_compiled()
def item3_one(p: Any, a: Any, d: Any, sign: float, out: Any, rs_msa: Any, rs_mss: Any,
              rc: Any, accumulate: bool) -> None:  # fmt: skip
    """One three-column item over a row chunk, one group: the 9 sums into ``out[:, 0]``.

    With ``accumulate``, each usable answer's MSA and MSS are added to the respondent
    sums ``rs_msa`` / ``rs_mss`` and counted in ``rc``. No branches on the answers
    (selects: survey answers make branches unpredictable) and the sums in registers,
    so the compiler vectorises the loop (2.2 ns a row here).
    """
    s_n = s_inc = s_below = s_above = 0.0
    s_p = s_msa = q_msa = s_mss = q_mss = 0.0
    for i in range(p.shape[0]):
        pi = p[i]
        ok, inc, msa, mss = _usable3(pi, a[i], d[i], sign)
        s_n += 1.0 if ok else 0.0
        s_inc += 1.0 if inc else 0.0
        s_below += 1.0 if msa < 0 else 0.0
        s_above += 1.0 if mss > 0 else 0.0
        s_p += pi if ok else 0.0
        s_msa += msa
        q_msa += msa * msa
        s_mss += mss
        q_mss += mss * mss
        if accumulate:
            rs_msa[i] += msa
            rs_mss[i] += mss
            rc[i] += ok
    for k, v in enumerate((s_n, s_inc, s_below, s_above, s_p, s_msa, q_msa, s_mss, q_mss)):
        out[k, 0] += v


@_compiled()
def item3_groups(p: Any, a: Any, d: Any, sign: float, codes: Any, out: Any, rs_msa: Any,
                 rs_mss: Any, rc: Any, accumulate: bool) -> None:  # fmt: skip
    """:func:`item3_one` for several groups (``codes`` per row, ``out`` 9 × groups).

    The sums go to four interleaved copies per group, so consecutive rows of one group
    do not wait on each other's stores; the copies are added at the end.
    """
    g = out.shape[1]
    lanes = np.zeros(4 * g * 16)  # copy q, group c: slots at (q·g + c)·16, 16-aligned
    for i in range(p.shape[0]):
        pi = p[i]
        ok, inc, msa, mss = _usable3(pi, a[i], d[i], sign)
        b = ((i & 3) * g + codes[i]) * 16
        lanes[b + N] += 1.0 if ok else 0.0
        lanes[b + INCONS] += 1.0 if inc else 0.0
        lanes[b + BELOW] += 1.0 if msa < 0 else 0.0
        lanes[b + ABOVE] += 1.0 if mss > 0 else 0.0
        lanes[b + SUM_P] += pi if ok else 0.0
        lanes[b + SUM_MSA] += msa
        lanes[b + SSQ_MSA] += msa * msa
        lanes[b + SUM_MSS] += mss
        lanes[b + SSQ_MSS] += mss * mss
        if accumulate:
            rs_msa[i] += msa
            rs_mss[i] += mss
            rc[i] += ok
    for q in range(4):
        for c in range(g):
            for k in range(N_SLOTS):
                out[k, c] += lanes[(q * g + c) * 16 + k]


@_compiled()
def item2(
    p: Any,
    e: Any,
    sign: float,
    codes: Any,
    out: Any,
    rs_gap: Any,
    rc_gap: Any,
    accumulate: bool,
) -> None:
    """One two-column item (P and E) over a row chunk; the gap sums go to the MSS slots."""
    one = out.shape[1] == 1
    s_n = s_p = s_gap = q_gap = 0.0
    for i in range(p.shape[0]):
        pi = p[i]
        gap = pi - e[i] if sign > 0 else e[i] - pi
        ok = gap == gap
        w = 1.0 if ok else 0.0
        gap = gap if ok else 0.0
        p0 = pi if ok else 0.0
        if one:
            s_n += w
            s_p += p0
            s_gap += gap
            q_gap += gap * gap
        else:
            c = codes[i]
            out[N, c] += w
            out[SUM_P, c] += p0
            out[SUM_MSS, c] += gap
            out[SSQ_MSS, c] += gap * gap
        if accumulate:
            rs_gap[i] += gap
            rc_gap[i] += ok
    if one:
        out[N, 0] += s_n
        out[SUM_P, 0] += s_p
        out[SUM_MSS, 0] += s_gap
        out[SSQ_MSS, 0] += q_gap


@_compiled()
def gap_sums(p: Any, x: Any, a: Any, three: bool, sign: float, acc: Any, cnt: Any) -> None:
    """Add one rating item's usable gaps (P − D, or P − E) to the respondent sums of a chunk."""
    for i in range(p.shape[0]):
        pi = p[i]
        xi = x[i]
        gap = pi - xi if sign > 0 else xi - pi
        if three:
            ai = a[i]
            ok = ((xi >= ai) if sign > 0 else (xi <= ai)) & (pi == pi)
        else:
            ok = gap == gap
        acc[i] += gap if ok else 0.0
        cnt[i] += ok


def new_out(n_groups: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A zeroed per-group output for :func:`item3` / :func:`item2`."""
    return np.zeros((N_SLOTS, n_groups))


@_compiled(reassoc=False)
def grid_bins(x: Any, codes: Any, denom: float, m_lo: float, width: int, bins: Any) -> int:
    """Count rows of ``x`` into (group, grid point) bins; return how many lie on the grid.

    The loop of :func:`servgap.core.suffstats.grid_histogram` fused: the grid point of
    x is m = rint(x·denom); its bin is code·width + m − m_lo (``codes`` empty: one
    group); NaN goes to the last bin. A row is on the grid when m / denom reproduces x
    bit for bit (the caller falls back when one is not).
    """
    nan_bin = bins.shape[0] - 1
    grouped = codes.shape[0] > 0
    on = 0
    for i in range(x.shape[0]):
        xi = x[i]
        if xi != xi:
            bins[nan_bin] += 1
            continue
        m = np.rint(xi * denom)
        on += m / denom == xi
        k = m - m_lo
        if grouped:
            k += codes[i] * width
        k = min(max(k, 0.0), nan_bin)  # off-grid rows fail the check; never write outside
        bins[int(k)] += 1
    return on
