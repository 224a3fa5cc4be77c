"""The promise register on a store: import (all or nothing), reported delivery, and the check
of promised vs delivered vs perceived vs adequate, with figures worked by hand from the rows
written here (mean wait = Σ waiting seconds / Σ handled; MSA of a minutes item = A − P)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from servgap.core.errors import InputError
from servgap.services.context import Store
from servgap.services.promises import (
    check_promises,
    import_promise_measures,
    import_promises,
    list_promises,
)
from servgap.services.responses import import_responses
from servgap.services.sites import import_sites
from servgap.services.surveys import save_definition
from servgap.services.workspaces import create_workspace
from servgap.store.models import Case, DemandInterval, Site, Workspace

SURVEY = {
    "code": "svc",
    "title": {"zh": "服务", "en": "Service"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "准时", "en": "On time"}},
        {"code": "wait", "type": "servqual3", "dimension": "responsiveness", "unit": "minutes",
         "direction": "lower_better", "scale": {"min": 0, "max": 240},
         "text": {"zh": "等候分钟", "en": "Minutes waited"}},
    ],
}  # fmt: skip

UTC = dt.UTC


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ws(store: Store, tmp_path: Path) -> str:
    create_workspace(store, "acme", name_zh="示例", name_en="Acme")
    import_sites(store, _write(tmp_path / "sites.csv",
        "region,region_name,site,site_name,kind\nn,北区,s1,一号,counter\nn,北区,s2,二号,counter\n"),
        workspace="acme")  # fmt: skip
    with store.session() as s:
        w = s.scalar(select(Workspace).where(Workspace.code == "acme"))
        assert w is not None
        save_definition(s, w, SURVEY, source="svc.yaml")
        sites = {x.code: x.id for x in s.scalars(select(Site))}
        # 2026Q3 at s1: 100 + 300 served, 1,200 + 6,000 s waited -> 7,200 / 400 / 60 = 0.3 min
        # at s2: 50 served, 45,000 s -> 15 min; all sites: 52,200 / 450 / 60 = 1.9333 min
        for site, start, handled, wait in (
            ("s1", dt.datetime(2026, 8, 3, 2, tzinfo=UTC), 100, 1200.0),
            ("s1", dt.datetime(2026, 8, 3, 3, tzinfo=UTC), 300, 6000.0),
            ("s2", dt.datetime(2026, 8, 3, 2, tzinfo=UTC), 50, 45000.0),
            ("s2", dt.datetime(2026, 11, 3, 2, tzinfo=UTC), 50, 999999.0),  # 2026Q4: not counted
        ):
            s.add(DemandInterval(workspace_id=w.id, site_id=sites[site], queue="counter",
                                 interval_start=start, arrivals=handled, handled=handled,
                                 total_wait_s=wait))  # fmt: skip
        # refunds (damage_loss) opened in 2026Q3 at s1: resolved after 10 h, 50 h, 80 h; one
        # still open since 2026-09-01 (older than 72 h at `now`)
        opened = dt.datetime(2026, 9, 1, tzinfo=UTC)
        for i, hours in enumerate((10, 50, 80, None)):
            s.add(Case(workspace_id=w.id, code=f"C{i}", source="manual", site_id=sites["s1"],
                       category="damage_loss", opened_at=opened,
                       resolved_at=None if hours is None else opened + dt.timedelta(hours=hours)))  # fmt: skip
    # perception of the wait in 2026Q3 (A, D, P minutes): (10, 5, 12), (12, 5, 8) at s1
    rows = "response_id,submitted_at,site,rel1_adequate,rel1_desired,rel1_perceived," \
           "wait_adequate,wait_desired,wait_perceived\n" \
           "r1,2026-08-10 10:00,s1,5,8,6,10,5,12\nr2,2026-08-11 10:00,s1,5,8,7,12,5,8\n" \
           "r3,2026-08-12 10:00,s2,5,8,6,20,10,30\n"  # fmt: skip
    import_responses(store, _write(tmp_path / "r.csv", rows), workspace="acme", survey="svc")
    return "acme"


REGISTER = (
    "promise,text_zh,text_en,site,channel,source,measure,promised,attribute,category\n"
    "wait10,等候不超过 10 分钟,Wait under 10 minutes,,counter,advert,wait_minutes,10,wait,\n"
    "wait_s1,一号网点等候不超过 15 分钟,s1: under 15 minutes,s1,counter,counter,wait_minutes,15,wait,\n"
    "refund3d,理赔 3 天内处理,Claims settled in 3 days,s1,,contract,resolution_hours,72,,damage_loss\n"
    "d48,48 小时送达,Delivered within 48 h,,,app,reported,48,rel1,\n"
)


def test_register_and_check(store: Store, ws: str, tmp_path: Path) -> None:
    rep = import_promises(store, _write(tmp_path / "p.csv", REGISTER), workspace=ws)
    assert (rep.created, rep.updated) == (4, 0)
    assert list(list_promises(store, workspace=ws)["promise"]) == [
        "d48",
        "refund3d",
        "wait10",
        "wait_s1",
    ]
    import_promise_measures(store, _write(tmp_path / "m.csv",
        "promise,period,value,n,kept\nd48,2026Q3,52.0,1000,940\n"), workspace=ws)  # fmt: skip
    now = dt.datetime(2026, 10, 1, tzinfo=UTC)
    res = check_promises(store, workspace=ws, period="2026q3", now=now)
    t = res.table.set_index("promise")
    assert set(t["period"]) == {"2026Q3"}
    # all sites: 52,200 s / 450 served = 116 s = 1.9333 min, within 10 minutes
    assert t.loc["wait10", "delivered"] == pytest.approx(52200 / 450 / 60)
    assert t.loc["wait10", "status"] == "kept"
    # perceived and adequate over the three respondents: P (12+8+30)/3, A (10+12+20)/3
    assert t.loc["wait10", "perceived"] == pytest.approx(50 / 3)
    assert t.loc["wait10", "adequate"] == pytest.approx(14.0)
    # s1: 0.3 min delivered; but 15 minutes promised > s1 customers' adequate (10+12)/2 = 11
    assert t.loc["wait_s1", "delivered"] == pytest.approx(0.3)
    assert t.loc["wait_s1", "adequate"] == pytest.approx(11.0)
    assert bool(t.loc["wait_s1", "below_adequate"]) is True
    assert t.loc["wait_s1", "status"] == "below_adequate"
    # claims: 10 h and 50 h kept, 80 h late, the open one 720 h old: 2 of 4 vs 90 %
    assert t.loc["refund3d", "n"] == 4 and t.loc["refund3d", "share_kept"] == pytest.approx(0.5)
    # P(X <= 2 | n=4, p=.9) = 1 - 4(.9^3)(.1) - .9^4 = 0.0523: not below 90 % at the 5 %
    # level with four cases, so "at risk" rather than "over-promised"
    assert t.loc["refund3d", "p_value"] == pytest.approx(0.0523)
    assert t.loc["refund3d", "status"] == "at_risk"
    # reported: 940 of 1,000 within 48 h vs 90 % target -> kept (rating item: no adequate test)
    assert t.loc["d48", "share_kept"] == pytest.approx(0.94)
    assert t.loc["d48", "status"] == "kept" and t.loc["d48", "delivered"] == 52.0


def test_a_bad_register_row_writes_nothing(store: Store, ws: str, tmp_path: Path) -> None:
    bad = REGISTER + "x1,坏,Bad,nosuch,,tv,wait_minutes,-3,,\n"
    with pytest.raises(InputError) as err:
        import_promises(store, _write(tmp_path / "bad.csv", bad), workspace=ws)
    text = str(err.value) + " ".join(p.message("en") for p in err.value.problems)
    assert "nosuch" in text and "tv" in text and "-3" in text
    assert list_promises(store, workspace=ws).empty


def test_delivery_for_an_unknown_or_measured_promise_is_refused(
    store: Store, ws: str, tmp_path: Path
) -> None:
    import_promises(store, _write(tmp_path / "p.csv", REGISTER), workspace=ws)
    with pytest.raises(InputError) as err:
        import_promise_measures(store, _write(tmp_path / "m.csv",
            "promise,period,value,n,kept\nwait10,2026Q3,5,,\nghost,2026Q3,1,,\nd48,2026Q3,50,10,11\n"),
            workspace=ws)  # fmt: skip
    rows = {p.row for p in err.value.problems}
    assert rows == {2, 3, 4}
