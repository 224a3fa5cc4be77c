"""Build the demo company (示例快递 / Example Express) into the store.

The data come from :func:`servgap.demo.build_demo` (deterministic from a
seed). Survey responses go through the same validated import path a user's
file takes, so the demo exercises the real pipeline.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select

from servgap.services.audits import attach_standard, demo_standard
from servgap.services.context import Store, ensure_workspace
from servgap.services.responses import import_responses
from servgap.services.surveys import save_definition
from servgap.store.models import (
    Audit,
    AuditScore,
    Complaint,
    Customer,
    DemandInterval,
    Recovery,
    Region,
    Site,
    Workspace,
)

DEMO_SEED = 20261122


@dataclass
class DemoLoad:
    workspace: str
    survey: str
    responses: int
    complaints: int
    intervals: int
    audits: int
    customers: int
    findings: list[dict[str, Any]]


def _py(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return v.floor("us").to_pydatetime()
    if pd.api.types.is_scalar(v) and pd.isna(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _py(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def build_demo_store(store: Store, *, seed: int = DEMO_SEED) -> DemoLoad:
    """(Re)build the demo workspace from scratch; other workspaces are untouched."""
    from servgap.demo import build_demo

    demo = build_demo(seed)
    code = str(demo.workspace["code"])
    # a model retrained on the previous demo workspace would be stale: drop it
    stale = store.settings.home / "models" / code / "complaint_model.npz"
    stale.unlink(missing_ok=True)
    with store.session() as s:
        old = s.scalar(select(Workspace).where(Workspace.code == code))
        if old is not None:
            s.execute(delete(Workspace).where(Workspace.id == old.id))
            s.flush()
        ws = ensure_workspace(
            s, code, str(demo.workspace["name_zh"]), str(demo.workspace["name_en"])
        )
        region_ids: dict[str, int] = {}
        for r in _records(demo.regions):
            reg = Region(
                workspace_id=ws.id, code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"]
            )
            s.add(reg)
            s.flush()
            region_ids[r["code"]] = reg.id
        site_ids: dict[str, int] = {}
        site_rows = _records(demo.sites)
        for r in site_rows:
            site = Site(
                workspace_id=ws.id,
                region_id=region_ids.get(r.get("region") or ""),
                code=r["code"],
                name_zh=r["name_zh"],
                name_en=r["name_en"],
                kind=r["kind"],
            )
            s.add(site)
            s.flush()
            site_ids[r["code"]] = site.id
        for r in site_rows:
            parent = r.get("parent")
            if parent:
                s.get_one(Site, site_ids[r["code"]]).parent_id = site_ids[parent]
        cust_cols = {c.name for c in Customer.__table__.columns}
        customers = []
        for r in _records(demo.customers):
            row = {k: v for k, v in r.items() if k in cust_cols and k not in ("id",)}
            row["attributes"] = {k: v for k, v in r.items() if k not in cust_cols}
            row["workspace_id"] = ws.id
            customers.append(row)
        if customers:
            s.execute(insert(Customer), customers)
        cust_ids = dict(
            s.execute(
                select(Customer.code, Customer.id).where(Customer.workspace_id == ws.id)
            ).all()
        )
        save_definition(s, ws, dict(demo.survey), source="example_express_survey.yaml")
        survey_code = str(demo.survey["code"])

        complaint_rows = []
        for r in _records(demo.complaints):
            complaint_rows.append(
                {
                    "workspace_id": ws.id,
                    "code": r["code"],
                    "customer_id": cust_ids.get(r.get("customer") or ""),
                    "site_id": site_ids.get(r.get("site") or ""),
                    "channel": r["channel"],
                    "received_at": r["received_at"],
                    "text": r["text"],
                    "lang": r.get("lang"),
                    "category": r.get("category"),
                    "severity": r.get("severity"),
                }
            )
        if complaint_rows:
            s.execute(insert(Complaint), complaint_rows)
        complaint_ids = dict(
            s.execute(
                select(Complaint.code, Complaint.id).where(Complaint.workspace_id == ws.id)
            ).all()
        )
        base = {"complaint", "acknowledged_at", "resolved_at", "actions", "compensation_cny",
                "churned_90d", "complained_again_90d"}  # fmt: skip
        rec_rows = []
        for r in _records(demo.recoveries):
            rec_rows.append(
                {
                    "workspace_id": ws.id,
                    "complaint_id": complaint_ids[r["complaint"]],
                    "acknowledged_at": r.get("acknowledged_at"),
                    "resolved_at": r.get("resolved_at"),
                    "actions": r.get("actions") or "",
                    "compensation_cny": float(r.get("compensation_cny") or 0.0),
                    "churned_90d": r.get("churned_90d"),
                    "complained_again_90d": r.get("complained_again_90d"),
                    "survey": {k: v for k, v in r.items() if k not in base},
                }
            )
        if rec_rows:
            s.execute(insert(Recovery), rec_rows)

        demand_rows = []
        for r in _records(demo.demand):
            demand_rows.append(
                {
                    "workspace_id": ws.id,
                    "site_id": site_ids[r["site"]],
                    "queue": r["queue"],
                    "interval_start": r["interval_start"],
                    "interval_s": int(r.get("interval_s") or 1800),
                    "arrivals": int(r["arrivals"]),
                    "handled": r.get("handled"),
                    "abandoned": r.get("abandoned"),
                    "aht_s": r.get("aht_s"),
                    "total_wait_s": r.get("total_wait_s"),
                    "agents": r.get("agents"),
                }
            )
        if demand_rows:
            s.execute(insert(DemandInterval), demand_rows)

        audits = 0
        for audit_code, grp in demo.audits.groupby("audit", sort=False):
            first = grp.iloc[0]
            audit = Audit(
                workspace_id=ws.id,
                code=str(audit_code),
                site_id=site_ids.get(str(first["site"])),
                visited_at=pd.Timestamp(first["visited_at"]).to_pydatetime(),
                auditor=str(first.get("auditor", "")) or None,
            )
            audit.scores = [
                AuditScore(
                    indicator=str(x["indicator"]),
                    name_zh=str(x.get("name_zh", "")),
                    name_en=str(x.get("name_en", "")),
                    weight=float(x["weight"]),
                    score=float(x["score"]),
                    max_score=float(x["max_score"]),
                )
                for x in _records(grp)
            ]
            s.add(audit)
            audits += 1
        attach_standard(s, ws, demo_standard())  # the form's standard; scores unchanged
    # responses through the real import path (validation included)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "example_express_responses.csv"
        frame = demo.responses.copy()
        if "submitted_at" in frame and isinstance(frame["submitted_at"].dtype, pd.DatetimeTZDtype):
            frame["submitted_at"] = frame["submitted_at"].map(lambda t: t.isoformat())
        frame.to_csv(path, index=False, encoding="utf-8")
        # the demo company's calendar is the whole year 2026, later than today on some
        # machines: its "now" is the last submission, so the future-date check still applies
        last = pd.to_datetime(demo.responses["submitted_at"], utc=True).max()
        report = import_responses(
            store, path, workspace=code, survey=survey_code, now=last.to_pydatetime()
        )
    _demo_promises(store, code)
    _demo_management(store, code)
    _demo_action(store, code, survey_code)
    findings = [{k: _py(v) for k, v in dataclasses.asdict(f).items()} for f in demo.findings]
    return DemoLoad(
        workspace=code,
        survey=survey_code,
        responses=report.inserted,
        complaints=len(complaint_rows),
        intervals=len(demand_rows),
        audits=audits,
        customers=len(customers),
        findings=findings,
    )


def _demo_promises(store: Store, workspace: str) -> None:
    """The demo company's promise register and the on-time figures its parcel system reports
    (packaged example files, imported through the real import path)."""
    from importlib import resources

    from servgap.services.promises import import_promise_measures, import_promises

    folder = resources.files("servgap") / "data" / "templates"
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("example_promises.csv", "example_promise_delivery.csv"):
            (Path(tmp) / name).write_bytes(folder.joinpath(name).read_bytes())
        import_promises(store, Path(tmp) / "example_promises.csv", workspace=workspace)
        import_promise_measures(store, Path(tmp) / "example_promise_delivery.csv",
                                workspace=workspace)  # fmt: skip


def _demo_management(store: Store, workspace: str) -> None:
    """The demo company's management survey (gap 1): what its 13 site managers believe
    customers expect on five attributes (packaged files, the real import path)."""
    from importlib import resources

    import yaml

    from servgap.services.context import get_workspace

    folder = resources.files("servgap") / "data" / "templates"
    raw = yaml.safe_load(folder.joinpath("example_management_survey.yaml").read_text("utf-8"))
    with store.session() as s:
        save_definition(s, get_workspace(s, workspace), raw,
                        source="example_management_survey.yaml")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "example_management_responses.csv"
        path.write_bytes(folder.joinpath(path.name).read_bytes())
        import_responses(store, path, workspace=workspace, survey=str(raw["code"]))


def _demo_action(store: Store, workspace: str, survey: str) -> None:
    """One improvement action of the demo company's cycle: after 2026Q3 the Baiyun outlet was
    to bring reliability back to customers' adequate level; checked on 2026Q4's answers."""
    from servgap.services.improvement import action_plan, check_action, open_improvement

    plan = action_plan(store, workspace=workspace, theme="准时送达 / punctuality", site="gz_baiyun",
                       survey=survey, metric="msa:reliability", target=0.0,
                       baseline_period="2026Q3", check_period="2026Q4")  # fmt: skip
    rec = open_improvement(store, workspace=workspace, title="白云网点准时送达整改",
                           owner="王经理", created_by="demo", plan=plan,
                           due_date="2026-12-31")  # fmt: skip
    check_action(store, workspace=workspace, action_id=rec.id)
