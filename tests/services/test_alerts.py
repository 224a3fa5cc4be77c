"""Alerts on stored data: a scan after an import, idempotence, resolution, ack and actions."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from servgap.core.errors import ConflictError, InputError, NotFoundError
from servgap.services import alerts as svc
from servgap.services.alerts import (
    acknowledge,
    due_scan,
    get_alert,
    list_actions,
    list_alerts,
    open_action,
    scan_alerts,
    set_action_state,
)
from servgap.services.context import Store
from servgap.services.portal import load_definition
from servgap.services.responses import import_responses
from servgap.services.workspaces import create_workspace

SURVEY: dict[str, Any] = {
    "code": "zone",
    "title": {"zh": "网点服务", "en": "Outlet service"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability", "text": "On time"},
        {"code": "ass1", "type": "servqual3", "dimension": "assurance", "text": "Courteous"},
    ],
}
NOISE = (-1, 0, 1, 0)
PERIODS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")


def rows(bad_site: str | None = "sh01", rising: bool = True) -> list[dict[str, Any]]:
    """20 answers per site and quarter; adequate 5, desired 8, perceived 7 (± noise). In
    2026Q4 ``bad_site`` perceives reliability at 3 (MSA −2 ± noise) and, with ``rising``,
    every adequate level of 2026Q4 is 6."""
    out = []
    for q, period in enumerate(PERIODS):
        last = q == len(PERIODS) - 1
        for site in ("sh01", "bj01"):
            for i in range(20):
                e = NOISE[i % 4]
                adequate = 6 if (last and rising) else 5
                rel_p = 3 + e if (last and site == bad_site) else 7 + e
                out.append({
                    "response_id": f"{period}-{site}-{i}", "site": site, "period": period,
                    "rel1_adequate": adequate + (e if i % 2 == 0 else 0), "rel1_desired": 8,
                    "rel1_perceived": rel_p,
                    "ass1_adequate": adequate + (e if i % 2 == 0 else 0), "ass1_desired": 8,
                    "ass1_perceived": 7 + e,
                })  # fmt: skip
    return out


def setup(store: Store, tmp_path: Path, data: list[dict[str, Any]]) -> Path:
    create_workspace(store, "acme", name_zh="甲", name_en="Acme")
    load_definition(store, workspace="acme", raw=SURVEY)
    _sites(store, "acme", ("sh01", "bj01"))
    path = tmp_path / "answers.csv"
    pd.DataFrame(data).to_csv(path, index=False)
    return path


def _sites(store: Store, ws: str, codes: tuple[str, ...]) -> None:
    from sqlalchemy import select

    from servgap.store.models import Site, Workspace

    with store.session() as s:
        wid = s.scalar(select(Workspace.id).where(Workspace.code == ws))
        for c in codes:
            s.add(Site(workspace_id=wid, code=c, name_zh=c, name_en=c, kind="outlet"))


def test_import_scans_and_a_rescan_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = setup(store, tmp_path, rows())
    import_responses(store, path, workspace="acme", survey="zone")
    found = list_alerts(store, "acme")
    kinds = sorted((a.kind, a.subject_type, a.subject, a.aspect) for a in found.alerts)
    # sh01 reliability in 2026Q4: MSA = 3 + e - (6 + e') far below 0 -> below adequate
    assert ("below_adequate", "site", "sh01", "reliability") in kinds
    assert ("below_adequate", "site", "bj01", "reliability") not in kinds
    # every adequate level rose from 5 to 6 in 2026Q4 -> expectations rising
    assert ("expectations_rising", "all", "", "reliability:adequate") in kinds
    assert ("expectations_rising", "all", "", "assurance:adequate") in kinds
    assert not any(k[3].endswith(":desired") for k in kinds)  # desired stayed at 8
    assert found.counts["open"] == len(found.alerts)
    sh = next(a for a in found.alerts if a.subject == "sh01")
    assert sh.site == "sh01" and sh.period == "2026Q4" and sh.severity == "high"
    assert sh.evidence["numbers"]["msa_ci_high"] < 0
    again = scan_alerts(store, "acme")
    assert again.new == () and again.seen_again == len(found.alerts) and again.resolved == 0
    assert len(list_alerts(store, "acme").alerts) == len(found.alerts)


def test_figures_equal_the_core_rule_on_the_same_data(store: Store, tmp_path: Path) -> None:
    from servgap.core.alerts import below_adequate_alerts
    from servgap.core.servqual import servqual

    data = rows()
    path = setup(store, tmp_path, data)
    import_responses(store, path, workspace="acme", survey="zone")
    frame = pd.DataFrame(data)
    items = {"rel1": {"dimension": "reliability", "perceived": "rel1_perceived",
                      "adequate": "rel1_adequate", "desired": "rel1_desired"}}  # fmt: skip
    res = servqual(frame, items, by=["site", "period"])
    want = below_adequate_alerts(res.dimensions, segment="site", period="2026Q4")
    stored = [a for a in list_alerts(store, "acme", kind="below_adequate").alerts
              if a.subject == "sh01"]  # fmt: skip
    assert len(want) == len(stored) == 1
    assert stored[0].evidence["numbers"]["msa"] == pytest.approx(want[0].evidence.numbers["msa"])
    assert stored[0].title_en == want[0].title_en


def test_quiet_data_raises_nothing_and_fixed_data_resolve(store: Store, tmp_path: Path) -> None:
    path = setup(store, tmp_path, rows())
    import_responses(store, path, workspace="acme", survey="zone")
    n = len(list_alerts(store, "acme").alerts)
    assert n > 0
    # the same responses corrected (the bad site fixed, expectations flat): re-import replaces
    fixed = tmp_path / "fixed.csv"
    pd.DataFrame(rows(bad_site=None, rising=False)).to_csv(fixed, index=False)
    import_responses(store, fixed, workspace="acme", survey="zone", on_duplicate="replace")
    res = list_alerts(store, "acme")
    assert res.counts["resolved"] == n and res.counts["open"] == 0
    assert all(a.resolved_at is not None for a in res.alerts)


def test_ack_and_actions(store: Store, tmp_path: Path) -> None:
    path = setup(store, tmp_path, rows())
    import_responses(store, path, workspace="acme", survey="zone")
    a = list_alerts(store, "acme", sites=["sh01"]).alerts[0]
    assert a.site == "sh01"
    when = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    acked = acknowledge(store, "acme", a.id, by="qm@acme.test", note="会同网点经理核查", now=when)
    assert (acked.state, acked.acknowledged_by, acked.note) == ("acknowledged", "qm@acme.test",
                                                                "会同网点经理核查")  # fmt: skip
    assert acked.acknowledged_at == when
    assert list_alerts(store, "acme", state="open").counts["acknowledged"] == 1
    with pytest.raises(InputError) as e:
        acknowledge(store, "acme", a.id, by="x", note="x" * 2001)
    assert e.value.fields == ("note",)
    other = next(x for x in list_alerts(store, "acme", state="open").alerts)
    act = open_action(store, "acme", alert_id=other.id, title="复核派送时效", owner="张经理",
                      due_date="2026-12-15", created_by="qm@acme.test")  # fmt: skip
    assert act.due_date == dt.date(2026, 12, 15) and act.state == "open"
    rec, acts = get_alert(store, "acme", other.id)
    assert rec.state == "acknowledged" and [x.id for x in acts] == [act.id]  # opening acks it
    assert list_actions(store, "acme")[0].id == act.id
    moved = set_action_state(store, "acme", act.id, "in_progress")
    assert moved.state == "in_progress"
    assert list_actions(store, "acme", state="done") == ()
    for bad, field in ((dict(title=""), "title"), (dict(owner=""), "owner"),
                       (dict(due_date="15/12/2026"), "due_date")):  # fmt: skip
        kw: dict[str, Any] = {"title": "t", "owner": "o", "due_date": None, **bad}
        with pytest.raises(InputError) as e:
            open_action(store, "acme", created_by="x", **kw)
        assert e.value.fields == (field,)
    with pytest.raises(InputError):
        set_action_state(store, "acme", act.id, "finished")
    with pytest.raises(NotFoundError):
        get_alert(store, "acme", 10**6)


def test_other_workspace_cannot_reach_an_alert(store: Store, tmp_path: Path) -> None:
    path = setup(store, tmp_path, rows())
    import_responses(store, path, workspace="acme", survey="zone")
    create_workspace(store, "beta", name_zh="乙", name_en="Beta")
    a = list_alerts(store, "acme").alerts[0]
    with pytest.raises(NotFoundError):
        get_alert(store, "beta", a.id)
    with pytest.raises(NotFoundError):
        acknowledge(store, "beta", a.id, by="x")
    assert list_alerts(store, "beta").alerts == ()


def test_resolved_alert_cannot_be_acknowledged(store: Store, tmp_path: Path) -> None:
    path = setup(store, tmp_path, rows())
    import_responses(store, path, workspace="acme", survey="zone")
    fixed = tmp_path / "fixed.csv"
    pd.DataFrame(rows(bad_site=None, rising=False)).to_csv(fixed, index=False)
    import_responses(store, fixed, workspace="acme", survey="zone", on_duplicate="replace")
    a = list_alerts(store, "acme", state="resolved").alerts[0]
    with pytest.raises(ConflictError):
        acknowledge(store, "acme", a.id, by="x")


def test_a_failing_scan_never_breaks_the_import(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = setup(store, tmp_path, rows())

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rule exploded")

    monkeypatch.setattr(svc, "compute_signals", boom)
    with caplog.at_level(logging.ERROR, logger="servgap.alerts"):
        report = import_responses(store, path, workspace="acme", survey="zone")
    assert report.inserted == len(rows())
    assert "alerts scan after an import into acme failed" in caplog.text
    assert "rule exploded" in caplog.text


def test_complaint_import_scans(store: Store, tmp_path: Path) -> None:
    from servgap.services.cases.complaint_import import import_cases

    create_workspace(store, "acme", name_zh="甲", name_en="Acme")
    recs = []
    # 5 delay complaints a month Jan-Apr, then 20 in May: c-bar 5, UCL 5 + 3 * sqrt(5) = 11.7
    for month, n in ((1, 5), (2, 5), (3, 5), (4, 5), (5, 20)):
        for i in range(n):
            recs.append({"received_at": f"2026-{month:02d}-{i + 1:02d} 10:00",
                         "text": f"快递延误了第{i}次，还没送到", "category": "delay",
                         "channel": "phone"})  # fmt: skip
    path = tmp_path / "complaints.csv"
    pd.DataFrame(recs).to_csv(path, index=False)
    import_cases(store, path, workspace="acme", now=dt.datetime(2026, 5, 31, tzinfo=dt.UTC))
    found = list_alerts(store, "acme", kind="complaints_rising").alerts
    assert {(a.subject_type, a.subject) for a in found} == {("category", "delay"), ("all", "")}
    ev = next(a for a in found if a.subject == "delay").evidence["numbers"]
    assert ev["count"] == 20 and ev["c_bar"] == pytest.approx(5.0)
    assert ev["ucl"] == pytest.approx(5 + 3 * 5**0.5)


def test_web_submissions_are_debounced(store: Store) -> None:
    clock = iter([1000.0, 1001.0, 1000.0 + 599.0, 1000.0 + 601.0]).__next__
    create_workspace(store, "acme", name_zh="甲", name_en="Acme")
    first = due_scan(store, "acme", interval_s=600, clock=clock)
    assert first is not None
    assert due_scan(store, "acme", interval_s=600, clock=clock) is None
    assert due_scan(store, "acme", interval_s=600, clock=clock) is None
    assert due_scan(store, "acme", interval_s=600, clock=clock) is not None
    report = first()
    assert report is not None and report.new == ()


def test_filters_are_checked(store: Store) -> None:
    create_workspace(store, "acme", name_zh="甲", name_en="Acme")
    with pytest.raises(InputError) as e:
        list_alerts(store, "acme", state="closed")
    assert e.value.fields == ("state",)
    with pytest.raises(InputError):
        list_alerts(store, "acme", kind="nope")
