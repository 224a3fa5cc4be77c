"""Helpers of the web tests: links, form fields, answers."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

GOOD: dict[str, str] = {
    "rel1_adequate": "5", "rel1_desired": "8", "rel1_perceived": "6",
    "rel2_adequate": "4", "rel2_desired": "7", "rel2_perceived": "3",
    "ass1_adequate": "6", "ass1_desired": "9", "ass1_perceived": "9",
    "wait_adequate": "15", "wait_desired": "5", "wait_perceived": "12.5",
    "f_locker_functional": "1", "f_locker_dysfunctional": "4",
    "nps": "9", "csat": "4",
    "importance_tangibles": "10", "importance_reliability": "40",
    "importance_responsiveness": "20", "importance_assurance": "20", "importance_empathy": "10",
    "channel_used": "counter", "extras_insurance": "1", "extras_packing": "1",
    "age_group": "35-54", "comment": "快递员很好 <b>bold</b> & \"quoted\"",
}  # fmt: skip


def make_links(client: TestClient, headers: dict[str, str], survey: str = "svc",
               ws: str = "acme", **body: Any) -> list[dict[str, Any]]:  # fmt: skip
    if "count" not in body and "customers" not in body:
        body["count"] = 1
    r = client.post(f"/api/v1/workspaces/{ws}/surveys/{survey}/links", json=body, headers=headers)
    assert r.status_code == 201, r.text
    links: list[dict[str, Any]] = r.json()["links"]
    return links


def hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert m is not None, f"no hidden field {name}"
    return m.group(1)


def form_fields(html: str) -> dict[str, str]:
    return {k: hidden(html, k) for k in ("csrf", "rid", "p")}


def answers(values: dict[str, str]) -> dict[str, str]:
    return {f"a-{k}": v for k, v in values.items()}
