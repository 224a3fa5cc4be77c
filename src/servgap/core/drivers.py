"""Key-driver analysis: relative importance of drivers of satisfaction, and IPA.

* :func:`relative_importance` / :func:`relative_importance_from_corr` split the R²
  of a linear model of an overall score (satisfaction, NPS, loyalty) on its
  drivers (item or dimension scores) into one share per driver: the LMG /
  Shapley decomposition (Lindeman, Merenda & Gold 1980; Grömping 2006) or
  Johnson's (2000) relative weights.
* :func:`importance_performance` places each service dimension on Martilla &
  James's (1977) importance–performance grid and names the *short board* — the
  dimension to fix first.

Written by hand rather than wrapping a library because no maintained Python
package computes exact LMG from a correlation matrix (``dominance-analysis``
refits one OLS per subset from raw data and is orders of magnitude slower):
here all 2^p subset R² values come from one correlation matrix by batched
linear solves (``numpy.linalg.solve`` on stacks of sub-matrices), so p = 15
drivers take ~0.25 s, p = 18 ~3 s and p = 20 ~10 s on one core, and the same code
serves aggregated data (a correlation matrix and n) without the raw rows.
Checked against relaimpo and rwa printed output and a brute-force OLS peer
(statsmodels) in ``tests/core/test_drivers.py``. From raw rows, the correlation matrix
comes from mergeable cross products (:class:`servgap.core.suffstats.CrossProducts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, combinations
from math import comb, factorial
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core._stats import numeric_frame
from servgap.core.errors import (
    ComputationError,
    InputError,
    InsufficientDataError,
    SpecError,
)
from servgap.core.suffstats import CrossProducts, column_cross_products, cross_products

FloatArray = npt.NDArray[np.float64]
ImportanceMethod = Literal["lmg", "relative_weights"]
IpaMethod = Literal["stated", "correlation", "relative_weights"]
Crosshair = Literal["mean", "median", "scale_midpoint"]

#: Largest number of drivers for which exact LMG is computed (2^20 subsets, a
#: few seconds). Above it use ``method="relative_weights"``, which approximates
#: LMG closely in practice (Johnson 2000; LeBreton et al. 2004) at O(p³) cost.
MAX_EXACT_LMG_DRIVERS = 20
_SOLVE_BATCH = 65_536

QUADRANTS: dict[str, tuple[str, str]] = {
    "concentrate_here": ("Concentrate here", "重点改进"),
    "keep_up_the_good_work": ("Keep up the good work", "继续保持"),
    "low_priority": ("Low priority", "低优先级"),
    "possible_overkill": ("Possible overkill", "可能过度投入"),
}


@dataclass(frozen=True)
class RelativeImportanceResult(ResultMixin):
    """Result of :func:`relative_importance`.

    Attributes
    ----------
    target : str
        The explained score.
    method : {"lmg", "relative_weights"}
    r2 : float
        R² of the full linear model (all drivers).
    n : int or None
        Respondents used (None when only a correlation matrix was given
        without ``n``).
    n_dropped : int
        Rows dropped because a driver or the target was empty.
    table : pandas.DataFrame
        ``driver, importance, share``: importance sums to ``r2``; share =
        importance / r2 sums to 1. Rows in the order the drivers were given.
    """

    target: str
    method: str
    r2: float
    n: int | None
    n_dropped: int
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class IpaResult(ResultMixin):
    """Result of :func:`importance_performance`.

    Attributes
    ----------
    table : pandas.DataFrame
        ``dimension, importance, performance, quadrant, quadrant_en,
        quadrant_zh`` plus ``adequate, shortfall, weighted_shortfall`` when
        adequate levels were given.
    method : str
        Where importance came from: "stated", "correlation" or "relative_weights".
    crosshair : str
        "mean", "median" or "scale_midpoint".
    importance_crosshair, performance_crosshair : float
        Where the grid is split.
    crosshair_rule : str
        How points exactly on a crosshair are classified.
    short_board : str or None
        The dimension to fix first (None when every dimension meets its
        adequate level).
    short_board_reason_en, short_board_reason_zh : str
        Why.
    """

    table: pd.DataFrame
    method: str
    crosshair: str
    importance_crosshair: float
    performance_crosshair: float
    crosshair_rule: str
    short_board: str | None
    short_board_reason_en: str
    short_board_reason_zh: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _check_names(target: str, drivers: Sequence[str]) -> list[str]:
    if isinstance(drivers, str):
        raise SpecError(
            f"drivers must be a list of column names, got the string {drivers!r}.",
            f"drivers 必须是列名列表，收到的是字符串 {drivers!r}。",
        )
    drv = list(drivers)
    if not drv:
        raise SpecError(
            "No drivers given; pass at least one driver column.",
            "未给出驱动因素；请至少提供一个驱动因素列。",
        )
    dup = sorted({d for d in drv if drv.count(d) > 1})
    if dup:
        raise SpecError(
            f"Driver(s) {dup} listed more than once; list each driver once.",
            f"驱动因素 {dup} 重复出现；每个驱动因素只能列出一次。",
        )
    if target in drv:
        raise SpecError(
            f"The target `{target}` is also listed as a driver; remove it from the drivers.",
            f"目标变量 `{target}` 同时被列为驱动因素；请将其从驱动因素中删除。",
        )
    return drv


def _numeric_frame(data: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """Numeric copy of ``columns`` with incomplete rows dropped (listwise)."""
    frame = numeric_frame(data, columns, what_en="driver/target columns", what_zh="驱动因素/目标列")
    complete = frame.notna().all(axis=1)
    return frame[complete], int((~complete).sum())


@dataclass(frozen=True)
class _CrossPart:
    """One batch's cross products and rows dropped (mergeable, so an engine can combine)."""

    cp: CrossProducts
    dropped: int

    def merge(self, other: _CrossPart) -> _CrossPart:
        return _CrossPart(self.cp.merge(other.cp), self.dropped + other.dropped)


def _batch_cross_products(frame: pd.DataFrame, *, columns: list[str]) -> _CrossPart:
    """:func:`_cross_products` of one batch (module level: an engine may run it elsewhere)."""
    return _CrossPart(*_cross_products(frame, columns))


def _cross_products(
    data: Any, columns: list[str], engine: str = "memory"
) -> tuple[CrossProducts, int]:
    """Cross products of the complete rows of ``columns`` and the rows dropped (listwise).

    Plain numpy number columns are read in place (:func:`column_cross_products`); any
    other column goes through :func:`numeric_frame`, which lists every bad cell. Another
    engine streams the columns in batches (:func:`servgap.engines.batches`) whose cross
    products are merged (:meth:`CrossProducts.merge`).
    """
    if engine != "memory":
        from servgap.engines import check_engine, fold

        check_engine(engine)
        merged: CrossProducts | None = None
        dropped = 0
        # where the engine runs it (Spark: on the executors, one small result per partition)
        for got in fold(engine, data, columns, partial(_batch_cross_products, columns=columns)):
            merged = got.cp if merged is None else merged.merge(got.cp)
            dropped += got.dropped
        if merged is None:
            p = len(columns)
            merged = CrossProducts(tuple(columns), 0, np.zeros(p), np.zeros(p), np.zeros((p, p)))
        return merged, dropped
    if not isinstance(data, pd.DataFrame):
        raise InputError(
            f"Expected a pandas DataFrame, got {type(data).__name__} (a Parquet path needs "
            "engine='duckdb').",
            f"需要 pandas DataFrame，收到的是 {type(data).__name__}（Parquet 路径需要 "
            "engine='duckdb'）。",
        )
    if len(set(columns)) == len(columns) and all(
        c in data.columns and isinstance(data[c].dtype, np.dtype) and data[c].dtype.kind in "iuf"
        for c in columns
    ):
        return column_cross_products([data[c].to_numpy() for c in columns], columns)
    frame, dropped = _numeric_frame(data, columns)
    return cross_products(frame.to_numpy(dtype=np.float64), columns), dropped


def _corr_from_input(
    corr: pd.DataFrame | FloatArray, names: list[str] | None
) -> tuple[FloatArray, list[str]]:
    if isinstance(corr, pd.DataFrame):
        labels = [str(c) for c in corr.columns]
        if list(map(str, corr.index)) != labels:
            corr = corr.loc[corr.columns, :]
        mat = corr.to_numpy(dtype=np.float64)
    else:
        mat = np.asarray(corr, dtype=np.float64)
        if names is None:
            raise SpecError(
                "A bare correlation matrix needs its variable names; pass a DataFrame "
                "with labelled rows and columns.",
                "裸相关矩阵需要变量名；请传入带行列标签的 DataFrame。",
            )
        labels = list(names)
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1] or mat.shape[0] != len(labels):
        raise InputError(
            f"The correlation matrix must be square with one label per row, got shape "
            f"{mat.shape} and {len(labels)} labels.",
            f"相关矩阵必须是方阵且每行一个标签，收到形状 {mat.shape}、{len(labels)} 个标签。",
        )
    if not np.all(np.isfinite(mat)) or not np.allclose(mat, mat.T, atol=1e-10):
        raise InputError(
            "The correlation matrix has missing/infinite entries or is not symmetric.",
            "相关矩阵含缺失/无穷值或不对称。",
        )
    d = np.diag(mat)
    zero = [labels[i] for i in range(len(labels)) if d[i] <= 0]
    if zero:
        raise InputError(
            f"Variable(s) {zero} have zero variance (constant); drop them.",
            f"变量 {zero} 方差为零（常数）；请删除。",
        )
    s = 1.0 / np.sqrt(d)
    return mat * s[:, None] * s[None, :], labels  # covariance -> correlation


def _check_not_singular(rxx: FloatArray, drivers: list[str]) -> None:
    ev, vec = np.linalg.eigh(rxx)
    if ev[0] <= 1e-10 * max(float(ev[-1]), 1.0):
        v = vec[:, 0]
        involved = [drivers[i] for i in np.flatnonzero(np.abs(v) > 1e-3)]
        raise ComputationError(
            f"The drivers {involved} are perfectly collinear (one is an exact linear "
            "combination of the others), so their importance cannot be separated; drop one "
            "of them or merge them into one score.",
            f"驱动因素 {involved} 完全共线（其中一个是其余的精确线性组合），无法区分其重要性；"
            "请删除其中一个或合并为一个分数。",
        )


def _all_subset_r2(rxx: FloatArray, rxy: FloatArray) -> FloatArray:
    """R² of every subset of drivers, indexed by bitmask (bit j = driver j)."""
    p = rxy.size
    r2 = np.zeros(1 << p)
    for size in range(1, p + 1):
        m = comb(p, size)
        flat = chain.from_iterable(combinations(range(p), size))
        combos = np.fromiter(flat, dtype=np.int64, count=m * size).reshape(m, size)
        masks = (np.int64(1) << combos).sum(axis=1)
        for start in range(0, combos.shape[0], _SOLVE_BATCH):
            c = combos[start : start + _SOLVE_BATCH]
            sub = rxx[c[:, :, None], c[:, None, :]]
            rv = rxy[c]
            sol = np.linalg.solve(sub, rv[..., None])[..., 0]
            r2[masks[start : start + _SOLVE_BATCH]] = (rv * sol).sum(axis=1)
    return r2


def _lmg(rxx: FloatArray, rxy: FloatArray) -> FloatArray:
    """Shapley value of each driver in the R² game."""
    p = rxy.size
    r2 = _all_subset_r2(rxx, rxy)
    masks = np.arange(1 << p, dtype=np.int64)
    size = np.bitwise_count(masks).astype(np.int64)
    weight = np.array(
        [factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)], dtype=np.float64
    )
    out = np.empty(p)
    for j in range(p):
        bit = np.int64(1) << j
        without = masks[(masks & bit) == 0]
        out[j] = float((weight[size[without]] * (r2[without | bit] - r2[without])).sum())
    return out


def _relative_weights(rxx: FloatArray, rxy: FloatArray) -> FloatArray:
    """Johnson (2000) relative weights ε_j = Σ_k Λ_jk² β_k²."""
    ev, vec = np.linalg.eigh(rxx)
    lam = vec @ np.diag(np.sqrt(np.clip(ev, 0.0, None))) @ vec.T
    beta = np.linalg.solve(lam, rxy)
    return np.asarray((lam**2) @ (beta**2), dtype=np.float64)


# ---------------------------------------------------------------------------
# relative importance
# ---------------------------------------------------------------------------


def relative_importance_from_corr(
    corr: pd.DataFrame | FloatArray,
    target: str,
    drivers: Sequence[str],
    n: int | None = None,
    *,
    method: ImportanceMethod = "lmg",
    names: Sequence[str] | None = None,
) -> RelativeImportanceResult:
    """Relative importance from a correlation (or covariance) matrix.

    This is the sufficient-statistics path: a correlation matrix computed once
    (from raw rows, from a database aggregate of n, Σx and Σxy, or copied from a
    report) is all LMG and relative weights need.

    Parameters
    ----------
    corr : pandas.DataFrame or ndarray
        Correlation or covariance matrix of target and drivers (a covariance
        matrix is rescaled to correlations). A bare array needs ``names``.
    target : str
        Name of the explained variable in ``corr``.
    drivers : sequence of str
        Names of the drivers in ``corr``.
    n : int, optional
        Number of respondents behind ``corr`` (reported only).
    method : {"lmg", "relative_weights"}
    names : sequence of str, optional
        Labels for a bare array ``corr``.

    Returns
    -------
    RelativeImportanceResult

    Raises
    ------
    SpecError
        No/duplicate drivers, target among drivers, names missing, > 20 drivers for LMG.
    InputError
        Names not in the matrix, non-symmetric matrix, zero-variance variable.
    ComputationError
        Perfectly collinear drivers (named).

    Notes
    -----
    With :math:`R_{xx}` the drivers' correlation matrix and :math:`r_{xy}` their
    correlations with the target, the R² of a subset S is
    :math:`R^2(S) = r_S^\\top R_{SS}^{-1} r_S`. LMG (Shapley):
    :math:`\\mathrm{LMG}_j = \\sum_{S \\not\\ni j} \\frac{|S|!(p-|S|-1)!}{p!}
    [R^2(S\\cup\\{j\\}) - R^2(S)]`, computed exactly for p ≤ 20 (all 2^p subsets).
    Relative weights (Johnson 2000): :math:`R_{xx} = V\\,\\mathrm{diag}(\\lambda)V^\\top`,
    :math:`\\Lambda = V\\,\\mathrm{diag}(\\sqrt\\lambda)V^\\top`,
    :math:`\\beta = \\Lambda^{-1} r_{xy}`, :math:`\\varepsilon_j = \\sum_k \\Lambda_{jk}^2\\beta_k^2`.
    Both sum to R². For more than 20 drivers use relative weights (documented fallback).

    References
    ----------
    Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*, p. 119ff. Scott, Foresman.
    Grömping, U. (2006). Relative importance for linear regression in R: the package
    relaimpo. *J. Statistical Software* 17(1).
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behav. Res.* 35(1), 1–19.
    """
    return _from_corr(corr, target, drivers, n=n, method=method, names=names, n_dropped=0)


def _from_corr(
    corr: pd.DataFrame | FloatArray,
    target: str,
    drivers: Sequence[str],
    *,
    n: int | None,
    method: ImportanceMethod,
    names: Sequence[str] | None,
    n_dropped: int,
) -> RelativeImportanceResult:
    if method not in ("lmg", "relative_weights"):
        raise SpecError(
            f"method must be 'lmg' or 'relative_weights', got {method!r}.",
            f"method 必须是 'lmg' 或 'relative_weights'，收到 {method!r}。",
        )
    drv = _check_names(target, drivers)
    mat, labels = _corr_from_input(corr, list(names) if names is not None else None)
    absent = [v for v in [target, *drv] if v not in labels]
    if absent:
        raise InputError(
            f"Variable(s) {absent} are not in the correlation matrix ({labels}).",
            f"变量 {absent} 不在相关矩阵中（{labels}）。",
        )
    if method == "lmg" and len(drv) > MAX_EXACT_LMG_DRIVERS:
        raise SpecError(
            f"Exact LMG is limited to {MAX_EXACT_LMG_DRIVERS} drivers (2^p subsets); got "
            f"{len(drv)}. Use method='relative_weights', or group drivers into dimensions.",
            f"精确 LMG 最多支持 {MAX_EXACT_LMG_DRIVERS} 个驱动因素（2^p 个子集），收到 {len(drv)} 个。"
            "请使用 method='relative_weights'，或将驱动因素合并为维度。",
        )
    idx = [labels.index(d) for d in drv]
    t = labels.index(target)
    rxx = mat[np.ix_(idx, idx)]
    rxy = mat[idx, t]
    _check_not_singular(rxx, drv)
    imp = _lmg(rxx, rxy) if method == "lmg" else _relative_weights(rxx, rxy)
    r2 = float(rxy @ np.linalg.solve(rxx, rxy))
    share = imp / r2 if r2 > 0 else np.zeros_like(imp)
    table = pd.DataFrame({"driver": drv, "importance": imp, "share": share})
    return RelativeImportanceResult(
        target=target, method=method, r2=r2, n=n, n_dropped=n_dropped, table=table
    )


def relative_importance(
    data: pd.DataFrame,
    target: str,
    drivers: Sequence[str],
    *,
    method: ImportanceMethod = "lmg",
    engine: str = "memory",
) -> RelativeImportanceResult:
    """Split the R² of ``target ~ drivers`` into one importance per driver.

    Rows with any empty driver or target are dropped (listwise, counted in
    ``n_dropped``), the Pearson correlation matrix is computed once, and
    :func:`relative_importance_from_corr` does the rest (see there for the
    formulas and references).

    ``engine="memory"`` reads ``data`` (a DataFrame); another engine of
    :mod:`servgap.engines` (``"duckdb"``: ``data`` the path of a Parquet file or folder)
    streams the columns in batches whose cross products (n, Σx, Σxxᵀ) are merged, so
    only a (p + 1)² matrix is kept whatever the size of the source.

    Raises
    ------
    InputError
        Missing columns, non-numeric cells (all listed), constant columns.
    InsufficientDataError
        Fewer complete rows than drivers + 2.
    ComputationError
        Perfectly collinear drivers (named).

    Notes
    -----
    Checked against: relaimpo (Grömping 2006) printed LMG for
    ``mpg ~ am + vs + cyl`` (mtcars); rwa (Chan) printed relative weights for
    ``mpg ~ cyl + disp + hp + gear``; R ``lm`` R² = 0.7067 for swiss; and an
    all-orderings OLS peer (statsmodels) on swiss.
    """
    drv = _check_names(target, drivers)
    # sufficient statistics: n, Σx and the cross-product matrix of the complete rows
    cp, dropped = _cross_products(data, [target, *drv], engine)
    n = cp.n
    if n < len(drv) + 2:
        raise InsufficientDataError(
            f"{n} complete row(s) for {len(drv)} driver(s); at least {len(drv) + 2} are needed.",
            f"{len(drv)} 个驱动因素只有 {n} 条完整记录；至少需要 {len(drv) + 2} 条。",
        )
    sd = np.sqrt(np.maximum(np.diag(cp.covariance()), 0.0))
    const = [c for c, s in zip(cp.names, sd, strict=True) if not s > 0]
    if const:
        raise InputError(
            f"Column(s) {const} are constant in the {n} complete rows; drop them.",
            f"列 {const} 在 {n} 条完整记录中为常数；请删除。",
        )
    corr = cp.correlation()
    return _from_corr(
        corr, target, drv, n=n, method=method, names=[target, *drv], n_dropped=dropped
    )


# ---------------------------------------------------------------------------
# importance-performance analysis
# ---------------------------------------------------------------------------


def _as_series(values: Mapping[str, float] | pd.Series, what: str) -> pd.Series:
    s = pd.Series(values, dtype="float64") if not isinstance(values, pd.Series) else values
    s = pd.to_numeric(s, errors="coerce").astype(np.float64)
    bad = s.index[~np.isfinite(s.to_numpy())].tolist()
    if bad:
        raise InputError(
            f"{what} is missing or not a number for dimension(s) {bad}.",
            f"维度 {bad} 的{'重要性' if what == 'importance' else '表现'}缺失或不是数字。",
        )
    if s.empty:
        raise InputError(f"No {what} values given.", f"未提供{what}数据。")
    s.index = s.index.map(str)
    return s


def importance_performance(
    performance: Mapping[str, float] | pd.Series,
    importance: Mapping[str, float] | pd.Series | None = None,
    *,
    data: pd.DataFrame | None = None,
    target: str | None = None,
    method: IpaMethod = "stated",
    adequate: Mapping[str, float] | pd.Series | None = None,
    crosshair: Crosshair = "mean",
    scale: tuple[float, float] | None = None,
    importance_scale: tuple[float, float] | None = None,
    engine: str = "memory",
) -> IpaResult:
    """Importance–performance analysis (IPA) with the short board.

    Parameters
    ----------
    performance : mapping or Series
        Dimension → mean performance (e.g. mean perceived score).
    importance : mapping or Series, optional
        Dimension → stated importance (required for ``method="stated"``).
    data, target : DataFrame and str, optional
        Respondent-level data for derived importance: the dimension names must
        be columns of ``data`` and ``target`` the overall score.
    method : {"stated", "correlation", "relative_weights"}
        Stated importance as given; or derived importance = Pearson correlation
        with ``target``; or Johnson relative weights (share of R²).
    adequate : mapping or Series, optional
        Dimension → adequate (minimum acceptable) performance level, e.g. the
        mean adequate expectation of the zone of tolerance.
    crosshair : {"mean", "median", "scale_midpoint"}
        Where to split each axis: the mean or median of the plotted values, or
        the midpoint of the scale (needs ``scale`` and, for stated importance,
        ``importance_scale``; derived importance then uses its mean).
    engine : str, default "memory"
        Where derived importance reads ``data``: ``"memory"`` (a DataFrame) or another
        engine of :mod:`servgap.engines` (``"duckdb"``: the path of a Parquet file or
        folder), which streams the columns in batches whose cross products are merged
        (as in :func:`relative_importance`).

    Returns
    -------
    IpaResult

    Notes
    -----
    Quadrants (Martilla & James 1977): high importance & low performance —
    "Concentrate here" (重点改进); high & high — "Keep up the good work" (继续保持);
    low & low — "Low priority" (低优先级); low importance & high performance —
    "Possible overkill" (可能过度投入).

    **Crosshair rule.** importance ≥ importance crosshair counts as *high*
    importance; performance > performance crosshair counts as *high*
    performance. So a point exactly on a crosshair falls on the side that asks
    for attention (high importance, low performance) — the cautious reading.

    **Short board** (the dimension to fix first). With ``adequate`` levels:
    shortfall = max(0, adequate − performance), weighted by importance
    (rescaled to shares summing to 1); the largest weighted shortfall wins
    (ties: higher importance, then name). If nothing falls short, there is no
    short board. Without ``adequate``: the lowest-performing dimension in the
    high-importance half (ties: higher importance, then name).

    References
    ----------
    Martilla, J. A. & James, J. C. (1977). Importance-performance analysis.
    *J. Marketing* 41(1), 77–79.
    """
    perf = _as_series(performance, "performance")
    dims = list(perf.index)
    notes: list[str] = []
    if method == "stated":
        if importance is None:
            raise SpecError(
                "method='stated' needs the importance values; pass importance=... or use "
                "method='correlation'/'relative_weights' with data and target.",
                "method='stated' 需要重要性数据；请传入 importance=...，或使用带 data 和 target 的 "
                "method='correlation'/'relative_weights'。",
            )
        imp = _as_series(importance, "importance")
    elif method in ("correlation", "relative_weights"):
        if data is None or target is None:
            raise SpecError(
                f"method={method!r} derives importance from data; pass data=... and target=....",
                f"method={method!r} 从数据推导重要性；请传入 data=... 和 target=...。",
            )
        if method == "correlation":
            cp, _ = _cross_products(data, [target, *dims], engine)
            with np.errstate(invalid="ignore", divide="ignore"):
                r = cp.correlation()[0, 1:] if cp.n > 1 else np.full(len(dims), np.nan)
            imp = pd.Series(r, index=dims, dtype=np.float64)
        else:
            ri = relative_importance(data, target, dims, method="relative_weights", engine=engine)
            imp = pd.Series(ri.table["share"].to_numpy(), index=dims, dtype=np.float64)
    else:
        raise SpecError(
            f"method must be 'stated', 'correlation' or 'relative_weights', got {method!r}.",
            f"method 必须是 'stated'、'correlation' 或 'relative_weights'，收到 {method!r}。",
        )
    missing = sorted(set(dims) - set(imp.index))
    extra = sorted(set(imp.index) - set(dims))
    if missing or extra:
        raise SpecError(
            f"Importance and performance must cover the same dimensions; missing importance "
            f"for {missing}, importance without performance for {extra}.",
            f"重要性与表现必须覆盖相同维度；缺少重要性：{missing}，缺少表现：{extra}。",
        )
    imp = imp.loc[dims]

    if crosshair == "mean":
        ic, pcx = float(imp.mean()), float(perf.mean())
    elif crosshair == "median":
        ic, pcx = float(imp.median()), float(perf.median())
    elif crosshair == "scale_midpoint":
        if scale is None:
            raise SpecError(
                "crosshair='scale_midpoint' needs the performance scale, e.g. scale=(1, 7).",
                "crosshair='scale_midpoint' 需要表现量表的两端，例如 scale=(1, 7)。",
            )
        pcx = (float(scale[0]) + float(scale[1])) / 2.0
        if method == "stated":
            if importance_scale is None:
                raise SpecError(
                    "crosshair='scale_midpoint' with stated importance needs "
                    "importance_scale, e.g. importance_scale=(1, 7).",
                    "crosshair='scale_midpoint' 且使用陈述重要性时需要 importance_scale，"
                    "例如 importance_scale=(1, 7)。",
                )
            ic = (float(importance_scale[0]) + float(importance_scale[1])) / 2.0
        else:
            ic = float(imp.mean())
            notes.append("derived importance has no scale: its crosshair is the mean")
    else:
        raise SpecError(
            f"crosshair must be 'mean', 'median' or 'scale_midpoint', got {crosshair!r}.",
            f"crosshair 必须是 'mean'、'median' 或 'scale_midpoint'，收到 {crosshair!r}。",
        )

    hi_imp = imp.to_numpy() >= ic
    hi_perf = perf.to_numpy() > pcx
    codes = np.where(
        hi_imp,
        np.where(hi_perf, "keep_up_the_good_work", "concentrate_here"),
        np.where(hi_perf, "possible_overkill", "low_priority"),
    )
    table = pd.DataFrame(
        {
            "dimension": dims,
            "importance": imp.to_numpy(),
            "performance": perf.to_numpy(),
            "quadrant": codes,
            "quadrant_en": [QUADRANTS[c][0] for c in codes],
            "quadrant_zh": [QUADRANTS[c][1] for c in codes],
        }
    )
    rule = (
        "importance >= crosshair is high importance; performance > crosshair is high "
        "performance (a point on a crosshair is read as needing attention)"
    )

    short: str | None
    if adequate is not None:
        adq = _as_series(adequate, "adequate level")
        lack = sorted(set(dims) - set(adq.index))
        if lack:
            raise SpecError(
                f"Adequate level missing for dimension(s) {lack}.",
                f"维度 {lack} 缺少适当（最低可接受）水平。",
            )
        adq = adq.loc[dims]
        total = float(np.abs(imp).sum())
        w = np.abs(imp.to_numpy()) / total if total > 0 else np.full(len(dims), 1 / len(dims))
        shortfall = np.maximum(adq.to_numpy() - perf.to_numpy(), 0.0)
        weighted = w * shortfall
        table["adequate"] = adq.to_numpy()
        table["shortfall"] = shortfall
        table["weighted_shortfall"] = weighted
        if not np.any(shortfall > 0):
            short = None
            why_en = "Every dimension performs at or above its adequate level: no short board."
            why_zh = "所有维度的表现都达到或超过适当水平：没有短板。"
        else:
            order = sorted(range(len(dims)), key=lambda i: (-weighted[i], -w[i], dims[i]))
            b = order[0]
            short = dims[b]
            why_en = (
                f"`{short}` has the largest importance-weighted shortfall below its adequate "
                f"level: performance {perf.iloc[b]:.3g} vs adequate {adq.iloc[b]:.3g} "
                f"(shortfall {shortfall[b]:.3g}, importance share {w[b]:.3g}, weighted "
                f"{weighted[b]:.3g})."
            )
            why_zh = (
                f"`{short}` 低于适当水平的缺口按重要性加权后最大：表现 {perf.iloc[b]:.3g}，"
                f"适当水平 {adq.iloc[b]:.3g}（缺口 {shortfall[b]:.3g}，重要性占比 {w[b]:.3g}，"
                f"加权缺口 {weighted[b]:.3g}）。"
            )
    else:
        cand = [i for i in range(len(dims)) if hi_imp[i]]
        pv = perf.to_numpy()
        iv = imp.to_numpy()
        b = sorted(cand, key=lambda i: (pv[i], -iv[i], dims[i]))[0]
        short = dims[b]
        why_en = (
            f"No adequate levels given: `{short}` has the lowest performance ({pv[b]:.3g}) "
            f"among the high-importance dimensions (importance >= {ic:.3g})."
        )
        why_zh = (
            f"未提供适当水平：在高重要性维度（重要性 >= {ic:.3g}）中，`{short}` 的表现最低"
            f"（{pv[b]:.3g}）。"
        )
    return IpaResult(
        table=table,
        method=method,
        crosshair=crosshair,
        importance_crosshair=ic,
        performance_crosshair=pcx,
        crosshair_rule=rule,
        short_board=short,
        short_board_reason_en=why_en,
        short_board_reason_zh=why_zh,
        notes=tuple(notes),
    )


__all__: list[Any] = [
    "MAX_EXACT_LMG_DRIVERS",
    "QUADRANTS",
    "IpaResult",
    "RelativeImportanceResult",
    "importance_performance",
    "relative_importance",
    "relative_importance_from_corr",
]
