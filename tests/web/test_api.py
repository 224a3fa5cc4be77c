"""The JSON API: health, surveys, responses as import rows, analyses with the CLI's figures,
the error shape in both languages, limits and headers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from tests.web.conftest import SURVEY, Web
from tests.web.helpers import GOOD

from servgap.cli import main


def test_healthz_gives_the_schema_revision(web: Web) -> None:
    from servgap.store import migrate

    r = web.client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"ok": True, "schema_revision": migrate.head_revision(),
                        "database": web.store.engine.url.get_backend_name()}  # fmt: skip


def test_security_headers_on_every_response(web: Web) -> None:
    for url in ("/healthz", "/login", "/s/nope", "/api/v1/me", "/static/css/app.css"):
        r = web.client.get(url)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_openapi_lists_the_api_and_no_pages(web: Web) -> None:
    spec = web.client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert "/api/v1/workspaces/{ws}/surveys/{survey}/links" in paths
    assert "/api/v1/workspaces/{ws}/analysis/{analysis}" in paths
    assert not any(p.startswith(("/s/", "/w/", "/login")) for p in paths)
    assert web.client.get("/docs").status_code == 404  # no CDN-loaded documentation UI


def test_surveys_list_show_and_load(web: Web) -> None:
    h = web.auth("analyst@acme")
    r = web.client.get("/api/v1/workspaces/acme/surveys", headers=h)
    assert {s["survey"] for s in r.json()["surveys"]} == {"svc", "short"}
    r = web.client.get("/api/v1/workspaces/acme/surveys/svc", headers=h)
    assert r.json()["definition"]["code"] == "svc" and r.json()["version"] == 1
    changed = {**SURVEY, "title": {"zh": "新标题", "en": "New title"}}
    r = web.client.post("/api/v1/workspaces/acme/surveys", json=changed, headers=h)
    assert r.status_code == 201 and r.json()["version"] == 2 and r.json()["created"]
    yaml_body = "code: tiny\ntitle: {zh: 小, en: Tiny}\nquestions:\n  - {code: nps, type: nps, text: 推荐}\n"
    r = web.client.post("/api/v1/workspaces/acme/surveys", content=yaml_body.encode(),
                        headers={**h, "Content-Type": "application/yaml"})  # fmt: skip
    assert r.status_code == 201 and r.json()["survey"] == "tiny"
    r = web.client.post("/api/v1/workspaces/acme/surveys", json={"code": "Bad!"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_spec" and r.json()["errors"]


def test_post_a_response_as_an_import_row(web: Web) -> None:
    h = web.auth("analyst@acme")
    url = "/api/v1/workspaces/acme/surveys/svc/responses"
    row = {"response_id": "p1", "submitted_at": "2026-07-15 10:30", "site": "sh01",
           "channel": "phone", "customer": "C001", **GOOD}  # fmt: skip
    r = web.client.post(url, json=row, headers=h)
    assert r.status_code == 201, r.text
    assert r.json() == {"ok": True, "created": True, "response_id": "p1", "survey": "svc",
                        "workspace": "acme"}  # fmt: skip
    again = web.client.post(url, json=row, headers=h)
    assert again.status_code == 409 and again.json()["fields"] == ["/response_id"]
    bad = {**row, "response_id": "p2", "nps": 11, "site": "nowhere", "wat": 1}
    r = web.client.post(url, json=bad, headers={**h, "Accept-Language": "en-US,en;q=0.9"})
    body = r.json()
    assert r.status_code == 422 and body["ok"] is False and body["code"] == "invalid_row"
    columns = {e["column"] for e in body["errors"]}
    assert {"nps", "site", "wat"} <= columns
    assert any("outside the 0–10 scale" in e["error"] for e in body["errors"])
    zh = web.client.post(url + "?lang=zh", json=bad, headers=h).json()
    assert "处回答需要修改" in zh["error"] and any("超出" in e["error"] for e in zh["errors"])
    r = web.client.post(url, json={"nps": 5}, headers=h)
    assert r.status_code == 400 and r.json()["fields"] == ["/response_id"]


def test_a_posted_response_schedules_the_alert_scan(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answers that arrive by the API are scanned for alerts too (debounced, after the reply)."""
    import servgap.web.api.responses as api

    scanned: list[str] = []
    folded: list[tuple[str, str]] = []
    monkeypatch.setattr(api, "due_scan", lambda store, ws: lambda: scanned.append(ws))
    real_fold = api.fold_into_stats

    def fold(store: Any, ws: str, survey: str) -> None:
        folded.append((ws, survey))
        real_fold(store, ws, survey)

    monkeypatch.setattr(api, "fold_into_stats", fold)
    row = {"response_id": "s1", "submitted_at": "2026-07-15 10:30", "site": "sh01", **GOOD}
    url = "/api/v1/workspaces/acme/surveys/svc/responses"
    r = web.client.post(url, json=row, headers=web.auth("analyst@acme"))
    assert r.status_code == 201, r.text
    assert scanned == ["acme"]
    assert folded == [("acme", "svc")]  # the stored statistics take it after the reply
    r = web.client.post(url, json={**row, "nps": 11, "response_id": "s2"},
                        headers=web.auth("analyst@acme"))  # fmt: skip
    assert r.status_code == 422 and scanned == ["acme"]  # a refused answer scans nothing


def _seed_responses(web: Web, n: int = 40) -> None:
    rng = np.random.default_rng(7)
    h = web.auth("analyst@acme")
    for i in range(n):
        row: dict[str, object] = {"response_id": f"r{i}", "submitted_at": "2026-07-15 10:30",
                                  "site": ["sh01", "bj01"][i % 2]}  # fmt: skip
        for item in ("rel1", "rel2", "ass1"):
            a = int(rng.integers(2, 6))
            row |= {f"{item}_adequate": a, f"{item}_desired": a + int(rng.integers(0, 3)),
                    f"{item}_perceived": int(rng.integers(1, 10))}  # fmt: skip
        row["nps"] = int(rng.integers(0, 11))
        r = web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", json=row, headers=h)
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("analysis,args", [("servqual", ["--by", "site"]), ("nps", [])])
def test_analysis_gives_the_figures_of_the_cli(web: Web, analysis: str, args: list[str]) -> None:
    _seed_responses(web)
    q = "?survey=svc&by=site" if args else "?survey=svc"
    r = web.client.get(f"/api/v1/workspaces/acme/analysis/{analysis}{q}",
                       headers=web.auth("analyst@acme"))  # fmt: skip
    assert r.status_code == 200, r.text
    url = web.store.settings.resolved_database_url()
    cli = CliRunner().invoke(main, ["--database-url", url, "-w", "acme", "analyze", analysis,
                                    "--survey", "svc", *args, "--json"])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)
    got = r.json()["result"]
    assert (got["rows"] if isinstance(expected, list) else got) == expected


def test_analysis_of_a_period_and_errors(web: Web) -> None:
    _seed_responses(web, 10)
    h = web.auth("analyst@acme")
    base = "/api/v1/workspaces/acme/analysis/servqual?survey=svc"
    assert web.client.get(base + "&period=2026Q3", headers=h).status_code == 200
    r = web.client.get(base + "&period=2025Q1", headers=h)
    assert r.status_code == 422 and r.json()["code"] == "insufficient_data"
    r = web.client.get(base + "&period=spring", headers=h)
    assert r.status_code == 400
    r = web.client.get(base + "&by=nonexistent", headers=h)
    assert r.status_code == 422
    r = web.client.get("/api/v1/workspaces/acme/analysis/servqual", headers=h)
    assert r.status_code == 400 and r.json()["code"] == "usage"  # two surveys: say which


def test_link_requests_are_validated(web: Web) -> None:
    h = web.auth("admin@acme")
    url = "/api/v1/workspaces/acme/surveys/svc/links"
    assert web.client.post(url, json={"count": 0}, headers=h).status_code == 422
    assert web.client.post(url, json={"count": 2, "customers": ["a"]}, headers=h).status_code == 400
    r = web.client.post(url, json={"count": 1, "site": "gz01"}, headers=h)  # beta's site
    assert r.status_code == 422 and r.json()["fields"] == ["/site"]
    r = web.client.post(url, json={"customers": ["C1", "C1"]}, headers=h)
    assert r.status_code == 422
    r = web.client.post(url, json={"count": 1, "opens_at": "2026-08-01", "closes_at": "2026-07-01"},
                        headers=h)  # fmt: skip
    assert r.status_code == 422 and "/closes_at" in r.json()["fields"]
    r = web.client.post(url, json={"count": 1, "opens_at": "01/02/2026"}, headers=h)
    assert r.status_code == 422 and r.json()["fields"] == ["/opens_at"]
    r = web.client.post(url, json={"customers": ["C1", "C2"], "site": "sh01", "source": "sms"},
                        headers=h)  # fmt: skip
    links = r.json()["links"]
    assert [x["customer"] for x in links] == ["C1", "C2"]
    assert all(x["url"].endswith("/s/" + x["token"]) and x["url"] in x["message"] for x in links)
    listed = web.client.get(url + "?state=open", headers=h).json()["links"]
    assert {x["customer"] for x in listed} >= {"C1", "C2"}


def test_qr_codes(web: Web) -> None:
    h = web.auth("analyst@acme")
    r = web.client.post("/api/v1/workspaces/acme/surveys/svc/links", json={"count": 1, "kind": "open"},
                        headers=h)  # fmt: skip
    lid = r.json()["links"][0]["id"]
    png = web.client.get(f"/api/v1/workspaces/acme/surveys/svc/links/{lid}/qr.png", headers=h)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = web.client.get(f"/api/v1/workspaces/acme/surveys/svc/links/{lid}/qr.svg", headers=h)
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    other = web.client.get(f"/api/v1/workspaces/acme/surveys/short/links/{lid}/qr.png", headers=h)
    assert other.status_code == 404


def test_body_limit_413(web: Web) -> None:
    web.app.state.settings  # noqa: B018 - the fixture's app
    big = {"response_id": "x", "comment": "x" * (2 * 1024 * 1024)}
    r = web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", json=big,
                        headers=web.auth("analyst@acme"))  # fmt: skip
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_errors_for_unknown_routes_and_methods(web: Web) -> None:
    r = web.client.get("/api/v1/nothing", headers=web.auth("admin@acme"))
    assert r.status_code == 404 and r.json()["ok"] is False
    r = web.client.delete("/api/v1/me", headers=web.auth("admin@acme"))
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = web.client.post("/api/v1/workspaces/acme/surveys/svc/links", content=b"{not json",
                        headers={**web.auth("admin@acme"), "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_rate_limits(store: object, tmp_path: object) -> None:
    from fastapi.testclient import TestClient
    from tests.web.conftest import seed, web_settings

    from servgap.web.app import create_app

    tokens = seed(store)  # type: ignore[arg-type]
    settings = web_settings(store, tmp_path, login_rate_per_minute=3, api_rate_per_minute=5)  # type: ignore[arg-type]
    app = create_app(settings, store=store)  # type: ignore[arg-type]
    with TestClient(app) as c:
        h = {"Authorization": f"Bearer {tokens['admin@acme']}"}
        codes = [c.get("/api/v1/me", headers=h).status_code for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[-1] == 429
        last = c.get("/api/v1/me", headers=h)
        assert last.json()["code"] == "rate_limited" and int(last.headers["retry-after"]) >= 1
        c.get("/login")
        csrf = c.cookies.get("sg_csrf")
        codes = [c.post("/login", data={"csrf": csrf, "email": "x@y.z", "password": "p"}).status_code
                 for _ in range(5)]  # fmt: skip
        assert codes[:3] == [401] * 3 and codes[-1] == 429


@pytest.mark.parametrize(
    "body",
    [
        b'{"response_id": "a\\u0000b", "nps": 5}',
        b'{"response_id": "ab", "comment": "x\\ud800"}',
        b'{"response_id": "ab", "comment": "\\udc00x"}',
    ],
)
def test_text_no_store_can_hold_is_refused_on_every_backend(web: Web, body: bytes) -> None:
    h = {**web.auth("analyst@acme"), "Content-Type": "application/json"}
    r = web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", content=body, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "invalid_characters"
    for url in ("/api/v1/workspaces/acme/surveys/a%00b", "/api/v1/workspaces/acme/analysis/nps?survey=%00",
                "/api/v1/workspaces/acme/analysis/nps?survey=%ED%A0%80"):  # fmt: skip
        assert web.client.get(url, headers=h).status_code == 400, url
    # a broken UTF-8 path reads as U+FFFD: no such link
    assert web.client.get("/s/x%ED%A0%80y?lang=en").status_code == 404
    ok = b'{"response_id": "emoji", "comment": "\\ud83d\\ude00 fine"}'  # a surrogate pair
    assert web.client.post("/api/v1/workspaces/acme/surveys/svc/responses", content=ok,
                           headers=h).status_code == 201  # fmt: skip


def test_an_unexpected_error_is_a_generic_500_without_details(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    import servgap.web.api.workspaces as module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM user_account")

    monkeypatch.setattr(module, "describe", boom)
    with TestClient(web.app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/me", headers=web.auth("admin@acme"))
    assert r.status_code == 500 and r.json()["code"] == "internal_error"
    assert "secret" not in r.text and "Traceback" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_language_switch_is_remembered(web: Web) -> None:
    r = web.client.get("/login?lang=en")
    assert "Sign in to servgap" in r.text
    assert "Sign in to servgap" in web.client.get("/login").text
    assert "登录 servgap" in web.client.get("/login?lang=zh").text
    headers = {"Accept-Language": "en"}
    web.client.cookies.clear()
    assert "Sign in to servgap" in web.client.get("/login", headers=headers).text
