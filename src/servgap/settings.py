"""servgap settings: one pydantic-settings class, ``SERVGAP_`` prefix.

``SERVGAP_DATABASE_URL`` unset means the embedded default store, a SQLite file
in the user's data directory (``~/.local/share/servgap/servgap.sqlite`` or
``$SERVGAP_HOME/servgap.sqlite``). PostgreSQL is just another URL
(``postgresql+psycopg://user@127.0.0.1/servgap``). Nothing is created at import
time: callers build ``Settings()`` and pass it on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    env = os.environ.get("SERVGAP_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "servgap"


class Settings(BaseSettings):
    """All configuration of a servgap process."""

    model_config = SettingsConfigDict(env_prefix="SERVGAP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; unset = embedded SQLite file under SERVGAP_HOME.",
    )
    home: Path = Field(default_factory=default_home)
    lang: Literal["zh", "en"] = "zh"
    max_import_bytes: int = Field(
        default=2 * 1024**3, description="Refuse import files larger than this (bytes)."
    )
    output_dir: Path | None = None

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'servgap.sqlite'}"

    def resolved_output_dir(self) -> Path:
        return self.output_dir if self.output_dir is not None else self.home / "output"
