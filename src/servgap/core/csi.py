"""Customer satisfaction index models: PLS path modelling and the ACSI 0–100 index.

:func:`csi_model` estimates a structural model of latent constructs (image,
expectations, perceived quality, value, satisfaction, complaints, loyalty...)
measured by survey items, by partial least squares path modelling (PLS-PM):
Wold's algorithm in Lohmöller's formulation with Mode A (reflective) outer
weights and the centroid, factorial or path inner weighting scheme, exactly as
R ``plspm`` (Sanchez 2013) computes it — including its convergence criterion —
so its results can be compared number for number. It adds what a CSI report
needs: reliability per block (raw *and* standardized Cronbach alpha,
Dillon–Goldstein rho, AVE), GoF, bootstrap standard errors and percentile
intervals for the paths, and the ACSI-style 0–100 index of every construct.

Written by hand because the only Python port (PyPI ``plspm`` 0.5.7) breaks on
pandas 3, does not standardise with ``scaled=True``, and lacks the index and
raw alpha; the algorithm is ~100 lines of numpy. Checked against R plspm
output for the ECSI mobile-phone data (Tenenhaus et al. 2005; ``plspm::
satisfaction``) in ``tests/core/test_csi.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core._stats import numeric_frame
from servgap.core.errors import (
    ComputationError,
    InputError,
    InsufficientDataError,
    ProblemCollector,
    SpecError,
)

FloatArray = npt.NDArray[np.float64]
Scheme = Literal["path", "centroid", "factorial"]
ScaleRanges = Mapping[str, tuple[float, float]] | tuple[float, float]

MIN_ROWS = 10


@dataclass(frozen=True)
class CsiResult(ResultMixin):
    """Result of :func:`csi_model`.

    Attributes
    ----------
    constructs : tuple of str
        Latent variables in the order of ``blocks``.
    paths : pandas.DataFrame
        ``from, to, coef``; with bootstrap also ``se, ci_low, ci_high, t``
        (bootstrap standard error, 2.5 % / 97.5 % percentile interval,
        t = coef / se).
    r2 : dict
        R² of every endogenous construct.
    loadings : pandas.DataFrame
        ``construct, indicator, loading, communality, redundancy`` (loading =
        correlation of the indicator with its construct score).
    weights : pandas.DataFrame
        ``construct, indicator, weight, weight_raw, weight_rescaled``:
        ``weight`` is the outer weight on the treated (standardised or centred)
        indicator as plspm reports it; ``weight_raw`` the weight on the indicator
        in its own units; ``weight_rescaled`` the raw weights rescaled to sum to
        1 within the block (used by the index).
    reliability : pandas.DataFrame
        ``construct, n_indicators, cronbach_alpha_raw, cronbach_alpha_std,
        dillon_goldstein_rho, ave, eig_1st, eig_2nd``. ``cronbach_alpha_std``
        is plspm's ``C.alpha`` (and seminr's alpha); ``cronbach_alpha_raw`` is
        what SPSS and R psych call alpha. Single-indicator blocks get 1 by
        convention (as plspm).
    gof : float or None
        sqrt(mean communality × mean R²), communality averaged over the
        indicators of blocks with more than one indicator (plspm). None when
        there is no such block (then ``notes`` says so).
    index : pandas.DataFrame or None
        ``construct, index`` on 0–100 (ACSI convention); None without
        ``scale_ranges`` (then ``notes`` says so).
    scores : pandas.DataFrame
        Construct scores (standardised, one row per respondent used).
    scheme : str
    scaled : bool
    n, n_dropped : int
        Respondents used and rows dropped for missing answers.
    iterations : int
        Iterations of the outer-weight loop.
    bootstrap : int
        Bootstrap resamples requested.
    bootstrap_failed : int
        Resamples that failed (constant indicator or no convergence) and were skipped.
    notes : tuple of str
    """

    constructs: tuple[str, ...]
    paths: pd.DataFrame
    r2: dict[str, float]
    loadings: pd.DataFrame
    weights: pd.DataFrame
    reliability: pd.DataFrame
    gof: float | None
    index: pd.DataFrame | None
    scores: pd.DataFrame
    scheme: str
    scaled: bool
    n: int
    n_dropped: int
    iterations: int
    bootstrap: int
    bootstrap_failed: int
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The path table."""
        return self.paths.copy()


# ---------------------------------------------------------------------------
# specification checks
# ---------------------------------------------------------------------------


def _check_spec(
    blocks: Mapping[str, Sequence[str]], paths: Sequence[tuple[str, str]]
) -> tuple[list[str], list[list[str]], FloatArray, list[tuple[str, str]]]:
    if not isinstance(blocks, Mapping) or not blocks:
        raise SpecError(
            "blocks must map each construct to its indicator columns, e.g. "
            "{'satisfaction': ['sat1', 'sat2']}.",
            "blocks 必须把每个潜变量映射到其指标列，例如 {'satisfaction': ['sat1', 'sat2']}。",
        )
    names = [str(k) for k in blocks]
    cols: list[list[str]] = []
    seen: dict[str, str] = {}
    for lv, items in blocks.items():
        if isinstance(items, str) or len(list(items)) == 0:
            raise SpecError(
                f"Construct `{lv}` needs a non-empty list of indicator columns, got {items!r}.",
                f"潜变量 `{lv}` 需要非空的指标列列表，收到 {items!r}。",
            )
        lst = [str(i) for i in items]
        for i in lst:
            if i in seen:
                raise SpecError(
                    f"Indicator `{i}` is assigned to both `{seen[i]}` and `{lv}`; each indicator "
                    "belongs to one construct.",
                    f"指标 `{i}` 同时分配给了 `{seen[i]}` 和 `{lv}`；每个指标只能属于一个潜变量。",
                )
            seen[i] = str(lv)
        cols.append(lst)
    k = len(names)
    pmat = np.zeros((k, k))
    plist: list[tuple[str, str]] = []
    for pair in paths:
        if len(pair) != 2:
            raise SpecError(
                f"Each path must be a (from, to) pair, got {pair!r}.",
                f"每条路径必须是 (from, to) 二元组，收到 {pair!r}。",
            )
        a, b = str(pair[0]), str(pair[1])
        unknown = [x for x in (a, b) if x not in names]
        if unknown:
            raise SpecError(
                f"Path {a} -> {b} uses construct(s) {unknown} that have no block; "
                f"known constructs: {names}.",
                f"路径 {a} -> {b} 使用了没有指标块的潜变量 {unknown}；已知潜变量：{names}。",
            )
        if a == b:
            raise SpecError(f"Path {a} -> {b} points to itself.", f"路径 {a} -> {b} 指向自身。")
        if pmat[names.index(b), names.index(a)]:
            raise SpecError(f"Path {a} -> {b} is listed twice.", f"路径 {a} -> {b} 重复出现。")
        pmat[names.index(b), names.index(a)] = 1.0
        plist.append((a, b))
    isolated = [names[i] for i in range(k) if pmat[i].sum() + pmat[:, i].sum() == 0]
    if isolated:
        raise SpecError(
            f"Construct(s) {isolated} take part in no path; connect them or drop their blocks.",
            f"潜变量 {isolated} 不在任何路径中；请连接它们或删除其指标块。",
        )
    # acyclic (recursive model), by repeatedly removing sources
    remaining = set(range(k))
    while remaining:
        src = [i for i in remaining if not any(pmat[i, j] for j in remaining)]
        if not src:
            cyc = sorted(names[i] for i in remaining)
            raise SpecError(
                f"The paths among {cyc} form a cycle; PLS path models must be recursive.",
                f"{cyc} 之间的路径构成环；PLS 路径模型必须是递归（无环）的。",
            )
        remaining -= set(src)
    return names, cols, pmat, plist


def _prepare_data(data: pd.DataFrame, cols: list[list[str]]) -> tuple[FloatArray, list[str], int]:
    flat = [c for block in cols for c in block]
    frame = numeric_frame(data, flat, what_en="indicator columns", what_zh="指标列").reset_index(
        drop=True
    )
    complete = frame.notna().all(axis=1).to_numpy()
    mv = frame.to_numpy()[complete]
    n = mv.shape[0]
    if n < MIN_ROWS:
        raise InsufficientDataError(
            f"Only {n} respondent(s) answered every indicator; PLS path modelling needs at "
            f"least {MIN_ROWS}.",
            f"只有 {n} 名受访者回答了全部指标；PLS 路径建模至少需要 {MIN_ROWS} 名。",
        )
    sd = mv.std(axis=0)
    const = [flat[i] for i in range(len(flat)) if not sd[i] > 0]
    if const:
        raise InputError(
            f"Indicator(s) {const} have the same answer for every respondent; drop them.",
            f"指标 {const} 对所有受访者取值相同；请删除。",
        )
    return mv, flat, int((~complete).sum())


# ---------------------------------------------------------------------------
# the PLS-PM algorithm (R plspm, Lohmöller)
# ---------------------------------------------------------------------------


def _treat(mv: FloatArray, scaled: bool) -> FloatArray:
    """Centre; with ``scaled`` also divide by the population standard deviation."""
    x = mv - mv.mean(axis=0)
    if scaled:
        x = x / mv.std(axis=0)
    return np.asarray(x, dtype=np.float64)


def _corr(a: FloatArray, b: FloatArray) -> FloatArray:
    """Pearson correlations between the columns of a and of b."""
    ac = a - a.mean(axis=0)
    bc = b - b.mean(axis=0)
    num = ac.T @ bc
    den = np.sqrt((ac**2).sum(axis=0))[:, None] * np.sqrt((bc**2).sum(axis=0))[None, :]
    return np.asarray(num / den, dtype=np.float64)


def _inner_weights(y: FloatArray, pmat: FloatArray, scheme: str) -> FloatArray:
    link = pmat + pmat.T
    if scheme == "centroid":
        return np.asarray(np.sign(_corr(y, y) * link), dtype=np.float64)
    if scheme == "factorial":
        return np.asarray(_corr(y, y) * link, dtype=np.float64)
    e = pmat.copy()
    k = pmat.shape[0]
    for j in range(k):
        pred = np.flatnonzero(pmat[j] == 1)
        if pred.size:
            coef, *_ = np.linalg.lstsq(y[:, pred], y[:, j], rcond=None)
            e[pred, j] = coef
        succ = np.flatnonzero(pmat[:, j] == 1)
        if succ.size:
            e[succ, j] = _corr(y[:, [j]], y[:, succ])[0]
    return e


def _outer_weights(
    x: FloatArray,
    odm: FloatArray,
    pmat: FloatArray,
    scheme: str,
    tol: float,
    max_iter: int,
) -> tuple[FloatArray, int] | None:
    """plspm ``get_weights``: Mode A, returns (W, iterations) or None if not converged."""
    n = x.shape[0]
    sdv = np.sqrt((n - 1) / n)
    w = odm / (np.std(x @ odm, axis=0, ddof=1) * sdv)
    w_old = w.sum(axis=1)
    it = 1
    while True:
        y = x @ w
        y = (y - y.mean(axis=0)) / np.std(y, axis=0, ddof=1) * sdv
        e = _inner_weights(y, pmat, scheme)
        z = y @ e
        w = odm * ((x.T @ z) / n)  # Mode A: w_j = X_j' z_j / n on each block
        w_new = w.sum(axis=1)
        diff = float(((np.abs(w_old) - np.abs(w_new)) ** 2).sum())
        if not np.isfinite(diff):
            return None
        if diff < tol:
            break
        if it == max_iter:
            return None
        w_old = w_new
        it += 1
    w = w / (np.std(x @ w, axis=0, ddof=1) * sdv)
    return w, it


def _fit_core(
    mv: FloatArray,
    odm: FloatArray,
    pmat: FloatArray,
    scheme: str,
    scaled: bool,
    tol: float,
    max_iter: int,
) -> tuple[FloatArray, FloatArray, FloatArray, int] | None:
    """(treated X, outer weights W, scores LV, iterations) or None."""
    x = _treat(mv, scaled)
    res = _outer_weights(x, odm, pmat, scheme, tol, max_iter)
    if res is None:
        return None
    w, it = res
    lv = x @ w
    cxy = _corr(x, lv)
    sign = np.sign((np.sign(cxy) * odm).sum(axis=0))
    sign[sign == 0] = -1.0
    w = w * sign
    lv = lv * sign
    return x, w, lv, it


def _path_coefs(lv: FloatArray, pmat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """OLS of each endogenous score on its predecessors: (B with B[to, from], R² per LV)."""
    k = pmat.shape[0]
    b = np.zeros((k, k))
    r2 = np.zeros(k)
    for j in range(k):
        pred = np.flatnonzero(pmat[j] == 1)
        if pred.size == 0:
            continue
        xx = np.column_stack([np.ones(lv.shape[0]), lv[:, pred]])
        coef, *_ = np.linalg.lstsq(xx, lv[:, j], rcond=None)
        b[j, pred] = coef[1:]
        resid = lv[:, j] - xx @ coef
        yc = lv[:, j] - lv[:, j].mean()
        r2[j] = 1.0 - float(resid @ resid) / float(yc @ yc)
    return b, r2


def _reliability(mv_block: FloatArray) -> tuple[float, float, float, float, float]:
    """(raw alpha, standardized alpha, DG rho, eig1, eig2) of one block."""
    p = mv_block.shape[1]
    if p == 1:
        return 1.0, 1.0, 1.0, 1.0, 0.0
    cov = np.cov(mv_block, rowvar=False)
    alpha_raw = p / (p - 1) * (1.0 - float(np.trace(cov)) / float(cov.sum()))
    r = _corr(mv_block, mv_block)
    rbar = float((r.sum() - p) / (p * (p - 1)))
    alpha_std = p * rbar / (1.0 + (p - 1) * rbar)
    ev, vec = np.linalg.eigh(r)
    lam = vec[:, -1] * np.sqrt(ev[-1])  # correlations of the items with the 1st PC
    num = float(lam.sum()) ** 2
    rho = num / (num + float((1.0 - lam**2).sum()))
    return alpha_raw, alpha_std, rho, float(ev[-1]), float(ev[-2])


def _scale_bounds(
    scale_ranges: ScaleRanges, flat: list[str], mv: FloatArray
) -> tuple[FloatArray, FloatArray]:
    lo = np.empty(len(flat))
    hi = np.empty(len(flat))
    for i, c in enumerate(flat):
        if isinstance(scale_ranges, tuple):
            rng = scale_ranges
        else:
            if c not in scale_ranges:
                raise SpecError(
                    f"scale_ranges has no entry for indicator `{c}`; give every indicator its "
                    "scale ends, or one (min, max) for all.",
                    f"scale_ranges 缺少指标 `{c}` 的量表两端；请为每个指标提供，或为全部提供一个 (min, max)。",
                )
            rng = scale_ranges[c]
        a, b = float(rng[0]), float(rng[1])
        if not a < b:
            raise SpecError(
                f"Scale of `{c}` must have min < max, got ({a}, {b}).",
                f"`{c}` 的量表必须满足 min < max，收到 ({a}, {b})。",
            )
        lo[i], hi[i] = a, b
    pc = ProblemCollector()
    for i, c in enumerate(flat):
        out = np.flatnonzero((mv[:, i] < lo[i]) | (mv[:, i] > hi[i]))
        for r in out[:20]:
            pc.add(
                f"answer {mv[r, i]:g} is outside the scale {lo[i]:g}–{hi[i]:g}",
                f"答案 {mv[r, i]:g} 超出量表范围 {lo[i]:g}–{hi[i]:g}",
                column=c,
                value=float(mv[r, i]),
            )
    pc.raise_if_any(
        InputError,
        f"{len(pc)} answer(s) lie outside the declared scale ends; fix the data or scale_ranges.",
        f"有 {len(pc)} 个答案超出声明的量表范围；请修正数据或 scale_ranges。",
    )
    return lo, hi


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def csi_model(
    data: pd.DataFrame,
    blocks: Mapping[str, Sequence[str]],
    paths: Sequence[tuple[str, str]],
    *,
    scheme: Scheme = "path",
    scaled: bool = True,
    bootstrap: int = 0,
    seed: int | None = 0,
    scale_ranges: ScaleRanges | None = None,
    max_iter: int = 300,
    tol: float = 1e-7,
) -> CsiResult:
    """Estimate a customer satisfaction index model by PLS path modelling.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; rows with an empty indicator are dropped.
    blocks : mapping
        Construct → its indicator columns (reflective, Mode A).
    paths : sequence of (from, to)
        Structural paths; the model must be recursive (no cycles).
    scheme : {"path", "centroid", "factorial"}, default "path"
        Inner weighting scheme (plspm's default is "centroid").
    scaled : bool, default True
        Standardise indicators (population SD, as plspm); False only centres them.
    bootstrap : int, default 0
        Number of bootstrap resamples for path standard errors / intervals.
    seed : int or None, default 0
        Seed of the bootstrap resampling (``numpy.random.default_rng``).
    scale_ranges : mapping or (min, max), optional
        Scale ends of every indicator (or one pair for all) for the 0–100 index.
    max_iter : int, default 300
    tol : float, default 1e-7
        Stop when Σ(|w_old| − |w_new|)² < tol (plspm's criterion; plspm's default
        tol is 1e-6).

    Returns
    -------
    CsiResult

    Raises
    ------
    SpecError
        Bad blocks/paths (unknown construct, shared indicator, cycle, isolated
        construct), bad options.
    InputError
        Missing or non-numeric indicator columns, constant indicators, answers
        outside ``scale_ranges``.
    InsufficientDataError
        Fewer than 10 complete respondents.
    ComputationError
        The outer weights did not converge within ``max_iter`` iterations.

    Notes
    -----
    Indicators X (centred, optionally standardised), outer design matrix ODM,
    inner design :math:`P_{ij} = 1` if construct j → i. Start: each block's
    sum scaled to unit variance. Repeat: outer estimates :math:`Y = XW`
    standardised; inner weights E — centroid :math:`\\mathrm{sign}(\\mathrm{cor}(Y))
    \\odot (P+P^\\top)`, factorial :math:`\\mathrm{cor}(Y) \\odot (P+P^\\top)`, path:
    regression coefficients on predecessors and correlations with successors;
    inner estimates :math:`Z = YE`; Mode A :math:`w_j = X_j^\\top z_j / n`; until
    :math:`\\sum(|w^{old}|-|w^{new}|)^2 <` tol. Scores :math:`\\xi = XW` with unit
    variance; paths by OLS; loading = cor(indicator, score); communality =
    loading²; AVE = mean communality; GoF = √(mean communality × mean R²).
    Cronbach alpha raw = k/(k−1)(1 − Σσ²_i/σ²_Σ); standardized = k r̄/(1+(k−1) r̄);
    Dillon–Goldstein ρ = (Σλ)²/((Σλ)² + Σ(1−λ²)) with λ the correlations with
    the block's first principal component (as plspm).
    Index (Fornell et al. 1996): with raw weights :math:`\\tilde w_i` (weight on
    the indicator in its own units, rescaled to sum to 1),
    index = 100 (Σ w̃ x̄ − Σ w̃ min)/(Σ w̃ max − Σ w̃ min), min/max the scale ends.

    Checked against R plspm (Sanchez 2013) on the ECSI mobile-phone data
    (``plspm::satisfaction``; Tenenhaus et al. 2005): outer weights, loadings,
    communalities, R², path coefficients and GoF for the centroid and path schemes.

    References
    ----------
    Wold, H. (1982). Soft modeling: the basic design and some extensions. In Jöreskog &
    Wold (eds.), *Systems under Indirect Observation*, Part II, 1–54.
    Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
    Physica.
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path
    modeling. *Computational Statistics & Data Analysis* 48, 159–205.
    Sanchez, G. (2013). *PLS Path Modeling with R*. Trowchez Editions.
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996). The
    American Customer Satisfaction Index. *J. Marketing* 60(4), 7–18.
    """
    if scheme not in ("path", "centroid", "factorial"):
        raise SpecError(
            f"scheme must be 'path', 'centroid' or 'factorial', got {scheme!r}.",
            f"scheme 必须是 'path'、'centroid' 或 'factorial'，收到 {scheme!r}。",
        )
    if not isinstance(bootstrap, int) or isinstance(bootstrap, bool) or bootstrap < 0:
        raise SpecError(
            f"bootstrap must be a non-negative integer, got {bootstrap!r}.",
            f"bootstrap 必须是非负整数，收到 {bootstrap!r}。",
        )
    if not (isinstance(max_iter, int) and max_iter >= 1) or not (tol > 0):
        raise SpecError(
            f"max_iter must be a positive integer and tol positive, got {max_iter!r}, {tol!r}.",
            f"max_iter 必须是正整数且 tol 为正数，收到 {max_iter!r}、{tol!r}。",
        )
    names, cols, pmat, plist = _check_spec(blocks, paths)
    mv, flat, dropped = _prepare_data(data, cols)
    n = mv.shape[0]
    k = len(names)
    block_of = np.concatenate([[j] * len(c) for j, c in enumerate(cols)])
    odm = np.zeros((len(flat), k))
    odm[np.arange(len(flat)), block_of] = 1.0

    fit = _fit_core(mv, odm, pmat, scheme, scaled, tol, max_iter)
    if fit is None:
        raise ComputationError(
            f"The PLS outer weights did not converge within max_iter={max_iter} iterations "
            f"(tol={tol}); raise max_iter, try scheme='centroid', or check blocks whose "
            "indicators are weakly correlated.",
            f"PLS 外部权重在 max_iter={max_iter} 次迭代内未收敛（tol={tol}）；请增大 max_iter、"
            "尝试 scheme='centroid'，或检查指标相关性弱的指标块。",
        )
    x, w, lv, iterations = fit
    bmat, r2v = _path_coefs(lv, pmat)
    endo = pmat.sum(axis=1) > 0
    notes: list[str] = []
    if dropped:
        notes.append(f"{dropped} respondent(s) with an empty indicator were left out")

    # outer model
    load = (_corr(x, lv) * odm).sum(axis=1)
    comm = load**2
    redund = comm * r2v[block_of]
    wvec = (w * odm).sum(axis=1)
    sd_pop = mv.std(axis=0)
    w_raw = wvec / sd_pop if scaled else wvec.copy()
    w_resc = np.empty_like(w_raw)
    for j in range(k):
        m = block_of == j
        w_resc[m] = w_raw[m] / w_raw[m].sum()
    ind_lv = [names[j] for j in block_of]
    loadings = pd.DataFrame(
        {
            "construct": ind_lv,
            "indicator": flat,
            "loading": load,
            "communality": comm,
            "redundancy": redund,
        }
    )
    weights = pd.DataFrame(
        {
            "construct": ind_lv,
            "indicator": flat,
            "weight": wvec,
            "weight_raw": w_raw,
            "weight_rescaled": w_resc,
        }
    )

    # reliability
    rel_rows = []
    for j in range(k):
        m = block_of == j
        a_raw, a_std, rho, e1, e2 = _reliability(mv[:, m])
        rel_rows.append((names[j], int(m.sum()), a_raw, a_std, rho, float(comm[m].mean()), e1, e2))
    reliability = pd.DataFrame(
        rel_rows,
        columns=[
            "construct",
            "n_indicators",
            "cronbach_alpha_raw",
            "cronbach_alpha_std",
            "dillon_goldstein_rho",
            "ave",
            "eig_1st",
            "eig_2nd",
        ],
    )

    multi = np.isin(block_of, [j for j in range(k) if len(cols[j]) > 1])
    gof: float | None
    if multi.any():
        gof = float(np.sqrt(comm[multi].mean() * r2v[endo].mean()))
    else:
        gof = None
        notes.append("GoF undefined: every construct has a single indicator")

    # 0-100 index
    index: pd.DataFrame | None
    if scale_ranges is None:
        index = None
        notes.append("index not computed: pass scale_ranges with the indicators' scale ends")
    else:
        lo, hi = _scale_bounds(scale_ranges, flat, mv)
        means = mv.mean(axis=0)
        vals = []
        for j in range(k):
            m = block_of == j
            ww = w_resc[m]
            if np.any(ww <= 0):
                notes.append(
                    f"construct `{names[j]}` has a non-positive outer weight; its index mixes "
                    "signs and should be read with care"
                )
            num = float(ww @ means[m] - ww @ lo[m])
            den = float(ww @ hi[m] - ww @ lo[m])
            vals.append(100.0 * num / den)
        index = pd.DataFrame({"construct": names, "index": vals})

    ptab = pd.DataFrame(
        {
            "from": [a for a, _ in plist],
            "to": [b for _, b in plist],
            "coef": [bmat[names.index(b), names.index(a)] for a, b in plist],
        }
    )
    failed = 0
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(bootstrap):
            idx = rng.integers(0, n, size=n)
            sample = mv[idx]
            if np.any(sample.std(axis=0) == 0):
                failed += 1
                continue
            bf = _fit_core(sample, odm, pmat, scheme, scaled, tol, max_iter)
            if bf is None:
                failed += 1
                continue
            bb, _ = _path_coefs(bf[2], pmat)
            draws.append([bb[names.index(b), names.index(a)] for a, b in plist])
        if len(draws) < 2:
            raise ComputationError(
                f"Only {len(draws)} of {bootstrap} bootstrap resamples could be estimated; "
                "the sample is too small or too uniform for bootstrap intervals.",
                f"{bootstrap} 个自助重抽样中只有 {len(draws)} 个可以估计；样本太小或过于单一，"
                "无法计算自助区间。",
            )
        arr = np.asarray(draws)
        se = arr.std(axis=0, ddof=1)
        ptab["se"] = se
        ptab["ci_low"] = np.percentile(arr, 2.5, axis=0)
        ptab["ci_high"] = np.percentile(arr, 97.5, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ptab["t"] = np.where(se > 0, ptab["coef"].to_numpy() / np.where(se > 0, se, 1), np.inf)
        if failed:
            notes.append(f"{failed} of {bootstrap} bootstrap resamples failed and were skipped")

    return CsiResult(
        constructs=tuple(names),
        paths=ptab,
        r2={names[j]: float(r2v[j]) for j in range(k) if endo[j]},
        loadings=loadings,
        weights=weights,
        reliability=reliability,
        gof=gof,
        index=index,
        scores=pd.DataFrame(lv, columns=names),
        scheme=scheme,
        scaled=bool(scaled),
        n=n,
        n_dropped=dropped,
        iterations=iterations,
        bootstrap=bootstrap,
        bootstrap_failed=failed,
        notes=tuple(notes),
    )
