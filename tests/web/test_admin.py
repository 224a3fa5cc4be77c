"""Administration pages (/w/{ws}/admin): admins only; the last admin stays; a token's secret
is shown once; settings are saved all or none with the error beside the field; a survey
YAML's problems name the line and the field; a preview stores nothing; a failed import
shows its error report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import func, select
from tests.web.conftest import Web

from servgap.services.accounts import authenticate, list_tokens, workspace_users
from servgap.services.workspaces import sla_policy_table, workspace_settings
from servgap.store.models import Response, SurveyDraft

ADMIN = "/w/acme/admin"
PAGES = ["", "/users", "/tokens", "/settings", "/surveys", "/imports",
         "/surveys/svc/preview"]  # fmt: skip
IMPORTS = "/api/v1/workspaces/acme/surveys/svc/imports"
GOOD_ROWS = [{"response_id": f"f{i}", "submitted_at": "2026-07-15 10:30", "site": "sh01",
              "rel1_adequate": 4, "rel1_desired": 7, "rel1_perceived": 5, "nps": i % 11}
             for i in range(6)]  # fmt: skip


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _responses(web: Web) -> int:
    with web.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Response)) or 0)


# ---------------------------------------------------------------- who may open what


@pytest.mark.parametrize("path", PAGES)
def test_every_admin_page_is_for_admins_of_the_workspace_only(web: Web, path: str) -> None:
    for who, status in [("admin@acme", 200), ("analyst@acme", 403), ("agent@acme", 403),
                        ("auditor@acme", 403), ("admin@beta", 404)]:  # fmt: skip
        r = web.client.get(ADMIN + path + "?lang=en", headers=web.auth(who))
        assert r.status_code == status, (who, path, r.text[:300])
        if status == 200:
            assert "<h1>" in r.text or "preview-banner" in r.text
    # the JSON twin of the same page
    r = web.client.get(ADMIN + path + ".json", headers=web.auth("admin@acme"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert (
        web.client.get(ADMIN + path + ".json", headers=web.auth("analyst@acme")).status_code == 403
    )


ACTIONS = {
    "/users": {"email": "new@acme.test", "role": "agent"},
    "/users/role": {"email": "agent@acme.test", "role": "analyst"},
    "/users/remove": {"email": "auditor@acme.test"},
    "/users/password": {"email": "agent@acme.test"},
    "/tokens": {"name": "ci"},
    "/tokens/revoke": {"token_id": "1"},
    "/settings": {"group": "costs", "cost.abandon": "12"},
    "/sla": {"category-1": "delay", "priority-1": "*", "acknowledge_within_h-1": "2",
             "resolve_within_h-1": "16"},
    "/surveys": {"definition": "code: tiny\ntitle: {zh: 小, en: Tiny}\nquestions:\n"
                 "  - {code: nps, type: nps, text: {zh: 推荐, en: Recommend}}\n"},
    "/surveys/svc/preview": {"p": "1", "action": "next"},
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(ACTIONS))
def test_every_admin_action_is_refused_to_other_roles_and_workspaces(web: Web, path: str) -> None:
    with web.store.session() as s:
        before = {
            "responses": s.scalar(select(func.count()).select_from(Response)),
        }
    for who, status in [("analyst@acme", 403), ("agent@acme", 403), ("auditor@acme", 403),
                        ("admin@beta", 404)]:  # fmt: skip
        r = web.client.post(ADMIN + path, data=ACTIONS[path], headers=web.auth(who),
                            follow_redirects=False)  # fmt: skip
        assert r.status_code == status, (who, path, r.text[:300])
    # nothing was done by the refused requests
    users = {u.email: u for u in workspace_users(web.store, workspace="acme").users}
    assert "new@acme.test" not in users and users["agent@acme.test"].memberships["acme"] == "agent"
    assert "auditor@acme.test" in users
    assert sla_policy_table(web.store, "acme").policies == ()
    # and the admin may
    r = web.client.post(ADMIN + path, data=ACTIONS[path], headers=web.auth("admin@acme"),
                        follow_redirects=False)  # fmt: skip
    assert r.status_code in (200, 201, 303), (path, r.text[:500])
    with web.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == before["responses"]


# ---------------------------------------------------------------- users and roles


def test_invite_shows_the_first_password_once_and_it_opens_the_account(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.post(ADMIN + "/users?lang=en", headers=h, data={
        "email": "Li.Na@Acme.test", "display_name": "Li  Na", "role": "auditor",
        "sites": "sh01"})  # fmt: skip
    assert r.status_code == 201, r.text
    m = re.search(r'class="secret-value">([^<]+)<', r.text)
    assert m is not None
    password = unescape(m.group(1))
    assert authenticate(web.store, "li.na@acme.test", password) > 0
    page = web.client.get(ADMIN + "/users?lang=en", headers=h).text
    assert password not in page and "li.na@acme.test" in page and "Li Na" in page
    assert "sh01" in page  # the auditor's assigned site
    assert password not in web.client.get(ADMIN + "/users.json", headers=h).text
    # an existing account gets the role here only; no password is made or shown
    r = web.client.post("/w/beta/admin/users?lang=en", headers=web.auth("admin@beta"),
                        data={"email": "li.na@acme.test", "role": "analyst"})  # fmt: skip
    assert r.status_code == 200 and "secret-value" not in r.text
    assert "password is unchanged" in r.text
    assert authenticate(web.store, "li.na@acme.test", password) > 0


def test_invite_with_bad_fields_shows_each_error_beside_its_field(web: Web) -> None:
    r = web.client.post(ADMIN + "/users?lang=en", headers=web.auth("admin@acme"),
                        data={"email": "not an email", "role": "agent", "display_name": "X"})  # fmt: skip
    assert r.status_code == 422
    assert re.search(r'name="email" value="not an email"[^>]*>\s*<span class="field-error"', r.text)
    r = web.client.post(ADMIN + "/users?lang=en", headers=web.auth("admin@acme"),
                        data={"email": "a@acme.test", "role": "agent", "sites": "sh01"})  # fmt: skip
    assert r.status_code == 422
    assert re.search(r'name="sites"[^>]*>\s*<span class="field-error"[^>]*>[^<]*auditors', r.text)
    assert "a@acme.test" not in {
        u.email for u in workspace_users(web.store, workspace="acme").users
    }


def test_the_last_admin_can_be_neither_removed_nor_demoted(web: Web) -> None:
    h = web.auth("admin@acme")
    for path, data in (("/users/remove", {"email": "admin@acme.test"}),
                       ("/users/role", {"email": "admin@acme.test", "role": "analyst"}),
                       ("/users", {"email": "admin@acme.test", "role": "agent"})):  # fmt: skip
        r = web.client.post(ADMIN + path + "?lang=en", headers=h, data=data)
        assert r.status_code == 409, (path, r.text[:300])
        assert "last admin of workspace `acme`" in _text(r.text)
        assert "make another member admin first" in _text(r.text)
    roles = {
        u.email: u.memberships["acme"] for u in workspace_users(web.store, workspace="acme").users
    }
    assert roles["admin@acme.test"] == "admin"
    # with a second admin, the first may step down, and then the second is the last
    r = web.client.post(ADMIN + "/users/role", headers=h, follow_redirects=False,
                        data={"email": "analyst@acme.test", "role": "admin"})  # fmt: skip
    assert r.status_code == 303
    r = web.client.post(ADMIN + "/users/role", headers=h, follow_redirects=False,
                        data={"email": "admin@acme.test", "role": "analyst"})  # fmt: skip
    assert r.status_code == 303
    r = web.client.post(ADMIN + "/users/remove?lang=zh", headers=web.auth("analyst@acme"),
                        data={"email": "analyst@acme.test"})  # fmt: skip
    assert r.status_code == 409 and "最后一位管理员" in r.text


def test_change_role_and_remove_a_member(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.post(ADMIN + "/users/role", headers=h, follow_redirects=False,
                        data={"email": "agent@acme.test", "role": "auditor", "sites": "bj01, sh01"})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("done=role")
    users = {u.email: u for u in workspace_users(web.store, workspace="acme").users}
    assert users["agent@acme.test"].memberships["acme"] == "auditor"
    assert users["agent@acme.test"].sites["acme"] == ("bj01", "sh01")
    r = web.client.post(ADMIN + "/users/role?lang=en", headers=h,
                        data={"email": "agent@acme.test", "role": "auditor", "sites": "gz01"})  # fmt: skip
    assert r.status_code == 422 and "not a site of workspace" in _text(r.text)
    r = web.client.post(ADMIN + "/users/remove", headers=h, follow_redirects=False,
                        data={"email": "agent@acme.test"})  # fmt: skip
    assert r.status_code == 303
    assert "agent@acme.test" not in {
        u.email for u in workspace_users(web.store, workspace="acme").users
    }
    r = web.client.get("/api/v1/workspaces/acme/surveys", headers=web.auth("agent@acme"))
    assert r.status_code == 404  # no role here any more


def test_an_admin_cannot_set_secrets_of_an_account_shared_with_another_workspace(web: Web) -> None:
    from servgap.services.accounts import create_user

    create_user(web.store, "both@acme.test", role="admin", workspace="beta")
    create_user(web.store, "both@acme.test", role="analyst", workspace="acme")
    h = web.auth("admin@acme")
    r = web.client.post(ADMIN + "/users/password?lang=en", headers=h,
                        data={"email": "both@acme.test"})  # fmt: skip
    assert r.status_code == 403 and "also works in other workspaces" in _text(r.text)
    r = web.client.post(ADMIN + "/tokens?lang=en", headers=h,
                        data={"email": "both@acme.test", "name": "x"})  # fmt: skip
    assert r.status_code == 403
    assert list_tokens(web.store, email="both@acme.test").tokens == ()
    # a member of this workspace only: a new password, shown once
    r = web.client.post(ADMIN + "/users/password?lang=en", headers=h,
                        data={"email": "agent@acme.test"})  # fmt: skip
    assert r.status_code == 200
    m = re.search(r'class="secret-value">([^<]+)<', r.text)
    assert m is not None and authenticate(web.store, "agent@acme.test", unescape(m.group(1))) > 0


# ---------------------------------------------------------------- API tokens


def test_a_token_is_shown_once_and_a_revoked_token_is_refused(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.post(ADMIN + "/tokens?lang=en", headers=h,
                        data={"email": "analyst@acme.test", "name": "bi"})  # fmt: skip
    assert r.status_code == 201
    m = re.search(r'id="new-token">(sgp_[^<]+)<', r.text)
    assert m is not None
    secret = m.group(1)
    assert r.headers["cache-control"] == "no-store"
    me = web.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["email"] == "analyst@acme.test"
    listing = web.client.get(ADMIN + "/tokens?lang=en", headers=h)
    assert secret not in listing.text and secret[:12] in listing.text  # the prefix only
    assert "bi" in listing.text and "analyst@acme.test" in listing.text
    as_json = web.client.get(ADMIN + "/tokens.json", headers=h)
    assert secret not in as_json.text
    [info] = [x for x in as_json.json()["tokens"] if x["name"] == "bi"]
    assert set(info) == {"id", "email", "name", "prefix", "created_at", "last_used_at",
                         "revoked_at"}  # fmt: skip
    assert info["last_used_at"] is not None  # /me used it
    # times are shown in the workspace's time zone (Asia/Shanghai, UTC+8)
    local = dt.datetime.fromisoformat(info["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in listing.text and "Asia/Shanghai" in listing.text
    r = web.client.post(ADMIN + "/tokens/revoke", headers=h, data={"token_id": str(info["id"])},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    me = web.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 401 and me.json()["code"] == "invalid_token"
    assert "revoked" in web.client.get(ADMIN + "/tokens?lang=en", headers=h).text


def test_a_token_of_another_workspace_cannot_be_revoked_here(web: Web) -> None:
    [beta] = list_tokens(web.store, email="admin@beta.test").tokens
    r = web.client.post(ADMIN + "/tokens/revoke?lang=en", headers=web.auth("admin@acme"),
                        data={"token_id": str(beta.id)})  # fmt: skip
    assert r.status_code == 404
    assert web.client.get("/api/v1/me", headers=web.auth("admin@beta")).status_code == 200
    listing = web.client.get(ADMIN + "/tokens.json", headers=web.auth("admin@acme")).json()
    assert "admin@beta.test" not in {x["email"] for x in listing["tokens"]}


# ---------------------------------------------------------------- settings and SLA


def test_settings_with_a_bad_value_show_the_field_error_and_change_nothing(web: Web) -> None:
    h = web.auth("admin@acme")
    before = workspace_settings(web.store, "acme").to_dict()
    r = web.client.post(ADMIN + "/settings?lang=en", headers=h, data={
        "group": "general", "name_zh": "甲快递", "name_en": "Acme Express", "lang": "en",
        "timezone": "Mars/Olympus", "currency": "usd", "brand_reputation": "70"})  # fmt: skip
    assert r.status_code == 422
    assert re.search(r'name="timezone" value="Mars/Olympus"[^>]*>\s*<span class="field-error"'
                     r'[^>]*>Unknown time zone `Mars/Olympus`', r.text)  # fmt: skip
    r = web.client.post(ADMIN + "/settings?lang=zh", headers=h, data={
        "group": "costs", "cost.agent_per_hour": "55", "cost.wait_per_hour": "-3",
        "cost.abandon": "abc"})  # fmt: skip
    assert r.status_code == 422
    assert re.search(
        r'name="cost.wait_per_hour" value="-3"[^>]*>\s*<span class="field-error"', r.text
    )
    assert re.search(r'name="cost.abandon" value="abc"[^>]*>\s*<span class="field-error"', r.text)
    assert 'name="cost.agent_per_hour" value="55"' in r.text  # what was typed is kept
    assert workspace_settings(web.store, "acme").to_dict() == before  # not even the good ones


def test_settings_are_saved_as_a_group(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.post(ADMIN + "/settings", headers=h, follow_redirects=False, data={
        "group": "calendar", "calendar.workdays": "0-5", "calendar.hours": "08:30-20:00",
        "calendar.holidays": "2026-10-01..2026-10-03", "calendar.extra_workdays": ""})  # fmt: skip
    assert r.status_code == 303
    r = web.client.post(ADMIN + "/settings", headers=h, follow_redirects=False, data={
        "group": "general", "name_zh": "甲快递", "name_en": "Acme", "lang": "en",
        "timezone": "Asia/Urumqi", "currency": "usd", "brand_reputation": ""})  # fmt: skip
    assert r.status_code == 303
    got = {s.key: s.value for s in workspace_settings(web.store, "acme").settings}
    assert got["calendar.workdays"] == [0, 1, 2, 3, 4, 5]
    assert got["calendar.hours"] == ["08:30", "20:00"]
    assert got["calendar.holidays"] == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert got["timezone"] == "Asia/Urumqi" and got["currency"] == "USD" and got["lang"] == "en"
    page = web.client.get(ADMIN + "/settings?saved=calendar", headers=h).text
    assert 'value="0,1,2,3,4,5"' in page and 'value="08:30-20:00"' in page
    as_json = web.client.get(ADMIN + "/settings.json", headers=h).json()
    assert {s["key"]: s["value"] for s in as_json["settings"]["settings"]}[
        "timezone"
    ] == "Asia/Urumqi"


def test_sla_policies_are_replaced_all_or_none_and_used_by_the_cases(web: Web) -> None:
    h = web.auth("admin@acme")
    rows = {"category-1": "delay", "priority-1": "*", "acknowledge_within_h-1": "2",
            "resolve_within_h-1": "16", "category-2": "*", "priority-2": "urgent",
            "acknowledge_within_h-2": "0.5", "resolve_within_h-2": "4",
            "category-3": "", "priority-3": "", "acknowledge_within_h-3": "",
            "resolve_within_h-3": ""}  # fmt: skip
    r = web.client.post(ADMIN + "/sla", headers=h, data=rows, follow_redirects=False)
    assert r.status_code == 303
    table = sla_policy_table(web.store, "acme")
    assert {(p.category, p.priority, p.acknowledge_within_h, p.resolve_within_h)
            for p in table.policies} == {("delay", "*", 2.0, 16.0), ("*", "urgent", 0.5, 4.0)}  # fmt: skip
    bad = {**rows, "acknowledge_within_h-1": "-1", "category-3": "delay", "priority-3": "*",
           "acknowledge_within_h-3": "1", "resolve_within_h-3": "2"}  # fmt: skip
    r = web.client.post(ADMIN + "/sla?lang=en", headers=h, data=bad)
    assert r.status_code == 422
    assert re.search(r'name="acknowledge_within_h-1" value="-1"[^>]*>\s*<span class="field-error"',
                     r.text)  # fmt: skip
    assert "already set in row 1" in _text(r.text)
    assert sla_policy_table(web.store, "acme") == table  # nothing changed
    # the desk's SLA clocks read them
    from servgap.services.cases.queue import sla_policies_of
    from servgap.services.context import get_workspace

    with web.store.session() as s:
        used = sla_policies_of(s, get_workspace(s, "acme"))
    assert any(p.category == "delay" and p.resolve_within_h == 16.0 for p in used)


# ---------------------------------------------------------------- surveys, YAML, preview


BAD_YAML = """code: tiny
title: {zh: 小调查, en: Tiny}
questions:
  - code: nps
    type: nps
    text: {zh: 推荐, en: Recommend}
  - code: speed
    type: stars
    text: {zh: 速度, en: Speed}
"""


def test_a_survey_yaml_with_an_error_shows_the_line_and_the_field(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.post(ADMIN + "/surveys?lang=en", headers=h, data={"definition": BAD_YAML})
    assert r.status_code == 422
    rows = re.findall(r"<tr><td>(\d+|—)</td><td><code>([^<]*)</code></td><td>([^<]*)", r.text)
    assert ("8", "questions[2] (speed).type") in {(a, b) for a, b, _ in rows}, rows
    assert "unknown type" in r.text
    assert "questions:\n  - code: nps" in unescape(r.text)  # the text is kept to fix it
    # a YAML syntax error names its line and column
    r = web.client.post(ADMIN + "/surveys?lang=en", headers=h,
                        data={"definition": "code: x\ntitle: [unclosed\nquestions: []\n"})  # fmt: skip
    assert r.status_code == 422 and "not valid YAML at line 3" in _text(r.text)
    # an upload is read like a paste
    good = BAD_YAML.replace("stars", "csat")
    r = web.client.post(ADMIN + "/surveys", headers=h, follow_redirects=False,
                        files={"file": ("tiny.yaml", good.encode(), "application/yaml")})  # fmt: skip
    assert r.status_code == 303 and "loaded=tiny&version=1&new=1" in r.headers["location"]
    page = web.client.get(r.headers["location"] + "&lang=en", headers=h).text
    assert "Survey tiny loaded as version 1." in page
    catalog = web.client.get(ADMIN + "/surveys.json", headers=h).json()
    tiny = next(s for s in catalog["surveys"] if s["survey"] == "tiny")
    assert [v["version"] for v in tiny["versions"]] == [1] and tiny["versions"][0]["questions"] == 2


def test_survey_list_counts_responses_per_version(web: Web) -> None:
    from tests.web.conftest import SURVEY

    from servgap.services.portal import load_definition

    r = web.client.post(IMPORTS, files={"file": ("w1.csv", _csv(GOOD_ROWS))},
                        headers=web.auth("analyst@acme"))  # fmt: skip
    assert r.status_code == 201, r.text
    changed = {**SURVEY, "title": {"zh": "快递服务满意度调查（二）", "en": "Delivery survey 2"}}
    load_definition(web.store, workspace="acme", raw=changed)
    data = web.client.get(ADMIN + "/surveys.json", headers=web.auth("admin@acme")).json()
    svc = next(s for s in data["surveys"] if s["survey"] == "svc")
    assert [(v["version"], v["responses"]) for v in svc["versions"]] == [(2, 0), (1, 6)]
    assert svc["responses"] == 6
    page = web.client.get(ADMIN + "/surveys?lang=en", headers=web.auth("admin@acme")).text
    assert "/w/acme/admin/surveys/svc/preview?v=1" in page


def test_a_preview_renders_the_respondent_page_and_saves_nothing(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.get(ADMIN + "/surveys/svc/preview?lang=en", headers=h)
    assert r.status_code == 200
    assert "Preview of svc version 1" in r.text and "Parcels arrive by the promised time" in r.text
    assert 'name="a-rel1_adequate"' in r.text  # the respondents' own form
    # a wrong answer is shown as a respondent would see it, and nothing is stored
    bad = {"p": "1", "action": "next", "a-rel1_adequate": "8", "a-rel1_desired": "3",
           "a-rel1_perceived": "5"}  # fmt: skip
    r = web.client.post(ADMIN + "/surveys/svc/preview?v=1&lang=en", headers=h, data=bad)
    assert r.status_code == 422 and 'class="q q-servqual3 has-error"' in r.text
    good = {**bad, "a-rel1_desired": "9"}
    r = web.client.post(ADMIN + "/surveys/svc/preview?v=1&lang=en", headers=h, data=good)
    assert r.status_code == 200 and '<input type="hidden" name="p" value="2">' in r.text
    pages = int(re.search(r'<progress max="(\d+)"', r.text).group(1))  # type: ignore[union-attr]
    for action in ("save", "submit"):
        r = web.client.post(ADMIN + "/surveys/svc/preview?v=1&lang=en", headers=h,
                            data={"p": str(pages), "action": action, "a-nps": "9"})  # fmt: skip
        assert r.status_code == 200 and "not saved" in r.text.replace(
            "nothing was saved", "not saved"
        )
    with web.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert s.scalar(select(func.count()).select_from(SurveyDraft)) == 0
    r = web.client.get(ADMIN + "/surveys/svc/preview?v=9&lang=en", headers=h)
    assert r.status_code == 404 and "has no `version` 9" in unescape(r.text).replace(
        "“version”", "`version`"
    )


# ---------------------------------------------------------------- imports


def test_a_failed_import_shows_its_error_report(web: Web) -> None:
    h = web.auth("analyst@acme")
    rows = [dict(x) for x in GOOD_ROWS]
    rows[1]["nps"] = 12
    rows[4]["site"] = "nowhere"
    r = web.client.post(IMPORTS, files={"file": ("bad wave.csv", _csv(rows))}, headers=h)
    assert r.status_code == 422
    r = web.client.post(IMPORTS, files={"file": ("good.csv", _csv(GOOD_ROWS))}, headers=h)
    assert r.status_code == 201 and r.json()["import_run"] > 0
    admin = web.auth("admin@acme")
    runs = web.client.get(ADMIN + "/imports.json", headers=admin).json()["runs"]
    assert [
        (x["file_name"], x["status"], x["accepted"], x["refused"], x["user"]) for x in runs
    ] == [
        ("good.csv", "ok", 6, 0, "analyst@acme.test"),
        ("bad_wave.csv", "failed", 0, 2, "analyst@acme.test"),
    ]
    failed = runs[1]
    page = web.client.get(ADMIN + "/imports?lang=en", headers=admin).text
    assert f"/w/acme/admin/imports?run={failed['id']}" in page
    report = web.client.get(ADMIN + f"/imports?run={failed['id']}&lang=en", headers=admin)
    assert report.status_code == 200
    text = _text(report.text)
    assert "2 problem(s)" in text and "nowhere" in text and "nps" in text
    assert f"errors.csv?run={failed['id']}" in report.text
    got = web.client.get(ADMIN + f"/imports/errors.csv?run={failed['id']}", headers=admin)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert {(x["row"], x["column"]) for x in table} == {("3", "nps"), ("6", "site")}
    # another workspace's run is not found here, and a missing run number is a usage error
    beta = web.client.get(
        f"/w/beta/admin/imports?run={failed['id']}", headers=web.auth("admin@beta")
    )
    assert beta.status_code == 404
    assert web.client.get(ADMIN + "/imports/errors.csv", headers=admin).status_code == 422
    assert _responses(web) == 6


# ---------------------------------------------------------------- /me stays the same


def test_me_json_is_unchanged(web: Web) -> None:
    from servgap.services.accounts import create_user

    create_user(web.store, "aud@acme.test", role="auditor", workspace="acme", sites=("sh01",))
    from servgap.services.accounts import create_token

    token = create_token(web.store, "aud@acme.test").token
    body = web.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert body == {"ok": True, "email": "aud@acme.test", "roles": {"acme": "auditor"},
                    "sites": {"acme": ["sh01"]}, "via": "token"}  # fmt: skip
    body = web.client.get("/api/v1/me", headers=web.auth("admin@acme")).json()
    assert body == {"ok": True, "email": "admin@acme.test", "roles": {"acme": "admin"},
                    "sites": {}, "via": "token"}  # fmt: skip
