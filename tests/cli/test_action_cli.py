"""`servgap action open|list|state|check` through the CLI runner (the store of
tests/services/test_improvement.py: figures worked by hand there)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from tests.services.test_improvement import ws  # noqa: F401 - the fixture

from servgap.cli import main
from servgap.services.context import Store


def _run(store: Store, *args: str) -> tuple[int, str]:
    url = store.settings.resolved_database_url()
    res = CliRunner().invoke(main, ["--lang", "en", "--database-url", url, "-w", "acme", *args])
    return res.exit_code, res.output


def test_open_check_list(store: Store, ws: str) -> None:  # noqa: F811
    code, out = _run(store, "action", "open", "--title", "s1 on time", "--owner", "wang",
                     "--site", "s1", "--metric", "msa:reliability", "--target", "0",
                     "--baseline-period", "2026Q3", "--json")  # fmt: skip
    assert code == 0, out
    action_id = json.loads(out)["id"]
    code, out = _run(store, "action", "check", str(action_id))
    assert code == 0, out
    assert "-1 (2026Q3) → 0.667 (2026Q4)" in out and "Target 0: met." in out
    code, out = _run(store, "action", "state", str(action_id), "done")
    assert code == 0 and "done" in out
    code, out = _run(store, "action", "list", "--json")
    (row,) = json.loads(out)
    assert row["state"] == "done" and row["check_result"]["did"] is not None


def test_bad_input_names_the_option(store: Store, ws: str) -> None:  # noqa: F811
    code, out = _run(store, "action", "open", "--title", "t", "--owner", "o", "--metric",
                     "msa:nosuch")  # fmt: skip
    assert code != 0 and "nosuch" in out and "Traceback" not in out
    code, out = _run(store, "action", "open", "--title", "t", "--owner", "o", "--metric", "nps",
                     "--baseline-period", "2026Q9")  # fmt: skip
    assert code != 0 and "--baseline-period" in out and "2026Q9" in out
