"""The quarterly report from the browser: choose survey, period, comparison period and site,
download it as PDF, slides, Excel, Markdown, JSON or CSV — the same files as ``servgap report``
(built by servgap.reports into a temporary folder, returned as one file or, when a format
writes several, as a zip)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from servgap.core.errors import InputError
from servgap.i18n import t
from servgap.reports import run_report
from servgap.services.portal import workspace_overview
from servgap.services.report import ReportRequest
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import LangDep, StoreDep
from servgap.web.templating import render

router = APIRouter()

Manager = Annotated[Access, Depends(InWorkspace(*ANALYSTS, page=True))]
Text = Annotated[str, Query(max_length=64)]

FORMATS: tuple[str, ...] = ("pdf", "pptx", "xlsx", "md", "json", "csv")
MEDIA = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}


@router.get("/w/{ws}/report")
def report_page(ws: str, request: Request, store: StoreDep, access: Manager) -> Response:
    from servgap.core.errors import ServgapError
    from servgap.services.analysis import choose_survey

    ov = workspace_overview(store, workspace=access.workspace)
    try:  # the customer survey first (a management survey is never the default)
        default = choose_survey(store, workspace=access.workspace, survey=None)
    except ServgapError:
        default = None
    return render(request, "report.html",
                  {"ov": ov, "surveys": ov.surveys, "default": default, "sites": ov.sites,
                   "formats": FORMATS})  # fmt: skip


@router.get("/w/{ws}/report/download")
async def report_download(
    ws: str,
    request: Request,
    store: StoreDep,
    access: Manager,
    lang: LangDep,
    fmt: Annotated[str, Query(alias="format", max_length=8)] = "pdf",
    survey: Text = "",
    period: Text = "",
    compare: Text = "",
    site: Text = "",
) -> Response:
    """The report in one format (several files of one format come as a zip)."""
    request.state.field_labels = {f: t(f"web_report_{f}", lang)
                                  for f in ("format", "survey", "period", "compare", "site")}  # fmt: skip
    if fmt not in FORMATS:
        raise InputError(
            f"`format` {fmt!r} is not a report format; use one of {', '.join(FORMATS)}.",
            f"`format` {fmt!r} 不是报告格式；可用：{'、'.join(FORMATS)}。",
            fields=("format",),
        )
    chosen = fmt
    req = ReportRequest(workspace=access.workspace, survey=survey or None, period=period or None,
                        compare=compare or None, site=site or None)  # fmt: skip

    def build() -> tuple[str, bytes, str]:
        with tempfile.TemporaryDirectory(prefix="servgap-report-") as folder:
            out = Path(folder)
            written = run_report(store, req, lang=lang, out_dir=out, formats=(chosen,))
            files = [p for p in written.files if p.is_file()]
            if not files:
                raise InputError(
                    "The report has no tables for these filters (no responses in the period?); "
                    "choose another period or survey.",
                    "按这些条件生成的报告没有表格（该期间没有答卷？）；请换一个期间或调查。",
                    fields=("period", "survey"),
                )
            stem = f"report_{access.workspace}_{period or 'all'}"
            if len(files) == 1:
                f = files[0]
                return (
                    f"{stem}{f.suffix}",
                    f.read_bytes(),
                    MEDIA.get(chosen, "application/octet-stream"),
                )
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in files:
                    z.write(f, f.relative_to(out).as_posix())
            return f"{stem}_{chosen}.zip", buf.getvalue(), "application/zip"

    name, body, media = await run_in_threadpool(build)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})  # fmt: skip
