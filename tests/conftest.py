"""Shared fixtures: a fresh store on SQLite always, and on PostgreSQL when
SERVGAP_TEST_DATABASE_URL is set (CI sets it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from servgap.services.context import Store
from servgap.settings import Settings

PG_URL = os.environ.get("SERVGAP_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def make_store(backend: str, tmp_path: Path) -> Store:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        assert PG_URL is not None
        _reset_postgres(PG_URL)
        url = PG_URL
    return Store.open(Settings(database_url=url, home=tmp_path / "home"))


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = make_store(request.param, tmp_path)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = make_store("sqlite", tmp_path)
    yield s
    s.dispose()
