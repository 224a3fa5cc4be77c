"""Respondent submissions over HTTP on loopback, beside the same count through the import path.

A server (``servgap.web`` under uvicorn, one process) runs on a fresh store with a
three-column survey (three items and NPS) and one open link; 50 concurrent clients
(asyncio + httpx, one process) each take a page's CSRF cookie once and then post
complete answers as new respondents, one ``POST /s/{token}`` per submission (all the
answers posted with the last page, as a one-page form would), until
the bounded count is reached. Reported: submissions per second and the p50 / p99
latency of the posts; then the same number of responses written as one CSV through
``servgap.services.responses.import_responses``. Every submission is checked to be
stored exactly once.

    python benchmarks/bench_submit.py                 # SQLite, 3,000 submissions
    python benchmarks/bench_submit.py --quick         # 600 submissions
    python benchmarks/bench_submit.py --pg postgresql+psycopg://postgres@127.0.0.1:55432/bench

Target (issue 11): at least 300 submissions/s with p99 < 100 ms on SQLite on a 2-core
machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np
import pandas as pd

SURVEY: dict[str, Any] = {
    "code": "bench",
    "title": {"zh": "网点服务调查", "en": "Outlet service"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability", "text": "On time"},
        {"code": "rel2", "type": "servqual3", "dimension": "reliability", "text": "Undamaged"},
        {"code": "ass1", "type": "servqual3", "dimension": "assurance", "text": "Courteous"},
        {"code": "nps", "type": "nps", "text": "Recommend"},
    ],
}

SERVER = r"""
import sys, uvicorn
from servgap.web.app import create_app
from servgap.web.settings import WebSettings
url, home, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = WebSettings(database_url=url, home=home, submit_rate_per_minute=10**9,
                       link_rate_per_minute=10**9, api_rate_per_minute=10**9)
uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
            access_log=False)
"""


def _answers(rng: np.random.Generator) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in ("rel1", "rel2", "ass1"):
        a = int(rng.integers(2, 7))
        out[f"{item}_adequate"] = str(a)
        out[f"{item}_desired"] = str(min(9, a + int(rng.integers(0, 3))))
        out[f"{item}_perceived"] = str(int(rng.integers(1, 10)))
    out["nps"] = str(int(rng.integers(0, 11)))
    return out


def prepare(url: str, home: Path) -> str:
    """A fresh store with the survey and one open link; returns the link's token."""
    from servgap.services.context import Store
    from servgap.services.distribution import create_links
    from servgap.services.portal import load_definition
    from servgap.services.workspaces import create_workspace
    from servgap.settings import Settings

    store = Store.open(Settings(database_url=url, home=home))
    try:
        create_workspace(store, "bench", name_zh="基准", name_en="Bench")
        load_definition(store, workspace="bench", raw=SURVEY)
        return create_links(store, workspace="bench", survey="bench", count=1,
                            kind="open").links[0].token  # fmt: skip
    finally:
        store.dispose()


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            key = k.strip().lower()
            headers[key] = f"{headers[key]}\n{v.strip()}" if key in headers else v.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def _client(host: str, port: int, token: str, queue: asyncio.Queue[int],
                  latencies: list[float], seed: int, failures: list[str],
                  schedule: float | None = None) -> None:  # fmt: skip
    """One keep-alive connection writing plain HTTP/1.1 (a light client, so that the
    two cores measure the server rather than the client library).

    With ``schedule`` (seconds between this client's submissions) the client sends on a
    fixed timetable and a latency counts from the time the submission was due, so a slow
    answer that delays the next one is not hidden (no coordinated omission)."""
    rng = np.random.default_rng(seed)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET /s/{token} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        status, headers, page = await _read_response(reader)
        last = re.search(rb'<progress max="(\d+)"', page)
        cookie = next((c.split(";")[0] for c in headers.get("set-cookie", "").split("\n")
                       if c.startswith("sg_csrf=")), None)  # fmt: skip
        if status != 200 or cookie is None or last is None:
            failures.append(f"GET {status}")
            return
        csrf = cookie.split("=", 1)[1]
        start = time.perf_counter() + (seed % 50) * (schedule or 0) / 50
        sent = 0
        while True:
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            due = None
            if schedule:
                due = start + sent * schedule
                sent += 1
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            fields = {"csrf": csrf, "rid": secrets.token_urlsafe(16), "p": last.group(1).decode(),
                      "action": "submit", **{f"a-{k}": v for k, v in _answers(rng).items()}}  # fmt: skip
            body = urlencode(fields).encode()
            request = (
                f"POST /s/{token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nCookie: {cookie}\r\n\r\n"
            ).encode() + body
            t0 = time.perf_counter() if due is None else min(due, time.perf_counter())
            writer.write(request)
            status, headers, text = await _read_response(reader)
            latencies.append(time.perf_counter() - t0)
            if status != 303:
                failures.append(f"POST {status} {text[:200]!r}")
    finally:
        writer.close()


async def load(port: int, token: str, count: int, clients: int, rate: float = 0.0
               ) -> dict[str, Any]:  # fmt: skip
    """``count`` submissions by ``clients`` connections, as fast as the server answers
    (``rate`` 0) or offered at ``rate`` submissions a second in total."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    latencies: list[float] = []
    failures: list[str] = []
    t0 = time.perf_counter()
    schedule = clients / rate if rate > 0 else None
    await asyncio.gather(*(_client("127.0.0.1", port, token, queue, latencies, i, failures,
                                   schedule) for i in range(clients)))  # fmt: skip
    seconds = time.perf_counter() - t0
    lat = np.array(latencies) * 1000
    return {
        "submissions": len(latencies),
        "failures": len(failures),
        "first_failures": failures[:3],
        "offered_per_second": rate or None,
        "seconds": seconds,
        "per_second": len(latencies) / seconds,
        "p50_ms": float(np.percentile(lat, 50)) if len(lat) else None,
        "p99_ms": float(np.percentile(lat, 99)) if len(lat) else None,
    }


def stored(url: str, home: Path) -> int:
    from servgap.services.collection import count_responses
    from servgap.services.context import Store
    from servgap.settings import Settings

    store = Store.open(Settings(database_url=url, home=home))
    try:
        return count_responses(store, workspace="bench", survey="bench")
    finally:
        store.dispose()


def import_path(url: str, home: Path, count: int) -> dict[str, Any]:
    """The same number of responses through the importer (one CSV, one transaction)."""
    from servgap.services.context import Store
    from servgap.services.responses import import_responses
    from servgap.settings import Settings

    rng = np.random.default_rng(1)
    rows = [{"response_id": f"imp{i}", "submitted_at": pd.Timestamp.now(tz="Asia/Shanghai")
             .strftime("%Y-%m-%d %H:%M"), **_answers(rng)} for i in range(count)]  # fmt: skip
    path = home / "import.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    store = Store.open(Settings(database_url=url, home=home))
    try:
        t0 = time.perf_counter()
        rep = import_responses(store, path, workspace="bench", survey="bench")
        seconds = time.perf_counter() - t0
    finally:
        store.dispose()
    return {"rows": rep.inserted, "seconds": seconds, "per_second": rep.inserted / seconds}


def run(backend: str, url: str, home: Path, count: int, clients: int, rate: float
        ) -> dict[str, Any]:  # fmt: skip
    token = prepare(url, home)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, url, str(home), str(port)],
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        asyncio.run(load(port, token, min(100, count), clients))  # warm-up, not counted
        res: dict[str, Any] = {}
        for name, offered in (("saturated", 0.0), ("paced", rate)):
            before = stored(url, home)
            part = asyncio.run(load(port, token, count, clients, offered))
            part["stored"] = stored(url, home) - before
            part["stored_exactly"] = part["stored"] == part["submissions"] - part["failures"]
            res[name] = part
    finally:
        server.terminate()
        server.wait(timeout=30)
    res["import"] = import_path(url, home, count)
    res["backend"] = backend
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="600 submissions")
    ap.add_argument("--count", type=int, default=3000, help="submissions per backend")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients")
    ap.add_argument("--rate", type=float, default=300.0,
                    help="offered submissions/s of the paced run (the issue's target: 300)")  # fmt: skip
    ap.add_argument("--pg", default=os.environ.get("SERVGAP_BENCH_DATABASE_URL"),
                    help="PostgreSQL URL (its public schema is dropped first)")  # fmt: skip
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()
    count = 600 if args.quick else args.count
    results = []
    with tempfile.TemporaryDirectory() as t:
        home = Path(t)
        results.append(run("sqlite", f"sqlite:///{home / 'bench.sqlite'}", home, count,
                           args.clients, args.rate))  # fmt: skip
        if args.pg:
            _reset_postgres(args.pg)
            results.append(run("postgresql", args.pg, home, count, args.clients, args.rate))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{count:,} submissions by {args.clients} concurrent clients over HTTP on loopback "
          f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end)")  # fmt: skip
    for r in results:
        imp = r["import"]
        for name in ("saturated", "paced"):
            x = r[name]
            offered = (
                f"offered {x['offered_per_second']:.0f}/s"
                if x["offered_per_second"]
                else "as fast as answered"
            )
            print(f"{r['backend']:<10} {name:<9} ({offered}): {x['per_second']:6.0f} submissions/s, "
                  f"p50 {x['p50_ms']:6.1f} ms, p99 {x['p99_ms']:6.1f} ms, {x['failures']} failed, "
                  f"stored exactly once: {x['stored_exactly']}")  # fmt: skip
            if x["first_failures"]:
                print("           first failures:", x["first_failures"])
        print(f"{r['backend']:<10} import path: {imp['rows']:,} rows in {imp['seconds']:.2f} s, "
              f"{imp['per_second']:,.0f} rows/s (one file, one transaction)")  # fmt: skip


if __name__ == "__main__":
    main()
