"""Official PRC holidays (State Council notices, through the chinesecalendar package)."""

from __future__ import annotations

import datetime as dt

from servgap.core.holidays import business_days, is_holiday, official_years

D = dt.date


def test_2026_national_day_and_spring_festival_per_the_state_council_notice() -> None:
    # 国务院办公厅关于2026年部分节假日安排的通知 (State Council, November 2025): National Day and
    # Mid-Autumn 1–7 October off, Sunday 20 September and Saturday 10 October worked; Spring
    # Festival 15–23 February
    # off, Saturdays 14 and 28 February worked.
    cal = business_days([2026])
    assert {D(2026, 10, d) for d in (1, 2, 5, 6, 7)} <= cal.holidays  # the weekdays among 1–7
    assert {D(2026, 9, 20), D(2026, 10, 10)} <= cal.extra_workdays
    assert {D(2026, 2, 14), D(2026, 2, 28)} <= cal.extra_workdays
    assert D(2026, 2, 16) in cal.holidays
    assert D(2026, 10, 9) not in cal.holidays  # an ordinary Friday
    assert is_holiday([D(2026, 10, 3), D(2026, 10, 10), D(2026, 10, 12)], cal) == [
        True, False, False]  # fmt: skip


def test_workspace_days_and_uncovered_years_are_reported() -> None:
    last = official_years()[1]
    cal = business_days([2026, last + 1], extra_holidays=[D(2026, 12, 24)],
                        extra_workdays=[D(2026, 10, 2)])  # fmt: skip
    assert D(2026, 12, 24) in cal.holidays
    assert D(2026, 10, 2) not in cal.holidays  # the workspace works that day
    assert cal.uncovered == (last + 1,)
    warning = cal.warning("en")
    assert warning is not None and str(last + 1) in warning
    assert business_days([2026]).warning() is None
