"""Small shared statistical helpers for servgap.core (vectorised, warning-free).

Written by hand because the peers (scipy, statsmodels) work on one sample at a
time; here every helper takes arrays of sufficient statistics (counts, sums,
sums of squares) for many groups at once, so that results can be merged across
partitions and finished in one numpy pass. Each helper was checked against
statsmodels in the tests of the modules that use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from servgap.core.errors import InputError, ProblemCollector, SpecError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def check_confidence(confidence: float) -> None:
    """Raise :class:`SpecError` unless ``0 < confidence < 1``."""
    if not (isinstance(confidence, int | float) and 0.0 < float(confidence) < 1.0):
        raise SpecError(
            f"confidence must be strictly between 0 and 1, got {confidence!r}; use e.g. 0.95.",
            f"置信水平必须在 0 和 1 之间（不含端点），收到 {confidence!r}；请使用例如 0.95。",
        )


def mean_var(
    n: npt.ArrayLike, total: npt.ArrayLike, sumsq: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Mean and sample variance (ddof=1) from n, Σx and Σx².

    Entries with n = 0 give NaN mean, entries with n < 2 give NaN variance
    (callers flag them); no RuntimeWarning is emitted.
    """
    n_ = np.asarray(n, dtype=np.float64)
    s = np.asarray(total, dtype=np.float64)
    ss = np.asarray(sumsq, dtype=np.float64)
    mean = np.full(np.broadcast(n_, s).shape, np.nan)
    var = np.full(mean.shape, np.nan)
    ok = n_ > 0
    np.divide(s, n_, out=mean, where=ok)
    ok2 = n_ > 1
    num = ss - np.where(ok, s * mean, 0.0)
    num = np.maximum(num, 0.0)  # rounding can make a zero variance slightly negative
    np.divide(num, n_ - 1.0, out=var, where=ok2)
    return mean, var


def t_interval(
    mean: npt.ArrayLike, var: npt.ArrayLike, n: npt.ArrayLike, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Student-t interval ``mean ± t_{(1+c)/2, n-1} · sqrt(var / n)``; NaN where n < 2."""
    m = np.asarray(mean, dtype=np.float64)
    v = np.asarray(var, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    ok = n_ > 1
    df = np.where(ok, n_ - 1.0, 1.0)
    tq = stats.t.ppf(0.5 + confidence / 2.0, df)
    se = np.full(np.broadcast(m, v, n_).shape, np.nan)
    np.sqrt(np.divide(v, n_, out=np.full(se.shape, np.nan), where=ok), out=se, where=ok)
    half = tq * se
    low = np.where(ok, m - half, np.nan)
    high = np.where(ok, m + half, np.nan)
    return low.astype(np.float64), high.astype(np.float64)


def welch_p(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Two-sided p-value of Welch's t-test (Welch 1947, *Biometrika* 34) on the finite values
    of ``a`` and ``b``, from the formula: t = (x̄a − x̄b) / sqrt(sa²/na + sb²/nb) with the
    Welch–Satterthwaite degrees of freedom. NaN when a group has fewer than two values or
    both have no spread (scipy's ``ttest_ind`` warns there; the test is undefined)."""
    from scipy import stats

    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size < 2 or y.size < 2:
        return float("nan")
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se2 = vx + vy
    if se2 <= 0:
        return float("nan")
    t = (x.mean() - y.mean()) / np.sqrt(se2)
    df = se2**2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    return float(2 * stats.t.sf(abs(t), df))


def wilson_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Wilson (1927) score interval for a binomial proportion k / n; NaN where n = 0.

    Notes
    -----
    centre = (p + z²/2n) / (1 + z²/n); half = z/(1 + z²/n) · sqrt(p(1−p)/n + z²/4n²).
    Checked against Newcombe (1998), *Stat. Med.* 17:857, Table II (method 3)
    and statsmodels ``proportion_confint(method="wilson")``.
    """
    k_ = np.asarray(k, dtype=np.float64)
    n_ = np.asarray(n, dtype=np.float64)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    ok = n_ > 0
    nn = np.where(ok, n_, 1.0)
    p = k_ / nn
    denom = 1.0 + z * z / nn
    centre = (p + z * z / (2.0 * nn)) / denom
    half = z / denom * np.sqrt(np.maximum(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn), 0.0))
    low = np.where(ok, np.maximum(centre - half, 0.0), np.nan)
    high = np.where(ok, np.minimum(centre + half, 1.0), np.nan)
    return low.astype(np.float64), high.astype(np.float64)


def group_codes(
    data: pd.DataFrame, by: str | Sequence[str] | None
) -> tuple[IntArray, pd.DataFrame, tuple[str, ...]]:
    """Integer segment codes per row, the segment key table (sorted) and the column names.

    ``by=None`` gives one segment (code 0) and an empty one-row key table. Missing
    segment values form their own segment.
    """
    if by is None:
        return np.zeros(len(data), dtype=np.int64), pd.DataFrame(index=range(1)), ()
    cols = (by,) if isinstance(by, str) else tuple(by)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise InputError(
            f"segment column(s) {missing} are not in the data; choose existing columns for `by`.",
            f"分组列 {missing} 不在数据中；请为 `by` 选择已有的列。",
        )
    if len(cols) == 1:
        codes, uniques = pd.factorize(data[cols[0]], sort=True, use_na_sentinel=False)
        keys = pd.DataFrame({cols[0]: np.asarray(uniques)})
        return np.asarray(codes, dtype=np.int64), keys, cols
    gb = data.groupby(list(cols), sort=True, observed=True, dropna=False)
    codes = np.asarray(gb.ngroup().to_numpy(), dtype=np.int64)
    keys = gb.size().index.to_frame(index=False)
    return codes, keys.reset_index(drop=True), cols


def numeric_frame(
    data: pd.DataFrame, columns: Sequence[str], *, what_en: str, what_zh: str
) -> pd.DataFrame:
    """Numeric copy of ``columns``; every non-numeric, non-blank cell is reported at once.

    Blank cells (NaN, None, empty strings) become NaN. Raises InputError naming
    the missing columns, or listing up to 200 bad cells per column (row is 1-based).
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"Expected a pandas DataFrame, got {type(data).__name__}.",
            f"需要 pandas DataFrame，收到的是 {type(data).__name__}。",
        )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError(
            f"Column(s) {missing} not found; available columns: {list(data.columns)}.",
            f"找不到列 {missing}；现有列：{list(data.columns)}。",
        )
    pc = ProblemCollector()
    out = {}
    for c in columns:
        raw = data[c]
        if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "fiu":
            # plain numpy numbers: nothing to check or convert
            out[c] = raw.astype(np.float64)
            continue
        num = pd.to_numeric(raw, errors="coerce")
        bad = num.isna() & raw.notna()
        if raw.dtype == object:
            bad &= ~raw.astype(str).str.strip().eq("")
        for pos in np.flatnonzero(bad.to_numpy())[:200]:
            pc.add(
                f"value {raw.iloc[pos]!r} is not a number",
                f"值 {raw.iloc[pos]!r} 不是数字",
                row=int(pos) + 1,
                column=c,
                value=raw.iloc[pos],
            )
        out[c] = num.astype(np.float64)
    pc.raise_if_any(
        InputError,
        f"{len(pc)} non-numeric value(s) in the {what_en}; fix or blank them.",
        f"{what_zh}中有 {len(pc)} 个非数值单元格；请修正或清空。",
    )
    return pd.DataFrame(out, index=data.index)
