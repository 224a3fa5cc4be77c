"""Which days of a forecast are holidays or make-up working days, and which hours are closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.forecast.result import Note
from servgap.core.holidays import business_days

#: Values of :attr:`HolidayIndicator.day_type`.
DAY_TYPES: tuple[str, ...] = ("regular", "holiday", "makeup_workday")


@dataclass(frozen=True)
class HolidayIndicator(ResultMixin):
    """Which intervals fall on an official holiday or a make-up working day (调休).

    ``day_type`` per interval: ``holiday`` (a day off on a weekday: an official PRC
    holiday or one of the workspace's), ``makeup_workday`` (a weekend day worked in
    exchange) or ``regular``; ``holidays`` and ``makeup_workdays`` the local days
    found; ``uncovered_years`` years without official data; ``notes`` what a planner
    should know (empty when the intervals hold no such day and every year is covered).
    """

    day_type: npt.NDArray[np.str_]
    holidays: tuple[date, ...]
    makeup_workdays: tuple[date, ...]
    uncovered_years: tuple[int, ...]
    notes: tuple[Note, ...]


def _day_ranges(days: Sequence[date]) -> str:
    """``2026-10-01..2026-10-02, 2026-10-05..2026-10-07`` (consecutive days joined)."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in runs)


def holiday_indicator(
    interval_start: Any,
    *,
    timezone: str,
    extra_holidays: Sequence[date] = (),
    extra_workdays: Sequence[date] = (),
) -> HolidayIndicator:
    """Mark intervals on official PRC holidays and make-up working days (调休).

    Parameters
    ----------
    interval_start : array-like of time-zone-aware timestamps
        The intervals (e.g. a forecast horizon).
    timezone : str
        IANA zone whose calendar days count (the site's or workspace's).
    extra_holidays, extra_workdays : sequence of date
        The workspace's own days off and make-up days (``calendar.holidays``,
        ``calendar.extra_workdays``).

    Notes
    -----
    The days come from :func:`servgap.core.holidays.business_days` (the State
    Council's annual notices as published by the ``chinesecalendar`` package):
    holidays that fall on weekdays and make-up days that fall on weekends -- the
    days on which a weekly seasonal pattern is wrong. statsforecast's models do
    not know them, so a note asks for an expert adjustment (:class:`Adjustment`)
    when the intervals contain any; a year without official data gives the
    calendar's warning.
    """
    times = pd.DatetimeIndex(pd.to_datetime(interval_start, utc=True)).tz_convert(timezone)
    days = [t.date() for t in times]
    calendar = business_days(
        {d.year for d in days}, extra_holidays=extra_holidays, extra_workdays=extra_workdays
    )
    kind = np.array(
        [
            "holiday"
            if d in calendar.holidays
            else "makeup_workday"
            if d in calendar.extra_workdays
            else "regular"
            for d in days
        ],
        dtype=np.str_,
    )
    found_h = tuple(sorted({d for d in days if d in calendar.holidays}))
    found_w = tuple(sorted({d for d in days if d in calendar.extra_workdays}))
    notes: list[Note] = []
    if found_h or found_w:
        parts_en, parts_zh = [], []
        if found_h:
            parts_en.append(f"{len(found_h)} holiday(s) ({_day_ranges(found_h)})")
            parts_zh.append(f"{len(found_h)} 个节假日（{_day_ranges(found_h)}）")
        if found_w:
            parts_en.append(f"{len(found_w)} make-up working day(s) ({_day_ranges(found_w)})")
            parts_zh.append(f"{len(found_w)} 个调休上班日（{_day_ranges(found_w)}）")
        notes.append(
            Note(
                f"The forecast period contains {' and '.join(parts_en)}, marked in `day_type`. "
                "Statistical models do not know holidays: they forecast these days like "
                "ordinary weekdays or weekends. Consider an expert adjustment for them.",
                f"预测期包含 {'和 '.join(parts_zh)}，已在 `day_type` 列标出。统计模型不了解节假日，"
                "会把这些日子当作普通工作日或周末来预测；请考虑为其做专家调整。",
            )
        )
    if calendar.uncovered:
        notes.append(Note(str(calendar.warning("en")), str(calendar.warning("zh"))))
    return HolidayIndicator(
        day_type=kind,
        holidays=found_h,
        makeup_workdays=found_w,
        uncovered_years=calendar.uncovered,
        notes=tuple(notes),
    )


_DAY_NS = 86_400 * 10**9


def _slots(times: pd.DatetimeIndex, weekly: bool) -> npt.NDArray[np.int64]:
    """Local time of day (and weekday when ``weekly``) of each time, in nanoseconds."""
    naive = times.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    of_day = naive % _DAY_NS
    if not weekly:
        return of_day
    out: npt.NDArray[np.int64] = times.dayofweek.to_numpy().astype(np.int64) * _DAY_NS + of_day
    return out


def closed_slots(
    history_start: Any, interval_start: Any, *, timezone: str
) -> npt.NDArray[np.bool_]:
    """Intervals at a time slot the history never has: the queue is closed then.

    A slot is the local time of day and, when the history spans at least a week,
    the weekday (a centre closed on Sundays). An ACD exports only the intervals a
    queue is open, so an interval at a slot absent from the whole history is closed
    (0 arrivals), not missing data; a slot seen on other days is a real gap.
    """
    hist = pd.DatetimeIndex(pd.to_datetime(history_start, utc=True)).tz_convert(timezone)
    times = pd.DatetimeIndex(pd.to_datetime(interval_start, utc=True)).tz_convert(timezone)
    if len(hist) == 0:
        return np.zeros(len(times), dtype=bool)
    weekly = (hist.max() - hist.min()) >= pd.Timedelta(days=7)
    seen = np.unique(_slots(hist, weekly))
    out: npt.NDArray[np.bool_] = ~np.isin(_slots(times, weekly), seen)
    return out
