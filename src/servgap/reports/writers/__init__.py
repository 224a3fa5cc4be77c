"""Writers: one output format each, over the same built report.

A writer lays out a :class:`~servgap.reports.model.Report` (it computes nothing)
and writes every file through :mod:`servgap.services.files` (atomic, never over
the store, an existing file only with ``force``). To add a format (pdf, pptx),
write a module with a :class:`Writer` and add it to :data:`WRITERS`.

:func:`write_report` first checks every file it is going to write, so that an
earlier report in the same folder is either replaced as a whole (``force``) or
left untouched, with one error naming its files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from servgap.core.errors import InputError, Problem, UsageError
from servgap.reports.model import Report
from servgap.reports.writers.csv_tables import CsvWriter
from servgap.reports.writers.excel import XlsxWriter
from servgap.reports.writers.json_doc import JsonWriter
from servgap.reports.writers.markdown import MarkdownWriter
from servgap.reports.writers.pdf import PdfWriter
from servgap.reports.writers.pptx import PptxWriter
from servgap.services.files import check_target


class Writer(Protocol):
    """One output format of the report."""

    format: str

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        """Every file :meth:`write` will write (checked before anything is written)."""
        ...

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        """Write the files; return their paths."""
        ...


WRITERS: dict[str, Writer] = {
    w.format: w
    for w in (MarkdownWriter(), JsonWriter(), XlsxWriter(), CsvWriter(), PdfWriter(), PptxWriter())
}
#: Formats of ``servgap report`` when none are named.
DEFAULT_FORMATS: tuple[str, ...] = ("md", "json", "xlsx")


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"md,json,xlsx"`` -> ``("md", "json", "xlsx")``; an unknown format is an error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(x.strip().lower() for x in items if x.strip()))
    unknown = [f for f in formats if f not in WRITERS]
    if unknown or not formats:
        raise UsageError(
            f"Unknown report format(s) {', '.join(unknown) or '(none given)'} in `format`; use "
            f"any of {', '.join(WRITERS)}, comma-separated (e.g. md,json,xlsx).",
            f"`format` 中有未知的报告格式 {'、'.join(unknown) or '（未指定）'}；可用 "
            f"{'、'.join(WRITERS)}，以逗号分隔（如 md,json,xlsx）。",
            fields=("format",),
        )
    return formats


def write_report(
    report: Report,
    out_dir: Path,
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> tuple[Path, ...]:
    """Write ``report`` to ``out_dir`` in each of ``formats``; return the files written.

    Without ``force`` nothing is written when any of the files exists already
    (a report of an earlier run); the error lists them. With ``force`` they are
    replaced, each atomically.
    """
    chosen = [WRITERS[f] for f in parse_formats(formats)]
    protected = tuple(protected)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"Output folder {out_dir} (`out`) is a file. Give a folder for the report.",
            f"输出文件夹 {out_dir}（`out`）是一个文件。请指定用于存放报告的文件夹。",
            fields=("out",),
        )
    targets = [p for w in chosen for p in w.targets(report, out_dir)]
    existing: list[Path] = []
    for path in targets:
        try:
            check_target(path, force=force, protected=protected)
        except InputError as exc:
            if exc.code != "file_exists":
                raise
            existing.append(path)
    if existing:
        raise InputError(
            f"Output folder {out_dir} already holds {len(existing)} file(s) of an earlier "
            "report (listed below). Nothing was written. Choose another folder, or replace "
            "them with `force`.",
            f"输出文件夹 {out_dir} 中已有早先报告的 {len(existing)} 个文件（见下）。未写入任何文件。"
            "请换一个文件夹，或用 `force` 覆盖它们。",
            code="file_exists",
            fields=("force",),
            problems=[Problem(en="already exists.", zh="已存在。", file=p.name) for p in existing],
        )
    written: list[Path] = []
    for w in chosen:
        written += w.write(report, out_dir, force=force, protected=protected)
    return tuple(written)


__all__ = ["DEFAULT_FORMATS", "WRITERS", "Writer", "parse_formats", "write_report"]
