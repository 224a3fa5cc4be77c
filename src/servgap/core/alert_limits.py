"""Alert rules judged against control limits of earlier periods (phase II).

The rules of :mod:`servgap.core.alerts` that need limits: expectations rising above the
x-bar chart of earlier periods, NPS or CSI outside their limits, complaints of a category
above the c-chart limit of earlier months. Limits come from the preceding periods only
and the latest period is judged against them (Montgomery 2009, §6.2.2 and §7.3.1), so a
shift cannot hide by widening its own limits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from servgap.core.alerts import AlertSignal, Evidence, SeriesPoint, _dim, _need
from servgap.core.errors import InputError, SpecError
from servgap.core.trend import trend

__all__ = [
    "c_chart_limits",
    "complaint_rise_alerts",
    "expectation_rise_alerts",
    "respondent_index",
    "score_control_alerts",
]


# ------------------------------------------------------------------ shared: phase II limits


@dataclass(frozen=True)
class _Judged:
    series: tuple[SeriesPoint, ...]
    value: float
    n: int
    centre: float
    sigma_within: float
    low: float
    high: float
    base: tuple[str, ...]


def _phase2(
    frame: pd.DataFrame,
    *,
    order: Sequence[str],
    period: str,
    metric: str,
    sigma: float,
    min_base: int,
    bounds: tuple[float, float],
) -> _Judged | None:
    """Limits from the periods before ``period`` (at most the last len(order)), judged at
    ``period``; None when there are fewer than ``min_base`` earlier periods with data."""
    frame = frame[frame["period"].notna()].copy()
    frame["period"] = frame["period"].astype(str)
    have = set(frame.loc[frame["value"].notna(), "period"])
    if str(period) not in have or str(period) not in order:
        return None
    idx = list(order).index(str(period))
    base = [p for p in list(order)[:idx] if p in have]
    if len(base) < min_base:
        return None
    res = trend(frame[frame["period"].isin(base)], period="period", metric=metric,
                value="value", sigma=sigma)  # fmt: skip
    centre, sd = res.centre, res.sigma_within
    shown = [*base, str(period)]
    points: list[SeriesPoint] = []
    for p in shown:
        part = frame[frame["period"] == p]
        if metric == "nps":
            v = pd.to_numeric(part["value"], errors="coerce").dropna()
            n = len(v)
            val = 100.0 * (float((v >= 9).sum()) - float((v <= 6).sum())) / n
        else:
            v = pd.to_numeric(part["value"], errors="coerce").dropna()
            n = len(v)
            val = float(v.mean())
        half = sigma * sd / math.sqrt(n)
        points.append(
            SeriesPoint(
                period=p,
                n=n,
                value=val,
                centre=centre,
                low=max(centre - half, bounds[0]),
                high=min(centre + half, bounds[1]),
            )
        )
    last = points[-1]
    assert last.low is not None and last.high is not None  # set just above
    return _Judged(
        series=tuple(points),
        value=last.value,
        n=last.n,
        centre=centre,
        sigma_within=sd,
        low=last.low,
        high=last.high,
        base=tuple(base),
    )


def _base_text(base: Sequence[str]) -> str:
    return base[0] if len(base) == 1 else f"{base[0]}–{base[-1]}"


_MONTGOMERY = (
    "Montgomery, D. C. (2009). Introduction to Statistical Quality Control (6th ed.), "
    "§6.2.2 and §6.3.2 (x-bar chart, phase II)"
)


# ------------------------------------------------------------------ 2. expectations rising


def expectation_rise_alerts(
    levels: pd.DataFrame,
    *,
    dimension: str,
    level: str,
    periods: Sequence[str],
    period: str,
    sigma: float = 3.0,
    min_base: int = 2,
    scope: str = "",
) -> tuple[AlertSignal, ...]:
    """The adequate or desired level of a dimension above the limits of earlier periods.

    Parameters
    ----------
    levels
        One row per respondent: ``period`` and ``value`` (the respondent's mean
        ``level`` over the dimension's three-column items).
    dimension, level
        What the values are ("responsiveness", "adequate" or "desired").
    periods, period
        All periods in time order, and the one judged.
    sigma
        Limit width in standard errors.
    min_base
        Smallest number of earlier periods the limits need.

    Returns
    -------
    tuple of AlertSignal
        One alert (severity "medium"; "high" when the mean is also above centre + 2
        × (UCL − centre)) when the mean of ``period`` exceeds the upper control limit,
        else empty. Falling expectations are not alerted.

    Notes
    -----
    x-bar chart with variable sample sizes (Montgomery 2009, §6.3.2), phase II: x̿ and
    σ̂ (pooled within-period standard deviation) from the earlier periods by
    :func:`servgap.core.trend.trend`; UCL = x̿ + L·σ̂/√n for the judged period's n.
    Rising adequate levels narrow the zone of tolerance from below; rising desired
    levels raise the bar for delight (Zeithaml, Berry & Parasuraman 1993: expectations
    move with promises, word of mouth and past experience).

    References
    ----------
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control* (6th ed.).
    Wiley.

    Zeithaml, V. A., Berry, L. L., & Parasuraman, A. (1993). The nature and
    determinants of customer expectations of service. *JAMS*, 21(1), 1–12.
    """
    _need(levels, ["period", "value"], "levels")
    if level not in ("adequate", "desired"):
        raise SpecError(
            f"level must be adequate or desired, got {level!r}.",
            f"level 必须是 adequate 或 desired，收到 {level!r}。",
        )
    j = _phase2(levels, order=periods, period=period, metric="mean", sigma=sigma,
                min_base=min_base, bounds=(-math.inf, math.inf))  # fmt: skip
    if j is None or not j.value > j.high:
        return ()
    severe = j.value > j.centre + 2 * (j.high - j.centre)
    den, dzh = _dim(dimension)
    lzh = "适当服务水平" if level == "adequate" else "理想服务水平"
    base = _base_text(j.base)
    return (
        AlertSignal(
            kind="expectations_rising",
            severity="high" if severe else "medium",
            subject_type="all",
            subject="",
            aspect=f"{dimension}:{level}",
            period=str(period),
            title_en=f"{den}: the {level} level rose to {j.value:.2f}, above the control limit "
            f"{j.high:.2f} of {base}",
            title_zh=f"{dzh}的{lzh}升至 {j.value:.2f}，高于 {base} 的控制上限 {j.high:.2f}",
            evidence=Evidence(
                test_en=f"x-bar chart, {sigma:g}σ phase II limits from {base}",
                test_zh=f"均值控制图，{sigma:g}σ 控制限（基于 {base}）",
                source=_MONTGOMERY,
                numbers={
                    "n": j.n,
                    "mean": j.value,
                    "centre": j.centre,
                    "ucl": j.high,
                    "lcl": j.low,
                    "sigma_within": j.sigma_within,
                    "sigma": float(sigma),
                    "base_periods": len(j.base),
                },
                series=j.series,
                series_kind="control",
            ),
            scope=scope,
        ),
    )


# ------------------------------------------------------------------ 4. NPS / CSI control limits


def respondent_index(
    data: pd.DataFrame, weights: Mapping[str, float], ranges: Mapping[str, tuple[float, float]]
) -> pd.Series:
    """Each respondent's 0–100 index from a block's indicators and outer weights.

    Notes
    -----
    index_i = 100 · (Σ w̃_j x_ij − Σ w̃_j min_j) / (Σ w̃_j max_j − Σ w̃_j min_j), with the
    rescaled outer weights w̃ (summing to 1) and each indicator's scale ends — the ACSI
    index formula (Fornell et al. 1996) applied to one respondent, so its mean over
    respondents is the block's index. Respondents missing an indicator get NaN.

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E. (1996). The
    American Customer Satisfaction Index. *Journal of Marketing*, 60(4), 7–18.
    """
    cols = list(weights)
    _need(data, cols, "data")
    missing = [c for c in cols if c not in ranges]
    if missing:
        raise SpecError(f"no scale ends for {', '.join(missing)}.",
                        f"缺少量表端点：{'、'.join(missing)}。")  # fmt: skip
    w = np.array([float(weights[c]) for c in cols])
    lo = np.array([float(ranges[c][0]) for c in cols])
    hi = np.array([float(ranges[c][1]) for c in cols])
    den = float(w @ hi - w @ lo)
    if not den > 0:
        raise SpecError("the weighted scale range is not positive.", "加权量表范围不为正。")
    x = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    idx = 100.0 * (x @ w - float(w @ lo)) / den
    return pd.Series(idx, index=data.index, name="index")


def score_control_alerts(
    scores: pd.DataFrame,
    *,
    metric: str,
    periods: Sequence[str],
    period: str,
    sigma: float = 3.0,
    min_base: int = 2,
    scope: str = "",
) -> tuple[AlertSignal, ...]:
    """NPS or CSI of ``period`` outside the control limits of the earlier periods.

    Parameters
    ----------
    scores
        One row per respondent: ``period`` and ``value`` (the 0–10 answer for
        ``metric="nps"``, the respondent's 0–100 index for ``metric="csi"``, see
        :func:`respondent_index`).
    metric
        "nps" or "csi".

    Returns
    -------
    tuple of AlertSignal
        One alert when the value lies outside the limits: severity "high" below the
        lower limit, "low" above the upper limit (an improvement worth knowing).

    Notes
    -----
    NPS chart: each answer is +1 (9–10), 0 (7–8) or −1 (0–6); centre = 100(p̄_P − p̄_D)
    and limits centre ± L·100·√((p̄_P + p̄_D − (p̄_P − p̄_D)²)/n) from the earlier periods'
    pooled shares (multinomial variance, Rocks 2016). CSI: x-bar chart of the
    respondents' indices with the pooled within-period standard deviation (Montgomery
    2009, §6.3.2). Phase II: limits from the earlier periods only, by
    :func:`servgap.core.trend.trend`.

    References
    ----------
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control* (6th ed.).

    Rocks, B. (2016). Interval estimation for the "net promoter score". *The American
    Statistician*, 70(4), 365–372.

    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
    81(12), 46–54.
    """
    _need(scores, ["period", "value"], "scores")
    if metric not in ("nps", "csi"):
        raise SpecError(f"metric must be nps or csi, got {metric!r}.",
                        f"metric 必须是 nps 或 csi，收到 {metric!r}。")  # fmt: skip
    bounds = (-100.0, 100.0) if metric == "nps" else (0.0, 100.0)
    j = _phase2(scores, order=periods, period=period, metric="nps" if metric == "nps" else "mean",
                sigma=sigma, min_base=min_base, bounds=bounds)  # fmt: skip
    if j is None or j.low <= j.value <= j.high:
        return ()
    below = j.value < j.low
    name = "NPS" if metric == "nps" else "CSI"
    base = _base_text(j.base)
    limit = j.low if below else j.high
    side_en = "below the lower" if below else "above the upper"
    side_zh = "低于控制下限" if below else "高于控制上限"
    chart_en = "NPS chart" if metric == "nps" else "x-bar chart of respondents' CSI"
    chart_zh = "NPS 控制图" if metric == "nps" else "顾客满意指数均值控制图"
    return (
        AlertSignal(
            kind="score_out_of_control",
            severity="high" if below else "low",
            subject_type="all",
            subject="",
            aspect=metric,
            period=str(period),
            title_en=f"{name} {j.value:.1f} in {period} is {side_en} control limit "
            f"{limit:.1f} of {base}",
            title_zh=f"{period} 的 {name} 为 {j.value:.1f}，{side_zh} {limit:.1f}（基于 {base}）",
            evidence=Evidence(
                test_en=f"{chart_en}, {sigma:g}σ phase II limits from {base}",
                test_zh=f"{chart_zh}，{sigma:g}σ 控制限（基于 {base}）",
                source=_MONTGOMERY + ("; Rocks (2016), Am. Stat. 70(4)" if metric == "nps" else
                                      "; Fornell et al. (1996), J. Marketing 60(4)"),
                numbers={
                    "n": j.n,
                    "value": j.value,
                    "centre": j.centre,
                    "lcl": j.low,
                    "ucl": j.high,
                    "sigma_within": j.sigma_within,
                    "sigma": float(sigma),
                    "base_periods": len(j.base),
                },
                series=j.series,
                series_kind="control",
            ),
            scope=scope,
        ),
    )  # fmt: skip


# ------------------------------------------------------------------ 5. complaints rising


def c_chart_limits(
    counts: Sequence[float] | np.ndarray, *, sigma: float = 3.0
) -> tuple[float, float, float]:
    """(c̄, LCL, UCL) of a c-chart: c̄ ± L·√c̄, LCL clipped at 0 (Montgomery 2009, §7.3.1).

    Checked against Montgomery's Example 7.3 (printed-circuit-board nonconformities,
    26 samples: c̄ = 19.85, UCL = 33.22, LCL = 6.48).
    """
    arr = np.asarray(counts, dtype=np.float64)
    if arr.size == 0 or np.isnan(arr).any() or (arr < 0).any():
        raise InputError("counts must be non-negative numbers (at least one).",
                         "计数必须是非负数（至少一个）。")  # fmt: skip
    c = float(arr.mean())
    half = sigma * math.sqrt(c)
    return c, max(c - half, 0.0), c + half


def complaint_rise_alerts(
    complaints: pd.DataFrame,
    *,
    month: str,
    base_months: int = 12,
    min_base: int = 3,
    sigma: float = 3.0,
    min_count: int = 3,
    total: bool = True,
    scope: str = "",
) -> tuple[AlertSignal, ...]:
    """Complaint categories whose count in ``month`` exceeds the c-chart limit of earlier months.

    Parameters
    ----------
    complaints
        One row per complaint: ``month`` ("YYYY-MM") and ``category``.
    month
        The month judged.
    base_months
        How many months before ``month`` give the centre line (fewer when the data
        start later; months without complaints of a category count 0).
    min_base
        Smallest number of earlier months needed.
    min_count
        Smallest count that can raise an alert (a c̄ near 0 gives a UCL near 0).
    total
        Also judge all complaints together (subject type "all").

    Returns
    -------
    tuple of AlertSignal
        One per category with count > UCL and count ≥ ``min_count``; severity "high"
        when the count is at least twice the UCL, else "medium".

    Notes
    -----
    c-chart (Montgomery 2009, §7.3.1): counts of a Poisson process per equal
    opportunity (a calendar month); c̄ = mean of the base months, UCL = c̄ + L·√c̄. The
    exact Poisson tail P(X ≥ c | λ = c̄) is reported beside it (for L = 3 the normal
    approximation's tail is 0.00135).

    References
    ----------
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control* (6th ed.).
    Wiley, §7.3.1.
    """
    _need(complaints, ["month", "category"], "complaints")
    try:
        target = pd.Period(str(month), freq="M")
        months = pd.PeriodIndex([pd.Period(str(m), freq="M") for m in complaints["month"]])
    except (ValueError, TypeError):
        raise InputError("months must be written YYYY-MM.", "月份须写作 YYYY-MM。") from None
    if len(months) == 0:
        return ()
    first = months.min()
    start = max(first, target - base_months)
    base: list[pd.Period] = (
        list(pd.period_range(start, target - 1, freq="M")) if start < target else []
    )
    if len(base) < min_base:
        return ()
    cats = pd.Series(complaints["category"].fillna("other").astype(str).to_numpy())
    grid = pd.crosstab(cats.to_numpy(), months.astype(str).to_numpy())
    out: list[AlertSignal] = []
    labels = [str(p) for p in base]
    names: list[str | None] = [*sorted(grid.index), *([None] if total else [])]
    for cat in names:
        row = grid.loc[cat] if cat is not None else grid.sum(axis=0)
        hist = [int(row.get(m, 0)) for m in labels]
        c = int(row.get(str(target), 0))
        cbar, lcl, ucl = c_chart_limits(hist, sigma=sigma)
        if not (c > ucl and c >= min_count):
            continue
        p_tail = float(stats.poisson.sf(c - 1, cbar)) if cbar > 0 else 0.0
        series = tuple(
            SeriesPoint(period=m, n=v, value=float(v), centre=cbar, low=lcl, high=ucl)
            for m, v in [*zip(labels, hist, strict=True), (str(target), c)]
        )
        b = _base_text(labels)
        out.append(
            AlertSignal(
                kind="complaints_rising",
                severity="high" if c >= 2 * ucl else "medium",
                subject_type="category" if cat is not None else "all",
                subject=cat or "",
                aspect="",
                period=str(target),
                title_en=(f"Complaints '{cat}'" if cat else "All complaints")
                + f": {c} in {target}, above the c-chart limit {ucl:.1f} (mean {cbar:.1f} per "
                f"month in {b})",
                title_zh=(f"“{cat}”类投诉" if cat else "全部投诉")
                + f"：{target} 共 {c} 件，超过 c 控制图上限 {ucl:.1f}（{b} 月均 {cbar:.1f} 件）",
                evidence=Evidence(
                    test_en=f"c-chart, {sigma:g}σ upper limit from {len(labels)} earlier months "
                    f"({b}); count ≥ {min_count}",
                    test_zh=f"c 控制图，{sigma:g}σ 上限（基于之前 {len(labels)} 个月：{b}）；"
                    f"件数 ≥ {min_count}",
                    source="Montgomery (2009), Introduction to Statistical Quality Control, "
                    "§7.3.1 (c-chart)",
                    numbers={
                        "count": c,
                        "c_bar": cbar,
                        "ucl": ucl,
                        "lcl": lcl,
                        "poisson_p": p_tail,
                        "base_months": len(labels),
                        "sigma": float(sigma),
                    },
                    series=series,
                    series_kind="control",
                ),
                scope=scope,
            )
        )
    return tuple(out)
