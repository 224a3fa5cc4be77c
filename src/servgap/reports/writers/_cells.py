"""Cell values shared by the writers: plain Python values, local naive times, safe file names."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from servgap.reports.model import ColumnFormat, Report, Table

_UNSAFE = re.compile(r"[^\w.-]+")


def file_stem(name: str) -> str:
    """A table name usable as a file name in any file system."""
    return _UNSAFE.sub("_", name).strip("._") or "table"


def unique_stems(report: Report) -> list[str]:
    """A file stem per table of ``report.tables()``, unique within the report (``x``, ``x_2``)."""
    out: list[str] = []
    used: set[str] = set()
    for table in report.tables():
        stem = base = file_stem(table.name)
        k = 2
        while stem.lower() in used:
            stem, k = f"{base}_{k}", k + 1
        used.add(stem.lower())
        out.append(stem)
    return out


def plain(value: Any, timezone: str | None) -> Any:
    """A cell as str, int, float, bool, naive local datetime or None (missing)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_convert(timezone or "UTC").tz_localize(None)
        return ts.to_pydatetime()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, list | tuple | set):
        return ", ".join(str(plain(v, timezone)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def display(value: Any, fmt: ColumnFormat, timezone: str | None) -> str:
    """A cell as text for Markdown, in the column's format."""
    v = plain(value, timezone)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "✓" if v else ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, int | float) and not isinstance(v, bool):
        if fmt == "percent":
            return f"{v:.1%}"
        if fmt == "integer":
            return f"{v:,.0f}"
        if fmt == "pvalue":
            return f"{v:.2g}"
        return f"{v:.3f}" if abs(v) < 1e6 else f"{v:.4g}"
    return str(v)


def rows(table: Table, timezone: str | None) -> list[list[Any]]:
    return [
        [plain(v, timezone) for v in rec] for rec in table.frame.itertuples(index=False, name=None)
    ]
