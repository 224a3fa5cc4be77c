"""Sites and regions of a workspace: import from a site list, and list them.

A site list has one row per site (outlet, counter, call-centre queue, online
channel)::

    region, region_name, site, site_name, kind[, queue][, timezone][, opened_on]

``kind`` is outlet, counter, call_centre or online; ``queue`` names one or
several queues (``hotline;vip``) whose demand and staffing are planned;
``timezone`` overrides the workspace's zone; ``opened_on`` is a date.
Optional ``region_name_en``/``site_name_en`` give English names (default: the
same as the Chinese). Re-importing updates names and adds sites; a site is
never removed (its answers, complaints and demand would lose their place).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, open_reader
from servgap.services.tabular import Progress
from servgap.store.models import Region, Site

SITE_KINDS: tuple[str, ...] = ("outlet", "counter", "call_centre", "online")
OnDuplicate = Literal["replace", "skip", "error"]

SITE_SPEC = TableSpec(
    "site list",
    "网点清单",
    (
        Field("region", "code", True, ("区域", "大区", "区域代码", "region_code")),
        Field("region_name", "text", True, ("区域名称", "大区名称")),
        Field("site", "code", True, ("网点", "站点", "网点代码", "site_code", "outlet")),
        Field("site_name", "text", True, ("网点名称", "站点名称", "name")),
        Field("kind", "choice", True, ("类型", "网点类型", "type"), options=SITE_KINDS),
        Field("queue", "list", False, ("队列", "queues")),
        Field("timezone", "text", False, ("时区", "tz")),
        Field("opened_on", "date", False, ("开业日期", "opened")),
        Field("region_name_en", "text", False),
        Field("site_name_en", "text", False),
    ),
)


@dataclass(frozen=True)
class SiteImportReport(ResultMixin):
    file: str
    rows_read: int
    regions_created: int
    sites_created: int
    sites_updated: int
    sites_unchanged: int
    sites_skipped: int


def import_sites(
    store: Store,
    path: Path,
    *,
    workspace: str,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    on_duplicate: OnDuplicate = "replace",
    progress: Progress | None = None,
) -> SiteImportReport:
    """Import a site list in one transaction (nothing written if any row is wrong)."""
    with store.session() as session:
        ws = get_workspace(session, workspace)
        reader = open_reader(
            path,
            SITE_SPEC,
            workspace_tz=ws.timezone,
            encoding=encoding,
            sheet=sheet,
            mapping_file=mapping_file,
            max_bytes=store.settings.max_import_bytes,
        )
        records = [r for chunk in reader.records(progress) for r in chunk]
        seen_sites: dict[str, int] = {}
        region_names: dict[str, tuple[str, int]] = {}
        for r in records:
            row = r["_row"]
            if r.get("timezone"):
                try:
                    zoneinfo.ZoneInfo(r["timezone"])
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    reader.problem(
                        "is not a time zone; use an IANA name such as Asia/Shanghai.",
                        "不是有效时区；请使用 IANA 名称，如 Asia/Shanghai。",
                        row=row,
                        column="timezone",
                        value=r["timezone"],
                    )
            code = r.get("site")
            if code is not None:
                if code in seen_sites:
                    reader.problem(
                        f"site `{code}` is listed twice (rows {seen_sites[code]} and "
                        f"{row}); keep one row per site.",
                        f"网点 `{code}` 出现两次（第 {seen_sites[code]} 行和第 {row} 行）；"
                        "每个网点只保留一行。",
                        row=row,
                        column="site",
                        value=code,
                    )
                seen_sites.setdefault(code, row)
            reg, name = r.get("region"), r.get("region_name")
            if reg is not None and name is not None:
                first = region_names.setdefault(reg, (name, row))
                if first[0] != name:
                    reader.problem(
                        f"region `{reg}` is named `{first[0]}` in row {first[1]} and "
                        f"`{name}` here; give one region one name.",
                        f"区域 `{reg}` 在第 {first[1]} 行名为 `{first[0]}`，此处为 `{name}`；"
                        "同一区域只能有一个名称。",
                        row=row,
                        column="region_name",
                        value=name,
                    )
        reader.raise_if_problems()
        if not records:
            reader.problem(
                "has a header but no rows.", "只有表头没有数据行。", row=None, column=None
            )
            reader.raise_if_problems()
        regions = {
            r.code: r for r in session.scalars(select(Region).where(Region.workspace_id == ws.id))
        }
        sites = {s.code: s for s in session.scalars(select(Site).where(Site.workspace_id == ws.id))}
        created = updated = unchanged = skipped = regions_created = 0
        for r in records:
            region = regions.get(r["region"])
            zh = r["region_name"]
            en = r.get("region_name_en") or zh
            if region is None:
                region = Region(workspace_id=ws.id, code=r["region"], name_zh=zh, name_en=en)
                session.add(region)
                session.flush()
                regions[region.code] = region
                regions_created += 1
            elif on_duplicate == "replace":
                region.name_zh, region.name_en = zh, en
            values = {
                "name_zh": r["site_name"],
                "name_en": r.get("site_name_en") or r["site_name"],
                "kind": r["kind"],
                "region_id": region.id,
                "queues": list(r.get("queue") or []),
                "timezone": r.get("timezone"),
                "opened_on": r.get("opened_on"),
            }
            site = sites.get(r["site"])
            if site is None:
                session.add(Site(workspace_id=ws.id, code=r["site"], **values))
                created += 1
                continue
            if on_duplicate == "error":
                reader.problem(
                    f"site `{site.code}` is already in the workspace; import with "
                    "`on_duplicate` replace or skip, or remove the row.",
                    f"网点 `{site.code}` 已在工作区中；请用 `on_duplicate` replace 或 skip 导入，"
                    "或删除该行。",
                    row=r["_row"],
                    column="site",
                    value=site.code,
                )
                continue
            if on_duplicate == "skip":
                skipped += 1
                continue
            if all(getattr(site, k) == v for k, v in values.items()):
                unchanged += 1
                continue
            for k, v in values.items():
                setattr(site, k, v)
            updated += 1
        reader.raise_if_problems()
        return SiteImportReport(
            str(path), len(records), regions_created, created, updated, unchanged, skipped
        )


def list_sites(store: Store, *, workspace: str) -> pd.DataFrame:
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(
                Region.code,
                Site.code,
                Site.name_zh,
                Site.name_en,
                Site.kind,
                Site.queues,
                Site.timezone,
                Site.opened_on,
            )
            .outerjoin(Region, Region.id == Site.region_id)
            .where(Site.workspace_id == ws.id)
            .order_by(Region.code, Site.code)
        ).all()
    return pd.DataFrame(
        [(a, b, c, d, e, ";".join(f or []), g, h) for a, b, c, d, e, f, g, h in rows],
        columns=["region", "site", "name_zh", "name_en", "kind", "queue", "timezone", "opened_on"],
    )
