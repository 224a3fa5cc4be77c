"""`servgap gaps show|sources` through the CLI runner (the customer and management surveys
of tests/services/test_gaps.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.services.test_gaps import ws  # noqa: F401 - the fixture

from servgap.cli import main
from servgap.services.context import Store


def _run(store: Store, *args: str) -> tuple[int, str]:
    url = store.settings.resolved_database_url()
    res = CliRunner().invoke(main, ["--lang", "en", "--database-url", url, "-w", "acme", *args])
    return res.exit_code, res.output


def test_show_and_sources(store: Store, ws: str) -> None:  # noqa: F811
    code, out = _run(store, "gaps", "show", "--json")
    assert code == 0, out
    rows = {r["item"]: r for r in json.loads(out)["table"]}
    assert rows["a"]["gap1_adequate"] == pytest.approx(4.5 - 6.0)
    code, out = _run(store, "gaps", "sources", "--json")
    assert code == 0, out
    assert json.loads(out)["competitors"]["table"][0]["competitor"] == "顺丰"
