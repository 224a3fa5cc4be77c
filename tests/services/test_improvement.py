"""Improvement actions with a plan and their follow-up check (services.improvement) on a small
store: the stored check equals core.improvement.action_effect on the respondents' values
picked by hand (MSA of reliability = P − A per respondent, one item)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from servgap.core.errors import InputError, InsufficientDataError
from servgap.core.improvement import action_effect
from servgap.services.alerts import AlertRecord
from servgap.services.context import Store
from servgap.services.improvement import (
    action_effects,
    action_plan,
    alert_plan,
    check_action,
    open_improvement,
)
from servgap.services.responses import import_responses
from servgap.services.sites import import_sites
from servgap.services.surveys import save_definition
from servgap.services.workspaces import create_workspace
from servgap.store.models import Workspace

SURVEY = {
    "code": "svc", "title": {"zh": "服务", "en": "Service"}, "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "准时", "en": "On time"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
    ],
}  # fmt: skip

# (period, site, A, P, nps): MSA = P − A
ROWS = [
    ("2026Q3", "s1", 6, 4, 5), ("2026Q3", "s1", 6, 5, 6), ("2026Q3", "s1", 5, 5, 9),
    ("2026Q3", "s2", 5, 6, 10), ("2026Q3", "s2", 5, 5, 8),
    ("2026Q4", "s1", 6, 7, 9), ("2026Q4", "s1", 5, 6, 10), ("2026Q4", "s1", 6, 6, 7),
    ("2026Q4", "s2", 5, 6, 9), ("2026Q4", "s2", 6, 6, 3),
]  # fmt: skip
DATES = {"2026Q3": "2026-08-{d:02d} 10:00", "2026Q4": "2026-11-{d:02d} 10:00"}


@pytest.fixture
def ws(store: Store, tmp_path: Path) -> str:
    create_workspace(store, "acme", name_zh="示例", name_en="Acme")
    (tmp_path / "sites.csv").write_text(
        "region,region_name,site,site_name,kind\nn,北区,s1,一号,counter\nn,北区,s2,二号,counter\n",
        encoding="utf-8",
    )
    import_sites(store, tmp_path / "sites.csv", workspace="acme")
    with store.session() as s:
        w = s.scalar(select(Workspace).where(Workspace.code == "acme"))
        assert w is not None
        save_definition(s, w, SURVEY, source="svc.yaml")
    lines = ["response_id,submitted_at,site,rel1_adequate,rel1_desired,rel1_perceived,nps"]
    for i, (period, site, a, p, nps) in enumerate(ROWS):
        lines.append(f"r{i},{DATES[period].format(d=i + 1)},{site},{a},9,{p},{nps}")
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_responses(store, tmp_path / "r.csv", workspace="acme", survey="svc")
    return "acme"


def _msa(period: str, site: str, same: bool) -> np.ndarray:
    return np.array([p - a for pr, s, a, p, _ in ROWS if pr == period and (s == site) == same],
                    dtype=float)  # fmt: skip


def test_check_equals_the_core_on_the_same_respondents(store: Store, ws: str) -> None:
    plan = action_plan(store, workspace=ws, site="s1", metric="msa:reliability", target="0",
                       baseline_period="2026q3", theme="准时")  # fmt: skip
    assert plan.baseline_period == "2026Q3" and plan.survey == "svc"
    rec = open_improvement(store, workspace=ws, title="一号网点准时", owner="王", created_by="t",
                           plan=plan)  # fmt: skip
    assert rec.site == "s1" and rec.metric == "msa:reliability" and rec.target == 0.0
    done = check_action(store, workspace=ws, action_id=rec.id)  # next period: 2026Q4
    r = done.check_result or {}
    want = action_effect(_msa("2026Q3", "s1", True), _msa("2026Q4", "s1", True),
                         _msa("2026Q3", "s1", False), _msa("2026Q4", "s1", False), target=0.0)  # fmt: skip
    assert r["check_period"] == "2026Q4"
    # s1: MSA −2, −1, 0 → +1, +1, 0: from −1 to 2/3; s2: +1, 0 → +1, 0: no change
    assert r["before"] == pytest.approx(-1.0) and r["after"] == pytest.approx(2 / 3)
    assert r["did"] == pytest.approx(want.did) and r["did"] == pytest.approx(5 / 3)
    assert r["did_p"] == pytest.approx(want.did_p)
    assert r["target_met"] is True
    assert [a.id for a in action_effects(store, workspace=ws).actions] == [rec.id]


def test_nps_is_scored_per_respondent(store: Store, ws: str) -> None:
    plan = action_plan(store, workspace=ws, metric="nps", target=20, baseline_period="2026Q3")
    rec = open_improvement(store, workspace=ws, title="NPS", owner="王", created_by="t", plan=plan)
    r = check_action(store, workspace=ws, action_id=rec.id).check_result or {}
    # 2026Q3: 5, 6, 9, 10, 8 → −100, −100, 100, 100, 0 = 0; 2026Q4: 9, 10, 7, 9, 3 → 40
    assert r["before"] == pytest.approx(0.0) and r["after"] == pytest.approx(40.0)
    assert r["did"] is None  # every respondent: no other sites to compare with


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"metric": "msa:nosuch"}, "metric"), ({"site": "s9"}, "site"),
     ({"metric": "nps", "target": "abc"}, "target"), ({"target": 3}, "metric"),
     ({"metric": "nps", "baseline_period": "2026Q9"}, "baseline_period")],
)  # fmt: skip
def test_a_bad_plan_names_its_field(store: Store, ws: str, kwargs: dict[str, object],
                                    field: str) -> None:  # fmt: skip
    with pytest.raises(InputError) as err:
        action_plan(store, workspace=ws, **kwargs)  # type: ignore[arg-type]
    assert field in err.value.fields


def test_no_later_period_yet(store: Store, ws: str) -> None:
    plan = action_plan(store, workspace=ws, metric="nps", baseline_period="2026Q4")
    rec = open_improvement(store, workspace=ws, title="x", owner="y", created_by="t", plan=plan)
    with pytest.raises(InsufficientDataError):
        check_action(store, workspace=ws, action_id=rec.id)


def test_an_alert_implies_its_plan(store: Store, ws: str) -> None:
    import datetime as dt

    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    alert = AlertRecord(
        id=1, workspace=ws, key="k", kind="below_adequate", severity="high", scope="survey:svc",
        subject_type="site", subject="s1", aspect="reliability", site="s1", period="2026Q3",
        title_zh="", title_en="", evidence={}, state="open", first_seen_at=now, last_seen_at=now,
        acknowledged_by=None, acknowledged_at=None, note=None, resolved_at=None, actions=0,
    )  # fmt: skip
    plan = alert_plan(store, workspace=ws, alert=alert)
    assert (plan.metric, plan.site, plan.target, plan.baseline_period, plan.source) == (
        "msa:reliability",
        "s1",
        0.0,
        "2026Q3",
        "alert",
    )
