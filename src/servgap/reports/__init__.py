"""Reports built from service results, and the writers that lay them out.

The three steps, each replaceable on its own::

    data = report_data(store, ReportRequest(workspace, period="2026Q3"))  # services: results
    report = build_report(data, lang="zh")            # sections: findings, tables, missing
    write_report(report, out_dir, formats=("md", "json", "xlsx"))   # writers: files

:func:`run_report` does all three for the command line, the demo and the web.
Charts live in :mod:`servgap.reports.charts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servgap.i18n import Lang
from servgap.reports.build import build_report, summary_text
from servgap.reports.model import Figure, Report, Section, Table
from servgap.reports.writers import DEFAULT_FORMATS, WRITERS, parse_formats, write_report
from servgap.services.context import Store
from servgap.services.report import ReportRequest, report_data


@dataclass(frozen=True)
class WrittenReport:
    """A built report and the files it was written to."""

    report: Report
    out_dir: Path
    files: tuple[Path, ...]

    @property
    def summary_text(self) -> str:
        return summary_text(self.report)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "files": [str(f) for f in self.files],
            **self.report.to_dict(),
        }


def run_report(
    store: Store,
    request: ReportRequest,
    *,
    lang: Lang,
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> WrittenReport:
    """Compute, build and write the report (see the module docstring).

    The formats are checked before anything is computed; the files are checked
    before anything is written (``force`` replaces an earlier report's files).
    """
    chosen = parse_formats(formats)
    report = build_report(report_data(store, request), lang=lang)
    protected = (*store.protected_files(), *protected)
    files = write_report(report, out_dir, formats=chosen, force=force, protected=protected)
    return WrittenReport(report, Path(out_dir), files)


__all__ = [
    "DEFAULT_FORMATS",
    "WRITERS",
    "Figure",
    "Report",
    "ReportRequest",
    "Section",
    "Table",
    "WrittenReport",
    "build_report",
    "parse_formats",
    "report_data",
    "run_report",
    "summary_text",
    "write_report",
]
