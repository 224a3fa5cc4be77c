"""Fuzzing the response importer (issue 8): generated CSV and XLSX files must either import
exactly what a careful reading of the cells gives, or be refused with nothing written.

The generator knows, cell by cell, what it wrote and whether a careful reader must accept
it (the oracle below), so a success is checked value by value against the generated rows,
not against servgap's own reading. `make test` runs a small derandomized budget (profile
`ci` under CI=true); `make fuzz` runs the random search with a large budget (profile
`fuzz`). Shrunk failures are kept as ordinary tests at the end of this file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from servgap.core.errors import InputError
from servgap.core.parse import restore_cell
from servgap.core.survey import MAX_TEXT_CHARS
from servgap.services.context import Store, ensure_workspace
from servgap.services.responses import import_responses, load_responses
from servgap.services.surveys import save_definition
from servgap.settings import Settings
from servgap.store.models import Site

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
SURVEY = {
    "code": "fz",
    "title": {"zh": "模糊测试", "en": "Fuzz"},
    "scale": {"min": 1, "max": 5},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "可靠", "en": "Reliable"}},
        {"code": "wait", "type": "likert", "unit": "minutes", "scale": {"min": 0, "max": 240},
         "text": {"zh": "等候", "en": "Wait"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐", "en": "Recommend"}},
        {"code": "comment", "type": "text", "text": {"zh": "意见", "en": "Comment"}},
    ],
}  # fmt: skip
COLUMNS = ["response_id", "submitted_at", "site", "rel1_adequate", "rel1_desired",
           "rel1_perceived", "wait", "nps", "comment"]  # fmt: skip


@dataclass(frozen=True)
class Cell:
    raw: Any  # what goes into the file
    ok: bool  # must a careful reader accept it?
    value: Any  # what must be stored when accepted (None: empty)


def _number_cells(lo: int, hi: int, whole: bool, bad: bool) -> st.SearchStrategy[Cell]:
    good_int = st.integers(lo, hi).map(lambda v: Cell(str(v), True, v))
    good_float = st.integers(lo, hi).map(lambda v: Cell(f"{v}.0", True, v))
    out_of_scale = st.one_of(st.integers(hi + 1, hi + 1000), st.integers(lo - 1000, lo - 1)).map(
        lambda v: Cell(str(v), False, None)
    )
    junk = st.sampled_from(["x", "三", "1e999", "nan", "--1", "4/5", "∞"]).map(
        lambda v: Cell(v, False, None)
    )
    blank = st.just(Cell("", True, None))
    half = st.integers(lo, hi - 1).map(
        lambda v: Cell(f"{v}.5", not whole, None if whole else v + 0.5)
    )
    if not bad:
        return st.one_of(good_int, good_float, blank, *([] if whole else [half]))
    return st.one_of(good_int, good_float, out_of_scale, junk, blank, half)


_WINDOW = (dt.datetime(2020, 1, 1), dt.datetime(2026, 11, 1))


@st.composite
def _date_cell(draw: st.DrawFn, bad: bool) -> Cell:
    kinds = ["iso", "slash", "offset", "cn", "blank"] + (["bad"] if bad else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "blank":
        return Cell("", True, None)
    if kind == "bad":
        bad = draw(st.sampled_from(["01/02/2026", "13/02/2026", "banana", "9999-12-31",
                                    "1989-06-01", "2026-02-30", "2026-13-01", "2026-03-01 25:00",
                                    "0202-03-01", "2027-06-01"]))  # fmt: skip
        return Cell(bad, False, None)
    when = draw(st.datetimes(min_value=_WINDOW[0], max_value=_WINDOW[1])).replace(microsecond=0)
    if kind == "iso":
        return Cell(when.strftime("%Y-%m-%d %H:%M:%S"), True, when.replace(tzinfo=TZ))
    if kind == "slash":
        return Cell(f"{when.year}/{when.month}/{when.day} {when:%H:%M}", True,
                    when.replace(second=0, tzinfo=TZ))  # fmt: skip
    if kind == "cn":
        return Cell(f"{when.year}年{when.month}月{when.day}日", True,
                    dt.datetime(when.year, when.month, when.day, tzinfo=TZ))  # fmt: skip
    return Cell(when.strftime("%Y-%m-%dT%H:%M:%S+00:00"), True, when.replace(tzinfo=dt.UTC))


_TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")


@st.composite
def _text_cell(draw: st.DrawFn, bad: bool) -> Cell:
    if bad and draw(st.integers(0, 30)) == 0:
        huge = "长" * (MAX_TEXT_CHARS + 1)
        return Cell(huge, False, None)
    s = draw(
        st.one_of(
            st.text(_TEXT_ALPHABET, max_size=60),
            st.sampled_from(['=HYPERLINK("http://x","y")', "+1", "-1", "@A1", "'=x", "\t=1",
                             "快递员很好，电话13812345678", 'say "hi", ok', "a\nb", "a\r\nb"]),
        )
    )  # fmt: skip
    stored = restore_cell(s)  # the CSV convention: one leading ' before =+-@ is escaping
    return Cell(s, True, None if not stored.strip() else stored)


@st.composite
def responses(draw: st.DrawFn) -> list[dict[str, Cell]]:
    n = draw(st.integers(1, 8))
    bad = draw(st.booleans())  # half the files are clean: the success path must be exercised
    sites = [Cell("SH01", True, "SH01"), Cell("", True, None)] + (
        [Cell("XX99", False, None)] if bad else []
    )
    out = []
    for i in range(n):
        out.append(
            {
                "response_id": Cell(f"id{i}", True, f"id{i}"),
                "submitted_at": draw(_date_cell(bad)),
                "site": draw(st.sampled_from(sites)),
                "rel1_adequate": draw(_number_cells(1, 5, True, bad)),
                "rel1_desired": draw(_number_cells(1, 5, True, bad)),
                "rel1_perceived": draw(_number_cells(1, 5, True, bad)),
                "wait": draw(_number_cells(0, 240, False, bad)),
                "nps": draw(_number_cells(0, 10, True, bad)),
                "comment": draw(_text_cell(bad)),
            }
        )
    return out


def _csv_bytes(rows: list[dict[str, Cell]], encoding: str) -> bytes:
    buf = io.StringIO(newline="")
    # CRLF as RFC 4180 says: a field holding CR or LF is then quoted (with "\n" as the
    # terminator Python leaves a bare CR unquoted, which every reader takes as a line break)
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r[c].raw for c in COLUMNS])
    return buf.getvalue().encode(encoding)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    home = tmp_path_factory.mktemp("fuzz")
    store = Store.open(Settings(database_url=f"sqlite:///{home / 's.sqlite'}", home=home))
    with store.session() as s:
        ws = ensure_workspace(s, "fz", "模糊", "Fuzz")
        s.add(Site(workspace_id=ws.id, code="SH01", name_zh="上海", name_en="SH", kind="outlet"))
        save_definition(s, ws, SURVEY)
    yield store
    store.dispose()


def _clear(store: Store) -> None:
    with store.session() as s:
        s.execute(text("DELETE FROM response"))
        s.execute(text("DELETE FROM customer"))


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blank_none(text: str) -> str | None:
    return text if text.strip() else None


def _ambiguous(data: bytes) -> bool:
    """Bytes a careful reader cannot attribute: valid UTF-8 and valid GB18030, with non-ASCII
    text but no UTF-8 character of three or more bytes (no CJK when read as UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        text = data.decode("utf-8")
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return not text.isascii() and not any(ord(ch) >= 0x800 for ch in text)


def _check(store: Store, path: Path, rows: list[dict[str, Cell]]) -> None:
    _clear(store)
    if path.suffix == ".csv" and _ambiguous(path.read_bytes()):
        event("ambiguous encoding")
        with pytest.raises(InputError, match="reads both as UTF-8 and as GBK"):
            import_responses(store, path, workspace="fz", survey="fz", now=NOW)
        return
    should_pass = all(c.ok for r in rows for c in r.values())
    try:
        import_responses(store, path, workspace="fz", survey="fz", now=NOW)
    except InputError as exc:
        with store.session() as s:
            assert s.execute(text("SELECT count(*) FROM response")).scalar_one() == 0
        event(f"refused: {exc.code}")
        assert not should_pass, exc.message("en")
        assert exc.problems or exc.code in ("invalid_file", "ragged_rows", "mixed_encoding")
        return
    event("imported")
    assert should_pass, "a file with a bad cell was imported"
    _, frame = load_responses(store, workspace="fz", survey="fz")
    assert len(frame) == len(rows)
    for r, (_, got) in zip(rows, frame.iterrows(), strict=True):
        for col in COLUMNS:
            want = r[col].value
            have = got[col]
            if col == "submitted_at":
                if want is None:
                    assert have is None or have != have  # NaT
                else:
                    assert have.to_pydatetime() == want.astimezone(dt.UTC), col
            elif want is None:
                assert have is None or have != have, (col, have)
            elif isinstance(want, float | int) and not isinstance(want, bool):
                assert float(have) == float(want), (col, have, want)
            elif path.suffix == ".xlsx" and isinstance(want, str):
                # a workbook may keep a CR (written _x000D_) or turn it into LF (XML line ends)
                assert _lf(have) == _lf(want), (col, have, want)
            else:
                assert have == want, (col, have, want)


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                     HealthCheck.too_slow])  # fmt: skip


@FUZZ
@given(rows=responses(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_csv_imports_exactly_or_refuses(
    fuzz_store: Store, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Cell]],
    encoding: str,
) -> None:  # fmt: skip
    try:
        data = _csv_bytes(rows, encoding)
    except UnicodeEncodeError:
        data = _csv_bytes(rows, "utf-8")
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(data)
    _check(fuzz_store, path, rows)


@FUZZ
@given(rows=responses())
def test_xlsx_imports_exactly_or_refuses(
    fuzz_store: Store, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Cell]]
) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(COLUMNS)
    for r in rows:
        cells = []
        for c in COLUMNS:
            raw = r[c].raw
            cell = openpyxl.cell.cell.Cell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(raw)))
            cell.data_type = "s"  # typed text, as a survey platform exports it
            cells.append(cell)
        ws.append(cells)
    # the oracle for xlsx text: control characters cannot be stored in a workbook at all
    rows = [
        {**r, "comment": Cell(
            r["comment"].raw, r["comment"].ok,
            None if r["comment"].value is None
            # XML end-of-line handling: a workbook stores CR LF and a lone CR as LF
            else _blank_none(ILLEGAL_CHARACTERS_RE.sub("", r["comment"].raw)
                             .replace("\r\n", "\n").replace("\r", "\n"))
        )} for r in rows
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("xlsx") / "f.xlsx"
    wb.save(path)
    _check(fuzz_store, path, rows)


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_arbitrary_bytes_never_crash(
    fuzz_store: Store, tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"junk{suffix}"
    path.write_bytes(b"response_id,submitted_at,nps\n" + data if suffix == ".csv" else data)
    _clear(fuzz_store)
    try:
        import_responses(fuzz_store, path, workspace="fz", survey="fz", now=NOW)
    except InputError:
        with fuzz_store.session() as s:
            assert s.execute(text("SELECT count(*) FROM response")).scalar_one() == 0
