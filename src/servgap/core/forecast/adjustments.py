"""Expert (judgemental) adjustments on top of a statistical forecast, recorded with author
and reason."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import SpecError
from servgap.core.forecast.result import Note

FloatArray = npt.NDArray[np.float64]


def _utc(value: Any, what: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(
            f"{what} {value!r} is not a date/time. Give an ISO-8601 time with a zone, "
            "e.g. '2026-11-11T00:00+08:00'.",
            f"{what} {value!r} 不是日期时间。请给出带时区的 ISO-8601 时间，例如 "
            "'2026-11-11T00:00+08:00'。",
        ) from exc
    if pd.isna(ts):
        raise SpecError(f"{what} is missing.", f"{what} 缺失。")
    if ts.tzinfo is None:
        raise SpecError(
            f"{what} {ts} has no time zone. Give it with a zone (e.g. +08:00 or UTC) so "
            "it is not misread.",
            f"{what} {ts} 没有时区。请带上时区（如 +08:00 或 UTC），以免误读。",
        )
    return ts.tz_convert("UTC")


@dataclass(frozen=True)
class Adjustment(ResultMixin):
    """An expert (judgemental) adjustment applied on top of the statistical forecast.

    Applies to forecast intervals with ``start <= interval_start < end`` (half-open;
    ``end=None`` means "from ``start`` on", e.g. a new outlet opening). The adjusted
    value is ``forecast * factor + add`` (a missing ``factor`` is 1, a missing
    ``add`` is 0). Several adjustments touching the same interval are applied in the
    order given. Times must carry a time zone; they are converted to UTC.

    Examples
    --------
    >>> Adjustment("2026-11-11T00:00+08:00", "2026-11-13T00:00+08:00", factor=1.8,
    ...            author="ops lead", reason="Double 11 promotion", label="double11")
    ... # doctest: +ELLIPSIS
    Adjustment(...)
    """

    start: pd.Timestamp | datetime | str
    end: pd.Timestamp | datetime | str | None = None
    _: KW_ONLY
    factor: float | None = None
    add: float | None = None
    series: str | None = None
    author: str
    reason: str
    label: str

    def __post_init__(self) -> None:
        start = _utc(self.start, "Adjustment start")
        end = None if self.end is None else _utc(self.end, "Adjustment end")
        if end is not None and end <= start:
            raise SpecError(
                f"Adjustment '{self.label}': end {end} is not after start {start}. "
                "Swap them or give end=None for an open-ended adjustment.",
                f"调整 '{self.label}'：结束时间 {end} 不晚于开始时间 {start}。"
                "请交换两者，或以 end=None 表示无截止的调整。",
            )
        if self.factor is None and self.add is None:
            raise SpecError(
                f"Adjustment '{self.label}' has neither factor nor add. Give factor=1.8 for "
                "+80% or add=50 for 50 more contacts per interval.",
                f"调整 '{self.label}' 既无 factor 也无 add。+80% 请给 factor=1.8，"
                "每个时段多 50 个请给 add=50。",
            )
        if self.factor is not None and not (math.isfinite(self.factor) and self.factor >= 0):
            raise SpecError(
                f"Adjustment '{self.label}': factor {self.factor} must be a finite number ≥ 0 "
                "(1.8 means +80%, 0.5 means −50%).",
                f"调整 '{self.label}'：factor {self.factor} 必须是 ≥ 0 的有限数"
                "（1.8 表示 +80%，0.5 表示 −50%）。",
            )
        if self.add is not None and not math.isfinite(self.add):
            raise SpecError(
                f"Adjustment '{self.label}': add {self.add} must be a finite number.",
                f"调整 '{self.label}'：add {self.add} 必须是有限数。",
            )
        for name in ("author", "reason", "label"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise SpecError(
                    f"Adjustment {name} is empty. Record who made the adjustment, why, and a "
                    "short label.",
                    f"调整的 {name} 为空。请记录调整人、原因和简短标签。",
                )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


ADJUSTMENT_COLUMNS = [
    "label",
    "author",
    "reason",
    "series",
    "start",
    "end",
    "factor",
    "add",
    "intervals_touched",
    "status",
]


def apply_adjustments(
    chosen: pd.DataFrame,
    adjustments: Sequence[Adjustment],
    known: set[str],
    notes: list[Note],
) -> tuple[FloatArray, pd.DataFrame]:
    """The best forecast after expert adjustments (in order, floored at 0) and their record."""
    adjusted = chosen["forecast"].to_numpy(np.float64).copy()
    adj_rows: list[dict[str, Any]] = []
    times = chosen["interval_start"]
    for adj in adjustments:
        mask = (times >= pd.Timestamp(adj.start)).to_numpy()
        if adj.end is not None:
            mask &= (times < pd.Timestamp(adj.end)).to_numpy()
        status = "applied"
        if adj.series is not None:
            mask &= (chosen["series"] == str(adj.series)).to_numpy()
            if str(adj.series) not in known:
                status = "unknown_series"
        touched = int(mask.sum())
        if touched:
            adjusted[mask] = adjusted[mask] * (1.0 if adj.factor is None else adj.factor) + (
                0.0 if adj.add is None else adj.add
            )
        elif status == "applied":
            status = "outside_horizon"
        if status != "applied":
            what_en, what_zh = (
                ("names an unknown series", "指定了不存在的序列")
                if status == "unknown_series"
                else ("is outside the horizon", "不在预测期内")
            )
            notes.append(
                Note(
                    f"adjustment '{adj.label}' ({adj.start} – {adj.end}) {what_en}; it touched "
                    "no interval.",
                    f"调整 '{adj.label}'（{adj.start} – {adj.end}）{what_zh}；没有影响任何时段。",
                )
            )
        adj_rows.append(
            {
                "label": adj.label,
                "author": adj.author,
                "reason": adj.reason,
                "series": adj.series,
                "start": adj.start,
                "end": adj.end,
                "factor": adj.factor,
                "add": adj.add,
                "intervals_touched": touched,
                "status": status,
            }
        )
    negative = adjusted < 0
    if negative.any():
        notes.append(
            Note(
                f"{int(negative.sum())} adjusted value(s) below 0 were floored at 0 "
                "(arrivals cannot be negative).",
                f"{int(negative.sum())} 个调整后的值小于 0，已按 0 计（到达量不能为负）。",
            )
        )
        adjusted = np.where(negative, 0.0, adjusted)
    return adjusted, pd.DataFrame(adj_rows, columns=ADJUSTMENT_COLUMNS)
