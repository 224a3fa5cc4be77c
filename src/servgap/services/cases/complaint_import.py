"""A complaint file (CSV/Excel) opens a case per row, all or nothing, every bad row listed."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select

from servgap.core.cases import CATEGORIES, PRIORITIES
from servgap.core.errors import InputError
from servgap.core.parse import text_length_error
from servgap.services.cases._base import iso, now_or_clock, one_time, zone_of
from servgap.services.cases.intake import (
    INTAKE_CHANNELS,
    IntakeReport,
    Opener,
    Tally,
    auto_text,
)
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, open_reader
from servgap.store.models import Complaint

#: The columns of a complaint file for :func:`import_cases` (docs/data-formats.md).
COMPLAINT_SPEC = TableSpec(
    "complaint list",
    "投诉清单",
    (
        Field("code", "code", False, ("投诉编号", "complaint", "complaint_code"), max_len=64),
        Field("received_at", "datetime", True, ("收到时间", "投诉时间", "received")),
        # the length limit is checked with the length named (text_length_error)
        Field("text", "text", True, ("投诉内容", "内容", "complaint_text"), max_len=10**9),
        Field("category", "choice", False, ("类别", "投诉类别"), options=tuple(CATEGORIES)),
        Field("customer", "code", False, ("客户", "客户编号", "customer_code"), max_len=64),
        Field("site", "code", False, ("网点", "网点代码", "site_code"), max_len=64),
        Field("channel", "choice", True, ("渠道",), options=INTAKE_CHANNELS),
        Field("priority", "choice", False, ("优先级",), options=tuple(PRIORITIES)),
    ),
)


def import_cases(
    store: Store,
    path: Path,
    *,
    workspace: str,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping_file: Path | None = None,
    actor: str = "import",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> IntakeReport:
    """Import complaints from CSV/Excel and open a case for each, all or nothing.

    Columns (:data:`COMPLAINT_SPEC`): ``code``? (complaint code; default a hash
    of received_at, text and customer so re-importing the same file never
    duplicates), ``received_at``, ``text``, ``category``?, ``customer``?,
    ``site``?, ``channel``, ``priority``?; other headers through a mapping
    YAML. Every bad row is listed (row, column, value); an unknown site code is
    an error naming it. Times without an offset are in the workspace's time
    zone, read by :func:`servgap.core.parse.parse_datetime`. Cases open at
    ``max(now, received_at)``.
    """
    tally = Tally()
    with store.session() as session:
        ws = get_workspace(session, workspace)
        when = now_or_clock(one_time(now, at, ws))  # the clock is read inside the transaction
        reader = open_reader(path, COMPLAINT_SPEC, workspace_tz=ws.timezone, encoding=encoding,
                             sheet=sheet, mapping_file=mapping_file, now=when,
                             max_bytes=store.settings.max_import_bytes)  # fmt: skip
        src = reader.source
        header = {f: h for h, f in reader.columns.items()}
        op = Opener(session, ws)
        tz = zone_of(ws)
        recs: list[dict[str, Any]] = []
        seen: set[str] = set()
        for chunk in reader.records():
            for r in chunk:
                row = int(r["_row"])
                tally.rows_read += 1
                text = r.get("text") or ""
                too_long = text_length_error(text)
                if too_long is not None:
                    reader.problem(too_long.en, too_long.zh, row=row, column=header["text"],
                                   value=text[:40] + "…")  # fmt: skip
                received = r.get("received_at")
                if received is not None and received > when:
                    reader.problem("`received_at` is in the future.", "`received_at` 晚于当前时间。",
                                   row=row, column=header["received_at"],
                                   value=r["_raw"].get("received_at"))  # fmt: skip
                site = r.get("site")
                if site is not None and site not in op.sites:
                    known = ", ".join(sorted(op.sites)[:15]) or "(none)"
                    reader.problem(
                        f"site `{site}` is not in this workspace. Known site codes: {known}.",
                        f"网点 `{site}` 不在本工作区。已有网点代码：{known}。",
                        row=row, column=header["site"], value=site,
                    )  # fmt: skip
                customer = r.get("customer")
                code = r.get("code")
                if code is None:
                    local = received.astimezone(tz) if received is not None else None
                    digest = hashlib.sha1(f"{local}|{text}|{customer}".encode()).hexdigest()[:12]
                    code = f"IMP-{digest}"
                elif code in seen:
                    reader.problem("this code appears more than once in the file; codes must be "
                                   "unique.", "该编号在文件中重复出现；编号必须唯一。",
                                   row=row, column=header["code"], value=code)  # fmt: skip
                seen.add(code)
                recs.append({**r, "code": code, "text": text})
        if tally.rows_read == 0:
            raise InputError(
                f"File {src} has a header but no data rows; nothing was imported.",
                f"文件 {src} 只有表头没有数据行；未导入任何内容。",
                code="empty_file",
            )
        reader.raise_if_problems()
        existing = dict(
            session.execute(
                select(Complaint.code, Complaint.id).where(
                    Complaint.workspace_id == ws.id,
                    Complaint.code.in_([r["code"] for r in recs]),
                )
            ).all()
        )
        cats, sents = auto_text([r["text"] for r in recs], session=session, ws=ws)
        for rec, acat, sent in zip(recs, cats, sents, strict=True):
            key = f"complaint:{rec['code']}"
            if op.existing(key) is not None:
                tally.already_open += 1
                continue
            cust, new_customer = op.customer(rec.get("customer"), create=True)
            tally.customers_created += int(new_customer)
            site_id = op.site_id(rec.get("site"))
            cat = rec.get("category") or acat
            comp_id = existing.get(rec["code"])
            if comp_id is None:
                comp = Complaint(
                    workspace_id=ws.id, code=rec["code"], customer_id=cust.id if cust else None,
                    site_id=site_id, channel=rec["channel"], received_at=rec["received_at"],
                    text=rec["text"], category=cat,
                )  # fmt: skip
                session.add(comp)
                session.flush()
                comp_id = comp.id
                tally.complaints_created += 1
            case, _ = op.open(
                summary=rec["text"],
                category=cat,
                priority=rec.get("priority") or "normal",
                customer=cust,
                site_id=site_id,
                channel=rec["channel"],
                actor=actor,
                now=max(when, rec["received_at"]),
                source="import",
                complaint_id=comp_id,
                idempotency_key=key,
                sentiment=sent,
                category_auto=rec.get("category") is None and acat is not None,
                data={"complaint": rec["code"], "file": src, "row": rec["_row"],
                      "received_at": iso(rec["received_at"])},
            )  # fmt: skip
            tally.opened += 1
            tally.cases.append(case.code)
    from servgap.services.alerts import scan_after_import

    scan_after_import(store, workspace)  # alerts on the committed data; a failure is logged
    return tally.report(src)
