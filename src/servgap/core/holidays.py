"""Official PRC public holidays and 调休 make-up working days, with a workspace's own days.

The State Council publishes each year's holidays and the weekend days worked
in exchange (调休) in its annual notice (国务院办公厅关于<年>部分节假日安排的
通知). The PyPI package ``chinesecalendar`` (module ``chinese_calendar``)
maintains those notices as data from 2004; servgap uses it instead of a copy
of its own so that a new year arrives with a package update. A year the
package does not cover is reported (``uncovered``), never silently treated as
having no holidays.

:func:`business_days` merges the official days with a workspace's additions
(``calendar.holidays``: extra days off, e.g. a company day; ``calendar.
extra_workdays``: extra make-up days) for the years asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from servgap.core._result import ResultMixin


@dataclass(frozen=True)
class HolidayCalendar(ResultMixin):
    """Days off and make-up working days for a set of years."""

    holidays: frozenset[dt.date]
    extra_workdays: frozenset[dt.date]
    years: tuple[int, ...]
    uncovered: tuple[int, ...]  # years without official data: only the workspace's own days

    def warning(self, lang: str = "en") -> str | None:
        if not self.uncovered:
            return None
        ys = ", ".join(map(str, self.uncovered))
        if lang == "zh":
            return (
                f"没有 {ys} 年的官方节假日数据（请升级 chinesecalendar 包，或用 workspace set "
                "calendar.holidays 填入）；这些年份只按周末和工作区自定义的休息日计算。"
            )
        return (
            f"No official holiday data for {ys} (upgrade the chinesecalendar package, or set "
            "calendar.holidays on the workspace); those years count only weekends and the "
            "workspace's own days off."
        )


@cache
def _official() -> tuple[frozenset[dt.date], frozenset[dt.date], tuple[int, int]]:
    import chinese_calendar

    # every official day off (weekends inside a holiday too) and every official working day
    # that is not Monday-Friday (the 调休 make-up days); business_days keeps those that matter
    # for the workspace's own week
    hol = frozenset(chinese_calendar.holidays)
    work = frozenset(d for d in chinese_calendar.workdays if d.weekday() >= 5)
    years = [d.year for d in chinese_calendar.holidays]
    return hol, work, (min(years), max(years))


def official_years() -> tuple[int, int]:
    """First and last year of the official data shipped with the installed package."""
    return _official()[2]


def business_days(
    years: Iterable[int],
    *,
    extra_holidays: Iterable[dt.date] = (),
    extra_workdays: Iterable[dt.date] = (),
    official: bool = True,
    workdays: Iterable[int] = (0, 1, 2, 3, 4),
) -> HolidayCalendar:
    """Official holidays and make-up days of ``years`` that matter, plus the workspace's.

    Only official holidays falling on one of ``workdays`` (Monday = 0; default
    Monday–Friday) and make-up days falling on another day are listed (the
    others change nothing in that week): a workspace open Monday–Saturday gets
    a Saturday inside the National Day holiday as a day off.
    """
    ys = tuple(sorted(set(years)))
    week = frozenset(int(w) for w in workdays)
    hol: set[dt.date] = set(extra_holidays)
    work: set[dt.date] = set(extra_workdays)
    uncovered: tuple[int, ...] = ()
    if official:
        off_hol, off_work, (first, last) = _official()
        hol |= {d for d in off_hol if d.year in ys and d.weekday() in week}
        work |= {d for d in off_work if d.year in ys and d.weekday() not in week}
        uncovered = tuple(y for y in ys if not first <= y <= last)
    work -= set(extra_holidays)  # a company day off wins over an official make-up day
    hol -= set(extra_workdays)
    return HolidayCalendar(frozenset(hol), frozenset(work), ys, uncovered)


def is_holiday(days: Iterable[dt.date], calendar: HolidayCalendar) -> list[bool]:
    """For each date: a day off (official or workspace holiday, or a weekend not worked)."""
    return [
        d in calendar.holidays or (d.weekday() >= 5 and d not in calendar.extra_workdays)
        for d in days
    ]
