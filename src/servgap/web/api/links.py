"""Survey distribution: create links, list them (who has not answered), QR codes."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from servgap.i18n import Lang, t
from servgap.services.distribution import LinkInfo, create_links, get_link, list_links
from servgap.services.portal import workspace_overview
from servgap.web.access import DISTRIBUTORS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep, public_base

router = APIRouter(tags=["distribution"])

Distributor = Annotated[Access, Depends(InWorkspace(*DISTRIBUTORS))]


class LinkRequest(BaseModel):
    """``count`` links, or one personal link per customer code in ``customers``."""

    model_config = ConfigDict(extra="forbid")

    count: int | None = Field(default=None, ge=1, le=10_000, description="How many links.")
    customers: list[str] | None = Field(
        default=None, min_length=1, max_length=10_000, description="One personal link each."
    )
    kind: Literal["open", "personal"] | None = Field(
        default=None, description="personal (one use; the default) or open (many respondents)."
    )
    site: str | None = Field(default=None, max_length=64, description="Site code of the answers.")
    channel: Literal["web", "phone"] = "web"
    source: Literal["sms", "wechat", "qr", "email", "print", "other"] | None = None
    opens_at: str | None = Field(default=None, max_length=40, description="2026-07-01 08:00")
    closes_at: str | None = Field(default=None, max_length=40, description="2026-07-31 20:00")


def link_url(base: str, token: str) -> str:
    return f"{base}/s/{token}"


def invite_text(lang: Lang, workspace_name: str, title: str, url: str) -> str:
    """An SMS / WeChat-ready invitation with the link."""
    return t("web_invite", lang, workspace=workspace_name, title=title, url=url)


def link_dict(link: LinkInfo, base: str, lang: Lang, ws_name: str, title: str) -> dict[str, Any]:
    url = link_url(base, link.token)
    return {**link.to_dict(), "url": url, "message": invite_text(lang, ws_name, title, url)}


def _names(store: Any, workspace: str, survey: str, lang: Lang) -> tuple[str, str]:
    ov = workspace_overview(store, workspace=workspace)
    ws_name = ov.workspace.name(lang)
    title = next(
        (s.title_zh if lang == "zh" else s.title_en for s in ov.surveys if s.survey == survey),
        survey,
    )
    return ws_name, title


@router.post("/workspaces/{ws}/surveys/{survey}/links", status_code=201)
def create_survey_links(
    ws: str,
    survey: str,
    body: LinkRequest,
    request: Request,
    store: StoreDep,
    access: Distributor,
    lang: LangDep,
) -> dict[str, Any]:
    """Create ``count`` links (one-use unless ``kind`` is open) or one personal link per
    customer; returns each link's URL (``…/s/{token}``), token and invitation text."""
    batch = create_links(
        store,
        workspace=access.workspace,
        survey=survey,
        count=body.count,
        customers=body.customers,
        kind=body.kind,
        site=body.site,
        channel=body.channel,
        source=body.source,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        created_by=access.principal.email,
    )
    base = public_base(request)
    ws_name, title = _names(store, access.workspace, survey, lang)
    return {
        "ok": True,
        "workspace": batch.workspace,
        "survey": batch.survey,
        "links": [link_dict(x, base, lang, ws_name, title) for x in batch.links],
    }


@router.get("/workspaces/{ws}/surveys/{survey}/links")
def survey_links(
    ws: str,
    survey: str,
    request: Request,
    store: StoreDep,
    access: Distributor,
    lang: LangDep,
    state: Annotated[
        Literal["open", "answered", "not_yet", "closed"] | None,
        Query(description="Only links in this state (open personal links: who to remind)."),
    ] = None,
) -> dict[str, Any]:
    """The survey's links with their state and number of answers."""
    batch = list_links(store, workspace=access.workspace, survey=survey, state=state)
    base = public_base(request)
    ws_name, title = _names(store, access.workspace, survey, lang)
    return {
        "ok": True,
        "workspace": batch.workspace,
        "survey": batch.survey,
        "links": [link_dict(x, base, lang, ws_name, title) for x in batch.links],
    }


def qr_response(url: str, fmt: str) -> Response:
    code = segno.make(url, error="m")
    buf = io.BytesIO()
    if fmt == "svg":
        code.save(buf, kind="svg", scale=6, border=2, xmldecl=False)
        media = "image/svg+xml"
    else:
        code.save(buf, kind="png", scale=8, border=2)
        media = "image/png"
    return Response(buf.getvalue(), media_type=media, headers={"Cache-Control": "no-store"})


@router.get("/workspaces/{ws}/surveys/{survey}/links/{link_id}/qr.{fmt}")
def link_qr(
    ws: str,
    survey: str,
    link_id: int,
    fmt: Literal["png", "svg"],
    request: Request,
    store: StoreDep,
    access: Distributor,
) -> Response:
    """The link's QR code as PNG or SVG (print it for a counter: an open link per site)."""
    link = get_link(store, workspace=access.workspace, survey=survey, link_id=link_id)
    return qr_response(link_url(public_base(request), link.token), fmt)
