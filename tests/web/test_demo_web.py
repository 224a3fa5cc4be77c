"""`servgap demo` says where the web pages are and how to sign in, and can run twice."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from servgap.cli import main
from servgap.services.context import Store
from servgap.web.app import create_app
from servgap.web.settings import WebSettings


def test_demo_prints_the_dashboard_the_respondent_page_and_a_login(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    env = {"SERVGAP_HOME": str(tmp_path / "home")}
    runs = []
    for _ in range(2):  # idempotent: the second run rebuilds the demo and gives a new password
        res = CliRunner().invoke(main, ["--lang", "en", "--database-url", url, "demo", "--out",
                                        str(tmp_path / "out")], env=env)  # fmt: skip
        assert res.exit_code == 0, res.output
        runs.append(res.output)
    out = runs[-1]
    assert f"servgap --database-url {url} serve --port 8000" in out
    assert "Dashboard: http://127.0.0.1:8000/w/example_express/dashboard" in out
    token = re.search(r"http://127\.0\.0\.1:8000/s/([\w-]+)", out).group(1)  # type: ignore[union-attr]
    password = re.search(r"one-time password: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert password not in runs[0]
    settings = WebSettings(database_url=url, home=tmp_path / "home")
    store = Store.open(settings)
    try:
        with TestClient(create_app(settings, store=store)) as c:
            assert "Example Express" in c.get(f"/s/{token}?lang=en").text
            c.get("/login")
            r = c.post("/login", data={"csrf": c.cookies.get("sg_csrf"), "email": "demo@example.com",
                                       "password": password, "next": "/w/example_express"},
                       follow_redirects=False)  # fmt: skip
            assert r.status_code == 303 and r.headers["location"] == "/w/example_express"
            assert c.get("/w/example_express").status_code == 200
            assert c.get("/w/example_express/dashboard").status_code == 200
    finally:
        store.dispose()
