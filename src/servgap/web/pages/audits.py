"""Mystery-shopper audits: the auditor's visit form (phone first) and the manager's view.

* ``/w/{ws}/audits`` (+ ``.json``): admins and analysts see the weighted scores per site with
  their ranking, a site's trend on an individuals control chart with early warnings, and
  each indicator beside the linked survey item's perception and expectations; every auditor
  sees their own visits and drafts there (not the other sites' figures).
* ``/w/{ws}/audits/new`` and ``/w/{ws}/audits/visits/{id}``: the visit form, saved as a draft
  or submitted (:mod:`servgap.services.audit_visits`). The form is a multipart post with the
  photos; its body is limited to :data:`~servgap.services.audit_visits.MAX_FORM_BYTES`
  before anything reads it (a ``Content-Length`` is required).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.errors import InputError, Problem, ServgapError, UsageError
from servgap.i18n import Lang, t
from servgap.services.audit_visits import (
    MAX_FORM_BYTES,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    NA,
    Upload,
    VisitInfo,
    VisitSetup,
    get_visit,
    list_visits,
    save_visit,
    visit_photo,
    visit_setup,
)
from servgap.services.audits import AuditOverview, audit_overview
from servgap.services.portal import survey_list
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.errors import PayloadTooLargeError
from servgap.web.nav import AUDIT_USERS
from servgap.web.templating import download, page, render

router = APIRouter()

AuditUser = Annotated[Access, Depends(InWorkspace(*AUDIT_USERS, page=True))]
Manager = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]
TABLES = ("sites", "visits", "warnings", "attributes")
VISIT_FIELDS = ("site", "visited_at", "notes", "photos")


async def limit_form(request: Request) -> None:
    """Refuse a visit form larger than the photos allow before anything reads it (these paths
    pass the request guard as uploads)."""
    if request.method != "POST":
        return
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise UsageError(
            "Send the form with a Content-Length (as browsers do).",
            "请以带 Content-Length 的方式提交表单（浏览器默认如此）。",
            code="length_required",
            fields=("photos",),
        )
    if int(length) > MAX_FORM_BYTES:
        mb = MAX_FORM_BYTES // 1024**2
        raise PayloadTooLargeError(
            f"The visit form with its photos is larger than {mb} MB; send fewer or smaller "
            f"photos (at most {MAX_PHOTOS}, {MAX_PHOTO_BYTES // 1024**2} MB each).",
            f"检查表及照片超过 {mb} MB；请减少照片或压缩（最多 {MAX_PHOTOS} 张，每张 "
            f"{MAX_PHOTO_BYTES // 1024**2} MB）。",
        )


def _own(access: Access) -> bool:
    return access.role == "auditor"


def _local(when: dt.datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return when.astimezone(zoneinfo.ZoneInfo(tz)).strftime(fmt) if when is not None else ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ------------------------------------------------------------------ the visit form


def _form_context(
    setup: VisitSetup,
    lang: Lang,
    *,
    visit: VisitInfo | None,
    values: dict[str, Any] | None = None,
    problems: tuple[Problem, ...] = (),
    message: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(p.column or "", []).append(p.zh if lang == "zh" else p.en)
    if values is None:
        values = {"site": "", "visited_at": "", "notes": "", "scores": {},
                  "form_key": secrets.token_urlsafe(24)}  # fmt: skip
        if visit is not None:
            values = {
                "site": visit.site or "",
                "visited_at": _local(visit.visited_at, setup.timezone, "%Y-%m-%dT%H:%M"),
                "notes": visit.notes,
                "scores": {k: (NA if v is None else _num(v)) for k, v in visit.scores.items()},
            }
        elif len(setup.sites) == 1:
            values["site"] = setup.sites[0].site
    std = setup.standard
    sections: list[dict[str, Any]] = []
    if std is not None:
        titles = {
            str(s["code"]): s.get("title", {})
            for s in std.raw.get("sections", [])
            if isinstance(s, dict)
        }
        for ind in std.indicators:
            if not sections or sections[-1]["code"] != ind.section:
                title = titles.get(ind.section) or {}
                sections.append({"code": ind.section, "title": title.get(lang) or ind.section,
                                 "indicators": []})  # fmt: skip
            lo, hi = ind.scale
            points = None
            if float(lo).is_integer() and float(hi).is_integer() and 0 < hi - lo <= 10:
                points = [_num(float(v)) for v in range(int(lo), int(hi) + 1)]
            sections[-1]["indicators"].append({
                "code": ind.code, "title": ind.title.get(lang), "weight": f"{100 * ind.weight:.1f}",
                "lo": _num(lo), "hi": _num(hi), "points": points, "item": ind.item,
                "value": str(values["scores"].get(ind.code, "")), "errors": errors.get(ind.code, []),
            })  # fmt: skip
    return {
        "setup": setup,
        "ws_name": setup.workspace_name.get(lang, setup.workspace),
        "visit": visit,
        "values": values,
        "sections": sections,
        "errors": errors,
        "message": message,
        "notice": notice,
        "n_problems": len(problems),
        "editable": visit is None or visit.editable,
        "photo_mb": MAX_PHOTO_BYTES // 1024**2,
        "max_photos": MAX_PHOTOS,
        "visited_local": _local(visit.visited_at, setup.timezone) if visit is not None else "",
        "site_name": next(
            (
                c.name_zh if lang == "zh" else c.name_en
                for c in setup.sites
                if visit is not None and c.site == visit.site
            ),
            visit.site if visit is not None else None,
        ),
        "score_text": (
            f"{visit.score:.1f}" if visit is not None and visit.score is not None else "—"
        ),
    }


def _form_page(
    request: Request, store: Any, access: Access, lang: Lang, visit: VisitInfo | None, *,
    status: int = 200, **kw: Any,
) -> Response:  # fmt: skip
    setup = visit_setup(store, workspace=access.workspace, scope=access.sites)
    return render(request, "audits_visit.html", _form_context(setup, lang, visit=visit, **kw),
                  status=status)  # fmt: skip


@router.get("/w/{ws}/audits/new")
def new_visit_page(
    ws: str, request: Request, store: StoreDep, access: AuditUser, lang: LangDep
) -> Response:
    return _form_page(request, store, access, lang, None)


def _visit(store: Any, access: Access, visit_id: int) -> VisitInfo:
    return get_visit(store, workspace=access.workspace, visit_id=visit_id,
                     viewer=access.principal.email, own_only=_own(access), scope=access.sites)  # fmt: skip


@router.get("/w/{ws}/audits/visits/{visit_id}")
@router.get("/w/{ws}/audits/visits/{visit_id}.json")
def visit_page(
    ws: str, visit_id: int, request: Request, store: StoreDep, access: AuditUser, lang: LangDep
) -> Response:
    visit = _visit(store, access, visit_id)
    notice = None
    if request.query_params.get("saved"):
        notice = t("web_audits_saved", lang, code=visit.code)
    setup = visit_setup(store, workspace=access.workspace, scope=access.sites)
    return page(request, "audits_visit.html",
                _form_context(setup, lang, visit=visit, notice=notice), data=visit.to_dict())  # fmt: skip


async def _read(request: Request) -> tuple[dict[str, Any], list[Upload], list[int], bool]:
    form: FormData = await request.form()
    try:
        scores = {
            k[2:]: str(v)
            for k, v in form.multi_items()
            if k.startswith("s-") and isinstance(v, str)
        }
        for k, v in form.multi_items():
            if k.startswith("na-") and v:
                scores[k[3:]] = NA
        uploads = []
        for f in form.getlist("photos"):
            if isinstance(f, UploadFile):
                data = await f.read(MAX_PHOTO_BYTES + 1)  # enough to tell it is too large
                if data or f.filename:
                    uploads.append(Upload(f.filename or "", data))
        remove = [
            int(x) for x in form.getlist("remove_photo") if isinstance(x, str) and x.isdigit()
        ]
        fields: dict[str, Any] = {
            k: str(form.get(k) or "") for k in ("site", "visited_at", "notes", "form_key")
        }
        fields["scores"] = scores
        return fields, uploads, remove, form.get("action") == "submit"
    finally:
        await form.close()


async def _post(
    request: Request, store: Any, access: Access, lang: Lang, visit_id: int | None
) -> Response:
    fields, uploads, remove, submit = await _read(request)
    request.state.field_labels = {f: t(f"web_audits_field_{f}", lang) for f in VISIT_FIELDS}
    try:
        visit = await run_in_threadpool(
            lambda: save_visit(
                store, workspace=access.workspace, auditor=access.principal.email,
                scope=access.sites, own_only=_own(access), visit_id=visit_id, site=fields["site"],
                form_key=fields["form_key"] or None,
                visited_at=fields["visited_at"], notes=fields["notes"], scores=fields["scores"],
                photos=uploads, remove_photos=remove, submit=submit,
            )
        )  # fmt: skip
    except ServgapError as exc:
        if exc.status == 404:
            raise
        message = exc.zh if lang == "zh" else exc.en
        status = exc.status
        problems = exc.problems if isinstance(exc, InputError) else ()
        current = None
        if visit_id is not None:
            current = await run_in_threadpool(lambda: _visit(store, access, visit_id))
        return await run_in_threadpool(
            lambda: _form_page(request, store, access, lang, current, status=status,
                               values=fields, problems=problems, message=message)
        )  # fmt: skip
    target = f"/w/{access.workspace}/audits/visits/{visit.id}"
    if visit.status == "submitted":
        target = f"/w/{access.workspace}/audits?submitted={visit.id}"
    else:
        target += "?saved=1"
    return RedirectResponse(target, status_code=303)


@router.post("/w/{ws}/audits/new", dependencies=[Depends(limit_form)])
async def new_visit_post(
    ws: str, request: Request, store: StoreDep, access: AuditUser, lang: LangDep
) -> Response:
    return await _post(request, store, access, lang, None)


@router.post("/w/{ws}/audits/visits/{visit_id}", dependencies=[Depends(limit_form)])
async def visit_post(
    ws: str, visit_id: int, request: Request, store: StoreDep, access: AuditUser, lang: LangDep
) -> Response:
    return await _post(request, store, access, lang, visit_id)


@router.get("/w/{ws}/audits/visits/{visit_id}/photos/{photo_id}")
def photo(ws: str, visit_id: int, photo_id: int, store: StoreDep, access: AuditUser) -> Response:
    kind, data = visit_photo(store, workspace=access.workspace, visit_id=visit_id,
                             photo_id=photo_id, viewer=access.principal.email,
                             own_only=_own(access), scope=access.sites)  # fmt: skip
    return Response(data, media_type=kind, headers={
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": f'inline; filename="visit{visit_id}-photo{photo_id}"',
    })  # fmt: skip


# ------------------------------------------------------------------ the manager's view


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params

    def date(name: str) -> dt.date | None:
        v = (q.get(name) or "").strip()
        if not v:
            return None
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise InputError(f"`{name}` {v!r} is not a date (YYYY-MM-DD).",
                             f"`{name}` {v!r} 不是日期（YYYY-MM-DD）。", fields=(name,)) from None  # fmt: skip

    return {"site": (q.get("site") or "").strip() or None, "date_from": date("from"),
            "date_to": date("to"), "survey": (q.get("survey") or "").strip() or None}  # fmt: skip


def _overview(store: Any, access: Access, request: Request) -> AuditOverview:
    return audit_overview(store, workspace=access.workspace, **_filters(request))


def _charts(ov: AuditOverview, lang: Lang, trend_site: str | None) -> dict[str, Any]:
    """ECharts options (pure JSON) and table rows of the manager's charts."""
    name = "name_zh" if lang == "zh" else "name_en"
    sites = ov.sites.to_dict("records")
    ranked = list(reversed(sites))  # the best at the top of a horizontal bar chart
    rank_option = {
        "grid": {"left": 8, "right": 40, "top": 10, "bottom": 20, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {"type": "category", "data": [r[name] for r in ranked]},
        "series": [{"type": "bar", "name": t("web_audits_mean", lang),
                    "data": [round(r["mean_score"], 1) for r in ranked], "barMaxWidth": 28,
                    "label": {"show": True, "position": "right"}}],
    }  # fmt: skip
    visits = ov.visits[ov.visits["site"] == trend_site] if trend_site else ov.visits.iloc[0:0]
    rows = visits.to_dict("records")
    labels = [r["visited_at"].strftime("%Y-%m-%d") for r in rows]
    warn = [
        [i, round(r["score"], 1)] for i, r in enumerate(rows) if r["declines"] or r["below_lcl"]
    ]

    def line(key: str, label: str, dashed: bool) -> dict[str, Any]:
        return {"type": "line", "name": label, "data": [round(r[key], 2) for r in rows],
                "symbol": "none", "lineStyle": {"type": "dashed" if dashed else "solid"}}  # fmt: skip

    trend_option = {
        "grid": {"left": 8, "right": 16, "top": 60, "bottom": 20, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "scale": True},
        "series": [
            {"type": "line", "name": t("web_audits_score", lang),
             "data": [round(r["score"], 1) for r in rows], "symbolSize": 7},
            line("centre", t("web_audits_centre", lang), False),
            line("lcl", t("web_audits_lcl", lang), True),
            line("ucl", t("web_audits_ucl", lang), True),
            {"type": "scatter", "name": t("web_audits_warning", lang), "data": warn,
             "symbolSize": 16, "symbol": "triangle", "itemStyle": {"color": "#d92d20"}},
        ],
    }  # fmt: skip
    attrs = [a for a in ov.attributes.to_dict("records")]
    linked = [a for a in attrs if a["perceived_pct"] == a["perceived_pct"]]
    shown = list(reversed(linked))

    def r1(x: Any) -> Any:
        return None if x != x else round(float(x), 1)

    compare_option = {
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 20, "containLabel": True},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "data": [t("web_audits_zone", lang), t("web_audits_perceived_pct", lang),
                                      t("web_audits_audit_pct", lang)]},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {"type": "category", "data": [a[name] for a in shown]},
        "series": [
            {"type": "bar", "stack": "zone", "name": t("web_audits_adequate_pct", lang),
             "data": [r1(a["adequate_pct"]) for a in shown],
             "itemStyle": {"color": "transparent"}, "barWidth": 14},
            {"type": "bar", "stack": "zone", "name": t("web_audits_zone", lang),
             "data": [r1(a["desired_pct"] - a["adequate_pct"]) for a in shown],
             "itemStyle": {"color": "#d0d5dd"}},
            {"type": "scatter", "name": t("web_audits_perceived_pct", lang),
             "data": [r1(a["perceived_pct"]) for a in shown], "symbol": "diamond",
             "symbolSize": 12, "itemStyle": {"color": "#1570ef"}},
            {"type": "scatter", "name": t("web_audits_audit_pct", lang),
             "data": [r1(a["audit_pct"]) for a in shown], "symbol": "circle",
             "symbolSize": 11, "itemStyle": {"color": "#f79009"}},
        ],
    }  # fmt: skip
    return {
        "rank_option": rank_option,
        "rank_rows": [{**r, "mean_score": round(r["mean_score"], 1)} for r in sites],
        "trend_option": trend_option,
        "trend_rows": [
            {
                "visit": r["visit"],
                "when": lab,
                "score": round(r["score"], 1),
                "centre": round(r["centre"], 1),
                "lcl": r1(r["lcl"]),
                "ucl": r1(r["ucl"]),
            }
            for r, lab in zip(rows, labels, strict=True)
        ],
        "compare_option": compare_option,
        "compare_rows": [
            {
                **a,
                **{
                    k: r1(a[k])
                    for k in ("audit_pct", "perceived_pct", "adequate_pct", "desired_pct")
                },
            }
            for a in attrs
        ],
        "has_link": bool(linked),
        "chart_height": "lg" if len(sites) > 8 or len(linked) > 8 else "md",
    }


@router.get("/w/{ws}/audits")
@router.get("/w/{ws}/audits.json")
def audits_page(
    ws: str, request: Request, store: StoreDep, access: AuditUser, lang: LangDep
) -> Response:
    mine = list_visits(store, workspace=access.workspace, viewer=access.principal.email,
                       own_only=_own(access), scope=access.sites)  # fmt: skip
    setup = visit_setup(store, workspace=access.workspace, scope=access.sites)
    notice = None
    done = request.query_params.get("submitted")
    if done and done.isdigit():
        last = next((v for v in mine.visits if v.id == int(done)), None)
        if last is not None:
            score = "—" if last.score is None else f"{last.score:.1f}"
            notice = t("web_audits_submitted", lang, code=last.code, score=score)
    ctx: dict[str, Any] = {
        "ws": access.workspace,
        "ws_name": setup.workspace_name.get(lang, access.workspace),
        "setup": setup,
        "visits": [
            {
                **v.to_dict(),
                "updated": _local(v.updated_at, setup.timezone),
                "when": _local(v.visited_at, setup.timezone),
                "score_text": "—" if v.score is None else f"{v.score:.1f}",
            }
            for v in mine.visits
        ],
        "manager": not _own(access),
        "site_names": {c.site: (c.name_zh if lang == "zh" else c.name_en) for c in setup.sites},
        "notice": notice,
    }
    data: dict[str, Any] = {"visits": mine.to_dict()}
    if not _own(access):
        filters = _filters(request)
        ov = audit_overview(store, workspace=access.workspace, **filters)
        trend_site = (request.query_params.get("trend") or "").strip() or ov.site
        recent = ov.warnings.sort_values("visited_at", ascending=False, kind="stable")
        if trend_site not in set(ov.sites["site"]):
            # the site of the newest warning, else the lowest ranked
            trend_site = (recent["site"].iloc[0] if len(recent) else
                          (ov.sites["site"].iloc[-1] if len(ov.sites) else None))  # fmt: skip
        site_names = {r["site"]: r["name_zh" if lang == "zh" else "name_en"]
                      for r in ov.sites.to_dict("records")}  # fmt: skip
        query = request.url.query
        ctx.update({
            "ov": ov, "filters": filters, "trend_site": trend_site,
            "trend_name": next((r["name_zh" if lang == "zh" else "name_en"]
                                for r in ov.sites.to_dict("records") if r["site"] == trend_site),
                               trend_site),
            "sites": setup.sites, "query": query,
            "surveys": survey_list(store, workspace=access.workspace),
            "warnings": [{**w, "when": _local(w["visited_at"], setup.timezone),
                          "rule_text": t(f"web_audits_rule_{w['rule']}", lang, k=ov.decline_run),
                          "score": round(w["score"], 1),
                          "name": site_names.get(w["site"], w["site"])}
                         for w in recent.to_dict("records")],
            **_charts(ov, lang, trend_site),
        })  # fmt: skip
        data["overview"] = ov.to_dict()
    return page(request, "audits.html", ctx, data=data)


@router.get("/w/{ws}/audits/data/{table}")
def audits_data(
    ws: str, table: str, request: Request, store: StoreDep, access: Manager
) -> Response:
    """A table of the manager's view as CSV or XLSX (``format``), with the page's filters."""
    if table not in TABLES:
        raise InputError(
            f"`table` {table!r} is not one of {', '.join(TABLES)}.",
            f"`table` {table!r} 不是 {'、'.join(TABLES)} 之一。",
            fields=("table",),
        )
    ov = _overview(store, access, request)
    frame = getattr(ov, table).copy()
    for col in frame.columns:
        if str(frame[col].dtype).startswith("datetime64"):
            frame[col] = frame[col].map(lambda x: x.strftime("%Y-%m-%d %H:%M"))
    return download(frame, f"audits_{table}", request.query_params.get("format") or "csv")
