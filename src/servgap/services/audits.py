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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from servgap.core._result import ResultMixin
from servgap.core.audit_standard import AuditStandard, parse_standard, weighted_scores
from servgap.core.errors import InputError
from servgap.core.parse import parse_number
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
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


def build_audit(
    workspace_id: int,
    code: str,
    *,
    site_id: int | None,
    visited_at: dt.datetime,
    auditor: str | None,
    standard_id: int,
    standard: AuditStandard,
    scores: Sequence[float],
) -> Audit:
    """The stored visit: one :class:`AuditScore` per indicator scored (NaN = not applicable,
    not stored). Imported visits and visits submitted in the browser are built here alike."""
    audit = Audit(
        workspace_id=workspace_id,
        code=code,
        site_id=site_id,
        visited_at=visited_at,
        auditor=auditor,
        standard_id=standard_id,
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
                score=float(v),
                max_score=ind.scale[1],
                section=ind.section,
                item=ind.item,
            )
        )
    return audit


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
            audit = build_audit(
                ws.id, r["visit"], site_id=sites[r["site"]], visited_at=r["visited_at"],
                auditor=r.get("auditor"), standard_id=std_row.id, standard=standard,
                scores=scores,
            )  # fmt: skip
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
            select(Audit)
            .where(Audit.workspace_id == ws.id)
            .order_by(Audit.visited_at)
            .options(selectinload(Audit.scores))
        ).all()
        site_codes = dict(
            s.execute(select(Site.id, Site.code).where(Site.workspace_id == ws.id)).all()
        )
        out = []
        for a in audits:
            site = site_codes.get(a.site_id) if a.site_id else None
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


# ------------------------------------------------------------------ the demo's standard

#: the demo outlet standard's sections: code, zh, en, indicators (servgap.demo.audits)
DEMO_SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("counter", "柜台服务", "Counter service", ("greeting", "queue_time", "courtesy")),
    ("handling", "收寄规范", "Parcel handling", ("id_check", "packing", "handling_care")),
    ("information", "信息与承诺", "Information and promises",
     ("price_disclosure", "tracking_info", "promise_time")),
    ("environment", "网点环境", "Outlet environment", ("tidiness",)),
)  # fmt: skip
#: the survey item (example_express_q) each demo indicator checks
DEMO_ITEMS: dict[str, str] = {
    "greeting": "emp3", "queue_time": "res4", "courtesy": "ass3", "id_check": "ass2",
    "packing": "tan3", "handling_care": "rel2", "price_disclosure": "rel4",
    "tracking_info": "rel5", "promise_time": "rel1", "tidiness": "tan1",
}  # fmt: skip


def demo_standard() -> AuditStandard:
    """The demo company's outlet standard: its ten indicators in four sections, weighted so
    that each indicator keeps its demo weight (the visit scores do not change), each linked
    to the survey item it checks."""
    from servgap.demo.audits import INDICATORS, MAX_SCORE

    by = {c: (zh, en, w) for c, zh, en, w, _ in INDICATORS}
    sections = []
    for code, zh, en, codes in DEMO_SECTIONS:
        sections.append(
            {
                "code": code,
                "title": {"zh": zh, "en": en},
                "weight": sum(by[c][2] for c in codes),
                "indicators": [
                    {
                        "code": c,
                        "title": {"zh": by[c][0], "en": by[c][1]},
                        "weight": by[c][2],
                        "item": DEMO_ITEMS[c],
                    }
                    for c in codes
                ],
            }
        )
    raw = {
        "code": "outlet",
        "title": {"zh": "网点神秘顾客检查标准", "en": "Outlet mystery-shopper standard"},
        "scale": {"min": 0, "max": MAX_SCORE},
        "sections": sections,
    }
    return parse_standard(raw, source="demo")


def attach_standard(session: Session, ws: Workspace, standard: AuditStandard) -> StandardRow:
    """Store ``standard`` and link the workspace's visits that have none to it (their scores
    get the indicator's section and survey item)."""
    row = save_standard(session, ws, standard)
    known = {i.code: i for i in standard.indicators}
    for audit in session.scalars(
        select(Audit).where(Audit.workspace_id == ws.id, Audit.standard_id.is_(None))
    ):
        if not all(x.indicator in known for x in audit.scores):
            continue
        audit.standard_id = row.id
        for x in audit.scores:
            x.section = known[x.indicator].section
            x.item = known[x.indicator].item
    session.flush()
    return row


# ------------------------------------------------------------------ the manager's view


@dataclass(frozen=True)
class AuditOverview(DatedResult):
    """Audit scores for the manager: per site (ranking), per visit (trend with control
    limits and warnings), per indicator beside customers' perception and expectations.

    ``sites``: site, name_zh, name_en, visits, mean_score, last_score, last_visit, rank,
    warning. ``visits``: visit, site, visited_at, auditor, score, centre, lcl, ucl,
    below_lcl, declines. ``warnings``: site, visit, visited_at, rule, score.
    ``attributes``: indicator, name_zh, name_en, section, item, audit_n, audit_pct,
    survey_n, perceived, adequate, desired, perceived_pct, adequate_pct, desired_pct
    (``*_pct``: percent of the scale, so audits and the survey's scale can be compared).
    """

    workspace: str
    site: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    decline_run: int
    sites: pd.DataFrame
    visits: pd.DataFrame
    warnings: pd.DataFrame
    attributes: pd.DataFrame
    survey: str | None
    survey_note: dict[str, str] | None  # why no survey is beside the audits (en, zh)


SITE_COLUMNS = ["site", "name_zh", "name_en", "visits", "mean_score", "last_score",
                "last_visit", "rank", "warning"]  # fmt: skip
VISIT_COLUMNS = ["visit", "site", "visited_at", "auditor", "score", "centre", "lcl", "ucl",
                 "below_lcl", "declines"]  # fmt: skip
WARNING_COLUMNS = ["site", "visit", "visited_at", "rule", "score"]
ATTRIBUTE_COLUMNS = ["indicator", "name_zh", "name_en", "section", "item", "audit_n",
                     "audit_pct", "survey_n", "perceived", "adequate", "desired",
                     "perceived_pct", "adequate_pct", "desired_pct"]  # fmt: skip


def _in_window(when: pd.Series, date_from: dt.date | None, date_to: dt.date | None) -> pd.Series:
    keep = pd.Series(True, index=when.index)
    if date_from is not None:
        keep &= when.map(lambda t: t.date() >= date_from)
    if date_to is not None:
        keep &= when.map(lambda t: t.date() <= date_to)
    return keep


def audit_overview(
    store: Store,
    *,
    workspace: str,
    site: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    survey: str | None = None,
    decline_run: int = 3,
    sigma: float = 3.0,
) -> AuditOverview:
    """The manager's view of the audits (``site`` and the dates filter the visits: dates are
    local dates in the workspace's zone, both ends included). Visit scores are those of
    :func:`audit_scores` (the CLI's ``servgap audit list``)."""
    from servgap.core.audit_monitoring import warning_table

    scores = audit_scores(store, workspace=workspace)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        site_rows = s.execute(
            select(Site.code, Site.name_zh, Site.name_en).where(Site.workspace_id == ws.id)
        ).all()
    names = {c: (zh, en) for c, zh, en in site_rows}
    if site is not None and site not in names:
        raise InputError(
            f"`site` `{site}` is not a site of this workspace.",
            f"网点 `site` `{site}` 不是本工作区的网点。",
            fields=("site",),
        )
    if len(scores):
        scores = scores[_in_window(scores["visited_at"], date_from, date_to)]
    scores = scores[scores["score"].notna()]
    if site is not None:
        scores = scores[scores["site"] == site]
    frames = []
    for _, grp in scores.sort_values("visited_at", kind="stable").groupby("site", sort=True):
        frames.append(warning_table(grp, k=decline_run, sigma=sigma))
    visits = (
        pd.concat(frames, ignore_index=True)[VISIT_COLUMNS]
        if frames
        else pd.DataFrame(columns=VISIT_COLUMNS)
    )
    warns = []
    for r in visits.itertuples(index=False):
        for rule, hit in (("declines", r.declines), ("below_lcl", r.below_lcl)):
            if hit:
                warns.append({"site": r.site, "visit": r.visit, "visited_at": r.visited_at,
                              "rule": rule, "score": r.score})  # fmt: skip
    warnings = pd.DataFrame(warns, columns=WARNING_COLUMNS)
    per_site = []
    for code, grp in visits.groupby("site", sort=True):
        last = grp.iloc[-1]
        per_site.append(
            {
                "site": code,
                "name_zh": names.get(str(code), (code, code))[0],
                "name_en": names.get(str(code), (code, code))[1],
                "visits": len(grp),
                "mean_score": float(grp["score"].mean()),
                "last_score": float(last["score"]),
                "last_visit": last["visited_at"],
                "warning": ",".join(r for r in ("declines", "below_lcl") if bool(last[r])),
            }
        )
    sites = pd.DataFrame(per_site, columns=[c for c in SITE_COLUMNS if c != "rank"])
    if len(sites):
        sites["rank"] = sites["mean_score"].rank(ascending=False, method="min").astype(int)
        sites = sites.sort_values(["rank", "site"], kind="stable").reset_index(drop=True)
    else:
        sites["rank"] = pd.Series(dtype=int)
    sites = sites[SITE_COLUMNS]
    attributes, survey_code, note = _attributes(
        store, workspace, set(visits["visit"]), site, date_from, date_to, survey
    )
    return AuditOverview(workspace, site, date_from, date_to, decline_run, sites, visits,
                         warnings, attributes, survey_code, note)  # fmt: skip


def _attributes(
    store: Store,
    workspace: str,
    visit_codes: set[str],
    site: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    survey: str | None,
) -> tuple[pd.DataFrame, str | None, dict[str, str] | None]:
    """Per indicator: the mean audit score in percent of its scale, beside the linked survey
    item's perceived, adequate and desired means (raw and in percent of the item's scale)."""
    from servgap.core.errors import ServgapError
    from servgap.core.servqual import servqual
    from servgap.services.analysis import choose_survey, servqual_items
    from servgap.services.responses import load_responses

    with store.session() as s:
        ws = get_workspace(s, workspace)
        stds = {
            r.id: parse_standard(r.definition, source=f"standard {r.code} v{r.version}")
            for r in s.scalars(select(StandardRow).where(StandardRow.workspace_id == ws.id))
        }
        rows = s.execute(
            select(Audit.code, Audit.standard_id, AuditScore)
            .join(AuditScore, AuditScore.audit_id == Audit.id)
            .where(Audit.workspace_id == ws.id)
        ).all()
    acc: dict[str, dict[str, Any]] = {}
    for code, std_id, x in rows:
        if code not in visit_codes:
            continue
        std = stds.get(std_id) if std_id is not None else None
        ind = None
        if std is not None:
            try:
                ind = std.indicator(x.indicator)
            except KeyError:
                ind = None
        lo, hi = ind.scale if ind is not None else (0.0, x.max_score)
        item = x.item or (ind.item if ind is not None else None)
        a = acc.setdefault(x.indicator, {"indicator": x.indicator, "name_zh": x.name_zh,
                                         "name_en": x.name_en, "section": x.section,
                                         "item": item, "pcts": []})  # fmt: skip
        a["item"] = a["item"] or item
        a["pcts"].append(100.0 * (x.score - lo) / (hi - lo) if hi > lo else np.nan)
    out = []
    for a in acc.values():
        pcts = a.pop("pcts")
        out.append({**a, "audit_n": len(pcts), "audit_pct": float(np.nanmean(pcts))})
    frame = pd.DataFrame(out, columns=ATTRIBUTE_COLUMNS[:7])
    linked = [i for i in frame["item"] if isinstance(i, str)]
    survey_code: str | None = None
    note: dict[str, str] | None = None
    stats: dict[str, dict[str, float]] = {}
    if linked:
        try:
            survey_code = choose_survey(store, workspace=workspace, survey=survey)
            d, data = load_responses(store, workspace=workspace, survey=survey_code, profiles=False)
            if site is not None and "site" in data.columns:
                data = data[data["site"] == site]
            if "submitted_at" in data.columns and (date_from or date_to) and len(data):
                when = pd.to_datetime(data["submitted_at"], utc=True).dt.tz_convert(ws.timezone)
                data = data[_in_window(when, date_from, date_to).to_numpy()]
            # the linked items only (an item's means do not depend on the other items)
            wanted = {k: v for k, v in servqual_items(d).items() if k in linked}
            items = servqual(data, wanted).items if len(data) and wanted else pd.DataFrame()
            for r in items.to_dict("records"):
                code = str(r["item"])
                if code not in linked:
                    continue
                lo, hi = d.question(code).scale or d.scale
                stats[code] = {"n": r["n"], "lo": lo, "hi": hi, "perceived": r["perceived_mean"],
                               "adequate": r["adequate_mean"], "desired": r["desired_mean"]}  # fmt: skip
        except ServgapError as exc:
            note = {"en": exc.en, "zh": exc.zh}
    for col in ATTRIBUTE_COLUMNS[7:]:
        frame[col] = np.nan
    for i, item in enumerate(frame["item"]):
        st = stats.get(item) if isinstance(item, str) else None
        if st is None:
            continue
        span = st["hi"] - st["lo"]
        frame.loc[i, "survey_n"] = st["n"]
        for part in ("perceived", "adequate", "desired"):
            v = st[part]
            frame.loc[i, part] = v
            frame.loc[i, f"{part}_pct"] = 100.0 * (v - st["lo"]) / span if span > 0 else np.nan
    order = {c: n for n, c in enumerate(frame["section"].dropna().unique())}
    frame = frame.assign(_o=frame["section"].map(order)).sort_values(["_o"], kind="stable")
    return frame.drop(columns="_o").reset_index(drop=True), survey_code, note
