"""Internal-consistency reliability: Cronbach's alpha (raw and standardized).

Written by hand instead of depending on pingouin (GPL-3, heavy dependency set)
for a dozen lines of linear algebra; the numbers are checked against pingouin's
documented example (tests), whose implementation is in turn validated against R
``psych::alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from servgap.core._result import ResultMixin
from servgap.core._stats import check_confidence
from servgap.core.errors import InputError, InsufficientDataError, ProblemCollector

__all__ = ["ReliabilityResult", "cronbach_alpha"]


@dataclass(frozen=True)
class ReliabilityResult(ResultMixin):
    """Cronbach's alpha with Feldt interval and item statistics.

    Attributes
    ----------
    alpha
        Raw alpha (what SPSS and R ``psych::alpha`` print as ``raw_alpha``).
    standardized_alpha
        Alpha from the correlation matrix, k·r̄ / (1 + (k−1)·r̄) (psych ``std.alpha``;
        what R plspm ``C.alpha`` and seminr ``alpha`` report).
    ci_low, ci_high
        Feldt (1965) interval for the raw alpha at ``confidence``.
    n, n_dropped, k
        Complete respondents used, respondents dropped for missing answers, items.
    average_r
        Mean inter-item correlation r̄.
    items
        One row per item: ``item, mean, sd, item_total_r`` (corrected item–total
        correlation, psych ``r.drop``), ``alpha_if_deleted``,
        ``standardized_alpha_if_deleted``.
    warnings
        Items that look reverse-keyed (negative corrected item–total correlation),
        constant items, too few items for alpha-if-deleted.
    """

    alpha: float
    standardized_alpha: float
    ci_low: float
    ci_high: float
    confidence: float
    n: int
    n_dropped: int
    k: int
    average_r: float
    items: pd.DataFrame
    warnings: tuple[str, ...] = ()

    @property
    def alpha_if_deleted(self) -> pd.DataFrame:
        """The item table (``alpha_if_deleted`` and item–total correlations)."""
        return self.items

    def to_frame(self) -> pd.DataFrame:
        """The item table."""
        return self.items


def _std_alpha(r: npt.NDArray[np.float64], k: int) -> tuple[float, float]:
    rbar = float((r.sum() - np.trace(r)) / (k * (k - 1)))
    return k * rbar / (1.0 + (k - 1) * rbar), rbar


def cronbach_alpha(frame: pd.DataFrame, *, confidence: float = 0.95) -> ReliabilityResult:
    """Cronbach's alpha (raw and standardized) with a Feldt confidence interval.

    Parameters
    ----------
    frame
        One column per item, one row per respondent (numeric; empty cells allowed).
        Respondents with a missing answer are dropped (listwise, as R
        ``psych::alpha(use="complete.obs")``); the count is reported.
    confidence
        Level of the Feldt interval.

    Returns
    -------
    ReliabilityResult

    Notes
    -----
    Raw alpha = k/(k−1) · (1 − Σ var(x_i) / var(Σ x_i)) (Cronbach 1951), computed from
    the sample covariance matrix C as k/(k−1) · (1 − tr C / ΣC).
    Standardized alpha = k·r̄ / (1 + (k−1)·r̄), r̄ the mean off-diagonal correlation.
    Feldt interval: [1 − (1−α)·F_{1−γ/2}(n−1, (n−1)(k−1)), 1 − (1−α)·F_{γ/2}(…)],
    γ = 1 − confidence (Feldt 1965; Feldt, Woodruff & Salih 1987, eqs. 6–7), as in
    pingouin and ``psych::alpha`` ("Feldt" row).
    Alpha if item i is deleted uses the same formula on C without row/column i;
    the corrected item–total correlation is corr(x_i, Σ_{j≠i} x_j).

    Checked against pingouin's documented example (``cronbach_alpha`` data set:
    α = 0.5917188485995826, CI [0.195, 0.84]).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.

    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. *Psychometrika*, 30(3), 357–370.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93–103.

    Revelle, W. *psych: Procedures for Psychological, Psychometric, and Personality
    Research* (R package), function ``alpha``.
    """
    check_confidence(confidence)
    if not isinstance(frame, pd.DataFrame):
        raise InputError("frame must be a pandas DataFrame.", "frame 必须是 pandas DataFrame。")
    k = frame.shape[1]
    if k < 2:
        raise InsufficientDataError(
            f"Cronbach's alpha needs at least 2 items, got {k}; add item columns.",
            f"Cronbach alpha 至少需要 2 个条目，收到 {k} 个；请增加条目列。",
        )
    pc = ProblemCollector()
    cols = []
    for colname in frame.columns:
        s = frame[colname]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(s.to_numpy(dtype=np.float64, na_value=np.nan))
            continue
        conv = pd.to_numeric(s.replace("", np.nan), errors="coerce")
        bad = np.flatnonzero(conv.isna().to_numpy() & s.notna().to_numpy() & (s != "").to_numpy())
        for b in bad:
            pc.add(
                f"value {s.iloc[b]!r} is not a number; enter a number or leave the cell empty.",
                f"值 {s.iloc[b]!r} 不是数字；请填写数字或留空。",
                row=int(b) + 1,
                column=str(colname),
                value=s.iloc[b],
            )
        cols.append(conv.to_numpy(dtype=np.float64, na_value=np.nan))
    pc.raise_if_any(InputError, f"{len(pc)} non-numeric answer(s).", f"{len(pc)} 个答案不是数字。")
    x_all = np.column_stack(cols)
    complete = ~np.isnan(x_all).any(axis=1)
    x = x_all[complete]
    n = x.shape[0]
    if n < 3:
        raise InsufficientDataError(
            f"Cronbach's alpha needs at least 3 complete respondents, got {n}.",
            f"Cronbach alpha 至少需要 3 个完整作答者，收到 {n} 个。",
        )
    names = [str(c) for c in frame.columns]
    c = np.cov(x, rowvar=False, ddof=1)
    var = np.diag(c).copy()
    total = float(c.sum())
    warns: list[str] = []
    const = [names[i] for i in range(k) if var[i] <= 0]
    if const:
        warns.append(f"constant item(s) {', '.join(const)}: correlations are undefined (NaN)")
    if total <= 0:
        raise InsufficientDataError(
            "The total score has zero variance; alpha is undefined.",
            "总分方差为零，alpha 无定义。",
        )
    alpha = k / (k - 1) * (1.0 - float(np.trace(c)) / total)
    sd = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = var > 0
        r = np.full((k, k), np.nan)
        r[np.ix_(ok, ok)] = c[np.ix_(ok, ok)] / np.outer(sd[ok], sd[ok])
    if ok.all():
        std_alpha, rbar = _std_alpha(r, k)
    else:
        std_alpha, rbar = float("nan"), float("nan")
    g = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ci_low = 1.0 - (1.0 - alpha) * float(stats.f.isf(g / 2.0, df1, df2))
    ci_high = 1.0 - (1.0 - alpha) * float(stats.f.isf(1.0 - g / 2.0, df1, df2))

    rowsum = c.sum(axis=1)
    rest_var = total - 2.0 * rowsum + var
    cov_rest = rowsum - var
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.sqrt(var * rest_var)
        item_total = np.where(denom > 0, cov_rest / np.where(denom > 0, denom, 1.0), np.nan)
    if k >= 3:
        trace_rest = float(np.trace(c)) - var
        with np.errstate(invalid="ignore", divide="ignore"):
            a_del = np.where(
                rest_var > 0,
                (k - 1) / (k - 2) * (1.0 - trace_rest / np.where(rest_var > 0, rest_var, 1.0)),
                np.nan,
            )
        s_del = np.full(k, np.nan)
        if ok.all():
            for i in range(k):
                keep = np.arange(k) != i
                s_del[i] = _std_alpha(r[np.ix_(keep, keep)], k - 1)[0]
    else:
        a_del = np.full(k, np.nan)
        s_del = np.full(k, np.nan)
        warns.append("alpha if an item is deleted needs at least 3 items (NaN with 2)")
    rev = [names[i] for i in range(k) if np.isfinite(item_total[i]) and item_total[i] < 0]
    if rev:
        warns.append(
            f"item(s) {', '.join(rev)} correlate negatively with the rest of the scale: "
            "they look reverse-keyed; recode them (max + min − x) before computing alpha"
        )
    items = pd.DataFrame(
        {
            "item": names,
            "mean": x.mean(axis=0),
            "sd": sd,
            "item_total_r": item_total,
            "alpha_if_deleted": a_del,
            "standardized_alpha_if_deleted": s_del,
        }
    )
    return ReliabilityResult(
        alpha=float(alpha),
        standardized_alpha=float(std_alpha),
        ci_low=ci_low,
        ci_high=ci_high,
        confidence=float(confidence),
        n=int(n),
        n_dropped=int(len(frame) - n),
        k=int(k),
        average_r=float(rbar),
        items=items,
        warnings=tuple(warns),
    )
