"""``report.xlsx``: a summary sheet with the findings, then one sheet per table.

* Sheet names are the tables' titles in the report's language (Chinese in a
  zh report), cut to Excel's 31 characters, without the characters Excel
  forbids (``[]:*?/\\``), and unique (Excel compares them case-insensitively).
* Each table sheet has a styled header row, frozen panes below it, an
  autofilter, and column widths from the content (a CJK character counts two).
* Numbers are stored as numbers with a number format (``0.0%`` for shares,
  ``0`` for counts, ``0.000`` for means, ``0.00E+00`` for p-values), times as
  Excel date-times in the workspace's time zone; text is always a string cell,
  never a formula, whatever it starts with.
* The summary sheet lists what the report covers, every section's findings or
  the reason it has none, and links to the section's table sheets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from servgap.i18n import t
from servgap.reports.model import ColumnFormat, Report, Table
from servgap.reports.writers._cells import plain
from servgap.services.files import write_bytes

MAX_SHEET_NAME = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS: dict[ColumnFormat, str] = {
    "integer": "0",
    "decimal": "0.000",
    "percent": "0.0%",
    "pvalue": "0.00E+00",
    "datetime": "yyyy-mm-dd hh:mm",
}
HEADER_FILL = "DDE4EE"
SECTION_FILL = "EEF2F7"
MAX_COLUMN_WIDTH = 60


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_names(titles: Iterable[str], reserved: Iterable[str] = ()) -> list[str]:
    """Valid, unique Excel sheet names for ``titles`` (see the module docstring)."""
    used = {r.lower() for r in reserved}
    out: list[str] = []
    for title in titles:
        base = _FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
        base = re.sub(r"\s+", " ", base)[:MAX_SHEET_NAME].rstrip()
        name, k = base, 2
        while name.lower() in used:
            suffix = f" ({k})"
            name, k = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix, k + 1
        used.add(name.lower())
        out.append(name)
    return out


class XlsxWriter:
    format = "xlsx"
    name = "report.xlsx"

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        return [out_dir / self.name]

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        personal = any(tb.personal for tb in report.tables())
        path = write_bytes(out_dir / self.name, lambda tmp: workbook(report).save(tmp),
                           personal=personal, force=force, protected=protected)  # fmt: skip
        return [path]


def workbook(report: Report) -> Any:
    """The report as an openpyxl ``Workbook`` (not saved)."""
    from openpyxl import Workbook

    wb = Workbook()
    summary = wb.active
    summary.title = t("report_sheet_summary", report.lang)
    tables = report.tables()
    names = sheet_names([tb.title for tb in tables], reserved=[summary.title])
    sheet_of = {id(tb): name for tb, name in zip(tables, names, strict=True)}
    _summary(summary, report, sheet_of)
    tz = report.meta.get("timezone")
    for tb, name in zip(tables, names, strict=True):
        _table_sheet(wb.create_sheet(title=name), tb, tz)
    return wb


def _text(ws: Any, row: int, col: int, value: str) -> Any:
    """A string cell (never a formula), illegal control characters replaced."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ws.cell(row=row, column=col)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell.data_type = "s"
    return cell


def _summary(ws: Any, report: Report, sheet_of: dict[int, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    _text(ws, row, 1, report.title).font = Font(bold=True, size=14)
    row += 1
    for line in report.scope:
        _text(ws, row, 1, line)
        row += 1
    for s in report.sections:
        row += 1
        head = _text(ws, row, 1, s.title)
        head.font = Font(bold=True, size=12)
        head.fill = PatternFill("solid", fgColor=SECTION_FILL)
        row += 1
        if s.missing:
            cell = _text(ws, row, 1, t("report_missing", report.lang, reason=s.missing))
            cell.font = Font(italic=True, color="9C0006")
            cell.alignment = wrap
            row += 1
        for finding in s.findings:
            _text(ws, row, 1, "• " + finding).alignment = wrap
            row += 1
        for tb in s.tables:
            name = sheet_of[id(tb)]
            link = _text(ws, row, 1, "→ " + name)
            link.hyperlink = f"#'{name}'!A1"
            link.font = Font(color="0563C1", underline="single")
            row += 1
    ws.column_dimensions["A"].width = 120


def _table_sheet(ws: Any, table: Table, timezone: str | None) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    border = Border(bottom=Side(style="thin", color="8EA0B8"))
    cols = [str(c) for c in table.frame.columns]
    widths = [_width(c) for c in cols]
    for j, name in enumerate(cols, start=1):
        cell = _text(ws, 1, j, name)
        cell.font, cell.fill, cell.border = bold, fill, border
        cell.alignment = Alignment(horizontal="center", vertical="center")
    formats = [NUMBER_FORMATS.get(table.formats.get(c, "text")) for c in cols]
    for i, rec in enumerate(table.frame.itertuples(index=False, name=None), start=2):
        for j, raw in enumerate(rec, start=1):
            value = plain(raw, timezone)
            if value is None:
                continue
            if isinstance(value, str):
                _text(ws, i, j, value)
                widths[j - 1] = max(widths[j - 1], min(_width(value), MAX_COLUMN_WIDTH))
                continue
            cell = ws.cell(row=i, column=j, value=value)
            fmt = formats[j - 1]
            if fmt is not None and not isinstance(value, bool):
                cell.number_format = fmt
            widths[j - 1] = max(widths[j - 1], 12 if fmt else 8)
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(table.frame) + 1, 1)}"
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), MAX_COLUMN_WIDTH)
