"""Jinja2 pages: autoescaped templates, the request's language and the form's CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from servgap.i18n import t
from servgap.web.lang import LANG_COOKIE, parse_lang, request_lang

CSRF_COOKIE = "sg_csrf"
STATIC_VERSION = "2"


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
