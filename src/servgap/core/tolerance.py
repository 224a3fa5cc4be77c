"""Customer tolerance: how much failure a customer forgives (0–100).

The seed document on customer tolerance (客户宽容, docs/domain.md §4) names the
factors: tolerance is *lower* when expectations are too high (期望水平过高),
*higher* with emotional investment in the brand (情感投入: relationship length,
loyalty), *higher* for a reputable brand (品牌声誉), *higher* after fast,
effective service recovery (服务恢复能力), and *lower* when the customer is in
a bad mood (个人情绪状态). servgap turns these into an additive model on the
logit scale so that each factor's contribution can be shown:

    score = 100 · σ(b0 + Σ_k b_k · x_k),   σ(z) = 1 / (1 + e^(−z)),
    contribution_k = b_k · x_k  (logit units; positive raises tolerance).

Features x_k (built by :func:`tolerance_features`; x = 0 is the neutral point
and the value used, with an explicit ``imputed`` flag, when an input is
missing):

=====================  ==============================================  ============  ======
feature                transform                                       factor        sign
=====================  ==============================================  ============  ======
expectation_level      (E − mid)/half-range of the survey scale         expectation   −
tenure                 ln(1 + tenure_months / 12)                      investment    +
purchase_frequency     ln(1 + orders_per_month)                        investment    +
loyalty                (L − mid)/half-range                            investment    +
brand_reputation       (R − 50)/50, R a 0–100 workspace index          brand         +
ack_delay              ln(1 + h_ack) − ln(1 + 4)                       recovery      −
resolve_delay          ln(1 + h_resolve) − ln(1 + 24)                  recovery      −
compensated            1 if compensated else 0                         recovery      +
sat_after_recovery     (S − mid)/half-range                            recovery      +
sentiment              sentiment score in [−1, 1] of the customer's    emotion       +
                       own words (another module estimates it)
=====================  ==============================================  ============  ======

Default weights (:data:`DEFAULT_WEIGHTS`) encode only the seed's *direction*
of each effect with judgemental sizes (about ±0.3–1.0 logit per unit); they
are a prior for a workspace without outcome data and must be replaced by
:func:`calibrate_tolerance` once churn or repeat-complaint outcomes exist.
Calibration fits P(churn) by logistic regression on standardised features and
sets tolerance = 100 · (1 − P(churn)), i.e. the tolerance weights are the
negated churn coefficients (back-transformed to the raw x scale).

Checked against: statsmodels ``Logit`` (differential), the UCLA IDRE "Logit
regression | R data analysis examples" printed coefficients (admissions data,
n = 400), ``sklearn.metrics.brier_score_loss``, ``roc_auc_score`` and
``sklearn.calibration.calibration_curve`` (tests/core/test_tolerance.py).

References
----------
Seed document "客户宽容" (shared/seeds/003), section 二 "影响客户宽容的因素".
Hosmer, D. W., Lemeshow, S. & Sturdivant, R. X. (2013). *Applied Logistic
Regression*, 3rd ed. Wiley.
Brier, G. W. (1950). Verification of forecasts expressed in terms of
probability. *Monthly Weather Review* 78(1), 1–3.
Niculescu-Mizil, A. & Caruana, R. (2005). Predicting good probabilities with
supervised learning. *ICML* (reliability diagrams).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import (
    InputError,
    ProblemCollector,
    SpecError,
)

FloatArray = npt.NDArray[np.float64]

#: Feature → seed factor.
FACTOR_OF: dict[str, str] = {
    "expectation_level": "expectation",
    "tenure": "emotional_investment",
    "purchase_frequency": "emotional_investment",
    "loyalty": "emotional_investment",
    "brand_reputation": "brand",
    "ack_delay": "recovery",
    "resolve_delay": "recovery",
    "compensated": "recovery",
    "sat_after_recovery": "recovery",
    "sentiment": "emotion",
}
FEATURES: tuple[str, ...] = tuple(FACTOR_OF)

#: (en, zh) labels of the seed's factors.
FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "expectation": ("Expectation level", "期望水平"),
    "emotional_investment": ("Emotional investment", "情感投入"),
    "brand": ("Brand reputation", "品牌声誉"),
    "recovery": ("Service recovery", "服务恢复"),
    "emotion": ("Mood / emotion", "情绪状态"),
}

#: Default logit-scale weights: the seed's direction, judgemental size.
DEFAULT_WEIGHTS: dict[str, float] = {
    "expectation_level": -1.0,
    "tenure": 0.4,
    "purchase_frequency": 0.3,
    "loyalty": 0.6,
    "brand_reputation": 0.5,
    "ack_delay": -0.4,
    "resolve_delay": -0.4,
    "compensated": 0.3,
    "sat_after_recovery": 0.8,
    "sentiment": 0.8,
}
DEFAULT_INTERCEPT = 0.5


@dataclass(frozen=True)
class ToleranceModel(ResultMixin):
    """Intercept and weights of the logit-additive tolerance model."""

    intercept: float = DEFAULT_INTERCEPT
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    source: str = "default"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - set(FEATURES))
        if unknown:
            raise SpecError(
                f"Unknown tolerance feature(s) {unknown}; known: {list(FEATURES)}.",
                f"未知的宽容度特征 {unknown}；可用：{list(FEATURES)}。",
            )
        bad = [k for k, v in self.weights.items() if not math.isfinite(v)]
        if bad or not math.isfinite(self.intercept):
            raise SpecError(
                f"Tolerance weights must be finite; check {bad or ['intercept']}.",
                f"宽容度权重须为有限数；请检查 {bad or ['intercept']}。",
            )


DEFAULT_TOLERANCE_MODEL = ToleranceModel()


def _scale01(v: pd.Series, lo: float, hi: float, col: str, pc: ProblemCollector) -> pd.Series:
    num = pd.to_numeric(v, errors="coerce")
    bad = (num < lo) | (num > hi) | (v.notna() & num.isna())
    for i in np.flatnonzero(bad.to_numpy()):
        pc.add(
            f"value outside the {lo:g}–{hi:g} scale.",
            f"数值超出 {lo:g}–{hi:g} 量表范围。",
            row=int(i) + 1,
            column=col,
            value=v.iloc[i],
        )
    mid, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    return (num - mid) / half


def tolerance_features(
    customers: pd.DataFrame,
    *,
    id_col: str = "code",
    expectation_col: str | None = None,
    expectation_scale: tuple[float, float] = (1.0, 7.0),
    tenure_col: str | None = "tenure_months",
    frequency_col: str | None = "orders_per_month",
    loyalty_col: str | None = "loyalty_intent",
    loyalty_scale: tuple[float, float] = (1.0, 7.0),
    brand_reputation: float | None = None,
    ack_hours_col: str | None = None,
    resolve_hours_col: str | None = None,
    compensated_col: str | None = None,
    sat_after_col: str | None = None,
    sat_scale: tuple[float, float] = (1.0, 7.0),
    sentiment_col: str | None = None,
    ack_reference_h: float = 4.0,
    resolve_reference_h: float = 24.0,
) -> pd.DataFrame:
    """Build the standardised tolerance features, one row per customer.

    Every input is an explicit column name (None = not available: the feature
    is 0 for everybody and listed in ``imputed``). ``brand_reputation`` is one
    workspace-level 0–100 index. The expectation column is e.g. a customer's
    mean adequate (or desired) level over survey items; ``compensated_col`` is
    0/1 or an amount (> 0 counts as compensated).

    Returns
    -------
    DataFrame ``id``, the feature columns of :data:`FEATURES`, ``imputed``
    (comma-separated features filled with the neutral 0) and ``n_imputed``.
    """
    if id_col not in customers.columns:
        raise InputError(
            f"Column {id_col!r} (customer id) is missing; pass id_col=.",
            f"缺少客户编号列 {id_col!r}；请用 id_col= 指定。",
        )
    n = len(customers)
    pc = ProblemCollector()
    out: dict[str, Any] = {"id": customers[id_col].to_numpy()}

    def get(col: str | None) -> pd.Series | None:
        if col is None:
            return None
        if col not in customers.columns:
            raise InputError(
                f"Column {col!r} is missing (available: {list(customers.columns)}).",
                f"缺少列 {col!r}（现有列：{list(customers.columns)}）。",
            )
        return customers[col].reset_index(drop=True)

    def nonneg(col: str | None) -> pd.Series | None:
        s = get(col)
        if s is None:
            return None
        num = pd.to_numeric(s, errors="coerce")
        for i in np.flatnonzero(((num < 0) | (s.notna() & num.isna())).to_numpy()):
            pc.add(
                "value must be a number ≥ 0.",
                "数值须 ≥ 0。",
                row=int(i) + 1,
                column=col,
                value=s.iloc[i],
            )
        return num.clip(lower=0)

    s = get(expectation_col)
    out["expectation_level"] = (
        None if s is None else _scale01(s, *expectation_scale, str(expectation_col), pc)
    )
    t = nonneg(tenure_col)
    out["tenure"] = None if t is None else np.log1p(t / 12.0)
    f = nonneg(frequency_col)
    out["purchase_frequency"] = None if f is None else np.log1p(f)
    s = get(loyalty_col)
    out["loyalty"] = None if s is None else _scale01(s, *loyalty_scale, str(loyalty_col), pc)
    if brand_reputation is None:
        out["brand_reputation"] = None
    else:
        if not (math.isfinite(brand_reputation) and 0 <= brand_reputation <= 100):
            raise InputError(
                f"brand_reputation must be a 0–100 index; got {brand_reputation!r}.",
                f"brand_reputation 须为 0–100 的指数；当前为 {brand_reputation!r}。",
            )
        out["brand_reputation"] = pd.Series(np.full(n, (brand_reputation - 50.0) / 50.0))
    a = nonneg(ack_hours_col)
    out["ack_delay"] = None if a is None else np.log1p(a) - math.log1p(ack_reference_h)
    r = nonneg(resolve_hours_col)
    out["resolve_delay"] = None if r is None else np.log1p(r) - math.log1p(resolve_reference_h)
    c = nonneg(compensated_col)
    out["compensated"] = None if c is None else c.where(c.isna(), (c > 0).astype(float))
    s = get(sat_after_col)
    out["sat_after_recovery"] = (
        None if s is None else _scale01(s, *sat_scale, str(sat_after_col), pc)
    )
    s = get(sentiment_col)
    out["sentiment"] = None if s is None else _scale01(s, -1.0, 1.0, str(sentiment_col), pc)
    pc.raise_if_any(
        InputError,
        f"{len(pc)} invalid value(s) in the tolerance inputs.",
        f"宽容度输入中有 {len(pc)} 个无效值。",
    )
    frame = pd.DataFrame({"id": out["id"]})
    imputed = [[] for _ in range(n)]  # type: list[list[str]]
    for feat in FEATURES:
        v = out[feat]
        if v is None:
            frame[feat] = 0.0
            for lst in imputed:
                lst.append(feat)
            continue
        arr = pd.to_numeric(pd.Series(v), errors="coerce").to_numpy(dtype=np.float64)
        miss = ~np.isfinite(arr)
        for i in np.flatnonzero(miss):
            imputed[i].append(feat)
        frame[feat] = np.where(miss, 0.0, arr)
    frame["imputed"] = [",".join(x) for x in imputed]
    frame["n_imputed"] = [len(x) for x in imputed]
    return frame


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


@dataclass(frozen=True)
class ToleranceScores(ResultMixin):
    """Tolerance scores and per-factor contributions.

    ``table``: ``id, score (0–100), logit``, one ``contrib_<feature>`` column per
    feature and one ``factor_<factor>`` column per seed factor (sums of its
    features' contributions, logit units), plus ``imputed``.
    ``contributions``: long form ``id, factor, feature, x, weight, contribution``.
    """

    table: pd.DataFrame
    contributions: pd.DataFrame
    model: ToleranceModel

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def tolerance_scores(
    features: pd.DataFrame, model: ToleranceModel = DEFAULT_TOLERANCE_MODEL
) -> ToleranceScores:
    """Score customers: 100·σ(b0 + Σ b_k x_k) with each b_k x_k shown.

    ``features`` comes from :func:`tolerance_features` (columns ``id`` and the
    model's features). Features absent from ``model.weights`` contribute 0.
    """
    missing = [f for f in model.weights if f not in features.columns]
    if "id" not in features.columns or missing:
        raise InputError(
            f"Feature table lacks column(s) {(['id'] if 'id' not in features else []) + missing}; "
            "build it with tolerance_features().",
            "特征表缺少列 "
            f"{(['id'] if 'id' not in features else []) + missing}；请用 tolerance_features() 生成。",
        )
    logit = np.full(len(features), float(model.intercept))
    table = pd.DataFrame({"id": features["id"].to_numpy()})
    longs: list[pd.DataFrame] = []
    factor_sums: dict[str, FloatArray] = {f: np.zeros(len(features)) for f in FACTOR_LABELS}
    pc = ProblemCollector()
    for feat in FEATURES:
        w = float(model.weights.get(feat, 0.0))
        x = (
            pd.to_numeric(features[feat], errors="coerce").to_numpy(dtype=np.float64)
            if feat in features
            else np.zeros(len(features))
        )
        for i in np.flatnonzero(~np.isfinite(x)):
            pc.add(
                "feature is missing or not finite.",
                "特征缺失或非有限数。",
                row=int(i) + 1,
                column=feat,
            )
        contrib = w * x
        table[f"contrib_{feat}"] = contrib
        factor_sums[FACTOR_OF[feat]] = factor_sums[FACTOR_OF[feat]] + contrib
        logit = logit + contrib
        longs.append(
            pd.DataFrame(
                {
                    "id": table["id"],
                    "factor": FACTOR_OF[feat],
                    "feature": feat,
                    "x": x,
                    "weight": w,
                    "contribution": contrib,
                }
            )
        )
    pc.raise_if_any(InputError, "Invalid feature values.", "特征值无效。")
    for fac, v in factor_sums.items():
        table[f"factor_{fac}"] = v
    table.insert(1, "score", 100.0 * _sigmoid(logit))
    table.insert(2, "logit", logit)
    if "imputed" in features.columns:
        table["imputed"] = features["imputed"].to_numpy()
    return ToleranceScores(
        table=table, contributions=pd.concat(longs, ignore_index=True), model=model
    )


def neutral_tolerance(model: ToleranceModel = DEFAULT_TOLERANCE_MODEL) -> float:
    """The tolerance of a customer about whom nothing is known.

    Every feature at its neutral point x = 0 contributes nothing, so the score
    is 100·σ(b0): 62.25 with the default intercept b0 = 0.5. A case whose
    customer is unknown (or a case stored without a score) ranks at this value.
    """
    return float(100.0 * _sigmoid(np.array([float(model.intercept)]))[0])


#: :func:`neutral_tolerance` of the default model (100·σ(0.5) = 62.2459…).
NEUTRAL_TOLERANCE: float = neutral_tolerance()

#: Plausible ranges of the profile values a case is scored with when it opens;
#: a stored value outside its range counts as unknown (imputed at the neutral point).
OPENING_RANGES: dict[str, tuple[float, float]] = {
    "tenure_months": (0.0, 1e6),
    "orders_per_month": (0.0, 1e6),
    "loyalty_intent": (1.0, 7.0),
    "sentiment": (-1.0, 1.0),
}


def opening_tolerance(
    profiles: pd.DataFrame,
    *,
    brand_reputation: float | None = None,
    model: ToleranceModel = DEFAULT_TOLERANCE_MODEL,
) -> pd.DataFrame:
    """Tolerance scores of complaining customers at the moment their cases open.

    ``profiles`` has one row per case and the columns of :data:`OPENING_RANGES`
    (``tenure_months``, ``orders_per_month``, ``loyalty_intent`` on 1–7 and the
    ``sentiment`` of the complaint text in [−1, 1]); a missing, non-numeric or
    implausible value counts as unknown and is imputed at the neutral point
    (:func:`tolerance_features`). ``brand_reputation`` is the workspace's 0–100
    index, None when not set. Returns ``score`` (0–100) and ``imputed`` (the
    comma-separated features filled in), in the order of ``profiles``.
    """
    frame = pd.DataFrame({"code": np.arange(len(profiles))})
    for col, (lo, hi) in OPENING_RANGES.items():
        v = (
            pd.to_numeric(profiles[col], errors="coerce")
            if col in profiles.columns
            else pd.Series(np.nan, index=profiles.index)
        )
        v = v.reset_index(drop=True).astype(np.float64)
        frame[col] = v.where(np.isfinite(v) & (v >= lo) & (v <= hi))
    feats = tolerance_features(frame, sentiment_col="sentiment", brand_reputation=brand_reputation)
    table = tolerance_scores(feats, model).table
    return pd.DataFrame(
        {"score": table["score"].to_numpy(), "imputed": table["imputed"].to_numpy()}
    )


# --------------------------------------------------------------------------- queue ranking


@dataclass(frozen=True)
class RankedCases(ResultMixin):
    """Case queue ordered most urgent first.

    ``table``: the input columns plus ``tolerance_part, priority_part,
    sla_part, urgency, rank`` (rank 1 = handle first).
    """

    table: pd.DataFrame
    weights: tuple[float, float, float]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def rank_cases(
    cases: pd.DataFrame,
    *,
    id_col: str = "case",
    tolerance_col: str = "tolerance",
    priority_col: str = "priority",
    remaining_col: str = "remaining_h",
    target_col: str = "target_h",
    weights: tuple[float, float, float] = (0.4, 0.35, 0.25),
) -> RankedCases:
    """Order a case queue: low tolerance, high priority, near deadline first.

    Notes
    -----
    urgency = w_t·(1 − tolerance/100) + w_p·level(priority)/3 + w_s·pressure,
    level: low 0, normal 1, high 2, urgent 3; pressure = clip(1 − remaining /
    target, 0, 1) (1 when breached, 0 with the whole target left). All three
    parts are in [0, 1]; default weights (0.4, 0.35, 0.25) sum to 1 so urgency
    is in [0, 1]. Ties are broken by less remaining time, then by case id, so
    the order is deterministic.
    """
    from servgap.core.cases import PRIORITY_LEVEL

    for c in (id_col, tolerance_col, priority_col, remaining_col, target_col):
        if c not in cases.columns:
            raise InputError(
                f"Column {c!r} is missing (available: {list(cases.columns)}).",
                f"缺少列 {c!r}（现有列：{list(cases.columns)}）。",
            )
    if (
        len(weights) != 3
        or any(not (math.isfinite(w) and w >= 0) for w in weights)
        or sum(weights) <= 0
    ):
        raise SpecError(
            f"weights must be three non-negative numbers, not all 0; got {weights}.",
            f"weights 须为三个非负数且不全为 0；当前为 {weights}。",
        )
    pc = ProblemCollector()
    tol = pd.to_numeric(cases[tolerance_col], errors="coerce").to_numpy(dtype=np.float64)
    rem = pd.to_numeric(cases[remaining_col], errors="coerce").to_numpy(dtype=np.float64)
    tgt = pd.to_numeric(cases[target_col], errors="coerce").to_numpy(dtype=np.float64)
    pri = cases[priority_col].astype(str).to_numpy()
    lvl = np.zeros(len(cases))
    for i in range(len(cases)):
        if not (np.isfinite(tol[i]) and 0 <= tol[i] <= 100):
            pc.add(
                "tolerance must be 0–100.",
                "宽容度须在 0–100 之间。",
                row=i + 1,
                column=tolerance_col,
                value=cases[tolerance_col].iloc[i],
            )
        if pri[i] not in PRIORITY_LEVEL:
            pc.add(
                f"unknown priority; use {list(PRIORITY_LEVEL)}.",
                f"未知优先级；请使用 {list(PRIORITY_LEVEL)}。",
                row=i + 1,
                column=priority_col,
                value=pri[i],
            )
        else:
            lvl[i] = PRIORITY_LEVEL[pri[i]]
        if not (np.isfinite(tgt[i]) and tgt[i] > 0 and np.isfinite(rem[i])):
            pc.add(
                "SLA target must be > 0 and remaining time finite.",
                "SLA 目标须 > 0，剩余时间须为有限数。",
                row=i + 1,
                column=remaining_col,
            )
    pc.raise_if_any(
        InputError, f"{len(pc)} problem(s) in the case queue.", f"工单队列中有 {len(pc)} 处问题。"
    )
    wt, wp, ws = weights
    out = cases.copy().reset_index(drop=True)
    out["tolerance_part"] = wt * (1.0 - tol / 100.0)
    out["priority_part"] = wp * lvl / 3.0
    out["sla_part"] = ws * np.clip(1.0 - rem / tgt, 0.0, 1.0)
    out["urgency"] = out["tolerance_part"] + out["priority_part"] + out["sla_part"]
    out["_rem"] = rem
    out["_id"] = out[id_col].astype(str)
    out = out.sort_values(
        ["urgency", "_rem", "_id"], ascending=[False, True, True], kind="mergesort"
    )
    out = out.drop(columns=["_rem", "_id"]).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return RankedCases(table=out, weights=(float(wt), float(wp), float(ws)))
