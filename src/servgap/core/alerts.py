"""Alert rules: what changed in customers' expectations, perceptions and complaints.

Five pure rules, each turning tables that other core functions compute into typed,
frozen :class:`AlertSignal` results with the evidence (the numbers, the test and the
limit), a severity and a bilingual title:

* :func:`below_adequate_alerts` — a site's or segment's perceived service falls below
  its own adequate level beyond sampling error (zone of tolerance; MSA with its t
  interval from :func:`servgap.core.servqual.servqual`);
* :func:`~servgap.core.alert_limits.expectation_rise_alerts` — the adequate or desired level of a dimension rises
  above the upper control limit of the preceding periods (x-bar chart limits from
  :func:`servgap.core.trend.trend`);
* :func:`kano_shift_alerts` — a Kano attribute changes category between two
  consecutive periods and the answer distributions differ (chi-square test of
  homogeneity, with a minimum n per period);
* :func:`~servgap.core.alert_limits.score_control_alerts` — NPS or the CSI leaves the control limits of the
  preceding periods (NPS chart or x-bar chart from :func:`servgap.core.trend.trend`);
* :func:`~servgap.core.alert_limits.complaint_rise_alerts` — the complaints of one category in the latest month
  exceed the c-chart upper limit of the preceding months.

The rules with control limits (2, 4, 5) are in :mod:`servgap.core.alert_limits`.
Limits for "rises" and "leaves" are *phase II* limits (Montgomery 2009, §6.2.2 and
§7.3.1): the centre line and the spread come from the preceding periods only and the
latest period is judged against them, so a shift cannot hide by widening its own
limits. Every rule takes the latest period explicitly; nothing reads a clock.

Sign convention as in :mod:`servgap.core.servqual`: MSA = perceived − adequate,
positive = better than the customers' adequate level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from servgap.core._result import ResultMixin
from servgap.core.alert_vocab import KINDS, SEVERITIES
from servgap.core.errors import InputError, SpecError
from servgap.core.survey import DIMENSION_LABELS

__all__ = [
    "KANO_LABELS",
    "KINDS",
    "SEVERITIES",
    "AlertSignal",
    "Evidence",
    "SeriesPoint",
    "below_adequate_alerts",
    "kano_shift_alerts",
]


KANO_LABELS: dict[str, tuple[str, str]] = {
    "A": ("Attractive", "魅力质量"),
    "O": ("One-dimensional", "一维质量"),
    "M": ("Must-be", "必备质量"),
    "I": ("Indifferent", "无差异质量"),
    "R": ("Reverse", "反向质量"),
    "Q": ("Questionable", "可疑结果"),
}
_KANO = ("A", "O", "M", "I", "R", "Q")


def _dim(dim: str) -> tuple[str, str]:
    zh, en = DIMENSION_LABELS.get(dim, (dim, dim))
    return en, zh


@dataclass(frozen=True)
class SeriesPoint(ResultMixin):
    """One period of an evidence series (what the alert page draws).

    ``low``/``high`` are control limits (``Evidence.series_kind == "control"``) or a
    confidence interval (``"interval"``); ``centre`` the centre line or reference level.
    """

    period: str
    n: int
    value: float
    centre: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Evidence(ResultMixin):
    """Why an alert fired.

    Attributes
    ----------
    test_en, test_zh
        The test or rule applied, with its parameters (e.g. "x-bar chart, 3σ phase II
        limits from 2026Q1–2026Q3").
    source
        The method's reference.
    numbers
        The figures: name -> value (JSON-ready scalars), in display order.
    series
        The series behind the limit (for a chart), empty when there is none.
    series_kind
        "control" (limits) or "interval" (confidence interval), "" without series.
    table
        Extra rows (e.g. the Kano answer counts of both periods).
    """

    test_en: str
    test_zh: str
    source: str
    numbers: Mapping[str, Any]
    series: tuple[SeriesPoint, ...] = ()
    series_kind: str = ""
    table: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class AlertSignal(ResultMixin):
    """One alert a rule raised.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    severity
        "high", "medium" or "low".
    subject_type, subject
        What the alert is about: ("site", "gz_baiyun"), ("customer_type", "business"),
        ("all", "") for the whole workspace, ("category", "delay").
    aspect
        The dimension, Kano feature or metric concerned ("reliability", "f_night",
        "nps"); "" for complaint categories (the subject says it).
    period
        The period judged (survey period label, or YYYY-MM for complaints).
    title_en, title_zh
        One-line description.
    evidence
        :class:`Evidence`.
    scope
        The rule and data the alert was judged on (e.g. the survey code); alerts of
        the same kind, scope and period are re-judged together by a scan.
    """

    kind: str
    severity: str
    subject_type: str
    subject: str
    aspect: str
    period: str
    title_en: str
    title_zh: str
    evidence: Evidence
    scope: str = ""
    site: str | None = field(default=None)

    @property
    def key(self) -> str:
        """Stable identity: the same finding on the same data gives the same key."""
        return "|".join(
            (self.kind, self.scope, f"{self.subject_type}={self.subject}", self.aspect, self.period)
        )


def _f(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return None if math.isnan(v) else v


def _need(frame: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame.", f"{what} 必须是 pandas DataFrame。")
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} lacks the column(s) {', '.join(missing)}.",
            f"{what} 缺少列：{'、'.join(missing)}。",
        )


def _subject_text(subject_type: str, subject: str) -> tuple[str, str]:
    if subject_type == "all":
        return "All customers", "全体顾客"
    if subject_type == "site":
        return f"Site {subject}", f"网点 {subject}"
    return f"{subject_type} = {subject}", f"{subject_type} = {subject}"


# ------------------------------------------------------------------ 1. below the adequate level


def below_adequate_alerts(
    dimensions: pd.DataFrame,
    *,
    segment: str | None,
    period: str,
    periods: Sequence[str] | None = None,
    confidence: float = 0.95,
    min_n: int = 10,
    scope: str = "",
) -> tuple[AlertSignal, ...]:
    """Segments whose perceived service is below their own adequate level.

    Parameters
    ----------
    dimensions
        :attr:`ServqualResult.dimensions` of :func:`servgap.core.servqual.servqual`
        computed ``by=[segment, "period"]`` (or ``by=["period"]`` when ``segment`` is
        None): columns ``dimension, n, msa, msa_ci_low, msa_ci_high, mss,
        share_below, share_inside, share_above`` and the segment columns.
    segment
        Segment column ("site", "customer_type"), None for all respondents.
    period
        The period judged; ``periods`` (in time order) give the evidence series.
    confidence
        Level of the MSA intervals in ``dimensions`` (reported, not recomputed).
    min_n
        Smallest number of respondents a cell needs to be judged.

    Returns
    -------
    tuple of AlertSignal
        One per (segment value, dimension) of ``period`` whose MSA interval lies wholly
        below 0. Severity "high" when the MSA is −1 point or less or at least half of
        the respondents are below their zone, else "medium".

    Notes
    -----
    MSA (measure of service adequacy) = P − A, the perceived level minus the adequate
    level the same respondent states (Parasuraman, Zeithaml & Berry 1994). The zone
    of tolerance lies between the adequate and desired levels (Zeithaml, Berry &
    Parasuraman 1993); a mean MSA below 0 means the segment's service falls below what
    its own customers call adequate. "Beyond sampling error" is the t interval of the
    mean of paired differences, x̄ ± t_{(1+c)/2, n−1}·s/√n, lying wholly below 0
    (equivalently, a one-sided t test of MSA < 0 at level (1 − c)/2).

    References
    ----------
    Zeithaml, V. A., Berry, L. L., & Parasuraman, A. (1993). The nature and
    determinants of customer expectations of service. *JAMS*, 21(1), 1–12.

    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1994). Alternative scales for
    measuring service quality. *Journal of Retailing*, 70(3), 201–230.
    """
    by = [segment] if segment else []
    _need(dimensions, [*by, "period", "dimension", "n", "msa", "msa_ci_low", "msa_ci_high"],
          "dimensions")  # fmt: skip
    if not 0 < confidence < 1:
        raise SpecError(
            f"confidence must lie in (0, 1), got {confidence!r}.",
            f"confidence 必须在 (0, 1) 之间，收到 {confidence!r}。",
        )
    frame = dimensions.copy()
    frame["period"] = frame["period"].astype(str)
    order = list(periods) if periods is not None else sorted(frame["period"].unique())
    group_cols = [*by, "dimension"]
    out: list[AlertSignal] = []
    latest = frame[frame["period"] == str(period)]
    for _, row in latest.iterrows():
        n = int(row["n"])
        high = _f(row["msa_ci_high"])
        msa = _f(row["msa"])
        if n < min_n or high is None or msa is None or high >= 0:
            continue
        dim = str(row["dimension"])
        subject = str(row[segment]) if segment else ""
        mask = np.ones(len(frame), dtype=bool)
        for c in group_cols:
            mask &= (frame[c] == row[c]).to_numpy()
        hist = frame[mask].set_index("period")
        series = tuple(
            SeriesPoint(
                period=p,
                n=int(_f(hist.at[p, "n"]) or 0),
                value=float(_f(hist.at[p, "msa"]) or 0.0),
                centre=0.0,
                low=_f(hist.at[p, "msa_ci_low"]),
                high=_f(hist.at[p, "msa_ci_high"]),
            )
            for p in order
            if p in hist.index and _f(hist.at[p, "msa"]) is not None
        )
        share_below = _f(row.get("share_below"))
        severe = msa <= -1.0 or (share_below is not None and share_below >= 0.5)
        numbers = {
            "n": n,
            "msa": msa,
            "msa_ci_low": _f(row["msa_ci_low"]),
            "msa_ci_high": high,
            "confidence": float(confidence),
            "mss": _f(row.get("mss")),
            "share_below": share_below,
            "share_inside": _f(row.get("share_inside")),
            "share_above": _f(row.get("share_above")),
        }
        den, dzh = _dim(dim)
        sen, szh = _subject_text(segment or "all", subject)
        pct = f"{100 * confidence:g}"
        out.append(
            AlertSignal(
                kind="below_adequate",
                severity="high" if severe else "medium",
                subject_type=segment or "all",
                subject=subject,
                aspect=dim,
                period=str(period),
                title_en=f"{sen}: perceived {den.lower()} below the adequate level "
                f"(MSA {msa:+.2f}, {pct} % CI up to {high:+.2f})",
                title_zh=f"{szh}：{dzh}感知低于适当服务水平（MSA {msa:+.2f}，"
                f"{pct}% 置信区间上限 {high:+.2f}）",
                evidence=Evidence(
                    test_en=f"MSA = perceived − adequate; {pct} % t interval of the mean "
                    f"lies wholly below 0 (n ≥ {min_n})",
                    test_zh=f"MSA = 感知 − 适当；均值的 {pct}% t 置信区间整体低于 0（n ≥ {min_n}）",
                    source="Zeithaml, Berry & Parasuraman (1993), JAMS 21(1); Parasuraman, "
                    "Zeithaml & Berry (1994), J. Retailing 70(3)",
                    numbers=numbers,
                    series=series,
                    series_kind="interval",
                ),
                scope=scope,
                site=subject if segment == "site" else None,
            )
        )
    return tuple(out)


# ------------------------------------------------------------------ 3. Kano category changes


def kano_shift_alerts(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    previous_period: str,
    period: str,
    alpha: float = 0.05,
    min_n: int = 30,
    scope: str = "",
) -> tuple[AlertSignal, ...]:
    """Kano features whose category changed between two consecutive periods, beyond noise.

    Parameters
    ----------
    previous, current
        :attr:`KanoResult.features` of :func:`servgap.core.kano.kano` for the two
        periods (columns ``feature, n, category, A, O, M, I, R, Q, better, worse``).
    alpha
        Level of the chi-square test.
    min_n
        Smallest number of answers per period for a feature to be judged.

    Returns
    -------
    tuple of AlertSignal
        One per feature whose category differs, with n ≥ ``min_n`` in both periods and
        a chi-square p-value below ``alpha``. Severity "high" when the new category is
        must-be (M: its absence now dissatisfies), "low" for reverse or questionable,
        else "medium".

    Notes
    -----
    The category is the one :func:`servgap.core.kano.kano` assigns (most frequent,
    with its near-tie rule). A change of category alone can come from noise when two
    categories are close, so the alert also needs the two periods' answer distributions
    over the six categories to differ: Pearson's chi-square test of homogeneity on the
    2 × k table of counts (categories with no answer in either period dropped; no
    continuity correction), χ² = Σ (O − E)²/E, E = row total × column total / N, with
    k − 1 degrees of freedom. Categories drift over a product's life (attractive →
    one-dimensional → must-be; Kano 2001).

    References
    ----------
    Berger, C. et al. (1993). Kano's methods for understanding customer-defined quality.
    *Center for Quality Management Journal*, 2(4), 3–36.

    Kano, N. (2001). Life cycle and creation of attractive quality. 4th International
    QMOD Conference, Linköping.

    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.), §3.2 (Pearson chi-square).
    """
    cols = ["feature", "n", "category", *_KANO]
    _need(previous, cols, "previous")
    _need(current, cols, "current")
    if not 0 < alpha < 1:
        raise SpecError(f"alpha must lie in (0, 1), got {alpha!r}.",
                        f"alpha 必须在 (0, 1) 之间，收到 {alpha!r}。")  # fmt: skip
    prev = previous.set_index("feature")
    out: list[AlertSignal] = []
    for _, cur in current.iterrows():
        feat = str(cur["feature"])
        if feat not in prev.index:
            continue
        old = prev.loc[feat]
        c0, c1 = old["category"], cur["category"]
        if c0 is None or c1 is None or pd.isna(c0) or pd.isna(c1) or c0 == c1:
            continue
        n0, n1 = int(old["n"]), int(cur["n"])
        if min(n0, n1) < min_n:
            continue
        table = np.array([[float(old[k]) for k in _KANO], [float(cur[k]) for k in _KANO]])
        keep = table.sum(axis=0) > 0
        chi2, p, dof, _ = stats.chi2_contingency(table[:, keep], correction=False)
        if not p < alpha:
            continue
        c0s, c1s = str(c0), str(c1)
        severity = "high" if c1s == "M" else ("low" if c1s in ("R", "Q") else "medium")
        rows = tuple(
            {"period": per, "n": int(row.sum()),
             **{k: int(v) for k, v in zip(_KANO, row, strict=True)},
             "category": cat, "better": _f(src.get("better")), "worse": _f(src.get("worse"))}
            for per, row, cat, src in ((previous_period, table[0], c0s, old),
                                       (period, table[1], c1s, cur))
        )  # fmt: skip
        e0, z0 = KANO_LABELS[c0s]
        e1, z1 = KANO_LABELS[c1s]
        out.append(
            AlertSignal(
                kind="kano_shift",
                severity=severity,
                subject_type="all",
                subject="",
                aspect=feat,
                period=str(period),
                title_en=f"Kano feature {feat}: {e0} ({c0s}) in {previous_period} → {e1} ({c1s}) "
                f"in {period} (χ² = {chi2:.1f}, p = {p:.3g})",
                title_zh=f"Kano 功能 {feat}：{previous_period} 为{z0}（{c0s}），{period} 变为{z1}"
                f"（{c1s}）（χ² = {chi2:.1f}，p = {p:.3g}）",
                evidence=Evidence(
                    test_en=f"Pearson chi-square test of homogeneity of the answer categories "
                    f"of the two periods (α = {alpha:g}; n ≥ {min_n} per period)",
                    test_zh=f"两期答案类别分布的 Pearson 卡方同质性检验（α = {alpha:g}；"
                    f"每期 n ≥ {min_n}）",
                    source="Berger et al. (1993), CQM Journal 2(4); Agresti (2013) §3.2",
                    numbers={
                        "previous_period": previous_period,
                        "previous_category": c0s,
                        "category": c1s,
                        "n_previous": n0,
                        "n": n1,
                        "chi2": float(chi2),
                        "dof": int(dof),
                        "p_value": float(p),
                        "alpha": float(alpha),
                        "min_n": int(min_n),
                    },
                    table=rows,
                ),
                scope=scope,
            )
        )
    return tuple(out)
