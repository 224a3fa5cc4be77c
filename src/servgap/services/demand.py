"""Import interval demand (ACD / queue-system exports) into the store.

One row per site, queue and interval::

    site, queue, interval_start, arrivals, handled, abandoned, aht_s, total_wait_s[, agents]
    [, interval_s]

``interval_start`` is local time in the site's (else the workspace's) zone
unless it carries an offset; ``interval_s`` defaults to 1800 (half hours).
``handled``, ``abandoned``, ``aht_s`` and ``total_wait_s`` may be empty when
the system does not record them; ``agents`` is the staff on duty (the capacity
actually rostered). An ACD export with other headers loads through a mapping
YAML (``columns: {呼入量: arrivals, …}``). Interval starts must lie on the
interval grid (a 30-minute interval starts at :00 or :30).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import delete, insert, select, tuple_

from servgap.core._result import ResultMixin
from servgap.core.parse import has_offset
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, open_reader
from servgap.services.tabular import Progress
from servgap.store.models import DemandInterval, Site

OnDuplicate = Literal["error", "skip", "replace"]

DEMAND_SPEC = TableSpec(
    "demand",
    "需求",
    (
        Field("site", "code", True, ("网点", "站点", "网点代码", "中心")),
        Field("queue", "code", True, ("队列", "技能组", "skill", "split")),
        Field("interval_start", "datetime", True, ("时段开始", "开始时间", "时间段", "interval")),
        Field(
            "arrivals",
            "int",
            True,
            ("呼入量", "来电量", "到达量", "offered", "calls"),
            min=0,
            max=1_000_000,
        ),
        Field(
            "handled",
            "int",
            True,
            ("接通量", "应答量", "answered"),
            min=0,
            max=1_000_000,
            blank_ok=True,
        ),
        Field(
            "abandoned",
            "int",
            True,
            ("放弃量", "呼损量", "abandons"),
            min=0,
            max=1_000_000,
            blank_ok=True,
        ),
        Field("aht_s", "float", True, ("平均处理时长", "aht"), min=0, max=86_400, blank_ok=True),
        Field(
            "total_wait_s",
            "float",
            True,
            ("总等待时长", "总排队时长", "wait_s"),
            min=0,
            max=1e12,
            blank_ok=True,
        ),
        Field("agents", "float", False, ("在岗人数", "坐席数", "staff"), min=0, max=100_000),
        Field("interval_s", "int", False, ("时段长度",), min=60, max=86_400),
    ),
)


@dataclass(frozen=True)
class DemandImportReport(ResultMixin):
    file: str
    rows_read: int
    inserted: int
    replaced: int
    skipped: int
    series: tuple[str, ...]  # site/queue pairs loaded
    first: str | None
    last: str | None


def import_demand(
    store: Store,
    path: Path,
    *,
    workspace: str,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    date_format: str | None = None,
    on_duplicate: OnDuplicate = "error",
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> DemandImportReport:
    """Import interval demand in one transaction (nothing written if any row is wrong)."""
    with store.session() as session:
        ws = get_workspace(session, workspace)
        sites = {s.code: s for s in session.scalars(select(Site).where(Site.workspace_id == ws.id))}
        reader = open_reader(
            path,
            DEMAND_SPEC,
            workspace_tz=ws.timezone,
            encoding=encoding,
            sheet=sheet,
            mapping_file=mapping_file,
            date_format=date_format,
            max_bytes=store.settings.max_import_bytes,
            now=now,
        )
        seen: dict[tuple[Any, Any, dt.datetime], int] = {}
        pending: list[dict[str, Any]] = []
        keys: list[tuple[int, str, dt.datetime]] = []
        rownums: list[int] = []
        rows = inserted = replaced = skipped = 0
        series: set[str] = set()
        first: dt.datetime | None = None
        last: dt.datetime | None = None
        for chunk in reader.records(progress):
            for r in chunk:
                rows += 1
                row = r["_row"]
                code, queue, start = r.get("site"), r.get("queue"), r.get("interval_start")
                site = sites.get(code) if code is not None else None
                if code is not None and site is None:
                    known = ", ".join(list(sites)[:15]) or "(none yet)"
                    reader.problem(
                        f"site `{code}` is not in this workspace (known: {known}). Import the "
                        "site list first, or fix the code.",
                        f"网点 `{code}` 不在本工作区（已有：{known}）。请先导入网点清单，或修改代码。",
                        row=row,
                        column="site",
                        value=code,
                    )
                    continue
                if site is None or queue is None or start is None:
                    continue
                if site.queues and queue not in site.queues:
                    reader.problem(
                        f"queue `{queue}` is not a queue of site `{code}` ({'; '.join(site.queues)}).",
                        f"队列 `{queue}` 不是网点 `{code}` 的队列（{'; '.join(site.queues)}）。",
                        row=row,
                        column="queue",
                        value=queue,
                    )
                    continue
                if site.timezone and not has_offset(r["_raw"]["interval_start"]):
                    start = _in_site_zone(start, reader.tz, site.timezone)
                interval_s = int(r.get("interval_s") or 1800)
                local = start.astimezone(
                    zoneinfo.ZoneInfo(site.timezone) if site.timezone else reader.tz
                )
                offset_s = local.minute * 60 + local.second
                if interval_s <= 3600 and 3600 % interval_s == 0 and offset_s % interval_s:
                    reader.problem(
                        f"the interval does not start on the {interval_s // 60}-minute grid "
                        "(e.g. :00 or :30 for half hours).",
                        f"时段开始时间不在 {interval_s // 60} 分钟的网格上（半小时时段应为 :00 或 :30）。",
                        row=row,
                        column="interval_start",
                        value=start.isoformat(),
                    )
                    continue
                key = (code, queue, start)
                if key in seen:
                    reader.problem(
                        f"the interval {start.isoformat()} of {code}/{queue} is already in row "
                        f"{seen[key]}.",
                        f"{code}/{queue} 的时段 {start.isoformat()} 已出现在第 {seen[key]} 行。",
                        row=row,
                        column="interval_start",
                        value=start.isoformat(),
                    )
                    continue
                seen[key] = row
                if reader.n_problems:
                    continue
                series.add(f"{code}/{queue}")
                first = start if first is None or start < first else first
                last = start if last is None or start > last else last
                keys.append((site.id, queue, start))
                rownums.append(row)
                pending.append(
                    {
                        "workspace_id": ws.id,
                        "site_id": site.id,
                        "queue": queue,
                        "interval_start": start,
                        "interval_s": interval_s,
                        "arrivals": r["arrivals"],
                        "handled": r.get("handled"),
                        "abandoned": r.get("abandoned"),
                        "aht_s": r.get("aht_s"),
                        "total_wait_s": r.get("total_wait_s"),
                        "agents": r.get("agents"),
                    }
                )
            if not reader.n_problems:
                i, rp, sk = _write(session, pending, keys, rownums, on_duplicate, reader)
                inserted, replaced, skipped = inserted + i, replaced + rp, skipped + sk
            pending, keys, rownums = [], [], []
        reader.raise_if_problems()
        if rows == 0:
            reader.problem(
                "has a header but no rows.", "只有表头没有数据行。", row=None, column=None
            )
            reader.raise_if_problems()
        return DemandImportReport(
            str(path),
            rows,
            inserted,
            replaced,
            skipped,
            tuple(sorted(series)),
            first.isoformat() if first else None,
            last.isoformat() if last else None,
        )


def _in_site_zone(start: dt.datetime, read_tz: dt.tzinfo, site_tz: str) -> dt.datetime:
    """Re-read a local time that was read in ``read_tz`` in the site's own zone."""
    local = start.astimezone(read_tz).replace(tzinfo=None)
    return local.replace(tzinfo=zoneinfo.ZoneInfo(site_tz)).astimezone(dt.UTC)


def _write(
    session: Any,
    pending: list[dict[str, Any]],
    keys: list[tuple[int, str, dt.datetime]],
    rownums: list[int],
    on_duplicate: OnDuplicate,
    reader: Any,
) -> tuple[int, int, int]:
    if not pending:
        return 0, 0, 0
    existing: set[tuple[int, str, dt.datetime]] = set()
    for lo in range(0, len(keys), 500):
        part = keys[lo : lo + 500]
        found = session.execute(
            select(
                DemandInterval.site_id, DemandInterval.queue, DemandInterval.interval_start
            ).where(
                tuple_(
                    DemandInterval.site_id, DemandInterval.queue, DemandInterval.interval_start
                ).in_(part)
            )
        ).all()
        existing.update((a, b, c) for a, b, c in found)
    if not existing:
        session.execute(insert(DemandInterval), pending)
        return len(pending), 0, 0
    if on_duplicate == "error":
        for rec, key, row in zip(pending, keys, rownums, strict=True):
            if key in existing:
                reader.problem(
                    "this interval is already in the store; import with `on_duplicate` replace "
                    "(or skip), or remove the row.",
                    "该时段已在数据库中；请用 `on_duplicate` replace（或 skip）导入，或删除该行。",
                    row=row,
                    column="interval_start",
                    value=rec["interval_start"].isoformat(),
                )
        return 0, 0, 0
    if on_duplicate == "skip":
        fresh = [p for p, k in zip(pending, keys, strict=True) if k not in existing]
        if fresh:
            session.execute(insert(DemandInterval), fresh)
        return len(fresh), 0, len(pending) - len(fresh)
    dup = [k for k in keys if k in existing]
    for lo in range(0, len(dup), 500):
        session.execute(
            delete(DemandInterval).where(
                tuple_(
                    DemandInterval.site_id, DemandInterval.queue, DemandInterval.interval_start
                ).in_(dup[lo : lo + 500])
            )
        )
    session.execute(insert(DemandInterval), pending)
    return len(pending) - len(dup), len(dup), 0
