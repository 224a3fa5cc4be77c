"""Who may call a route: every route declares exactly one access rule.

* :class:`Public` — anyone (the respondent pages, the login form, ``/healthz``); the
  reason is written down with the rule.
* :class:`SignedIn` — any signed-in user (their own workspace list, ``/api/v1/me``).
* :class:`InWorkspace` — a role in the workspace of the URL's ``{ws}``. A user with no
  role there gets 404, exactly as for a workspace that does not exist, so nobody learns
  what other workspaces hold; a role that does not allow the route gets 403.

Credentials: ``Authorization: Bearer <token>`` (API tokens), or the browser session
cookie. Every unsafe request (POST, PUT, PATCH, DELETE) not authenticated by a bearer
token must carry the CSRF token — the session's, or for anonymous forms the
double-submit cookie's — in the form field ``csrf`` or the ``X-CSRF-Token`` header (under
``/api`` in the header only, so that an upload is never read before its route streams it).
``tests/web/test_access.py`` enumerates every route of the app and fails when one has
no rule.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from servgap.core.errors import NotFoundError
from servgap.services.accounts import (
    ROLES,
    AuthenticationError,
    Principal,
    session_principal,
    token_principal,
)
from servgap.web.errors import LoginRequiredError, PermissionDeniedError, is_api
from servgap.web.templating import CSRF_COOKIE

SESSION_COOKIE = "sg_session"
UNSAFE = frozenset(("POST", "PUT", "PATCH", "DELETE"))

ALL_ROLES: tuple[str, ...] = ROLES
SURVEY_READERS: tuple[str, ...] = ("admin", "analyst", "auditor")  # auditors key interviews
SURVEY_EDITORS: tuple[str, ...] = ("admin", "analyst")
DISTRIBUTORS: tuple[str, ...] = ("admin", "analyst")
ANALYSTS: tuple[str, ...] = ("admin", "analyst")
ADMINS: tuple[str, ...] = ("admin",)
INTERVIEWERS: tuple[str, ...] = ("analyst", "auditor")  # key phone interviews
CALL_READERS: tuple[str, ...] = ("admin", "analyst", "auditor")  # auditors: their sites only
CASE_READERS: tuple[str, ...] = ("admin", "analyst", "agent")
CASE_WORKERS: tuple[str, ...] = ("admin", "agent")  # open, move and act on complaint cases


@dataclass(frozen=True)
class Access:
    """A request allowed in a workspace: who, where, with which role."""

    principal: Principal
    workspace: str
    role: str

    @property
    def sites(self) -> tuple[str, ...] | None:
        """The sites this caller may act for (an auditor's assigned sites), None: every site."""
        return self.principal.site_scope(self.workspace)


async def principal_of(request: Request) -> Principal | None:
    """The caller from a bearer token or a session cookie (cached on the request)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    store = request.app.state.store
    header = request.headers.get("authorization")
    principal: Principal | None = None
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(
                "Send the API token as `Authorization: Bearer <token>`.",
                "请以 `Authorization: Bearer <令牌>` 发送 API 令牌。",
                code="bad_authorization",
            )
        principal = await run_in_threadpool(token_principal, store, secret.strip())
        if principal is None:
            raise AuthenticationError(
                "The API token is unknown or revoked; create one with `servgap token create`.",
                "API 令牌无效或已撤销；请用 `servgap token create` 创建新令牌。",
                code="invalid_token",
            )
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and len(cookie) <= 100:
            principal = await run_in_threadpool(session_principal, store, cookie)
    request.state.principal = principal
    return principal


async def check_csrf(request: Request, principal: Principal | None) -> None:
    """Unsafe requests from a browser must send back the page's CSRF token."""
    if request.method not in UNSAFE:
        return
    if principal is not None and principal.via == "token":
        return
    expected = principal.csrf if principal is not None else request.cookies.get(CSRF_COOKIE)
    sent: Any = request.headers.get("x-csrf-token")
    if sent is None and not is_api(request):  # the API takes the token in the header only
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = form.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise PermissionDeniedError(
            "This form has expired or was not sent from this site; reload the page and try again.",
            "表单已过期或并非从本站提交；请刷新页面后重试。",
            code="csrf_failed",
        )


def _unauthenticated(request: Request, page: bool) -> Exception:
    if page and not is_api(request):
        return LoginRequiredError()
    return AuthenticationError(
        "Sign in first: send `Authorization: Bearer <token>` (create a token with "
        "`servgap token create EMAIL`).",
        "请先登录：发送 `Authorization: Bearer <令牌>`（用 `servgap token create 邮箱` 创建令牌）。",
        code="unauthenticated",
    )


def _api_rate(request: Request, principal: Principal) -> None:
    if is_api(request):
        settings = request.app.state.settings
        request.app.state.limiter.hit(f"api:{principal.user_id}", settings.api_rate_per_minute)


class Rule:
    """Base class of the access rules (see the module docstring)."""

    public: bool = False
    roles: tuple[str, ...] = ()

    def describe(self) -> str:
        raise NotImplementedError


class Public(Rule):
    """Anyone may call the route; ``reason`` says why (it is part of the rule)."""

    public = True

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def describe(self) -> str:
        return f"public: {self.reason}"

    async def __call__(self, request: Request) -> None:
        await check_csrf(request, None)


class SignedIn(Rule):
    """Any signed-in user; ``page`` routes send strangers to the login form."""

    def __init__(self, *, page: bool = False) -> None:
        self.page = page

    def describe(self) -> str:
        return "signed in"

    async def __call__(self, request: Request) -> Principal:
        principal = await principal_of(request)
        if principal is None:
            raise _unauthenticated(request, self.page)
        await check_csrf(request, principal)
        _api_rate(request, principal)
        return principal


class InWorkspace(Rule):
    """A role among ``roles`` in the workspace named by the route's ``{ws}``."""

    def __init__(self, *roles: str, page: bool = False) -> None:
        unknown = [r for r in roles if r not in ROLES]
        if unknown or not roles:
            raise ValueError(f"unknown roles {unknown}")
        self.roles = tuple(roles)
        self.page = page

    def describe(self) -> str:
        return f"workspace role: {', '.join(self.roles)}"

    async def __call__(self, request: Request) -> Access:
        principal = await principal_of(request)
        if principal is None:
            raise _unauthenticated(request, self.page)
        workspace = str(request.path_params.get("ws", ""))
        role = principal.role_in(workspace)
        if role is None:
            # the same answer as for a workspace that does not exist
            raise NotFoundError(
                f"Workspace `{workspace}` does not exist or you have no role in it.",
                f"工作区 `{workspace}` 不存在，或您在其中没有角色。",
                code="not_found",
            )
        await check_csrf(request, principal)
        if role not in self.roles:
            raise PermissionDeniedError(
                f"Your role ({role}) in workspace `{workspace}` does not allow this; it needs "
                f"one of: {', '.join(self.roles)}.",
                f"您在工作区 `{workspace}` 的角色（{role}）不能执行此操作；需要以下角色之一："
                f"{'、'.join(self.roles)}。",
            )
        _api_rate(request, principal)
        access = Access(principal, workspace, role)
        request.state.access = access  # the page's workspace menu shows what this role may open
        return access


def rules_of(route: Any) -> list[Rule]:
    """The access rules among a route's dependencies (recursively)."""
    found: list[Rule] = []
    stack = list(getattr(getattr(route, "dependant", None), "dependencies", []))
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Rule):
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found


@dataclass(frozen=True)
class RouteInfo:
    """One route of the app as served: its full path, methods and access rules."""

    path: str
    methods: frozenset[str]
    rules: tuple[Rule, ...]
    api_route: bool  # a FastAPI route (the others are mounts such as /static)


def routes_of(app: Any) -> list[RouteInfo]:
    """Every route of ``app`` with the prefixes of included routers applied."""
    from fastapi.routing import APIRoute

    try:  # FastAPI keeps included routers lazily (newer versions)
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI: app.routes is flat
        contexts: list[Any] = list(app.routes)
        originals = contexts
    else:
        contexts = list(iter_route_contexts(app.routes))
        originals = [c.original_route for c in contexts]
    out = []
    for ctx, original in zip(contexts, originals, strict=True):
        is_api = isinstance(original, APIRoute)
        out.append(
            RouteInfo(
                path=str(getattr(ctx, "path", "")),
                methods=frozenset(getattr(ctx, "methods", None) or ()),
                rules=tuple(rules_of(ctx)) if is_api else (),
                api_route=is_api,
            )
        )
    return out
