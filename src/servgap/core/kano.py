"""Kano classification: evaluation table, categories, Better/Worse, Fong test, continuous scores.

Written by hand: no maintained Python package implements the Kano evaluation
(the few PyPI snippets have no tests against the literature). Vectorised: answers
are mapped to codes once per column (``pd.factorize`` on the distinct labels), the
25-cell evaluation table is applied as an array lookup and counts are gathered with
``np.bincount`` per segment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core._stats import group_codes
from servgap.core.errors import InputError, ProblemCollector, SpecError

__all__ = [
    "ANSWER_LABELS",
    "CATEGORIES",
    "DUMOUCHEL_DYSFUNCTIONAL",
    "DUMOUCHEL_FUNCTIONAL",
    "KANO_TABLE",
    "KanoResult",
    "classify_kano",
    "kano",
    "parse_kano_answers",
]

#: Kano categories: Attractive, One-dimensional, Must-be, Indifferent, Reverse, Questionable.
CATEGORIES: tuple[str, ...] = ("A", "O", "M", "I", "R", "Q")

#: Standard evaluation table (Berger et al. 1993; Matzler & Hinterhuber 1998).
#: Rows: functional answer, columns: dysfunctional answer, both in the order
#: 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike.
KANO_TABLE: tuple[tuple[str, ...], ...] = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)

#: DuMouchel's continuous scores (Berger et al. 1993), indexed by answer 1..5.
DUMOUCHEL_FUNCTIONAL: tuple[float, ...] = (4.0, 2.0, 0.0, -1.0, -2.0)
DUMOUCHEL_DYSFUNCTIONAL: tuple[float, ...] = (-2.0, -1.0, 0.0, 2.0, 4.0)

_TABLE_IDX = np.array([[CATEGORIES.index(c) for c in row] for row in KANO_TABLE], dtype=np.int64)


def _pair_tables() -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Maps from the 36 answer-code pairs f*6+d (codes 0..5, 0 = missing) to categories/scores."""
    to_cat = np.zeros((36, 6))
    cont = np.zeros(36)
    func = np.zeros(36)
    dys = np.zeros(36)
    for f in range(1, 6):
        for d in range(1, 6):
            c = _TABLE_IDX[f - 1, d - 1]
            to_cat[f * 6 + d, c] = 1.0
            cont[f * 6 + d] = 1.0 if c < 4 else 0.0  # A, O, M, I
            func[f * 6 + d] = DUMOUCHEL_FUNCTIONAL[f - 1]
            dys[f * 6 + d] = DUMOUCHEL_DYSFUNCTIONAL[d - 1]
    return to_cat, cont, func, dys


_PAIR_TO_CAT, _PAIR_CONT, _PAIR_FUNC, _PAIR_DYS = _pair_tables()

#: Accepted text labels (normalised: lower case, spaces and punctuation removed) -> code.
ANSWER_LABELS: dict[str, int] = {
    # 1 like
    "like": 1,
    "ilike": 1,
    "ilikeit": 1,
    "ilikeitthatway": 1,
    "我喜欢": 1,
    "喜欢": 1,
    "我很喜欢": 1,
    "非常喜欢": 1,
    # 2 must-be
    "mustbe": 2,
    "itmustbe": 2,
    "itmustbethatway": 2,
    "expect": 2,
    "iexpectit": 2,
    "iexpectitthatway": 2,
    "理所当然": 2,
    "必须这样": 2,
    "理应如此": 2,
    "应该这样": 2,
    "必须的": 2,
    # 3 neutral
    "neutral": 3,
    "imneutral": 3,
    "iamneutral": 3,
    "dontcare": 3,
    "idontcare": 3,
    "无所谓": 3,
    "中立": 3,
    "没感觉": 3,
    # 4 live-with
    "livewith": 4,
    "icanlivewithit": 4,
    "icanlivewithitthatway": 4,
    "tolerate": 4,
    "icantolerateit": 4,
    "能忍受": 4,
    "可以忍受": 4,
    "我能忍受": 4,
    "勉强接受": 4,
    # 5 dislike
    "dislike": 5,
    "idislike": 5,
    "idislikeit": 5,
    "idislikeitthatway": 5,
    "我不喜欢": 5,
    "不喜欢": 5,
    "我很不喜欢": 5,
}

_STRIP = re.compile(r"[\s\-_'’`.,!?;:。，！？、（）()\"“”]+")

IntArray = npt.NDArray[np.int64]
SmallIntArray = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]


def _normalise(label: object) -> int | None:
    """Code 1..5 for a label, or None when unknown."""
    if isinstance(label, bool):
        return None
    if isinstance(label, int | float | np.integer | np.floating):
        v = float(label)
        return int(v) if v in (1.0, 2.0, 3.0, 4.0, 5.0) else None
    text = _STRIP.sub("", str(label).strip().lower())
    if text in ANSWER_LABELS:
        return ANSWER_LABELS[text]
    try:
        v = float(text)
    except ValueError:
        return None
    return int(v) if v in (1.0, 2.0, 3.0, 4.0, 5.0) else None


def kano_answer_code(label: object) -> int | None:
    """The 1–5 code of one Kano answer (number or zh/en label), or None if not an answer."""
    return _normalise(label)


def parse_kano_answers(
    values: pd.Series, *, column: str | None = None, problems: ProblemCollector | None = None
) -> SmallIntArray:
    """Kano answers as codes 1..5 (0 = missing); bad cells go to ``problems`` or raise.

    Numbers 1–5 and the text labels in :data:`ANSWER_LABELS` (Chinese and English,
    case, spaces and punctuation ignored) are accepted; empty cells are missing.
    """
    raw = values.to_numpy() if isinstance(values.dtype, np.dtype) else None
    if raw is not None and raw.dtype.kind in "iu" and raw.size:
        lo, hi = int(raw.min()), int(raw.max())
        if lo >= 1 and hi <= 5:
            # every answer a code 1..5 (two cheap reductions tell): no masks, no reindexing;
            # a copy (1 byte per answer), never a view of the caller's data
            return raw.astype(np.int8)
    own = problems is None
    pc = problems if problems is not None else ProblemCollector()
    name = column if column is not None else str(values.name)
    s = values.reset_index(drop=True)
    if pd.api.types.is_integer_dtype(s) and not pd.api.types.is_extension_array_dtype(s):
        xi = s.to_numpy()
        ok = (xi >= 1) & (xi <= 5)
        codes = np.where(ok, xi, 0).astype(np.int8)
        bad = np.flatnonzero(~ok)
    elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        x = s.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            ok = (x >= 1) & (x <= 5) & (x == np.floor(x))
        codes = np.where(ok, x, 0.0).astype(np.int8)
        bad = np.flatnonzero(~ok & ~np.isnan(x))
    else:
        fcodes, uniques = pd.factorize(s, use_na_sentinel=True)
        lut = np.zeros(len(uniques) + 1, dtype=np.int8)
        bad_u = np.zeros(len(uniques) + 1, dtype=bool)
        for i, u in enumerate(uniques):
            if isinstance(u, str) and u.strip() == "":
                continue
            c = _normalise(u)
            if c is None:
                bad_u[i] = True
            else:
                lut[i] = c
        idx = np.where(fcodes < 0, len(uniques), fcodes)
        codes = lut[idx]
        bad = np.flatnonzero(bad_u[idx])
    for b in bad:
        v = s.iloc[int(b)]
        if isinstance(v, np.generic):
            v = v.item()
        pc.add(
            f"answer {v!r} is not a Kano answer; use 1 like, 2 must-be, 3 neutral, 4 live-with, "
            "5 dislike (or 我喜欢/理所当然/无所谓/能忍受/我不喜欢), or leave the cell empty.",
            f"答案 {v!r} 不是有效的 Kano 答案；请使用 1 我喜欢、2 理所当然、3 无所谓、4 能忍受、"
            "5 我不喜欢（或对应英文），或留空。",
            row=int(b) + 1,
            column=name,
            value=v if isinstance(v, str | int | float) else str(v),
        )
    if own:
        pc.raise_if_any(
            InputError, f"{len(pc)} invalid Kano answer(s).", f"{len(pc)} 个无效的 Kano 答案。"
        )
    return np.asarray(codes, dtype=np.int8)


def classify_kano(functional: npt.ArrayLike, dysfunctional: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Kano category of each (functional, dysfunctional) answer pair by :data:`KANO_TABLE`.

    Answers are codes 1..5 (1 like … 5 dislike); ``""`` for missing (0 or NaN).
    """
    f = np.nan_to_num(np.asarray(functional, dtype=np.float64)).astype(np.int64)
    d = np.nan_to_num(np.asarray(dysfunctional, dtype=np.float64)).astype(np.int64)
    if ((f < 0) | (f > 5) | (d < 0) | (d > 5)).any():
        raise InputError(
            "Kano answers must be codes 1..5 (0 or NaN for missing).",
            "Kano 答案必须是 1..5 的代码（缺失用 0 或 NaN）。",
        )
    ok = (f > 0) & (d > 0)
    cat = _TABLE_IDX[np.clip(f - 1, 0, 4), np.clip(d - 1, 0, 4)]
    labels = np.array([*CATEGORIES, ""], dtype=np.str_)
    return np.asarray(labels[np.where(ok, cat, len(CATEGORIES))], dtype=np.str_)


@dataclass(frozen=True)
class KanoResult(ResultMixin):
    """Kano evaluation per feature (and segment).

    Attributes
    ----------
    features
        One row per feature (× segment): ``feature, n, A, O, M, I, R, Q, share_A …
        share_Q, mode, category, tie_broken, total_strength, category_strength,
        better, worse, fong_significant, functional_mean, dysfunctional_mean,
        n_continuous``.
    by
        Segment columns.
    near_tie
        Near-tie margin used (share of n).
    warnings
        Features without usable answers, undefined Better/Worse.
    """

    features: pd.DataFrame
    by: tuple[str, ...]
    near_tie: float
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The feature table."""
        return self.features


_PRIORITY = (2, 1, 0, 3, 4, 5)  # M > O > A > I, then R, Q (indices into CATEGORIES)


def _category(
    counts: FloatArray, n: FloatArray, near_tie: float
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """(category, mode, tie_broken) indices per row of a (G, 6) count array."""
    top = counts.max(axis=1)
    cand = counts >= (top - near_tie * n)[:, None] - 1e-9
    exact = counts >= top[:, None]
    order = np.array(_PRIORITY)
    # first candidate in priority order
    cat = order[np.argmax(cand[:, order], axis=1)]
    mode = order[np.argmax(exact[:, order], axis=1)]
    tie = cand.sum(axis=1) > 1
    return cat.astype(np.int64), mode.astype(np.int64), tie


def _labels(idx: IntArray, has: npt.NDArray[np.bool_]) -> list[str | None]:
    return [CATEGORIES[int(i)] if h else None for i, h in zip(idx, has, strict=True)]


def kano(
    data: pd.DataFrame,
    features: Mapping[str, tuple[str, str]],
    *,
    by: str | Sequence[str] | None = None,
    near_tie: float = 0.05,
    engine: str = "memory",
) -> KanoResult:
    """Kano categories, strengths, Better/Worse, Fong test and DuMouchel scores.

    Parameters
    ----------
    data
        One row per respondent.
    features
        Feature name -> (functional column, dysfunctional column). Answers are coded
        1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike, or given as Chinese or
        English labels (我喜欢/理所当然/无所谓/能忍受/我不喜欢, 喜欢, 必须这样, 理应如此,
        中立, 可以忍受, 不喜欢; like, must-be, expect, neutral, live with, tolerate,
        dislike, "I like it" …). Respondents missing either answer are skipped for that
        feature. Any other value raises :class:`InputError` listing every bad cell.
    by
        Segment column(s).
    near_tie
        Near-tie margin as a share of n (default 0.05 = 5 percentage points): every
        category whose count is within ``near_tie · n`` of the most frequent one is a
        candidate, and the candidate first in the order M > O > A > I (then R, Q) is
        the ``category``. ``near_tie=0`` breaks exact ties only. ``mode`` is the plain
        most frequent category (exact ties by the same order) and ``tie_broken`` says
        whether more than one candidate competed.
    engine
        ``"memory"`` (``data`` a DataFrame) or another engine of :mod:`servgap.engines`
        (``"duckdb"``: ``data`` the path of a Parquet file or folder), which counts the
        (functional, dysfunctional) answer pairs per segment itself (one joint
        histogram per feature, :func:`servgap.engines.counts`); only the counts come
        back. Answers must then be stored as numbers 1–5; any other value raises
        :class:`InputError` naming the column and the values. Rows with an empty
        segment are left out (in memory they form their own segment).

    Returns
    -------
    KanoResult

    Notes
    -----
    Category per respondent by :data:`KANO_TABLE` (Berger et al. 1993).
    total_strength = (A + O + M)/n; category_strength = (first − second)/n with the
    two largest of the six counts (Lee & Newcomb 1997).
    Better = (A + O)/(A + O + M + I); Worse = −(O + M)/(A + O + M + I) (Berger et al.
    1993; Matzler & Hinterhuber 1998); undefined (NaN, with a warning) when
    A + O + M + I = 0.
    fong_significant: the two largest counts a ≥ b differ at α = 0.1 when
    |a − b| ≥ 1.65·√((a + b)(2n − a − b)/(2n)) (Fong 1996).
    functional_mean / dysfunctional_mean: DuMouchel's continuous scores (functional
    like 4, must-be 2, neutral 0, live-with −1, dislike −2; dysfunctional like −2,
    must-be −1, neutral 0, live-with 2, dislike 4) averaged over the respondents
    whose answer pair is A, O, M or I (R and Q answers excluded, as in Berger et al.
    1993's plotting recommendation); ``n_continuous`` counts them.

    Checked against hand computations from these published formulas and the
    published evaluation table (tests/core/test_kano.py).

    References
    ----------
    Berger, C., Blauth, R., Boger, D., et al. (1993). Kano's methods for
    understanding customer-defined quality. *Center for Quality Management Journal*,
    2(4), 3–36.

    Matzler, K., & Hinterhuber, H. H. (1998). How to make product development
    projects more successful by integrating Kano's model of customer satisfaction
    into quality function deployment. *Technovation*, 18(1), 25–38.

    Fong, D. (1996). Using the self-stated importance questionnaire to interpret Kano
    questionnaire results. *Center for Quality Management Journal*, 5(3), 21–23.

    Lee, M. C., & Newcomb, J. F. (1997). Applying the Kano methodology to meet
    customer requirements: NASA's microgravity science program. *Quality Management
    Journal*, 4(3), 95–110.
    """
    if engine == "memory" and not isinstance(data, pd.DataFrame):
        raise InputError(
            "data must be a pandas DataFrame (a Parquet path needs engine='duckdb').",
            "data 必须是 pandas DataFrame（Parquet 路径需要 engine='duckdb'）。",
        )
    if not isinstance(near_tie, int | float) or not 0.0 <= float(near_tie) < 1.0:
        raise SpecError(
            f"near_tie must be a share in [0, 1), got {near_tie!r}; e.g. 0.05.",
            f"near_tie 必须是 [0, 1) 之间的比例，收到 {near_tie!r}；例如 0.05。",
        )
    if not isinstance(features, Mapping) or len(features) == 0:
        raise SpecError(
            "features must be a non-empty mapping feature -> (functional, dysfunctional).",
            "features 必须是非空映射：功能 -> (正向问题列, 反向问题列)。",
        )
    for name, pair in features.items():
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise SpecError(
                f"feature `{name}`: give a (functional, dysfunctional) pair of columns, "
                f"got {pair!r}.",
                f"功能 `{name}`：请给出 (正向问题列, 反向问题列)，收到 {pair!r}。",
            )
    if engine != "memory":
        from servgap.core.kano_engine import kano_pair_counts

        return _finish(*kano_pair_counts(engine, data, features, by), float(near_tie))
    pc = ProblemCollector()
    parsed: dict[str, tuple[SmallIntArray, SmallIntArray]] = {}
    for name, pair in features.items():
        cols = []
        for col in pair:
            if col not in data.columns:
                pc.add(
                    f"column `{col}` of feature `{name}` is not in the data.",
                    f"功能 `{name}` 的列 `{col}` 不在数据中。",
                    column=str(col),
                )
                cols.append(np.zeros(len(data), dtype=np.int8))
            else:
                cols.append(parse_kano_answers(data[col], column=str(col), problems=pc))
        parsed[str(name)] = (cols[0], cols[1])
    pc.raise_if_any(
        InputError,
        f"The Kano data has {len(pc)} problem(s).",
        f"Kano 数据有 {len(pc)} 处问题。",
    )

    codes, groups, by_cols = group_codes(data, by)
    g = len(groups)
    pair_counts: dict[str, FloatArray] = {}
    for name, (f, d) in parsed.items():
        # counts of the 36 (functional, dysfunctional) code pairs (0 = missing) per segment
        if g > 1:
            key = f.astype(np.intp) * 6 + d
            key += codes * 36
        else:  # 0..35 fits 8 bits: an eighth of the memory traffic
            key = f * np.int8(6)
            key += d
        pair_counts[name] = np.bincount(key, minlength=g * 36).reshape(g, 36).astype(np.float64)
    return _finish(pair_counts, groups, by_cols, float(near_tie))


def _finish(
    pair_counts: Mapping[str, FloatArray],
    groups: pd.DataFrame,
    by_cols: tuple[str, ...],
    near_tie: float,
) -> KanoResult:
    """The Kano table from the (segment × 36) counts of answer-code pairs f·6 + d per feature.

    All features are finished at once: their counts are stacked (feature-major), so the
    table is built in one go rather than one small frame per feature.
    """
    names = list(pair_counts)
    g = len(groups)
    pairs = np.concatenate([pair_counts[nm] for nm in names], axis=0)
    counts = pairs @ _PAIR_TO_CAT
    cont_pairs = pairs * _PAIR_CONT
    n_cont = cont_pairs.sum(axis=1)
    s_f = cont_pairs @ _PAIR_FUNC
    s_d = cont_pairs @ _PAIR_DYS
    n = counts.sum(axis=1)
    nn = np.where(n > 0, n, np.nan)
    a_, o_, m_, i_ = counts[:, 0], counts[:, 1], counts[:, 2], counts[:, 3]
    aomi = a_ + o_ + m_ + i_
    aomi_n = np.where(aomi > 0, aomi, np.nan)
    srt = np.sort(counts, axis=1)
    first, second = srt[:, -1], srt[:, -2]
    fong_thr = 1.65 * np.sqrt(
        (first + second) * (2 * n - first - second) / np.where(n > 0, 2 * n, 1.0)
    )
    cat_i, mode_i, tie = _category(counts, n, near_tie)
    has: npt.NDArray[np.bool_] = np.asarray(n > 0, dtype=bool)
    table = pd.DataFrame(
        {
            **{c: np.tile(groups[c].to_numpy(), len(names)) for c in by_cols},
            "feature": np.repeat(np.array(names, dtype=object), g),
            "n": n.astype(np.int64),
            **{c: counts[:, k].astype(np.int64) for k, c in enumerate(CATEGORIES)},
            **{f"share_{c}": counts[:, k] / nn for k, c in enumerate(CATEGORIES)},
            "mode": _labels(mode_i, has),
            "category": _labels(cat_i, has),
            "tie_broken": tie & has,
            "total_strength": (a_ + o_ + m_) / nn,
            "category_strength": (first - second) / nn,
            "better": (a_ + o_) / aomi_n,
            "worse": -(o_ + m_) / aomi_n,
            "fong_significant": has & (np.abs(first - second) >= fong_thr),
            "functional_mean": s_f / np.where(n_cont > 0, n_cont, np.nan),
            "dysfunctional_mean": s_d / np.where(n_cont > 0, n_cont, np.nan),
            "n_continuous": n_cont.astype(np.int64),
        }
    )
    warns: list[str] = []
    for f_idx, name in enumerate(names):
        rows = slice(f_idx * g, (f_idx + 1) * g)
        if (~has[rows]).any():
            warns.append(
                f"feature {name}: {int((~has[rows]).sum())} segment(s) without complete answers"
            )
        elif (aomi[rows] == 0).any():
            warns.append(
                f"feature {name}: only R/Q answers in some segment(s); better/worse undefined (NaN)"
            )
    if by_cols:
        table = table.sort_values([*by_cols], kind="stable").reset_index(drop=True)
    return KanoResult(features=table, by=by_cols, near_tie=float(near_tie), warnings=tuple(warns))
