"""Comparing a score across groups: one-way ANOVA, Welch, Kruskal–Wallis, post-hoc tests.

One call, :func:`anova`, gives everything a service analyst needs to compare a
satisfaction score (or a gap score) between sites, channels or customer types:
the classical F test with effect sizes, Welch's heteroscedasticity-robust F,
the rank-based Kruskal–Wallis H, two tests of equal variances, and pairwise
post-hoc comparisons (Tukey HSD / Tukey–Kramer and Games–Howell).

Written by hand (on top of scipy's F / χ² distributions) rather than calling
``scipy.stats.f_oneway`` / ``tukey_hsd`` / ``levene`` once per test because (a) the parametric parts are computed from
per-group sufficient statistics (n, Σx, Σ(x − x̄)²) gathered with a single
``np.bincount`` pass, so a million responses take a fraction of a second, and
(b) scipy has no Welch ANOVA and no Games–Howell test, and (c)
``scipy.stats.studentized_range`` takes 0.2–0.7 s per quantile, so Games–Howell
intervals (one df per pair) for ten groups would take half a minute; a
vectorised studentized-range CDF/quantile (below) does it in milliseconds. Every statistic is
checked in ``tests/core/test_anova.py`` against published R / pingouin output
and against scipy run inside the tests.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from servgap.core._codes import sorted_codes
from servgap.core._result import ResultMixin
from servgap.core.errors import (
    InputError,
    InsufficientDataError,
    ProblemCollector,
    SpecError,
)
from servgap.core.studentized_range import (
    _tukey_quantile,
    _tukey_sf,
)
from servgap.core.suffstats import ValueHistogram, grid_histogram, value_histogram

if TYPE_CHECKING:
    from servgap.engines.duckdb import ParquetSource

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
PosthocChoice = Literal["auto", "tukey", "games_howell"]

POSTHOC_COLUMNS = ["group_a", "group_b", "diff", "se", "ci_low", "ci_high", "p_adj"]


@dataclass(frozen=True)
class AnovaResult(ResultMixin):
    """Result of :func:`anova`.

    Attributes
    ----------
    value, group : str
        The analysed column and the grouping column.
    n, k : int
        Respondents used and number of groups.
    n_missing : int
        Rows dropped because the value or the group was empty.
    f, p, df_between, df_within, ss_between, ss_within, ms_within : float
        Classical one-way ANOVA (Fisher).
    eta_squared, omega_squared : float
        η² = SSB / SST and ω² = (SSB − (k−1)·MSW) / (SST + MSW).
    welch_f, welch_p, welch_df_within : float
        Welch (1951) ANOVA; numerator df is ``df_between``. NaN when a group has
        zero variance — then ``notes`` says so.
    kruskal_h, kruskal_df, kruskal_p : float
        Kruskal–Wallis H with tie correction (χ² approximation, df = k − 1).
    levene_w, levene_p : float
        Levene's test, mean-centred (Levene 1960).
    brown_forsythe_w, brown_forsythe_p : float
        Brown–Forsythe test, median-centred (Brown & Forsythe 1974).
    alpha : float
        Level used for the post-hoc confidence intervals and the Levene decision.
    descriptives : pandas.DataFrame
        One row per group: ``group, n, mean, sd, se, median, min, max``.
    tukey, games_howell : pandas.DataFrame
        Both post-hoc tables, columns ``group_a, group_b, diff, se, ci_low,
        ci_high, p_adj`` with ``diff = mean(group_a) − mean(group_b)``.
    posthoc : pandas.DataFrame
        The recommended one of the two (see ``posthoc_method``).
    posthoc_method : {"tukey", "games_howell"}
    posthoc_reason_en, posthoc_reason_zh : str
        Why that post-hoc test was chosen.
    notes : tuple of str
        Anything the reader must know (e.g. a zero-variance group).
    """

    value: str
    group: str
    n: int
    k: int
    n_missing: int
    f: float
    p: float
    df_between: float
    df_within: float
    ss_between: float
    ss_within: float
    ms_within: float
    eta_squared: float
    omega_squared: float
    welch_f: float
    welch_p: float
    welch_df_within: float
    kruskal_h: float
    kruskal_df: float
    kruskal_p: float
    levene_w: float
    levene_p: float
    brown_forsythe_w: float
    brown_forsythe_p: float
    alpha: float
    descriptives: pd.DataFrame
    tukey: pd.DataFrame
    games_howell: pd.DataFrame
    posthoc: pd.DataFrame
    posthoc_method: str
    posthoc_reason_en: str
    posthoc_reason_zh: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The omnibus tests as one table: ``test, statistic, df1, df2, p``."""
        kb = self.df_between
        return pd.DataFrame(
            {
                "test": ["anova", "welch", "kruskal_wallis", "levene", "brown_forsythe"],
                "statistic": [
                    self.f,
                    self.welch_f,
                    self.kruskal_h,
                    self.levene_w,
                    self.brown_forsythe_w,
                ],
                "df1": [kb, kb, self.kruskal_df, kb, kb],
                "df2": [
                    self.df_within,
                    self.welch_df_within,
                    np.nan,
                    self.df_within,
                    self.df_within,
                ],
                "p": [self.p, self.welch_p, self.kruskal_p, self.levene_p, self.brown_forsythe_p],
            }
        )


# ---------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------


def _prepare(
    data: pd.DataFrame, value: str, group: str
) -> tuple[FloatArray, IntArray, list[Any], int]:
    """Validate and return (values, group codes, group labels, rows dropped)."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"anova() needs a pandas DataFrame, got {type(data).__name__}.",
            f"anova() 需要 pandas DataFrame，收到的是 {type(data).__name__}。",
        )
    missing = [c for c in (value, group) if c not in data.columns]
    if missing:
        raise InputError(
            f"Column(s) {missing} not found; available columns: {list(data.columns)}.",
            f"找不到列 {missing}；现有列：{list(data.columns)}。",
        )
    raw = data[value]
    grp = data[group]
    if pd.api.types.is_bool_dtype(raw):
        raise InputError(
            f"Column `{value}` is boolean, not a numeric score; convert it to numbers first.",
            f"列 `{value}` 是布尔值而不是数值分数；请先转换为数字。",
        )
    if raw.dtype == np.float64:
        num = raw  # already numbers: nothing can be non-numeric
        bad = pd.Series(False, index=raw.index)
    else:
        num = pd.to_numeric(raw, errors="coerce")
        bad = num.isna() & raw.notna()
    if isinstance(raw.dtype, pd.StringDtype) or raw.dtype == object:
        # empty strings count as missing answers, not as bad values
        blank = raw.astype(str).str.strip().eq("")
        bad = bad & ~blank
    if bool(bad.any()):
        pc = ProblemCollector()
        for pos in np.flatnonzero(bad.to_numpy()):
            pc.add(
                f"value {raw.iloc[pos]!r} is not a number",
                f"值 {raw.iloc[pos]!r} 不是数字",
                row=int(pos) + 1,
                column=value,
                value=raw.iloc[pos],
            )
        pc.raise_if_any(
            InputError,
            f"Column `{value}` has {len(pc)} non-numeric value(s); fix or blank those cells.",
            f"列 `{value}` 有 {len(pc)} 个非数值单元格；请修正或清空这些单元格。",
        )
    x = num.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(x).any():
        raise InputError(
            f"Column `{value}` contains infinite values; replace them with real scores.",
            f"列 `{value}` 含有无穷大值；请替换为有效分数。",
        )
    keep = ~np.isnan(x) & grp.notna().to_numpy()
    dropped = int(keep.size - np.count_nonzero(keep))
    if isinstance(grp.dtype, pd.CategoricalDtype):
        # the categorical's own codes: no hashing (labels in category order, as factorize)
        cat_codes = grp.cat.codes.to_numpy()
        cats = list(grp.cat.categories)
        if grp.cat.ordered or _sorted(cats):
            return _keep_present(x, cat_codes, cats, keep, dropped)
    try:
        # code the whole column once (no copy of the Series), then keep the answered rows
        # and the groups that have answers (same labels and order as coding the subset)
        all_codes, all_labels = pd.factorize(grp, sort=True)
    except TypeError:  # labels of mixed types cannot be sorted: keep first-seen order
        codes, labels = pd.factorize(grp[keep], sort=False)
        return x[keep], codes.astype(np.int64), list(labels), dropped
    return _keep_present(x, all_codes, list(all_labels), keep, dropped)


def _sorted(labels: list[Any]) -> bool:
    try:
        return all(a < b for a, b in itertools.pairwise(labels))
    except TypeError:
        return False


def _keep_present(
    x: FloatArray,
    codes: npt.NDArray[np.integer[Any]],
    labels: list[Any],
    keep: npt.NDArray[np.bool_],
    dropped: int,
) -> tuple[FloatArray, IntArray, list[Any], int]:
    """Rows in ``keep`` and the groups that have them, recoded 0..k-1 in label order."""
    if dropped:
        x = x[keep]
        codes = codes[keep]
    present = np.bincount(codes, minlength=len(labels)) > 0
    if present.all():
        return x, codes.astype(np.int64), labels, dropped
    remap = np.cumsum(present) - 1
    kept = [lab for lab, p in zip(labels, present, strict=True) if p]
    return x, remap[codes].astype(np.int64), kept, dropped


# ---------------------------------------------------------------------------
# pieces (all vectorised; exposed privately for reuse by other core modules)
# ---------------------------------------------------------------------------


def _group_stats(
    x: FloatArray, codes: IntArray, k: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """n, mean and centred sum of squares per group, one bincount pass each."""
    n = np.bincount(codes, minlength=k).astype(np.float64)
    s = np.bincount(codes, weights=x, minlength=k)
    mean = s / n
    dev = x - mean[codes]
    ss = np.asarray(np.bincount(codes, weights=dev * dev, minlength=k), dtype=np.float64)
    return n, np.asarray(mean, dtype=np.float64), ss


def _oneway_from_stats(
    n: FloatArray, mean: FloatArray, ss: FloatArray
) -> tuple[float, float, float, float, float, float]:
    """(F, p, df_between, df_within, SSB, SSW) from per-group statistics."""
    k = n.size
    big_n = float(n.sum())
    grand = float((n * mean).sum() / big_n)
    ssb = float((n * (mean - grand) ** 2).sum())
    ssw = float(ss.sum())
    dfb = float(k - 1)
    dfw = big_n - k
    if ssw <= 0.0:
        f = np.inf if ssb > 0 else np.nan
    else:
        f = (ssb / dfb) / (ssw / dfw)
    p = float(stats.f.sf(f, dfb, dfw)) if np.isfinite(f) else (0.0 if f == np.inf else np.nan)
    return float(f), p, dfb, dfw, ssb, ssw


def _welch(n: FloatArray, mean: FloatArray, var: FloatArray) -> tuple[float, float, float]:
    """Welch (1951) F, p and denominator df; NaN if a group variance is zero."""
    k = n.size
    if np.any(var <= 0):
        return np.nan, np.nan, np.nan
    w = n / var
    sw = w.sum()
    mw = (w * mean).sum() / sw
    a = (w * (mean - mw) ** 2).sum() / (k - 1)
    tmp = ((1 - w / sw) ** 2 / (n - 1)).sum()
    b = 1 + 2 * (k - 2) / (k * k - 1) * tmp
    f = float(a / b)
    df2 = float((k * k - 1) / (3 * tmp))
    return f, float(stats.f.sf(f, k - 1, df2)), df2


def _kruskal(x: FloatArray, codes: IntArray, n: FloatArray, order: IntArray) -> tuple[float, float]:
    """Kruskal–Wallis H with tie correction, and its χ²(k−1) p-value.

    ``order`` sorts ``x`` (computed once and shared with the medians).
    """
    ranks, corr = _average_ranks(x, order)
    return _kruskal_from_ranks(ranks, corr, codes, n)


def _average_ranks(x: FloatArray, order: IntArray) -> tuple[FloatArray, float]:
    """Average ranks of ``x`` (ties share their mean rank) and the tie correction
    1 − Σ(t³ − t)/(N³ − N), from the sort ``order`` of ``x``."""
    size = x.size
    xs = x[order]
    new = np.empty(size, dtype=bool)
    new[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    start = np.flatnonzero(new)
    t = np.diff(np.append(start, size))
    ranks = np.empty(size)
    ranks[order] = np.repeat(start + (t + 1) / 2.0, t)
    tf = t.astype(np.float64)
    big_n = float(size)
    return ranks, 1.0 - float((tf**3 - tf).sum()) / (big_n**3 - big_n)


def _kruskal_from_ranks(
    ranks: FloatArray, corr: float, codes: IntArray, n: FloatArray
) -> tuple[float, float]:
    """Kruskal–Wallis H (tie-corrected) and p from precomputed average ranks."""
    rsum = np.asarray(np.bincount(codes, weights=ranks, minlength=n.size), dtype=np.float64)
    return _kruskal_from_sums(rsum, corr, n)


def _kruskal_from_sums(rsum: FloatArray, corr: float, n: FloatArray) -> tuple[float, float]:
    """Kruskal–Wallis H (tie-corrected) and p from the rank sums per group."""
    k = n.size
    big_n = float(n.sum())
    h = 12.0 / (big_n * (big_n + 1)) * float((rsum**2 / n).sum()) - 3 * (big_n + 1)
    if corr <= 0:
        return np.nan, np.nan
    h /= corr
    return float(h), float(stats.chi2.sf(h, k - 1))


def _levene(x: FloatArray, codes: IntArray, center: FloatArray, k: int) -> tuple[float, float]:
    """Levene-type W: one-way ANOVA F on |x − centre of its group|."""
    z = np.abs(x - center[codes])
    n, zm, zss = _group_stats(z, codes, k)
    f, p, *_ = _oneway_from_stats(n, zm, zss)
    return f, p


def _posthoc(
    labels: list[Any],
    n: FloatArray,
    mean: FloatArray,
    var: FloatArray,
    msw: float,
    dfw: float,
    alpha: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tukey HSD (Tukey–Kramer SEs for unequal n) and Games & Howell (1976) tables.

    Tukey: pooled SE sqrt(MSW/2 (1/n_a + 1/n_b)), df = N − k. Games–Howell: unpooled
    SEs, Welch–Satterthwaite df per pair. The studentized-range p-values and critical
    values of both tables are evaluated in one vectorised call each.
    """
    k = n.size
    i, j = np.triu_indices(k, k=1)  # pairs (later j) - (earlier i), as R's TukeyHSD prints them
    diff = mean[j] - mean[i]
    se_t = np.sqrt(msw / 2.0 * (1.0 / n[i] + 1.0 / n[j]))
    q_t = np.abs(diff) / se_t
    vi = var[i] / n[i]
    vj = var[j] / n[j]
    se2 = vi + vj
    with np.errstate(divide="ignore", invalid="ignore"):
        se_g = np.sqrt(se2)
        df_g = se2**2 / (vi**2 / (n[i] - 1) + vj**2 / (n[j] - 1))
        q_g = np.abs(diff) / se_g * np.sqrt(2.0)
    ok = se2 > 0
    m = diff.size
    p_all = _tukey_sf(
        np.concatenate([q_t, q_g[ok]]), k, np.concatenate([np.full(m, dfw), df_g[ok]])
    )
    crit = _tukey_quantile(1 - alpha, k, np.concatenate([[dfw], df_g[ok]]))
    qcrit = float(crit[0])
    p_g = np.full(m, np.nan)
    lo_g = np.full(m, np.nan)
    hi_g = np.full(m, np.nan)
    p_g[ok] = p_all[m:]
    crit_g = crit[1:] / np.sqrt(2.0)
    lo_g[ok] = diff[ok] - crit_g * se_g[ok]
    hi_g[ok] = diff[ok] + crit_g * se_g[ok]
    names = {"group_a": [labels[a] for a in j], "group_b": [labels[b] for b in i]}
    # the keys are POSTHOC_COLUMNS in order (naming columns= again costs a reindex)
    tukey = pd.DataFrame(
        {**names, "diff": diff, "se": se_t, "ci_low": diff - qcrit * se_t,
         "ci_high": diff + qcrit * se_t, "p_adj": p_all[:m]},
    )  # fmt: skip
    games_howell = pd.DataFrame(
        {**names, "diff": diff, "se": se_g, "ci_low": lo_g, "ci_high": hi_g, "p_adj": p_g},
    )
    return tukey, games_howell


def _medians(x: FloatArray, codes: IntArray, k: int, order: IntArray) -> FloatArray:
    """Per-group medians: a stable sort of the group codes on top of the value order."""
    # numpy's stable sort is a radix sort for 16-bit integers: ~3x faster on 1M rows
    small = codes.astype(np.int16) if k < 2**15 else codes
    by_group = order[np.argsort(small[order], kind="stable")]
    xs = x[by_group]
    n = np.bincount(codes, minlength=k)
    start = np.concatenate(([0], np.cumsum(n)[:-1]))
    lo = start + (n - 1) // 2
    hi = start + n // 2
    return np.asarray((xs[lo] + xs[hi]) / 2.0, dtype=np.float64)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def anova(
    data: pd.DataFrame | str | PathLike[str] | ParquetSource,
    value: str,
    group: str,
    *,
    alpha: float = 0.05,
    posthoc: PosthocChoice = "auto",
    engine: str = "memory",
) -> AnovaResult:
    """Compare ``value`` across the levels of ``group``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent. Rows with an empty value or group are dropped
        (and counted in ``n_missing``).
    value : str
        Numeric column (a score, a gap, a waiting time).
    group : str
        Grouping column (site, channel, customer type...). Groups are sorted.
    alpha : float, default 0.05
        Level of the post-hoc confidence intervals (1 − alpha) and of the
        Levene test that picks the post-hoc method.
    posthoc : {"auto", "tukey", "games_howell"}, default "auto"
        Which post-hoc table goes into ``posthoc``. ``"auto"`` uses
        Games–Howell when Levene's test rejects equal variances at ``alpha``,
        else Tukey. Both tables are always returned.
    engine : {"memory", "duckdb"}, default "memory"
        Where the (group, value) histogram is computed: numpy on ``data`` (a
        DataFrame), or DuckDB on ``data`` given as the path of a Parquet file or
        folder (:mod:`servgap.engines.duckdb`; only the histogram enters Python).

    Returns
    -------
    AnovaResult

    Raises
    ------
    InputError
        Missing columns, non-numeric values (all listed), or a value that is the
        same for every respondent.
    InsufficientDataError
        Fewer than 2 groups, or a group with fewer than 2 respondents (named).
    SpecError
        ``alpha`` outside (0, 1) or an unknown ``posthoc``.

    Notes
    -----
    With group sizes :math:`n_i`, means :math:`\\bar x_i`, variances :math:`s_i^2`,
    :math:`N = \\sum n_i`:

    * F = [SSB/(k−1)] / [SSW/(N−k)]; η² = SSB/SST; ω² = (SSB − (k−1)MSW)/(SST + MSW).
    * Welch: :math:`w_i = n_i/s_i^2`, :math:`\\tilde x = \\sum w_i \\bar x_i / \\sum w_i`,
      :math:`F_W = \\frac{\\sum w_i(\\bar x_i-\\tilde x)^2/(k-1)}{1 + \\frac{2(k-2)}{k^2-1}\\Lambda}`,
      :math:`\\Lambda = \\sum (1-w_i/\\sum w)^2/(n_i-1)`, df₂ = (k²−1)/(3Λ).
    * Kruskal–Wallis: :math:`H = \\frac{12}{N(N+1)}\\sum R_i^2/n_i - 3(N+1)`, divided by
      :math:`1-\\sum(t^3-t)/(N^3-N)` for ties.
    * Levene / Brown–Forsythe: the one-way F on :math:`|x - \\bar x_i|` / :math:`|x - \\tilde x_i|`.
    * Tukey–Kramer: :math:`q = |\\bar x_a-\\bar x_b| / \\sqrt{MSW/2\\,(1/n_a+1/n_b)}` against the
      studentized range with (k, N−k) df; CI = diff ± q_{1−α} · SE.
    * Games–Howell: SE = :math:`\\sqrt{s_a^2/n_a + s_b^2/n_b}`, Welch–Satterthwaite df,
      :math:`q = \\sqrt2\\,|t|`; CI = diff ± q_{1−α}/√2 · SE.

    Checked against: R ``aov``/``TukeyHSD`` on PlantGrowth and warpbreaks, R
    ``oneway.test`` and ``kruskal.test`` printed examples, pingouin's documented
    outputs (Welch ANOVA, Kruskal, Tukey and Games–Howell on its ``anova`` and
    ``penguins`` data), and scipy (f_oneway, levene, kruskal, tukey_hsd) run in the tests.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values. *Biometrika* 38, 330–336.
    Kruskal, W. H. & Wallis, W. A. (1952). *JASA* 47(260), 583–621.
    Levene, H. (1960). In *Contributions to Probability and Statistics*, Stanford UP.
    Brown, M. B. & Forsythe, A. B. (1974). *JASA* 69(346), 364–367.
    Tukey, J. W. (1949); Kramer, C. Y. (1956). *Biometrics* 12(3), 307–310.
    Games, P. A. & Howell, J. F. (1976). *J. Educational Statistics* 1(2), 113–125.
    Olejnik, S. & Algina, J. (2003). Generalized eta and omega squared. *Psych. Methods* 8(4).

    Implementation: the (group, value) histogram of the answers gives the group
    means, sums of squares, medians, average ranks and Levene deviations. Scores that
    are whole numbers or means of up to ten whole numbers (answers, gaps, dimension
    scores) are binned straight from the columns
    (:func:`servgap.core.suffstats.grid_histogram`: one chunked pass and one
    ``np.bincount``, no copy, no hashing); other values by
    :func:`servgap.core.suffstats.value_histogram` (one hash pass); when the values
    hardly repeat (more than a million groups × distinct values) the sort-based path
    is used. All paths give the same numbers (tested to 1e-10).
    """
    if engine != "memory":
        from servgap.engines import check_engine, histogram

        check_engine(engine)
        return _anova(
            pd.DataFrame(), value, group, alpha=alpha, posthoc=posthoc, use_histogram=True,
            histogram=histogram(engine, data, value, group, what="value"),
        )  # fmt: skip
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"anova() needs a pandas DataFrame, got {type(data).__name__} (a Parquet path "
            "needs engine='duckdb').",
            f"anova() 需要 pandas DataFrame，收到的是 {type(data).__name__}"
            "（Parquet 路径需要 engine='duckdb'）。",
        )
    return _anova(
        data, value, group, alpha=alpha, posthoc=posthoc, use_histogram=True,
        histogram=_grid_prepare(data, value, group),
    )  # fmt: skip


def _grid_prepare(data: pd.DataFrame, value: str, group: str) -> tuple[ValueHistogram, int] | None:
    """The (group, value) histogram straight from the columns, when the scores lie on a grid.

    For numbers (float or integer columns) whose values are whole numbers or means of a
    few whole numbers (:func:`servgap.core.suffstats.grid_histogram`): no copy of the
    answered rows, no hashing of the values. ``None`` (the general path of
    :func:`_prepare` then runs, with its checks and messages) for other data.
    """
    if value not in data.columns or group not in data.columns:
        return None
    raw = data[value]
    if not (isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "fiu"):
        return None
    grp = data[group]
    if isinstance(grp.dtype, pd.CategoricalDtype) and (
        grp.cat.ordered or _sorted(list(grp.cat.categories))
    ):
        codes: npt.NDArray[np.integer[Any]] = grp.cat.codes.to_numpy()
        labels = list(grp.cat.categories)
    else:
        try:
            codes, uniq = sorted_codes(grp)  # a text column's codes are remembered
        except TypeError:
            return None
        labels = list(uniq)
    x = raw.to_numpy(dtype=np.float64)
    built = grid_histogram(x, codes, labels)
    if built is None:
        return None
    hist, dropped = built
    present = hist.n > 0
    if not present.all():
        hist = ValueHistogram(
            groups=tuple(g for g, p in zip(hist.groups, present, strict=True) if p),
            values=hist.values,
            counts=hist.counts[present],
        )
    return hist, dropped


def _anova(
    data: pd.DataFrame,
    value: str,
    group: str,
    *,
    alpha: float,
    posthoc: PosthocChoice,
    use_histogram: bool,
    histogram: tuple[ValueHistogram, int] | None = None,
) -> AnovaResult:
    """:func:`anova`, from the value histogram or (``use_histogram=False``) sorted rows.

    ``histogram`` = (a (group, value) histogram computed elsewhere, rows dropped) skips
    the rows altogether: another engine gathered the statistics.
    """
    if not (isinstance(alpha, int | float) and 0.0 < float(alpha) < 1.0):
        raise SpecError(
            f"alpha must be strictly between 0 and 1, got {alpha!r}; use e.g. 0.05.",
            f"alpha 必须在 0 和 1 之间（不含端点），收到 {alpha!r}；请使用例如 0.05。",
        )
    if posthoc not in ("auto", "tukey", "games_howell"):
        raise SpecError(
            f"posthoc must be 'auto', 'tukey' or 'games_howell', got {posthoc!r}.",
            f"posthoc 必须是 'auto'、'tukey' 或 'games_howell'，收到 {posthoc!r}。",
        )
    given: ValueHistogram | None = None
    if histogram is not None:  # computed elsewhere (another engine): no rows here
        given, dropped = histogram
        labels = list(given.groups)
        x = np.zeros(0)
        codes = np.zeros(0, dtype=np.int64)
    else:
        x, codes, labels, dropped = _prepare(data, value, group)
    k = len(labels)
    if k < 2:
        raise InsufficientDataError(
            f"Column `{group}` has {k} group(s) with data ({labels}); at least 2 are needed "
            "to compare groups.",
            f"列 `{group}` 只有 {k} 个有数据的组（{labels}）；比较至少需要 2 个组。",
        )
    n_int = given.n if given is not None else np.bincount(codes, minlength=k)
    size = int(n_int.sum())
    small = [(labels[i], int(n_int[i])) for i in range(k) if n_int[i] < 2]
    if small:
        desc = ", ".join(f"{g!r} (n={c})" for g, c in small)
        raise InsufficientDataError(
            f"Group(s) {desc} in `{group}` have fewer than 2 respondents; merge or drop them.",
            f"`{group}` 中的组 {desc} 少于 2 名受访者；请合并或删除这些组。",
        )
    first = float(given.values[0]) if given is not None else float(x[0])
    if (given.values.size == 1) if given is not None else float(np.ptp(x)) == 0.0:
        raise InputError(
            f"Column `{value}` has the same value {first} for all {size} respondents; "
            "there is nothing to compare.",
            f"列 `{value}` 的全部 {size} 名受访者取值都是 {first}；没有可比较的差异。",
        )

    if given is not None:
        hist: ValueHistogram | None = given
    else:
        hist = value_histogram(x, codes, labels) if use_histogram else None
    if hist is not None:
        # sufficient statistics: the (group, value) histogram gives every piece below
        n = hist.n.astype(np.float64)
        mean = hist.mean()
        ss = hist.centred_ss(mean)
    else:
        n, mean, ss = _group_stats(x, codes, k)
    var = ss / (n - 1)
    f, p, dfb, dfw, ssb, ssw = _oneway_from_stats(n, mean, ss)
    msw = ssw / dfw
    sst = ssb + ssw
    eta2 = ssb / sst
    omega2 = (ssb - dfb * msw) / (sst + msw)

    notes: list[str] = []
    zero_var = [labels[i] for i in range(k) if var[i] <= 0]
    if zero_var:
        notes.append(
            f"group(s) {zero_var} have zero variance: Welch's F and the Games–Howell rows "
            "involving them are undefined (NaN)"
        )
    welch_f, welch_p, welch_df = _welch(n, mean, var)
    if hist is not None:
        rsum, corr = hist.rank_sums()
        kh, kp = _kruskal_from_sums(rsum, corr, n)
        lev_w, lev_p = _oneway_from_stats(*hist.abs_deviation_stats(mean))[:2]
        med = hist.medians()
        bf_w, bf_p = _oneway_from_stats(*hist.abs_deviation_stats(med))[:2]
        mins, maxs = hist.minmax()
    else:
        order = np.argsort(x, kind="stable")
        kh, kp = _kruskal(x, codes, n, order)
        lev_w, lev_p = _levene(x, codes, mean, k)
        med = _medians(x, codes, k, order)
        bf_w, bf_p = _levene(x, codes, med, k)
        mins = np.full(k, np.inf)
        maxs = np.full(k, -np.inf)
        np.minimum.at(mins, codes, x)
        np.maximum.at(maxs, codes, x)

    tk, gh = _posthoc(labels, n, mean, var, msw, dfw, alpha)
    if posthoc == "auto":
        if np.isfinite(lev_p) and lev_p < alpha:
            method = "games_howell"
            why_en = (
                f"Levene's test rejects equal variances (W = {lev_w:.3f}, p = {lev_p:.3g} < "
                f"alpha = {alpha}), so Games–Howell, which does not pool variances, is used."
            )
            why_zh = (
                f"Levene 检验拒绝方差齐性（W = {lev_w:.3f}，p = {lev_p:.3g} < alpha = {alpha}），"
                "因此采用不合并方差的 Games–Howell 检验。"
            )
        else:
            method = "tukey"
            why_en = (
                f"Levene's test does not reject equal variances (W = {lev_w:.3f}, p = {lev_p:.3g} "
                f">= alpha = {alpha}), so Tukey HSD (Tukey–Kramer for unequal n) is used."
            )
            why_zh = (
                f"Levene 检验未拒绝方差齐性（W = {lev_w:.3f}，p = {lev_p:.3g} >= alpha = {alpha}），"
                "因此采用 Tukey HSD（样本量不等时为 Tukey–Kramer）。"
            )
    else:
        method = posthoc
        why_en = f"requested by the caller (posthoc={posthoc!r})"
        why_zh = f"由调用方指定（posthoc={posthoc!r}）"

    descriptives = pd.DataFrame(
        {
            "group": labels,
            "n": n_int,
            "mean": mean,
            "sd": np.sqrt(var),
            "se": np.sqrt(var / n),
            "median": med,
            "min": mins,
            "max": maxs,
        }
    )
    return AnovaResult(
        value=value,
        group=group,
        n=size,
        k=k,
        n_missing=dropped,
        f=f,
        p=p,
        df_between=dfb,
        df_within=dfw,
        ss_between=ssb,
        ss_within=ssw,
        ms_within=msw,
        eta_squared=eta2,
        omega_squared=omega2,
        welch_f=welch_f,
        welch_p=welch_p,
        welch_df_within=welch_df,
        kruskal_h=kh,
        kruskal_df=dfb,
        kruskal_p=kp,
        levene_w=lev_w,
        levene_p=lev_p,
        brown_forsythe_w=bf_w,
        brown_forsythe_p=bf_p,
        alpha=float(alpha),
        descriptives=descriptives,
        tukey=tk,
        games_howell=gh,
        posthoc=gh if method == "games_howell" else tk,
        posthoc_method=method,
        posthoc_reason_en=why_en,
        posthoc_reason_zh=why_zh,
        notes=tuple(notes),
    )
