"""Improvement actions in the browser: open one with its plan, run the follow-up check (the
same figures as services.improvement / `servgap action check`), field errors, roles and other
workspaces."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web.conftest import Web

from servgap.services.alerts import list_actions
from servgap.services.responses import import_responses

# MSA of rel1 (P − A): sh01 −2, −1 → +1, +1; bj01 +1, 0 → +1, 0
ROWS = (
    "response_id,submitted_at,site,rel1_adequate,rel1_desired,rel1_perceived\n"
    "a1,2026-08-01 10:00,sh01,6,9,4\na2,2026-08-02 10:00,sh01,6,9,5\n"
    "a3,2026-08-03 10:00,bj01,5,9,6\na4,2026-08-04 10:00,bj01,5,9,5\n"
    "b1,2026-11-01 10:00,sh01,6,9,7\nb2,2026-11-02 10:00,sh01,5,9,6\n"
    "b3,2026-11-03 10:00,bj01,5,9,6\nb4,2026-11-04 10:00,bj01,6,9,6\n"
)


@pytest.fixture
def data(web: Web, tmp_path: Path) -> Web:
    (tmp_path / "r.csv").write_text(ROWS, encoding="utf-8")
    import_responses(web.store, tmp_path / "r.csv", workspace="acme", survey="svc")
    return web


def _form(**kw: str) -> dict[str, str]:
    base = {"title": "上海网点准时", "owner": "王经理", "site": "sh01", "survey": "svc",
            "metric": "msa:rel1", "target": "0", "baseline_period": "2026Q3"}  # fmt: skip
    return {**base, **kw}


def test_open_and_check_an_action(data: Web) -> None:
    h = data.auth("analyst@acme")
    r = data.client.post("/w/acme/actions", data=_form(), headers=h, follow_redirects=False)
    assert r.status_code == 303, r.text
    (act,) = list_actions(data.store, "acme")
    assert (act.site, act.metric, act.target, act.baseline_period) == (
        "sh01",
        "msa:rel1",
        0.0,
        "2026Q3",
    )
    r = data.client.post(f"/w/acme/actions/{act.id}/check", headers=h, follow_redirects=False)
    assert r.status_code == 303, r.text
    j = data.client.get("/w/acme/actions.json", headers=h).json()
    res = j["actions"][0]["check_result"]
    assert res["check_period"] == "2026Q4"
    assert res["before"] == pytest.approx(-1.5) and res["after"] == pytest.approx(1.0)
    # beyond bj01: (1 − (−1.5)) − (0.5 − 0.5) = 2.5
    assert res["did"] == pytest.approx(2.5) and res["target_met"] is True
    page = data.client.get("/w/acme/actions?lang=zh", headers=h).text
    assert "已达目标" in page and "msa:rel1" in page


def test_a_bad_metric_is_shown_at_its_field_and_nothing_is_written(data: Web) -> None:
    h = data.auth("admin@acme")
    r = data.client.post("/w/acme/actions", data=_form(metric="msa:nosuch"), headers=h)
    assert r.status_code in (400, 422) and "nosuch" in r.text
    assert list_actions(data.store, "acme") == ()


def test_actions_page_roles(data: Web) -> None:
    for who in ("agent@acme", "auditor@acme"):
        assert data.client.get("/w/acme/actions", headers=data.auth(who)).status_code == 403
        r = data.client.post("/w/acme/actions", data=_form(), headers=data.auth(who))
        assert r.status_code == 403
    assert data.client.get("/w/acme/actions", headers=data.auth("admin@beta")).status_code == 404
    r = data.client.post("/w/acme/actions", data=_form(), headers=data.auth("admin@beta"))
    assert r.status_code == 404
    assert list_actions(data.store, "acme") == ()
