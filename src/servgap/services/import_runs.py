"""Import runs: every import of a file of responses through the web, recorded with its error
report.

An import is all or nothing (:func:`servgap.services.responses.import_responses`): either
every row is stored, or none is and every bad cell is listed. :func:`run_import` does the
import and then records the run — who, when, which file, the rows accepted, skipped and
refused, and for a refused import its problems (row, column, value, fix) — in a
transaction of its own, so the record of a failed import survives the rollback of the
import itself. An admin lists the runs and downloads a run's problems as CSV
(:func:`import_error_report`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from servgap.core.errors import InputError, NotFoundError, Problem, ServgapError
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.services.responses import ImportReport
from servgap.store.models import ImportRun

#: Problems kept per run (a refused file of a million bad cells keeps its first ones).
MAX_KEPT_PROBLEMS = 5000
MAX_LISTED_RUNS = 200
REPORT_COLUMNS = ["row", "column", "value", "problem_en", "problem_zh"]


@dataclass(frozen=True)
class ImportRunInfo(DatedResult):
    """One recorded import (``status``: ok or failed)."""

    id: int
    survey: str
    user: str | None
    file_name: str
    status: str
    rows_read: int
    accepted: int
    skipped: int
    refused: int
    problems: int  # problems found (the report keeps at most MAX_KEPT_PROBLEMS)
    message_en: str
    message_zh: str
    started_at: dt.datetime
    finished_at: dt.datetime

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang == "zh" else self.message_en


@dataclass(frozen=True)
class ImportRunList(DatedResult):
    workspace: str
    runs: tuple[ImportRunInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        cols = ["id", "survey", "user", "file_name", "status", "rows_read", "accepted",
                "skipped", "refused", "problems", "started_at", "finished_at"]  # fmt: skip
        return pd.DataFrame([{c: r.to_dict()[c] for c in cols} for r in self.runs], columns=cols)


@dataclass(frozen=True)
class ImportErrorReport(DatedResult):
    """The problems of one import run, one row each (what to fix in the file)."""

    run: ImportRunInfo
    problems: tuple[Problem, ...]

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "row": p.row,
                "column": p.column,
                "value": None if p.value is None else str(p.value),
                "problem_en": p.en,
                "problem_zh": p.zh,
            }
            for p in self.problems
        ]
        return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def _info(row: ImportRun) -> ImportRunInfo:
    return ImportRunInfo(
        id=row.id,
        survey=row.survey,
        user=row.user_email,
        file_name=row.file_name,
        status=row.status,
        rows_read=row.rows_read,
        accepted=row.accepted,
        skipped=row.skipped,
        refused=row.refused,
        problems=row.problems_total,
        message_en=row.message_en,
        message_zh=row.message_zh,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def _plain_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value else None  # NaN: an empty cell
    return str(value)


def record_import_run(
    store: Store,
    *,
    workspace: str,
    survey: str,
    user: str | None,
    file_name: str,
    started_at: dt.datetime,
    report: ImportReport | None = None,
    error: ServgapError | None = None,
    now: dt.datetime | None = None,
) -> ImportRunInfo:
    """Record one import: its ``report`` when it succeeded, else the ``error`` it raised."""
    finished = now or dt.datetime.now(dt.UTC)
    if report is not None:
        fields: dict[str, Any] = {
            "status": "ok",
            "rows_read": report.rows_read,
            "accepted": report.inserted + report.replaced,
            "skipped": report.skipped,
            "refused": 0,
            "message_en": f"{report.inserted} inserted, {report.replaced} replaced, "
            f"{report.skipped} skipped.",
            "message_zh": f"新增 {report.inserted} 行，替换 {report.replaced} 行，"
            f"跳过 {report.skipped} 行。",
            "problems": [],
            "problems_total": 0,
        }
    elif error is not None:
        problems = error.problems
        rows = {p.row for p in problems if p.row is not None}
        fields = {
            "status": "failed",
            "rows_read": 0,
            "accepted": 0,
            "skipped": 0,
            "refused": len(rows),
            "message_en": error.en[:4000],
            "message_zh": error.zh[:4000],
            "problems": [
                {
                    "row": p.row,
                    "column": p.column,
                    "value": _plain_value(p.value),
                    "en": p.en,
                    "zh": p.zh,
                }
                for p in problems[:MAX_KEPT_PROBLEMS]
            ],
            "problems_total": len(problems),
        }
    else:  # pragma: no cover - a caller's mistake
        raise ValueError("record_import_run needs a report or an error")
    with store.session() as s:
        ws = get_workspace(s, workspace)
        row = ImportRun(
            workspace_id=ws.id,
            survey=survey[:64],
            user_email=user,
            file_name=file_name[:200],
            started_at=started_at,
            finished_at=finished,
            **fields,
        )
        s.add(row)
        s.flush()
        return _info(row)


def run_import(
    store: Store,
    do_import: Callable[[], ImportReport],
    *,
    workspace: str,
    survey: str,
    user: str | None,
    file_name: str,
) -> tuple[ImportReport, ImportRunInfo]:
    """Run ``do_import`` (an :func:`~servgap.services.responses.import_responses` call) and
    record it; a refused import is recorded with its problems and its error raised again."""
    started = dt.datetime.now(dt.UTC)
    try:
        report = do_import()
    except ServgapError as exc:
        record_import_run(store, workspace=workspace, survey=survey, user=user,
                          file_name=file_name, started_at=started, error=exc)  # fmt: skip
        raise
    run = record_import_run(store, workspace=workspace, survey=survey, user=user,
                            file_name=file_name, started_at=started, report=report)  # fmt: skip
    return report, run


def list_import_runs(
    store: Store, *, workspace: str, limit: int = MAX_LISTED_RUNS
) -> ImportRunList:
    """The workspace's import runs, newest first."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.scalars(
            select(ImportRun)
            .where(ImportRun.workspace_id == ws.id)
            .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
            .limit(max(1, min(limit, MAX_LISTED_RUNS)))
        ).all()
        return ImportRunList(ws.code, tuple(_info(r) for r in rows))


def parse_run_id(text: str | None) -> int:
    """The run id of a request (``run``), refused when missing or not a whole number."""
    try:
        value = int(str(text or "").strip())
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(
            f"`run` {text!r} is not the number of an import run; pick one from the list.",
            f"`run` {text!r} 不是导入记录的编号；请从列表中选择。",
            code="invalid_run",
            fields=("run",),
        )
    return value


def import_error_report(store: Store, *, workspace: str, run_id: int) -> ImportErrorReport:
    """One run of the workspace with its problems (NotFoundError for another workspace's)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        row = s.scalar(
            select(ImportRun).where(ImportRun.id == run_id, ImportRun.workspace_id == ws.id)
        )
        if row is None:
            raise NotFoundError(
                f"No import run {run_id} in workspace `{ws.code}`.",
                f"工作区 `{ws.code}` 中没有编号为 {run_id} 的导入记录。",
                code="unknown_run",
                fields=("run",),
            )
        problems = tuple(
            Problem(
                str(p.get("en", "")),
                str(p.get("zh", "")),
                row=p.get("row"),
                column=p.get("column"),
                value=p.get("value"),
            )
            for p in (row.problems or [])
        )
        return ImportErrorReport(_info(row), problems)
