"""The composition root of the web face: ``create_app(settings)``.

Nothing is created at import time. ``create_app`` opens the store (which brings
its schema to the newest migration, so migrations have run before the server
accepts a request), builds the FastAPI app with its JSON API (``/api/v1``), pages,
respondent pages (``/s/{token}``), static files, error handlers and limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from servgap.core.errors import ServgapError
from servgap.services.context import Store
from servgap.settings import Settings
from servgap.web import errors
from servgap.web.security import RateLimiter, RequestGuard, SecurityHeaders
from servgap.web.settings import web_settings

# routes that are not FastAPI routes, each public for the reason given
PUBLIC_MOUNTS: dict[str, str] = {
    "/static": "front-end files (CSS, JavaScript, vendor packages) hold no data",
    "/openapi.json": "the API's description holds no data",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("servgap")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def _warm() -> None:
    """Read the message catalog and compile the templates now, once, instead of in every
    worker thread that the first burst of requests would start at the same moment."""
    from servgap.i18n import catalog
    from servgap.web.templating import environment

    catalog()
    env = environment()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The servgap web app on ``settings``' store (or on ``store``, which the caller owns)."""
    from servgap.web.api import ROUTERS as API_ROUTERS
    from servgap.web.pages import ROUTERS as PAGE_ROUTERS

    ws = web_settings(settings)
    owned = store is None
    the_store = store if store is not None else Store.open(ws)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            the_store.dispose()

    app = FastAPI(
        title="servgap",
        version=_version(),
        summary="Customer expectations, satisfaction, complaints and capacity: JSON API v1.",
        openapi_url="/openapi.json",
        docs_url=None,  # the documentation UIs load scripts from CDNs: not served
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = ws
    app.state.store = the_store
    app.state.limiter = RateLimiter()
    app.state.public_mounts = PUBLIC_MOUNTS

    app.add_exception_handler(ServgapError, errors.servgap_error_handler)
    app.add_exception_handler(errors.LoginRequiredError, errors.login_required_handler)
    app.add_exception_handler(RequestValidationError, errors.validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, errors.http_error_handler)
    app.add_exception_handler(Exception, errors.unexpected_error_handler)

    # each module's router is included directly (nested routers cost a match per level)
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    for router, prefix in API_ROUTERS:
        app.include_router(router, prefix=prefix)
    static = resources.files("servgap.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    _warm()
    from servgap.web.api.imports import UPLOAD_PATHS

    app.add_middleware(
        RequestGuard,
        max_bytes=ws.max_body_bytes,
        upload_bytes=ws.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The app on the settings of the environment (``SERVGAP_…``): the factory that
    ``servgap serve`` and ``uvicorn --factory servgap.web.app:app_from_environment`` run."""
    from servgap.web.settings import WebSettings

    return create_app(WebSettings())
