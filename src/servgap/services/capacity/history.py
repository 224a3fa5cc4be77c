"""The interval demand a queue is planned from: from the store or from a file.

Times: the store keeps UTC; tables show ``interval_start`` in the queue's time
zone (the site's ``timezone``, else the workspace's), and dates a user types
(``until``, ``day``, adjustments) without a zone are read in that zone too, by
the one date reader :func:`servgap.core.parse.parse_datetime`.

A demand file (``servgap capacity … --file``) is read by the same reader as
``servgap demand import`` (:mod:`servgap.services.tableio`): CSV in
UTF-8/BOM/GBK or .xlsx, Chinese headers or a mapping YAML, naive times in the
workspace's zone (or ``tz``), every bad cell listed. Its columns are those of
docs/data-formats.md, "Interval demand", with only ``interval_start`` and
``arrivals`` required.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.errors import (
    InputError,
    InsufficientDataError,
    NotFoundError,
    UsageError,
)
from servgap.core.parse import CellError, parse_datetime
from servgap.services.context import Store, get_workspace
from servgap.services.demand import DEMAND_SPEC
from servgap.services.tableio import Reader, TableSpec, open_reader
from servgap.store.models import DemandInterval, Site

DEMAND_COLUMNS = (
    "interval_start",
    "interval_s",
    "arrivals",
    "handled",
    "abandoned",
    "aht_s",
    "total_wait_s",
    "agents",
)

#: The zone of a workspace that has none (and of a file read without a workspace).
DEFAULT_TIMEZONE = "Asia/Shanghai"

#: A demand file for ``capacity … --file``: the import's columns, aliases and ranges, with
#: only ``interval_start`` and ``arrivals`` required.
DEMAND_FILE_SPEC = TableSpec(
    DEMAND_SPEC.what_en,
    DEMAND_SPEC.what_zh,
    tuple(
        dataclasses.replace(
            f, required=f.name in ("interval_start", "arrivals"), blank_ok=f.name != "arrivals"
        )
        for f in DEMAND_SPEC.fields
    ),
)


@dataclass(frozen=True)
class DemandHistory(ResultMixin):
    """Interval demand of one queue: ``frame`` has :data:`DEMAND_COLUMNS` (UTC times).

    ``timezone`` is the queue's zone (local times in tables and typed dates);
    ``holidays`` and ``extra_workdays`` are the workspace's own days off and
    make-up days (added to the official calendar when forecasting).
    """

    site: str
    queue: str
    timezone: str
    frame: pd.DataFrame
    holidays: tuple[dt.date, ...] = ()
    extra_workdays: tuple[dt.date, ...] = ()

    @property
    def interval_s(self) -> float:
        return float(self.frame["interval_s"].iloc[0])

    def with_frame(self, frame: pd.DataFrame) -> DemandHistory:
        """The same queue with other intervals (a cut or a report's period)."""
        return dataclasses.replace(self, frame=frame.reset_index(drop=True))


def _dates(values: Any) -> tuple[dt.date, ...]:
    out: set[dt.date] = set()
    for v in values or ():
        try:
            out.add(dt.date.fromisoformat(str(v)))
        except ValueError:
            continue  # the setting's parser stores ISO dates only
    return tuple(sorted(out))


def workspace_calendar(settings: Any) -> tuple[tuple[dt.date, ...], tuple[dt.date, ...]]:
    """The workspace's own days off and make-up days from its ``calendar`` settings."""
    from servgap.core.workspace_settings import get_setting

    return (
        _dates(get_setting(settings, "calendar.holidays")),
        _dates(get_setting(settings, "calendar.extra_workdays")),
    )


def load_demand(
    store: Store, *, workspace: str, site: str, queue: str | None = None
) -> DemandHistory:
    """Demand history of ``site``/``queue`` from the store.

    ``queue`` may be left out when the site has demand for one queue only. The
    time zone is the site's, else the workspace's.
    """
    with store.session() as s:
        ws = get_workspace(s, workspace)
        site_row = s.scalar(select(Site).where(Site.workspace_id == ws.id, Site.code == site))
        if site_row is None:
            known = s.scalars(
                select(Site.code)
                .join(DemandInterval, DemandInterval.site_id == Site.id)
                .where(Site.workspace_id == ws.id)
                .distinct()
                .order_by(Site.code)
            ).all()
            raise NotFoundError(
                f"Site `{site}` does not exist in workspace `{workspace}`. Sites with demand data: "
                f"{', '.join(known) or '(none)'}.",
                f"工作区 `{workspace}` 中没有网点 `{site}`。有需求数据的网点："
                f"{'、'.join(known) or '（无）'}。",
            )
        with_demand = list(
            s.scalars(
                select(DemandInterval.queue)
                .where(DemandInterval.site_id == site_row.id)
                .distinct()
                .order_by(DemandInterval.queue)
            ).all()
        )
        declared = list(site_row.queues or [])
        tz = site_row.timezone or ws.timezone or DEFAULT_TIMEZONE
        holidays, workdays = workspace_calendar(ws.settings)
        queue = _choose_queue(site, queue, with_demand, declared)
        rows = s.execute(
            select(
                DemandInterval.interval_start,
                DemandInterval.interval_s,
                DemandInterval.arrivals,
                DemandInterval.handled,
                DemandInterval.abandoned,
                DemandInterval.aht_s,
                DemandInterval.total_wait_s,
                DemandInterval.agents,
            )
            .where(DemandInterval.site_id == site_row.id, DemandInterval.queue == queue)
            .order_by(DemandInterval.interval_start)
        ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(DEMAND_COLUMNS))
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    for c in DEMAND_COLUMNS[1:]:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(np.float64)
    return DemandHistory(site, queue, tz, frame, holidays, workdays)


def _choose_queue(site: str, queue: str | None, with_demand: list[str], declared: list[str]) -> str:
    """The queue asked for, else the site's only queue with demand (errors name `queue`)."""
    listed_en = ", ".join(declared or with_demand) or "(none)"
    listed_zh = "、".join(declared or with_demand) or "（无）"
    if queue is None:
        if len(with_demand) == 1:
            return with_demand[0]
        if not with_demand:
            raise InsufficientDataError(
                f"Site `{site}` has no demand data yet (its queues: {listed_en}); import interval "
                "demand for it first.",
                f"网点 `{site}` 还没有需求数据（其队列：{listed_zh}）；请先导入分时段需求。",
            )
        raise UsageError(
            f"Site `{site}` has demand for the queues {', '.join(with_demand)}; say which with "
            "`queue`.",
            f"网点 `{site}` 有多个队列的需求数据（{'、'.join(with_demand)}）；请用 `queue` 指定。",
            fields=("queue",),
        )
    if queue in with_demand:
        return queue
    if queue in declared:
        raise InsufficientDataError(
            f"Queue `{queue}` of site `{site}` has no demand data yet; import interval demand for "
            f"it first (queues with demand: {', '.join(with_demand) or '(none)'}).",
            f"网点 `{site}` 的队列 `{queue}` 还没有需求数据；请先导入分时段需求"
            f"（有需求数据的队列：{'、'.join(with_demand) or '（无）'}）。",
        )
    raise NotFoundError(
        f"Site `{site}` has no demand for queue `{queue}`. Its queues: {listed_en}.",
        f"网点 `{site}` 没有队列 `{queue}` 的需求数据。其队列：{listed_zh}。",
        fields=("queue",),
    )


def read_records(
    reader: Reader, check: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Every record of a file read for planning (not stored), or one error listing every bad
    cell. ``check(record)`` may add problems of its own (``reader.problem``)."""
    records: list[dict[str, Any]] = []
    for chunk in reader.records():
        for r in chunk:
            if check is not None:
                check(r)
            records.append(r)
    try:
        reader.raise_if_problems()
    except InputError as exc:
        shown = len(exc.problems)
        raise InputError(
            f"{reader.source}: {reader.n_problems} problem(s) (first {shown} listed); fix them "
            "and run again:"
            if shown < reader.n_problems
            else f"{reader.source}: {reader.n_problems} problem(s); fix them and run again:",
            f"{reader.source}：共 {reader.n_problems} 处问题；请修正后重新运行：",
            code=exc.code,
            problems=exc.problems,
            fields=exc.fields,
        ) from None
    return records


def read_demand_file(
    path: Path,
    *,
    site: str | None = None,
    queue: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    max_bytes: int = 2 * 1024**3,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    date_format: str | None = None,
    holidays: tuple[dt.date, ...] = (),
    extra_workdays: tuple[dt.date, ...] = (),
    now: dt.datetime | None = None,
) -> DemandHistory:
    """Read an interval demand file without storing it; every bad cell is listed at once.

    The import's reader and rules (:data:`DEMAND_FILE_SPEC`): required columns
    ``interval_start`` and ``arrivals``; optional ``site``, ``queue``, ``interval_s``
    (default 1800), ``handled``, ``abandoned``, ``aht_s``, ``total_wait_s``,
    ``agents``. ``interval_start`` without an offset is local time in ``timezone``
    (or the mapping's ``timezone``). A file with several sites or queues needs
    ``site``/``queue`` to pick one. Rows are numbered as a spreadsheet shows them
    (header = row 1).
    """
    reader = open_reader(
        path,
        DEMAND_FILE_SPEC,
        workspace_tz=timezone,
        max_bytes=max_bytes,
        encoding=encoding,
        sheet=sheet,
        mapping_file=mapping_file,
        date_format=date_format,
        now=now,
    )
    seen: dict[tuple[Any, Any, dt.datetime], int] = {}

    def no_duplicates(r: dict[str, Any]) -> None:
        start = r.get("interval_start")
        if start is None:
            return
        key = (r.get("site"), r.get("queue"), start)
        if key in seen:
            reader.problem(
                f"the interval {start.isoformat()} is already in row {seen[key]}.",
                f"时段 {start.isoformat()} 已出现在第 {seen[key]} 行。",
                row=r["_row"],
                column="interval_start",
                value=start.isoformat(),
            )
        seen.setdefault(key, r["_row"])

    records = read_records(reader, no_duplicates)
    name = reader.source
    if not records:
        raise InsufficientDataError(
            f"Demand file {name} has no rows.", f"需求文件 {name} 没有数据行。"
        )
    for col, wanted in (("site", site), ("queue", queue)):
        values = sorted({str(r[col]) for r in records if r.get(col) is not None})
        if wanted is not None:
            if values and wanted not in values:
                raise NotFoundError(
                    f"Demand file {name} has no rows for {col} `{wanted}`; it has: "
                    f"{', '.join(values)}.",
                    f"需求文件 {name} 中没有 {col} 为 `{wanted}` 的行；现有：{'、'.join(values)}。",
                    fields=(col,),
                )
            if values:
                records = [r for r in records if r.get(col) == wanted]
        elif len(values) > 1:
            raise UsageError(
                f"Demand file {name} holds several {col}s ({', '.join(values)}); pick one with "
                f"`{col}`.",
                f"需求文件 {name} 含多个 {col}（{'、'.join(values)}）；请用 `{col}` 选择一个。",
                fields=(col,),
            )
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime([r["interval_start"] for r in records], utc=True),
            **{
                c: np.array(
                    [np.nan if r.get(c) is None else float(r[c]) for r in records],
                    dtype=np.float64,
                )
                for c in DEMAND_COLUMNS[1:]
            },
        }
    )
    frame["interval_s"] = frame["interval_s"].fillna(1800.0)
    frame = frame.sort_values("interval_start", kind="stable").reset_index(drop=True)
    first = records[0]
    s = site or (str(first["site"]) if first.get("site") is not None else "file")
    q = queue or (str(first["queue"]) if first.get("queue") is not None else "queue")
    return DemandHistory(s, q, str(reader.tz), frame, holidays, extra_workdays)


def local_time(value: str, tz: str, *, field: str) -> pd.Timestamp:
    """A date or date-time typed for ``field``; without an offset it is read in ``tz``. UTC.

    The one reader of dates (:func:`servgap.core.parse.parse_datetime`): year first,
    never guessed; an error names the field and the value.
    """
    try:
        when = parse_datetime(value, tz=zoneinfo.ZoneInfo(tz))
    except CellError as exc:
        raise InputError(
            f"`{field}` `{value}` {exc.en}",
            f"`{field}` `{value}` {exc.zh}",
            fields=(field,),
        ) from None
    return pd.Timestamp(when)


def cut_history(hist: DemandHistory, *, until: str | None = None) -> DemandHistory:
    """History strictly before ``until`` (local date/time): a forecast origin in the past."""
    if until is None:
        return hist
    cut = local_time(until, hist.timezone, field="until")
    frame = hist.frame[hist.frame["interval_start"] < cut]
    if frame.empty:
        first = hist.frame["interval_start"].min()
        raise InsufficientDataError(
            f"No demand before `until` {until}; the history starts at {first}.",
            f"`until` {until} 之前没有需求数据；历史数据始于 {first}。",
            fields=("until",),
        )
    return hist.with_frame(frame)


def open_history(
    store: Store,
    *,
    workspace: str | None,
    site: str | None = None,
    queue: str | None = None,
    file: Path | None = None,
    tz: str | None = None,
    until: str | None = None,
    mapping_file: Path | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> DemandHistory:
    """The demand a capacity command plans from: a file (``file``) or the store.

    With ``file``: read with the import's rules in ``tz``, else the workspace's zone
    (``workspace`` may be None when the store has no workspace). Without: the
    store's demand of ``site`` (and ``queue``) in ``workspace`` (None: the store's
    only workspace). ``tz`` overrides the zone of tables and typed dates. Then
    cut at ``until``.
    """
    from servgap.services.workspaces import resolve_workspace

    if tz is not None:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise UsageError(
                f"Unknown time zone `tz` {tz}; use an IANA name such as Asia/Shanghai.",
                f"时区 `tz` {tz} 无效；请使用 IANA 名称，如 Asia/Shanghai。",
                fields=("tz",),
            ) from None
    if file is not None:
        zone = DEFAULT_TIMEZONE
        holidays: tuple[dt.date, ...] = ()
        workdays: tuple[dt.date, ...] = ()
        if workspace is not None:
            with store.session() as s:
                ws = get_workspace(s, workspace)
                zone = ws.timezone or DEFAULT_TIMEZONE
                holidays, workdays = workspace_calendar(ws.settings)
        hist = read_demand_file(
            file,
            site=site,
            queue=queue,
            timezone=tz or zone,
            max_bytes=store.settings.max_import_bytes,
            mapping_file=mapping_file,
            date_format=date_format,
            encoding=encoding,
            sheet=sheet,
            holidays=holidays,
            extra_workdays=workdays,
        )
    else:
        if site is None:
            raise UsageError(
                "Say which queue with `site` (and `queue`), or give a demand `file`.",
                "请用 `site`（和 `queue`）指定队列，或用 `file` 提供需求文件。",
                fields=("site", "queue", "file"),
            )
        ws_code = workspace if workspace is not None else resolve_workspace(store, None)
        hist = load_demand(store, workspace=ws_code, site=site, queue=queue)
        if tz is not None:
            hist = dataclasses.replace(hist, timezone=tz)
    return cut_history(hist, until=until)
