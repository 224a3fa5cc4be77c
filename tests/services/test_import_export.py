"""Import of survey responses (CSV/GBK/BOM, Excel, SPSS), all-or-nothing errors,
personal-data masking, and the import -> export -> import round trip."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from servgap.core.errors import InputError
from servgap.services.context import Store, ensure_workspace
from servgap.services.exports import export_frame, export_to_file
from servgap.services.responses import import_responses, load_responses
from servgap.services.surveys import save_definition
from servgap.store.models import Customer, Response, Site

SURVEY = {
    "code": "mini",
    "title": {"zh": "小调查", "en": "Mini survey"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "按时送达", "en": "On time"}},
        {"code": "res1", "type": "servqual3", "dimension": "responsiveness",
         "text": {"zh": "响应迅速", "en": "Prompt"}},
        {"code": "f_locker", "type": "kano", "text": {"zh": "快递柜", "en": "Locker"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
        {"code": "imp", "type": "importance", "options": ["reliability", "responsiveness"],
         "text": {"zh": "重要性", "en": "Importance"}},
        {"code": "age_group", "type": "profile", "options": ["18-24", "25-34", "35+"],
         "text": {"zh": "年龄", "en": "Age"}},
        {"code": "comment", "type": "text", "text": {"zh": "意见", "en": "Comment"}},
    ],
}  # fmt: skip


def setup_ws(store: Store) -> None:
    with store.session() as s:
        ws = ensure_workspace(s, "acme", "示例", "Acme")
        for code in ("SH01", "SH02"):
            s.add(Site(workspace_id=ws.id, code=code, name_zh=code, name_en=code, kind="outlet"))
        save_definition(s, ws, SURVEY)


def good_frame(n: int = 30, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    adequate = rng.integers(2, 6, n)
    imp_rel = rng.integers(0, 101, n)
    return pd.DataFrame(
        {
            "response_id": [f"r{i:04d}" for i in range(n)],
            "submitted_at": pd.date_range("2026-01-05 09:00", periods=n, freq="7h")
            .strftime("%Y-%m-%d %H:%M")
            .tolist(),
            "site": rng.choice(["SH01", "SH02"], n),
            "channel": "web",
            "customer": [f"c{i % 7}" for i in range(n)],
            "rel1_adequate": adequate,
            "rel1_desired": adequate + rng.integers(0, 4, n),
            "rel1_perceived": rng.integers(1, 10, n),
            "res1_adequate": adequate,
            "res1_desired": adequate + 2,
            "res1_perceived": rng.integers(1, 10, n),
            "f_locker_functional": rng.integers(1, 6, n),
            "f_locker_dysfunctional": rng.integers(1, 6, n),
            "nps": rng.integers(0, 11, n),
            "imp_reliability": imp_rel,
            "imp_responsiveness": 100 - imp_rel,
            "age_group": rng.choice(["18-24", "25-34", "35+"], n),
            "comment": ["快递员很好，电话13812345678" if i % 5 == 0 else "" for i in range(n)],
        }
    )


def db_fingerprint(store: Store) -> str:
    with store.session() as s:
        rows = s.execute(select(Response.external_id, Response.answers).order_by(Response.id)).all()
        n_cust = s.scalar(select(func.count(Customer.id)))
    return hashlib.sha256(repr((rows, n_cust)).encode()).hexdigest()


def test_import_csv_utf8(store: Store, tmp_path: Path) -> None:
    setup_ws(store)
    path = tmp_path / "a.csv"
    good_frame().to_csv(path, index=False)
    rep = import_responses(store, path, workspace="acme", survey="mini")
    assert rep.inserted == 30 and rep.customers_created == 7
    _, frame = load_responses(store, workspace="acme", survey="mini")
    assert len(frame) == 30
    assert frame["rel1_adequate"].notna().all()
    assert str(frame["submitted_at"].dt.tz) == "UTC"
    # naive 09:00 in Asia/Shanghai is 01:00 UTC
    assert frame["submitted_at"].iloc[0] == pd.Timestamp("2026-01-05 01:00", tz="UTC")
    assert set(frame["period"]) == {"2026Q1"}


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_import_chinese_encodings(sqlite_store: Store, tmp_path: Path, encoding: str) -> None:
    setup_ws(sqlite_store)
    frame = good_frame(12)
    frame = frame.rename(
        columns={"response_id": "序号", "submitted_at": "提交答卷时间", "site": "网点"}
    )
    frame["comment"] = "派件员态度很好，下次还选你们"
    path = tmp_path / f"{encoding}.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    rep = import_responses(sqlite_store, path, workspace="acme", survey="mini")
    assert rep.inserted == 12
    assert rep.mapping["序号"] == "response_id"
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert back["comment"].iloc[0] == "派件员态度很好，下次还选你们"


def test_import_excel_and_spss(sqlite_store: Store, tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    setup_ws(sqlite_store)
    frame = good_frame(10)
    xlsx = tmp_path / "a.xlsx"
    frame.to_excel(xlsx, index=False)
    assert import_responses(sqlite_store, xlsx, workspace="acme", survey="mini").inserted == 10
    sav = tmp_path / "b.sav"
    f2 = good_frame(8, seed=2)
    f2["response_id"] = [f"s{i}" for i in range(8)]
    f2 = f2.drop(columns=["comment"])
    pyreadstat.write_sav(f2, str(sav))
    assert import_responses(sqlite_store, sav, workspace="acme", survey="mini").inserted == 8


def test_kano_text_labels(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    frame = good_frame(3)
    frame["f_locker_functional"] = ["我喜欢", "like", "理所当然"]
    frame["f_locker_dysfunctional"] = ["我不喜欢", "能忍受", "无所谓"]
    path = tmp_path / "k.csv"
    frame.to_csv(path, index=False)
    import_responses(sqlite_store, path, workspace="acme", survey="mini")
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert back["f_locker_functional"].tolist() == [1, 1, 2]
    assert back["f_locker_dysfunctional"].tolist() == [5, 4, 3]


def test_bad_rows_all_listed_and_nothing_written(store: Store, tmp_path: Path) -> None:
    setup_ws(store)
    ok = tmp_path / "ok.csv"
    good_frame(5, seed=3).assign(response_id=[f"ok{i}" for i in range(5)]).to_csv(ok, index=False)
    import_responses(store, ok, workspace="acme", survey="mini")
    before = db_fingerprint(store)
    frame = good_frame(40).astype(object)
    frame.loc[3, "rel1_perceived"] = 12  # outside 1-9
    frame.loc[17, "nps"] = "ten"  # not a number
    frame.loc[25, "site"] = "XX99"  # unknown site
    frame.loc[31, "imp_reliability"] = 90  # points sum to != 100
    frame.loc[36, "response_id"] = "r0001"  # duplicate id in file
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        import_responses(store, path, workspace="acme", survey="mini")
    err = info.value
    rows = sorted({p.row for p in err.problems if p.row is not None})
    # data row i is spreadsheet row i + 2 (header is row 1)
    assert rows == [5, 19, 27, 33, 38]
    cell = next(p for p in err.problems if p.row == 5)
    assert cell.column == "rel1_perceived" and cell.value == "12"
    assert "outside the 1–9 scale" in cell.en and "量表" in cell.zh
    assert db_fingerprint(store) == before


def test_duplicate_of_stored_response(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "a.csv"
    good_frame(6).to_csv(path, index=False)
    import_responses(sqlite_store, path, workspace="acme", survey="mini")
    with pytest.raises(InputError, match="6 problem"):
        import_responses(sqlite_store, path, workspace="acme", survey="mini")
    rep = import_responses(sqlite_store, path, workspace="acme", survey="mini", on_duplicate="skip")
    assert rep.skipped == 6 and rep.inserted == 0
    rep = import_responses(
        sqlite_store, path, workspace="acme", survey="mini", on_duplicate="replace"
    )
    assert rep.replaced == 6
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert len(back) == 6


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "only blank lines"),
        (b"response_id,rel1_adequate,rel1_desired,rel1_perceived\n", "no data rows"),
        (b"response_id,rel1_adequate,rel1_adequate,rel1_desired,rel1_perceived\n1,2,2,3,4\n", "twice"),
        (b"response_id,rel1_adequate,rel1_perceived\n1,2,3\n", "only partly"),
        (b"id2,foo,bar\n1,2,3\n", "response id"),
        (b"response_id,rel1_adequat,rel1_desired,rel1_perceived\n1,2,3,4\n", "looks like an answer"),
    ],
)  # fmt: skip
def test_malformed_csv(sqlite_store: Store, tmp_path: Path, content: bytes, match: str) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    before = db_fingerprint(sqlite_store)
    with pytest.raises(InputError, match=match):
        import_responses(sqlite_store, path, workspace="acme", survey="mini")
    assert db_fingerprint(sqlite_store) == before


def test_truncated_excel(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    full = tmp_path / "full.xlsx"
    good_frame(50).to_excel(full, index=False)
    data = full.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a valid or complete Excel"):
        import_responses(sqlite_store, cut, workspace="acme", survey="mini")
    assert not zipfile.is_zipfile(cut) or True


def test_mapping_file(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    frame = good_frame(4).rename(columns={"rel1_adequate": "Q1最低", "site": "门店名称"})
    frame["门店名称"] = frame["门店名称"].map({"SH01": "徐汇店", "SH02": "静安店"})
    frame["IP地址"] = "1.2.3.4"
    path = tmp_path / "wjx.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  Q1最低: rel1_adequate\n  门店名称: site\n"
        "ignore: [IP地址]\nvalues:\n  site: {徐汇店: SH01, 静安店: SH02}\n",
        encoding="utf-8",
    )
    rep = import_responses(
        sqlite_store, path, workspace="acme", survey="mini", mapping_file=mapping
    )
    assert rep.inserted == 4 and rep.ignored_columns == ("IP地址",)
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert set(back["site"]) <= {"SH01", "SH02"}


def test_round_trip_import_export_import(store: Store, tmp_path: Path) -> None:
    setup_ws(store)
    src = tmp_path / "src.csv"
    good_frame(25).to_csv(src, index=False)
    import_responses(store, src, workspace="acme", survey="mini")
    first = export_frame(store, "responses", workspace="acme", survey="mini",
                         include_personal_data=True)  # fmt: skip
    for fmt in ("csv", "xlsx", "parquet"):
        out = tmp_path / f"export.{fmt}"
        export_to_file(store, "responses", out, workspace="acme", survey="mini",
                       include_personal_data=True)  # fmt: skip
        with store.session() as s:
            ws2 = ensure_workspace(s, f"copy_{fmt}", "副本", "Copy")
            for code in ("SH01", "SH02"):
                s.add(
                    Site(workspace_id=ws2.id, code=code, name_zh=code, name_en=code, kind="outlet")
                )
            save_definition(s, ws2, SURVEY)
        import_responses(store, out, workspace=f"copy_{fmt}", survey="mini")
        again = export_frame(store, "responses", workspace=f"copy_{fmt}", survey="mini",
                             include_personal_data=True)  # fmt: skip
        pd.testing.assert_frame_equal(
            first.drop(columns=["channel"]), again.drop(columns=["channel"]), check_dtype=False
        )


def test_export_masks_personal_data(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    with sqlite_store.session() as s:
        ws = ensure_workspace(s, "acme", "示例", "Acme")
        s.add(Customer(workspace_id=ws.id, code="c1", name="王小明", phone="13912345678",
                       email="xm@example.com", attributes={}))  # fmt: skip
    masked = export_frame(sqlite_store, "customers", workspace="acme")
    assert masked.loc[0, "phone"] == "139****5678"
    assert masked.loc[0, "name"] == "王**"
    assert masked.loc[0, "email"] == "x***@example.com"
    clear = export_frame(sqlite_store, "customers", workspace="acme", include_personal_data=True)
    assert clear.loc[0, "phone"] == "13912345678"
    path = tmp_path / "r.csv"
    good_frame(5).to_csv(path, index=False)
    import_responses(sqlite_store, path, workspace="acme", survey="mini")
    resp = export_frame(sqlite_store, "responses", workspace="acme", survey="mini")
    assert "13812345678" not in " ".join(resp["comment"].dropna())
    assert "138****5678" in " ".join(resp["comment"].dropna())
