"""Service-recovery analytics: justice scales, the recovery paradox, what works.

* **Perceived justice** of a complaint's handling (Tax, Brown & Chandrashekaran
  1998; Smith, Bolton & Wagner 1999): distributive (the outcome: refund,
  compensation), procedural (speed, flexibility of the process) and
  interactional (apology, courtesy, explanation). Scale score = mean of its
  items; internal consistency by Cronbach's alpha (raw and standardised).
* **Recovery paradox** (McCollough & Bharadwaj 1992): satisfaction after a
  well-handled failure can exceed satisfaction before it. The meta-analysis of
  de Matos, Henrique & Rossi (2007) found the effect on satisfaction but not on
  loyalty. Tested here as a paired comparison of sat_before vs sat_after:
  paired t-test, Wilcoxon signed-rank and Cohen's d_z with a noncentral-t CI,
  overall and by subgroup.
* **What works**: satisfaction after recovery by action type, speed band and
  compensation band, and an OLS regression on action dummies, speed and
  compensation.
* **Complaints on the SERVQUAL map**: complaint categories mapped to the five
  dimensions (:data:`SERVQUAL_MAP`) and set next to survey MSA gaps.

Alpha is computed here (a few lines) rather than imported, to keep this module
self-contained; it is tested against the Hoyt (1941) ANOVA identity
alpha = 1 − MS_residual/MS_persons run through statsmodels ``anova_lm``.

References
----------
Tax, S. S., Brown, S. W. & Chandrashekaran, M. (1998). Customer evaluations of
service complaint experiences. *Journal of Marketing* 62(2), 60–76.
Smith, A. K., Bolton, R. N. & Wagner, J. (1999). A model of customer
satisfaction with service encounters involving failure and recovery.
*Journal of Marketing Research* 36(3), 356–372.
McCollough, M. A. & Bharadwaj, S. G. (1992). The recovery paradox. In
*AMA Educators' Proceedings* 3, 119.
de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service recovery
paradox: a meta-analysis. *Journal of Service Research* 10(1), 60–77.
Lakens, D. (2013). Calculating and reporting effect sizes to facilitate
cumulative science. *Frontiers in Psychology* 4:863 (d_z = t/√n).
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika* 16(3), 297–334. Hoyt, C. (1941). Test reliability estimated
by analysis of variance. *Psychometrika* 6(3), 153–160.
Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL. *Journal of
Retailing* 64(1), 12–40.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError, InsufficientDataError, SpecError
from servgap.core.reliability import cronbach_alpha

FloatArray = npt.NDArray[np.float64]

#: Default justice scales for the demo recovery survey.
JUSTICE_SCALES: dict[str, tuple[str, ...]] = {
    "distributive": ("dist1", "dist2", "dist3"),
    "procedural": ("proc1", "proc2", "proc3"),
    "interactional": ("inter1", "inter2", "inter3"),
}
JUSTICE_LABELS: dict[str, tuple[str, str]] = {
    "distributive": ("Distributive justice", "结果公平"),
    "procedural": ("Procedural justice", "程序公平"),
    "interactional": ("Interactional justice", "互动公平"),
}


def _need_cols(df: pd.DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(
            f"Column(s) {missing} are missing (available: {list(df.columns)}); pass the "
            "column names explicitly.",
            f"缺少列 {missing}（现有列：{list(df.columns)}）；请显式指定列名。",
        )


@dataclass(frozen=True)
class JusticeScores(ResultMixin):
    """Justice scale scores.

    ``scores``: one row per respondent, one column per scale (item mean; NaN
    where an item is missing, flagged by ``complete_<scale>`` False).
    ``scales``: ``scale, label_en, label_zh, k, n, mean, sd, alpha, alpha_std``.
    """

    scores: pd.DataFrame
    scales: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.scales.copy()


def justice_scores(
    df: pd.DataFrame,
    *,
    scales: Mapping[str, Sequence[str]] = JUSTICE_SCALES,
    scale_range: tuple[float, float] = (1.0, 7.0),
    id_col: str | None = None,
) -> JusticeScores:
    """Distributive / procedural / interactional justice scores and alphas.

    Items must lie on ``scale_range``; a respondent's scale score needs all of
    that scale's items (otherwise NaN with ``complete_<scale>`` False).
    """
    cols = [c for items in scales.values() for c in items]
    _need_cols(df, cols + ([id_col] if id_col else []))
    lo, hi = scale_range
    vals = df[cols].apply(pd.to_numeric, errors="coerce")
    bad = vals.notna() & ((vals < lo) | (vals > hi))
    if bad.to_numpy().any():
        r, c = np.nonzero(bad.to_numpy())
        from servgap.core.errors import ProblemCollector

        pc = ProblemCollector()
        for i, j in zip(r.tolist(), c.tolist(), strict=True):
            pc.add(
                f"answer outside the {lo:g}–{hi:g} scale.",
                f"答案超出 {lo:g}–{hi:g} 量表。",
                row=i + 1,
                column=cols[j],
                value=float(vals.iat[i, j]),
            )
        pc.raise_if_any(
            InputError, "Justice items outside the scale.", "公平感题目答案超出量表范围。"
        )
    scores = pd.DataFrame(index=df.index)
    if id_col:
        scores[id_col] = df[id_col]
    rows: list[dict[str, Any]] = []
    for name, items in scales.items():
        block = vals[list(items)]
        complete = block.notna().all(axis=1)
        scores[name] = block.mean(axis=1).where(complete)
        scores[f"complete_{name}"] = complete
        a = cronbach_alpha(block)
        s = scores[name][complete]
        en, zh = JUSTICE_LABELS.get(name, (name, name))
        rows.append(
            {
                "scale": name,
                "label_en": en,
                "label_zh": zh,
                "k": len(items),
                "n": int(complete.sum()),
                "mean": float(s.mean()),
                "sd": float(s.std(ddof=1)),
                "alpha": a.alpha,
                "alpha_std": a.standardized_alpha,
            }
        )
    return JusticeScores(scores=scores.reset_index(drop=True), scales=pd.DataFrame(rows))


# --------------------------------------------------------------------------- paired test


def dz_confidence_interval(t: float, n: int, level: float = 0.95) -> tuple[float, float, str]:
    """CI of d_z = t/√n by inverting the noncentral t distribution.

    Find λ_L, λ_U with P(T ≤ t | df=n−1, nc=λ_L) = 1 − α/2 and
    P(T ≤ t | nc=λ_U) = α/2; the CI is (λ_L/√n, λ_U/√n) (Cumming & Finch 2001,
    as implemented in R effectsize / MBESS). Returns ``(low, high, method)``
    with method ``"noncentral_t"``; where scipy's noncentral t cannot be
    evaluated (very large df far in the tail, it returns NaN) the normal
    approximation d ± z·√(1/n + d²/(2n)) is used and method is ``"normal"``.
    """
    from scipy import optimize, stats

    df = n - 1
    a = 1.0 - level
    spread = math.sqrt(1.0 + t * t / (2.0 * df))

    def solve(prob: float) -> float:
        def f(nc: float) -> float:
            v = float(stats.nct.cdf(t, df, nc)) - prob
            if math.isnan(v):
                raise ArithmeticError("nct.cdf is NaN")
            return v

        step = 4.0 * spread
        lo, hi = t - step, t + step
        for _ in range(60):
            if f(lo) >= 0:
                break
            lo -= step
        for _ in range(60):
            if f(hi) <= 0:
                break
            hi += step
        return float(optimize.brentq(f, lo, hi, xtol=1e-12))

    try:
        lam_l = solve(1.0 - a / 2.0)
        lam_u = solve(a / 2.0)
    except (ArithmeticError, ValueError):
        d = t / math.sqrt(n)
        z = float(stats.norm.ppf(1.0 - a / 2.0))
        half = z * math.sqrt(1.0 / n + d * d / (2.0 * n))
        return d - half, d + half, "normal"
    return lam_l / math.sqrt(n), lam_u / math.sqrt(n), "noncentral_t"


@dataclass(frozen=True)
class PairedComparison(ResultMixin):
    """Paired before/after comparison (one row per group in ``table``).

    Columns: ``group, n, mean_before, mean_after, mean_diff, sd_diff, t, df,
    p_t, ci_low, ci_high`` (CI of the mean difference), ``wilcoxon_w, p_wilcoxon,
    d_z, d_z_ci_low, d_z_ci_high, paradox, enough_data, note``. diff = after −
    before; ``paradox`` is True when after > before with p_t < alpha.
    """

    table: pd.DataFrame
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _paired_row(group: str, before: FloatArray, after: FloatArray, alpha: float) -> dict[str, Any]:
    from scipy import stats

    d = after - before
    n = int(d.size)
    row: dict[str, Any] = {
        "group": group,
        "n": n,
        "mean_before": float(before.mean()) if n else math.nan,
        "mean_after": float(after.mean()) if n else math.nan,
        "mean_diff": float(d.mean()) if n else math.nan,
        "sd_diff": math.nan,
        "t": math.nan,
        "df": n - 1,
        "p_t": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "wilcoxon_w": math.nan,
        "p_wilcoxon": math.nan,
        "d_z": math.nan,
        "d_z_ci_low": math.nan,
        "d_z_ci_high": math.nan,
        "paradox": False,
        "enough_data": False,
        "note": "",
    }
    if n < 3:
        row["note"] = f"n = {n} < 3 pairs: no test"
        return row
    sd = float(d.std(ddof=1))
    row["sd_diff"] = sd
    if sd == 0.0:
        row["note"] = "all differences equal: t undefined"
        return row
    tt = stats.ttest_rel(after, before)
    t = float(tt.statistic)
    se = sd / math.sqrt(n)
    q = float(stats.t.ppf(1 - alpha / 2, n - 1))
    row.update(
        t=t,
        p_t=float(tt.pvalue),
        ci_low=float(d.mean() - q * se),
        ci_high=float(d.mean() + q * se),
        d_z=t / math.sqrt(n),
        enough_data=True,
    )
    lo, hi, method = dz_confidence_interval(t, n, 1 - alpha)
    row.update(d_z_ci_low=lo, d_z_ci_high=hi)
    if method != "noncentral_t":
        row["note"] = "d_z CI by normal approximation (noncentral t not computable)"
    if np.count_nonzero(d) >= 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # scipy notes ties / normal approx
            nz = d[d != 0]
            exact = nz.size < 50 and nz.size == d.size and np.unique(np.abs(nz)).size == nz.size
            w = stats.wilcoxon(
                after,
                before,
                zero_method="wilcox",
                correction=not exact,
                method="exact" if exact else "approx",
            )
        row.update(wilcoxon_w=float(w.statistic), p_wilcoxon=float(w.pvalue))
    row["paradox"] = bool(row["mean_diff"] > 0 and row["p_t"] < alpha)
    return row


def recovery_paradox(
    df: pd.DataFrame,
    *,
    before_col: str = "sat_before",
    after_col: str = "sat_after",
    group_col: str | None = None,
    alpha: float = 0.05,
) -> PairedComparison:
    """Satisfaction before the failure vs after recovery (the recovery paradox).

    For all rows (group ``"all"``) and, if ``group_col`` is given, for each of
    its values (e.g. a speed band): paired t-test (``scipy.stats.ttest_rel``),
    Wilcoxon signed-rank (``scipy.stats.wilcoxon``, zeros dropped; exact for
    n < 50 without ties or zeros, else the tie-corrected normal approximation
    with continuity correction — the rule of R ``wilcox.test``), and Cohen's
    d_z.

    Notes
    -----
    diff_i = after_i − before_i; t = mean(diff)/(sd(diff)/√n), df = n − 1;
    d_z = mean(diff)/sd(diff) = t/√n (Lakens 2013, eq. 7); CI of d_z by the
    noncentral t (:func:`dz_confidence_interval`). Rows with a missing value in
    either column are dropped (pairwise complete).
    """
    _need_cols(df, [before_col, after_col] + ([group_col] if group_col else []))
    if not 0 < alpha < 1:
        raise SpecError(
            f"alpha must be in (0, 1); got {alpha}.", f"alpha 须在 (0,1) 内；当前为 {alpha}。"
        )
    b = pd.to_numeric(df[before_col], errors="coerce")
    a = pd.to_numeric(df[after_col], errors="coerce")
    ok = b.notna() & a.notna()
    if int(ok.sum()) < 3:
        raise InsufficientDataError(
            f"Need at least 3 complete before/after pairs; got {int(ok.sum())}.",
            f"至少需要 3 组完整的前后评分；当前 {int(ok.sum())} 组。",
        )
    rows = [_paired_row("all", b[ok].to_numpy(float), a[ok].to_numpy(float), alpha)]
    if group_col:
        g = df[group_col]
        for level in sorted(g[ok].dropna().unique().tolist(), key=str):
            m = ok & (g == level)
            rows.append(_paired_row(str(level), b[m].to_numpy(float), a[m].to_numpy(float), alpha))
    return PairedComparison(table=pd.DataFrame(rows), alpha=alpha)


# --------------------------------------------------------------------------- outcomes


DEFAULT_SPEED_EDGES_H: tuple[float, ...] = (0.0, 24.0, 72.0, math.inf)
DEFAULT_COMP_EDGES_CNY: tuple[float, ...] = (0.0, 50.0, 200.0, math.inf)


def speed_band(hours: npt.ArrayLike, edges: Sequence[float] = DEFAULT_SPEED_EDGES_H) -> pd.Series:
    """Label hours to resolve with bands ``"0–24h"``, ``"24–72h"``, ``">72h"``.

    Bands are right-closed: (lo, hi]; 0 falls into the first band.
    """
    h = pd.Series(np.asarray(hours, dtype=np.float64))
    labels = [
        (f">{edges[i]:g}h" if math.isinf(edges[i + 1]) else f"{edges[i]:g}–{edges[i + 1]:g}h")
        for i in range(len(edges) - 1)
    ]
    return pd.cut(h, bins=list(edges), labels=labels, right=True, include_lowest=True).astype(str)


def compensation_band(
    cny: npt.ArrayLike, edges: Sequence[float] = DEFAULT_COMP_EDGES_CNY
) -> pd.Series:
    """Label compensation: ``"none"`` for 0, then (lo, hi] bands in CNY."""
    v = pd.Series(np.asarray(cny, dtype=np.float64))
    labels = [
        (f">{edges[i]:g} CNY" if math.isinf(edges[i + 1]) else f"{edges[i]:g}–{edges[i + 1]:g} CNY")
        for i in range(len(edges) - 1)
    ]
    out = pd.cut(v, bins=list(edges), labels=labels, right=True).astype(str)
    return out.where(v > 0, "none")


def mean_table(values: pd.Series, groups: pd.Series, level: float = 0.95) -> pd.DataFrame:
    """``group, n, mean, sd, ci_low, ci_high`` (t-interval) per group.

    Groups with n < 2 get no sd/CI and ``enough_data`` False.
    """
    from scipy import stats

    rows: list[dict[str, Any]] = []
    frame = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce"), "g": groups}).dropna()
    for g, sub in frame.groupby("g", sort=True):
        x = sub["v"].to_numpy(float)
        n = x.size
        row: dict[str, Any] = {"group": g, "n": n, "mean": float(x.mean())}
        if n >= 2:
            sd = float(x.std(ddof=1))
            half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
            row.update(
                sd=sd, ci_low=row["mean"] - half, ci_high=row["mean"] + half, enough_data=True
            )
        else:
            row.update(sd=math.nan, ci_low=math.nan, ci_high=math.nan, enough_data=False)
        rows.append(row)
    return pd.DataFrame(
        rows, columns=["group", "n", "mean", "sd", "ci_low", "ci_high", "enough_data"]
    )


@dataclass(frozen=True)
class OlsTable(ResultMixin):
    """OLS coefficients ``term, coef, se, t, p, ci_low, ci_high`` and fit stats."""

    coefficients: pd.DataFrame
    n: int
    r2: float
    adj_r2: float
    dropped: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def ols_table(X: pd.DataFrame, y: npt.ArrayLike, *, add_const: bool = True) -> OlsTable:
    """OLS by statsmodels with a tidy coefficient table.

    Columns that are constant or exactly collinear with earlier ones (rank
    check by QR) are dropped and listed in ``dropped``.
    """
    import statsmodels.api as sm

    yv = np.asarray(y, dtype=np.float64)
    Xd = X.astype(float)
    keep: list[str] = []
    dropped: list[str] = []
    base = np.ones((len(Xd), 1)) if add_const else np.zeros((len(Xd), 0))
    for c in Xd.columns:
        cand = np.column_stack([base, Xd[[*keep, c]].to_numpy()])
        if np.linalg.matrix_rank(cand) == cand.shape[1]:
            keep.append(str(c))
        else:
            dropped.append(str(c))
    design = Xd[keep]
    if add_const:
        design = sm.add_constant(design, has_constant="add")
    if len(yv) <= design.shape[1]:
        raise InsufficientDataError(
            f"OLS needs more rows ({len(yv)}) than terms ({design.shape[1]}).",
            f"OLS 需要的样本数（{len(yv)}）须多于参数个数（{design.shape[1]}）。",
        )
    res = sm.OLS(yv, design).fit()
    ci = np.asarray(res.conf_int(0.05), dtype=np.float64)
    coefs = pd.DataFrame(
        {
            "term": [str(t) for t in design.columns],
            "coef": np.asarray(res.params, dtype=np.float64),
            "se": np.asarray(res.bse, dtype=np.float64),
            "t": np.asarray(res.tvalues, dtype=np.float64),
            "p": np.asarray(res.pvalues, dtype=np.float64),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
        }
    )
    return OlsTable(
        coefficients=coefs,
        n=int(res.nobs),
        r2=float(res.rsquared),
        adj_r2=float(res.rsquared_adj),
        dropped=tuple(dropped),
    )


@dataclass(frozen=True)
class RecoveryOutcomes(ResultMixin):
    """Satisfaction after recovery by action, speed and compensation.

    ``by_action``: ``action, n, mean, sd, ci_low, ci_high, enough_data`` (a case
    with several actions counts under each). ``by_speed`` / ``by_compensation``:
    same columns with ``band``. ``regression``: :class:`OlsTable` of sat_after on
    action dummies (``action_<code>``), ``resolve_h_per_24`` (hours to resolve /
    24) and ``compensation_per_100cny``.
    """

    by_action: pd.DataFrame
    by_speed: pd.DataFrame
    by_compensation: pd.DataFrame
    regression: OlsTable

    def to_frame(self) -> pd.DataFrame:
        return self.regression.coefficients.copy()


def _hours_between(df: pd.DataFrame, start_col: str, end_col: str) -> pd.Series:
    s = pd.to_datetime(df[start_col], utc=True)
    e = pd.to_datetime(df[end_col], utc=True)
    h = (e - s).dt.total_seconds() / 3600.0
    neg = h < 0
    if bool(neg.any()):
        rows = (np.flatnonzero(neg.to_numpy()) + 1).tolist()[:20]
        raise InputError(
            f"{end_col} is before {start_col} in row(s) {rows}.",
            f"第 {rows} 行的 {end_col} 早于 {start_col}。",
        )
    return h


def recovery_outcomes(
    df: pd.DataFrame,
    *,
    actions_col: str = "actions",
    sat_after_col: str = "sat_after",
    compensation_col: str = "compensation_cny",
    resolve_hours_col: str | None = None,
    opened_col: str | None = "received_at",
    resolved_col: str | None = "resolved_at",
    action_sep: str = ";",
    speed_edges_h: Sequence[float] = DEFAULT_SPEED_EDGES_H,
    compensation_edges_cny: Sequence[float] = DEFAULT_COMP_EDGES_CNY,
) -> RecoveryOutcomes:
    """Recovery outcome tables and the OLS of sat_after on what was done.

    Hours to resolve come from ``resolve_hours_col`` if given, else from
    ``resolved_col − opened_col``. Actions are a ``action_sep``-separated list of
    action codes (:data:`servgap.core.cases.RECOVERY_ACTIONS`).

    Notes
    -----
    sat_after = β0 + Σ_a β_a·[action a taken] + β_s·hours/24 + β_c·CNY/100 + ε.
    Action dummies are multi-hot (a case can have several actions); a dummy
    that is constant (e.g. every case got an apology) or collinear is dropped
    and listed in ``regression.dropped``.
    """
    from servgap.core.cases import RECOVERY_ACTIONS

    _need_cols(df, [actions_col, sat_after_col, compensation_col])
    if resolve_hours_col is not None:
        _need_cols(df, [resolve_hours_col])
        hours = pd.to_numeric(df[resolve_hours_col], errors="coerce")
    else:
        if opened_col is None or resolved_col is None:
            raise SpecError(
                "Give resolve_hours_col= or both opened_col= and resolved_col=.",
                "请提供 resolve_hours_col=，或同时提供 opened_col= 与 resolved_col=。",
            )
        _need_cols(df, [opened_col, resolved_col])
        hours = _hours_between(df, opened_col, resolved_col)
    sat = pd.to_numeric(df[sat_after_col], errors="coerce")
    comp = pd.to_numeric(df[compensation_col], errors="coerce").fillna(0.0)
    acts = df[actions_col].fillna("").astype(str)
    lists = [[a.strip() for a in s.split(action_sep) if a.strip()] for s in acts]
    unknown = sorted({a for lst in lists for a in lst} - set(RECOVERY_ACTIONS))
    if unknown:
        raise InputError(
            f"Unknown recovery action code(s) {unknown}; use {list(RECOVERY_ACTIONS)}.",
            f"未知的补救措施代码 {unknown}；请使用 {list(RECOVERY_ACTIONS)}。",
        )
    ok = (sat.notna() & hours.notna()).to_numpy()
    if int(ok.sum()) < 3:
        raise InsufficientDataError(
            f"Need at least 3 recoveries with sat_after and a resolution time; got {int(ok.sum())}.",
            f"至少需要 3 条含补救后满意度和解决时长的记录；当前 {int(ok.sum())} 条。",
        )
    sat_ok = sat[ok].reset_index(drop=True)
    lists_ok = [lst for lst, k in zip(lists, ok, strict=True) if k]
    exploded = pd.DataFrame(
        [(i, a) for i, lst in enumerate(lists_ok) for a in lst], columns=["row", "action"]
    )
    by_action = mean_table(sat_ok.iloc[exploded["row"]].reset_index(drop=True), exploded["action"])
    by_action = by_action.rename(columns={"group": "action"})
    h_ok = hours[ok].reset_index(drop=True)
    c_ok = comp[ok].reset_index(drop=True)
    by_speed = mean_table(sat_ok, speed_band(h_ok, speed_edges_h)).rename(columns={"group": "band"})
    by_comp = mean_table(sat_ok, compensation_band(c_ok, compensation_edges_cny)).rename(
        columns={"group": "band"}
    )
    codes = [a for a in RECOVERY_ACTIONS if any(a in lst for lst in lists_ok)]
    X = pd.DataFrame({f"action_{a}": [1.0 if a in lst else 0.0 for lst in lists_ok] for a in codes})
    X["resolve_h_per_24"] = h_ok / 24.0
    X["compensation_per_100cny"] = c_ok / 100.0
    reg = ols_table(X, sat_ok.to_numpy(float))
    return RecoveryOutcomes(
        by_action=by_action, by_speed=by_speed, by_compensation=by_comp, regression=reg
    )


# --------------------------------------------------------------------------- SERVQUAL map

SERVQUAL_DIMENSIONS: tuple[str, ...] = (
    "tangibles",
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
)

#: Complaint category → SERVQUAL dimensions (PZB 1988 definitions and items).
#:
#: * delay → reliability ("performing the promised service dependably": item 5,
#:   "when XYZ promises to do something by a certain time, it does so") and
#:   responsiveness ("prompt service", item 11).
#: * damage_loss → reliability (the core promise — the parcel arrives intact —
#:   not performed accurately; item 9 "keeps its records accurately" is the
#:   tracking part of it). Not assurance: PZB's "safe in transactions" is about
#:   trust in staff, not the goods.
#: * attitude → assurance ("courtesy", item 16 "employees consistently
#:   courteous") and empathy ("individual attention", items 19–21).
#: * information → responsiveness (item 10 "tells customers exactly when
#:   services will be performed").
#: * price → none: SERVQUAL deliberately measures service quality, not value
#:   for money; mapping price to tangibles would be wrong. Reported unmapped.
#: * other → none (unmapped).
SERVQUAL_MAP: dict[str, tuple[str, ...]] = {
    "delay": ("reliability", "responsiveness"),
    "damage_loss": ("reliability",),
    "attitude": ("assurance", "empathy"),
    "information": ("responsiveness",),
    "price": (),
    "other": (),
}


@dataclass(frozen=True)
class ComplaintGapTable(ResultMixin):
    """Complaints per SERVQUAL dimension next to survey gaps.

    ``table``: ``dimension, complaints (weighted), complaints_touching,
    complaint_share, msa, complaint_rank, msa_rank, both_weak`` plus a final
    row ``dimension="unmapped"`` (price / other). A complaint mapped to m
    dimensions adds 1/m to each (weighted) and 1 to each
    ``complaints_touching``. ``both_weak``: complaint share above the mean
    share of the five dimensions and MSA < 0.
    """

    table: pd.DataFrame
    mapping: dict[str, tuple[str, ...]]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def complaints_by_dimension(
    categories: Sequence[str] | pd.Series,
    msa: Mapping[str, float] | None = None,
    *,
    mapping: Mapping[str, tuple[str, ...]] = SERVQUAL_MAP,
) -> ComplaintGapTable:
    """Count complaints per SERVQUAL dimension and merge with dimension MSA.

    Parameters
    ----------
    categories : one complaint category per complaint.
    msa : {dimension: mean MSA (perceived − adequate)} from a survey; missing
        dimensions get NaN MSA and ``msa_rank`` NaN.
    mapping : category → dimensions (default :data:`SERVQUAL_MAP`).
    """
    bad_dims = sorted({d for dims in mapping.values() for d in dims} - set(SERVQUAL_DIMENSIONS))
    if bad_dims:
        raise SpecError(
            f"Mapping uses unknown SERVQUAL dimension(s) {bad_dims}.",
            f"映射中使用了未知的 SERVQUAL 维度 {bad_dims}。",
        )
    cats = [str(c) for c in categories]
    unknown = sorted(set(cats) - set(mapping))
    if unknown:
        raise InputError(
            f"Complaint categories {unknown} are not in the mapping; add them to mapping=.",
            f"投诉类别 {unknown} 不在映射中；请在 mapping= 中补充。",
        )
    if msa is not None:
        bad = sorted(set(msa) - set(SERVQUAL_DIMENSIONS))
        if bad:
            raise InputError(
                f"MSA given for unknown dimension(s) {bad}.", f"MSA 中有未知维度 {bad}。"
            )
    weighted = dict.fromkeys(SERVQUAL_DIMENSIONS, 0.0)
    touching = dict.fromkeys(SERVQUAL_DIMENSIONS, 0)
    unmapped = 0
    for c in cats:
        dims = mapping[c]
        if not dims:
            unmapped += 1
        for d in dims:
            weighted[d] += 1.0 / len(dims)
            touching[d] += 1
    total = len(cats)
    rows = []
    for d in SERVQUAL_DIMENSIONS:
        rows.append(
            {
                "dimension": d,
                "complaints": weighted[d],
                "complaints_touching": touching[d],
                "complaint_share": weighted[d] / total if total else 0.0,
                "msa": float(msa[d]) if msa is not None and d in msa else math.nan,
            }
        )
    t = pd.DataFrame(rows)
    t["complaint_rank"] = t["complaints"].rank(ascending=False, method="min").astype(int)
    t["msa_rank"] = t["msa"].rank(ascending=True, method="min")
    mean_share = float(t["complaint_share"].mean())
    t["both_weak"] = (t["complaint_share"] > mean_share) & (t["msa"] < 0)
    records = t.to_dict("records")
    records.append(
        {
            "dimension": "unmapped",
            "complaints": float(unmapped),
            "complaints_touching": unmapped,
            "complaint_share": unmapped / total if total else 0.0,
            "msa": math.nan,
            "complaint_rank": 0,
            "msa_rank": math.nan,
            "both_weak": False,
        }
    )
    t = pd.DataFrame.from_records(records, columns=list(t.columns))
    return ComplaintGapTable(table=t, mapping={k: tuple(v) for k, v in mapping.items()})
