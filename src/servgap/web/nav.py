"""The workspace menu: each part of the web app, its path and the roles that may open it.

The menu is drawn by ``base.html`` from :data:`MENU` for the role of the signed-in user in
the page's workspace; the routes themselves carry their own access rules (``access.py``),
so the menu only hides what a role could not open anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from servgap.web.access import (
    ADMINS,
    ALL_ROLES,
    ANALYSTS,
    CASE_READERS,
)

AUDIT_USERS: tuple[str, ...] = ("admin", "analyst", "auditor")


@dataclass(frozen=True)
class MenuItem:
    key: str  # message key of the label: web_nav_<key>
    path: str  # below /w/{ws}
    roles: tuple[str, ...]


MENU: tuple[MenuItem, ...] = (
    MenuItem("surveys", "", ALL_ROLES),
    MenuItem("dashboard", "/dashboard", ANALYSTS),
    MenuItem("alerts", "/alerts", ANALYSTS),
    MenuItem("actions", "/actions", ANALYSTS),
    MenuItem("desk", "/desk", CASE_READERS),
    MenuItem("planner", "/planner", ANALYSTS),
    MenuItem("promises", "/promises", ANALYSTS),
    MenuItem("gaps", "/gaps", ANALYSTS),
    MenuItem("report", "/report", ANALYSTS),
    MenuItem("audits", "/audits", AUDIT_USERS),
    MenuItem("admin", "/admin", ADMINS),
)


def menu_for(workspace: str, role: str) -> list[tuple[str, str]]:
    """(message key, URL) of the menu items ``role`` may open in ``workspace``."""
    return [(f"web_nav_{m.key}", f"/w/{workspace}{m.path}") for m in MENU if role in m.roles]
