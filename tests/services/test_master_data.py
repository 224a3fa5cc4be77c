"""Master and operational data for any company (issue 10 item 2): sites, customers, demand and
audits imported all or nothing, with every bad row listed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from servgap.core.audit_standard import parse_standard, weighted_scores
from servgap.core.errors import InputError, SpecError
from servgap.services.audits import audit_scores, import_audits
from servgap.services.context import Store
from servgap.services.customers import import_customers
from servgap.services.demand import import_demand
from servgap.services.exports import export_frame
from servgap.services.sites import import_sites, list_sites
from servgap.services.workspaces import create_workspace
from servgap.store.models import AuditScore, Customer, DemandInterval, Region, Site

NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
SITES = """region,region_name,site,site_name,kind,queue,timezone,opened_on
south,南区,ft01,福田网点,outlet,,,2019-03-01
south,南区,cc01,热线中心,call_centre,hotline;vip,,
north,北区,ur01,乌鲁木齐网点,counter,,Asia/Urumqi,2024-05-01
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def ws(store: Store, tmp_path: Path) -> Store:
    create_workspace(store, "acme", name_zh="顶点", name_en="Acme")
    import_sites(store, write(tmp_path, "sites.csv", SITES), workspace="acme")
    return store


# ------------------------------------------------------------------ sites


def test_site_import_creates_regions_and_updates_on_reimport(ws: Store, tmp_path: Path) -> None:
    frame = list_sites(ws, workspace="acme")
    assert frame["site"].tolist() == ["ur01", "cc01", "ft01"]  # by region, then code
    assert frame.set_index("site").loc["cc01", "queue"] == "hotline;vip"
    assert count(ws, Region) == 2
    again = SITES.replace("福田网点", "福田中心网点") + "north,北区,la01,龙华,online,,,\n"
    rep = import_sites(ws, write(tmp_path, "s2.csv", again, "gbk"), workspace="acme")
    assert (rep.sites_created, rep.sites_updated, rep.sites_unchanged) == (1, 1, 2)
    names = dict(list_sites(ws, workspace="acme")[["site", "name_zh"]].values)
    assert names["ft01"] == "福田中心网点"
    # a site missing from a later list is never removed
    import_sites(
        ws,
        write(tmp_path, "s3.csv", SITES.splitlines()[0] + "\n" + SITES.splitlines()[1]),
        workspace="acme",
    )
    assert count(ws, Site) == 4


def test_site_file_with_bad_rows_lists_them_all_and_writes_nothing(
    ws: Store, tmp_path: Path
) -> None:
    bad = (
        "region,region_name,site,site_name,kind,timezone\n"
        "west,西区,x1,某网点,shop,\n"  # unknown kind
        "west,西部大区,x2,另一网点,outlet,\n"  # region named twice differently
        "west,西区,x1,重复,outlet,Mars/Base\n"  # duplicate site, bad zone
        ",西区,x3,,outlet,\n"  # empty region and site name
    )
    with pytest.raises(InputError) as exc:
        import_sites(ws, write(tmp_path, "bad.csv", bad), workspace="acme")
    where = sorted((p.row, p.column) for p in exc.value.problems)
    assert where == [
        (2, "kind"),
        (3, "region_name"),
        (4, "site"),
        (4, "timezone"),
        (5, "region"),
        (5, "site_name"),
    ]
    assert count(ws, Site) == 3 and count(ws, Region) == 2


def test_missing_required_columns_are_named(ws: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        import_sites(ws, write(tmp_path, "x.csv", "site,site_name\nq,Q\n"), workspace="acme")
    missing = {p.en.split("`")[1] for p in exc.value.problems}
    assert missing == {"region", "region_name", "kind"}


# ------------------------------------------------------------------ customers

CUSTOMERS = """客户编号,姓名,手机,客户类型,年龄段,客龄,会员等级,微信号
C1,张伟,13812345678,商户,35-54,24,金卡,zw_88
C2,李娜,13900001111,个人,18-34,3,普通,ln_01
"""


def test_customer_profiles_typed_extra_and_personal(ws: Store, tmp_path: Path) -> None:
    rep = import_customers(
        ws, write(tmp_path, "c.csv", CUSTOMERS), workspace="acme", personal=("微信号",)
    )
    assert rep.created == 2 and rep.profile_columns == ("会员等级",)
    assert set(rep.personal_columns) == {"name", "phone", "微信号"}
    with ws.session() as s:
        c1 = s.scalar(select(Customer).where(Customer.code == "C1"))
        assert c1 is not None
        assert (c1.customer_type, c1.age_group, c1.tenure_months) == ("商户", "35-54", 24.0)
        assert c1.attributes == {"会员等级": "金卡", "personal": {"微信号": "zw_88"}}
    out = export_frame(ws, "customers", workspace="acme")
    flat = out.astype(str).to_string()
    for secret in ("张伟", "13812345678", "zw_88"):
        assert secret not in flat
    assert "金卡" in flat  # a profile column is exported
    rep = import_customers(
        ws,
        write(tmp_path, "c2.csv", CUSTOMERS.replace("金卡", "银卡")),
        workspace="acme",
        on_duplicate="skip",
    )
    assert rep.skipped == 2


def test_customer_file_errors(ws: Store, tmp_path: Path) -> None:
    bad = "customer,tenure_months,orders_per_month\nC1,-3,2\nC1,4,x\n,1,1\n"
    with pytest.raises(InputError) as exc:
        import_customers(ws, write(tmp_path, "c.csv", bad), workspace="acme")
    assert sorted((p.row, p.column) for p in exc.value.problems) == [
        (2, "tenure_months"),
        (3, "customer"),
        (3, "orders_per_month"),
        (4, "customer"),
    ]
    assert count(ws, Customer) == 0
    with pytest.raises(InputError, match=r"not in c\.csv's header"):
        import_customers(
            ws, write(tmp_path, "c.csv", CUSTOMERS), workspace="acme", personal=("身份证",)
        )


# ------------------------------------------------------------------ demand


def demand_csv(starts: list[str], **cols: list[object]) -> str:
    n = len(starts)
    frame = pd.DataFrame(
        {
            "site": cols.get("site", ["cc01"] * n),
            "queue": cols.get("queue", ["hotline"] * n),
            "interval_start": starts,
            "arrivals": cols.get("arrivals", [10] * n),
            "handled": cols.get("handled", [9] * n),
            "abandoned": cols.get("abandoned", [1] * n),
            "aht_s": cols.get("aht_s", [240] * n),
            "total_wait_s": cols.get("total_wait_s", [300] * n),
        }
    )
    return frame.to_csv(index=False)


def test_demand_local_times_duplicates_and_grid(ws: Store, tmp_path: Path) -> None:
    starts = ["2026-09-07 08:00", "2026-09-07 08:30", "2026-09-07T01:00:00+00:00"]
    rep = import_demand(ws, write(tmp_path, "d.csv", demand_csv(starts)), workspace="acme", now=NOW)
    assert rep.inserted == 3
    with ws.session() as s:
        got = sorted(s.scalars(select(DemandInterval.interval_start)))
    # naive times are local (Asia/Shanghai, UTC+8); the third carries its own offset
    assert [t.isoformat() for t in got] == [
        "2026-09-07T00:00:00+00:00",
        "2026-09-07T00:30:00+00:00",
        "2026-09-07T01:00:00+00:00",
    ]
    with pytest.raises(InputError) as exc:
        import_demand(ws, write(tmp_path, "d.csv", demand_csv(starts)), workspace="acme", now=NOW)
    assert [p.row for p in exc.value.problems] == [2, 3, 4]  # already stored
    rep = import_demand(
        ws,
        write(tmp_path, "d.csv", demand_csv(starts)),
        workspace="acme",
        on_duplicate="replace",
        now=NOW,
    )
    assert (rep.inserted, rep.replaced) == (0, 3)
    assert count(ws, DemandInterval) == 3
    bad = demand_csv(
        ["2026-09-08 08:10", "2026-09-08 09:00", "2026-09-08 09:00", "9999-01-01"],
        queue=["hotline", "chat", "hotline", "hotline"],
        arrivals=[1, 2, 3, -4],
        aht_s=[200, 200, "", 200],
    )
    with pytest.raises(InputError) as exc:
        import_demand(ws, write(tmp_path, "bad.csv", bad), workspace="acme", now=NOW)
    assert sorted((p.row, p.column) for p in exc.value.problems) == [
        (2, "interval_start"),
        (3, "queue"),
        (5, "arrivals"),
        (5, "interval_start"),
    ]
    assert count(ws, DemandInterval) == 3  # nothing written


def test_demand_in_the_sites_own_zone_and_through_a_mapping(ws: Store, tmp_path: Path) -> None:
    acd = (
        "中心,技能组,时段,呼入量,接通量,放弃量,AHT,排队\nur01,desk,2026-09-07 09:00,5,5,0,120,10\n"
    )
    mapping = write(
        tmp_path,
        "m.yaml",
        "columns: {中心: site, 技能组: queue, 时段: interval_start, "
        "呼入量: arrivals, 接通量: handled, 放弃量: abandoned, AHT: aht_s, 排队: total_wait_s}\n",
    )
    import_demand(
        ws, write(tmp_path, "acd.csv", acd), workspace="acme", mapping_file=mapping, now=NOW
    )
    with ws.session() as s:
        start = s.scalar(select(DemandInterval.interval_start))
    assert start is not None and start.isoformat() == "2026-09-07T03:00:00+00:00"  # Urumqi UTC+6


# ------------------------------------------------------------------ audits

STANDARD = """
code: outlet
title: {zh: 网点标准, en: Outlet standard}
scale: {min: 0, max: 5}
sections:
  - code: env
    title: {zh: 环境, en: Environment}
    weight: 1
    indicators:
      - {code: clean, title: {zh: 整洁, en: Clean}, weight: 1, item: tan1}
  - code: staff
    title: {zh: 员工, en: Staff}
    weight: 3
    indicators:
      - {code: greet, title: {zh: 问候, en: Greeting}, weight: 1}
      - {code: right, title: {zh: 准确, en: Right parcel}, weight: 2, scale: {min: 0, max: 1}}
"""


def test_weighted_score_by_hand() -> None:
    std = parse_standard(__import__("yaml").safe_load(STANDARD))
    assert [round(i.weight, 6) for i in std.indicators] == [0.25, 0.25, 0.5]
    # clean 4/5, greet 3/5, right 1/1: 100 · (0.25·0.8 + 0.25·0.6 + 0.5·1) = 85
    # without `right` (not applicable): 100 · (0.25·0.8 + 0.25·0.6) / 0.5 = 70
    got = weighted_scores(std, np.array([[4, 3, 1], [4, 3, np.nan]], dtype=float))
    assert got.tolist() == pytest.approx([85.0, 70.0])


def test_bad_standard_lists_every_problem() -> None:
    with pytest.raises(SpecError) as exc:
        parse_standard(
            {
                "code": "X",
                "sections": [
                    {
                        "code": "a",
                        "weight": -1,
                        "indicators": [{"code": "i1", "weight": 0}, {"code": "i1"}],
                    }
                ],
            }
        )
    cols = {p.column for p in exc.value.problems}
    assert {
        "code",
        "title",
        "sections[1].weight",
        "sections[1].indicators[1].weight",
        "sections[1].indicators[2].code",
    } <= cols


def test_audit_visits_import_and_score(ws: Store, tmp_path: Path) -> None:
    std = write(tmp_path, "std.yaml", STANDARD)
    visits = (
        "visit,site,visited_at,auditor,clean,greet,right\n"
        "V1,ft01,2026-09-01 10:00,甲,4,3,1\nV2,ft01,2026-09-02 10:00,乙,4,3,\n"
    )
    rep = import_audits(
        ws, write(tmp_path, "v.csv", visits), workspace="acme", standard_file=std, now=NOW
    )
    assert rep.inserted == 2 and rep.mean_score == pytest.approx(77.5)
    scores = audit_scores(ws, workspace="acme")
    assert scores["score"].tolist() == pytest.approx([85.0, 70.0])
    with ws.session() as s:
        assert s.scalar(select(AuditScore.item).where(AuditScore.indicator == "clean")) == "tan1"
    bad = (
        "visit,site,visited_at,auditor,clean,greet,right\n"
        "V3,zz,2026-09-01 10:00,甲,6,3,1\nV4,ft01,2026-09-02,乙,,,\n"
    )
    with pytest.raises(InputError) as exc:
        import_audits(
            ws, write(tmp_path, "b.csv", bad), workspace="acme", standard_file=std, now=NOW
        )
    assert sorted((p.row, str(p.column)) for p in exc.value.problems) == [
        (2, "clean"),
        (2, "site"),
        (3, "None"),
    ]
    with pytest.raises(InputError, match="not in the standard: smile"):
        import_audits(
            ws,
            write(tmp_path, "c.csv", "visit,site,visited_at,smile\nV9,ft01,2026-09-01,4\n"),
            workspace="acme",
            standard_file=std,
            now=NOW,
        )
