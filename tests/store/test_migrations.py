"""Alembic migrations: the schema they build equals the models, on every backend,
and upgrading keeps data."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from servgap.services.context import Store
from servgap.store import migrate
from servgap.store.models import Base, Workspace


def test_migrated_schema_matches_models(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_downgrade_to_base_and_upgrade_again(store: Store) -> None:
    migrate.downgrade(store.engine, "base")
    assert "workspace" not in inspect(store.engine).get_table_names()
    migrate.upgrade(store.engine)
    assert "workspace" in inspect(store.engine).get_table_names()


def test_upgrade_is_idempotent_and_keeps_data(store: Store) -> None:
    with store.session() as s:
        s.add(Workspace(code="keep", name_zh="保留", name_en="Keep"))
    migrate.upgrade(store.engine)
    migrate.upgrade(store.engine)
    with store.session() as s:
        assert s.scalar(select(Workspace.name_zh).where(Workspace.code == "keep")) == "保留"


def test_utc_type_round_trips_offsets(store: Store) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    t = dt.datetime(2026, 3, 31, 14, 5, 7, tzinfo=shanghai)
    with store.session() as s:
        ws = Workspace(code="tz", name_zh="时区", name_en="tz", created_at=t)
        s.add(ws)
    with store.session() as s:
        back = s.scalar(select(Workspace.created_at).where(Workspace.code == "tz"))
    assert back == t
    assert back is not None and back.utcoffset() == dt.timedelta(0)


def test_naive_datetime_is_refused(sqlite_store: Store) -> None:
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="naive datetime"), sqlite_store.session() as s:
        s.add(Workspace(code="naive", name_zh="x", name_en="x", created_at=dt.datetime(2026, 1, 1)))
        s.flush()


def test_sqlite_uses_wal(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_upgrade_from_0001_keeps_rows_and_fills_new_columns(store: Store) -> None:
    migrate.downgrade(store.engine, "0001")
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspace (code, name_zh, name_en, timezone, created_at) "
                "VALUES ('old', '旧', 'Old', 'Asia/Shanghai', '2026-01-01 00:00:00')"
            )
        )
    migrate.upgrade(store.engine)
    with store.session() as s:
        ws = s.scalars(select(Workspace).where(Workspace.code == "old")).one()
        assert ws.name_zh == "旧" and ws.settings == {}
        assert ws.created_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
