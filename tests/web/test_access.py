"""Every route has an explicit access rule, and every route is tried by every role of the
workspace, by a user of another workspace (404, as for a workspace that does not exist)
and by nobody (401, or the login form for pages)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from tests.web.conftest import ROLES, Web
from tests.web.helpers import make_links

from servgap.services.accounts import start_session, token_principal
from servgap.web.access import InWorkspace, Public, SignedIn, routes_of
from servgap.web.app import PUBLIC_MOUNTS

PUBLIC_ROUTES = {"/healthz", "/login", "/s/{token}"}


def test_every_route_declares_exactly_one_access_rule(sqlite_web: Web) -> None:
    missing, public, paths = [], set(), set()
    for route in routes_of(sqlite_web.app):
        paths.add(route.path)
        if not route.api_route:
            assert route.path in PUBLIC_MOUNTS, f"{route.path} has no access rule"
            continue
        if len(route.rules) != 1:
            missing.append((route.path, sorted(route.methods), len(route.rules)))
            continue
        [rule] = route.rules
        if isinstance(rule, Public):
            public.add(route.path)
            assert rule.reason.strip(), route.path
        if "{ws}" in route.path:
            assert isinstance(rule, InWorkspace), route.path
        else:
            assert isinstance(rule, Public | SignedIn), route.path
    assert not missing, f"routes without exactly one access rule: {missing}"
    assert public == PUBLIC_ROUTES
    assert {"/api/v1/workspaces/{ws}/surveys/{survey}/links", "/s/{token}"} <= paths


def test_a_route_without_a_rule_is_caught() -> None:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/leak")
    def leak() -> dict[str, str]:
        return {}

    [route] = [r for r in routes_of(app) if r.path == "/leak"]
    assert route.api_route and route.rules == ()


# ---------------------------------------------------------------- the role matrix


def _params(web: Web) -> dict[str, str]:
    from servgap.services.cases import open_case

    [link] = make_links(web.client, web.auth("admin@acme"))
    case = open_case(web.store, workspace="acme", summary="parcel late", category="delay")
    alert_id, action_id = _alert_and_action(web)
    return {"ws": "acme", "survey": "svc", "link_id": str(link["id"]), "fmt": "svg",
            "analysis": "nps", "code": case.case, "alert_id": str(alert_id),
            "action_id": str(action_id), "adjustment_id": "1", "chart": "zone_dimensions",
            **_audit_visit(web)}  # fmt: skip


def _audit_visit(web: Web) -> dict[str, str]:
    """A submitted visit of acme's auditor with a photo (every reader may open it; a post to it
    is refused as submitted, 422), and a table of the audits page."""
    from sqlalchemy import select

    from servgap.core.audit_standard import parse_standard
    from servgap.services.audit_visits import Upload, save_visit
    from servgap.services.audits import save_standard
    from servgap.store.models import Workspace

    raw = {"code": "std", "title": {"zh": "标准", "en": "Standard"}, "sections": [
        {"code": "s", "indicators": [{"code": "x", "title": {"zh": "x", "en": "x"}}]}]}  # fmt: skip
    with web.store.session() as s:
        ws = s.scalars(select(Workspace).where(Workspace.code == "acme")).one()
        save_standard(s, ws, parse_standard(raw))
    visit = save_visit(web.store, workspace="acme", auditor="auditor@acme.test", scope=None,
                       site="sh01", visited_at="2026-01-05 10:00", scores={"x": "3"},
                       photos=[Upload("p.png", b"\x89PNG\r\n\x1a\n" + bytes(8))], submit=True)  # fmt: skip
    return {"visit_id": str(visit.id), "photo_id": str(visit.photos[0].id), "table": "sites"}


def _alert_and_action(web: Web) -> tuple[int, int]:
    """An alert of acme (stored as a scan would) and an improvement action opened from it."""
    from sqlalchemy import select

    from servgap.services.alerts import open_action
    from servgap.store.models import Alert, Workspace

    with web.store.session() as s:
        wid = s.scalar(select(Workspace.id).where(Workspace.code == "acme"))
        a = Alert(workspace_id=wid, dedup_key="test", kind="below_adequate", subject_type="site",
                  subject="sh01", aspect="reliability", site="sh01", period="2026Q4",
                  severity="high", title_zh="测试", title_en="test", evidence={})  # fmt: skip
        s.add(a)
        s.flush()
        alert_id = a.id
    act = open_action(web.store, "acme", alert_id=alert_id, title="t", owner="o", created_by="x")
    return alert_id, act.id


def _body(path: str) -> dict[str, Any] | None:
    if path.endswith("/links"):
        return {"count": 1}
    if path.endswith("/responses"):
        return {"response_id": uuid.uuid4().hex, "nps": 9}
    if path.endswith("/interviews"):
        return {"call_key": uuid.uuid4().hex, "customer": "C1", "outcome": "no_answer"}
    if path.endswith("/quotas"):
        return {"segment": "site", "quotas": {"sh01": 100}}
    if path.endswith("/cases"):
        return {"summary": "The parcel came two days late."}
    if path.endswith("/move"):
        return {"to": "investigating", "note": "looking"}
    if path.endswith("/actions"):
        return {"action": "apology"}
    if path.endswith("/surveys"):
        return {"code": "tiny", "title": "Tiny", "questions": [{"code": "nps", "type": "nps",
                "text": {"zh": "推荐", "en": "Recommend"}}]}  # fmt: skip
    return None


def _routes(web: Web) -> list[tuple[str, str, InWorkspace]]:
    out = []
    for route in routes_of(web.app):
        if route.api_route and "{ws}" in route.path:
            [rule] = route.rules
            assert isinstance(rule, InWorkspace)
            for method in sorted(route.methods - {"HEAD"}):
                out.append((method, route.path, rule))
    return out


def _fill(path: str, params: dict[str, str]) -> str:
    names = re.findall(r"{(\w+)}", path)
    unknown = [n for n in names if n not in params]
    assert not unknown, f"add a value for {unknown} to _params (route {path})"
    for n in names:
        path = path.replace("{" + n + "}", params[n])
    return path


def _session_headers(web: Web, who: str) -> tuple[dict[str, str], str]:
    principal = token_principal(web.store, web.tokens[who])
    assert principal is not None
    session = start_session(web.store, principal.user_id)
    return {"Cookie": f"sg_session={session.cookie}"}, session.csrf


def _call(web: Web, method: str, url: str, headers: dict[str, str], csrf: str | None) -> Any:
    body = _body(url) if not url.startswith("/w/") else None
    if url.startswith("/w/") and method == "POST":
        return web.client.post(url, data={"csrf": csrf or "", "count": "1"}, headers=headers,
                               follow_redirects=False)  # fmt: skip
    return web.client.request(method, url, json=body, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("via", ["token", "session"])
def test_every_workspace_route_for_every_role_and_for_another_workspace(web: Web, via: str) -> None:
    params = _params(web)
    web.client.cookies.clear()
    checked = 0
    for method, path, rule in _routes(web):
        url = _fill(path, params)
        api = url.startswith("/api/")
        if via == "session" and api and method != "GET":
            continue  # browser sessions post forms with a CSRF token (below)
        for who in [f"{r}@acme" for r in ROLES] + ["admin@beta"]:
            if via == "token":
                headers, csrf = web.auth(who), None
            else:
                headers, csrf = _session_headers(web, who)
            r = _call(web, method, url, headers, csrf)
            role = who.split("@")[0]
            where = f"{who} {method} {url}: {r.status_code} {r.text[:200]}"
            assert r.status_code < 500, where
            if who.endswith("@beta"):
                assert r.status_code == 404, where
                assert "acme" not in r.text.replace("`acme`", "") or "不存在" in r.text, where
            elif role in rule.roles:
                assert r.status_code not in (401, 403, 404), where
            else:
                assert r.status_code == 403, where
            checked += 1
    assert checked >= (30 if via == "token" else 20)


def test_a_workspace_that_does_not_exist_looks_the_same_as_one_of_another_company(web: Web) -> None:
    a = web.client.get("/api/v1/workspaces/acme/surveys", headers=web.auth("admin@beta"))
    b = web.client.get("/api/v1/workspaces/nowhere/surveys", headers=web.auth("admin@beta"))
    assert a.status_code == b.status_code == 404
    assert a.json()["code"] == b.json()["code"] == "not_found"
    assert a.json()["error"].replace("acme", "X") == b.json()["error"].replace("nowhere", "X")


def test_nobody_gets_401_on_the_api_and_the_login_form_on_pages(web: Web) -> None:
    params = _params(web)
    web.client.cookies.clear()
    for method, path, _ in _routes(web):
        url = _fill(path, params)
        r = web.client.request(method, url, json=_body(url), follow_redirects=False)
        if url.startswith("/api/"):
            assert r.status_code == 401, (method, url, r.text)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert r.json()["ok"] is False and r.json()["code"] == "unauthenticated"
        elif method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), url
        else:
            assert r.status_code in (303, 403), (method, url, r.status_code)
    for url in ("/", "/api/v1/me", "/api/v1/workspaces"):
        r = web.client.get(url, follow_redirects=False)
        assert r.status_code == (303 if url == "/" else 401)


def test_a_revoked_or_unknown_token_is_refused(web: Web) -> None:
    from servgap.services.accounts import list_tokens, revoke_token

    h = web.auth("analyst@acme")
    assert web.client.get("/api/v1/me", headers=h).status_code == 200
    tid = next(t.id for t in list_tokens(web.store, email="analyst@acme.test").tokens)
    revoke_token(web.store, tid)
    r = web.client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    for bad in ("Bearer nope", "Basic abc", "Bearer "):
        r = web.client.get("/api/v1/me", headers={"Authorization": bad})
        assert r.status_code == 401, bad


def test_session_forms_need_the_session_csrf_token(web: Web) -> None:
    headers, csrf = _session_headers(web, "analyst@acme")
    url = "/w/acme/surveys/svc/links"
    r = web.client.post(url, data={"count": "1"}, headers=headers, follow_redirects=False)
    assert (r.status_code == 403 and "csrf" in r.text.lower()) or "表单已过期" in r.text
    r = web.client.post(url, data={"count": "1", "csrf": "wrong" * 5}, headers=headers,
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403
    r = web.client.post(url, data={"count": "2", "csrf": csrf}, headers=headers,
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "created=2" in r.headers["location"]
    # the API with a session cookie needs the token in a header for unsafe methods
    api = "/api/v1/workspaces/acme/surveys/svc/links"
    assert web.client.post(api, json={"count": 1}, headers=headers).status_code == 403
    ok = web.client.post(api, json={"count": 1}, headers={**headers, "X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_workspace_list_shows_only_ones_own_workspaces(web: Web) -> None:
    r = web.client.get("/api/v1/workspaces", headers=web.auth("admin@beta"))
    assert [w["code"] for w in r.json()["workspaces"]] == ["beta"]
    r = web.client.get("/api/v1/me", headers=web.auth("agent@acme"))
    assert r.json()["roles"] == {"acme": "agent"}
