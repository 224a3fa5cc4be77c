"""A server killed with SIGKILL in the middle of a load loses no acknowledged submission:
every respondent who got the 303 is stored exactly once, every stored response is whole,
and the server starts again on the same store."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.web.conftest import seed
from tests.web.helpers import GOOD

from servgap.services.context import Store
from servgap.services.distribution import create_links
from servgap.store.models import Response

SERVER = r"""
import sys, uvicorn
from servgap.web.app import create_app
from servgap.web.settings import WebSettings
url, home, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = WebSettings(database_url=url, home=home, submit_rate_per_minute=10**9,
                       link_rate_per_minute=10**9)
uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="error")
"""
ITEMS = [k for k in GOOD if k[:4] in ("rel1", "rel2", "ass1")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(home), str(port)],
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the server did not start")
        time.sleep(0.1)


def test_sigkill_in_the_middle_of_a_load(store: Store, tmp_path: Path) -> None:
    seed(store)
    token = (
        create_links(store, workspace="acme", survey="short", count=1, kind="open").links[0].token
    )
    url = store.settings.resolved_database_url()
    proc, base = _start(url, tmp_path)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def respondent_stream() -> None:
        with httpx.Client(base_url=base, timeout=10) as c:
            try:
                c.get(f"/s/{token}")
                csrf = c.cookies.get("sg_csrf") or ""
                while not stop.is_set():
                    rid = secrets.token_urlsafe(16)
                    data = {"csrf": csrf, "rid": rid, "p": "1", "action": "submit",
                            **{f"a-{k}": GOOD[k] for k in ITEMS}}  # fmt: skip
                    r = c.post(f"/s/{token}", data=data)
                    if r.status_code == 303:
                        with lock:
                            acknowledged.append(rid)
            except httpx.TransportError:
                return  # the server is gone

    threads = [threading.Thread(target=respondent_stream) for _ in range(8)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the load
    proc.wait()
    stop.set()
    for th in threads:
        th.join(timeout=30)
    assert len(acknowledged) >= 150
    with store.session() as s:
        rows = s.execute(select(Response.external_id, Response.answers)).all()
    ids = [eid for eid, _ in rows]
    assert len(ids) == len(set(ids))  # nothing twice
    stored_rids = {eid.split("-", 2)[2] for eid in ids}
    missing = [rid for rid in acknowledged if rid not in stored_rids]
    assert not missing, f"{len(missing)} acknowledged submissions were lost"
    for _, answers in rows:  # nothing half-written
        assert all(answers.get(k) is not None for k in ITEMS), answers
    # the server starts again on the same store and takes answers
    proc, base = _start(url, tmp_path)
    try:
        with httpx.Client(base_url=base, timeout=10) as c:
            c.get(f"/s/{token}")
            data = {"csrf": c.cookies.get("sg_csrf") or "", "rid": secrets.token_urlsafe(16),
                    "p": "1", "action": "submit", **{f"a-{k}": GOOD[k] for k in ITEMS}}  # fmt: skip
            assert c.post(f"/s/{token}", data=data).status_code == 303
    finally:
        proc.terminate()
        proc.wait(timeout=30)
