"""Column types shared by all tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

MIN_YEAR, MAX_YEAR = 1900, 2200


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned time-zone aware (UTC).

    SQLite has no time-zone support: SQLAlchemy's ``DateTime(timezone=True)``
    silently drops the offset there. We convert every aware value to UTC and
    store it naive on SQLite (aware on PostgreSQL's ``timestamptz``), and
    attach UTC on the way out. Naive values are refused: the caller must say
    which zone a time is in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: attach a time zone")
        utc: dt.datetime = value.astimezone(dt.UTC)
        if not MIN_YEAR <= utc.year <= MAX_YEAR:
            # pandas (and so every analysis) cannot represent it; callers check plausibility
            # first with servgap.core.parse.check_window, this is the last line of defence
            raise ValueError(f"datetime {utc.isoformat()} refused: outside {MIN_YEAR}-{MAX_YEAR}")
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # some drivers hand back ISO text
            value = dt.datetime.fromisoformat(value)
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        out: dt.datetime = value.astimezone(dt.UTC)
        return out


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
