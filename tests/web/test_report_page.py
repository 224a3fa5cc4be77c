"""The report page: the same files as `servgap report`, downloaded from the browser; roles,
other workspaces and a bad format."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pptx import Presentation
from tests.web.conftest import Web
from tests.web.test_actions import ROWS

from servgap.services.responses import import_responses


def test_page_and_downloads(web: Web, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(ROWS, encoding="utf-8")
    import_responses(web.store, tmp_path / "r.csv", workspace="acme", survey="svc")
    h = web.auth("analyst@acme")
    page = web.client.get("/w/acme/report?lang=zh", headers=h)
    assert page.status_code == 200 and "季度报告" in page.text
    r = web.client.get("/w/acme/report/download?format=pptx&survey=svc", headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith('.pptx"')
    deck = Presentation(io.BytesIO(r.content))
    assert len(deck.slides) >= 2
    r = web.client.get("/w/acme/report/download?format=csv&survey=svc&lang=en", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert names and all(n.endswith(".csv") for n in names)


def test_bad_format_and_access(web: Web) -> None:
    h = web.auth("admin@acme")
    r = web.client.get("/w/acme/report/download?format=csv&survey=svc&lang=en", headers=h)
    assert r.status_code in (400, 422) and "no tables" in r.text  # no responses: no tables
    r = web.client.get("/w/acme/report/download?format=docx&survey=svc", headers=h)
    assert r.status_code in (400, 422) and "docx" in r.text
    for who in ("agent@acme", "auditor@acme"):
        assert web.client.get("/w/acme/report", headers=web.auth(who)).status_code == 403
    r = web.client.get("/w/acme/report/download?format=xlsx", headers=web.auth("admin@beta"))
    assert r.status_code == 404
