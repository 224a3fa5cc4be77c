"""Alert rules on hand-worked data: each must fire where it should and stay quiet where not.

Expected numbers are worked by hand (shown in the comments) or taken from Montgomery
(2009), *Introduction to Statistical Quality Control*, 6th ed., Example 7.3 (c-chart).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servgap.core.alert_limits import (
    c_chart_limits,
    complaint_rise_alerts,
    expectation_rise_alerts,
    respondent_index,
    score_control_alerts,
)
from servgap.core.alerts import below_adequate_alerts, kano_shift_alerts
from servgap.core.errors import InputError, SpecError
from servgap.core.servqual import servqual

# ------------------------------------------------------------------ 1. below the adequate level


def _zone_data(msa_a: list[float], msa_b: list[float]) -> pd.DataFrame:
    """One three-column item; adequate 6, desired 8; perceived = 6 + MSA; two sites,
    two periods (the first period is a calm history: MSA +1 everywhere)."""
    rows = []
    for period, values in (("2026Q1", None), ("2026Q2", True)):
        for site, msas in (("a", msa_a), ("b", msa_b)):
            for m in msas if values else [1.0, 1.0, 2.0, 0.0]:
                rows.append({"period": period, "site": site, "rel1_a": 6.0, "rel1_d": 8.0,
                             "rel1_p": 6.0 + m})  # fmt: skip
    return pd.DataFrame(rows)


ITEMS = {"rel1": {"dimension": "reliability", "perceived": "rel1_p", "adequate": "rel1_a",
                  "desired": "rel1_d"}}  # fmt: skip


def test_below_adequate_fires_when_the_whole_interval_is_below_zero() -> None:
    # site a: MSA -2, -1, -1, -2: mean -1.5, s = 0.57735, se = 0.288675,
    # t(0.975, 3) = 3.182446 -> half width 0.91868 -> CI (-2.4187, -0.5813): fires.
    # site b: MSA -2, 1, -1, 0: mean -0.5, s = 1.290994, se = 0.645497, half width
    # 2.05424 -> CI (-2.5542, 1.5542) straddles 0: quiet.
    data = _zone_data([-2, -1, -1, -2], [-2, 1, -1, 0])
    res = servqual(data, ITEMS, by=["site", "period"])
    out = below_adequate_alerts(res.dimensions, segment="site", period="2026Q2",
                                periods=["2026Q1", "2026Q2"], min_n=4)  # fmt: skip
    assert [(a.subject, a.aspect) for a in out] == [("a", "reliability")]
    a = out[0]
    ev = a.evidence.numbers
    assert ev["msa"] == pytest.approx(-1.5)
    assert ev["msa_ci_low"] == pytest.approx(-2.4187, abs=1e-4)
    assert ev["msa_ci_high"] == pytest.approx(-0.5813, abs=1e-4)
    assert ev["share_below"] == pytest.approx(1.0)
    assert a.severity == "high"  # MSA <= -1 and every respondent below the zone
    assert a.site == "a" and a.kind == "below_adequate" and a.period == "2026Q2"
    assert [p.period for p in a.evidence.series] == ["2026Q1", "2026Q2"]
    assert a.evidence.series[0].value == pytest.approx(1.0)
    assert "MSA -1.50" in a.title_en and "可靠性" in a.title_zh
    json.dumps(a.to_dict())  # JSON-ready


def test_below_adequate_needs_min_n_and_only_the_judged_period() -> None:
    data = _zone_data([-2, -1, -1, -2], [-2, 1, -1, 0])
    res = servqual(data, ITEMS, by=["site", "period"])
    assert below_adequate_alerts(res.dimensions, segment="site", period="2026Q2", min_n=5) == ()
    assert below_adequate_alerts(res.dimensions, segment="site", period="2026Q1", min_n=4) == ()


def test_below_adequate_for_all_respondents_and_key_is_stable() -> None:
    data = _zone_data([-2, -1, -1, -2], [-2, -1, -2, -1])
    res = servqual(data, ITEMS, by=["period"])
    out = below_adequate_alerts(res.dimensions, segment=None, period="2026Q2", min_n=4,
                                scope="survey:s")  # fmt: skip
    assert len(out) == 1 and out[0].subject_type == "all" and out[0].site is None
    again = below_adequate_alerts(res.dimensions, segment=None, period="2026Q2", min_n=4,
                                  scope="survey:s")  # fmt: skip
    assert out[0].key == again[0].key == "below_adequate|survey:s|all=|reliability|2026Q2"


# ------------------------------------------------------------------ 2. expectations rising


def _levels(last: list[float]) -> pd.DataFrame:
    rows = [("P1", v) for v in (5, 6, 5, 6)] + [("P2", v) for v in (5, 6, 6, 5)]
    rows += [("P3", v) for v in (6, 5, 5, 6)] + [("P4", v) for v in last]
    return pd.DataFrame(rows, columns=["period", "value"])


def test_expectations_rising_above_the_phase_two_limit() -> None:
    # base P1-P3: every period mean 5.5, s^2 = 1/3 -> pooled sigma = 0.57735;
    # UCL for n = 4: 5.5 + 3 * 0.57735 / 2 = 6.36603. P4 = 7, 7, 8, 8: mean 7.5 > UCL.
    out = expectation_rise_alerts(_levels([7, 7, 8, 8]), dimension="responsiveness",
                                  level="adequate", periods=["P1", "P2", "P3", "P4"],
                                  period="P4")  # fmt: skip
    assert len(out) == 1
    ev = out[0].evidence.numbers
    assert ev["centre"] == pytest.approx(5.5)
    assert ev["sigma_within"] == pytest.approx(math.sqrt(1 / 3))
    assert ev["ucl"] == pytest.approx(6.36603, abs=1e-5)
    assert ev["mean"] == pytest.approx(7.5)
    # 7.5 > 5.5 + 2 * 0.86603 = 7.23205: high
    assert out[0].severity == "high"
    assert [p.period for p in out[0].evidence.series] == ["P1", "P2", "P3", "P4"]
    assert out[0].aspect == "responsiveness:adequate"


def test_expectations_within_limits_or_falling_do_not_fire() -> None:
    periods = ["P1", "P2", "P3", "P4"]
    # P4 = 6, 6, 5, 6: mean 5.75 < 6.36603
    assert expectation_rise_alerts(_levels([6, 6, 5, 6]), dimension="x", level="desired",
                                   periods=periods, period="P4") == ()  # fmt: skip
    # a fall below the lower limit is not an alert of rising expectations
    assert expectation_rise_alerts(_levels([3, 3, 3, 3]), dimension="x", level="desired",
                                   periods=periods, period="P4") == ()  # fmt: skip
    # too few earlier periods
    assert expectation_rise_alerts(_levels([7, 7, 8, 8]), dimension="x", level="adequate",
                                   periods=periods, period="P2") == ()  # fmt: skip
    with pytest.raises(SpecError):
        expectation_rise_alerts(_levels([7]), dimension="x", level="perceived",
                                periods=periods, period="P4")  # fmt: skip


# ------------------------------------------------------------------ 3. Kano category change


def _kano_row(feature: str, counts: dict[str, int], category: str) -> dict[str, object]:
    row: dict[str, object] = {"feature": feature, "category": category,
                              "better": 0.5, "worse": -0.2}  # fmt: skip
    for k in "AOMIRQ":
        row[k] = counts.get(k, 0)
    row["n"] = sum(counts.values())
    return row


def test_kano_shift_fires_with_a_significant_chi_square() -> None:
    # previous A30 O10 M5 I15 (n 60), current A10 O10 M5 I35 (n 60).
    # Column totals 40, 20, 10, 50 of N = 120 -> expected 20, 10, 5, 25 per row;
    # chi2 = 2 * ((10^2)/20 + (10^2)/25) = 2 * (5 + 4) = 18 on 3 df, p = 0.000440.
    prev = pd.DataFrame([_kano_row("f_night", {"A": 30, "O": 10, "M": 5, "I": 15}, "A")])
    cur = pd.DataFrame([_kano_row("f_night", {"A": 10, "O": 10, "M": 5, "I": 35}, "I")])
    out = kano_shift_alerts(prev, cur, previous_period="2026Q3", period="2026Q4")
    assert len(out) == 1
    ev = out[0].evidence.numbers
    assert ev["chi2"] == pytest.approx(18.0)
    assert ev["dof"] == 3
    assert ev["p_value"] == pytest.approx(stats.chi2.sf(18.0, 3))
    assert ev["p_value"] == pytest.approx(0.000440, abs=5e-6)
    assert (ev["previous_category"], ev["category"]) == ("A", "I")
    assert [r["A"] for r in out[0].evidence.table] == [30, 10]
    assert out[0].severity == "medium"
    assert "f_night" in out[0].title_en and "魅力质量" in out[0].title_zh


def test_kano_shift_within_noise_or_small_n_is_quiet() -> None:
    # previous A20 O10 M5 I10 (A), current A12 O10 M5 I18 (I): expected 16, 10, 5, 14;
    # chi2 = 2 * (16/16 + 16/14) = 4.2857 on 3 df, p = 0.232 > 0.05: quiet.
    prev = pd.DataFrame([_kano_row("f", {"A": 20, "O": 10, "M": 5, "I": 10}, "A")])
    cur = pd.DataFrame([_kano_row("f", {"A": 12, "O": 10, "M": 5, "I": 18}, "I")])
    assert kano_shift_alerts(prev, cur, previous_period="a", period="b") == ()
    # the significant change of the first test, but with min_n above the 60 answers
    prev2 = pd.DataFrame([_kano_row("f", {"A": 30, "O": 10, "M": 5, "I": 15}, "A")])
    cur2 = pd.DataFrame([_kano_row("f", {"A": 10, "O": 10, "M": 5, "I": 35}, "I")])
    assert kano_shift_alerts(prev2, cur2, previous_period="a", period="b", min_n=61) == ()
    # same category: quiet whatever the counts
    cur3 = pd.DataFrame([_kano_row("f", {"A": 50, "O": 1, "M": 1, "I": 8}, "A")])
    assert kano_shift_alerts(prev2, cur3, previous_period="a", period="b") == ()


def test_kano_shift_to_must_be_is_high() -> None:
    prev = pd.DataFrame([_kano_row("f", {"A": 5, "O": 30, "M": 10, "I": 15}, "O")])
    cur = pd.DataFrame([_kano_row("f", {"A": 5, "O": 10, "M": 35, "I": 10}, "M")])
    out = kano_shift_alerts(prev, cur, previous_period="a", period="b")
    assert out and out[0].severity == "high"


# ------------------------------------------------------------------ 4. NPS / CSI


def _nps(last: list[int]) -> pd.DataFrame:
    # every base period: 10 promoters (10), 6 passives (8), 4 detractors (3) of 20
    base = [10] * 10 + [8] * 6 + [3] * 4
    rows = [(p, v) for p in ("P1", "P2", "P3") for v in base] + [("P4", v) for v in last]
    return pd.DataFrame(rows, columns=["period", "value"])


def test_nps_below_the_lower_control_limit_fires() -> None:
    # p_P = 0.5, p_D = 0.2: centre 30; sd = 100 * sqrt(0.5 + 0.2 - 0.3^2) = 78.1025;
    # n = 20: half width 3 * 78.1025 / sqrt(20) = 52.3927 -> LCL -22.3927, UCL 82.3927.
    # P4: 2 promoters, 6 passives, 12 detractors -> NPS -50 < LCL.
    out = score_control_alerts(_nps([10] * 2 + [8] * 6 + [3] * 12), metric="nps",
                               periods=["P1", "P2", "P3", "P4"], period="P4")  # fmt: skip
    assert len(out) == 1 and out[0].severity == "high"
    ev = out[0].evidence.numbers
    assert ev["centre"] == pytest.approx(30.0)
    assert ev["lcl"] == pytest.approx(-22.3927, abs=1e-4)
    assert ev["ucl"] == pytest.approx(82.3927, abs=1e-4)
    assert ev["value"] == pytest.approx(-50.0)


def test_nps_inside_the_limits_is_quiet() -> None:
    # P4: 8 promoters, 6 passives, 6 detractors -> NPS 10, inside (-22.39, 82.39)
    assert score_control_alerts(_nps([10] * 8 + [8] * 6 + [3] * 6), metric="nps",
                                periods=["P1", "P2", "P3", "P4"], period="P4") == ()  # fmt: skip


def test_csi_index_and_its_chart() -> None:
    # two indicators on 1-10, weights 0.25 / 0.75: respondent (10, 10) -> 100,
    # (1, 1) -> 0, (4, 7) -> 100 * (0.25*4 + 0.75*7 - 1) / 9 = 100 * 5.25 / 9 = 58.333
    frame = pd.DataFrame({"s1": [10, 1, 4], "s2": [10, 1, 7]})
    idx = respondent_index(frame, {"s1": 0.25, "s2": 0.75}, {"s1": (1, 10), "s2": (1, 10)})
    assert idx.tolist() == pytest.approx([100.0, 0.0, 58.3333], abs=1e-4)
    with pytest.raises(SpecError):
        respondent_index(frame, {"s1": 1.0}, {})
    base = [70, 72, 68, 70] * 5
    rows = [(p, v) for p in ("P1", "P2", "P3") for v in base]
    # pooled sd of (70, 72, 68, 70)*5: s^2 = 40/19 = 2.10526 -> sd 1.45095; n = 20:
    # UCL = 70 + 3 * 1.45095 / sqrt(20) = 70.97332. P4 all 75: above -> "low" (improvement).
    data = pd.DataFrame(rows + [("P4", 75.0)] * 20, columns=["period", "value"])
    out = score_control_alerts(data, metric="csi", periods=["P1", "P2", "P3", "P4"], period="P4")
    assert len(out) == 1 and out[0].severity == "low"
    assert out[0].evidence.numbers["ucl"] == pytest.approx(70.97332, abs=1e-5)


# ------------------------------------------------------------------ 5. complaints rising

# Montgomery (2009), Example 7.3 / Table 7.7: nonconformities in 26 samples of 100
# printed circuit boards; c-bar = 19.85, UCL = 33.22, LCL = 6.48.
MONTGOMERY_7_3 = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22,
                  18, 39, 30, 24, 16, 19, 17, 15]  # fmt: skip


def test_c_chart_limits_reproduce_montgomery_example_7_3() -> None:
    c, lcl, ucl = c_chart_limits(MONTGOMERY_7_3)
    # the book rounds c-bar to 19.85 before the limits (19.85 + 3 * sqrt(19.85) = 33.22);
    # unrounded c-bar = 516 / 26 = 19.846 gives 33.211: equal at the printed precision
    assert round(c, 2) == 19.85
    assert ucl == pytest.approx(33.22, abs=0.01)
    assert lcl == pytest.approx(6.48, abs=0.01)
    with pytest.raises(InputError):
        c_chart_limits([])


def _complaints(counts: list[int], category: str = "delay") -> pd.DataFrame:
    months = pd.period_range("2024-01", periods=len(counts), freq="M").astype(str)
    rows = [(m, category) for m, c in zip(months, counts, strict=True) for _ in range(c)]
    return pd.DataFrame(rows, columns=["month", "category"])


def test_complaints_rise_above_the_c_chart_limit() -> None:
    # the first 20 samples as months; base = months 8-19 (the 12 before month 20):
    # 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18 -> c-bar = 235 / 12 = 19.5833,
    # UCL = 19.5833 + 3 * sqrt(19.5833) = 32.8593; month 20 has 39 > UCL: fires.
    data = _complaints(MONTGOMERY_7_3[:20])
    out = complaint_rise_alerts(data, month="2025-08", total=False)
    assert len(out) == 1
    ev = out[0].evidence.numbers
    assert ev["count"] == 39 and ev["base_months"] == 12
    assert ev["c_bar"] == pytest.approx(235 / 12)
    assert ev["ucl"] == pytest.approx(32.8593, abs=1e-4)
    assert ev["poisson_p"] == pytest.approx(stats.poisson.sf(38, 235 / 12))
    assert out[0].subject == "delay" and out[0].severity == "medium"
    assert len(out[0].evidence.series) == 13
    # with the total of all categories (here the same single category) judged too
    both = complaint_rise_alerts(data, month="2025-08")
    assert [(a.subject_type, a.subject) for a in both] == [("category", "delay"), ("all", "")]
    assert "All complaints" in both[1].title_en and "全部投诉" in both[1].title_zh


def test_complaints_within_limits_or_with_short_history_are_quiet() -> None:
    # month 19 (18 complaints) against months 7-18: quiet
    assert complaint_rise_alerts(_complaints(MONTGOMERY_7_3[:19]), month="2025-07") == ()
    # only two earlier months
    assert complaint_rise_alerts(_complaints([1, 1, 30]), month="2024-03") == ()
    # a category never seen before with fewer than min_count complaints
    data = pd.concat([_complaints([5, 5, 5, 5]), _complaints([0, 0, 0, 2], "price")])
    assert complaint_rise_alerts(data, month="2024-04") == ()
    data = pd.concat([_complaints([5, 5, 5, 5]), _complaints([0, 0, 0, 3], "price")])
    out = complaint_rise_alerts(data, month="2024-04")
    assert [a.subject for a in out] == ["price"] and out[0].severity == "high"


def test_months_must_be_months() -> None:
    with pytest.raises(InputError):
        complaint_rise_alerts(pd.DataFrame({"month": ["soon"], "category": ["x"]}), month="x")


def test_alert_results_are_json_ready() -> None:
    out = complaint_rise_alerts(_complaints(MONTGOMERY_7_3[:20]), month="2025-08", total=False)
    d = out[0].to_dict()
    assert json.loads(json.dumps(d))["evidence"]["numbers"]["count"] == 39
    assert np.isfinite(d["evidence"]["series"][0]["high"])
