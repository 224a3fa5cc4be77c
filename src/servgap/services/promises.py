"""The promise register: import promises and reported delivery, list them, check them.

A promise file has one row per promise::

    promise, text_zh[, text_en], site, channel, source, measure, promised[, unit]
           [, direction][, target_share][, attribute][, category][, queue]

``site`` blank: every site. ``measure``: ``wait_minutes`` (delivered = mean wait of the
served contacts in the demand data: total waiting seconds / handled, of ``queue`` when
given), ``resolution_hours`` (the share of complaint cases of ``category`` resolved within
the promised hours, open cases past the promise counting as broken), ``reported`` (a value
per period imported from another system with :func:`import_promise_measures`: ``promise,
period, value[, n][, kept]``). ``attribute``: the survey item that shows how customers
perceive the same thing (an item with the promise's unit — minutes — is also compared with
customers' adequate level). Re-importing a promise code updates it. The figures and the
flags are computed by :mod:`servgap.core.promises`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.cases import CATEGORIES
from servgap.core.errors import NotFoundError
from servgap.core.promises import (
    DIRECTIONS,
    MEASURES,
    SOURCES,
    Delivery,
    Perception,
    PromiseCheck,
    check_promise,
    resolution_delivery,
)
from servgap.core.survey import SurveyDefinition
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, open_reader
from servgap.store.models import Case, DemandInterval, Promise, PromiseMeasure, Site

DEFAULT_UNIT = {"wait_minutes": "minutes", "resolution_hours": "hours"}

PROMISE_SPEC = TableSpec(
    "promise register",
    "服务承诺清单",
    (
        Field("promise", "code", True, ("承诺", "承诺代码", "code")),
        Field("text_zh", "text", True, ("承诺内容", "内容", "text"), max_len=500),
        Field("text_en", "text", False, ("content_en",), max_len=500),
        Field("site", "code", False, ("网点", "站点"), blank_ok=True),
        Field("channel", "code", False, ("渠道",), blank_ok=True),
        Field("source", "choice", True, ("来源", "出处"), options=SOURCES),
        Field("measure", "choice", True, ("指标", "衡量"), options=MEASURES),
        Field("promised", "float", True, ("承诺值", "承诺水平"), min=0),
        Field("unit", "code", False, ("单位",)),
        Field("direction", "choice", False, ("方向",), options=DIRECTIONS),
        Field("target_share", "float", False, ("达成率目标", "目标比例"), min=0, max=1),
        Field("attribute", "code", False, ("问卷题目", "属性", "item")),
        Field("category", "choice", False, ("投诉类别", "类别"), options=tuple(CATEGORIES)),
        Field("queue", "code", False, ("队列",)),
    ),
)

MEASURE_SPEC = TableSpec(
    "reported promise delivery",
    "承诺交付数据",
    (
        Field("promise", "code", True, ("承诺", "承诺代码")),
        Field("period", "text", True, ("期间", "季度"), max_len=40),
        Field("value", "float", True, ("交付值", "实际值")),
        Field("n", "int", False, ("样本数", "总数"), min=0),
        Field("kept", "int", False, ("达成数", "兑现数"), min=0),
    ),
)


@dataclass(frozen=True)
class PromiseImportReport(ResultMixin):
    """What an import of the register (or of reported delivery) changed."""

    file: str
    rows: int
    created: int
    updated: int


def import_promises(
    store: Store,
    path: Path,
    *,
    workspace: str,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
) -> PromiseImportReport:
    """Import or update the promise register in one transaction (nothing written if any row
    is wrong)."""
    with store.session() as session:
        ws = get_workspace(session, workspace)
        reader = open_reader(path, PROMISE_SPEC, workspace_tz=ws.timezone, encoding=encoding,
                             sheet=sheet, mapping_file=mapping_file,
                             max_bytes=store.settings.max_import_bytes)  # fmt: skip
        records = [r for chunk in reader.records() for r in chunk]
        sites = {
            s.code: s.id for s in session.scalars(select(Site).where(Site.workspace_id == ws.id))
        }
        seen: dict[str, int] = {}
        for r in records:
            row = r["_row"]
            code = r.get("promise")
            if code is not None and code in seen:
                reader.problem(
                    f"promise `{code}` is listed twice (rows {seen[code]} and {row}).",
                    f"承诺 `{code}` 出现两次（第 {seen[code]} 行和第 {row} 行）。",
                    row=row,
                    column="promise",
                    value=code,
                )
            if code is not None:
                seen.setdefault(code, row)
            if r.get("site") is not None and r["site"] not in sites:
                reader.problem(
                    "is not a site of the workspace; import the site list first or leave the "
                    "cell empty for every site.",
                    "不是本工作区的网点；请先导入网点清单，或留空表示所有网点。",
                    row=row,
                    column="site",
                    value=r["site"],
                )
            measure = r.get("measure")
            if measure == "resolution_hours" and r.get("unit") not in (None, "hours"):
                reader.problem(
                    "a resolution-time promise is stated in hours (3 days = 72).",
                    "处理时限类承诺以小时为单位（3 天 = 72）。",
                    row=row,
                    column="unit",
                    value=r.get("unit"),
                )
            if measure == "wait_minutes" and r.get("unit") not in (None, "minutes"):
                reader.problem(
                    "a waiting-time promise is stated in minutes.",
                    "等候时间类承诺以分钟为单位。",
                    row=row,
                    column="unit",
                    value=r.get("unit"),
                )
        if not records:
            reader.problem("has a header but no rows.", "只有表头没有数据行。", row=None,
                           column=None)  # fmt: skip
        reader.raise_if_problems()
        existing = {
            p.code: p for p in session.scalars(select(Promise).where(Promise.workspace_id == ws.id))
        }
        created = updated = 0
        for r in records:
            measure = str(r["measure"])
            values = {
                "text_zh": r["text_zh"],
                "text_en": r.get("text_en") or r["text_zh"],
                "site_id": sites.get(r["site"]) if r.get("site") else None,
                "channel": r.get("channel"),
                "source": r["source"],
                "measure": measure,
                "promised": float(r["promised"]),
                "unit": r.get("unit") or DEFAULT_UNIT.get(measure),
                "direction": r.get("direction") or "lower_better",
                "target_share": float(r["target_share"]) if r.get("target_share") is not None
                else 0.9,
                "attribute": r.get("attribute"),
                "category": r.get("category"),
                "queue": r.get("queue"),
            }  # fmt: skip
            promise = existing.get(r["promise"])
            if promise is None:
                session.add(Promise(workspace_id=ws.id, code=r["promise"], **values))
                created += 1
            else:
                for k, v in values.items():
                    setattr(promise, k, v)
                updated += 1
        return PromiseImportReport(str(path), len(records), created, updated)


def import_promise_measures(
    store: Store,
    path: Path,
    *,
    workspace: str,
    encoding: str | None = None,
    sheet: str | None = None,
) -> PromiseImportReport:
    """Import delivered levels of ``reported`` promises per period (one transaction)."""
    with store.session() as session:
        ws = get_workspace(session, workspace)
        reader = open_reader(path, MEASURE_SPEC, workspace_tz=ws.timezone, encoding=encoding,
                             sheet=sheet, max_bytes=store.settings.max_import_bytes)  # fmt: skip
        records = [r for chunk in reader.records() for r in chunk]
        promises = {
            p.code: p for p in session.scalars(select(Promise).where(Promise.workspace_id == ws.id))
        }
        for r in records:
            p = promises.get(r.get("promise") or "")
            if r.get("promise") is not None and p is None:
                reader.problem(
                    "is not a promise of the register; import the register first.",
                    "不在承诺清单中；请先导入承诺清单。",
                    row=r["_row"],
                    column="promise",
                    value=r["promise"],
                )
            elif p is not None and p.measure != "reported":
                reader.problem(
                    f"promise `{p.code}` is measured from servgap's own data ({p.measure}); "
                    "only `reported` promises take delivered values from a file.",
                    f"承诺 `{p.code}` 由 servgap 自身数据计算（{p.measure}）；只有 `reported` "
                    "类承诺从文件导入交付值。",
                    row=r["_row"],
                    column="promise",
                    value=p.code,
                )
            n, kept = r.get("n"), r.get("kept")
            if (n is None) != (kept is None) or (n is not None and kept > n):
                reader.problem(
                    "give both `n` and `kept` (kept ≤ n), or neither.",
                    "`n` 与 `kept` 需同时给出（kept ≤ n），或都不填。",
                    row=r["_row"],
                    column="kept",
                    value=kept,
                )
        reader.raise_if_problems()
        created = updated = 0
        for r in records:
            p = promises[r["promise"]]
            row = session.scalar(
                select(PromiseMeasure).where(
                    PromiseMeasure.promise_id == p.id, PromiseMeasure.period == r["period"]
                )
            )
            values = {"value": float(r["value"]), "n": r.get("n"), "kept": r.get("kept")}
            if row is None:
                session.add(PromiseMeasure(promise_id=p.id, period=str(r["period"]), **values))
                created += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                updated += 1
        return PromiseImportReport(str(path), len(records), created, updated)


def list_promises(store: Store, *, workspace: str) -> pd.DataFrame:
    """The register, one row per promise."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sites = {x.id: x.code for x in s.scalars(select(Site).where(Site.workspace_id == ws.id))}
        rows = [
            {
                "promise": p.code,
                "text_zh": p.text_zh,
                "text_en": p.text_en,
                "site": sites.get(p.site_id) if p.site_id else None,
                "channel": p.channel,
                "source": p.source,
                "measure": p.measure,
                "promised": p.promised,
                "unit": p.unit,
                "direction": p.direction,
                "target_share": p.target_share,
                "attribute": p.attribute,
                "category": p.category,
                "queue": p.queue,
            }
            for p in s.scalars(
                select(Promise).where(Promise.workspace_id == ws.id).order_by(Promise.code)
            )
        ]
    return pd.DataFrame(rows, columns=[f.name for f in PROMISE_SPEC.fields])


def _window(
    d: SurveyDefinition | None, period: str | None, tz: str
) -> tuple[dt.datetime, dt.datetime] | None:
    """[start, end) of ``period`` in UTC (the survey's period scheme; quarters without one)."""
    if period is None:
        return None
    from servgap.core.periods import PeriodScheme
    from servgap.services.analysis import period_label

    scheme = d.periods if d is not None else PeriodScheme()
    label = period_label(scheme, period)
    bounds = scheme.bounds(label)
    if bounds is None:
        return None
    zone = zoneinfo.ZoneInfo(tz)
    lo = dt.datetime.combine(bounds[0], dt.time(), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(bounds[1] + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return lo, hi


def check_promises(
    store: Store,
    *,
    workspace: str,
    survey: str | None = None,
    period: str | None = None,
    now: dt.datetime | None = None,
) -> PromiseCheck:
    """Every promise of the register for ``period`` (default: the survey's latest period
    with responses; without a survey, all time): promised, delivered, perceived, adequate
    and the status (see :mod:`servgap.core.promises`)."""
    from servgap.services.analysis import choose_survey, period_label, period_order
    from servgap.services.responses import load_responses

    now = now or dt.datetime.now(dt.UTC)
    promises = list_promises(store, workspace=workspace)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        tz = ws.timezone
    d: SurveyDefinition | None = None
    data: pd.DataFrame | None = None
    code: str | None = None
    try:
        code = choose_survey(store, workspace=workspace, survey=survey)
    except NotFoundError:
        if survey is not None:
            raise
        # no survey in the workspace yet: delivery only
    if code is not None:
        d, data = load_responses(store, workspace=workspace, survey=code)
        if period is None and len(data):
            have = period_order(d, [str(x) for x in data["period"].dropna().unique()])
            period = have[-1] if have else None
        elif period is not None:
            period = period_label(d, period)
        if period is not None:
            data = data[data["period"] == period].reset_index(drop=True)
    window = _window(d, period, tz)
    perception = _perceptions(d, data, promises)
    rows: list[dict[str, object]] = []
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sites = {x.code: x.id for x in s.scalars(select(Site).where(Site.workspace_id == ws.id))}
        for p in promises.to_dict("records"):
            site_id = sites.get(p["site"]) if p["site"] else None
            delivery = _delivery(s, ws.id, p, site_id, window, period, now)
            unit_item = perception.get((p["attribute"], p["site"]))
            row = check_promise(
                promised=float(p["promised"]),
                direction=str(p["direction"]),
                unit=p["unit"],
                target_share=float(p["target_share"]),
                delivery=delivery,
                perception=unit_item,
            )
            rows.append(
                {
                    "promise": p["promise"],
                    "text_zh": p["text_zh"],
                    "text_en": p["text_en"],
                    "site": p["site"],
                    "channel": p["channel"],
                    "source": p["source"],
                    "measure": p["measure"],
                    "unit": p["unit"],
                    "direction": p["direction"],
                    "period": period,
                    "attribute": p["attribute"],
                    **row,
                }
            )
    return PromiseCheck(pd.DataFrame(rows))


def _perceptions(
    d: SurveyDefinition | None,
    data: pd.DataFrame | None,
    promises: pd.DataFrame,
) -> dict[tuple[str | None, str | None], Perception]:
    """The survey's row for each (attribute, site) a promise names."""
    from servgap.services.analysis import run_servqual as _run

    out: dict[tuple[str | None, str | None], Perception] = {}
    if d is None or data is None or not len(data) or promises.empty:
        return out
    wanted = {a for a in promises["attribute"].dropna()}
    known = {q.code: q for q in d.questions if q.code in wanted}
    if not known:
        return out
    overall = _run(d, data).items
    per_site = None
    if promises["site"].notna().any() and data["site"].nunique() > 1:
        per_site = _run(d, data, by=["site"]).items
    for code, q in known.items():
        rows: list[tuple[str | None, pd.DataFrame]] = [(None, overall[overall["item"] == code])]
        if per_site is not None:
            rows += [
                (str(site), grp) for site, grp in per_site[per_site["item"] == code].groupby("site")
            ]
        for site, sel in rows:
            if sel.empty:
                continue
            r = sel.iloc[0]
            out[(code, site)] = Perception(
                unit=q.unit,
                perceived=float(r["perceived_mean"]),
                adequate=float(r["adequate_mean"]),
                desired=float(r["desired_mean"]),
                msa=float(r["msa"]),
                share_below=float(r["share_below"]),
            )
    return out


def _delivery(
    s: Session,
    workspace_id: int,
    p: dict[Any, Any],
    site_id: int | None,
    window: tuple[dt.datetime, dt.datetime] | None,
    period: str | None,
    now: dt.datetime,
) -> Delivery | None:
    measure = p["measure"]
    if measure == "wait_minutes":
        q = select(DemandInterval.total_wait_s, DemandInterval.handled).where(
            DemandInterval.workspace_id == workspace_id,
            DemandInterval.total_wait_s.is_not(None),
            DemandInterval.handled.is_not(None),
        )
        if site_id is not None:
            q = q.where(DemandInterval.site_id == site_id)
        if p["queue"]:
            q = q.where(DemandInterval.queue == p["queue"])
        if window is not None:
            q = q.where(DemandInterval.interval_start >= window[0],
                        DemandInterval.interval_start < window[1])  # fmt: skip
        rows = s.execute(q).all()
        handled = float(sum(float(r[1] or 0) for r in rows))
        if handled <= 0:
            return None
        wait = float(sum(float(r[0] or 0) for r in rows)) / handled / 60.0
        return Delivery(wait, None, None, f"{int(handled):,} contacts served")
    if measure == "resolution_hours":
        cq = select(Case.opened_at, Case.resolved_at).where(Case.workspace_id == workspace_id)
        if site_id is not None:
            cq = cq.where(Case.site_id == site_id)
        if p["category"]:
            cq = cq.where(Case.category == p["category"])
        if window is not None:
            cq = cq.where(Case.opened_at >= window[0], Case.opened_at < window[1])
        cases = s.execute(cq).all()
        if not cases:
            return None
        done = np.array(
            [(r.resolved_at - r.opened_at).total_seconds() / 3600 for r in cases if r.resolved_at]
        )
        still = np.array(
            [(now - r.opened_at).total_seconds() / 3600 for r in cases if not r.resolved_at]
        )
        return resolution_delivery(done, still, float(str(p["promised"])))
    if period is None:
        return None
    rq = (
        select(PromiseMeasure)
        .join(Promise, Promise.id == PromiseMeasure.promise_id)
        .where(Promise.workspace_id == workspace_id, Promise.code == p["promise"],
               PromiseMeasure.period == period)
    )  # fmt: skip
    m = s.scalar(rq)
    if m is None:
        return None
    return Delivery(m.value, m.n, m.kept, "reported")
