"""Export store contents to CSV, Excel or Parquet, masking personal data by default.

Files are written by :mod:`servgap.services.files` (atomic, never over the
store or an existing file without ``force``, mode 0600 for personal data,
spreadsheet formulas neutralised).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Executable, select
from sqlalchemy.orm import Session, aliased

from servgap.core.errors import UsageError
from servgap.core.privacy import mask_column
from servgap.services.context import Store, get_workspace
from servgap.services.files import infer_format, write_table
from servgap.services.responses import responses_frame
from servgap.services.surveys import definition_of, latest_version
from servgap.store.models import (
    Audit,
    AuditScore,
    Complaint,
    Customer,
    DemandInterval,
    Region,
    Site,
)

WHAT = ("responses", "customers", "complaints", "demand", "audits", "sites")
PERSONAL = frozenset(("responses", "customers", "complaints", "audits"))


def export_frame(
    store: Store,
    what: str,
    *,
    workspace: str,
    survey: str | None = None,
    include_personal_data: bool = False,
) -> pd.DataFrame:
    if what not in WHAT:
        raise UsageError(
            f"Unknown export `{what}`; choose one of {', '.join(WHAT)}.",
            f"未知的导出内容 `{what}`；可选：{'、'.join(WHAT)}。",
        )
    with store.session() as session:
        ws = get_workspace(session, workspace)
        if what == "responses":
            if survey is None:
                raise UsageError(
                    "Exporting responses needs the survey code (`survey`).",
                    "导出答卷需要调查代码（`survey`）。",
                    fields=("survey",),
                )
            sv = latest_version(session, ws, survey)
            definition = definition_of(sv)
            frame = responses_frame(session, ws.id, sv.survey_id, definition)
            if not include_personal_data:
                for q in definition.questions:
                    for c in q.columns():
                        if q.personal:
                            frame[c] = mask_column(frame[c].astype(object), "name")
                        elif q.kind.free_text:
                            frame[c] = mask_column(frame[c], "text")
            return frame
        if what == "customers":
            frame = _query_frame(
                session,
                select(
                    Customer.code, Customer.name, Customer.phone, Customer.email,
                    Customer.customer_type, Customer.age_group, Customer.gender, Customer.city,
                    Customer.tenure_months, Customer.orders_per_month, Customer.loyalty_intent,
                    Customer.attributes,
                )
                .where(Customer.workspace_id == ws.id)
                .order_by(Customer.id),
            )  # fmt: skip
            frame, personal = _expand_attributes(frame)
            masks = {"name": "name", "phone": "phone", "email": "email"}
            masks |= {c: "secret" for c in personal}
        elif what == "complaints":
            cust = aliased(Customer)
            frame = _query_frame(
                session,
                select(
                    Complaint.code, cust.code.label("customer"), Site.code.label("site"),
                    Complaint.channel, Complaint.received_at, Complaint.lang,
                    Complaint.category, Complaint.severity, Complaint.text,
                )
                .outerjoin(cust, cust.id == Complaint.customer_id)
                .outerjoin(Site, Site.id == Complaint.site_id)
                .where(Complaint.workspace_id == ws.id)
                .order_by(Complaint.id),
                times=("received_at",),
            )  # fmt: skip
            masks = {"text": "text"}
        elif what == "demand":
            frame = _query_frame(
                session,
                select(
                    Site.code.label("site"), DemandInterval.queue, DemandInterval.interval_start,
                    DemandInterval.interval_s, DemandInterval.arrivals, DemandInterval.handled,
                    DemandInterval.abandoned, DemandInterval.aht_s, DemandInterval.total_wait_s,
                    DemandInterval.agents,
                )
                .join(Site, Site.id == DemandInterval.site_id)
                .where(DemandInterval.workspace_id == ws.id)
                .order_by(Site.code, DemandInterval.queue, DemandInterval.interval_start),
                times=("interval_start",),
            )  # fmt: skip
            masks = {}
        elif what == "sites":
            frame = _query_frame(
                session,
                select(Site.code, Site.name_zh, Site.name_en, Site.kind,
                       Region.code.label("region"))
                .outerjoin(Region, Region.id == Site.region_id)
                .where(Site.workspace_id == ws.id)
                .order_by(Site.code),
            )  # fmt: skip
            masks = {}
        else:  # audits
            frame = _query_frame(
                session,
                select(
                    Audit.code.label("audit"), Site.code.label("site"), Audit.visited_at,
                    Audit.auditor, AuditScore.indicator, AuditScore.name_zh, AuditScore.name_en,
                    AuditScore.weight, AuditScore.score, AuditScore.max_score,
                )
                .join(AuditScore, AuditScore.audit_id == Audit.id)
                .outerjoin(Site, Site.id == Audit.site_id)
                .where(Audit.workspace_id == ws.id)
                .order_by(Audit.id, AuditScore.id),
                times=("visited_at",),
            )  # fmt: skip
            masks = {"auditor": "name"}
    if not include_personal_data and len(frame):
        for col, kind in masks.items():
            frame[col] = mask_column(frame[col], kind)
    return frame


def _expand_attributes(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Profile attributes as columns; personal ones (``attributes["personal"]``) listed apart."""
    attrs = frame.pop("attributes").tolist() if "attributes" in frame else []
    profile = pd.DataFrame([{k: v for k, v in (a or {}).items() if k != "personal"}
                            for a in attrs], index=frame.index)  # fmt: skip
    secret = pd.DataFrame([dict((a or {}).get("personal") or {}) for a in attrs], index=frame.index)
    profile = profile[[c for c in profile.columns if c not in frame.columns]]
    secret = secret[[c for c in secret.columns if c not in frame.columns and c not in profile]]
    return pd.concat([frame, profile, secret], axis=1), [str(c) for c in secret.columns]


def _query_frame(
    session: Session, stmt: Executable, *, times: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a DataFrame named by the selected columns."""
    result = session.execute(stmt)
    frame = pd.DataFrame([tuple(r) for r in result.all()], columns=list(result.keys()))
    for col in times:
        frame[col] = pd.to_datetime(frame[col], utc=True, errors="coerce")
    return frame


def export_to_file(
    store: Store,
    what: str,
    path: Path,
    *,
    workspace: str,
    survey: str | None = None,
    fmt: str | None = None,
    include_personal_data: bool = False,
    force: bool = False,
) -> tuple[Path, int]:
    """Export ``what`` to ``path``; the target is checked before anything is queried."""
    from servgap.services.files import check_target

    chosen = infer_format(path, fmt)
    check_target(path, force=force, protected=store.protected_files())
    frame = export_frame(
        store, what, workspace=workspace, survey=survey, include_personal_data=include_personal_data
    )
    written = write_table(
        frame,
        path,
        fmt=chosen,
        personal=what in PERSONAL,
        force=force,
        protected=store.protected_files(),
        sheet=what,
    )
    return written, len(frame)
