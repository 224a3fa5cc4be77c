"""One rule for every face: what enters a dimension score, the importance weights, and
which survey is analysed (issue 9 item 1, issue 10 item 7).

Expected values are worked by hand from the definitions (Parasuraman, Zeithaml &
Berry 1994: MSA = P − A, MSS = P − D; the three-column gap is the MSS). The wait in
minutes (lower is better) must never be averaged into the 1–9 responsiveness score,
neither by ``analyze servqual`` nor in trend series (``gap:``/``msa:`` values).
"""

from __future__ import annotations

import pandas as pd
import pytest

from servgap.core.errors import InsufficientDataError, NotFoundError, UsageError
from servgap.core.survey import parse_survey
from servgap.services.analysis import (
    choose_survey,
    importance_weights,
    run_servqual,
    run_trend,
    select_period,
    value_series,
)
from servgap.services.context import Store, ensure_workspace
from servgap.services.surveys import save_definition

RAW = {
    "code": "mini",
    "title": {"zh": "迷你", "en": "Mini"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "准时", "en": "On time"}},
        {"code": "res1", "type": "servqual3", "dimension": "responsiveness",
         "text": {"zh": "快", "en": "Fast"}},
        {"code": "res2", "type": "servqual3", "dimension": "responsiveness",
         "text": {"zh": "很快", "en": "Quick"}},
        {"code": "wait", "type": "servqual3", "dimension": "responsiveness", "unit": "minutes",
         "direction": "lower_better", "scale": {"min": 0, "max": 240},
         "text": {"zh": "等候", "en": "Wait"}},
        {"code": "imp", "type": "importance", "options": ["reliability", "responsiveness"],
         "text": {"zh": "重要性", "en": "Importance"}},
    ],
}  # fmt: skip


def _frame() -> pd.DataFrame:
    # two periods, two respondents each: (A, D, P) per item
    rows = {
        "period": ["2026Q1", "2026Q1", "2026Q2", "2026Q2"],
        "rel1": [(5, 8, 6), (4, 7, 4), (5, 8, 4), (6, 8, 6)],
        "res1": [(4, 7, 5), (5, 8, 6), (6, 8, 5), (5, 7, 5)],
        "res2": [(5, 8, 6), (4, 6, 6), (6, 8, 6), (5, 8, 4)],
        "wait": [(15, 5, 20), (10, 5, 8), (15, 5, 25), (10, 5, 12)],
    }
    out = pd.DataFrame({"period": rows["period"]})
    for code in ("rel1", "res1", "res2", "wait"):
        for i, part in enumerate(("adequate", "desired", "perceived")):
            out[f"{code}_{part}"] = [float(t[i]) for t in rows[code]]
    out["imp_reliability"] = [50.0, 40.0, 30.0, 50.0]
    out["imp_responsiveness"] = [50.0, 60.0, 70.0, 50.0]
    return out


# respondent responsiveness scores over res1, res2 only:
#   MSS (gap): (−2, −2) −2 ; (−2, 0) −1 ; (−3, −2) −2.5 ; (−2, −4) −3
#   MSA:       (1, 1) 1    ; (1, 2) 1.5 ; (−1, 0) −0.5  ; (0, −1) −0.5
GAP_RES = [-2.0, -1.0, -2.5, -3.0]
MSA_RES = [1.0, 1.5, -0.5, -0.5]


def test_responsiveness_leaves_the_wait_out() -> None:
    d, data = parse_survey(RAW), _frame()
    res = run_servqual(d, data)
    dims = res.dimensions.set_index("dimension")
    assert dims.loc["responsiveness", "mss"] == pytest.approx(sum(GAP_RES) / 4)
    assert dims.loc["responsiveness", "msa"] == pytest.approx(sum(MSA_RES) / 4)
    # the wait on its own row, in minutes: MSA = A − P = −5, 2, −10, −2
    sep = res.separate_items.set_index("item")
    assert sep.loc["wait", "msa"] == pytest.approx(-15 / 4)
    assert sep.loc["wait", "unit"] == "minutes"


def test_trend_values_leave_the_wait_out() -> None:
    d, data = parse_survey(RAW), _frame()
    assert value_series(d, data, "gap:responsiveness").tolist() == pytest.approx(GAP_RES)
    assert value_series(d, data, "msa:responsiveness").tolist() == pytest.approx(MSA_RES)
    gap = run_trend(d, data, value="gap:responsiveness").table.set_index("period")["value"]
    assert gap.to_dict() == pytest.approx({"2026Q1": -1.5, "2026Q2": -2.75})
    msa = run_trend(d, data, value="msa:responsiveness").table.set_index("period")["value"]
    assert msa.to_dict() == pytest.approx({"2026Q1": 1.25, "2026Q2": -0.5})
    # the wait itself can be followed on its own, in minutes: A − P per period
    wait = run_trend(d, data, value="msa:wait").table.set_index("period")["value"]
    assert wait.to_dict() == pytest.approx({"2026Q1": -1.5, "2026Q2": -6.0})
    assert value_series(d, data, "adequate:wait").tolist() == [15.0, 10.0, 15.0, 10.0]


def test_one_weight_rule() -> None:
    d, data = parse_survey(RAW), _frame()
    assert importance_weights(d) == {
        "reliability": "imp_reliability",
        "responsiveness": "imp_responsiveness",
    }
    res = run_servqual(d, data)
    # reliability MSS: −2, −3, −4, −2 ; weighted per respondent Σ (w/100)·gap:
    #   0.5·−2 + 0.5·−2 = −2 ; 0.4·−3 + 0.6·−1 = −1.8 ; 0.3·−4 + 0.7·−2.5 = −2.95 ;
    #   0.5·−2 + 0.5·−3 = −2.5  -> −9.25 / 4
    assert res.overall["servqual_weighted"].iloc[0] == pytest.approx(-9.25 / 4)
    # an importance question over other options is no set of SERVQUAL weights
    other = {**RAW, "questions": [*RAW["questions"][:4],
                                  {**RAW["questions"][4], "options": ["reliability", "price"]}]}  # fmt: skip
    d2 = parse_survey(other)
    assert importance_weights(d2) is None
    res2 = run_servqual(d2, data.rename(columns={"imp_responsiveness": "imp_price"}))
    assert pd.isna(res2.overall["servqual_weighted"].iloc[0])
    assert any("imp" in w and "no weighted score" in w for w in res2.warnings)


def test_select_period() -> None:
    d, data = parse_survey(RAW), _frame()
    assert len(select_period(d, data, "2026q2")) == 2
    assert len(select_period(d, data, "2026Q2", through=True)) == 4
    with pytest.raises(UsageError, match="quarter"):
        select_period(d, data, "Q2")
    with pytest.raises(InsufficientDataError, match="2026Q1, 2026Q2"):
        select_period(d, data, "2026Q4")


def test_survey_choice_is_a_service(store: Store) -> None:
    with store.session() as s:
        ensure_workspace(s, "acme", "甲", "Acme")
    with pytest.raises(NotFoundError, match="no survey"):
        choose_survey(store, workspace="acme", survey=None)
    with store.session() as s:
        ws = ensure_workspace(s, "acme", "甲", "Acme")
        save_definition(s, ws, dict(RAW))
    assert choose_survey(store, workspace="acme", survey=None) == "mini"
    with store.session() as s:
        ws = ensure_workspace(s, "acme", "甲", "Acme")
        save_definition(s, ws, {**RAW, "code": "second"})
    with pytest.raises(UsageError) as ei:
        choose_survey(store, workspace="acme", survey=None)
    assert "mini, second" in ei.value.message("en") and "mini、second" in ei.value.message("zh")
    # the service names its input field; the command line shows it as its option
    assert "`survey`" in ei.value.message("en") and "--survey" not in ei.value.message("en")
    assert "`--survey`" in ei.value.message("en", field_name=lambda f: "--" + f)
    assert choose_survey(store, workspace="acme", survey="second") == "second"
    with pytest.raises(NotFoundError):
        choose_survey(store, workspace="acme", survey="third")
