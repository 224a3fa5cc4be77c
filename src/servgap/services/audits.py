"""Mystery-shopper audits: load a standard, import visits, and score them.

A visit file has one row per visit — ``visit, site, visited_at, auditor`` — and
one column per indicator of the standard (its ``code``), holding the score on
the indicator's scale; an empty cell means "not applicable" (the weights are
renormalised over the indicators scored, see
:func:`servgap.core.audit_standard.weighted_scores`). The standard is stored
with the visits (immutable versions, like survey definitions), so a later
change of weights does not rewrite earlier scores.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.audit_standard import AuditStandard, parse_standard, weighted_scores
from servgap.core.errors import InputError
from servgap.core.parse import parse_number
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, open_reader
from servgap.services.tabular import Progress
from servgap.store.models import Audit, AuditScore, Site, Workspace
from servgap.store.models import AuditStandard as StandardRow

OnDuplicate = Literal["error", "skip", "replace"]

VISIT_SPEC = TableSpec(
    "audit visit",
    "神秘顾客检查",
    (
        Field("visit", "code", True, ("检查编号", "访问编号", "visit_id", "audit")),
        Field("site", "code", True, ("网点", "站点", "网点代码")),
        Field("visited_at", "datetime", True, ("检查时间", "访问时间", "日期", "date")),
        Field("auditor", "text", False, ("检查员", "神秘顾客", "访问员"), max_len=100),
    ),
    extra=True,
)


@dataclass(frozen=True)
class AuditImportReport(ResultMixin):
    file: str
    standard: str
    standard_version: int
    rows_read: int
    inserted: int
    replaced: int
    skipped: int
    mean_score: float | None


def read_standard_file(path: Path) -> AuditStandard:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(
            f"Audit standard {path} does not exist.",
            f"检查标准 {path} 不存在。",
            code="invalid_file",
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(
            f"Audit standard {path} is not valid YAML: {exc}",
            f"检查标准 {path} 不是有效的 YAML：{exc}",
            code="invalid_file",
        ) from None
    return parse_standard(raw, source=path.name)


def save_standard(session: Session, ws: Workspace, standard: AuditStandard) -> StandardRow:
    """The stored version of ``standard`` (a new version when its content changed)."""
    rows = list(
        session.scalars(
            select(StandardRow)
            .where(StandardRow.workspace_id == ws.id, StandardRow.code == standard.code)
            .order_by(StandardRow.version)
        )
    )
    checksum = standard.checksum()
    for row in rows:
        if row.checksum == checksum:
            return row
    version = max([r.version for r in rows] + [standard.version - 1]) + 1
    row = StandardRow(
        workspace_id=ws.id,
        code=standard.code,
        version=version,
        checksum=checksum,
        definition=dict(standard.raw),
    )
    session.add(row)
    session.flush()
    return row


def import_audits(
    store: Store,
    path: Path,
    *,
    workspace: str,
    standard_file: Path,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    date_format: str | None = None,
    on_duplicate: OnDuplicate = "error",
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> AuditImportReport:
    """Import mystery-shopper visits scored on ``standard_file``, all or nothing."""
    standard = read_standard_file(standard_file)
    codes = [i.code for i in standard.indicators]
    with store.session() as session:
        ws = get_workspace(session, workspace)
        sites = dict(
            session.execute(select(Site.code, Site.id).where(Site.workspace_id == ws.id)).all()
        )
        reader = open_reader(
            path,
            VISIT_SPEC,
            workspace_tz=ws.timezone,
            encoding=encoding,
            sheet=sheet,
            mapping_file=mapping_file,
            date_format=date_format,
            max_bytes=store.settings.max_import_bytes,
            now=now,
        )
        present = [c for c in codes if c in reader.extra_columns]
        unknown = [h for h in reader.extra_columns if h not in codes]
        if not present or unknown:
            raise InputError(
                f"{path.name}: the indicator columns do not match standard `{standard.code}`: "
                + (f"not in the standard: {', '.join(unknown)}; " if unknown else "")
                + f"the standard's indicators are {', '.join(codes)}.",
                f"{path.name}：指标列与检查标准 `{standard.code}` 不符："
                + (f"标准中没有：{'、'.join(unknown)}；" if unknown else "")
                + f"标准的指标为 {'、'.join(codes)}。",
                code="invalid_header",
            )
        std_row = save_standard(session, ws, standard)
        existing = set(session.scalars(select(Audit.code).where(Audit.workspace_id == ws.id)))
        seen: dict[str, int] = {}
        visits: list[tuple[dict[str, Any], list[float]]] = []
        rows = 0
        for chunk in reader.records(progress):
            for r in chunk:
                rows += 1
                row = r["_row"]
                code = r.get("visit")
                if code is not None:
                    if code in seen:
                        reader.problem(
                            f"visit `{code}` is listed twice (rows {seen[code]} and {row}).",
                            f"检查 `{code}` 出现两次（第 {seen[code]} 行和第 {row} 行）。",
                            row=row,
                            column="visit",
                            value=code,
                        )
                    seen.setdefault(code, row)
                    if code in existing and on_duplicate == "error":
                        reader.problem(
                            "this visit is already in the store; import with "
                            "`on_duplicate` replace or skip.",
                            "该检查记录已在数据库中；请用 `on_duplicate` replace 或 skip 导入。",
                            row=row,
                            column="visit",
                            value=code,
                        )
                if r.get("site") is not None and r["site"] not in sites:
                    reader.problem(
                        f"site `{r['site']}` is not in this workspace; import the site "
                        "list first, or fix the code.",
                        f"网点 `{r['site']}` 不在本工作区；请先导入网点清单，或修改代码。",
                        row=row,
                        column="site",
                        value=r["site"],
                    )
                scores: list[float] = []
                for ind in standard.indicators:
                    raw = r["_extra"].get(ind.code)
                    if raw is None:
                        scores.append(float("nan"))
                        continue
                    v = parse_number(raw)
                    lo, hi = ind.scale
                    if v is None or not lo <= v <= hi:
                        reader.problem(
                            f"is not a score on the indicator's {lo:g}–{hi:g} scale.",
                            f"不是该指标 {lo:g}–{hi:g} 量表上的分数。",
                            row=row,
                            column=ind.code,
                            value=raw,
                        )
                        scores.append(float("nan"))
                        continue
                    scores.append(v)
                if all(np.isnan(scores)):
                    reader.problem(
                        "no indicator is scored; score at least one.",
                        "没有任何指标评分；请至少填写一项。",
                        row=row,
                        column=None,
                    )
                visits.append((r, scores))
        reader.raise_if_problems()
        if rows == 0:
            raise InputError(
                f"{path.name} has a header but no rows; nothing was imported.",
                f"{path.name} 只有表头没有数据行；未导入任何内容。",
                code="empty_file",
            )
        inserted = replaced = skipped = 0
        totals = weighted_scores(standard, np.array([s for _, s in visits]))
        for (r, scores), _total in zip(visits, totals, strict=True):
            if r["visit"] in existing:
                if on_duplicate == "skip":
                    skipped += 1
                    continue
                session.execute(
                    delete(Audit).where(Audit.workspace_id == ws.id, Audit.code == r["visit"])
                )
                replaced += 1
            else:
                inserted += 1
            audit = Audit(
                workspace_id=ws.id,
                code=r["visit"],
                site_id=sites[r["site"]],
                visited_at=r["visited_at"],
                auditor=r.get("auditor"),
                standard_id=std_row.id,
            )
            for ind, v in zip(standard.indicators, scores, strict=True):
                if np.isnan(v):
                    continue
                audit.scores.append(
                    AuditScore(
                        indicator=ind.code,
                        name_zh=ind.title.zh,
                        name_en=ind.title.en,
                        weight=ind.weight,
                        score=v,
                        max_score=ind.scale[1],
                        section=ind.section,
                        item=ind.item,
                    )
                )
            session.add(audit)
        mean = float(np.nanmean(totals)) if np.isfinite(totals).any() else None
        return AuditImportReport(
            str(path), standard.code, std_row.version, rows, inserted, replaced, skipped, mean
        )


def audit_scores(store: Store, *, workspace: str) -> pd.DataFrame:
    """One row per visit: site, time, auditor and the weighted 0–100 score on its standard."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        tz = zoneinfo.ZoneInfo(ws.timezone)
        stds = {
            r.id: parse_standard(r.definition, source=f"standard {r.code} v{r.version}")
            for r in s.scalars(select(StandardRow).where(StandardRow.workspace_id == ws.id))
        }
        audits = s.scalars(
            select(Audit).where(Audit.workspace_id == ws.id).order_by(Audit.visited_at)
        ).all()
        out = []
        for a in audits:
            site = s.scalar(select(Site.code).where(Site.id == a.site_id)) if a.site_id else None
            std = stds.get(a.standard_id) if a.standard_id is not None else None
            if std is not None:
                by = {x.indicator: x.score for x in a.scores}
                x = np.array([[by.get(i.code, np.nan) for i in std.indicators]])
                score = float(weighted_scores(std, x)[0])
            else:  # visits stored before standards: the stored weights and maxima
                w = np.array([x.weight for x in a.scores])
                v = np.array([x.score / x.max_score for x in a.scores])
                score = (
                    float(100 * (w * v).sum() / w.sum()) if len(w) and w.sum() > 0 else float("nan")
                )
            out.append(
                {
                    "visit": a.code,
                    "site": site,
                    "visited_at": a.visited_at.astimezone(tz),
                    "auditor": a.auditor,
                    "standard": std.code if std else None,
                    "score": score,
                    "indicators": len(a.scores),
                }
            )
    return pd.DataFrame(
        out, columns=["visit", "site", "visited_at", "auditor", "standard", "score", "indicators"]
    )
