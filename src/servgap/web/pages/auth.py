"""Sign in and out: the login form, browser sessions, lockout and rate limits."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from servgap.core.errors import ServgapError
from servgap.services.accounts import Principal, authenticate, end_session, start_session
from servgap.web.access import SESSION_COOKIE, Public, SignedIn
from servgap.web.deps import SettingsDep, StoreDep
from servgap.web.lang import request_lang
from servgap.web.security import client_address
from servgap.web.templating import render

router = APIRouter()

LOGIN = Public("the login form is how one signs in")


def safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) is followed after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, _: Annotated[None, Depends(LOGIN)], next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
async def login(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    _: Annotated[None, Depends(LOGIN)],
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    addr = client_address(request, trust_proxy=settings.trust_proxy_headers)
    target = safe_next(next)
    try:
        request.app.state.limiter.hit(f"login:{addr}", settings.login_rate_per_minute)
        user_id = await run_in_threadpool(
            lambda: authenticate(
                store,
                email,
                password,
                max_failures=settings.login_max_failures,
                lockout=dt.timedelta(minutes=settings.lockout_minutes),
            )
        )
    except ServgapError as exc:
        lang = request_lang(request, settings.lang)
        message = exc.zh if lang == "zh" else exc.en
        headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else {}
        return render(
            request,
            "login.html",
            {"next": target, "error": message, "email": email},
            status=exc.status,
            headers=headers,
        )
    session = await run_in_threadpool(
        lambda: start_session(store, user_id, hours=settings.session_hours)
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie,
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@router.post("/logout")
async def logout(
    request: Request,
    store: StoreDep,
    principal: Annotated[Principal, Depends(SignedIn(page=True))],
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(end_session, store, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
