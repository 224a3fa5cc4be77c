"""One CSV file per table (UTF-8 with BOM, so Excel shows Chinese), named by the table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from servgap.reports.model import Report
from servgap.reports.writers._cells import unique_stems
from servgap.services.files import write_table


class CsvWriter:
    format = "csv"

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        return [out_dir / f"{stem}.csv" for stem in unique_stems(report)]

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        protected = tuple(protected)
        return [
            write_table(
                t.frame,
                out_dir / f"{stem}.csv",
                fmt="csv",
                personal=t.personal,
                force=force,
                protected=protected,
            )
            for t, stem in zip(report.tables(), unique_stems(report), strict=True)
        ]
