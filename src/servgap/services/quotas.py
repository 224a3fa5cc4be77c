"""Quotas per segment: at most N responses of a survey in one cell (a site, or one answer of a
single-choice or profile question such as ``age_group = 55+``).

A cell is *full* when the survey's stored responses in it (whatever their channel: web,
phone, import) reach its target. The collection paths (respondent pages, phone interviews)
refuse a response in a full cell, and a respondent's page closes with a friendly page as
soon as the link's site or an answer given puts them in a full cell. Imports record what was
collected elsewhere and are not refused.

Counting and storing happen in one transaction that first locks the cells concerned
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), so
concurrent respondents never overfill a cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from servgap.core.errors import ConflictError, InputError
from servgap.core.survey import SurveyDefinition
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.services.surveys import definition_of, latest_version
from servgap.store.models import Response, Site, SurveyQuota

SITE = "site"
MAX_CELLS = 500


class QuotaFullError(ConflictError):
    """The response falls in a quota cell that is already full."""

    code = "quota_full"

    def __init__(self, en: str, zh: str, *, cells: Sequence[QuotaCell] = ()) -> None:
        super().__init__(en, zh)
        self.cells = tuple(cells)


@dataclass(frozen=True)
class QuotaCell(DatedResult):
    segment: str
    value: str
    target: int
    filled: int

    @property
    def full(self) -> bool:
        return self.filled >= self.target

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["remaining"] = max(self.target - self.filled, 0)
        out["full"] = self.full
        return out


@dataclass(frozen=True)
class QuotaList(DatedResult):
    workspace: str
    survey: str
    cells: tuple[QuotaCell, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "survey": self.survey,
                "cells": [c.to_dict() for c in self.cells]}  # fmt: skip


@dataclass(frozen=True)
class Quota:
    """A quota cell as the collection path reads it (no count yet)."""

    id: int
    segment: str
    value: str
    target: int


def segments_of(definition: SurveyDefinition) -> dict[str, tuple[str, ...]]:
    """The segments a quota may use: ``site`` and each single-choice or profile question with
    options (its options are the cells' values)."""
    out: dict[str, tuple[str, ...]] = {SITE: ()}
    for q in definition.questions:
        if q.type in ("single", "profile") and q.options:
            out[q.code] = tuple(q.options)
    return out


def _check_segment(session: Session, ws_id: int, definition: SurveyDefinition, segment: str,
                   values: Sequence[str]) -> None:  # fmt: skip
    segments = segments_of(definition)
    if segment not in segments:
        raise InputError(
            f"`segment` {segment!r} cannot hold quotas: use `site` or the code of a single-choice "
            f"or profile question of survey `{definition.code}` "
            f"({', '.join(s for s in segments if s != SITE) or 'none'}).",
            f"`segment` {segment!r} 不能设置配额：请使用 `site` 或调查 `{definition.code}` 中单选题或"
            f"画像题的代码（{'、'.join(s for s in segments if s != SITE) or '无'}）。",
            code="invalid_quota",
            fields=("segment",),
        )
    known = (
        set(session.scalars(select(Site.code).where(Site.workspace_id == ws_id)))
        if segment == SITE
        else set(segments[segment])
    )
    bad = [v for v in values if v not in known]
    if bad:
        raise InputError(
            f"`quotas`: {', '.join(map(repr, bad[:10]))} is not a value of `{segment}`; its "
            f"values are {', '.join(sorted(known)[:20]) or '(none)'}.",
            f"`quotas`：{'、'.join(map(repr, bad[:10]))} 不是 `{segment}` 的取值；可用取值为 "
            f"{'、'.join(sorted(known)[:20]) or '（无）'}。",
            code="invalid_quota",
            fields=("quotas",),
        )


def set_quotas(
    store: Store,
    *,
    workspace: str,
    survey: str,
    segment: str,
    targets: Mapping[str, int],
    now: dt.datetime | None = None,
) -> QuotaList:
    """Set the quota cells of one segment to ``targets`` (value -> most responses); cells of
    the segment not named are removed, so an empty mapping removes the segment's quotas."""
    now = now or dt.datetime.now(dt.UTC)
    if len(targets) > MAX_CELLS:
        raise InputError(
            f"`quotas`: at most {MAX_CELLS} cells per segment, not {len(targets)}.",
            f"`quotas`：每个分组最多 {MAX_CELLS} 个配额单元，而不是 {len(targets)} 个。",
            fields=("quotas",),
        )
    bad = {k: v for k, v in targets.items() if isinstance(v, bool) or not isinstance(v, int)
           or not 0 <= v <= 10_000_000}  # fmt: skip
    if bad:
        raise InputError(
            "`quotas`: each target is a whole number of responses from 0 to 10,000,000 "
            f"(not {', '.join(f'{k}={v!r}' for k, v in list(bad.items())[:5])}).",
            "`quotas`：每个配额须为 0 到 10,000,000 之间的整数答卷数"
            f"（而不是 {'、'.join(f'{k}={v!r}' for k, v in list(bad.items())[:5])}）。",
            code="invalid_quota",
            fields=("quotas",),
        )
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        _check_segment(s, ws.id, definition_of(sv), segment, list(targets))
        rows = {
            q.value: q
            for q in s.scalars(
                select(SurveyQuota).where(
                    SurveyQuota.survey_id == sv.survey_id, SurveyQuota.segment == segment
                )
            )
        }
        for value, row in rows.items():
            if value not in targets:
                s.delete(row)
        for value, target in targets.items():
            if value in rows:
                rows[value].target = int(target)
                rows[value].updated_at = now
            else:
                s.add(SurveyQuota(workspace_id=ws.id, survey_id=sv.survey_id, segment=segment,
                                  value=value, target=int(target), updated_at=now))  # fmt: skip
        s.flush()
        return QuotaList(ws.code, survey, _cells(s, ws.id, sv.survey_id))


def set_quota(
    store: Store,
    *,
    workspace: str,
    survey: str,
    segment: str,
    value: str,
    target: int | None,
    now: dt.datetime | None = None,
) -> QuotaList:
    """Set one quota cell (``target`` None removes it); the segment's other cells stay."""
    current = {
        c.value: c.target
        for c in list_quotas(store, workspace=workspace, survey=survey).cells
        if c.segment == segment
    }
    if target is None:
        current.pop(value, None)
    else:
        current[value] = target
    return set_quotas(store, workspace=workspace, survey=survey, segment=segment,
                      targets=current, now=now)  # fmt: skip


def list_quotas(store: Store, *, workspace: str, survey: str) -> QuotaList:
    """The survey's quota cells with how many responses each holds."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        return QuotaList(ws.code, survey, _cells(s, ws.id, sv.survey_id))


def clear_quotas(store: Store, *, workspace: str, survey: str) -> None:
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        s.execute(delete(SurveyQuota).where(SurveyQuota.survey_id == sv.survey_id))


def _counts(session: Session, survey_id: int, segment: str) -> dict[str, int]:
    if segment == SITE:
        rows = session.execute(
            select(Site.code, func.count(Response.id))
            .join(Site, Site.id == Response.site_id)
            .where(Response.survey_id == survey_id)
            .group_by(Site.code)
        ).all()
    else:
        key = Response.answers[segment].as_string()
        rows = session.execute(
            select(key, func.count(Response.id))
            .where(Response.survey_id == survey_id)
            .group_by(key)
        ).all()
    return {str(k): int(n) for k, n in rows if k is not None}


def _cells(session: Session, ws_id: int, survey_id: int) -> tuple[QuotaCell, ...]:
    rows = session.scalars(
        select(SurveyQuota)
        .where(SurveyQuota.workspace_id == ws_id, SurveyQuota.survey_id == survey_id)
        .order_by(SurveyQuota.segment, SurveyQuota.value)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    out = []
    for q in rows:
        if q.segment not in counts:
            counts[q.segment] = _counts(session, survey_id, q.segment)
        out.append(QuotaCell(q.segment, q.value, q.target, counts[q.segment].get(q.value, 0)))
    return tuple(out)


# ---------------------------------------------------------------- the collection path


def quotas_of(session: Session, survey_id: int) -> tuple[Quota, ...]:
    rows = session.execute(
        select(SurveyQuota.id, SurveyQuota.segment, SurveyQuota.value, SurveyQuota.target).where(
            SurveyQuota.survey_id == survey_id
        )
    ).all()
    return tuple(Quota(*r) for r in rows)


def cells_for(quotas: Sequence[Quota], site: str | None, answers: Mapping[str, Any]) -> list[Quota]:
    """The cells a response with this site and these answers falls in."""
    out = []
    for q in quotas:
        given = site if q.segment == SITE else answers.get(q.segment)
        if given is not None and str(given) == q.value:
            out.append(q)
    return out


def _filled(session: Session, survey_id: int, cell: Quota) -> int:
    q = select(func.count(Response.id)).where(Response.survey_id == survey_id)
    if cell.segment == SITE:
        q = q.join(Site, Site.id == Response.site_id).where(Site.code == cell.value)
    else:
        q = q.where(Response.answers[cell.segment].as_string() == cell.value)
    return int(session.scalar(q) or 0)


def full_cells(
    session: Session,
    survey_id: int,
    quotas: Sequence[Quota],
    site: str | None,
    answers: Mapping[str, Any],
    *,
    lock: bool = False,
) -> list[QuotaCell]:
    """The full cells among those this response falls in. With ``lock`` the cells' rows are
    locked first, so that the count holds until the caller's transaction ends."""
    cells = cells_for(quotas, site, answers)
    if not cells:
        return []
    if lock:
        session.execute(
            select(SurveyQuota.id)
            .where(SurveyQuota.id.in_([c.id for c in cells]))
            .order_by(SurveyQuota.id)
            .with_for_update()
        ).all()
    out = []
    for c in cells:
        n = _filled(session, survey_id, c)
        if n >= c.target:
            out.append(QuotaCell(c.segment, c.value, c.target, n))
    return out


def quota_full(cells: Sequence[QuotaCell]) -> QuotaFullError:
    names = ", ".join(f"{c.segment} = {c.value}" for c in cells)
    return QuotaFullError(
        f"Enough responses have been collected for {names}; thank you, no more answers are "
        "needed from this group.",
        f"{names} 的答卷已经足够；谢谢，这一组不再需要更多回答。",
        cells=cells,
    )
