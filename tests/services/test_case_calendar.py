"""SLA clocks of stored cases on the official PRC holiday calendar, the workspace's own days,
the calendar warning for years without official data, and times typed in the workspace's
zone (Asia/Urumqi, UTC+6, here).

2026 National Day and Mid-Autumn: 1–7 October off, Sunday 20 September and Saturday
10 October worked (State Council notice for 2026). Expected clocks are worked by hand on
Monday–Friday 09:00–18:00.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from servgap.core.errors import InputError, UsageError
from servgap.core.holidays import official_years
from servgap.services.cases import (
    case_queue,
    cases_from_complaints,
    get_case,
    list_cases,
    move_case,
    open_case,
)
from servgap.services.context import Store, ensure_workspace, get_workspace
from servgap.services.workspaces import set_workspace_setting
from servgap.store.models import Case, Complaint

SH = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")
WS = "acme"


def sh(m: int, d: int, h: int, mi: int = 0, y: int = 2026) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


@pytest.fixture
def ws_store(store: Store) -> Store:
    with store.session() as s:
        ensure_workspace(s, WS, "示例", "Acme")
    return store


def test_national_day_2026_acknowledge_clock_is_due_on_8_october(ws_store: Store) -> None:
    c = open_case(ws_store, workspace=WS, summary="国庆前的投诉", category="delay",
                  now=sh(9, 30, 17)).case  # fmt: skip
    # normal priority: acknowledge within 4 business hours. 30 Sep 17–18 (1 h), 1–7 Oct off,
    # 8 Oct from 09:00: due 12:00; at 10:00 1 + 1 = 2 h used, 2 h left
    queue = case_queue(ws_store, workspace=WS, now=sh(10, 8, 10))
    row = queue.table.set_index("case").loc[c]
    assert row["sla_clock"] == "acknowledge" and row["remaining_h"] == pytest.approx(2.0)
    assert row["deadline"] == "2026-10-08T12:00:00+08:00"
    assert queue.uncovered_years == () and queue.warning("en") is None
    # during the holiday the clock stands still: at 5 Oct 15:00 only the hour of 30 Sep is used
    mid = list_cases(ws_store, workspace=WS, now=sh(10, 5, 15)).set_index("case")
    assert mid.loc[c, "remaining_h"] == pytest.approx(3.0)


def test_the_clock_runs_on_the_make_up_saturday_10_october(ws_store: Store) -> None:
    c = open_case(ws_store, workspace=WS, summary="周五傍晚的投诉", category="delay",
                  now=sh(10, 9, 17)).case  # fmt: skip
    # Fri 9 Oct 17–18 (1 h) + Sat 10 Oct 09–10 (1 h): 2 h of 4 used by Saturday 10:00
    row = list_cases(ws_store, workspace=WS, now=sh(10, 10, 10)).set_index("case").loc[c]
    assert row["remaining_h"] == pytest.approx(2.0)
    assert row["deadline"] == "2026-10-10T12:00:00+08:00"


def test_workspace_holidays_and_make_up_days_are_added_to_the_official_ones(
    ws_store: Store,
) -> None:
    c = open_case(ws_store, workspace=WS, summary="x", category="other", now=sh(9, 30, 17)).case
    set_workspace_setting(ws_store, WS, "calendar.holidays", "2026-10-08")  # a company day off
    row = list_cases(ws_store, workspace=WS, now=sh(10, 9, 10)).set_index("case").loc[c]
    assert row["deadline"] == "2026-10-09T12:00:00+08:00"
    assert row["remaining_h"] == pytest.approx(2.0)  # 30 Sep 1 h + 9 Oct 09–10 1 h
    set_workspace_setting(ws_store, WS, "calendar.extra_workdays", "2026-10-02")  # works Fri 2 Oct
    row = list_cases(ws_store, workspace=WS, now=sh(10, 2, 10)).set_index("case").loc[c]
    assert row["deadline"] == "2026-10-02T12:00:00+08:00"


def test_a_clock_that_reaches_a_year_without_official_holidays_warns(ws_store: Store) -> None:
    last = official_years()[1]  # the last year the installed chinesecalendar covers
    c = open_case(ws_store, workspace=WS, summary="年底的投诉", category="delay",
                  now=sh(12, 31, 17, y=last)).case  # fmt: skip
    move_case(ws_store, workspace=WS, code=c, to="acknowledged", now=sh(12, 31, 17, 30, y=last))
    # the 40-business-hour resolve deadline falls in the next year, which has no official data
    queue = case_queue(ws_store, workspace=WS, now=sh(12, 31, 17, 45, y=last))
    assert queue.uncovered_years == (last + 1,)
    warning = queue.warning("en")
    assert warning is not None and str(last + 1) in warning and "chinesecalendar" in warning
    assert str(last + 1) in (queue.warning("zh") or "")
    shown = get_case(ws_store, workspace=WS, code=c)
    assert shown.warning_en == warning and shown.sla.clock == "resolve"


@pytest.fixture
def urumqi(store: Store) -> Store:
    with store.session() as s:
        ws = ensure_workspace(s, WS, "乌鲁木齐", "Urumqi")
        ws.timezone = "Asia/Urumqi"
    return store


def test_typed_times_are_read_in_the_workspace_zone(urumqi: Store) -> None:
    c = open_case(urumqi, workspace=WS, summary="包裹延误", category="delay",
                  at="2026-03-02 09:00")  # fmt: skip
    # 09:00 in Urumqi (UTC+6) is 03:00 UTC, not 01:00 UTC (the Shanghai reading)
    assert c.opened_at == "2026-03-02T03:00:00+00:00"
    # the business day is Urumqi's: 09:00–12:30 is 3.5 of 4 hours
    q = list_cases(urumqi, workspace=WS, at="2026-03-02 12:30").set_index("case")
    assert q.loc[c.case, "remaining_h"] == pytest.approx(0.5)
    assert q.loc[c.case, "deadline"] == "2026-03-02T13:00:00+06:00"
    # an explicit offset is kept, and Chinese date forms are read
    out = move_case(urumqi, workspace=WS, code=c.case, to="acknowledged",
                    at="2026年3月2日 14:00")  # fmt: skip
    assert out.acknowledged_at == "2026-03-02T08:00:00+00:00"
    out = move_case(urumqi, workspace=WS, code=c.case, to="investigating",
                    at="2026-03-02T17:00+08:00")  # fmt: skip
    with urumqi.session() as s:
        case = s.scalar(select(Case).where(Case.code == c.case))
        assert case is not None and case.events[-1].at == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("01/02/2026 09:00", "ambiguous"),
        ("1985-03-02 09:00", "before 1990"),
        ("2099-03-02 09:00", "in the future"),
        ("next tuesday", "not a date-time"),
    ],
)
def test_bad_typed_times_are_usage_errors_naming_the_field(
    urumqi: Store, text: str, words: str
) -> None:
    with pytest.raises(UsageError) as e:
        open_case(urumqi, workspace=WS, summary="x", category="other", at=text)
    assert e.value.fields == ("at",) and words in e.value.en and "`at`" in e.value.en
    with urumqi.session() as s:
        assert s.scalar(select(Case.id)) is None


def test_a_time_given_twice_or_naive_is_refused(urumqi: Store) -> None:
    with pytest.raises(UsageError):
        open_case(urumqi, workspace=WS, summary="x", category="other", at="2026-03-02 09:00",
                  now=dt.datetime(2026, 3, 2, 9, tzinfo=URUMQI))  # fmt: skip
    with pytest.raises(InputError, match="no time zone"):
        open_case(urumqi, workspace=WS, summary="x", category="other",
                  now=dt.datetime(2026, 3, 2, 9))  # fmt: skip


def test_since_is_read_in_the_workspace_zone(urumqi: Store) -> None:
    with urumqi.session() as s:
        ws = get_workspace(s, WS)
        # 23:00 on 1 March and 01:00 on 2 March in Urumqi
        for code, utc_hour in (("early", 17), ("late", 19)):
            s.add(Complaint(workspace_id=ws.id, code=code, channel="phone", text="包裹丢了",
                            received_at=dt.datetime(2026, 3, 1, utc_hour, tzinfo=dt.UTC)))  # fmt: skip
    rep = cases_from_complaints(urumqi, workspace=WS, since="2026-03-02",
                                now=dt.datetime(2026, 3, 3, 9, tzinfo=URUMQI))  # fmt: skip
    # 2026-03-02 00:00 in Urumqi is 18:00 UTC on 1 March (read in Shanghai: 16:00 UTC, both)
    assert rep.rows_read == 1 and rep.opened == 1
