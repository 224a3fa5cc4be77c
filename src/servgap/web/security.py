"""Limits and headers: request body size, rate limits, security headers.

* Bodies larger than ``max_body_bytes`` are refused with 413 before the app reads
  them (by ``Content-Length``, or by counting a chunked body).
* Text no database can store — a NUL character, or half of a UTF-16 surrogate pair
  (``%00``, ``\u0000``, ``%ED%A0%80``, ``\ud800`` alone) — in the path, the query or the
  body is refused with 400 before the app sees it, on every backend alike.
* Rate limits are token buckets per key (client address, survey link, token),
  kept in memory by this process.
* Every response gets a Content-Security-Policy without inline script or style,
  ``frame-ancestors 'none'``, ``nosniff`` and ``Referrer-Policy: no-referrer`` (a
  respondent's link token never leaks to another site through the Referer).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servgap.web.errors import RateLimitedError
from servgap.web.lang import accept_language, parse_lang

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in have]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _lang_of_scope(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        k, _, v = part.partition("=")
        if k == "lang" and parse_lang(v):
            return str(parse_lang(v))
    for k, v in scope.get("headers", []):
        if k == b"accept-language":
            return accept_language(v.decode("latin-1")) or "zh"
    return "zh"


_NUL_BODY = re.compile(rb"\x00|%00|\\u0000", re.IGNORECASE)
_SURROGATE = re.compile(
    rb"(\\u[dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_PCT_SURROGATE = re.compile(rb"%ED%[AB][0-9A-F]", re.IGNORECASE)


def _bad_body(body: bytes) -> bool:
    """A NUL or a lone surrogate, written raw, percent-encoded or as a JSON escape."""
    if _NUL_BODY.search(body) or _PCT_SURROGATE.search(body):
        return True
    return any(m.group(1) is None or m.group(2) is None for m in _SURROGATE.finditer(body))


def _bad_text(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _refusal(scope: Scope, status: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    zh = _lang_of_scope(scope) == "zh"
    if status == 413:
        code = "payload_too_large"
        en_msg, zh_msg = "The request body is too large.", "请求内容过大。"
    else:
        code = "invalid_characters"
        en_msg = (
            "The request contains a NUL character or broken Unicode (half a surrogate pair); "
            "remove it and send the text as UTF-8."
        )
        zh_msg = "请求中含有 NUL 字符或不完整的 Unicode（半个代理对）；请删除后以 UTF-8 发送。"
    body = {"ok": False, "code": code, "error": zh_msg if zh else en_msg, "errors": [],
            "status": status, "fields": []}  # fmt: skip
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(data)).encode()),
        (b"connection", b"close"),
    ]
    return headers, data


class RequestGuard:
    """Refuses request bodies over ``max_bytes`` (413) and text that no store can hold (400)
    before the app sees the request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_bytes: int | None = None,
        upload_paths: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes if upload_bytes is not None else max_bytes
        self.upload_paths = upload_paths

    async def _refuse(self, scope: Scope, send: Send, status: int) -> None:
        headers, data = _refusal(scope, status)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from urllib.parse import unquote_to_bytes

        query = scope.get("query_string", b"")
        raw_query = unquote_to_bytes(query.replace(b"+", b" "))
        if _bad_text(scope.get("path", "")) or b"\x00" in raw_query or _bad_body(query):
            await self._refuse(scope, send, 400)
            return
        try:
            raw_query.decode("utf-8")
        except UnicodeDecodeError:
            await self._refuse(scope, send, 400)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = None
        if self.upload_paths is not None and self.upload_paths.match(scope.get("path", "")):
            # an upload: its route streams the body to disk and counts it against upload_bytes
            if declared is not None and declared > self.upload_bytes:
                await self._refuse(scope, send, 413)
                return
            await self.app(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send, 413)
            return
        # read the body up to the limit, then replay it to the app
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send, 413)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        ctype = b""
        for k, v in scope.get("headers", []):
            if k == b"content-type":
                ctype = v.lower()
        if not ctype.startswith(b"multipart/") and _bad_body(body):  # files are checked by type
            await self._refuse(scope, send, 400)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RateLimiter:
    """Token buckets: ``per_minute`` requests a minute per key, bursts up to the same number."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, per_minute: int) -> None:
        """Take one token for ``key`` or raise :class:`RateLimitedError`."""
        if per_minute <= 0:
            return
        rate = per_minute / 60.0
        now = self._clock()
        with self._lock:
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            tokens, last = self._buckets.get(key, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / rate))
                raise RateLimitedError(
                    f"Too many requests; try again in {wait} s.",
                    f"请求过于频繁；请 {wait} 秒后再试。",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1.0, now)


def client_address(request: Request, *, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client is not None else "unknown"


def limiter_of(request: Request) -> Any:
    return request.app.state.limiter
