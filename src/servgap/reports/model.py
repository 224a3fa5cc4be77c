"""What a built report is: sections of findings and tables, in one language.

A :class:`Report` is built once (:func:`servgap.reports.build.build_report`)
from the service results and then handed to any writer (md, json, xlsx, csv;
pdf and pptx later): writers only lay out what is here, they compute nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from servgap.core._result import to_plain
from servgap.i18n import Lang

#: How a column's numbers are shown (spreadsheet number formats, markdown rounding).
ColumnFormat = Literal["integer", "decimal", "percent", "pvalue", "datetime", "text", "bool"]

_PERCENT = re.compile(
    r"^(share_.*|.*_share|.*share_within_.*|top_box_share|service_level|p_abandon|occupancy|"
    r"coverage|target_sl|confidence|shrinkage)$"
)
_PVALUE = re.compile(r"^(p|p_.*|.*_p)$")
_INTEGER = re.compile(r"^(n|n_.*|.*_n|rank|count|complaint_rank|intervals|interval_s)$")


def column_formats(frame: pd.DataFrame) -> dict[str, ColumnFormat]:
    """The display format of each column, from its dtype and its name.

    Shares (``share_below``, ``service_level`` ...) are percentages, p-values
    are shown in scientific notation, counts (``n``, ``n_*``) as integers.
    """
    out: dict[str, ColumnFormat] = {}
    for col in frame.columns:
        name, s = str(col), frame[col]
        if pd.api.types.is_bool_dtype(s):
            out[name] = "bool"
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[name] = "datetime"
        elif not pd.api.types.is_numeric_dtype(s):
            out[name] = "text"
        elif _PERCENT.match(name):
            out[name] = "percent"
        elif _PVALUE.match(name):
            out[name] = "pvalue"
        elif pd.api.types.is_integer_dtype(s) or _INTEGER.match(name):
            out[name] = "integer"
        else:
            out[name] = "decimal"
    return out


@dataclass(frozen=True)
class Table:
    """One table of a section.

    ``name`` is a stable, file-safe identifier (``servqual_dimensions``: the CSV
    file name and the JSON key); ``title`` is in the report's language (the
    spreadsheet's sheet name). ``personal``: holds customer data (files with it
    are written private, mode 0600).
    """

    name: str
    title: str
    frame: pd.DataFrame
    formats: Mapping[str, ColumnFormat] = field(default_factory=dict)
    personal: bool = False

    @classmethod
    def of(cls, name: str, title: str, frame: pd.DataFrame, *, personal: bool = False) -> Table:
        frame = frame.reset_index(drop=True)
        return cls(name, title, frame, column_formats(frame), personal)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "rows": to_plain(self.frame),
            "formats": dict(self.formats),
        }


@dataclass(frozen=True)
class Figure:
    """A chart drawn from one of the section's tables (``kind`` says which chart)."""

    name: str
    title: str
    kind: Literal["demand_capacity"]
    table: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "kind": self.kind, "table": self.table}


@dataclass(frozen=True)
class Section:
    """A titled part of the report: findings (sentences), tables, figures.

    ``missing`` says why the section has no results ("no demand data for
    2026Q3"); a section is never left out silently.
    """

    name: str
    title: str
    findings: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    missing: str | None = None

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "findings": list(self.findings),
            "missing": self.missing,
            "tables": {t.name: t.to_dict() for t in self.tables},
            "figures": [f.to_dict() for f in self.figures],
        }


@dataclass(frozen=True)
class Report:
    """A built report in one language: a title, what it covers, and its sections."""

    title: str
    lang: Lang
    scope: tuple[str, ...]
    sections: tuple[Section, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "lang": self.lang,
            "scope": list(self.scope),
            **{k: to_plain(v) for k, v in self.meta.items()},
            "sections": [s.to_dict() for s in self.sections],
        }
