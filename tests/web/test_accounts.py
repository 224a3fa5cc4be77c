"""Accounts: login form and sessions, CSRF, lockout, logout; `servgap user` and `servgap
token`; `servgap serve` answering /healthz on a fresh store."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from tests.web.conftest import Web

from servgap.cli import main
from servgap.services.accounts import (
    AccountLockedError,
    AuthenticationError,
    authenticate,
    create_user,
    session_principal,
)
from servgap.store.migrate import head_revision

PASSWORD = "correct horse battery"


def _login(web: Web, email: str, password: str, next_: str = "/") -> object:
    web.client.get("/login")
    csrf = web.client.cookies.get("sg_csrf")
    return web.client.post("/login", data={"csrf": csrf, "email": email, "password": password,
                                           "next": next_}, follow_redirects=False)  # fmt: skip


def test_login_session_and_logout(web: Web) -> None:
    create_user(web.store, "admin@acme.test", role="admin", workspace="acme", password=PASSWORD)
    r = _login(web, "Admin@Acme.test", PASSWORD, "/w/acme")
    assert r.status_code == 303 and r.headers["location"] == "/w/acme"  # type: ignore[attr-defined]
    cookie = r.headers["set-cookie"]  # type: ignore[attr-defined]
    assert (
        "sg_session=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    page = web.client.get("/w/acme")
    assert page.status_code == 200 and "甲快递" in page.text and "admin@acme.test" in page.text
    assert page.headers["cache-control"] == "no-store"
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    session = web.client.cookies.get("sg_session")
    assert session and session_principal(web.store, session) is not None
    r = web.client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert session_principal(web.store, session) is None  # the session is gone on the server
    assert web.client.get("/w/acme", follow_redirects=False).status_code == 303


def test_login_refuses_without_saying_which_part_is_wrong(web: Web) -> None:
    create_user(web.store, "analyst@acme.test", role="analyst", workspace="acme", password=PASSWORD)
    a = _login(web, "analyst@acme.test", "wrong password!")
    b = _login(web, "nobody@acme.test", PASSWORD)
    assert a.status_code == b.status_code == 401  # type: ignore[attr-defined]
    assert "邮箱或密码错误" in a.text and "邮箱或密码错误" in b.text  # type: ignore[attr-defined]
    r = _login(web, "analyst@acme.test", PASSWORD, "//evil.example/x")
    assert r.headers["location"] == "/"  # type: ignore[attr-defined]


def test_login_without_csrf_is_refused(web: Web) -> None:
    create_user(web.store, "analyst@acme.test", role="analyst", workspace="acme", password=PASSWORD)
    r = web.client.post("/login", data={"email": "analyst@acme.test", "password": PASSWORD})
    assert r.status_code == 403


def test_lockout_after_repeated_failures(web: Web) -> None:
    create_user(web.store, "agent@acme.test", role="agent", workspace="acme", password=PASSWORD)
    now = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            authenticate(web.store, "agent@acme.test", "nope-nope-nope", now=now)
    with pytest.raises(AccountLockedError):  # the fifth failure locks the account
        authenticate(web.store, "agent@acme.test", "nope-nope-nope", now=now)
    with pytest.raises(AccountLockedError, match="locked until 09:15 UTC"):
        authenticate(web.store, "agent@acme.test", PASSWORD, now=now)  # right, but locked
    later = now + dt.timedelta(minutes=16)
    assert authenticate(web.store, "agent@acme.test", PASSWORD, now=later) > 0
    r = None
    for _ in range(6):
        r = _login(web, "agent@acme.test", "nope-nope-nope")
    assert r is not None and r.status_code == 429  # type: ignore[attr-defined]


def test_passwords_are_argon2_hashes_and_tokens_are_stored_hashed(web: Web) -> None:
    from sqlalchemy import select

    from servgap.store.models import ApiToken, UserAccount

    create_user(web.store, "admin@acme.test", role="admin", workspace="acme", password=PASSWORD)
    with web.store.session() as s:
        h = s.scalar(
            select(UserAccount.password_hash).where(UserAccount.email == "admin@acme.test")
        )
        stored = set(s.scalars(select(ApiToken.token_hash)))
    assert h is not None and h.startswith("$argon2id$") and PASSWORD not in h
    assert not any(t in stored for t in web.tokens.values())


def test_cli_users_and_tokens(web: Web) -> None:
    url = web.store.settings.resolved_database_url()
    run = CliRunner().invoke
    r = run(main, ["--database-url", url, "--lang", "en", "user", "create", "new@acme.test",
                   "--role", "analyst", "--workspace", "acme", "--password-stdin"],
            input=PASSWORD + "\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Created user new@acme.test: analyst in workspace acme" in r.output
    assert authenticate(web.store, "new@acme.test", PASSWORD) > 0
    r = run(main, ["--database-url", url, "--lang", "en", "user", "create", "new@acme.test",
                   "--role", "admin", "--workspace", "beta"])  # fmt: skip
    assert r.exit_code == 0 and "admin in workspace beta" in r.output
    r = run(main, ["--database-url", url, "user", "list", "--json"])
    users = {u["email"]: u for u in json.loads(r.output)["users"]}
    assert users["new@acme.test"]["memberships"] == {"acme": "analyst", "beta": "admin"}
    r = run(main, ["--database-url", url, "--lang", "en", "user", "create", "x@acme.test",
                   "--role", "boss", "--workspace", "acme"])  # fmt: skip
    assert r.exit_code == 2
    r = run(main, ["--database-url", url, "--lang", "en", "user", "create", "short@acme.test",
                   "--role", "agent", "--workspace", "acme", "--password-stdin"], input="short\n")  # fmt: skip
    assert r.exit_code == 1 and "10 to 1024 characters" in r.output
    r = run(main, ["--database-url", url, "--lang", "en", "token", "create", "new@acme.test",
                   "--name", "ci"])  # fmt: skip
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("sgp_")
    assert web.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()[
        "email"] == "new@acme.test"  # fmt: skip
    r = run(main, ["--database-url", url, "token", "list", "--email", "new@acme.test", "--json"])
    [tok] = json.loads(r.output)["tokens"]
    assert tok["name"] == "ci" and secret not in r.output
    r = run(main, ["--database-url", url, "--lang", "en", "token", "revoke", str(tok["id"])])
    assert r.exit_code == 0 and "revoked" in r.output
    assert (
        web.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    r = run(main, ["--database-url", url, "--lang", "en", "token", "revoke", "9999"])
    assert r.exit_code == 1 and "No API token with id 9999" in r.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_on_a_fresh_store_and_answers_healthz(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SERVGAP_HOME": str(tmp_path / "home"), "SERVGAP_LANG": "en"}
    env.pop("SERVGAP_DATABASE_URL", None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "servgap"), "serve", "--port", str(port), "--log-level",
         "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"server did not start: {out}")
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["schema_revision"] == head_revision()
        assert (tmp_path / "home" / "servgap.sqlite").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout:
            out = proc.stdout.read().decode()
            assert f"http://127.0.0.1:{port}/" in out
            proc.stdout.close()
