"""The web app's settings: servgap's one settings class plus what only the server needs.

Same ``SERVGAP_`` prefix (``SERVGAP_PUBLIC_URL``, ``SERVGAP_SECURE_COOKIES`` ...).
"""

from __future__ import annotations

from pydantic import Field

from servgap.settings import Settings


class WebSettings(Settings):
    """:class:`servgap.settings.Settings` and the web server's limits."""

    public_url: str | None = Field(
        default=None,
        description="Base URL of respondent links (https://survey.example.com); default: the "
        "URL the request came in on.",
    )
    secure_cookies: bool = Field(
        default=False, description="Send cookies only over HTTPS (set it behind TLS)."
    )
    trust_proxy_headers: bool = Field(
        default=False,
        description="Take the client address from X-Forwarded-For (only behind a proxy).",
    )
    max_body_bytes: int = Field(default=1024**2, description="Largest request body (bytes).")
    max_upload_bytes: int = Field(
        default=200 * 1024**2,
        description="Largest file uploaded for import (bytes); streamed to disk, not memory.",
    )
    session_hours: float = Field(default=12.0, description="Lifetime of a browser session.")
    login_max_failures: int = Field(default=5, description="Failed logins before a lockout.")
    lockout_minutes: float = Field(default=15.0, description="How long a lockout lasts.")
    login_rate_per_minute: int = Field(
        default=10, description="Login attempts per client address and minute."
    )
    submit_rate_per_minute: int = Field(
        default=60, description="Respondent page posts per client address and minute."
    )
    link_rate_per_minute: int = Field(
        default=600, description="Respondent page posts per survey link and minute."
    )
    api_rate_per_minute: int = Field(
        default=600, description="API requests per token or session and minute."
    )


def web_settings(settings: Settings) -> WebSettings:
    """``settings`` as :class:`WebSettings` (the web fields from the environment or defaults)."""
    if isinstance(settings, WebSettings):
        return settings
    return WebSettings(**settings.model_dump())
