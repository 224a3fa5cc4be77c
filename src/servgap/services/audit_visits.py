"""Mystery-shopper visits keyed in the browser: a draft an auditor can resume, then submitted.

A visit is scored on the workspace's audit standard (the newest stored version; a draft
keeps the version it was started on). While it is a draft it counts nowhere; once
submitted it becomes an :class:`~servgap.store.models.Audit` built by
:func:`servgap.services.audits.build_audit`, exactly as an imported visit, so every audit
analysis sees it. A submitted visit is read-only (correct it with an import ``replace``).

Photos are evidence: JPEG, PNG or WebP (recognised by their first bytes, whatever the file
is called), at most :data:`MAX_PHOTO_BYTES` each and :data:`MAX_PHOTOS` per visit. They are
stored in the database with the visit (one transaction: a visit and its evidence are written,
backed up, moved to PostgreSQL and deleted together, and several web processes need no
shared folder); at these limits a visit holds at most 30 MB.

Who sees what: an auditor sees and edits only their own visits, at their assigned sites;
admins and analysts see every visit (read-only when it is someone else's draft).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.audit_standard import AuditStandard, parse_standard, weighted_scores
from servgap.core.errors import InputError, NotFoundError, Problem, ServgapError
from servgap.core.parse import CellError, parse_datetime, parse_number
from servgap.services.accounts import SiteNotAssignedError, check_site_scope
from servgap.services.audits import build_audit
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.store.models import Audit, AuditPhoto, AuditVisit, Site, UserAccount, Workspace
from servgap.store.models import AuditStandard as StandardRow

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 6
MAX_NOTES = 5000
NA = "na"  # the form's value of "not applicable"
#: the largest visit form body: the photos plus room for the fields
MAX_FORM_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 512 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def image_type(data: bytes) -> str | None:
    """The image type from the file's first bytes (its signature), None if not one of ours.

    JPEG starts ``FF D8 FF``; PNG ``89 50 4E 47 0D 0A 1A 0A``; WebP is a RIFF container
    ``RIFF <size> WEBP`` (ISO/IEC 10918-1; RFC 2083; RFC 9649 §2)."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class NotYourVisitError(ServgapError):
    """A visit the caller may read but not change (another auditor's draft)."""

    code = "not_your_visit"
    status = 403


@dataclass(frozen=True)
class Upload:
    """A file sent with the form: its name as the browser gave it, and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class SiteChoice(ResultMixin):
    site: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class VisitSetup(ResultMixin):
    """What the form needs: the standard, the sites the caller may visit, the limits."""

    workspace: str
    workspace_name: dict[str, str]
    timezone: str
    standard: AuditStandard | None
    standard_version: int | None
    sites: tuple[SiteChoice, ...]
    max_photos: int = MAX_PHOTOS
    max_photo_bytes: int = MAX_PHOTO_BYTES


@dataclass(frozen=True)
class PhotoInfo(ResultMixin):
    id: int
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class VisitInfo(DatedResult):
    id: int
    code: str
    status: str
    site: str | None
    auditor: str
    visited_at: dt.datetime | None
    notes: str
    scores: dict[str, float | None]  # indicator -> score; None: not applicable
    standard: str | None
    standard_version: int | None
    score: float | None  # the weighted 0–100 score of what is scored so far
    audit: str | None  # the Audit's code once submitted
    photos: tuple[PhotoInfo, ...]
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    editable: bool


@dataclass(frozen=True)
class VisitList(DatedResult):
    visits: tuple[VisitInfo, ...]


def _standard_row(session: Session, ws: Workspace, standard_id: int | None) -> StandardRow | None:
    if standard_id is not None:
        return session.get(StandardRow, standard_id)
    return session.scalars(
        select(StandardRow)
        .where(StandardRow.workspace_id == ws.id)
        .order_by(StandardRow.created_at.desc(), StandardRow.id.desc())
        .limit(1)
    ).first()


def _parse(row: StandardRow | None) -> AuditStandard | None:
    if row is None:
        return None
    return parse_standard(row.definition, source=f"standard {row.code} v{row.version}")


def visit_setup(store: Store, *, workspace: str, scope: tuple[str, ...] | None) -> VisitSetup:
    """The workspace's current standard and the sites the caller may choose."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        row = _standard_row(s, ws, None)
        sites = s.execute(
            select(Site.code, Site.name_zh, Site.name_en)
            .where(Site.workspace_id == ws.id)
            .order_by(Site.code)
        ).all()
        return VisitSetup(
            ws.code,
            {"zh": ws.name_zh, "en": ws.name_en},
            ws.timezone,
            _parse(row),
            row.version if row is not None else None,
            tuple(SiteChoice(c, zh, en) for c, zh, en in sites if scope is None or c in scope),
        )


_Parsed = dict[int, tuple[StandardRow | None, AuditStandard | None]]


def _info(
    session: Session, v: AuditVisit, *, editor: str | None, parsed: _Parsed | None = None
) -> VisitInfo:
    parsed = {} if parsed is None else parsed
    if v.standard_id is not None and v.standard_id not in parsed:
        row = session.get(StandardRow, v.standard_id)
        parsed[v.standard_id] = (row, _parse(row))
    row, std = parsed[v.standard_id] if v.standard_id is not None else (None, None)
    scores: dict[str, float | None] = dict(v.scores or {})
    score = None
    if std is not None:
        x = np.array(
            [[np.nan if scores.get(i.code) is None else scores[i.code] for i in std.indicators]]
        )
        w = float(weighted_scores(std, x)[0])
        score = None if np.isnan(w) else w
    site = session.get(Site, v.site_id).code if v.site_id is not None else None  # type: ignore[union-attr]
    audit = session.get(Audit, v.audit_id).code if v.audit_id is not None else None  # type: ignore[union-attr]
    return VisitInfo(
        v.id, v.code, v.status, site, v.auditor, v.visited_at, v.notes or "", scores,
        row.code if row is not None else None, row.version if row is not None else None,
        score, audit,
        tuple(PhotoInfo(p.id, p.content_type, p.size_bytes) for p in v.photos),
        v.updated_at, v.submitted_at,
        v.status == "draft" and editor is not None and editor == v.auditor,
    )  # fmt: skip


def _visible(
    session: Session,
    ws: Workspace,
    visit_id: int,
    *,
    own: str | None,
    scope: tuple[str, ...] | None,
) -> AuditVisit:
    """The visit, if the caller may see it; else NotFoundError (as for a visit that does not
    exist, so an auditor learns nothing about other auditors' visits)."""
    v = session.get(AuditVisit, visit_id)
    site = session.get(Site, v.site_id) if v is not None and v.site_id is not None else None
    if (
        v is None
        or v.workspace_id != ws.id
        or (own is not None and v.auditor != own)
        or (scope is not None and site is not None and site.code not in scope)
    ):
        raise NotFoundError(
            f"Visit {visit_id} does not exist or is not yours to see.",
            f"检查记录 {visit_id} 不存在，或您无权查看。",
            code="not_found",
        )
    return v


def get_visit(
    store: Store,
    *,
    workspace: str,
    visit_id: int,
    viewer: str,
    own_only: bool,
    scope: tuple[str, ...] | None,
) -> VisitInfo:
    """One visit as ``viewer`` may see it (``own_only``: an auditor, their own visits)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        v = _visible(s, ws, visit_id, own=viewer if own_only else None, scope=scope)
        return _info(s, v, editor=viewer)


def list_visits(
    store: Store,
    *,
    workspace: str,
    viewer: str,
    own_only: bool,
    scope: tuple[str, ...] | None,
    status: str | None = None,
    limit: int = 200,
) -> VisitList:
    """Visits keyed in the browser, newest first (an auditor: their own)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        q = select(AuditVisit).where(AuditVisit.workspace_id == ws.id)
        if own_only:
            q = q.where(AuditVisit.auditor == viewer)
        if status is not None:
            q = q.where(AuditVisit.status == status)
        rows = s.scalars(q.order_by(AuditVisit.updated_at.desc(), AuditVisit.id.desc())).all()
        out = []
        parsed: _Parsed = {}
        for v in rows:
            info = _info(s, v, editor=viewer, parsed=parsed)
            if scope is not None and info.site is not None and info.site not in scope:
                continue
            out.append(info)
            if len(out) >= limit:
                break
        return VisitList(tuple(out))


def visit_photo(
    store: Store,
    *,
    workspace: str,
    visit_id: int,
    photo_id: int,
    viewer: str,
    own_only: bool,
    scope: tuple[str, ...] | None,
) -> tuple[str, bytes]:
    """A photo of a visit the caller may see: (content type, bytes)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        v = _visible(s, ws, visit_id, own=viewer if own_only else None, scope=scope)
        for p in v.photos:
            if p.id == photo_id:
                return p.content_type, bytes(p.data)
    raise NotFoundError(
        f"Photo {photo_id} of visit {visit_id} does not exist.",
        f"检查记录 {visit_id} 没有照片 {photo_id}。",
        code="not_found",
    )


def _check_photos(
    uploads: Sequence[Upload], kept: int, pc: list[Problem]
) -> list[tuple[str, bytes]]:
    good: list[tuple[str, bytes]] = []
    files = [u for u in uploads if u.data or u.filename]
    if kept + len(files) > MAX_PHOTOS:
        pc.append(Problem(
            f"{kept + len(files)} photos: a visit holds at most {MAX_PHOTOS}; choose fewer.",
            f"共 {kept + len(files)} 张照片：每次检查最多 {MAX_PHOTOS} 张；请少选几张。",
            column="photos",
        ))  # fmt: skip
        return []
    mb = MAX_PHOTO_BYTES // (1024 * 1024)
    for u in files:
        name = (u.filename or "").replace("\n", " ")[:80]
        if len(u.data) > MAX_PHOTO_BYTES:
            pc.append(Problem(
                f"photo {name} is {len(u.data) / 1024**2:.1f} MB; each photo may be at most "
                f"{mb} MB: take it at a lower resolution.",
                f"照片 {name} 为 {len(u.data) / 1024**2:.1f} MB；每张照片最多 {mb} MB：请降低分辨率后重拍。",
                column="photos",
            ))  # fmt: skip
            continue
        kind = image_type(u.data)
        if kind is None:
            pc.append(Problem(
                f"{name or 'the file'} is not a JPEG, PNG or WebP image.",
                f"{name or '该文件'} 不是 JPEG、PNG 或 WebP 图片。",
                column="photos",
            ))  # fmt: skip
            continue
        good.append((kind, u.data))
    return good


def save_visit(
    store: Store,
    *,
    workspace: str,
    auditor: str,
    scope: tuple[str, ...] | None,
    own_only: bool = True,
    visit_id: int | None = None,
    form_key: str | None = None,
    site: str | None = None,
    visited_at: str | None = None,
    notes: str = "",
    scores: Mapping[str, str] | None = None,
    photos: Sequence[Upload] = (),
    remove_photos: Sequence[int] = (),
    submit: bool = False,
    now: dt.datetime | None = None,
) -> VisitInfo:
    """Create (``visit_id`` None) or update the caller's draft, and with ``submit`` turn it
    into an Audit. ``scores`` are the form's answers by indicator code: a number on the
    indicator's scale, ``na`` (not applicable) or empty (not yet scored). Every problem is
    listed (``column`` = the form field: ``site``, ``visited_at``, ``notes``, ``photos`` or an
    indicator code) and nothing is written. Only its auditor changes a draft; ``own_only``
    (an auditor) hides other auditors' visits altogether (not found). ``form_key`` is the new
    visit form's random key: the same form posted again (a double tap, a retry on a poor
    connection) updates the visit it created, or returns it once submitted."""
    now = now or dt.datetime.now(dt.UTC)
    scores = scores or {}
    with store.session() as s:
        ws = get_workspace(s, workspace)
        tz = zoneinfo.ZoneInfo(ws.timezone)
        visit: AuditVisit | None = None
        key = form_key if form_key and _KEY.match(form_key) else None
        if visit_id is None and key is not None:
            again = s.scalars(
                select(AuditVisit).where(AuditVisit.workspace_id == ws.id,
                                         AuditVisit.form_key == key,
                                         AuditVisit.auditor == auditor)
            ).first()  # fmt: skip
            if again is not None and again.status == "submitted":
                return _info(s, again, editor=auditor)
            visit_id = again.id if again is not None else None
        if visit_id is not None:
            visit = _visible(s, ws, visit_id, own=auditor if own_only else None, scope=scope)
            if visit.status == "draft" and visit.auditor != auditor:
                raise NotYourVisitError(
                    f"Visit {visit.code} is a draft of {visit.auditor}; only its auditor can "
                    "change it.",
                    f"检查 {visit.code} 是 {visit.auditor} 的草稿；只有该检查员可以修改。",
                )
            if visit.status != "draft":
                raise InputError(
                    f"Visit {visit.code} is already submitted; it can no longer be changed.",
                    f"检查 {visit.code} 已提交，不能再修改。",
                    code="already_submitted",
                )
        row = _standard_row(s, ws, visit.standard_id if visit is not None else None)
        std = _parse(row)
        if std is None or row is None:
            raise InputError(
                "This workspace has no audit standard yet: import one with the audit visits "
                "(`servgap audit import --standard`).",
                "本工作区还没有检查标准：请在导入检查记录时一并导入（`servgap audit import --standard`）。",
                code="no_standard",
            )
        problems: list[Problem] = []
        texts = {"site": site or "", "visited_at": visited_at or "", "notes": notes,
                 **{k: v for k, v in scores.items() if isinstance(v, str)}}  # fmt: skip
        for name, text in texts.items():
            if "\x00" in text:
                problems.append(Problem("contains a NUL character; remove it.",
                                        "含有 NUL 字符；请删除。", column=name))  # fmt: skip
        if problems:
            raise InputError(
                "The form contains a NUL character; nothing was saved.",
                "表单含有 NUL 字符；未保存任何内容。",
                problems=tuple(problems),
                fields=tuple(p.column for p in problems if p.column),
            )
        site_id: int | None = None
        site = (site or "").strip() or None
        if site is not None:
            found = s.scalar(select(Site.id).where(Site.workspace_id == ws.id, Site.code == site))
            if found is None:
                problems.append(Problem(f"site `{site}` is not a site of this workspace.",
                                        f"网点 `{site}` 不是本工作区的网点。", column="site"))  # fmt: skip
            else:
                try:
                    check_site_scope(scope, site)
                    site_id = found
                except SiteNotAssignedError as exc:
                    problems.append(Problem(exc.en, exc.zh, column="site"))
        elif submit:
            problems.append(
                Problem("choose the site visited.", "请选择检查的网点。", column="site")
            )
        when: dt.datetime | None = None
        if visited_at and visited_at.strip():
            try:
                when = parse_datetime(visited_at.strip(), tz=tz)
            except CellError as exc:
                problems.append(Problem(exc.en, exc.zh, column="visited_at", value=visited_at))
            else:
                if when > now + dt.timedelta(minutes=10):
                    problems.append(Problem(
                        "the visit time is in the future.", "检查时间晚于现在。",
                        column="visited_at", value=visited_at,
                    ))  # fmt: skip
                    when = None
        elif submit:
            problems.append(Problem("give the time of the visit.", "请填写检查时间。",
                                    column="visited_at"))  # fmt: skip
        if len(notes) > MAX_NOTES:
            problems.append(Problem(f"notes may be at most {MAX_NOTES} characters.",
                                    f"备注最多 {MAX_NOTES} 个字符。", column="notes"))  # fmt: skip
        values: dict[str, float | None] = {}
        for ind in std.indicators:
            raw = (scores.get(ind.code) or "").strip()
            if not raw:
                if submit:
                    problems.append(Problem(
                        "score this indicator or mark it not applicable.",
                        "请为该指标评分，或标记为不适用。", column=ind.code,
                    ))  # fmt: skip
                continue
            if raw.lower() == NA:
                values[ind.code] = None
                continue
            v = parse_number(raw)
            lo, hi = ind.scale
            if v is None or not lo <= v <= hi:
                problems.append(Problem(
                    f"is not a score on the indicator's {lo:g}–{hi:g} scale.",
                    f"不是该指标 {lo:g}–{hi:g} 量表上的分数。", column=ind.code, value=raw,
                ))  # fmt: skip
                continue
            values[ind.code] = float(v)
        if submit and values and all(v is None for v in values.values()):
            problems.append(Problem("no indicator is scored; score at least one.",
                                    "没有任何指标评分；请至少填写一项。",
                                    column=std.indicators[0].code))  # fmt: skip
        kept = [p for p in (visit.photos if visit is not None else []) if p.id not in remove_photos]
        new = _check_photos(photos, len(kept), problems)
        if problems:
            fields = tuple(dict.fromkeys(p.column for p in problems if p.column))
            raise InputError(
                f"The visit has {len(problems)} problem(s); nothing was saved.",
                f"检查表有 {len(problems)} 处问题；未保存任何内容。",
                problems=tuple(problems),
                fields=fields,
            )
        if visit is None:
            visit = AuditVisit(
                workspace_id=ws.id,
                code=f"WV{now.astimezone(tz):%Y%m%d}-{secrets.token_hex(3).upper()}",
                form_key=key,
                standard_id=row.id,
                auditor=auditor,
                user_id=s.scalar(select(UserAccount.id).where(UserAccount.email == auditor)),
                created_at=now,
            )
            s.add(visit)
        visit.site_id = site_id
        visit.visited_at = when
        visit.notes = notes
        visit.scores = dict(values)
        visit.updated_at = now
        visit.photos = kept
        for kind, data in new:
            visit.photos.append(AuditPhoto(content_type=kind, size_bytes=len(data),
                                           sha256=hashlib.sha256(data).hexdigest(), data=data,
                                           created_at=now))  # fmt: skip
        s.flush()
        if submit:
            assert when is not None  # checked above
            if s.scalar(select(Audit.id).where(Audit.workspace_id == ws.id,
                                               Audit.code == visit.code)) is not None:  # fmt: skip
                raise InputError(
                    f"An audit with the code {visit.code} is already stored (imported?); "
                    "nothing was submitted.",
                    f"已有编号为 {visit.code} 的检查记录（导入的？）；未提交。",
                    code="duplicate",
                )
            audit = build_audit(
                ws.id, visit.code, site_id=site_id, visited_at=when, auditor=auditor[:100],
                standard_id=row.id, standard=std,
                scores=[np.nan if values.get(i.code) is None else values[i.code]  # type: ignore[misc]
                        for i in std.indicators],
            )  # fmt: skip
            s.add(audit)
            s.flush()
            visit.audit_id = audit.id
            visit.status = "submitted"
            visit.submitted_at = now
            s.flush()
        return _info(s, visit, editor=auditor)


def photo_bytes_limit() -> dict[str, Any]:
    """The limits, for the faces to show."""
    return {"max_photos": MAX_PHOTOS, "max_photo_bytes": MAX_PHOTO_BYTES, "types": IMAGE_TYPES}
