"""`servgap alerts scan|list|ack` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from tests.services.test_alerts import rows, setup

from servgap.cli import main
from servgap.services.alerts import list_alerts
from servgap.services.context import Store
from servgap.services.workspaces import create_workspace


def _run(store: Store, *args: str) -> tuple[int, str]:
    url = store.settings.resolved_database_url()
    res = CliRunner().invoke(main, ["--lang", "en", "--database-url", url, *args])
    return res.exit_code, res.output


def test_scan_list_ack(sqlite_store: Store, tmp_path: Path) -> None:
    path = setup(sqlite_store, tmp_path, rows())
    # write the responses without the import's own scan, so the CLI scan finds them new
    from sqlalchemy import insert, select

    from servgap.store.models import Response, Site, Survey, SurveyVersion, Workspace

    with sqlite_store.session() as s:
        wid = s.scalar(select(Workspace.id).where(Workspace.code == "acme"))
        sid, vid = s.execute(select(Survey.id, SurveyVersion.id).join(SurveyVersion)).one()
        sites = dict(s.execute(select(Site.code, Site.id)).all())
        frame = pd.read_csv(path)
        recs = [{"workspace_id": wid, "survey_id": sid, "survey_version_id": vid,
                 "external_id": r["response_id"], "site_id": sites[r["site"]], "channel": "import",
                 "period": r["period"],
                 "answers": {k: float(v) for k, v in r.items()
                             if k not in ("response_id", "site", "period")}}
                for r in frame.to_dict("records")]  # fmt: skip
        s.execute(insert(Response), recs)
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "scan")
    assert code == 0, out
    n = len(list_alerts(sqlite_store, "acme").alerts)
    assert n > 0 and f"acme: {n} new alert(s), 0 found again, 0 resolved." in out
    assert "Site sh01: perceived reliability below the adequate level" in out
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "scan", "--json")
    assert code == 0 and json.loads(out)[0]["new"] == [] and json.loads(out)[0]["seen_again"] == n
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "list", "--json")
    listed = json.loads(out)["alerts"]
    assert len(listed) == n
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "list")
    assert code == 0 and "severity" in out and "below_adequate" in out
    first = listed[0]["id"]
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "ack", str(first), "--note", "seen",
                     "--by", "qm")  # fmt: skip
    assert code == 0 and f"Alert #{first} acknowledged by qm." in out
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "list", "--state", "acknowledged",
                     "--json")  # fmt: skip
    [acked] = json.loads(out)["alerts"]
    assert (acked["id"], acked["note"], acked["acknowledged_by"]) == (first, "seen", "qm")
    code, out = _run(sqlite_store, "-w", "acme", "alerts", "ack", "999999")
    assert code == 1 and "does not exist" in out


def test_scan_all_workspaces(sqlite_store: Store) -> None:
    create_workspace(sqlite_store, "one", name_zh="一", name_en="One")
    create_workspace(sqlite_store, "two", name_zh="二", name_en="Two")
    code, out = _run(sqlite_store, "alerts", "scan", "--all-workspaces", "--json")
    assert code == 0, out
    assert [r["workspace"] for r in json.loads(out)] == ["one", "two"]
