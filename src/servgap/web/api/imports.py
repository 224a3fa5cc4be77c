"""Bulk import of a file of responses through the API, with the rules of ``servgap import``.

The upload is streamed to a private folder on disk (``SERVGAP_HOME/uploads``) up to
``max_upload_bytes`` (larger than the limit of other requests), then imported in one
transaction: every bad cell is listed (row, column, value, fix) and nothing is stored, or
every row is. Each import is recorded with its outcome (:mod:`servgap.services.import_runs`:
who, when, the file, rows accepted and refused, the error report), listed on the admin pages.
Send the file as ``multipart/form-data`` (field ``file``, optional ``mapping``
YAML) or as the raw body with its type (``text/csv``, the Excel type) and ``?filename=``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from servgap.core.errors import InputError, ServgapError, UsageError
from servgap.services.import_runs import run_import
from servgap.services.responses import import_responses
from servgap.web.access import ANALYSTS, Access, InWorkspace
from servgap.web.deps import SettingsDep, StoreDep
from servgap.web.errors import PayloadTooLargeError

router = APIRouter(tags=["responses"])

Analyst = Annotated[Access, Depends(InWorkspace(*ANALYSTS))]

UPLOAD_PATHS = re.compile(
    r"^/api/v1/workspaces/[^/]+/surveys/[^/]+/imports$"
    r"|^/w/[^/]+/audits/(?:new|visits/\d+)$"  # visit forms with photos (their own limit)
)
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".sav")
TYPES = {
    "text/csv": ".csv",
    "text/plain": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/x-spss-sav": ".sav",
}
MAX_LISTED = 1000
CHUNK = 1024 * 1024

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "CSV, Excel (.xlsx) or SPSS (.sav) file."},
                        "mapping": {"type": "string", "format": "binary",
                                    "description": "Column mapping YAML (as `import --mapping`)."},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}  # fmt: skip


def _safe_name(name: str | None, ctype: str) -> str:
    """The uploaded file's name as a plain file name with a known suffix (it names the file in
    the problems listed)."""
    base = Path((name or "").replace("\\", "/")).name
    base = re.sub(r"[^\w.\-]+", "_", base)[:120].lstrip(".") or "upload"
    suffix = Path(base).suffix.lower()
    if suffix not in SUFFIXES:
        guessed = TYPES.get(ctype)
        if guessed is None:
            raise UsageError(
                f"Cannot tell the file's format from its name {name!r} or its type {ctype!r}; "
                f"send a file named *{', *'.join(SUFFIXES)} (or `filename` with that suffix).",
                f"无法从文件名 {name!r} 或类型 {ctype!r} 判断文件格式；请上传扩展名为 "
                f"*{'、*'.join(SUFFIXES)} 的文件（或用 `filename` 给出带扩展名的文件名）。",
                code="unknown_format",
                fields=("file",),
            )
        base = Path(base).stem + guessed
    return base


class _TooLarge(MultiPartException):
    """The body passed the upload limit (a MultiPartException: the parser then closes its
    temporary files)."""


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"The upload is larger than {limit:,} bytes; split the file or raise "
        "SERVGAP_MAX_UPLOAD_BYTES.",
        f"上传文件超过 {limit:,} 字节；请拆分文件，或调高 SERVGAP_MAX_UPLOAD_BYTES。",
    )


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge("too large")
        yield chunk


async def spool(
    request: Request, folder: Path, *, limit: int, filename: str | None
) -> tuple[Path, Path | None]:
    """Write the uploaded file (and a mapping YAML, if sent) into ``folder``."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    mapping: Path | None = None
    if ctype == "multipart/form-data":
        parser = MultiPartParser(request.headers, _limited(request, limit), max_files=2,
                                 max_fields=10)  # fmt: skip
        try:
            form = await parser.parse()
        except _TooLarge:
            raise _too_large(limit) from None
        except MultiPartException as exc:
            raise UsageError(f"The multipart body is malformed: {exc.message}",
                             f"multipart 请求体格式错误：{exc.message}", code="invalid_body",
                             fields=("file",)) from None  # fmt: skip
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise UsageError(
                    "Send the file in the form field `file` (multipart/form-data).",
                    "请在表单字段 `file` 中上传文件（multipart/form-data）。",
                    fields=("file",),
                )
            path = folder / _safe_name(upload.filename or filename, upload.content_type or "")

            def copy(src: Any, dest: Path) -> None:
                src.seek(0)
                with dest.open("wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)

            await run_in_threadpool(copy, upload.file, path)
            given = form.get("mapping")
            if isinstance(given, UploadFile):
                mapping = folder / "mapping.yaml"
                await run_in_threadpool(copy, given.file, mapping)
            elif isinstance(given, str) and given.strip():
                mapping = folder / "mapping.yaml"
                mapping.write_text(given, encoding="utf-8")
        finally:
            await form.close()
        return path, mapping
    if ctype in ("application/json", "application/x-www-form-urlencoded", ""):
        raise UsageError(
            "Send the file as multipart/form-data (field `file`) or as the raw body with its "
            "type, e.g. `Content-Type: text/csv`.",
            "请以 multipart/form-data（字段 `file`）上传文件，或以原始请求体上传并注明类型，如 "
            "`Content-Type: text/csv`。",
            code="unsupported_media_type",
            fields=("file",),
        )
    path = folder / _safe_name(filename, ctype)
    size = 0
    try:
        with path.open("wb") as out:
            async for chunk in _limited(request, limit):
                size += len(chunk)
                out.write(chunk)
    except _TooLarge:
        raise _too_large(limit) from None
    if size == 0:
        raise UsageError("The request body is empty: send the file.", "请求体为空：请上传文件。",
                         fields=("file",))  # fmt: skip
    return path, None


def _shorter(exc: ServgapError) -> ServgapError:
    """At most :data:`MAX_LISTED` problems in an answer (the message gives their number)."""
    if len(exc.problems) <= MAX_LISTED:
        return exc
    short = InputError(
        exc.en + f" (the first {MAX_LISTED} are listed)",
        exc.zh + f"（列出前 {MAX_LISTED} 处）",
        code=exc.code,
        problems=exc.problems[:MAX_LISTED],
        fields=exc.fields,
    )
    short.status = exc.status
    return short


@router.post(
    "/workspaces/{ws}/surveys/{survey}/imports", status_code=201, openapi_extra=UPLOAD_BODY
)
async def import_file(
    ws: str,
    survey: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    access: Analyst,
    on_duplicate: Literal["error", "skip", "replace"] = "error",
    channel: Literal["web", "phone", "import", "audit"] = "import",
    encoding: Annotated[str | None, Query(max_length=40)] = None,
    sheet: Annotated[str | None, Query(max_length=100)] = None,
    date_format: Annotated[str | None, Query(max_length=20, examples=["DD/MM/YYYY"])] = None,
    filename: Annotated[str | None, Query(max_length=200, examples=["wave3.csv"])] = None,
) -> dict[str, Any]:
    """Import a file of responses in one transaction, as ``servgap import`` does: all rows or
    none; every bad cell is listed in ``errors`` with its row, column, value and fix."""
    home = Path(store.settings.home) / "uploads"
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix="import-", dir=home) as tmp:
        path, mapping = await spool(request, Path(tmp), limit=settings.max_upload_bytes,
                                    filename=filename)  # fmt: skip
        try:
            report, run = await run_in_threadpool(
                lambda: run_import(
                    store,
                    lambda: import_responses(
                        store, path, workspace=access.workspace, survey=survey,
                        mapping_file=mapping, encoding=encoding, sheet=sheet, channel=channel,
                        on_duplicate=on_duplicate, date_format=date_format,
                    ),
                    workspace=access.workspace, survey=survey, user=access.principal.email,
                    file_name=path.name,
                )
            )  # fmt: skip
        except ServgapError as exc:
            raise _shorter(exc) from None
    out = report.to_dict()
    out["file"] = path.name
    out["import_run"] = run.id
    return {"ok": True, **out}
