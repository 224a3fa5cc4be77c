"""`servgap promise import|delivery|list|check` through the CLI runner (the store and register
of tests/services/test_promises.py)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.services.test_promises import REGISTER, ws  # noqa: F401 - the fixture

from servgap.cli import main
from servgap.services.context import Store


def _run(store: Store, *args: str) -> tuple[int, str]:
    url = store.settings.resolved_database_url()
    res = CliRunner().invoke(main, ["--lang", "zh", "--database-url", url, "-w", "acme", *args])
    return res.exit_code, res.output


def test_import_list_check(store: Store, ws: str, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "p.csv").write_text(REGISTER, encoding="utf-8")
    (tmp_path / "m.csv").write_text("promise,period,value,n,kept\nd48,2026Q3,52,1000,940\n",
                                    encoding="utf-8")  # fmt: skip
    code, out = _run(store, "promise", "import", str(tmp_path / "p.csv"))
    assert code == 0 and "新增 4 项" in out, out
    code, out = _run(store, "promise", "delivery", str(tmp_path / "m.csv"))
    assert code == 0, out
    code, out = _run(store, "promise", "list")
    assert code == 0 and "等候不超过 10 分钟" in out
    code, out = _run(store, "promise", "check", "--period", "2026Q3", "--json")
    rows = {r["promise"]: r for r in json.loads(out)["table"]}
    assert rows["d48"]["status"] == "kept" and rows["wait_s1"]["status"] == "below_adequate"
    code, out = _run(store, "promise", "check", "--period", "2026Q3")
    assert "承诺低于顾客的适当期望" in out


def test_a_bad_register_is_refused_with_rows(store: Store, ws: str, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "bad.csv").write_text(REGISTER + "x1,坏,Bad,nosuch,,tv,wait_minutes,-3,,\n",
                                      encoding="utf-8")  # fmt: skip
    code, out = _run(store, "promise", "import", str(tmp_path / "bad.csv"))
    assert code != 0 and "nosuch" in out and "Traceback" not in out
