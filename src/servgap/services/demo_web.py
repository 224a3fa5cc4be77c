"""The demo's way into the web pages: an admin account with a fresh one-time password and an
open survey link, so that ``servgap demo`` can say where to click and how to sign in.

Running it again (``servgap demo`` rebuilds the demo workspace) gives the account its role in
the rebuilt workspace, a new password and a new link; nothing else is touched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from servgap.core._result import ResultMixin
from servgap.services.accounts import create_user
from servgap.services.context import Store
from servgap.services.distribution import create_links

DEMO_EMAIL = "demo@example.com"


@dataclass(frozen=True)
class DemoAccess(ResultMixin):
    email: str
    password: str  # shown once: only its hash is stored
    workspace: str
    survey: str
    token: str  # an open link for the demo survey (/s/{token})


def open_demo_web(store: Store, *, workspace: str, survey: str) -> DemoAccess:
    """An admin of the demo workspace with a new password, and an open survey link."""
    password = secrets.token_urlsafe(12)
    create_user(store, DEMO_EMAIL, role="admin", workspace=workspace, password=password)
    link = create_links(store, workspace=workspace, survey=survey, count=1, kind="open",
                        source="qr", created_by="servgap demo").links[0]  # fmt: skip
    return DemoAccess(DEMO_EMAIL, password, workspace, survey, link.token)
