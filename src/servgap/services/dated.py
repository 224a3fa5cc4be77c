"""Results holding date-times: ``to_dict()`` gives ISO 8601 text, ready for ``json.dumps``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from servgap.core._result import ResultMixin


def iso(value: Any) -> Any:
    """``value`` with every date-time (also inside lists and dicts) as ISO 8601 text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [iso(v) for v in value]
    return value


class DatedResult(ResultMixin):
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = iso(super().to_dict())
        return out
