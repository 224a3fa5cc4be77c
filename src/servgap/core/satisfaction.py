"""Single-question satisfaction indices: Net Promoter Score and CSAT.

Written by hand: a few lines of numpy each; the intervals are checked against
statsmodels and against Newcombe's (1998) published Wilson intervals. Both finish
from the answer histogram (:mod:`servgap.core.suffstats`), which merges across
chunks and engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from servgap.core._result import ResultMixin
from servgap.core._stats import FloatArray, check_confidence, t_interval, wilson_interval
from servgap.core.errors import InputError, InsufficientDataError, ProblemCollector, SpecError
from servgap.core.suffstats import ValueHistogram, grid_histogram, value_histogram

__all__ = ["CsatResult", "NpsResult", "csat", "nps", "scores_to_array"]


def scores_to_array(
    scores: npt.ArrayLike | pd.Series,
    *,
    low: float,
    high: float,
    integer: bool,
    what: str,
) -> FloatArray:
    """Scores as float64 (NaN = missing); raises InputError listing every bad row.

    Empty cells and NaN are missing. Non-numeric values, values outside
    ``[low, high]`` and (with ``integer``) non-integers are errors.
    """
    s = scores if isinstance(scores, pd.Series) else pd.Series(np.asarray(scores, dtype=object))
    s = s.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        nonnum = np.zeros(len(x), dtype=bool)
    else:
        blank = s.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
        conv = pd.to_numeric(s.where(~blank, np.nan), errors="coerce")
        x = conv.to_numpy(dtype=np.float64, na_value=np.nan)
        nonnum = np.isnan(x) & s.notna().to_numpy() & ~blank
    with np.errstate(invalid="ignore"):
        out = ~np.isnan(x) & ((x < low) | (x > high) | (integer & (x != np.round(x))))
    bad = np.flatnonzero(nonnum | out)
    if len(bad):
        pc = ProblemCollector()
        kind = "whole number " if integer else ""
        for b in bad:
            v = s.iloc[int(b)]
            if isinstance(v, np.generic):
                v = v.item()
            pc.add(
                f"{what} {v!r} is not a {kind}score from {low:g} to {high:g}; fix the cell or "
                "leave it empty.",
                f"{what} {v!r} 不是 {low:g} 到 {high:g} 之间的{'整数' if integer else ''}分数；"
                "请修正或留空。",
                row=int(b) + 1,
                value=v if isinstance(v, str | int | float) else str(v),
            )
        pc.raise_if_any(
            InputError,
            f"{len(bad)} invalid {what} value(s).",
            f"{len(bad)} 个无效的 {what} 值。",
        )
    return np.asarray(x, dtype=np.float64)


def answer_histogram(
    scores: npt.ArrayLike | pd.Series, *, low: float, high: float, integer: bool
) -> tuple[ValueHistogram, int] | None:
    """The answer histogram of plain numeric ``scores`` that are all valid, else ``None``.

    The quick path of :func:`nps` and :func:`csat`: whole numbers are counted with one
    ``np.bincount`` after two reductions (min, max); floats through
    :func:`servgap.core.suffstats.grid_histogram`. The (few) distinct values are then
    checked against ``[low, high]`` and ``integer``; ``None`` when a value fails or the
    data are not plain numbers, so that :func:`scores_to_array` lists every bad row.
    Returns the histogram (one group ``"all"``) and the number of empty answers.
    """
    if isinstance(scores, pd.Series):
        if not isinstance(scores.dtype, np.dtype):
            return None
        arr = scores.to_numpy()
    elif isinstance(scores, np.ndarray):
        arr = scores
    else:
        return None
    if arr.ndim != 1 or arr.dtype.kind not in "iuf" or arr.size == 0:
        return None
    if arr.dtype.kind in "iu":
        lo, hi = int(arr.min()), int(arr.max())
        if lo < low or hi > high:
            return None
        raw = np.bincount(arr.astype(np.intp) - lo, minlength=hi - lo + 1)
        used = np.flatnonzero(raw)
        hist = ValueHistogram(
            groups=("all",),
            values=(lo + used).astype(np.float64),
            counts=raw[used][None, :].astype(np.int64),
        )
        return hist, 0
    built = grid_histogram(np.asarray(arr, dtype=np.float64), None, ("all",))
    if built is None:
        return None
    hist, missing = built
    v = hist.values
    if v.size and (v[0] < low or v[-1] > high or (integer and not np.array_equal(v, np.rint(v)))):
        return None
    return hist, missing


@dataclass(frozen=True)
class NpsResult(ResultMixin):
    """Net Promoter Score.

    Attributes
    ----------
    n, n_missing
        Answers used and empty answers skipped.
    promoters, passives, detractors
        Counts (9–10, 7–8, 0–6).
    share_promoters, share_passives, share_detractors
        Shares of n.
    nps
        100 · (share_promoters − share_detractors), in −100..100.
    se
        Standard error of ``nps`` (points).
    ci_low, ci_high
        Wald interval (clipped to −100..100) at ``confidence``.
    """

    n: int
    n_missing: int
    promoters: int
    passives: int
    detractors: int
    share_promoters: float
    share_passives: float
    share_detractors: float
    nps: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the fields."""
        return pd.DataFrame([self.to_dict()])


def nps(
    scores: npt.ArrayLike | pd.Series | Any, *, confidence: float = 0.95, engine: str = "memory"
) -> NpsResult:
    """Net Promoter Score with a confidence interval.

    Parameters
    ----------
    scores
        Likelihood-to-recommend answers, whole numbers 0–10; empty cells / NaN are
        skipped. Anything else raises :class:`InputError` listing every bad row.
    confidence
        Level of the interval.
    engine
        ``"memory"`` (numpy on ``scores``) or ``"duckdb"``: ``scores`` is then a
        column of a Parquet file or folder,
        ``servgap.engines.duckdb.ParquetSource(path)["nps"]``, counted by DuckDB.

    Returns
    -------
    NpsResult

    Notes
    -----
    Promoters answer 9–10, passives 7–8, detractors 0–6 (Reichheld 2003).
    NPS = 100 (p̂_P − p̂_D). With the multinomial variance of the difference of two
    shares from one sample, Var(p̂_P − p̂_D) = [p_P + p_D − (p_P − p_D)²] / n, the
    Wald interval is NPS ± z_{(1+c)/2} · 100 · √{[p̂_P + p̂_D − (p̂_P − p̂_D)²]/n}
    (Rocks 2016, eq. 2), clipped to [−100, 100]. It equals the normal interval for the
    mean of respondent scores coded +1 / 0 / −1 (population variance), which the tests
    check against statsmodels.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
    Review*, 81(12), 46–54.

    Rocks, B. (2016). Interval estimation for the "net promoter score". *The American
    Statistician*, 70(4), 365–372.
    """
    check_confidence(confidence)
    if engine != "memory":
        hist, n_missing = _engine_histogram(
            engine, scores, low=0, high=10, integer=True, what="NPS answer"
        )
    elif (quick := answer_histogram(scores, low=0, high=10, integer=True)) is not None:
        hist, n_missing = quick
    else:
        x = scores_to_array(scores, low=0, high=10, integer=True, what="NPS answer")
        ok = ~np.isnan(x)
        # sufficient statistics: the answer histogram (how many said 0, 1, …, 10)
        built = value_histogram(
            x[ok], np.zeros(int(ok.sum()), dtype=np.int64), ("all",), max_cells=None
        )
        assert built is not None  # no cell limit: always built
        hist, n_missing = built, int(len(x) - ok.sum())
    n = int(hist.n.sum())
    if n == 0:
        raise InsufficientDataError(
            "No NPS answers to score (all empty).", "没有可计算的 NPS 答案（全部为空）。"
        )
    pro = int(hist.count_where(hist.values >= 9)[0])
    det = int(hist.count_where(hist.values <= 6)[0])
    pas = n - pro - det
    pp, pd_ = pro / n, det / n
    diff = pp - pd_
    se = 100.0 * float(np.sqrt(max(pp + pd_ - diff * diff, 0.0) / n))
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    score = 100.0 * diff
    return NpsResult(
        n=n,
        n_missing=n_missing,
        promoters=pro,
        passives=pas,
        detractors=det,
        share_promoters=pp,
        share_passives=pas / n,
        share_detractors=pd_,
        nps=score,
        se=se,
        ci_low=max(score - z * se, -100.0),
        ci_high=min(score + z * se, 100.0),
        confidence=float(confidence),
    )


@dataclass(frozen=True)
class CsatResult(ResultMixin):
    """Customer satisfaction (CSAT) summary.

    Attributes
    ----------
    n, n_missing
        Answers used and empty answers skipped.
    scale, top_box, top_box_threshold
        Scale ends, number of top boxes and the lowest answer counted as top box.
    mean, sd, mean_ci_low, mean_ci_high
        Mean answer with a Student-t interval (NaN interval when n < 2, see ``warnings``).
    top_box_count, top_box_share, top_box_ci_low, top_box_ci_high
        Top-box share with a Wilson score interval.
    """

    n: int
    n_missing: int
    scale: tuple[int, int]
    top_box: int
    top_box_threshold: int
    mean: float
    sd: float
    mean_ci_low: float
    mean_ci_high: float
    top_box_count: int
    top_box_share: float
    top_box_ci_low: float
    top_box_ci_high: float
    confidence: float
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One-row table of the fields."""
        return pd.DataFrame([self.to_dict()])


def csat(
    scores: npt.ArrayLike | pd.Series | Any,
    *,
    scale: tuple[int, int] = (1, 5),
    top_box: int = 2,
    confidence: float = 0.95,
    engine: str = "memory",
) -> CsatResult:
    """CSAT: top-box share (Wilson interval) and mean (t interval).

    Parameters
    ----------
    scores
        Answers on ``scale`` (inclusive); empty cells / NaN are skipped; values outside
        the scale or non-numeric raise :class:`InputError` listing every bad row.
    scale
        (lowest, highest) answer.
    top_box
        How many top answers count as satisfied (2 on a 1–5 scale: 4 and 5).
    confidence
        Level of both intervals.
    engine
        ``"memory"`` or ``"duckdb"`` (``scores`` a Parquet column, as for :func:`nps`).

    Returns
    -------
    CsatResult

    Notes
    -----
    Top-box share p̂ = #{x ≥ high − top_box + 1}/n with the Wilson (1927) score
    interval (p̂ + z²/2n ± z√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n) — checked against
    Newcombe (1998), Table II, and statsmodels. Mean x̄ ± t_{(1+c)/2, n−1}·s/√n.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA*, 22(158), 209–212.

    Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
    comparison of seven methods. *Statistics in Medicine*, 17(8), 857–872.
    """
    check_confidence(confidence)
    lo, hi = int(scale[0]), int(scale[1])
    if not lo < hi:
        raise SpecError(
            f"scale must be (low, high) with low < high, got {scale!r}.",
            f"量表必须为 (最低, 最高) 且最低 < 最高，收到 {scale!r}。",
        )
    if not 1 <= int(top_box) <= hi - lo:
        raise SpecError(
            f"top_box must be between 1 and {hi - lo}, got {top_box!r}.",
            f"top_box 必须在 1 到 {hi - lo} 之间，收到 {top_box!r}。",
        )
    hist: ValueHistogram | None
    if engine != "memory":
        hist, n_missing = _engine_histogram(
            engine, scores, low=lo, high=hi, integer=False, what="CSAT answer"
        )
        v = np.zeros(0)
        n = int(hist.n.sum())
    elif (quick := answer_histogram(scores, low=lo, high=hi, integer=False)) is not None:
        hist, n_missing = quick
        v = np.zeros(0)
        n = int(hist.n.sum())
    else:
        x = scores_to_array(scores, low=lo, high=hi, integer=False, what="CSAT answer")
        ok = ~np.isnan(x)
        n = int(ok.sum())
        n_missing = int(len(x) - n)
        # sufficient statistics: the answer histogram (moments when answers hardly repeat)
        v = x[ok]
        hist = value_histogram(v, np.zeros(n, dtype=np.int64), ("all",))
    if n == 0:
        raise InsufficientDataError(
            "No CSAT answers to score (all empty).", "没有可计算的 CSAT 答案（全部为空）。"
        )
    thr = hi - int(top_box) + 1
    if hist is not None:
        k = int(hist.count_where(hist.values >= thr)[0])
        mean = float(hist.mean()[0])
        centred_ss = float(hist.centred_ss()[0])
    else:
        k = int(np.count_nonzero(v >= thr))
        mean = float(v.mean())
        centred_ss = float(((v - mean) ** 2).sum())
    warns: list[str] = []
    if n > 1:
        var = centred_ss / (n - 1)
        ml, mh = t_interval(np.array([mean]), np.array([var]), np.array([n]), confidence)
        m_low, m_high, sd = float(ml[0]), float(mh[0]), float(np.sqrt(var))
    else:
        m_low = m_high = sd = float("nan")
        warns.append("only one answer: sd and mean interval are undefined (NaN)")
    wl, wh = wilson_interval(np.array([k]), np.array([n]), confidence)
    return CsatResult(
        n=n,
        n_missing=n_missing,
        scale=(lo, hi),
        top_box=int(top_box),
        top_box_threshold=thr,
        mean=mean,
        sd=sd,
        mean_ci_low=m_low,
        mean_ci_high=m_high,
        top_box_count=k,
        top_box_share=k / n,
        top_box_ci_low=float(wl[0]),
        top_box_ci_high=float(wh[0]),
        confidence=float(confidence),
        warnings=tuple(warns),
    )


def _engine_histogram(
    engine: str, scores: Any, *, low: float, high: float, integer: bool, what: str
) -> tuple[ValueHistogram, int]:
    """The answer histogram computed by another engine, and the empty answers."""
    from servgap.engines import Column, check_engine, histogram

    check_engine(engine)
    if not isinstance(scores, Column):
        raise SpecError(
            f"engine={engine!r} needs a column of its source, e.g. "
            "ParquetSource('answers.parquet')['nps'].",
            f"engine={engine!r} 需要其数据源的一列，例如 ParquetSource('answers.parquet')['nps']。",
        )
    return histogram(
        engine, scores.source, scores.name, low=low, high=high, integer=integer, what=what
    )
