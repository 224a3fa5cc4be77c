"""SLA clocks in business hours, with holidays, make-up workdays and pauses.

A complaint case has two SLA clocks (docs/domain.md §4): *acknowledge within* and
*resolve within* so many business hours. The clock runs only inside the
calendar's working hours, skips holidays, runs on China's make-up workdays
(调休, e.g. a Saturday worked to bridge the National Day holiday), and the
resolution clock stops while the case waits for the customer.

This follows the convention the common help-desk products document for
business-hour SLA targets: Zendesk ("SLA policies … business hours: the SLA
timer only counts time within your business hours; holidays are excluded")
and Jira Service Management ("SLA calendars … time is only counted during the
working hours of the calendar, and the clock can be paused on statuses such
as *Waiting for customer*"). Both count elapsed *business* time from the start
event and stop at the stop event; a target breached when elapsed business time
exceeds the goal.

Notes
-----
With working intervals [o_d, c_d) per calendar day d (empty on non-working
days), the *business clock* of an instant t on day d(t) with local
seconds-of-day s(t) is

    B(t) = Σ_{d' < d(t)} (c_d' − o_d') + clip(s(t) − o_d(t), 0, c_d(t) − o_d(t)),

so business seconds between a and b are B(b) − B(a), minus the business
seconds of pauses inside [a, b] (pauses are merged first). The deadline of a
target of T business seconds from a is B⁻¹(B(a) + T + Σ paused business
seconds of pauses starting before the deadline), the *earliest* instant with
that clock value (a deadline that uses a day up exactly is that day's closing
time, not the next opening). Everything is a cumulative sum and a
``searchsorted`` over a day grid, so 10,000 cases are vectorised.

A workspace's calendar (:func:`business_calendar`) is its ``calendar`` settings
(workdays, hours, its own days off and make-up days) merged with the official
PRC public holidays and 调休 make-up working days
(:func:`servgap.core.holidays.business_days`); :func:`holiday_coverage` names
the years a clock spans that the holiday data does not cover, so that such a
clock comes with a warning. :func:`current_clocks` says which clock a case is
measured by now and whether it is overdue or at risk.

Time zones: timestamps must be tz-aware (naive → :class:`InputError`); they
are converted to the calendar's zone and the clock runs on local wall-clock
time. In zones with daylight saving a DST jump inside working hours is not
corrected for (Asia/Shanghai has none).

Checked against hand-worked examples (Friday 17:00 + 4 h → Monday 12:00; the
2025 National Day holiday with its make-up Saturday 11 October, per the State
Council notice 国办发明电〔2024〕12号; pauses while waiting for the customer)
and, in tests, against a brute-force minute-by-minute count.

References
----------
Zendesk help center, "Defining SLA policies" and "Setting your schedule with
business hours and holidays".
Atlassian, Jira Service Management documentation, "Create service level
agreements (SLAs)" and "Configure SLA calendars".
国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd

from servgap.core.errors import InputError, ProblemCollector, SpecError
from servgap.core.holidays import HolidayCalendar

FloatArray = npt.NDArray[np.float64]
_DAY_S = 86400.0

HoursSpec = tuple[time, time] | Mapping[int, tuple[time, time]]


def _secs(t: time) -> float:
    return t.hour * 3600.0 + t.minute * 60.0 + t.second + t.microsecond / 1e6


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days, hours, holidays and make-up workdays in one time zone.

    Parameters
    ----------
    tz : IANA zone name (default ``"Asia/Shanghai"``).
    workdays : weekday numbers that are normally worked (Monday = 0).
    hours : ``(open, close)`` for every workday, or ``{weekday: (open, close)}``;
        close may be ``time(0)`` meaning midnight (24:00).
    holidays : dates not worked even if their weekday is a workday.
    extra_workdays : dates worked even though their weekday is not (调休
        make-up workdays).
    extra_workday_hours : hours on make-up workdays (default: the hours of the
        first configured workday, i.e. a normal Monday).
    """

    tz: str = "Asia/Shanghai"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    hours: HoursSpec = (time(9, 0), time(18, 0))
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    extra_workday_hours: tuple[time, time] | None = None
    _open_s: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _close_s: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _extra_hours_s: tuple[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SpecError(
                f"Unknown time zone {self.tz!r}; use an IANA name such as 'Asia/Shanghai'.",
                f"未知时区 {self.tz!r}；请使用 IANA 时区名，如 'Asia/Shanghai'。",
            ) from exc
        object.__setattr__(self, "workdays", frozenset(int(w) for w in self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        bad_wd = sorted(w for w in self.workdays if not 0 <= w <= 6)
        if bad_wd:
            raise SpecError(
                f"Workdays must be 0 (Monday) … 6 (Sunday); got {bad_wd}.",
                f"工作日须为 0（周一）…6（周日）；当前为 {bad_wd}。",
            )
        both = sorted(self.holidays & self.extra_workdays)
        if both:
            raise SpecError(
                f"Dates {both} are both holidays and make-up workdays; keep each in one list.",
                f"日期 {both} 同时被设为节假日和调休工作日；请只保留一处。",
            )
        spec: dict[int, tuple[time, time]]
        if isinstance(self.hours, Mapping):
            spec = {int(k): v for k, v in self.hours.items()}
            missing = sorted(self.workdays - set(spec))
            if missing:
                raise SpecError(
                    f"No hours given for workdays {missing}; add them to hours=.",
                    f"工作日 {missing} 没有设置营业时间；请在 hours= 中补充。",
                )
        else:
            spec = {w: self.hours for w in self.workdays}
        opens = [0.0] * 7
        closes = [0.0] * 7
        for w in self.workdays:
            o, c = spec[w]
            o_s, c_s = _secs(o), _secs(c)
            if c_s == 0.0:
                c_s = _DAY_S
            if not o_s < c_s:
                raise SpecError(
                    f"Weekday {w}: opening time {o} is not before closing time {c}.",
                    f"星期 {w}：开始时间 {o} 不早于结束时间 {c}。",
                )
            opens[w], closes[w] = o_s, c_s
        object.__setattr__(self, "_open_s", tuple(opens))
        object.__setattr__(self, "_close_s", tuple(closes))
        if self.extra_workday_hours is not None:
            eo, ec = _secs(self.extra_workday_hours[0]), _secs(self.extra_workday_hours[1])
            ec = _DAY_S if ec == 0.0 else ec
            if not eo < ec:
                raise SpecError(
                    "extra_workday_hours: opening is not before closing.",
                    "extra_workday_hours：开始时间不早于结束时间。",
                )
        elif self.workdays:
            first = min(self.workdays)
            eo, ec = opens[first], closes[first]
        else:
            eo, ec = 9 * 3600.0, 18 * 3600.0
        object.__setattr__(self, "_extra_hours_s", (eo, ec))
        if not self.workdays and not self.extra_workdays:
            raise SpecError(
                "The calendar has no working time at all; give workdays= or extra_workdays=.",
                "日历中没有任何工作时间；请设置 workdays= 或 extra_workdays=。",
            )

    # ---- day grid ----------------------------------------------------------------
    def day_hours(self, days: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
        """Opening and closing seconds-of-day for day numbers (days since 1970-01-01).

        Non-working days get open = close = 0.
        """
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
        o = np.asarray(self._open_s, dtype=np.float64)[weekday]
        c = np.asarray(self._close_s, dtype=np.float64)[weekday]
        if self.holidays:
            hol = np.array(sorted(self.holidays), dtype="datetime64[D]").astype(np.int64)
            is_h = np.isin(days, hol)
            o = np.where(is_h, 0.0, o)
            c = np.where(is_h, 0.0, c)
        if self.extra_workdays:
            ext = np.array(sorted(self.extra_workdays), dtype="datetime64[D]").astype(np.int64)
            is_x = np.isin(days, ext)
            o = np.where(is_x, self._extra_hours_s[0], o)
            c = np.where(is_x, self._extra_hours_s[1], c)
        return o, c

    def business_seconds_per_week(self) -> float:
        """Regular business seconds in a week without holidays."""
        return float(sum(c - o for o, c in zip(self._open_s, self._close_s, strict=True)))


class _Clock:
    """Cumulative business seconds over a day grid [day0, day0 + n)."""

    def __init__(self, cal: BusinessCalendar, day0: int, n_days: int) -> None:
        self.cal = cal
        self.day0 = day0
        days = np.arange(day0, day0 + n_days, dtype=np.int64)
        self.open, self.close = cal.day_hours(days)
        length = self.close - self.open
        self.cum_end = np.cumsum(length)
        self.cum = self.cum_end - length

    @property
    def n_days(self) -> int:
        return int(self.cum.size)

    def value(self, local_s: FloatArray) -> FloatArray:
        """B(t) for local wall-clock seconds since 1970-01-01 00:00 (local)."""
        day = np.floor(local_s / _DAY_S).astype(np.int64)
        idx = day - self.day0
        sod = local_s - day * _DAY_S
        o = self.open[idx]
        c = self.close[idx]
        return np.asarray(self.cum[idx] + np.clip(sod - o, 0.0, c - o), dtype=np.float64)

    def inverse(self, v: FloatArray) -> FloatArray:
        """Earliest local second with clock value v (v within the grid)."""
        idx = np.searchsorted(self.cum_end, v, side="left")
        idx = np.minimum(idx, self.n_days - 1)
        day = idx + self.day0
        return np.asarray(day * _DAY_S + self.open[idx] + (v - self.cum[idx]), dtype=np.float64)


def _build_clock(
    cal: BusinessCalendar, local_s: FloatArray, need_value: FloatArray | None = None
) -> _Clock:
    finite = local_s[np.isfinite(local_s)]
    lo = int(np.floor(finite.min() / _DAY_S)) if finite.size else 0
    hi = int(np.floor(finite.max() / _DAY_S)) if finite.size else 0
    n = hi - lo + 2
    clock = _Clock(cal, lo, n)
    if need_value is not None and need_value.size:
        vmax = float(np.max(need_value))
        week = cal.business_seconds_per_week()
        extra = 14
        while clock.cum_end[-1] < vmax:
            if week > 0:
                extra = max(extra, math.ceil((vmax - clock.cum_end[-1]) / week * 7) + 14)
            n += extra
            extra *= 2
            if n > 365 * 200:
                raise InputError(
                    "The deadline lies more than 200 years ahead; check the target hours "
                    "and the calendar.",
                    "截止时间超过 200 年之后；请检查目标时长和日历设置。",
                )
            clock = _Clock(cal, lo, n)
    return clock


# --------------------------------------------------------------------------- timestamps


def _aware_index(values: Any, what: str) -> pd.DatetimeIndex:
    """Convert timestamps to a tz-aware DatetimeIndex (UTC); naive → InputError."""
    if isinstance(values, datetime | pd.Timestamp | str):
        values = [values]
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.DatetimeIndex):
        idx = values
    elif isinstance(getattr(values, "dtype", None), pd.DatetimeTZDtype):
        idx = pd.DatetimeIndex(values)
    else:
        arr = list(values)
        pc = ProblemCollector()
        for i, v in enumerate(arr, start=1):
            if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                continue
            ts = pd.Timestamp(v)
            if ts.tzinfo is None:
                pc.add(
                    "timestamp has no time zone; give an aware time such as "
                    "2025-10-10T17:00+08:00.",
                    "时间戳缺少时区；请提供带时区的时间，如 2025-10-10T17:00+08:00。",
                    row=i,
                    column=what,
                    value=str(v),
                )
        pc.raise_if_any(
            InputError,
            f"{len(pc)} timestamp(s) in {what} are naive (no time zone).",
            f"{what} 中有 {len(pc)} 个时间戳缺少时区。",
        )
        idx = pd.DatetimeIndex(pd.to_datetime(arr, utc=True))
    if idx.tz is None:
        if len(idx) and not bool(np.all(np.asarray(idx.isna()))):
            raise InputError(
                f"Timestamps in {what} are naive (no time zone); localize them first, "
                "e.g. .dt.tz_localize('Asia/Shanghai').",
                f"{what} 中的时间戳缺少时区；请先本地化，如 .dt.tz_localize('Asia/Shanghai')。",
            )
        idx = idx.tz_localize("UTC")
    return idx


def _local_seconds(idx: pd.DatetimeIndex, tz: str) -> FloatArray:
    """Local wall-clock seconds since 1970-01-01 (local); NaT → NaN."""
    local = idx.tz_convert(tz).tz_localize(None)
    ns = np.asarray(local.to_numpy(dtype="datetime64[ns]").astype(np.int64), dtype=np.float64)
    out = ns / 1e9
    out[np.asarray(local.isna())] = np.nan
    return np.asarray(out, dtype=np.float64)


def _from_local_seconds(sec: FloatArray, tz: str) -> pd.DatetimeIndex:
    us = np.round(sec * 1e6)
    naive = pd.DatetimeIndex(pd.to_datetime(us.astype(np.int64), unit="us"))
    ambiguous = np.zeros(len(naive), dtype=bool)
    return naive.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")


def _merge_intervals(pauses: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted(pauses):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _pause_local(pauses: Sequence[tuple[Any, Any]] | None, tz: str) -> list[tuple[float, float]]:
    if not pauses:
        return []
    starts = _local_seconds(_aware_index([p[0] for p in pauses], "pause start"), tz)
    if any(p[1] is None for p in pauses):
        raise InputError(
            "A pause has no end; close it (the customer replied) or pass its end time.",
            "有暂停区间没有结束时间；请补充结束时间（客户回复的时间）。",
        )
    ends = _local_seconds(_aware_index([p[1] for p in pauses], "pause end"), tz)
    pc = ProblemCollector()
    for i, (s, e) in enumerate(zip(starts, ends, strict=True), start=1):
        if not s <= e:
            pc.add(
                "pause ends before it starts.", "暂停结束时间早于开始时间。", row=i, column="pause"
            )
    pc.raise_if_any(InputError, "Invalid pauses.", "暂停区间无效。")
    return _merge_intervals(list(zip(starts.tolist(), ends.tolist(), strict=True)))


def _scalar_or_array(values: Any) -> bool:
    return isinstance(values, datetime | pd.Timestamp | str)


# --------------------------------------------------------------------------- public API


def business_seconds_between(
    start: Any,
    end: Any,
    calendar: BusinessCalendar,
    pauses: Sequence[tuple[Any, Any]] | None = None,
) -> float | FloatArray:
    """Business seconds between ``start`` and ``end`` minus paused business time.

    Parameters
    ----------
    start, end : tz-aware timestamps (scalars, or equal-length arrays/Series).
    calendar : the :class:`BusinessCalendar`.
    pauses : ``[(pause_start, pause_end), ...]`` (tz-aware), applied to every
        pair; overlapping pauses are merged.

    Returns
    -------
    float for scalar input, else an array. ``end < start`` raises InputError.
    """
    scalar = _scalar_or_array(start) and _scalar_or_array(end)
    s = _local_seconds(_aware_index(start, "start"), calendar.tz)
    e = _local_seconds(_aware_index(end, "end"), calendar.tz)
    if s.size != e.size:
        if s.size == 1:
            s = np.repeat(s, e.size)
        elif e.size == 1:
            e = np.repeat(e, s.size)
        else:
            raise InputError(
                f"start has {s.size} values and end {e.size}; give equal lengths.",
                f"start 有 {s.size} 个值而 end 有 {e.size} 个；长度须一致。",
            )
    if np.isnan(s).any() or np.isnan(e).any():
        raise InputError(
            "start/end contain missing timestamps (NaT); fill or drop them.",
            "start/end 中有缺失的时间（NaT）；请补全或删除。",
        )
    bad = np.flatnonzero(e < s)
    if bad.size:
        raise InputError(
            f"end is before start at position(s) {(bad + 1).tolist()[:20]}.",
            f"第 {(bad + 1).tolist()[:20]} 个位置的结束时间早于开始时间。",
        )
    pz = _pause_local(pauses, calendar.tz)
    pts = np.array([x for p in pz for x in p], dtype=np.float64)
    clock = _build_clock(calendar, np.concatenate([s, e, pts]))
    bs, be = clock.value(s), clock.value(e)
    out = be - bs
    for p0, p1 in pz:
        b0 = clock.value(np.array([p0]))[0]
        b1 = clock.value(np.array([p1]))[0]
        out -= np.clip(np.minimum(be, b1) - np.maximum(bs, b0), 0.0, None)
    if scalar:
        return float(out[0])
    return np.asarray(out, dtype=np.float64)


def add_business_time(
    start: Any,
    seconds: float | FloatArray,
    calendar: BusinessCalendar,
    pauses: Sequence[tuple[Any, Any]] | None = None,
) -> pd.Timestamp | pd.DatetimeIndex:
    """Deadline: the earliest instant ``seconds`` business seconds after ``start``.

    Pauses (closed intervals, tz-aware) that begin before the deadline push it
    back by their business length. Returns a tz-aware Timestamp in the calendar
    zone (a DatetimeIndex for array input).
    """
    scalar = _scalar_or_array(start) and np.ndim(seconds) == 0
    s = _local_seconds(_aware_index(start, "start"), calendar.tz)
    secs = np.atleast_1d(np.asarray(seconds, dtype=np.float64))
    if secs.size == 1 and s.size > 1:
        secs = np.repeat(secs, s.size)
    if s.size == 1 and secs.size > 1:
        s = np.repeat(s, secs.size)
    if s.size != secs.size:
        raise InputError(
            f"start has {s.size} values and seconds {secs.size}; give equal lengths.",
            f"start 有 {s.size} 个值而 seconds 有 {secs.size} 个；长度须一致。",
        )
    if np.isnan(s).any():
        raise InputError("start contains NaT.", "start 中有缺失时间（NaT）。")
    if not np.all(np.isfinite(secs)) or np.any(secs < 0):
        raise InputError(
            "Business seconds to add must be finite and ≥ 0.",
            "要增加的营业时长须为有限且 ≥ 0 的数。",
        )
    pz = _pause_local(pauses, calendar.tz)
    pts = np.array([x for p in pz for x in p], dtype=np.float64)
    allpts = np.concatenate([s, pts])
    clock = _build_clock(calendar, allpts)
    bs = clock.value(s)
    target = bs + secs
    for p0, p1 in pz:  # pauses sorted and merged
        b0 = np.maximum(clock.value(np.array([p0]))[0], bs)
        b1 = clock.value(np.array([p1]))[0]
        ext = np.where((b0 < target) & (b1 > b0), b1 - b0, 0.0)
        target = target + ext
    clock = _build_clock(calendar, allpts, need_value=target)
    out_local = np.where(secs == 0, s, clock.inverse(target))
    out = _from_local_seconds(np.asarray(out_local, dtype=np.float64), calendar.tz)
    if scalar:
        return out[0]
    return out


# --------------------------------------------------------------------------- workspace calendar


def _hhmm(v: Any, what: str) -> time:
    text = str(v).strip()
    if text in ("24:00", "24:00:00"):
        return time(0)  # midnight closing: BusinessCalendar reads time(0) as 24:00
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise SpecError(
            f"Workspace calendar: {what} {v!r} is not a time; write it like '09:00'.",
            f"工作区日历：{what} {v!r} 不是时间；请写成 '09:00'。",
        ) from None


def _date_set(v: Any, what: str) -> frozenset[date]:
    if v is None:
        return frozenset()
    if isinstance(v, str) or not isinstance(v, Sequence | set | frozenset):
        raise SpecError(
            f"Workspace calendar: {what} must be a list of dates like ['2026-10-01']; got {v!r}.",
            f"工作区日历：{what} 须为日期列表，如 ['2026-10-01']；当前为 {v!r}。",
        )
    out: set[date] = set()
    for x in v:
        try:
            out.add(x if isinstance(x, date) else date.fromisoformat(str(x)))
        except ValueError:
            raise SpecError(
                f"Workspace calendar: {what} entry {x!r} is not a date; write it like "
                "'2026-10-01'.",
                f"工作区日历：{what} 中的 {x!r} 不是日期；请写成 '2026-10-01'。",
            ) from None
    return frozenset(out)


def business_calendar(
    spec: Mapping[str, Any] | None,
    *,
    tz: str = "Asia/Shanghai",
    official_holidays: bool = True,
) -> BusinessCalendar:
    """A workspace's business calendar: its ``calendar`` settings and the official holidays.

    Parameters
    ----------
    spec : the stored ``calendar`` settings object (``workspace.settings["calendar"]``)::

            {"workdays": [0, 1, 2, 3, 4], "hours": ["09:00", "18:00"],
             "holidays": ["2026-12-24"], "extra_workdays": ["2026-10-11"],
             "tz": "Asia/Shanghai"}

        every key optional (defaults: Monday–Friday 09:00–18:00, no days of
        its own; ``tz`` defaults to ``tz=``, the workspace's zone).
    official_holidays : add the PRC public holidays and 调休 make-up working days
        of every year the ``chinesecalendar`` package covers
        (:func:`servgap.core.holidays.business_days`); the workspace's
        ``holidays`` are further days off and its ``extra_workdays`` further
        working days, and each wins over an official day.

    Notes
    -----
    Years the package does not cover have only the workspace's own days; say so
    with :func:`holiday_coverage` over the years a clock spans.

    Raises
    ------
    SpecError
        A setting of the wrong shape, naming the key and the value.
    """
    from servgap.core.holidays import business_days, official_years

    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise SpecError(
            "Workspace setting `calendar` must be a mapping (workdays, hours, holidays, "
            "extra_workdays).",
            "工作区设置 `calendar` 须为映射（workdays、hours、holidays、extra_workdays）。",
        )
    hours = spec.get("hours", ["09:00", "18:00"])
    if not (isinstance(hours, list | tuple) and len(hours) == 2):
        raise SpecError(
            f"Workspace calendar: hours must be [open, close] like ['09:00', '18:00']; "
            f"got {hours!r}.",
            f"工作区日历：hours 须为 [开始, 结束]，如 ['09:00', '18:00']；当前为 {hours!r}。",
        )
    workdays = spec.get("workdays", [0, 1, 2, 3, 4])
    try:
        wd = frozenset(int(w) for w in workdays)
    except (TypeError, ValueError):
        raise SpecError(
            f"Workspace calendar: workdays must be numbers 0 (Monday) … 6; got {workdays!r}.",
            f"工作区日历：workdays 须为 0（周一）…6 的数字；当前为 {workdays!r}。",
        ) from None
    own_off = _date_set(spec.get("holidays"), "holidays")
    own_work = _date_set(spec.get("extra_workdays"), "extra_workdays")
    if official_holidays:
        first, last = official_years()
        days = business_days(range(first, last + 1), extra_holidays=own_off,
                             extra_workdays=own_work, workdays=wd)  # fmt: skip
        off, work = days.holidays, days.extra_workdays
    else:
        off, work = own_off - own_work, own_work
    return BusinessCalendar(
        tz=str(spec.get("tz") or tz or "Asia/Shanghai"),
        workdays=wd,
        hours=(_hhmm(hours[0], "opening"), _hhmm(hours[1], "closing")),
        holidays=frozenset(off),
        extra_workdays=frozenset(work - off),
    )


def holiday_coverage(*times: Any, tz: str = "Asia/Shanghai") -> HolidayCalendar:
    """Which calendar years the given times span, and which of them lack official holidays.

    ``times``: timestamps or collections of them (opening times, ``now``,
    deadlines; NaT ignored). The result's ``uncovered`` years have no official
    PRC holiday data in the installed ``chinesecalendar``; its
    ``warning(lang)`` says so, for a clock that would otherwise be silently
    wrong in those years.
    """
    from servgap.core.holidays import business_days

    years: set[int] = set()
    for t in times:
        idx = _aware_index(t, "times")
        local = idx[~np.asarray(idx.isna(), dtype=bool)].tz_convert(tz)
        years.update(int(y) for y in local.year)
    return business_days(sorted(years))
