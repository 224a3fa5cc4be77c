"""Survey distribution: links that let customers answer one survey version.

A link is *open* (anyone holding it may answer, each respondent once: a QR code at
the counter, a link in a newsletter) or *personal* (one use: a link per customer,
or N anonymous one-use links). Every link carries the site and channel its
answers are stored with, and may have opening and closing times. The token is a
random 128-bit string; the face turns it into a URL (``…/s/{token}``).

Who has not answered yet (the reminder list) is the personal links without an
answer; :func:`list_links` gives their state.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core.errors import InputError, NotFoundError, UsageError
from servgap.core.parse import CellError, check_window, parse_datetime
from servgap.core.survey import CHANNELS
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.services.surveys import latest_version
from servgap.store.models import (
    Customer,
    Response,
    Site,
    Survey,
    SurveyLink,
    SurveyVersion,
    Workspace,
)

KINDS: tuple[str, ...] = ("open", "personal")
SOURCES: tuple[str, ...] = ("sms", "wechat", "qr", "email", "print", "other")
LINK_CHANNELS: tuple[str, ...] = tuple(c for c in CHANNELS if c in ("web", "phone"))
MAX_LINKS = 10_000
LinkState = str  # open | answered | not_yet | closed


def new_token() -> str:
    """A link token: 22 URL-safe characters (128 random bits)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class LinkInfo(DatedResult):
    id: int
    token: str
    kind: str
    survey: str
    version: int
    site: str | None
    customer: str | None
    channel: str
    source: str | None
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    created_at: dt.datetime
    used_at: dt.datetime | None
    responses: int
    state: LinkState


@dataclass(frozen=True)
class LinkBatch(DatedResult):
    workspace: str
    survey: str
    links: tuple[LinkInfo, ...]

    def to_frame(self) -> pd.DataFrame:
        cols = [
            "id",
            "token",
            "kind",
            "site",
            "customer",
            "channel",
            "source",
            "opens_at",
            "closes_at",
            "state",
            "responses",
        ]
        return pd.DataFrame([x.to_dict() for x in self.links], columns=cols)


def link_state(
    kind: str,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    used_at: dt.datetime | None,
    now: dt.datetime,
) -> LinkState:
    """One rule for every face: answered (a used personal link), not yet open, closed, open."""
    if kind == "personal" and used_at is not None:
        return "answered"
    if opens_at is not None and now < _utc(opens_at):
        return "not_yet"
    if closes_at is not None and now >= _utc(closes_at):
        return "closed"
    return "open"


def _utc(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _when(
    value: str | dt.datetime | None, field: str, tz: dt.tzinfo, now: dt.datetime
) -> dt.datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        when = parse_datetime(value, tz=tz)
        check_window(when, now=now + dt.timedelta(days=3660))  # closing dates may be far ahead
    except CellError as exc:
        raise InputError(
            f"`{field}` {value!r} {exc.en}",
            f"`{field}` {value!r} {exc.zh}",
            code="invalid_date",
            fields=(field,),
        ) from None
    return when


def _site_id(session: Session, ws: Workspace, site: str | None) -> int | None:
    if site is None:
        return None
    sid = session.scalar(select(Site.id).where(Site.workspace_id == ws.id, Site.code == site))
    if sid is None:
        known = session.scalars(
            select(Site.code).where(Site.workspace_id == ws.id).order_by(Site.code).limit(15)
        ).all()
        raise InputError(
            f"Site `{site}` is not in workspace `{ws.code}` (`site`). Known sites: "
            f"{', '.join(known) or '(none)'}.",
            f"网点 `{site}` 不在工作区 `{ws.code}` 中（`site`）。已有网点：{'、'.join(known) or '（无）'}。",
            code="unknown_site",
            fields=("site",),
        )
    return sid


def _check_choice(value: str | None, allowed: Sequence[str], field: str) -> None:
    if value is not None and value not in allowed:
        raise InputError(
            f"`{field}` {value!r} is not one of {', '.join(allowed)}.",
            f"`{field}` {value!r} 不是以下之一：{'、'.join(allowed)}。",
            fields=(field,),
        )


def create_links(
    store: Store,
    *,
    workspace: str,
    survey: str,
    count: int | None = None,
    customers: Sequence[str] | None = None,
    kind: str | None = None,
    site: str | None = None,
    channel: str = "web",
    source: str | None = None,
    opens_at: str | dt.datetime | None = None,
    closes_at: str | dt.datetime | None = None,
    created_by: str | None = None,
    now: dt.datetime | None = None,
) -> LinkBatch:
    """Create ``count`` links (one-use by default; ``kind="open"`` for open links) or one
    personal link per customer code (customers not yet in the workspace are added, as an
    import adds them). All links are for the survey's newest version."""
    now = now or dt.datetime.now(dt.UTC)
    if (count is None) == (customers is None):
        raise UsageError(
            "Give either `count` (that many links) or `customers` (one link per customer code).",
            "请给出 `count`（链接数量）或 `customers`（每个客户编号一个链接）之一。",
            fields=("count", "customers"),
        )
    kind = kind or "personal"
    _check_choice(kind, KINDS, "kind")
    _check_choice(channel, LINK_CHANNELS, "channel")
    _check_choice(source, SOURCES, "source")
    n = count if count is not None else len(customers or ())
    if not 1 <= n <= MAX_LINKS:
        field = "count" if count is not None else "customers"
        raise InputError(
            f"`{field}`: between 1 and {MAX_LINKS} links at a time, not {n}.",
            f"`{field}`：每次可创建 1 到 {MAX_LINKS} 个链接，而不是 {n} 个。",
            fields=(field,),
        )
    codes: list[str] = []
    if customers is not None:
        if kind == "open":
            raise UsageError(
                "Links for `customers` are personal (one use each); leave out `kind` or give "
                "`count` for open links.",
                "按客户 `customers` 生成的链接都是一次性的个人链接；请去掉 `kind`，或用 `count` 生成开放链接。",
                fields=("kind", "customers"),
            )
        codes = [str(c).strip() for c in customers]
        bad = [c for c in codes if not c or len(c) > 64]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if bad or dup:
            raise InputError(
                "`customers` must be distinct customer codes of 1 to 64 characters"
                + (f"; repeated: {', '.join(dup[:10])}" if dup else "")
                + ".",
                "`customers` 须为互不相同、长度 1 到 64 个字符的客户编号"
                + (f"；重复：{'、'.join(dup[:10])}" if dup else "")
                + "。",
                code="invalid_customers",
                fields=("customers",),
            )
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        tz = zoneinfo.ZoneInfo(ws.timezone or "Asia/Shanghai")
        opens = _when(opens_at, "opens_at", tz, now)
        closes = _when(closes_at, "closes_at", tz, now)
        if opens is not None and closes is not None and closes <= opens:
            raise InputError(
                "`closes_at` must be after `opens_at`.",
                "`closes_at` 必须晚于 `opens_at`。",
                fields=("closes_at", "opens_at"),
            )
        sid = _site_id(s, ws, site)
        cust_ids: list[int | None] = [None] * n
        if codes:
            known = dict(
                s.execute(
                    select(Customer.code, Customer.id).where(
                        Customer.workspace_id == ws.id, Customer.code.in_(codes)
                    )
                ).all()
            )
            for c in codes:
                if c not in known:
                    row = Customer(workspace_id=ws.id, code=c, attributes={})
                    s.add(row)
                    s.flush()
                    known[c] = row.id
            cust_ids = [known[c] for c in codes]
        rows = [
            SurveyLink(
                workspace_id=ws.id,
                survey_id=sv.survey_id,
                survey_version_id=sv.id,
                token=new_token(),
                kind=kind,
                site_id=sid,
                customer_id=cid,
                channel=channel,
                source=source,
                opens_at=opens,
                closes_at=closes,
                created_at=now,
                created_by=created_by,
            )
            for cid in cust_ids
        ]
        s.add_all(rows)
        s.flush()
        labels: list[str | None] = list(codes) if codes else [None] * n
        links = tuple(
            LinkInfo(
                id=r.id,
                token=r.token,
                kind=r.kind,
                survey=survey,
                version=sv.version,
                site=site,
                customer=code,
                channel=channel,
                source=source,
                opens_at=opens,
                closes_at=closes,
                created_at=now,
                used_at=None,
                responses=0,
                state=link_state(kind, opens, closes, None, now),
            )
            for r, code in zip(rows, labels, strict=True)
        )
        return LinkBatch(ws.code, survey, links)


def _link_rows(session: Session, ws: Workspace, survey_id: int) -> list[Any]:
    return list(
        session.execute(
            select(SurveyLink, Site.code, Customer.code, SurveyVersion.version)
            .outerjoin(Site, Site.id == SurveyLink.site_id)
            .outerjoin(Customer, Customer.id == SurveyLink.customer_id)
            .join(SurveyVersion, SurveyVersion.id == SurveyLink.survey_version_id)
            .where(SurveyLink.workspace_id == ws.id, SurveyLink.survey_id == survey_id)
            .order_by(SurveyLink.id)
        ).all()
    )


def response_prefix(link_id: int) -> str:
    """The response ids of a link's answers start with this (``web-<link id>``)."""
    return f"web-{link_id}"


def list_links(
    store: Store,
    *,
    workspace: str,
    survey: str,
    state: str | None = None,
    now: dt.datetime | None = None,
) -> LinkBatch:
    """The survey's links with their state and number of answers; ``state="open"`` with
    personal links only is the list of customers to remind."""
    now = now or dt.datetime.now(dt.UTC)
    _check_choice(state, ("open", "answered", "not_yet", "closed"), "state")
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        rows = _link_rows(s, ws, sv.survey_id)
        answers: dict[int, int] = {}
        if rows:
            # response ids are web-<link id> (personal) or web-<link id>-<respondent> (open)
            ids = s.scalars(
                select(Response.external_id).where(
                    Response.survey_id == sv.survey_id, Response.external_id.like("web-%")
                )
            ).all()
            for eid in ids:
                head = eid.split("-")[1] if eid.count("-") >= 1 else ""
                if head.isdigit():
                    answers[int(head)] = answers.get(int(head), 0) + 1
        out = []
        for link, site, customer, version in rows:
            st = link_state(link.kind, link.opens_at, link.closes_at, link.used_at, now)
            if state is not None and st != state:
                continue
            out.append(
                LinkInfo(
                    id=link.id,
                    token=link.token,
                    kind=link.kind,
                    survey=survey,
                    version=version,
                    site=site,
                    customer=customer,
                    channel=link.channel,
                    source=link.source,
                    opens_at=link.opens_at,
                    closes_at=link.closes_at,
                    created_at=link.created_at,
                    used_at=link.used_at,
                    responses=answers.get(link.id, 0),
                    state=st,
                )
            )
        return LinkBatch(ws.code, survey, tuple(out))


def get_link(store: Store, *, workspace: str, survey: str, link_id: int) -> LinkInfo:
    """One link of the survey (404 when it belongs to another survey or workspace)."""
    batch = list_links(store, workspace=workspace, survey=survey)
    for link in batch.links:
        if link.id == link_id:
            return link
    raise NotFoundError(
        f"Survey `{survey}` has no link {link_id}.",
        f"调查 `{survey}` 没有编号为 {link_id} 的链接。",
        code="unknown_link",
    )


def count_links(store: Store, *, workspace: str) -> dict[str, int]:
    """Links per survey code in a workspace."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        rows = s.execute(
            select(Survey.code, func.count(SurveyLink.id))
            .join(SurveyLink, SurveyLink.survey_id == Survey.id)
            .where(Survey.workspace_id == ws.id)
            .group_by(Survey.code)
        ).all()
    return {code: int(n) for code, n in rows}
