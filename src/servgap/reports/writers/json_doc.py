"""``report.json``: the whole report (scope, findings, missing reasons, tables as records)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from servgap.reports.model import Report
from servgap.services.files import write_text


class JsonWriter:
    format = "json"
    name = "report.json"

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        return [out_dir / self.name]

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)
        personal = any(t.personal for t in report.tables())
        return [write_text(out_dir / self.name, text + "\n", personal=personal, force=force,
                           protected=protected)]  # fmt: skip
