"""Jinja2 pages: autoescaped templates, the request's language and the form's CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from servgap.i18n import t
from servgap.web.lang import LANG_COOKIE, parse_lang, request_lang

CSRF_COOKIE = "sg_csrf"
STATIC_VERSION = "3"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("servgap.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = lambda path: f"/static/{path}?v={STATIC_VERSION}"
    return env


def csrf_value(request: Request) -> str:
    """The CSRF token a form on this page must send back: the session's when signed in with
    a browser session, else the double-submit cookie's (created on first use)."""
    principal = getattr(request.state, "principal", None)
    if principal is not None and getattr(principal, "csrf", None):
        return str(principal.csrf)
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 64:
        return existing
    new = getattr(request.state, "new_csrf", None)
    if new is None:
        new = secrets.token_urlsafe(24)
        request.state.new_csrf = new
    return str(new)


def with_query(request: Request, **changes: Any) -> str:
    """This page's path with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = str(v)
    return request.url.path + (("?" + urlencode(params)) if params else "")


def _menu(request: Request) -> list[tuple[str, str]]:
    from servgap.web.nav import menu_for

    access = getattr(request.state, "access", None)
    if access is None:
        return []
    return menu_for(access.workspace, access.role)


def wants_json(request: Request) -> bool:
    """The page's JSON twin is asked for: the path ends in ``.json`` or the client accepts
    JSON and not HTML."""
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def page(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    data: Any,
) -> Response:
    """A page as HTML, or its figures ``data`` as JSON at the same URL with ``.json`` (or with
    ``Accept: application/json``), so that every view a person sees can be fetched by a
    script with the same filters."""
    if wants_json(request):
        from servgap.core._result import to_plain

        return JSONResponse(to_plain(data), headers={"Cache-Control": "no-store"})
    return render(request, name, context)


def download(frame: Any, name: str, fmt: str) -> Response:
    """A table as a CSV or XLSX download (``name`` without extension), written by the one
    table writer (inert formulas, UTF-8 with BOM for Excel)."""
    from servgap.core.errors import InputError
    from servgap.services.files import table_bytes

    if fmt not in ("csv", "xlsx"):
        raise InputError(
            f"`format` {fmt!r} is not a download format; use csv or xlsx.",
            f"`format` {fmt!r} 不是可下载的格式；请用 csv 或 xlsx。",
            fields=("format",),
        )
    body = table_bytes(frame, "csv" if fmt == "csv" else "xlsx", sheet=name[:31])
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{safe or "table"}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    lang = request_lang(request)
    ctx: dict[str, Any] = {
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "t": lambda key, **kw: t(key, lang, **kw),
        "csrf": csrf_value(request),
        "user": getattr(request.state, "principal", None),
        "path": request.url.path,
        "lang_url": lambda code: with_query(request, lang=code),
        "menu": _menu(request),
        "with_query": lambda **kw: with_query(request, **kw),
    }
    ctx.update(context or {})
    html = environment().get_template(name).render(ctx)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    new = getattr(request.state, "new_csrf", None)
    if new is not None:
        settings = getattr(request.app.state, "settings", None)
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=bool(getattr(settings, "secure_cookies", False)),
            path="/",
        )
    chosen = parse_lang(request.query_params.get("lang"))
    if chosen is not None and request.cookies.get(LANG_COOKIE) != chosen:
        # the language switch holds for the following pages too
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, path="/", samesite="lax",
                            httponly=True)  # fmt: skip
    if "cache-control" not in {k.lower() for k in (headers or {})}:
        response.headers["Cache-Control"] = "no-store"
    return response
