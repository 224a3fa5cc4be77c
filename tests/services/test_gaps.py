"""Sources of expectations, choice factors, competitors and the provider gaps from a store:
a customer survey and a management survey side by side (figures worked by hand from the
rows written here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from servgap.core.errors import InputError
from servgap.services.analysis import choose_survey
from servgap.services.context import Store
from servgap.services.gaps import expectation_insights, management_survey, provider_gap_table
from servgap.services.responses import import_responses
from servgap.services.surveys import save_definition
from servgap.services.workspaces import create_workspace
from servgap.store.models import Workspace

TEXT = {"zh": "题", "en": "Q"}
CUSTOMERS = {
    "code": "cust", "title": {"zh": "顾客", "en": "Customers"}, "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "a", "type": "servqual3", "dimension": "reliability", "text": TEXT},
        {"code": "b", "type": "servqual3", "dimension": "empathy", "text": TEXT},
        {"code": "src", "type": "sources", "text": TEXT},
        {"code": "why", "type": "ranking", "options": ["price", "speed", "care"], "text": TEXT},
        {"code": "sf_a", "type": "likert", "competitor": "顺丰", "attribute": "a", "text": TEXT},
    ],
}  # fmt: skip
MANAGERS = {
    "code": "mgmt", "title": {"zh": "管理层", "en": "Managers"}, "scale": {"min": 1, "max": 9},
    "audience": "management",
    "questions": [
        {"code": "a", "type": "servqual3", "dimension": "reliability", "text": TEXT},
        {"code": "m_b", "type": "servqual3", "dimension": "empathy", "attribute": "b",
         "text": TEXT},
    ],
}  # fmt: skip

HEAD = ("response_id,submitted_at,a_adequate,a_desired,a_perceived,b_adequate,b_desired,"
        "b_perceived,src_past_experience,src_word_of_mouth,src_social_media,src_advertising,"
        "src_competitors,why_1,why_2,why_3,sf_a\n")  # fmt: skip
ROWS = (
    "c1,2026-08-01 10:00,6,8,7,5,8,6,1,0,0,1,0,speed,price,,6\n"
    "c2,2026-08-02 10:00,7,9,6,6,8,6,0,1,0,1,0,price,speed,care,5\n"
    "c3,2026-08-03 10:00,5,8,8,4,7,7,1,0,0,0,0,speed,,,7\n"
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ws(store: Store, tmp_path: Path) -> str:
    create_workspace(store, "acme", name_zh="示例", name_en="Acme")
    with store.session() as s:
        w = s.scalar(select(Workspace).where(Workspace.code == "acme"))
        assert w is not None
        save_definition(s, w, CUSTOMERS, source="cust.yaml")
        save_definition(s, w, MANAGERS, source="mgmt.yaml")
    import_responses(
        store, _write(tmp_path / "c.csv", HEAD + ROWS), workspace="acme", survey="cust"
    )
    import_responses(store, _write(tmp_path / "m.csv",
        "response_id,submitted_at,a_adequate,a_desired,a_perceived,m_b_adequate,m_b_desired,"
        "m_b_perceived\nm1,2026-08-05 10:00,4,7,8,5,6,8\nm2,2026-08-06 10:00,5,7,8,5,7,7\n"),
        workspace="acme", survey="mgmt")  # fmt: skip
    return "acme"


def test_the_customer_survey_is_the_default_beside_a_management_survey(
    store: Store, ws: str
) -> None:
    assert choose_survey(store, workspace=ws, survey=None) == "cust"
    assert management_survey(store, workspace=ws) == "mgmt"


def test_insights(store: Store, ws: str) -> None:
    res = expectation_insights(store, workspace=ws)
    assert res.period == "2026Q3"
    src = dict(res.sources)["src"].table.set_index("source")
    assert src.loc["advertising", "n"] == 2 and src.loc["advertising", "share"] == pytest.approx(
        2 / 3
    )
    # respondent adequate over a and b: c1 5.5, c2 6.5, c3 4.5; advertising: c1, c2 -> 6.0
    assert src.loc["advertising", "adequate_citing"] == pytest.approx(6.0)
    assert src.loc["advertising", "adequate_others"] == pytest.approx(4.5)
    why = dict(res.rankings)["why"].table.set_index("option")
    # speed: first twice (3+3), second once (2) over three rankers = 8/3
    assert why.loc["speed", "borda"] == pytest.approx(8 / 3)
    comp = res.competitors.table.iloc[0]
    # own perceived a: 7, 6, 8; 顺丰: 6, 5, 7 -> own − competitor = 1
    assert comp["competitor"] == "顺丰" and comp["difference"] == pytest.approx(1.0)


def test_gap_one_from_the_management_survey(store: Store, ws: str) -> None:
    t = provider_gap_table(store, workspace=ws).table.set_index("item")
    # a: managers' adequate (4+5)/2 = 4.5 vs customers' (6+7+5)/3 = 6: managers underestimate
    assert t.loc["a", "gap1_adequate"] == pytest.approx(4.5 - 6.0)
    # b is matched through `attribute: b`: desired (6+7)/2 − (8+8+7)/3
    assert t.loc["b", "gap1_desired"] == pytest.approx(6.5 - 23 / 3)
    assert t.loc["a", "promises"] == 0


def test_a_ranking_with_one_option_twice_is_refused(store: Store, ws: str, tmp_path: Path) -> None:
    bad = HEAD + "c9,2026-08-09 10:00,6,8,7,5,8,6,1,0,0,1,0,speed,speed,,6\n"
    with pytest.raises(InputError) as err:
        import_responses(store, _write(tmp_path / "bad.csv", bad), workspace=ws, survey="cust")
    (problem,) = err.value.problems
    assert problem.row == 2 and problem.column == "why" and "speed" in problem.en
