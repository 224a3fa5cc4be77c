"""The composition root for store-backed use cases.

``Store.open(settings)`` creates the engine for the configured URL and brings
the schema to the newest migration; every service function takes a ``Store``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from servgap.core.errors import NotFoundError, ServgapError
from servgap.settings import Settings
from servgap.store import migrate
from servgap.store.db import make_engine, make_sessionmaker
from servgap.store.models import Workspace


@dataclass
class Store:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = True) -> Store:
        url = settings.resolved_database_url()
        engine = make_engine(url)
        try:
            if upgrade:
                migrate.upgrade(engine)
        except BaseException as exc:
            engine.dispose()
            if not isinstance(exc, OperationalError):
                raise
            raise ServgapError(
                f"Cannot open the database {safe_url(url)}: {exc.orig}. Check "
                "SERVGAP_DATABASE_URL (or unset it to use the embedded SQLite store).",
                f"无法打开数据库 {safe_url(url)}：{exc.orig}。请检查 SERVGAP_DATABASE_URL"
                "（或取消设置以使用内置 SQLite 存储）。",
                code="database_unavailable",
            ) from exc
        return cls(settings, engine, make_sessionmaker(engine))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def protected_files(self) -> tuple[Path, ...]:
        """Files no export may overwrite: the SQLite database (its journals follow from it)."""
        return protected_files(self.engine.url.render_as_string(hide_password=False))


def protected_files(url: str) -> tuple[Path, ...]:
    """The database file of an SQLite URL (none for a server database)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return (Path(u.database),)
    return ()


def schema_status(store: Store) -> tuple[str, str | None]:
    """The store's URL (password hidden) and its schema revision (the newest after opening)."""
    return safe_url(store.settings.resolved_database_url()), migrate.current_revision(store.engine)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def get_workspace(session: Session, code: str) -> Workspace:
    ws = session.scalar(select(Workspace).where(Workspace.code == code))
    if ws is None:
        known = session.scalars(select(Workspace.code).order_by(Workspace.code)).all()
        hint_en = f" Known workspaces: {', '.join(known)}." if known else " The store is empty."
        hint_zh = f"现有工作区：{'、'.join(known)}。" if known else "存储中还没有工作区。"
        raise NotFoundError(
            f"Workspace `{code}` does not exist.{hint_en} Create it with "
            f"`servgap workspace create {code}` or build the demo with `servgap demo`.",
            f"工作区 `{code}` 不存在。{hint_zh}可用 `servgap workspace create {code}` 创建，"
            "或运行 `servgap demo` 生成示例数据。",
        )
    return ws


def ensure_workspace(session: Session, code: str, name_zh: str, name_en: str) -> Workspace:
    ws = session.scalar(select(Workspace).where(Workspace.code == code))
    if ws is None:
        ws = Workspace(code=code, name_zh=name_zh, name_en=name_en)
        session.add(ws)
        session.flush()
    return ws
