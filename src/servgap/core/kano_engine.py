"""Kano answer-pair counts gathered by another engine (DuckDB, PostgreSQL, Spark).

:func:`servgap.core.kano.kano` needs, per feature and segment, how many respondents gave
each (functional, dysfunctional) answer pair: a joint histogram, which every engine of
:mod:`servgap.engines` computes where the data are (:func:`servgap.engines.counts`, one
``GROUP BY`` per feature). This module turns those rows into the (segment × 36) arrays
of pair codes f·6 + d that the in-memory path builds with ``np.bincount``, so both paths
finish with the same code and give the same table (tested to 1e-9 on DuckDB).

Respondents with an empty segment form a segment of their own in memory (``group_codes``)
but are left out of an engine's grouped counts; they are recovered as the whole sample's
counts minus the segments' (one more ``GROUP BY`` a feature, only when there are any).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core.errors import InputError, ProblemCollector, SpecError

FloatArray = npt.NDArray[np.float64]

_VALID = (1.0, 2.0, 3.0, 4.0, 5.0)


def kano_pair_counts(
    engine: str,
    data: Any,
    features: Mapping[str, Sequence[str]],
    by: str | Sequence[str] | None,
) -> tuple[dict[str, FloatArray], pd.DataFrame, tuple[str, ...]]:
    """Per feature, the (segment × 36) counts of answer-code pairs f·6 + d (codes 1..5).

    Returns the counts, the segment key table (sorted; one empty row without ``by``) and
    the segment column names. Answers other than the numbers 1–5 raise
    :class:`InputError` naming each column and its bad values.
    """
    from servgap.engines import check_engine, counts

    check_engine(engine)
    by_cols: tuple[str, ...] = () if by is None else ((by,) if isinstance(by, str) else tuple(by))
    tables: dict[str, pd.DataFrame] = {}
    pc = ProblemCollector()
    unsegmented = counts(engine, data, [], list(by_cols))[1] if by_cols else 0
    for name, pair in features.items():
        fcol, dcol = str(pair[0]), str(pair[1])
        frame, _ = counts(engine, data, [fcol, dcol], list(by_cols))
        if unsegmented:
            whole, _ = counts(engine, data, [fcol, dcol], [])
            frame = _with_unsegmented(engine, frame, whole, [fcol, dcol], by_cols)
        for col in (fcol, dcol):
            for v in sorted(set(frame[col].unique().tolist()) - set(_VALID)):
                pc.add(
                    f"answer {v!r} is not a Kano answer; store 1 like, 2 must-be, 3 neutral, "
                    "4 live-with, 5 dislike, or leave the cell empty.",
                    f"答案 {v!r} 不是有效的 Kano 答案；请存为 1 我喜欢、2 理所当然、3 无所谓、"
                    "4 能忍受、5 我不喜欢，或留空。",
                    column=col,
                    value=v,
                )
        tables[str(name)] = (
            frame.rename(columns={fcol: "_f", dcol: "_d"})
            if fcol != dcol
            else (frame.assign(_f=frame[fcol], _d=frame[dcol]))
        )
    pc.raise_if_any(
        InputError,
        f"The Kano data has {len(pc)} problem(s).",
        f"Kano 数据有 {len(pc)} 处问题。",
    )
    keys = _segment_keys(tables.values(), by_cols)
    index = {k: i for i, k in enumerate(keys)}
    g = max(len(keys), 1)
    out: dict[str, FloatArray] = {}
    for name, frame in tables.items():
        pairs = np.zeros((g, 36))
        if len(frame):
            rows = (
                np.array([index[k] for k in _row_keys(frame, by_cols)], dtype=np.int64)
                if by_cols
                else np.zeros(len(frame), dtype=np.int64)
            )
            code = frame["_f"].to_numpy(dtype=np.int64) * 6 + frame["_d"].to_numpy(dtype=np.int64)
            np.add.at(pairs, (rows, code), frame["count"].to_numpy(dtype=np.float64))
        out[name] = pairs
    groups = pd.DataFrame(keys, columns=list(by_cols)) if by_cols else pd.DataFrame(index=range(1))
    return out, groups, by_cols


def _with_unsegmented(
    engine: str, frame: pd.DataFrame, whole: pd.DataFrame, columns: list[str],
    by_cols: tuple[str, ...],
) -> pd.DataFrame:  # fmt: skip
    """``frame`` plus the answers of respondents without a segment (segment NaN, as in
    memory): the whole sample's counts minus the segments' counts."""
    cols = list(dict.fromkeys(columns))
    seen = frame.groupby(cols, sort=False)["count"].sum()
    rest = whole.set_index(cols)["count"].sub(seen, fill_value=0)
    rest = rest[rest > 0]
    if rest.empty:
        return frame
    if len(by_cols) > 1:
        raise SpecError(
            f"{int(rest.sum())} respondent(s) have an empty segment in one of `by` "
            f"({', '.join(by_cols)}); on `engine` {engine} Kano by several columns needs every "
            "segment filled. Fill them, segment by one column, or use `engine` memory.",
            f"{int(rest.sum())} 位受访者在 `by`（{'、'.join(by_cols)}）之一中的分组为空；在 "
            f"`engine` {engine} 上按多列分组的 Kano 分析要求分组都已填写。请补全、按一列分组，"
            "或使用 `engine` memory。",
            fields=("by", "engine"),
        )
    # NaN, as the memory path labels respondents without a segment
    extra = rest.astype(np.int64).rename("count").reset_index().assign(**{by_cols[0]: np.nan})
    return pd.concat([frame, extra[[*by_cols, *cols, "count"]]], ignore_index=True)


def _row_keys(frame: pd.DataFrame, by_cols: tuple[str, ...]) -> list[tuple[Hashable, ...]]:
    return list(frame[list(by_cols)].itertuples(index=False, name=None))


def _segment_keys(frames: Any, by_cols: tuple[str, ...]) -> list[tuple[Hashable, ...]]:
    """Every segment seen in any feature's counts, sorted as ``group_codes`` sorts them."""
    if not by_cols:
        return [()]
    seen: dict[tuple[Hashable, ...], None] = {}
    for frame in frames:
        for k in _row_keys(frame, by_cols):
            seen.setdefault(k, None)
    keys = pd.DataFrame(list(seen), columns=list(by_cols))
    keys = keys.sort_values(list(by_cols), kind="stable").reset_index(drop=True)
    return list(keys.itertuples(index=False, name=None))
