"""Audit pages: the visit form (draft, resume, submit, photo evidence with limits), who may see
which visit, and the manager's view against the service the CLI prints."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from tests.web.conftest import Web

from servgap.services.accounts import create_token, create_user
from servgap.services.audits import audit_overview, audit_scores, import_audits
from servgap.services.context import Store
from servgap.store.models import AuditPhoto, AuditVisit

STANDARD: dict[str, Any] = {
    "code": "outlet",
    "title": {"zh": "网点检查标准", "en": "Outlet standard"},
    "scale": {"min": 0, "max": 5},
    "sections": [
        {"code": "counter", "title": {"zh": "柜台", "en": "Counter"}, "weight": 60,
         "indicators": [
             {"code": "greeting", "title": {"zh": "主动问候", "en": "Greeting"}, "weight": 1,
              "item": "ass1"},
             {"code": "on_time", "title": {"zh": "时效承诺", "en": "Time promise"}, "weight": 2,
              "item": "rel1"},
         ]},
        {"code": "outlet", "title": {"zh": "环境", "en": "Outlet"}, "weight": 40,
         "indicators": [
             {"code": "tidy", "title": {"zh": "整洁", "en": "Tidy"}, "weight": 1},
             {"code": "signs", "title": {"zh": "标识", "en": "Signs"}, "weight": 1,
              "scale": {"min": 0, "max": 1}},
         ]},
    ],
}  # fmt: skip
SCORES = {"greeting": "4", "on_time": "3", "tidy": "na", "signs": "1"}


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (RGB, white)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def import_visit(store: Store, tmp_path: Path, code: str, site: str, scores: dict[str, str],
                 when: str = "2026-06-01 10:00") -> None:  # fmt: skip
    std = tmp_path / "standard.yaml"
    std.write_text(yaml.safe_dump(STANDARD, allow_unicode=True), encoding="utf-8")
    cols = list(scores)
    csv = tmp_path / f"{code}.csv"
    cells = ["" if scores[c] == "na" else scores[c] for c in cols]
    csv.write_text(
        "visit,site,visited_at,auditor," + ",".join(cols) + "\n"
        + f"{code},{site},{when},周明," + ",".join(cells) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    import_audits(store, csv, workspace="acme", standard_file=std, on_duplicate="replace")


@pytest.fixture
def aw(web: Web, tmp_path: Path) -> Web:
    """acme with the standard and two imported visits; an auditor assigned to bj01 only."""
    import_visit(web.store, tmp_path, "IMP1", "sh01", {"greeting": "5", "on_time": "5",
                                                       "tidy": "4", "signs": "1"})  # fmt: skip
    import_visit(web.store, tmp_path, "IMP2", "bj01", {"greeting": "2", "on_time": "3",
                                                       "tidy": "3", "signs": "0"})  # fmt: skip
    create_user(web.store, "aud2@acme.test", role="auditor", workspace="acme", sites=("bj01",))
    web.tokens["aud2@acme"] = create_token(web.store, "aud2@acme.test").token
    return web


def form(scores: dict[str, str], action: str = "draft", **fields: str) -> dict[str, str]:
    data = {f"s-{k}": v for k, v in scores.items()}
    data.update({"site": "sh01", "visited_at": "2026-07-01T09:30", "notes": "", "action": action})
    data.update(fields)
    return data


def post(web: Web, who: str, url: str, data: dict[str, str],
         files: list[tuple[str, tuple[str, bytes, str]]] | None = None) -> Any:  # fmt: skip
    return web.client.post(url, data=data, files=files or [("photos", ("", b"", "application/octet-stream"))],
                           headers=web.auth(who), follow_redirects=False)  # fmt: skip


def counts(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return (int(s.scalar(select(func.count()).select_from(AuditVisit)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditPhoto)) or 0))  # fmt: skip


def visit_id(location: str) -> int:
    m = re.search(r"/visits/(\d+)|submitted=(\d+)", location)
    assert m is not None, location
    return int(m.group(1) or m.group(2))


def test_draft_is_saved_resumed_and_does_not_count(aw: Web) -> None:
    before = audit_scores(aw.store, workspace="acme")
    r = post(aw, "auditor@acme", "/w/acme/audits/new", form({"greeting": "4"}))
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=1")
    vid = visit_id(r.headers["location"])
    page = aw.client.get(f"/w/acme/audits/visits/{vid}?saved=1", headers=aw.auth("auditor@acme"))
    assert page.status_code == 200
    assert 'name="s-greeting" value="4" checked' in page.text
    assert 'value="2026-07-01T09:30"' in page.text
    data = aw.client.get(
        f"/w/acme/audits/visits/{vid}.json", headers=aw.auth("auditor@acme")
    ).json()
    assert data["status"] == "draft" and data["scores"] == {"greeting": 4.0} and data["editable"]
    # resumed: more scores, still a draft
    r = post(aw, "auditor@acme", f"/w/acme/audits/visits/{vid}", form({**SCORES}))
    assert r.status_code == 303
    data = aw.client.get(
        f"/w/acme/audits/visits/{vid}.json", headers=aw.auth("auditor@acme")
    ).json()
    assert data["scores"] == {"greeting": 4.0, "on_time": 3.0, "tidy": None, "signs": 1.0}
    after = audit_scores(aw.store, workspace="acme")
    assert len(after) == len(before)  # a draft counts nowhere


def test_submit_creates_the_audit_an_import_would(aw: Web, tmp_path: Path) -> None:
    r = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, action="submit"))
    assert r.status_code == 303, r.text
    vid = visit_id(r.headers["location"])
    data = aw.client.get(
        f"/w/acme/audits/visits/{vid}.json", headers=aw.auth("auditor@acme")
    ).json()
    assert data["status"] == "submitted" and data["audit"] == data["code"]
    assert not data["editable"]
    import_visit(aw.store, tmp_path, "SAME", "sh01", SCORES, when="2026-07-01 09:30")
    scores = audit_scores(aw.store, workspace="acme").set_index("visit")
    web_score = scores.loc[data["code"], "score"]
    assert web_score == pytest.approx(scores.loc["SAME", "score"], abs=1e-12)
    # by hand: counter 0.6 × (1/3·4/5 + 2/3·3/5), outlet 0.4 × (½·1/1), tidy not applicable
    w = {"greeting": 0.6 / 3, "on_time": 0.6 * 2 / 3, "signs": 0.4 / 2}
    expected = 100 * (w["greeting"] * 0.8 + w["on_time"] * 0.6 + w["signs"] * 1) / sum(w.values())
    assert web_score == pytest.approx(expected)
    assert data["score"] == pytest.approx(expected)
    assert scores.loc[data["code"], "visited_at"] == scores.loc["SAME", "visited_at"]
    # a submitted visit is read-only
    r = post(aw, "auditor@acme", f"/w/acme/audits/visits/{vid}", form(SCORES))
    assert r.status_code == 422 and ("已提交" in r.text or "already submitted" in r.text)
    # the manager's page lists it with the import's score
    page = aw.client.get(f"/w/acme/audits?submitted={vid}", headers=aw.auth("auditor@acme"))
    assert data["code"] in page.text and f"{expected:.1f}" in page.text


def test_submit_lists_every_missing_field(aw: Web) -> None:
    r = post(aw, "auditor@acme", "/w/acme/audits/new",
             form({"greeting": "9"}, action="submit", site="", visited_at=""))  # fmt: skip
    assert r.status_code == 422
    assert r.text.count('class="field-error"') >= 5  # site, time, 3 unscored, 1 off the scale
    assert "0–5" in r.text
    assert counts(aw.store) == (0, 0)


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        ([("photos", ("big.png", png() + b"\0" * (5 * 1024 * 1024), "image/png"))], "5 MB"),
        ([("photos", ("notes.png", b"this is text, not a picture", "image/png"))], "WebP"),
        ([("photos", (f"p{i}.png", png(), "image/png")) for i in range(7)], "6"),
    ],
    ids=["too-large", "not-an-image", "too-many"],
)
def test_bad_photos_are_field_errors_and_nothing_is_written(
    aw: Web, files: list[Any], needle: str
) -> None:
    r = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, action="submit"), files=files)
    assert r.status_code == 422
    errors = re.findall(r'<p class="field-error" role="alert">([^<]*)</p>', r.text)
    assert errors and any(needle in e for e in errors), errors
    assert counts(aw.store) == (0, 0)


def test_body_over_the_form_limit_is_refused_before_it_is_read(
    aw: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    import servgap.web.pages.audits as pages

    monkeypatch.setattr(pages, "MAX_FORM_BYTES", 10_000)
    files = [("photos", ("a.png", png() + b"\0" * 20_000, "image/png"))]
    r = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES), files=files)
    assert r.status_code == 413
    assert counts(aw.store) == (0, 0)


def test_photo_is_stored_and_served_only_to_who_may_see_the_visit(aw: Web) -> None:
    image = png(3, 2)
    r = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES),
             files=[("photos", ("shop.png", image, "image/png"))])  # fmt: skip
    assert r.status_code == 303, r.text
    vid = visit_id(r.headers["location"])
    data = aw.client.get(
        f"/w/acme/audits/visits/{vid}.json", headers=aw.auth("auditor@acme")
    ).json()
    (photo,) = data["photos"]
    assert photo["content_type"] == "image/png" and photo["size_bytes"] == len(image)
    url = f"/w/acme/audits/visits/{vid}/photos/{photo['id']}"
    got = aw.client.get(url, headers=aw.auth("auditor@acme"))
    assert got.status_code == 200 and got.content == image
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert aw.client.get(url, headers=aw.auth("admin@acme")).status_code == 200
    assert aw.client.get(url, headers=aw.auth("analyst@acme")).status_code == 200
    assert aw.client.get(url, headers=aw.auth("agent@acme")).status_code == 403
    assert aw.client.get(url, headers=aw.auth("admin@beta")).status_code == 404
    assert aw.client.get(url.replace("/w/acme/", "/w/beta/"),
                         headers=aw.auth("admin@beta")).status_code == 404  # fmt: skip
    # another auditor (assigned to bj01) neither sees the visit nor its photo
    assert aw.client.get(url, headers=aw.auth("aud2@acme")).status_code == 404
    visit = f"/w/acme/audits/visits/{vid}"
    assert aw.client.get(visit, headers=aw.auth("aud2@acme")).status_code == 404
    # remove it while a draft
    r = post(aw, "auditor@acme", visit, {**form(SCORES), "remove_photo": str(photo["id"])})
    assert r.status_code == 303
    assert counts(aw.store) == (1, 0)


def test_auditor_cannot_visit_a_site_not_assigned(aw: Web) -> None:
    r = post(aw, "aud2@acme", "/w/acme/audits/new", form(SCORES, site="sh01"))
    assert r.status_code == 422 and "bj01" in r.text
    page = aw.client.get("/w/acme/audits/new", headers=aw.auth("aud2@acme"))
    assert 'value="bj01"' in page.text and 'value="sh01"' not in page.text
    assert counts(aw.store) == (0, 0)


def test_auditor_sees_own_visits_not_the_managers_view(aw: Web) -> None:
    post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES))
    mine = aw.client.get("/w/acme/audits.json", headers=aw.auth("auditor@acme")).json()
    assert "overview" not in mine and len(mine["visits"]["visits"]) == 1
    other = aw.client.get("/w/acme/audits.json", headers=aw.auth("aud2@acme")).json()
    assert other["visits"]["visits"] == []
    html = aw.client.get("/w/acme/audits", headers=aw.auth("auditor@acme")).text
    assert "au-rank" not in html and "IMP1" not in html
    r = aw.client.get("/w/acme/audits/data/sites?format=csv", headers=aw.auth("auditor@acme"))
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("who", "status"), [("admin@acme", 200), ("analyst@acme", 200), ("auditor@acme", 200),
                        ("agent@acme", 403), ("admin@beta", 404)],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/w/acme/audits", "/w/acme/audits.json", "/w/acme/audits/new"])
def test_roles(aw: Web, who: str, status: int, path: str) -> None:
    assert aw.client.get(path, headers=aw.auth(who)).status_code == status


def test_manager_view_equals_the_service_the_cli_prints(aw: Web) -> None:
    post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, action="submit"))
    data = aw.client.get("/w/acme/audits.json", headers=aw.auth("analyst@acme")).json()
    ov = data["overview"]
    cli = audit_scores(aw.store, workspace="acme")  # what `servgap audit list --json` prints
    means = cli.groupby("site")["score"].mean()
    got = {r["site"]: r["mean_score"] for r in ov["sites"]}
    assert got == pytest.approx(means.to_dict())
    assert [r["rank"] for r in ov["sites"]] == [1, 2]
    same = audit_overview(aw.store, workspace="acme", site="bj01").to_dict()
    data = aw.client.get("/w/acme/audits.json?site=bj01", headers=aw.auth("admin@acme")).json()
    assert data["overview"]["sites"] == same["sites"]
    html = aw.client.get("/w/acme/audits?lang=en", headers=aw.auth("admin@acme")).text
    for chart in ("au-rank", "au-trend"):
        assert f'id="{chart}"' in html
    # acme has two surveys: the page says which to choose instead of comparing
    assert 'id="au-compare"' not in html and "2 surveys" in html
    csv = aw.client.get("/w/acme/audits/data/sites?format=csv", headers=aw.auth("admin@acme"))
    assert csv.status_code == 200 and "sh01" in csv.text and "bj01" in csv.text
    xlsx = aw.client.get("/w/acme/audits/data/attributes?format=xlsx",
                         headers=aw.auth("admin@acme"))  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (
        aw.client.get("/w/acme/audits/data/nope", headers=aw.auth("admin@acme")).status_code == 422
    )
    bad = aw.client.get("/w/acme/audits?from=2026-13-01", headers=aw.auth("admin@acme"))
    assert bad.status_code == 422


def test_nul_in_a_field_is_a_field_error(aw: Web) -> None:
    r = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, notes="a\x00b"))
    assert r.status_code == 422 and counts(aw.store) == (0, 0)


def test_workspace_without_standard_says_so(web: Web) -> None:
    page = web.client.get("/w/acme/audits/new", headers=web.auth("auditor@acme"))
    assert page.status_code == 200 and "servgap audit import --standard" in page.text
    r = post(web, "auditor@acme", "/w/acme/audits/new", form(SCORES))
    assert r.status_code == 422


def test_the_same_new_visit_form_posted_twice_is_one_visit(aw: Web) -> None:
    key = "k" * 32
    first = post(aw, "auditor@acme", "/w/acme/audits/new", form({"greeting": "4"}, form_key=key))
    again = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, form_key=key))
    assert first.headers["location"] == again.headers["location"]
    done = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, "submit", form_key=key))
    retry = post(aw, "auditor@acme", "/w/acme/audits/new", form(SCORES, "submit", form_key=key))
    assert done.status_code == retry.status_code == 303
    assert visit_id(done.headers["location"]) == visit_id(first.headers["location"])
    assert counts(aw.store) == (1, 0)
    assert len(audit_scores(aw.store, workspace="acme")) == 3  # two imported + this one
    page = aw.client.get("/w/acme/audits/new", headers=aw.auth("auditor@acme")).text
    assert re.search(r'name="form_key" value="[\w-]{32}"', page)
