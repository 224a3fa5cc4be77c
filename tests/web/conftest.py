"""Fixtures of the web tests: two workspaces with users of every role, a survey with every
question type, an app on the SQLite (and, when configured, PostgreSQL) store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from servgap.services.accounts import create_token, create_user
from servgap.services.context import Store
from servgap.services.portal import load_definition
from servgap.services.workspaces import create_workspace
from servgap.web.app import create_app
from servgap.web.settings import WebSettings

ARTIFACTS = Path(__file__).parent / "artifacts"

SURVEY: dict[str, Any] = {
    "code": "svc",
    "title": {"zh": "快递服务满意度调查", "en": "Delivery service survey"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "快递按承诺的时间送达", "en": "Parcels arrive by the promised time"}},
        {"code": "rel2", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "包裹完好无损", "en": "Parcels arrive undamaged"}},
        {"code": "ass1", "type": "servqual3", "dimension": "assurance",
         "text": {"zh": "工作人员礼貌待人", "en": "Staff are courteous"}},
        {"code": "wait", "type": "servqual3", "dimension": "responsiveness", "unit": "minutes",
         "direction": "lower_better", "scale": {"min": 0, "max": 240},
         "text": {"zh": "在柜台等候的时间（分钟）", "en": "Waiting at the counter (minutes)"}},
        {"code": "f_locker", "type": "kano", "text": {"zh": "快递柜自提", "en": "Locker pick-up"},
         "functional": {"zh": "如果可以在快递柜自提，您感觉如何？", "en": "If you can use a locker?"},
         "dysfunctional": {"zh": "如果不能在快递柜自提，您感觉如何？", "en": "If you cannot?"}},
        {"code": "nps", "type": "nps", "text": {"zh": "您有多大可能推荐我们？", "en": "How likely are you to recommend us?"}},
        {"code": "csat", "type": "csat", "scale": {"min": 1, "max": 5},
         "text": {"zh": "您对本次服务满意吗？", "en": "How satisfied are you?"}},
        {"code": "importance", "type": "importance",
         "options": ["tangibles", "reliability", "responsiveness", "assurance", "empathy"],
         "text": {"zh": "请把 100 分分配给五个方面", "en": "Share 100 points over five aspects"}},
        {"code": "channel_used", "type": "single", "options": ["app", "counter", "phone"],
         "text": {"zh": "您通过什么方式寄件？", "en": "How did you send the parcel?"}},
        {"code": "extras", "type": "multiple", "options": ["insurance", "pickup", "packing"],
         "text": {"zh": "您使用过哪些附加服务？", "en": "Which extra services did you use?"}},
        {"code": "age_group", "type": "profile", "options": ["18-34", "35-54", "55+"],
         "text": {"zh": "您的年龄段", "en": "Your age group"}},
        {"code": "comment", "type": "text", "text": {"zh": "您还有什么建议？", "en": "Any suggestions?"}},
    ],
}  # fmt: skip

# a three-column survey of one page (the browser test's)
SHORT: dict[str, Any] = {
    "code": "short",
    "title": {"zh": "网点服务三栏式调查", "en": "Outlet service, three-column form"},
    "scale": {"min": 1, "max": 9},
    "questions": SURVEY["questions"][:3],
}

ROLES = ("admin", "analyst", "agent", "auditor")


@dataclass
class Web:
    app: FastAPI
    client: TestClient
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)  # "<role>@<ws>" -> bearer token

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def seed(store: Store) -> dict[str, str]:
    """Workspaces acme and beta, sites, the surveys, a user of every role in acme and an
    admin of beta; users without passwords (argon2 is slow on purpose), with API tokens."""
    from servgap.store.models import Site  # the test seeds the store directly

    tokens: dict[str, str] = {}
    for code, zh, en in (("acme", "甲快递", "Acme Express"), ("beta", "乙快递", "Beta Express")):
        create_workspace(store, code, name_zh=zh, name_en=en)
        load_definition(store, workspace=code, raw=SURVEY)
        load_definition(store, workspace=code, raw=SHORT)
    with store.session() as s:
        from sqlalchemy import select

        from servgap.store.models import Workspace

        ids = dict(s.execute(select(Workspace.code, Workspace.id)).all())
        for ws, site in (("acme", "sh01"), ("acme", "bj01"), ("beta", "gz01")):
            s.add(Site(workspace_id=ids[ws], code=site, name_zh=f"{site}网点",
                       name_en=f"Outlet {site}", kind="outlet"))  # fmt: skip
    for role in ROLES:
        email = f"{role}@acme.test"
        create_user(store, email, role=role, workspace="acme")
        tokens[f"{role}@acme"] = create_token(store, email, name="test").token
    create_user(store, "admin@beta.test", role="admin", workspace="beta")
    tokens["admin@beta"] = create_token(store, "admin@beta.test").token
    return tokens


def web_settings(store: Store, tmp_path: Path, **overrides: Any) -> WebSettings:
    values: dict[str, Any] = {
        "database_url": store.settings.resolved_database_url(),
        "home": tmp_path / "home",
        "login_rate_per_minute": 1000,
        "submit_rate_per_minute": 10_000,
        "link_rate_per_minute": 10_000,
        "api_rate_per_minute": 10_000,
    }
    values.update(overrides)
    return WebSettings(**values)


@pytest.fixture
def web(store: Store, tmp_path: Path) -> Iterator[Web]:
    tokens = seed(store)
    app = create_app(web_settings(store, tmp_path), store=store)
    with TestClient(app) as client:
        yield Web(app, client, store, tokens)


@pytest.fixture
def sqlite_web(sqlite_store: Store, tmp_path: Path) -> Iterator[Web]:
    tokens = seed(sqlite_store)
    app = create_app(web_settings(sqlite_store, tmp_path), store=sqlite_store)
    with TestClient(app) as client:
        yield Web(app, client, sqlite_store, tokens)
