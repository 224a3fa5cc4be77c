"""Errors of the web face, and how every error is shown.

Every error is a :class:`servgap.core.errors.ServgapError`: under ``/api`` it becomes
``{"ok": false, "code", "error", "errors": [...], "status", "fields"}`` in the
request's language (``fields`` are JSON pointers to the input at fault), elsewhere an
HTML page with the same message. Nothing unexpected shows a stack trace or SQL: it
is logged and answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from servgap.core.errors import InputError, NotFoundError, Problem, ServgapError, UsageError
from servgap.i18n import Lang
from servgap.web.lang import request_lang

log = logging.getLogger("servgap.web")


class PermissionDeniedError(ServgapError):
    """Signed in, but the role does not allow this in the workspace."""

    code = "forbidden"
    status = 403


class RateLimitedError(ServgapError):
    code = "rate_limited"
    status = 429

    def __init__(self, en: str, zh: str, *, retry_after: int) -> None:
        super().__init__(en, zh)
        self.retry_after = retry_after


class PayloadTooLargeError(ServgapError):
    code = "payload_too_large"
    status = 413


class MethodNotAllowedError(ServgapError):
    code = "method_not_allowed"
    status = 405


class LoginRequiredError(Exception):
    """A page needs a signed-in user: redirect to the login form."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def pointer(field: str) -> str:
    """How the API names an input field: a JSON pointer (``/count``)."""
    return "/" + field.replace(".", "/") if not field.startswith("/") else field


def scrub(value: Any) -> Any:
    """Text that can be encoded: lone surrogates (from a malformed URL) become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def error_body(exc: ServgapError, lang: Lang) -> dict[str, Any]:
    body = exc.to_dict(lang)
    head = exc.zh if lang == "zh" else exc.en
    for f in exc.fields:
        head = head.replace(f"`{f}`", f"`{pointer(f)}`")
    body["error"] = head
    if lang == "zh":
        for entry, p in zip(body["errors"], exc.problems, strict=True):
            entry["error"] = p.zh
    body["fields"] = [pointer(f) for f in exc.fields]
    out: dict[str, Any] = scrub(body)
    return out


def error_response(request: Request, exc: ServgapError) -> Response:
    lang = request_lang(request)
    headers: dict[str, str] = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="servgap"'
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if is_api(request) or request.url.path in ("/healthz", "/openapi.json"):
        return JSONResponse(error_body(exc, lang), status_code=exc.status, headers=headers)
    from servgap.web.templating import render

    labels = getattr(request.state, "field_labels", None) or {}
    message = exc.zh if lang == "zh" else exc.en
    for f in exc.fields:
        message = message.replace(f"`{f}`", f"“{labels.get(f, f)}”")
    return render(
        request,
        "error.html",
        {
            "status": exc.status,
            "message": scrub(message),
            "problems": [scrub(p.zh if lang == "zh" else p.en) for p in exc.problems[:50]],
            "code": exc.code,
        },
        status=exc.status,
        headers=headers,
    )


async def servgap_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServgapError)  # registered for ServgapError only
    return error_response(request, exc)


async def login_required_handler(request: Request, exc: Exception) -> Response:
    from urllib.parse import quote

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _validation_problems(errors: Any) -> list[Problem]:
    out: list[Problem] = []
    for e in list(errors)[:50]:
        if e.get("type") == "json_invalid":  # loc is (body, character offset), not a field
            at = next((x for x in e.get("loc", ()) if isinstance(x, int)), None)
            where, where_zh = (
                (f" at character {at}", f"（第 {at} 个字符处）") if at is not None else ("", "")
            )
            out.append(Problem(
                f"the request body is not valid JSON{where}: check the quotes, commas and "
                "brackets.", f"请求内容不是有效的 JSON{where_zh}：请检查引号、逗号和括号。"))  # fmt: skip
            continue
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header")]
        column = ".".join(loc) or None
        msg = str(e.get("msg", "invalid value"))
        out.append(Problem(msg, f"取值无效：{msg}", column=column, value=None))
    return out


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = _validation_problems(exc.errors())
    fields = tuple(p.column for p in problems if p.column)
    if not fields:  # the body as a whole is wrong (not JSON): no field to name
        body_err = InputError("The request body cannot be read:", "无法读取请求内容：",
                              code="invalid_request", problems=problems)  # fmt: skip
        return error_response(request, body_err)
    err = InputError(
        "The request has invalid or missing fields: " + ", ".join(f"`{f}`" for f in fields),
        "请求中的字段无效或缺失：" + "、".join(f"`{f}`" for f in fields),
        code="invalid_request",
        problems=problems,
        fields=fields,
    )
    return error_response(request, err)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    err: ServgapError
    if exc.status_code == 404:
        err = NotFoundError("Nothing here: check the address.", "此处没有内容：请检查网址。")
    elif exc.status_code == 405:
        err = MethodNotAllowedError(
            "This address does not take this method.", "此网址不支持该请求方法。"
        )
    elif exc.status_code == 413:
        err = PayloadTooLargeError("The request is too large.", "请求内容过大。")
    else:
        err = UsageError(str(exc.detail), str(exc.detail), code=f"http_{exc.status_code}")
        err.status = exc.status_code
    return error_response(request, err)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    err = ServgapError(
        "Something went wrong on the server; the error was logged. Try again later.",
        "服务器出错，已记录。请稍后再试。",
        code="internal_error",
    )
    err.status = 500
    response = error_response(request, err)
    # this answer comes from outside the middleware that adds the security headers
    from servgap.web.security import HEADERS

    for key, value in HEADERS:
        response.headers.setdefault(key.decode(), value.decode())
    return response
