"""Survey periods: the scheme a survey declares, and the check of each response's period.

A survey's answers are compared period by period (trend, control limits,
before/after an improvement), so a period label must be a real period of the
survey's scheme and agree with the time the answer was given:

* ``quarter`` (the default): ``2026Q3`` (``2026-Q3``, ``2026 q3`` are read as
  ``2026Q3``);
* ``month``: ``2026-07`` (``2026-7``, ``2026年7月`` are read as ``2026-07``);
* ``waves``: names declared on the survey, each optionally with its fieldwork
  dates (``{name: W1, from: 2026-03-01, to: 2026-03-31}``).

A response submitted before its period began, or more than ``grace_days``
(default 31) after it ended, contradicts its period: satisfaction surveys are
often fielded in the weeks after the quarter they ask about, but not before it
nor half a year later.

YAML on the survey definition::

    periods: month
    periods: {scheme: quarter, grace_days: 45}
    periods: {scheme: waves, waves: [{name: W1, from: 2026-03-01, to: 2026-03-31}, {name: W2}]}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from servgap.core.errors import ProblemCollector
from servgap.core.parse import CellError

Scheme = Literal["quarter", "month", "waves"]
SCHEMES: tuple[str, ...] = ("quarter", "month", "waves")
DEFAULT_GRACE_DAYS = 31
_YEARS = (1990, 2100)
_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]\s*([1-4])\s*$")
_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True)
class Wave:
    name: str
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive


@dataclass(frozen=True)
class PeriodScheme:
    """How a survey's periods are named; see the module docstring."""

    scheme: Scheme = "quarter"
    waves: tuple[Wave, ...] = ()
    grace_days: int = DEFAULT_GRACE_DAYS

    def label_for(self, local: dt.datetime) -> str | None:
        """The period a local submission time falls in (None: no wave covers it)."""
        if self.scheme == "quarter":
            return f"{local.year}Q{(local.month - 1) // 3 + 1}"
        if self.scheme == "month":
            return f"{local.year}-{local.month:02d}"
        day = local.date()
        for w in self.waves:
            if w.start is not None and w.end is not None and w.start <= day <= w.end:
                return w.name
        return None

    def bounds(self, label: str) -> tuple[dt.date, dt.date] | None:
        """First and last day of a (normalised) period; None for a wave without dates."""
        if self.scheme == "quarter":
            y, q = int(label[:4]), int(label[-1])
            start = dt.date(y, 3 * q - 2, 1)
            nxt = dt.date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
            return start, nxt - dt.timedelta(days=1)
        if self.scheme == "month":
            y, m = int(label[:4]), int(label[5:])
            nxt = dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1)
            return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
        for w in self.waves:
            if w.name == label and w.start is not None and w.end is not None:
                return w.start, w.end
        return None

    def normalise(self, value: str) -> str:
        """The canonical label of ``value``; :class:`CellError` if it is no period of the scheme."""
        text = value.strip()
        if self.scheme == "quarter":
            m = _QUARTER.match(text)
            if m is None or not _YEARS[0] <= int(m.group(1)) <= _YEARS[1]:
                raise CellError(
                    "is not a quarter; this survey's periods are quarters written like 2026Q3. "
                    "Fix the cell, or declare another period scheme on the survey "
                    "(`periods: month` or named waves).",
                    "不是季度；本调查的期间为季度，格式如 2026Q3。请修改该单元格，或在调查定义中声明"
                    "其他期间方案（`periods: month` 或具名波次）。",
                )
            return f"{m.group(1)}Q{m.group(2)}"
        if self.scheme == "month":
            m = _MONTH.match(text)
            if (
                m is None
                or not 1 <= int(m.group(2)) <= 12
                or not _YEARS[0] <= int(m.group(1)) <= _YEARS[1]
            ):
                raise CellError(
                    "is not a month; this survey's periods are months written like 2026-07.",
                    "不是月份；本调查的期间为月份，格式如 2026-07。",
                )
            return f"{m.group(1)}-{int(m.group(2)):02d}"
        names = [w.name for w in self.waves]
        if text not in names:
            raise CellError(
                f"is not a wave of this survey; declared waves: {', '.join(names)}.",
                f"不是本调查的波次；已声明的波次：{'、'.join(names)}。",
            )
        return text

    def check(self, value: str, local: dt.datetime | None) -> str:
        """Normalise ``value`` and check it against the local submission time."""
        label = self.normalise(value)
        if local is None:
            return label
        span = self.bounds(label)
        if span is None:
            return label
        day = local.date()
        last = span[1] + dt.timedelta(days=self.grace_days)
        if not span[0] <= day <= last:
            raise CellError(
                f"period {label} ({span[0]} to {span[1]}) contradicts the submission date {day}: "
                f"an answer belongs to a period it was given in or up to {self.grace_days} days "
                "after. Fix the period or the date (or declare `grace_days` on the survey's "
                "periods).",
                f"期间 {label}（{span[0]} 至 {span[1]}）与提交日期 {day} 矛盾：答卷只能属于提交时所在的"
                f"期间，或提交前 {self.grace_days} 天内结束的期间。请修改期间或日期（或在调查的 periods "
                "中声明 `grace_days`）。",
            )
        return label


def _date(value: Any, where: str, pc: ProblemCollector, source: str | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        pc.add(
            "must be a date written YYYY-MM-DD.",
            "必须是 YYYY-MM-DD 格式的日期。",
            file=source,
            column=where,
            value=value,
        )
        return None


def parse_periods(raw: Any, pc: ProblemCollector, *, source: str | None = None) -> PeriodScheme:
    """Read the ``periods`` entry of a survey definition; problems go to ``pc``."""
    if raw is None:
        return PeriodScheme()
    if isinstance(raw, str):
        raw = {"scheme": raw}
    if not isinstance(raw, Mapping):
        pc.add(
            "`periods` must be quarter, month, or a mapping with `scheme`.",
            "`periods` 必须是 quarter、month，或包含 `scheme` 的映射。",
            file=source,
            column="periods",
            value=raw,
        )
        return PeriodScheme()
    scheme = raw.get("scheme", "waves" if "waves" in raw else "quarter")
    if scheme not in SCHEMES:
        pc.add(
            f"unknown period scheme; use one of {', '.join(SCHEMES)}.",
            f"未知的期间方案；可用：{'、'.join(SCHEMES)}。",
            file=source,
            column="periods.scheme",
            value=scheme,
        )
        return PeriodScheme()
    grace = raw.get("grace_days", DEFAULT_GRACE_DAYS)
    if not isinstance(grace, int) or isinstance(grace, bool) or not 0 <= grace <= 366:
        pc.add(
            "`grace_days` must be a whole number of days from 0 to 366.",
            "`grace_days` 必须是 0 到 366 之间的整数天数。",
            file=source,
            column="periods.grace_days",
            value=grace,
        )
        grace = DEFAULT_GRACE_DAYS
    waves: list[Wave] = []
    if scheme == "waves":
        items = raw.get("waves")
        if not isinstance(items, Sequence) or isinstance(items, str) or not items:
            pc.add(
                "the waves scheme needs a non-empty `waves` list.",
                "波次方案需要非空的 `waves` 列表。",
                file=source,
                column="periods.waves",
            )
            items = []
        seen: set[str] = set()
        for i, w in enumerate(items, start=1):
            where = f"periods.waves[{i}]"
            if isinstance(w, str | int):
                w = {"name": w}
            if not isinstance(w, Mapping) or not str(w.get("name", "")).strip():
                pc.add("needs a `name`.", "需要 `name`。", file=source, column=where, value=w)
                continue
            name = str(w["name"]).strip()
            if name in seen:
                pc.add(
                    "duplicate wave name.", "波次名称重复。", file=source, column=where, value=name
                )
            seen.add(name)
            start = _date(w.get("from"), f"{where}.from", pc, source)
            end = _date(w.get("to"), f"{where}.to", pc, source)
            if (start is None) != (end is None) or (start and end and start > end):
                pc.add(
                    "give both `from` and `to` (from ≤ to), or neither.",
                    "请同时给出 `from` 和 `to`（from ≤ to），或都不给。",
                    file=source,
                    column=where,
                    value=dict(w),
                )
                start = end = None
            waves.append(Wave(name, start, end))
    return PeriodScheme(scheme, tuple(waves), int(grace))
