"""Issue 8, data safety: nothing a user types or a file contains may destroy the store or be
stored silently wrong. Each test here failed before the fix it guards."""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text

from servgap.core.errors import InputError
from servgap.services.context import Store, ensure_workspace
from servgap.services.exports import export_to_file
from servgap.services.files import write_table, write_text
from servgap.services.responses import import_responses, load_responses
from servgap.services.surveys import save_definition
from servgap.store.models import Site

SURVEY = {
    "code": "mini",
    "title": {"zh": "小调查", "en": "Mini survey"},
    "scale": {"min": 1, "max": 5},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "按时送达", "en": "On time"}},
        {"code": "wait", "type": "servqual3", "dimension": "responsiveness", "unit": "minutes",
         "direction": "lower_better", "scale": {"min": 0, "max": 240},
         "text": {"zh": "等候分钟", "en": "Wait (minutes)"}},
        {"code": "comment", "type": "text", "text": {"zh": "意见", "en": "Comment"}},
    ],
}  # fmt: skip
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def setup_ws(store: Store, survey: dict[str, object] | None = None) -> None:
    with store.session() as s:
        ws = ensure_workspace(s, "acme", "示例", "Acme")
        s.add(Site(workspace_id=ws.id, code="SH01", name_zh="SH01", name_en="SH01", kind="outlet"))
        save_definition(s, ws, survey or SURVEY)


def rows(n: int = 3, **over: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(n)],
            "submitted_at": [f"2026-03-0{i + 1} 10:00" for i in range(n)],
            "site": "SH01",
            "rel1_adequate": 3,
            "rel1_desired": 5,
            "rel1_perceived": 4,
            "wait_adequate": 10,
            "wait_desired": 5,
            "wait_perceived": 7.5,
            "comment": "",
        },
        index=range(n),
    )
    for k, v in over.items():
        frame[k] = v
    return frame


def count(store: Store) -> int:
    with store.session() as s:
        return int(s.execute(text("SELECT count(*) FROM response")).scalar_one())


def refused(store: Store, path: Path, **kw: object) -> InputError:
    before = count(store)
    with pytest.raises(InputError) as exc:
        import_responses(store, path, workspace="acme", survey="mini", now=NOW, **kw)  # type: ignore[arg-type]
    assert count(store) == before
    return exc.value


# ------------------------------------------------------------------ 1. exports never destroy


def test_export_refuses_to_overwrite_the_store_and_its_journals(sqlite_store: Store) -> None:
    setup_ws(sqlite_store)
    (db,) = sqlite_store.protected_files()
    for target in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        for force in (False, True):
            with pytest.raises(InputError, match="database"):
                export_to_file(sqlite_store, "sites", target, workspace="acme", fmt="csv",
                               force=force)  # fmt: skip
    # the store still works
    assert count(sqlite_store) == 0
    with open(db, "rb") as fh:
        assert fh.read(16) == b"SQLite format 3\x00"


def test_any_sqlite_database_is_refused_even_with_force(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t(x)").connection.close()
    with pytest.raises(InputError, match="database"):
        write_table(pd.DataFrame({"a": [1]}), other, fmt="csv", force=True)


def test_special_files_folders_and_symlinks_are_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(InputError, match="device, pipe or socket"):
        write_table(frame, Path("/dev/null"), fmt="csv", force=True)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="device, pipe or socket"):
        write_table(frame, fifo, force=True)
    with pytest.raises(InputError, match="is a folder"):
        write_table(frame, tmp_path, fmt="csv", force=True)
    outside = tmp_path / "elsewhere" / "victim.csv"
    outside.parent.mkdir()
    outside.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    link = out / "link.csv"
    link.symlink_to(outside)
    with pytest.raises(InputError, match="symbolic link"):
        write_table(frame, link, force=True)
    assert outside.read_text(encoding="utf-8") == "precious"


def test_existing_file_needs_force_and_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(InputError, match=r"already exists \(3 bytes.*`force`") as exc:
        write_table(pd.DataFrame({"a": [1]}), target)
    assert exc.value.fields == ("force",)  # the CLI shows it as --force, the web as a checkbox
    assert target.read_text(encoding="utf-8") == "old"
    write_table(pd.DataFrame({"a": [1]}), target, force=True)
    assert pd.read_csv(target, encoding="utf-8-sig")["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary file left


def test_personal_files_are_private(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path, _ = export_to_file(sqlite_store, "customers", tmp_path / "c.csv", workspace="acme")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = write_text(tmp_path / "x.md", "hello")
    assert stat.S_IMODE(public.stat().st_mode) & 0o044  # follows the umask


def test_format_contradicting_the_file_name_is_a_clear_error(sqlite_store: Store,
                                                             tmp_path: Path) -> None:  # fmt: skip
    setup_ws(sqlite_store)
    with pytest.raises(
        InputError, match=r"says \.csv but the format asked for \(`format`\) is xlsx"
    ):
        export_to_file(sqlite_store, "sites", tmp_path / "x.csv", workspace="acme", fmt="xlsx")
    assert not (tmp_path / "x.csv").exists()


# ------------------------------------------------------------------ 2. stored dates stay readable


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-31", "is in the future"),
        ("2026-12-05 10:00", "is in the future"),
        ("1989-12-31", "before 1990"),
        ("0202-03-01", "before 1990"),
    ],
)
def test_implausible_dates_are_refused_with_the_row(store: Store, tmp_path: Path, value: str,
                                                    message: str) -> None:  # fmt: skip
    setup_ws(store)
    path = tmp_path / "d.csv"
    rows(submitted_at=["2026-03-01 10:00", value, "2026-03-02"]).to_csv(path, index=False)
    err = refused(store, path)
    assert err.problems[0].row == 3 and err.problems[0].column == "submitted_at"
    assert message in err.problems[0].en


def test_a_legacy_out_of_range_date_does_not_break_the_survey(sqlite_store: Store,
                                                              tmp_path: Path) -> None:  # fmt: skip
    setup_ws(sqlite_store)
    path = tmp_path / "ok.csv"
    rows().to_csv(path, index=False)
    import_responses(sqlite_store, path, workspace="acme", survey="mini", now=NOW)
    with sqlite_store.session() as s:  # a value stored by an older servgap
        s.execute(text("UPDATE response SET submitted_at='9999-12-31 00:00:00.000000' "
                       "WHERE external_id='r1'"))  # fmt: skip
    _, frame = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert frame["submitted_at"].isna().sum() == 1
    export_to_file(sqlite_store, "responses", tmp_path / "out.csv", workspace="acme", survey="mini")


def test_the_store_refuses_unrepresentable_times(sqlite_store: Store) -> None:
    from servgap.store.models import Workspace

    with pytest.raises(Exception, match="outside 1900-2200"), sqlite_store.session() as s:
        ws = Workspace(code="x", name_zh="x", name_en="x")
        ws.created_at = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
        s.add(ws)


# ------------------------------------------------------------------ 3. mixed encodings


def test_rows_in_two_encodings_are_refused_naming_the_rows(sqlite_store: Store,
                                                           tmp_path: Path) -> None:  # fmt: skip
    setup_ws(sqlite_store)
    head = "response_id,submitted_at,site,rel1_adequate,rel1_desired,rel1_perceived,comment\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        head.encode()
        + "r1,2026-03-01,SH01,3,5,4,派件员很好\n".encode()
        + "r2,2026-03-02,SH01,3,5,4,派件员很慢\n".encode("gbk")
    )
    err = refused(sqlite_store, path)
    assert err.code == "mixed_encoding"
    assert "rows 2 are UTF-8, rows 3 are not" in err.en and err.fields == ("encoding",)
    assert "`--encoding`" in err.message("en", field_name=lambda f: "--" + f)
    err = refused(sqlite_store, path, encoding="gbk")
    assert err.code == "mixed_encoding"


def test_a_gbk_file_larger_than_the_sniff_window_is_read_as_gbk(sqlite_store: Store,
                                                                tmp_path: Path) -> None:  # fmt: skip
    setup_ws(sqlite_store)
    frame = rows(3, comment=["很好", "一般", "太慢了"])
    path = tmp_path / "g.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    rep = import_responses(sqlite_store, path, workspace="acme", survey="mini", now=NOW)
    assert rep.encoding == "gb18030"
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert back["comment"].tolist() == ["很好", "一般", "太慢了"]


# ------------------------------------------------------------------ 4. ambiguous dates


def test_day_month_ambiguous_dates_are_refused_without_a_declared_format(
    sqlite_store: Store, tmp_path: Path
) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "dm.csv"
    rows(2, submitted_at=["01/02/2026", "13/02/2026"]).to_csv(path, index=False)
    err = refused(sqlite_store, path)
    assert [p.row for p in err.problems] == [2, 3]
    assert all("ambiguous" in p.en for p in err.problems)
    rep = import_responses(sqlite_store, path, workspace="acme", survey="mini",
                           date_format="DD/MM/YYYY", now=NOW)  # fmt: skip
    assert rep.inserted == 2
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    local = back["submitted_at"].dt.tz_convert("Asia/Shanghai").dt.strftime("%m-%d").tolist()
    assert local == ["02-01", "02-13"]  # both read day first


def test_a_declared_format_applies_to_every_row(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "mixedfmt.csv"
    rows(2, submitted_at=["02/13/2026", "2026-02-14"]).to_csv(path, index=False)
    err = refused(sqlite_store, path, date_format="MM/DD/YYYY")
    assert [p.row for p in err.problems] == [3]
    assert "declared date format `MM/DD/YYYY`" in err.problems[0].en


def test_mapping_file_declares_the_date_format(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "m.csv"
    rows(1, submitted_at=["03/02/2026 14:05"]).to_csv(path, index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("date_format: DD/MM/YYYY\n", encoding="utf-8")
    import_responses(sqlite_store, path, workspace="acme", survey="mini", mapping_file=mapping,
                     now=NOW)  # fmt: skip
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert back["submitted_at"].iloc[0] == pd.Timestamp("2026-02-03 06:05", tz="UTC")


# ------------------------------------------------------------------ 5. periods


@pytest.mark.parametrize(
    ("period", "message"),
    [("2026Q5", "is not a quarter"), ("banana", "is not a quarter"),
     ("2026Q3", "contradicts the submission date")],
)  # fmt: skip
def test_periods_are_checked_against_the_scheme_and_the_date(
    sqlite_store: Store, tmp_path: Path, period: str, message: str
) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "p.csv"
    rows(2, period=["2026Q1", period]).to_csv(path, index=False)
    err = refused(sqlite_store, path)
    assert err.problems[0].row == 3 and err.problems[0].column == "period"
    assert message in err.problems[0].en


def test_periods_are_normalised_and_a_late_wave_within_grace_is_accepted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "p.csv"
    frame = rows(2, period=["2026-q1", "2026Q1"])
    frame["submitted_at"] = ["2026-03-01", "2026-04-20"]  # fielded 20 days after the quarter
    frame.to_csv(path, index=False)
    import_responses(sqlite_store, path, workspace="acme", survey="mini", now=NOW)
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert back["period"].tolist() == ["2026Q1", "2026Q1"]


def test_declared_waves(sqlite_store: Store, tmp_path: Path) -> None:
    survey = dict(SURVEY, periods={"scheme": "waves", "waves": [
        {"name": "W1", "from": "2026-03-01", "to": "2026-03-15"}, {"name": "pilot"}]})  # fmt: skip
    setup_ws(sqlite_store, survey)
    path = tmp_path / "w.csv"
    rows(3, period=["W1", "", "pilot"]).to_csv(path, index=False)
    import_responses(sqlite_store, path, workspace="acme", survey="mini", now=NOW)
    _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert back["period"].tolist() == ["W1", "W1", "pilot"]  # blank: the wave of its date
    bad = tmp_path / "bad.csv"
    rows(1, period=["W2"], response_id=["x"]).to_csv(bad, index=False)
    assert "declared waves: W1, pilot" in refused(sqlite_store, bad).problems[0].en


# ------------------------------------------------------------------ 6. formula injection

EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "'=already", "普通文字"]


def test_exports_neutralise_formulas_and_round_trip(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    src = tmp_path / "in.csv"
    frame = rows(len(EVIL), comment=EVIL)
    frame["submitted_at"] = "2026-03-01 10:00"
    write_table(frame, src)  # the CSV convention: a leading apostrophe before =+-@ is escaping
    import_responses(sqlite_store, src, workspace="acme", survey="mini", now=NOW)
    _, stored = load_responses(sqlite_store, workspace="acme", survey="mini")
    assert stored["comment"].tolist() == EVIL
    csv_out, _ = export_to_file(sqlite_store, "responses", tmp_path / "o.csv", workspace="acme",
                                survey="mini", include_personal_data=True)  # fmt: skip
    raw = pd.read_csv(csv_out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert raw["comment"].tolist()[:3] == ["'" + EVIL[0], "'+1+1", "'-2+3"]
    assert all(not v.startswith(("=", "+", "-", "@", "\t")) for v in raw["comment"])
    xlsx_out, _ = export_to_file(sqlite_store, "responses", tmp_path / "o.xlsx", workspace="acme",
                                 survey="mini", include_personal_data=True)  # fmt: skip
    ws = openpyxl.load_workbook(xlsx_out).active
    assert ws is not None
    col = [c.value for c in ws[1]].index("comment") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, 2 + len(EVIL))]
    assert all(c.data_type == "s" for c in cells)  # strings, never formulas
    assert [c.value for c in cells] == EVIL
    for out in (csv_out, xlsx_out):  # import -> export -> import keeps the original text
        with sqlite_store.session() as s:
            s.execute(text("DELETE FROM response"))
        import_responses(sqlite_store, out, workspace="acme", survey="mini", now=NOW)
        _, back = load_responses(sqlite_store, workspace="acme", survey="mini")
        assert back["comment"].tolist() == EVIL


# ------------------------------------------------------------------ 9. junk files


def test_a_junk_xlsx_is_a_clear_error(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    junk = tmp_path / "junk.xlsx"
    with zipfile.ZipFile(junk, "w") as z:
        z.writestr("[Content_Types].xml", "<Types><unclosed")
        z.writestr("xl/workbook.xml", "<workbook")
    err = refused(sqlite_store, junk)
    assert "not a valid or complete Excel workbook" in err.en


# ------------------------------------------------------------------ 10. whole numbers


def test_half_points_on_an_integer_scale_are_refused(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "h.csv"
    rows(2, rel1_perceived=[4, 3.5]).to_csv(path, index=False)
    err = refused(sqlite_store, path)
    assert [(p.row, p.column) for p in err.problems] == [(3, "rel1_perceived")]
    assert "whole numbers only" in err.problems[0].en
    ok = tmp_path / "ok.csv"
    rows(2).to_csv(ok, index=False)  # wait_perceived 7.5 minutes: a quantity, decimals fine
    assert (
        import_responses(sqlite_store, ok, workspace="acme", survey="mini", now=NOW).inserted == 2
    )


def test_ragged_rows_are_refused_not_filled_with_blanks(sqlite_store: Store,
                                                        tmp_path: Path) -> None:  # fmt: skip
    setup_ws(sqlite_store)
    path = tmp_path / "r.csv"
    path.write_text(
        "response_id,submitted_at,site,rel1_perceived,comment\n"
        "r1,2026-03-01,SH01,4,好\n"
        "r2,2026-03-01,SH01,4\n"  # one field short
        "r3,2026-03-01,SH01,4,慢,还丢件\n",  # an unquoted comma in the text
        encoding="utf-8",
    )
    err = refused(sqlite_store, path)
    assert err.code == "ragged_rows"
    assert [p.row for p in err.problems] == [3, 4]
    assert "has 4 fields but the header has 5" in err.problems[0].en


def test_a_huge_text_cell_gets_the_length_message(sqlite_store: Store, tmp_path: Path) -> None:
    setup_ws(sqlite_store)
    path = tmp_path / "huge.csv"
    rows(2, comment=["短", "长" * 352_000]).to_csv(path, index=False)
    err = refused(sqlite_store, path)
    assert [(p.row, p.column) for p in err.problems] == [(3, "comment")]
    assert "352000 characters long, over the 10000 limit" in err.problems[0].en
