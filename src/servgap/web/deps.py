"""Dependencies shared by the routes: the store, the request's language (``async``: they do
no I/O, so they run on the event loop instead of costing a worker-thread hop each)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from servgap.i18n import Lang
from servgap.services.context import Store
from servgap.web.lang import request_lang
from servgap.web.settings import WebSettings


async def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def settings_of(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


async def lang_of(request: Request) -> Lang:
    return request_lang(request, request.app.state.settings.lang)


StoreDep = Annotated[Store, Depends(store_of)]
SettingsDep = Annotated[WebSettings, Depends(settings_of)]
LangDep = Annotated[Lang, Depends(lang_of)]


def public_base(request: Request) -> str:
    """The base URL of links sent to respondents (``public_url``, else this request's)."""
    configured = request.app.state.settings.public_url
    base = configured or str(request.base_url)
    return base.rstrip("/")
