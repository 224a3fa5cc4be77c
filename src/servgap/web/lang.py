"""The language of a request: ``?lang=``, then the ``sg_lang`` cookie, then
``Accept-Language``, then the server's default (``SERVGAP_LANG``)."""

from __future__ import annotations

from starlette.requests import Request

from servgap.i18n import Lang

LANG_COOKIE = "sg_lang"


def parse_lang(value: str | None) -> Lang | None:
    """``zh``, ``zh-CN``, ``zh_Hans`` … -> zh; ``en``, ``en-US`` … -> en; else None."""
    if not value:
        return None
    v = value.strip().lower()
    if v.startswith("zh"):
        return "zh"
    if v.startswith("en"):
        return "en"
    return None


def accept_language(header: str | None) -> Lang | None:
    """The first of zh or en in an Accept-Language header, by quality."""
    if not header:
        return None
    choices: list[tuple[float, int, Lang]] = []
    for i, part in enumerate(header.split(",")[:20]):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = parse_lang(name)
        if lang is not None and q > 0:
            choices.append((-q, i, lang))
    return min(choices)[2] if choices else None


def request_lang(request: Request, default: Lang = "zh") -> Lang:
    cached = getattr(request.state, "lang", None)
    if cached in ("zh", "en"):
        return cached  # type: ignore[no-any-return]
    lang = (
        parse_lang(request.query_params.get("lang"))
        or parse_lang(request.cookies.get(LANG_COOKIE))
        or accept_language(request.headers.get("accept-language"))
        or default
    )
    request.state.lang = lang
    return lang
