"""Recovery outcomes on cases: the 1–7 satisfaction scale, the survey question used for
satisfaction before the failure, and repeat complaints. Expected values are worked by hand
(the linear end-point map of Cohen, Cohen, Aiken & West 1999, POMP, put on 1–7)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servgap.core.case_outcomes import (
    check_satisfaction,
    complained_again,
    on_satisfaction_scale,
    satisfaction_question,
)
from servgap.core.errors import InputError
from servgap.core.survey import parse_survey

CST = timezone(timedelta(hours=8))


def d(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=CST)


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (4, (1, 5), 5.5),  # 1 + 6·3/4
        (1, (1, 5), 1.0),
        (5, (1, 5), 7.0),
        (7, (0, 10), 5.2),  # 1 + 6·7/10
        (6, (1, 7), 6.0),  # already on 1–7
    ],
)
def test_ratings_map_end_point_to_end_point(
    value: float, scale: tuple[float, float], expected: float
) -> None:
    assert on_satisfaction_scale(value, scale) == pytest.approx(expected)


@given(st.floats(1, 5), st.floats(1, 5))
def test_the_map_keeps_order_and_stays_on_the_scale(a: float, b: float) -> None:
    x, y = on_satisfaction_scale(np.array([a, b]), (1.0, 5.0))
    assert 1.0 <= x <= 7.0 and 1.0 <= y <= 7.0
    assert (x <= y) == (a <= b)


def test_off_scale_ratings_and_values_are_refused_with_the_field_named() -> None:
    with pytest.raises(InputError):
        on_satisfaction_scale(6, (1, 5))
    with pytest.raises(InputError):
        on_satisfaction_scale(3, (5, 1))
    assert check_satisfaction(None, field="satisfaction_before") is None
    assert check_satisfaction(6, field="satisfaction_after") == 6.0
    for bad in (0, 7.5, float("nan"), "six"):
        with pytest.raises(InputError) as e:
            check_satisfaction(bad, field="satisfaction_after")  # type: ignore[arg-type]
        assert e.value.fields == ("satisfaction_after",) and "1–7" in e.value.en


def test_the_satisfaction_question_is_csat_then_an_overall_rating() -> None:
    text = {"zh": "题", "en": "Q"}
    s1 = parse_survey({"code": "s", "title": text, "questions": [
        {"code": "overall", "type": "likert", "text": text},
        {"code": "happy", "type": "csat", "text": text}]})  # fmt: skip
    q = satisfaction_question(s1)
    assert q is not None and q.code == "happy" and q.scale == (1.0, 5.0)
    s2 = parse_survey({"code": "s", "title": text, "scale": {"min": 1, "max": 10}, "questions": [
        {"code": "rec", "type": "nps", "text": text},
        {"code": "overall", "type": "likert", "text": text}]})  # fmt: skip
    q2 = satisfaction_question(s2)
    assert q2 is not None and q2.code == "overall" and q2.scale == (1.0, 10.0)
    s3 = parse_survey({"code": "s", "title": text, "questions": [
        {"code": "rec", "type": "nps", "text": text}]})  # fmt: skip
    assert satisfaction_question(s3) is None


def test_complained_again_within_90_days_of_resolution() -> None:
    customers = ["a", "a", "a", "b", None, "c"]
    opened = [d(1, 1), d(2, 1), d(9, 1), d(1, 5), d(1, 1), d(3, 1)]
    resolved = [d(1, 2), d(2, 3), d(9, 2), d(1, 6), d(1, 2), None]
    got = complained_again(customers, opened, resolved, as_of=d(5, 3))
    # a1 resolved 2 Jan; a2 opened 1 Feb, 30 days later: complained again
    # a2 resolved 3 Feb; its window runs to 4 May, after as_of (3 May), nothing yet: unknown
    # a3 resolved after as_of: unknown; b1 resolved 6 Jan, window over 6 Apr, no case: no
    # no customer: unknown; c1 not resolved: unknown
    assert got[0] == 1.0 and got[3] == 0.0
    assert np.isnan(got[[1, 2, 4, 5]]).all()
    later = complained_again(customers, opened, resolved, as_of=d(12, 31))
    assert later[1] == 0.0 and later[2] == 0.0  # a3 opened 1 Sep, 210 days after 3 Feb
    with pytest.raises(InputError):
        complained_again(["a"], [d(1, 1)], [], as_of=d(2, 1))
