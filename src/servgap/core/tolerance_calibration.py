"""Calibrating the customer-tolerance score on outcomes: logistic regression by Newton–Raphson,
the reliability curve and the Brier score. Split from :mod:`servgap.core.tolerance`, which
keeps the features, the scores and the queue ranking.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import (
    ComputationError,
    InputError,
    InsufficientDataError,
    SpecError,
)
from servgap.core.tolerance import FEATURES, FloatArray, ToleranceModel, _sigmoid


@dataclass(frozen=True)
class LogisticFit(ResultMixin):
    """A maximum-likelihood logistic regression.

    ``coefficients``: ``term, coef, se, z, p, ci_low, ci_high`` (Wald, 95 %) on
    the scale fitted (standardised features when ``standardized``), and
    ``coef_raw`` — the same model expressed on the raw feature scale
    (β_raw = β/sd, intercept_raw = β0 − Σ β·mean/sd). ``means``/``sds`` are the
    standardisation constants (0 and 1 when not standardised).
    """

    coefficients: pd.DataFrame
    standardized: bool
    means: dict[str, float]
    sds: dict[str, float]
    n: int
    log_likelihood: float
    deviance: float
    aic: float

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        """P(y = 1) for raw features ``X`` (same columns as the fit)."""
        raw = self.coefficients.set_index("term")["coef_raw"]
        eta = np.full(len(X), float(raw["const"]))
        for term in raw.index:
            if term != "const":
                eta = eta + float(raw[term]) * X[term].to_numpy(dtype=np.float64)
        return _sigmoid(eta)


def _is_constant(x: FloatArray) -> bool:
    """True when all finite values are equal up to rounding (std ~1e-17 is constant)."""
    f = x[np.isfinite(x)]
    if f.size == 0:
        return True
    spread = float(f.max() - f.min())
    return spread <= 1e-12 * max(1.0, float(np.abs(f).max()))


def logistic_fit(
    X: pd.DataFrame, y: Sequence[float] | npt.ArrayLike, *, standardize: bool = True
) -> LogisticFit:
    """Fit P(y=1) = σ(β0 + Σ β_k x_k) by maximum likelihood (statsmodels Logit).

    Standardising (z-scores with the sample sd, ddof=1) makes coefficients
    comparable across features (one sd change in the logit). Separation or
    non-convergence raises :class:`ComputationError`.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    yv = np.asarray(y, dtype=np.float64)
    if yv.ndim != 1 or yv.size != len(X):
        raise InputError(
            f"Outcome has {yv.size} values for {len(X)} rows.",
            f"结果变量有 {yv.size} 个值，而特征有 {len(X)} 行。",
        )
    if not np.all(np.isin(yv, (0.0, 1.0))):
        raise InputError(
            "Outcome must be 0/1 (1 = churned or complained again).",
            "结果变量须为 0/1（1 = 流失或再次投诉）。",
        )
    Xv = X.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(Xv)):
        raise InputError("Features contain missing or infinite values.", "特征中有缺失或无穷值。")
    k = Xv.shape[1]
    n_min = min(int(yv.sum()), int(yv.size - yv.sum()))
    if n_min < 1 or yv.size < k + 2:
        raise InsufficientDataError(
            f"Need both outcomes and more rows than features: n={yv.size}, events={int(yv.sum())}, "
            f"features={k}.",
            f"需要两种结果且样本数多于特征数：n={yv.size}，事件数={int(yv.sum())}，特征数={k}。",
        )
    means = Xv.mean(axis=0) if standardize else np.zeros(k)
    sds = Xv.std(axis=0, ddof=1) if standardize else np.ones(k)
    const_cols = [c for j, c in enumerate(X.columns) if _is_constant(Xv[:, j])]
    if const_cols:
        raise InputError(
            f"Feature(s) {const_cols} are constant; drop them before fitting.",
            f"特征 {const_cols} 为常数；拟合前请删除。",
        )
    Z = (Xv - means) / sds
    design = np.column_stack([np.ones(len(Z)), Z])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            res = sm.Logit(yv, design).fit(disp=0, method="newton", maxiter=100)
        except (
            ConvergenceWarning,
            PerfectSeparationWarning,
            RuntimeWarning,
            np.linalg.LinAlgError,
        ) as exc:
            raise ComputationError(
                f"The logistic fit failed ({type(exc).__name__}: {exc}); the outcome may be "
                "perfectly separated by a feature or features are collinear. Drop features "
                "or add data.",
                f"逻辑回归拟合失败（{type(exc).__name__}）；可能某特征完全区分了结果或特征共线。"
                "请删除特征或增加数据。",
            ) from exc
    params = np.asarray(res.params, dtype=np.float64)
    bse = np.asarray(res.bse, dtype=np.float64)
    ci = np.asarray(res.conf_int(0.05), dtype=np.float64)
    raw = params.copy()
    raw[1:] = params[1:] / sds
    raw[0] = params[0] - float(np.sum(params[1:] * means / sds))
    terms = ["const", *[str(c) for c in X.columns]]
    coefs = pd.DataFrame(
        {
            "term": terms,
            "coef": params,
            "se": bse,
            "z": np.asarray(res.tvalues, dtype=np.float64),
            "p": np.asarray(res.pvalues, dtype=np.float64),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
            "coef_raw": raw,
        }
    )
    llf = float(res.llf)
    return LogisticFit(
        coefficients=coefs,
        standardized=standardize,
        means=dict(zip(terms[1:], means.tolist(), strict=True)),
        sds=dict(zip(terms[1:], sds.tolist(), strict=True)),
        n=int(yv.size),
        log_likelihood=llf,
        deviance=-2.0 * llf,
        aic=-2.0 * llf + 2.0 * (k + 1),
    )


def reliability_curve(
    y_true: npt.ArrayLike, p_pred: npt.ArrayLike, *, n_bins: int = 10
) -> pd.DataFrame:
    """Binned predicted vs observed frequency (uniform bins on [0, 1]).

    Returns ``bin, bin_low, bin_high, p_mean, observed, count`` for non-empty
    bins; the binning rule is that of ``sklearn.calibration.calibration_curve``
    (strategy="uniform"), against which it is tested.
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(p_pred, dtype=np.float64)
    if n_bins < 1:
        raise SpecError(f"n_bins must be ≥ 1; got {n_bins}.", f"n_bins 须 ≥ 1；当前为 {n_bins}。")
    if p.size != y.size or p.size == 0 or np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise InputError(
            "Predictions must be probabilities in [0, 1], one per outcome.",
            "预测值须为 [0, 1] 内的概率，且与结果一一对应。",
        )
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    total = np.bincount(ids, minlength=n_bins)
    sums = np.bincount(ids, weights=p, minlength=n_bins)
    trues = np.bincount(ids, weights=y, minlength=n_bins)
    nz = np.flatnonzero(total)
    return pd.DataFrame(
        {
            "bin": nz,
            "bin_low": edges[nz],
            "bin_high": edges[nz + 1],
            "p_mean": sums[nz] / total[nz],
            "observed": trues[nz] / total[nz],
            "count": total[nz],
        }
    )


def brier_score(y_true: npt.ArrayLike, p_pred: npt.ArrayLike) -> float:
    """Brier (1950) score: mean (p − y)² for a binary outcome."""
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(p_pred, dtype=np.float64)
    if y.size == 0 or y.size != p.size:
        raise InputError("Need equal-length, non-empty y and p.", "y 与 p 须等长且非空。")
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class ToleranceCalibration(ResultMixin):
    """Result of :func:`calibrate_tolerance`.

    Attributes
    ----------
    fit : :class:`LogisticFit` of P(churn) on all rows (standardised features).
    model : the calibrated :class:`ToleranceModel` (weights = −β_raw).
    test_auc, test_brier, test_n : held-out evaluation of a fit on the
        training split only.
    reliability : reliability curve of P(churn) on the held-out split.
    train_brier : Brier score of the full fit on all rows (in-sample).
    """

    fit: LogisticFit
    model: ToleranceModel
    test_auc: float
    test_brier: float
    test_n: int
    train_brier: float
    reliability: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.fit.coefficients.copy()


def calibrate_tolerance(
    features: pd.DataFrame,
    outcome: npt.ArrayLike,
    *,
    feature_cols: Sequence[str] | None = None,
    test_fraction: float = 0.3,
    random_state: int = 0,
    n_bins: int = 10,
) -> ToleranceCalibration:
    """Fit tolerance weights from known outcomes (churned / complained again).

    Fits P(churn) = σ(γ0 + Σ γ_k z_k) with statsmodels Logit on standardised
    features; tolerance = 100·(1 − P(churn)) so the tolerance weights on the
    raw x scale are b_k = −γ_k/sd_k and b0 = −(γ0 − Σ γ_k mean_k/sd_k).
    Evaluation: a stratified split (``test_fraction`` held out, seeded), fit on
    the training part, AUC (``sklearn.metrics.roc_auc_score``), Brier score and
    a reliability curve on the held-out part. The reported coefficients come
    from a refit on all rows.

    ``feature_cols`` default: every feature of :data:`FEATURES` that varies.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    y = np.asarray(outcome, dtype=np.float64)
    if y.size != len(features):
        raise InputError(
            f"Outcome has {y.size} values for {len(features)} customers.",
            f"结果变量有 {y.size} 个值，而客户有 {len(features)} 个。",
        )
    if feature_cols is None:
        feature_cols = [
            f
            for f in FEATURES
            if f in features.columns and not _is_constant(features[f].to_numpy(dtype=float))
        ]
    cols = list(feature_cols)
    unknown = [c for c in cols if c not in FEATURES or c not in features.columns]
    if unknown or not cols:
        raise InputError(
            f"Feature column(s) {unknown or cols} not usable; give tolerance features that vary.",
            f"特征列 {unknown or cols} 不可用；请提供有变化的宽容度特征。",
        )
    if not 0.0 < test_fraction < 1.0:
        raise SpecError(
            f"test_fraction must be in (0, 1); got {test_fraction}.",
            f"test_fraction 须在 (0, 1) 内；当前为 {test_fraction}。",
        )
    X = features[cols].reset_index(drop=True)
    n_events = int(y.sum())
    if min(n_events, y.size - n_events) < 5:
        raise InsufficientDataError(
            f"Need at least 5 customers with and 5 without the outcome; got {n_events} "
            f"and {y.size - n_events}.",
            f"结果为 1 和为 0 的客户各需至少 5 个；当前为 {n_events} 和 {y.size - n_events}。",
        )
    idx = np.arange(y.size)
    tr, te = train_test_split(idx, test_size=test_fraction, random_state=random_state, stratify=y)
    fit_tr = logistic_fit(X.iloc[tr], y[tr], standardize=True)
    p_te = fit_tr.predict_proba(X.iloc[te])
    test_auc = float(roc_auc_score(y[te], p_te))
    test_brier = brier_score(y[te], p_te)
    rel = reliability_curve(y[te], p_te, n_bins=n_bins)
    fit_all = logistic_fit(X, y, standardize=True)
    raw = fit_all.coefficients.set_index("term")["coef_raw"]
    model = ToleranceModel(
        intercept=-float(raw["const"]),
        weights={c: -float(raw[c]) for c in cols},
        source="calibrated",
    )
    return ToleranceCalibration(
        fit=fit_all,
        model=model,
        test_auc=test_auc,
        test_brier=test_brier,
        test_n=int(te.size),
        train_brier=brier_score(y, fit_all.predict_proba(X)),
        reliability=rel,
    )
