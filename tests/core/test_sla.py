"""Tests for servgap.core.sla: business-hour SLA clocks.

Expected values are worked by hand from the calendar (stated in each test) and,
for random intervals, by a brute-force minute-by-minute count written
independently in this file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servgap.core.errors import InputError, SpecError
from servgap.core.holidays import official_years
from servgap.core.sla import (
    BusinessCalendar,
    add_business_time,
    business_calendar,
    business_seconds_between,
    holiday_coverage,
)
from servgap.core.sla_status import SlaPolicy, current_clocks, sla_status

CST = timezone(timedelta(hours=8))
H = 3600.0


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CST)


# 2025 National Day + Mid-Autumn: 1–8 October off; Sunday 28 September and
# Saturday 11 October are make-up workdays (国办发明电〔2024〕12号).
NATIONAL_DAY_2025 = BusinessCalendar(
    holidays=frozenset(date(2025, 10, d) for d in range(1, 9)),
    extra_workdays=frozenset({date(2025, 9, 28), date(2025, 10, 11)}),
)
PLAIN = BusinessCalendar()


def test_friday_1700_plus_4h_is_monday_1200() -> None:
    # Fri 2025-10-17 17:00: 1 h left on Friday, 3 h Monday 09:00–12:00.
    assert add_business_time(at(2025, 10, 17, 17), 4 * H, PLAIN) == pd.Timestamp(
        "2025-10-20 12:00", tz="Asia/Shanghai"
    )
    assert business_seconds_between(at(2025, 10, 17, 17), at(2025, 10, 20, 12), PLAIN) == 4 * H


def test_deadline_using_a_day_up_is_its_closing_time() -> None:
    # Friday 17:00 + 1 h ends exactly at Friday 18:00, not Monday 09:00.
    assert add_business_time(at(2025, 10, 17, 17), H, PLAIN) == pd.Timestamp(
        "2025-10-17 18:00", tz="Asia/Shanghai"
    )


def test_national_day_with_makeup_saturday() -> None:
    # Tue 30 Sep 17:00 + 4 h: 1 h on 30 Sep, holidays 1–8 Oct, 3 h on Thu 9 Oct.
    assert add_business_time(at(2025, 9, 30, 17), 4 * H, NATIONAL_DAY_2025) == pd.Timestamp(
        "2025-10-09 12:00", tz="Asia/Shanghai"
    )
    # Fri 10 Oct 17:00 + 4 h: 1 h Friday, then the make-up Saturday 11 Oct 09–12.
    assert add_business_time(at(2025, 10, 10, 17), 4 * H, NATIONAL_DAY_2025) == pd.Timestamp(
        "2025-10-11 12:00", tz="Asia/Shanghai"
    )
    # 30 Sep 17:00 → Mon 13 Oct 10:00: 1 + 9 (9 Oct) + 9 (10 Oct) + 9 (Sat 11 Oct) + 1 = 29 h.
    got = business_seconds_between(at(2025, 9, 30, 17), at(2025, 10, 13, 10), NATIONAL_DAY_2025)
    assert got == 29 * H
    # Make-up Sunday 28 Sep counts too: Sat 27 Sep 12:00 → Mon 29 Sep 10:00 = 9 + 1 h.
    got = business_seconds_between(at(2025, 9, 27, 12), at(2025, 9, 29, 10), NATIONAL_DAY_2025)
    assert got == 10 * H


def test_pause_waiting_for_customer_moves_deadline() -> None:
    # Fri 17:00 + 4 h with a pause Mon 09:30–11:00 (1.5 h): deadline Mon 13:30.
    pauses = [(at(2025, 10, 20, 9, 30), at(2025, 10, 20, 11))]
    assert add_business_time(at(2025, 10, 17, 17), 4 * H, PLAIN, pauses) == pd.Timestamp(
        "2025-10-20 13:30", tz="Asia/Shanghai"
    )
    # Elapsed Fri 17:00 → Mon 13:30 minus the pause = 4 h.
    got = business_seconds_between(at(2025, 10, 17, 17), at(2025, 10, 20, 13, 30), PLAIN, pauses)
    assert got == 4 * H
    # A pause over the weekend costs no business time.
    wk = [(at(2025, 10, 18, 10), at(2025, 10, 19, 20))]
    assert add_business_time(at(2025, 10, 17, 17), 4 * H, PLAIN, wk) == pd.Timestamp(
        "2025-10-20 12:00", tz="Asia/Shanghai"
    )
    # A pause starting after the deadline does not move it.
    late = [(at(2025, 10, 20, 14), at(2025, 10, 20, 16))]
    assert add_business_time(at(2025, 10, 17, 17), 4 * H, PLAIN, late) == pd.Timestamp(
        "2025-10-20 12:00", tz="Asia/Shanghai"
    )


def test_per_weekday_hours_and_other_timezone_input() -> None:
    cal = BusinessCalendar(
        workdays=frozenset(range(6)),
        hours={w: (time(9), time(18)) for w in range(5)} | {5: (time(10), time(14))},
    )
    # Fri 17:00 +3 h: 1 h Fri, 2 h Sat 10–12.
    start_utc = datetime(2025, 10, 17, 9, tzinfo=UTC)  # = 17:00 +08:00
    assert add_business_time(start_utc, 3 * H, cal) == pd.Timestamp(
        "2025-10-18 12:00", tz="Asia/Shanghai"
    )


def test_naive_timestamps_are_rejected() -> None:
    with pytest.raises(InputError) as e:
        business_seconds_between(datetime(2025, 10, 17, 17), at(2025, 10, 20, 12), PLAIN)
    assert "time zone" in e.value.en and "时区" in e.value.zh
    with pytest.raises(InputError):
        add_business_time(pd.Timestamp("2025-10-17 17:00"), H, PLAIN)


def test_calendar_spec_errors() -> None:
    with pytest.raises(SpecError):
        BusinessCalendar(hours=(time(18), time(9)))
    with pytest.raises(SpecError):
        BusinessCalendar(
            holidays=frozenset({date(2025, 10, 11)}), extra_workdays=frozenset({date(2025, 10, 11)})
        )
    with pytest.raises(SpecError):
        BusinessCalendar(tz="Mars/Olympus")


def test_end_before_start_is_an_input_error() -> None:
    with pytest.raises(InputError):
        business_seconds_between(at(2025, 10, 20), at(2025, 10, 17), PLAIN)


# --------------------------------------------------------------------------- brute force


def brute_business_minutes(start: datetime, end: datetime, cal: BusinessCalendar) -> int:
    """Count working minutes one by one (independent of the implementation)."""
    n = 0
    t = start
    while t < end:
        d = t.date()
        wd = d.weekday()
        working = (wd in cal.workdays and d not in cal.holidays) or d in cal.extra_workdays
        if working and time(9) <= t.time() < time(18):
            n += 1
        t += timedelta(minutes=1)
    return n


@settings(max_examples=25, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=20 * 24 * 60),
    span=st.integers(min_value=0, max_value=6 * 24 * 60),
)
def test_matches_brute_force_minute_count(a: int, span: int) -> None:
    start = at(2025, 9, 25) + timedelta(minutes=a)
    end = start + timedelta(minutes=span)
    got = business_seconds_between(start, end, NATIONAL_DAY_2025)
    assert got == brute_business_minutes(start, end, NATIONAL_DAY_2025) * 60


@settings(max_examples=40, deadline=None)
@given(
    a=st.integers(min_value=0, max_value=40 * 24 * 60),
    secs=st.integers(min_value=1, max_value=200 * 3600),
)
def test_add_then_measure_round_trip(a: int, secs: int) -> None:
    start = at(2025, 9, 1) + timedelta(minutes=a)
    due = add_business_time(start, float(secs), NATIONAL_DAY_2025)
    assert business_seconds_between(start, due, NATIONAL_DAY_2025) == pytest.approx(secs, abs=1e-3)
    # earliest instant: one second earlier is short of the target
    before = business_seconds_between(start, due - pd.Timedelta(seconds=1), NATIONAL_DAY_2025)
    assert before < secs


def test_vectorised_equals_scalar() -> None:
    rng = np.random.default_rng(1)
    starts = pd.Series(
        pd.Timestamp("2025-09-20", tz="Asia/Shanghai")
        + pd.to_timedelta(rng.integers(0, 30 * 24 * 60, 50), unit="min")
    )
    secs = rng.integers(0, 50 * 3600, 50).astype(float)
    due = add_business_time(starts, secs, NATIONAL_DAY_2025)
    for s, x, d in zip(starts, secs, due, strict=True):
        assert add_business_time(s, float(x), NATIONAL_DAY_2025) == d


# --------------------------------------------------------------------------- sla_status


def test_sla_status_hand_worked() -> None:
    cases = pd.DataFrame(
        {
            "case": ["A", "B", "C"],
            "opened_at": pd.to_datetime(
                ["2025-10-17 17:00", "2025-10-17 17:00", "2025-10-20 09:00"]
            ).tz_localize("Asia/Shanghai"),
            "acknowledged_at": pd.to_datetime(["2025-10-17 17:30", None, None]).tz_localize(
                "Asia/Shanghai"
            ),
            "resolved_at": pd.to_datetime([None, None, None]).tz_localize("Asia/Shanghai"),
            "category": ["delay", "delay", "attitude"],
            "priority": ["high", "normal", "normal"],
        }
    )
    policies = [
        SlaPolicy("*", "*", acknowledge_within_h=2, resolve_within_h=8),
        SlaPolicy("delay", "high", acknowledge_within_h=1, resolve_within_h=4),
    ]
    pauses = pd.DataFrame(
        {
            "case": ["C"],
            "start": [pd.Timestamp("2025-10-20 10:00", tz="Asia/Shanghai")],
            "end": pd.Series([pd.NaT], dtype="datetime64[ns, Asia/Shanghai]"),
        }
    )
    now = at(2025, 10, 20, 11, 30)
    res = sla_status(cases, now=now, calendar=PLAIN, policies=policies, pauses=pauses)
    t = res.table.set_index(["case", "clock"])
    # A: ack met after 0.5 h; resolve 4 h target, elapsed 1 h Fri + 2.5 h Mon = 3.5 h,
    # remaining 0.5 h < 0.2·4 → at_risk; deadline Mon 12:00.
    assert t.loc[("A", "acknowledge"), "state"] == "met"
    assert t.loc[("A", "acknowledge"), "elapsed_h"] == pytest.approx(0.5)
    assert t.loc[("A", "resolve"), "elapsed_h"] == pytest.approx(3.5)
    assert t.loc[("A", "resolve"), "state"] == "at_risk"
    assert t.loc[("A", "resolve"), "deadline"] == pd.Timestamp(
        "2025-10-20 12:00", tz="Asia/Shanghai"
    )
    # B: not acknowledged, 2 h target, elapsed 3.5 h → breached, deadline Mon 10:00.
    assert t.loc[("B", "acknowledge"), "state"] == "breached"
    assert t.loc[("B", "acknowledge"), "deadline"] == pd.Timestamp(
        "2025-10-20 10:00", tz="Asia/Shanghai"
    )
    # C: resolve paused since 10:00 (still waiting): elapsed 1 h, paused 1.5 h.
    assert t.loc[("C", "resolve"), "elapsed_h"] == pytest.approx(1.0)
    assert t.loc[("C", "resolve"), "paused_h"] == pytest.approx(1.5)
    assert bool(t.loc[("C", "resolve"), "paused_now"])
    assert bool(t.loc[("C", "resolve"), "deadline_provisional"])
    # acknowledge clock is not paused: elapsed 2.5 h > 2 h → breached
    assert t.loc[("C", "acknowledge"), "state"] == "breached"
    # deadline so far: 8 h from Mon 09:00 plus 1.5 h paused → Mon 18:30 → Tue 09:30
    assert t.loc[("C", "resolve"), "deadline"] == pd.Timestamp(
        "2025-10-21 09:30", tz="Asia/Shanghai"
    )
    assert res.to_dict()["table"][0]["case"] == "A"


def test_sla_status_missing_policy_and_naive_columns() -> None:
    cases = pd.DataFrame(
        {
            "case": ["A"],
            "opened_at": [at(2025, 10, 17, 9)],
            "acknowledged_at": [None],
            "resolved_at": [None],
            "category": ["delay"],
            "priority": ["high"],
        }
    )
    with pytest.raises(InputError) as e:
        sla_status(
            cases, now=at(2025, 10, 17, 10), calendar=PLAIN, policies=SlaPolicy("price", "*")
        )
    assert "no SLA policy" in e.value.message()
    naive = cases.assign(opened_at=[datetime(2025, 10, 17, 9)])
    with pytest.raises(InputError):
        sla_status(naive, now=at(2025, 10, 17, 10), calendar=PLAIN, policies=SlaPolicy())


# --------------------------------------------------------------------------- workspace calendar
# 2026 National Day and Mid-Autumn: 1–7 October off, Sunday 20 September and Saturday
# 10 October worked (国务院办公厅关于2026年部分节假日安排的通知), read from chinesecalendar.


def test_official_2026_national_day_in_the_workspace_calendar() -> None:
    cal = business_calendar(None, tz="Asia/Shanghai")
    # Wed 30 Sep 17:00 + 4 h: 1 h on 30 Sep, 1–7 Oct off, 3 h on Thu 8 Oct 09–12.
    assert add_business_time(at(2026, 9, 30, 17), 4 * H, cal) == pd.Timestamp(
        "2026-10-08 12:00", tz="Asia/Shanghai"
    )
    # The clock runs on the make-up Saturday 10 Oct: Fri 9 Oct 17:00 + 4 h = Sat 12:00.
    assert add_business_time(at(2026, 10, 9, 17), 4 * H, cal) == pd.Timestamp(
        "2026-10-10 12:00", tz="Asia/Shanghai"
    )
    assert business_seconds_between(at(2026, 10, 9, 18), at(2026, 10, 10, 18), cal) == 9 * H
    # and on the make-up Sunday 20 Sep: Sat 19 Sep 12:00 → Mon 21 Sep 10:00 = 9 + 1 h
    assert business_seconds_between(at(2026, 9, 19, 12), at(2026, 9, 21, 10), cal) == 10 * H


def test_workspace_days_merge_with_and_win_over_official_ones() -> None:
    spec = {"holidays": ["2026-10-08"], "extra_workdays": ["2026-10-03"]}
    cal = business_calendar(spec, tz="Asia/Shanghai")
    # the workspace works Sat 3 Oct (inside the official holiday): 30 Sep 17:00 + 4 h = 3 Oct 12:00
    assert add_business_time(at(2026, 9, 30, 17), 4 * H, cal) == pd.Timestamp(
        "2026-10-03 12:00", tz="Asia/Shanghai"
    )
    # and takes Thu 8 Oct off: Wed 7 Oct is official, so Sat 3 Oct 17:00 + 4 h → Fri 9 Oct 12:00
    assert add_business_time(at(2026, 10, 3, 17), 4 * H, cal) == pd.Timestamp(
        "2026-10-09 12:00", tz="Asia/Shanghai"
    )
    plain = business_calendar(spec, tz="Asia/Shanghai", official_holidays=False)
    # without the official days only the workspace's own count: 30 Sep 17:00 + 4 h = 1 Oct 12:00
    assert add_business_time(at(2026, 9, 30, 17), 4 * H, plain) == pd.Timestamp(
        "2026-10-01 12:00", tz="Asia/Shanghai"
    )


def test_a_six_day_week_also_rests_on_an_official_saturday_holiday() -> None:
    cal = business_calendar({"workdays": [0, 1, 2, 3, 4, 5], "hours": ["08:30", "17:30"]},
                            tz="Asia/Shanghai")  # fmt: skip
    # Sat 3 Oct 2026 is inside the holiday: no business time that day
    assert business_seconds_between(at(2026, 10, 3, 8), at(2026, 10, 3, 20), cal) == 0.0
    assert business_seconds_between(at(2026, 10, 10, 8), at(2026, 10, 10, 20), cal) == 9 * H


@pytest.mark.parametrize(
    "spec",
    [
        {"hours": ["9am", "18:00"]},
        {"hours": "09:00-18:00"},
        {"workdays": ["Mon"]},
        {"holidays": ["2026-13-01"]},
        {"holidays": "2026-10-01"},
        ["not", "a", "mapping"],
    ],
)
def test_workspace_calendar_settings_of_the_wrong_shape_are_spec_errors(spec: object) -> None:
    with pytest.raises(SpecError):
        business_calendar(spec, tz="Asia/Shanghai")  # type: ignore[arg-type]


def test_closing_at_midnight_reads_as_24_00() -> None:
    cal = business_calendar({"hours": ["18:00", "24:00"], "workdays": [0, 1, 2, 3, 4, 5, 6]},
                            official_holidays=False)  # fmt: skip
    assert business_seconds_between(at(2026, 3, 2, 17), at(2026, 3, 3, 1), cal) == 6 * H


def test_holiday_coverage_names_the_years_without_official_data() -> None:
    last = official_years()[1]
    ok = holiday_coverage([at(last, 3, 2, 9)], pd.Series([pd.NaT]), tz="Asia/Shanghai")
    assert ok.uncovered == () and ok.warning() is None
    # a deadline in the next year, which the package does not know yet
    cover = holiday_coverage([at(last, 12, 30, 9)], [at(last + 1, 1, 4, 12)], tz="Asia/Shanghai")
    assert cover.years == (last, last + 1) and cover.uncovered == (last + 1,)
    assert str(last + 1) in (cover.warning("en") or "") and "官方节假日" in (
        cover.warning("zh") or ""
    )


def test_current_clock_and_overdue_rules() -> None:
    # Mon 2 Mar 2026 09:00 openings, now 13:30; normal: ack 4 h / resolve 40 h.
    cases = pd.DataFrame(
        {
            "case": ["new_late", "acked", "resolved_late", "new_ok"],
            "opened_at": [at(2026, 3, 2, 9)] * 3 + [at(2026, 3, 2, 13)],
            "acknowledged_at": [pd.NaT, at(2026, 3, 2, 9, 30), at(2026, 3, 2, 9, 30), pd.NaT],
            "resolved_at": [pd.NaT, pd.NaT, at(2026, 3, 2, 13), pd.NaT],
            "category": ["other"] * 4,
            "priority": ["normal", "normal", "normal", "normal"],
        }
    )
    st_ = sla_status(cases, now=at(2026, 3, 2, 13, 30), calendar=PLAIN,
                     policies=SlaPolicy(acknowledge_within_h=4, resolve_within_h=40))  # fmt: skip
    states = {"new_late": "new", "acked": "acknowledged", "resolved_late": "resolved",
              "new_ok": "new"}  # fmt: skip
    cur = current_clocks(st_, states).set_index("case")
    # a new case is measured by its running acknowledge clock: 4.5 h elapsed of 4 → overdue
    assert cur.loc["new_late", "sla_clock"] == "acknowledge"
    assert cur.loc["new_late", "remaining_h"] == pytest.approx(-0.5)
    assert cur.loc["new_late", "overdue"] and not cur.loc["new_late", "at_risk"]
    # an acknowledged case by its resolve clock: 4.5 h of 40
    assert cur.loc["acked", "sla_clock"] == "resolve"
    assert cur.loc["acked", "remaining_h"] == pytest.approx(35.5)
    # a finished case is never overdue or at risk, whatever its clocks say
    assert not cur.loc["resolved_late", "overdue"] and not cur.loc["resolved_late", "at_risk"]
    # 0.5 h of 4 elapsed: ok; nothing at risk
    assert cur.loc["new_ok", "sla_state"] == "ok" and not cur.loc["new_ok", "at_risk"]
    assert list(cur.index) == ["new_late", "acked", "resolved_late", "new_ok"]
