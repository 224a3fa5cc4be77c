"""Reading master and operational data files (sites, customers, demand, audits) row by row.

Every such import follows the rules of the response import: the file is read
by :func:`servgap.services.tabular.open_table` (CSV in UTF-8/BOM/GBK, .xlsx, …;
encodings and ragged rows checked), each cell by :mod:`servgap.core.parse`
(numbers, dates never guessed, plausible times), every bad cell is listed
with its file, row, column, value and fix, and the caller writes inside one
transaction that is rolled back when anything was wrong.

A file's headers are matched to the fields of a :class:`TableSpec` by name
(case, spaces, dots and hyphens ignored), by the field's aliases (Chinese
headers such as 网点, 时段开始), or by a mapping YAML::

    columns: {呼入量: arrivals, 开始时间: interval_start}
    ignore: [备注]
    timezone: Asia/Shanghai
    date_format: DD/MM/YYYY
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from servgap.core.errors import InputError, Problem, ProblemCollector, UsageError
from servgap.core.parse import CellError, DateFormat, check_window, parse_datetime, parse_number
from servgap.services.mapping import read_mapping_file
from servgap.services.tabular import Progress, Table, open_table

MAX_PROBLEMS = 100_000


@dataclass(frozen=True)
class Field:
    """One column of an import file.

    ``kind``: text, code (no spaces), int, float, datetime, date, choice,
    list (``;``-separated codes), bool.
    """

    name: str
    kind: str = "text"
    required: bool = False  # the column must be in the file
    aliases: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    max_len: int = 200
    help_en: str = ""
    help_zh: str = ""
    blank_ok: bool = False  # a required column whose cells may be empty (unknown)


@dataclass(frozen=True)
class TableSpec:
    what_en: str
    what_zh: str
    fields: tuple[Field, ...]
    extra: bool = False  # other columns are kept (customer profiles, audit indicators)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def normalise(name: str) -> str:
    return re.sub(r"[\s._\-()（）]+", "", str(name)).lower()


@dataclass
class Reader:
    """Validated records of one file; problems are collected across the whole file."""

    table: Table
    spec: TableSpec
    columns: dict[str, str]  # file header -> field name
    extra_columns: list[str]
    tz: dt.tzinfo
    date_format: DateFormat | None
    now: dt.datetime
    source: str
    pc: ProblemCollector = field(default_factory=ProblemCollector)
    n_problems: int = 0

    def problem(
        self, en: str, zh: str, *, row: int | None, column: str | None, value: Any = None
    ) -> None:
        self.n_problems += 1
        if len(self.pc) < MAX_PROBLEMS:
            self.pc.add(en, zh, file=self.source, row=row, column=column, value=value)

    def records(self, progress: Progress | None = None) -> Iterator[list[dict[str, Any]]]:
        """Chunks of records: {field: value, "_row": n, "_extra": {header: raw}}."""
        inv = self.columns
        for start, frame in self.table.chunks(progress):
            out: list[dict[str, Any]] = []
            cols = {h: frame[h].tolist() for h in frame.columns}
            for i in range(len(frame)):
                row = start + i
                rec: dict[str, Any] = {"_row": row, "_extra": {}, "_raw": {}}
                for header, values in cols.items():
                    raw = values[i]
                    if header in inv:
                        f = self.spec.field(inv[header])
                        if _blank(raw):
                            rec[f.name] = None
                            if f.required and not f.blank_ok:
                                self.problem(
                                    f"`{f.name}` is empty; every row needs it.",
                                    f"`{f.name}` 为空；每一行都必须填写。",
                                    row=row,
                                    column=header,
                                )
                            continue
                        rec["_raw"][f.name] = raw
                        try:
                            rec[f.name] = parse_cell(
                                f, raw, tz=self.tz, date_format=self.date_format, now=self.now
                            )
                        except CellError as exc:
                            rec[f.name] = None
                            self.problem(exc.en, exc.zh, row=row, column=header, value=raw)
                    elif header in self.extra_columns:
                        rec["_extra"][header] = None if _blank(raw) else raw
                out.append(rec)
            yield out

    def raise_if_problems(self) -> None:
        if not self.n_problems:
            return
        shown = len(self.pc)
        more = f" (first {shown} listed)" if shown < self.n_problems else ""
        more_zh = f"（列出前 {shown} 处）" if shown < self.n_problems else ""
        raise InputError(
            f"{self.source}: {self.n_problems} problem(s){more}; nothing was imported. Fix them "
            "and import again:",
            f"{self.source}：共 {self.n_problems} 处问题{more_zh}；未导入任何内容。请修正后重新导入：",
            code="invalid_rows",
            problems=sorted(self.pc.problems, key=lambda p: p.row or 0),
            fields=("on_duplicate", "mapping", "date_format"),
        )


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and not v.strip()


_TRUE = {"1", "true", "yes", "y", "是", "对", "t"}
_FALSE = {"0", "false", "no", "n", "否", "错", "f"}


def parse_cell(
    f: Field, raw: Any, *, tz: dt.tzinfo, date_format: DateFormat | None, now: dt.datetime
) -> Any:
    """One non-blank cell of field ``f``; :class:`CellError` says what is wrong."""
    if f.kind in ("int", "float"):
        v = parse_number(raw)
        if v is None:
            raise CellError("is not a number.", "不是数字。")
        if f.kind == "int" and not v.is_integer():
            raise CellError("must be a whole number.", "必须是整数。")
        if (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
            lo = "" if f.min is None else f"{f.min:g}"
            hi = "" if f.max is None else f"{f.max:g}"
            raise CellError(
                f"is outside the plausible range {lo}–{hi}.", f"超出合理范围 {lo}–{hi}。"
            )
        return int(v) if f.kind == "int" else v
    if f.kind == "datetime":
        when = parse_datetime(raw, tz=tz, date_format=date_format)
        check_window(when, now=now)
        return when
    if f.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        when = parse_datetime(str(raw).strip(), tz=dt.UTC, date_format=date_format)
        return when.date()
    text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    text = text.strip()
    if f.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise CellError("use yes/no (1/0, 是/否).", "请填写 是/否（1/0、yes/no）。")
    if len(text) > f.max_len:
        raise CellError(f"is longer than {f.max_len} characters.", f"超过 {f.max_len} 个字符。")
    if f.kind == "code":
        if re.search(r"\s", text):
            raise CellError("a code cannot contain spaces.", "代码中不能有空格。")
        return text
    if f.kind == "choice":
        choice = text.lower()
        if choice not in f.options:
            raise CellError(
                f"use one of {', '.join(f.options)}.", f"可选值：{'、'.join(f.options)}。"
            )
        return choice
    if f.kind == "list":
        items = [x.strip() for x in re.split(r"[;；]", text) if x.strip()]
        bad = [x for x in items if re.search(r"\s", x)]
        if bad:
            raise CellError(
                "separate several values with ';' (no spaces inside one).",
                "多个值请用 ';' 分隔（单个值内不能有空格）。",
            )
        return items
    return text


def open_reader(
    path: Path,
    spec: TableSpec,
    *,
    workspace_tz: str,
    max_bytes: int,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    date_format: str | None = None,
    now: dt.datetime | None = None,
) -> Reader:
    """Open ``path`` and match its headers to ``spec``; missing required columns are refused."""
    table = open_table(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes)
    mapping = read_mapping_file(mapping_file) if mapping_file is not None else {}
    source = path.name
    names = {f.name for f in spec.fields}
    explicit = {
        str(k): str(v)
        for k, v in (mapping.get("columns") or {}).items()
        if v not in (None, "", "ignore")
    }
    ignored = {str(x) for x in (mapping.get("ignore") or [])}
    ignored |= {
        str(k) for k, v in (mapping.get("columns") or {}).items() if v in (None, "", "ignore")
    }
    problems: list[Problem] = []
    for header, mapped in explicit.items():
        if mapped not in names and not spec.extra:
            problems.append(
                Problem(
                    f"maps to `{mapped}`, which is not a column of a {spec.what_en} file "
                    f"({', '.join(sorted(names))}).",
                    f"映射到 `{mapped}`，但{spec.what_zh}文件没有这一列（{'、'.join(sorted(names))}）。",
                    file=mapping_file.name if mapping_file else None,
                    column=header,
                )
            )
        elif header not in table.columns:
            problems.append(
                Problem(
                    "is named in the mapping but is not in the file's header.",
                    "在映射中出现，但文件表头中没有这一列。",
                    file=source,
                    column=header,
                )
            )
    lookup: dict[str, str] = {}
    for f in spec.fields:
        for alias in (f.name, *f.aliases):
            lookup.setdefault(normalise(alias), f.name)
    columns: dict[str, str] = {}
    extra: list[str] = []
    for header in table.columns:
        if header in ignored:
            continue
        target = explicit.get(header) or lookup.get(normalise(header))
        if target is not None and target in names:
            if target in columns.values():
                other = next(h for h, t in columns.items() if t == target)
                problems.append(
                    Problem(
                        f"and `{other}` both give `{target}`; keep one or name one in the mapping's "
                        "`ignore` list.",
                        f"与 `{other}` 都对应 `{target}`；请保留其一，或在映射文件的 `ignore` 中列出另一个。",
                        file=source,
                        column=header,
                    )
                )
                continue
            columns[header] = target
        elif spec.extra:
            extra.append(header)
    for f in spec.fields:
        if f.required and f.name not in columns.values():
            problems.append(
                Problem(
                    f"the file has no `{f.name}` column (a {spec.what_en} file needs "
                    f"{', '.join(x.name for x in spec.fields if x.required)}). Rename the column or "
                    "map it in a mapping YAML (`mapping`, with `columns: {your header: "
                    + f.name
                    + "}`).",
                    f"文件缺少 `{f.name}` 列（{spec.what_zh}文件必须有 "
                    f"{'、'.join(x.name for x in spec.fields if x.required)}）。请重命名该列，或在映射 YAML 中映射"
                    "（`columns: {原列名: " + f.name + "}`）。",
                    file=source,
                    row=1,
                )
            )
    if problems:
        raise InputError(
            f"{source}: the columns do not fit a {spec.what_en} file; nothing was imported:",
            f"{source}：列与{spec.what_zh}文件的格式不符；未导入任何内容：",
            code="invalid_header",
            problems=problems,
        )
    tzname = str(mapping.get("timezone") or workspace_tz or "Asia/Shanghai")
    try:
        tz: dt.tzinfo = zoneinfo.ZoneInfo(tzname)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"Unknown time zone `{tzname}`; use an IANA name such as Asia/Shanghai.",
            f"时区 `{tzname}` 无效；请使用 IANA 名称，如 Asia/Shanghai。",
            code="invalid_timezone",
        ) from None
    fmt_text = date_format or mapping.get("date_format")
    try:
        fmt = DateFormat.parse(str(fmt_text)) if fmt_text else None
    except CellError as exc:
        raise UsageError(
            f"{source}, `date_format`: {exc.en}",
            f"{source}，`date_format`：{exc.zh}",
            fields=("date_format",),
        ) from None
    return Reader(table, spec, columns, extra, tz, fmt, now or dt.datetime.now(dt.UTC), source)


def frame_of(records: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([{k: r.get(k) for k in fields} for r in records], columns=list(fields))


Writer = Callable[[list[dict[str, Any]]], None]
