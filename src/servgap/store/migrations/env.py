"""Alembic environment for servgap (driven programmatically by servgap.store.migrate)."""

from __future__ import annotations

from alembic import context

from servgap.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("servgap migrations run through servgap.store.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # one set of migrations for SQLite and PostgreSQL
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
