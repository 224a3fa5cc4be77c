"""Pages for signed-in users: my workspaces, a workspace, a survey and its links."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.parse import neutralize_cell
from servgap.i18n import Lang, t
from servgap.services.accounts import Principal, role_label
from servgap.services.distribution import SOURCES, create_links
from servgap.services.portal import my_workspaces, survey_detail, workspace_overview
from servgap.services.quotas import list_quotas, segments_of, set_quota
from servgap.web.access import ALL_ROLES, DISTRIBUTORS, Access, InWorkspace, SignedIn
from servgap.web.api.links import invite_text, link_url
from servgap.web.deps import LangDep, StoreDep, public_base
from servgap.web.templating import render

router = APIRouter()

Me = Annotated[Principal, Depends(SignedIn(page=True))]
Member = Annotated[Access, Depends(InWorkspace(*ALL_ROLES, page=True))]
Distributor = Annotated[Access, Depends(InWorkspace(*DISTRIBUTORS, page=True))]

LINK_FIELDS = ("kind", "count", "customers", "site", "source", "opens_at", "closes_at")
QUOTA_FIELDS = ("segment", "quotas")


@router.get("/")
def home(request: Request, store: StoreDep, principal: Me) -> Response:
    res = my_workspaces(store, principal.roles)
    return render(
        request,
        "home.html",
        {"workspaces": res.workspaces, "roles": principal.roles, "role_label": role_label},
    )


@router.get("/w/{ws}")
def workspace_page(ws: str, request: Request, store: StoreDep, access: Member) -> Response:
    ov = workspace_overview(store, workspace=access.workspace)
    return render(
        request, "workspace.html", {"ov": ov, "role": access.role, "role_label": role_label}
    )


def _survey_context(
    request: Request, store: Any, access: Access, survey: str, lang: Lang
) -> dict[str, Any]:
    detail = survey_detail(store, workspace=access.workspace, survey=survey)
    ov = workspace_overview(store, workspace=access.workspace)
    base = public_base(request)
    ws_name = ov.workspace.name(lang)
    title = detail.definition.title.get(lang)
    links = [
        {
            **x.to_dict(),
            "url": link_url(base, x.token),
            "message": invite_text(lang, ws_name, title, link_url(base, x.token)),
        }
        for x in detail.links
    ]
    quotas = list_quotas(store, workspace=access.workspace, survey=survey)
    return {
        "detail": detail,
        "quotas": quotas.cells,
        "segments": list(segments_of(detail.definition)),
        "links": links,
        "sites": ov.sites,
        "ws_name": ws_name,
        "title": title,
        "sources": SOURCES,
        "role": access.role,
    }


@router.get("/w/{ws}/surveys/{survey}")
def survey_page(
    ws: str, survey: str, request: Request, store: StoreDep, access: Distributor, lang: LangDep
) -> Response:
    ctx = _survey_context(request, store, access, survey, lang)
    ctx["created"] = request.query_params.get("created")
    return render(request, "survey.html", ctx)


def _labels(lang: Lang) -> dict[str, str]:
    return {f: t(f"web_field_{f}", lang) for f in LINK_FIELDS}


@router.post("/w/{ws}/surveys/{survey}/links")
async def create_links_form(
    ws: str,
    survey: str,
    request: Request,
    store: StoreDep,
    access: Distributor,
    lang: LangDep,
    kind: Annotated[str, Form(max_length=20)] = "personal",
    count: Annotated[str, Form(max_length=10)] = "",
    customers: Annotated[str, Form(max_length=400_000)] = "",
    site: Annotated[str, Form(max_length=64)] = "",
    source: Annotated[str, Form(max_length=20)] = "",
    opens_at: Annotated[str, Form(max_length=40)] = "",
    closes_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    from servgap.core.errors import InputError

    request.state.field_labels = _labels(lang)
    codes = [c.strip() for c in customers.replace(",", "\n").splitlines() if c.strip()]
    n: int | None = None
    if not codes:
        try:
            n = int(count or "1")
        except ValueError:
            raise InputError(
                f"`count` {count!r} is not a whole number.",
                f"`count` {count!r} 不是整数。",
                fields=("count",),
            ) from None
    batch = await run_in_threadpool(
        lambda: create_links(
            store,
            workspace=access.workspace,
            survey=survey,
            count=n,
            customers=codes or None,
            kind=kind if not codes else None,
            site=site or None,
            source=source or None,
            opens_at=opens_at or None,
            closes_at=closes_at or None,
            created_by=access.principal.email,
        )
    )
    return RedirectResponse(
        f"/w/{access.workspace}/surveys/{survey}?created={len(batch.links)}", status_code=303
    )


@router.get("/w/{ws}/surveys/{survey}/links.csv")
def links_csv(
    ws: str, survey: str, request: Request, store: StoreDep, access: Distributor, lang: LangDep
) -> Response:
    """Every link with its URL and invitation text (for an SMS or WeChat mailing)."""
    ctx = _survey_context(request, store, access, survey, lang)
    buf = io.StringIO()
    cols = ["id", "kind", "site", "customer", "state", "url", "message"]
    writer = csv.writer(buf)
    writer.writerow(cols)
    for link in ctx["links"]:
        writer.writerow([neutralize_cell(str(link.get(c) or "")) for c in cols])
    data = "\ufeff" + buf.getvalue()  # a BOM so that Excel reads UTF-8
    name = f"{survey}_links.csv"
    return Response(
        data.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/w/{ws}/surveys/{survey}/quotas")
async def quota_form(
    ws: str,
    survey: str,
    request: Request,
    store: StoreDep,
    access: Distributor,
    lang: LangDep,
    segment: Annotated[str, Form(max_length=64)] = "site",
    value: Annotated[str, Form(max_length=200)] = "",
    target: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Set one quota cell (an empty target removes it)."""
    from servgap.core.errors import InputError

    request.state.field_labels = {f: t(f"web_quota_{f}", lang) for f in QUOTA_FIELDS}
    n: int | None = None
    if target.strip():
        try:
            n = int(target)
        except ValueError:
            raise InputError(
                f"`quotas`: {target!r} is not a whole number of responses.",
                f"`quotas`：{target!r} 不是整数答卷数。",
                fields=("quotas",),
            ) from None
    await run_in_threadpool(
        lambda: set_quota(
            store,
            workspace=access.workspace,
            survey=survey,
            segment=segment,
            value=value.strip(),
            target=n,
        )
    )
    return RedirectResponse(f"/w/{access.workspace}/surveys/{survey}#quotas", status_code=303)
