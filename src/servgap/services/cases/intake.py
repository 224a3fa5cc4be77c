"""Opening cases: one at a time and from stored complaints; what every intake shares.

:func:`open_case` (one case) and :func:`cases_from_complaints` (idempotency
key ``complaint:<code>``); a complaint file
(:mod:`~servgap.services.cases.complaint_import`) and the survey closed loop
(:mod:`~servgap.services.cases.closed_loop`) open theirs through the same
:class:`Opener`. A case opened without a category is
classified with the shipped complaint classifier
(:func:`servgap.core.text.classify_complaints`) and its text scored with
:func:`servgap.core.text.sentiment`. Each case stores a tolerance score (0–100)
from the customer's tenure, order frequency and loyalty and the sentiment of
the complaint (:func:`servgap.core.tolerance.opening_tolerance`; missing
inputs are imputed at the neutral point and listed in the ``created`` event).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.cases import (
    CATEGORIES,
    COMPLAINT_CHANNELS,
    check_category,
    check_channel,
    check_priority,
    open_state,
)
from servgap.core.errors import InputError, NotFoundError, ProblemCollector
from servgap.core.parse import check_text_length, text_length_error
from servgap.core.tolerance import opening_tolerance
from servgap.core.workspace_settings import get_setting
from servgap.services.cases._base import (
    MAX_PROBLEMS,
    describe,
    extend,
    iso,
    now_or_clock,
    one_time,
    store_state,
    typed_time,
    write_event,
)
from servgap.services.cases.results import OpenedCase
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, Complaint, Customer, Site, Workspace

#: Channels a complaint comes in by (:data:`servgap.core.cases.COMPLAINT_CHANNELS`).
INTAKE_CHANNELS: tuple[str, ...] = tuple(COMPLAINT_CHANNELS)


@dataclass(frozen=True)
class IntakeReport(ResultMixin):
    """Counts of a bulk intake (import, from-complaints, from-survey) and the cases opened."""

    source: str
    rows_read: int = 0
    opened: int = 0
    already_open: int = 0
    not_triggered: int = 0
    complaints_created: int = 0
    customers_created: int = 0
    cases: tuple[str, ...] = ()


@dataclass
class Tally:
    rows_read: int = 0
    opened: int = 0
    already_open: int = 0
    not_triggered: int = 0
    complaints_created: int = 0
    customers_created: int = 0
    cases: list[str] = field(default_factory=list)

    def report(self, source: str) -> IntakeReport:
        return IntakeReport(source, self.rows_read, self.opened, self.already_open,
                            self.not_triggered, self.complaints_created, self.customers_created,
                            tuple(self.cases))  # fmt: skip


def auto_text(
    texts: Sequence[str], *, session: Session | None = None, ws: Workspace | None = None
) -> tuple[list[str | None], list[float | None]]:
    """Categories and sentiment scores of the non-empty texts.

    With ``session`` and ``ws`` the workspace's active models are used (retrained on its
    agents' corrections, :mod:`servgap.services.text_corrections`), read in that session;
    otherwise the shipped ones.
    """
    from servgap.core.text import TextModel, classify_complaints, sentiment
    from servgap.core.text.sentiment import SentimentModel

    n = len(texts)
    cats: list[str | None] = [None] * n
    sents: list[float | None] = [None] * n
    idx = [i for i, s in enumerate(texts) if isinstance(s, str) and s.strip()]
    if not idx:
        return cats, sents
    cat_model: TextModel | None = None
    sen_model: SentimentModel | None = None
    if session is not None and ws is not None:
        from servgap.services.text_corrections import active_model_in

        cat = active_model_in(session, ws, "category").model
        sen = active_model_in(session, ws, "polarity").model
        cat_model = cat if isinstance(cat, TextModel) else None
        sen_model = sen if isinstance(sen, SentimentModel) else None
    sub = [texts[i] for i in idx]
    res = classify_complaints(sub, explain=False, model=cat_model)
    for i, c in zip(idx, res.table["category"].tolist(), strict=True):
        cats[i] = str(c) if str(c) in CATEGORIES else None
    scores = sentiment(sub, model=sen_model).table["score"].tolist()
    for i, v in zip(idx, scores, strict=True):
        f = float(v)
        sents[i] = f if math.isfinite(f) else None
    return cats, sents


@dataclass
class Opener:
    """Opens cases inside one session (shared caches for bulk intake)."""

    session: Session
    ws: Workspace
    sites: dict[str, int] = field(default_factory=dict)
    next_no: int = 0

    def __post_init__(self) -> None:
        s, ws = self.session, self.ws
        self.sites = dict(
            s.execute(select(Site.code, Site.id).where(Site.workspace_id == ws.id)).all()
        )
        self.next_no = int(
            s.scalar(select(func.count(Case.id)).where(Case.workspace_id == ws.id)) or 0
        )

    def existing(self, key: str | None) -> Case | None:
        if key is None:
            return None
        return self.session.scalar(
            select(Case).where(Case.workspace_id == self.ws.id, Case.idempotency_key == key)
        )

    def new_code(self) -> str:
        while True:
            self.next_no += 1
            code = f"C{self.next_no:06d}"
            taken = self.session.scalar(
                select(Case.id).where(Case.workspace_id == self.ws.id, Case.code == code)
            )
            if taken is None:
                return code

    def customer(self, code: str | None, *, create: bool) -> tuple[Customer | None, bool]:
        """The customer with ``code`` (created when ``create``) and whether it was created."""
        if not code:
            return None, False
        c = self.session.scalar(
            select(Customer).where(Customer.workspace_id == self.ws.id, Customer.code == code)
        )
        if c is None and create:
            c = Customer(workspace_id=self.ws.id, code=code, attributes={})
            self.session.add(c)
            self.session.flush()
            return c, True
        return c, False

    def site_id(self, code: str | None) -> int | None:
        if not code:
            return None
        if code not in self.sites:
            known = ", ".join(sorted(self.sites)[:15])
            raise NotFoundError(
                f"`site` `{code}` is not in workspace `{self.ws.code}`. Known site codes: "
                f"{known or '(none)'}.",
                f"网点 `site` `{code}` 不在工作区 `{self.ws.code}` 中。已有网点代码：{known or '（无）'}。",
                fields=("site",),
            )
        return self.sites[code]

    def tolerance(self, customer: Customer | None, sentiment: float | None) -> tuple[float, str]:
        """The customer's tolerance score (0–100, to 0.01) and the features imputed."""
        brand = get_setting(self.ws.settings, "brand_reputation")
        profile = pd.DataFrame(
            {
                "tenure_months": [customer.tenure_months if customer else None],
                "orders_per_month": [customer.orders_per_month if customer else None],
                "loyalty_intent": [customer.loyalty_intent if customer else None],
                "sentiment": [sentiment],
            },
            dtype=object,
        )
        scored = opening_tolerance(
            profile, brand_reputation=float(brand) if brand is not None else None
        )
        return round(float(scored["score"].iloc[0]), 2), str(scored["imputed"].iloc[0])

    def open(
        self,
        *,
        summary: str,
        category: str | None,
        priority: str,
        customer: Customer | None,
        site_id: int | None,
        channel: str | None,
        actor: str,
        now: dt.datetime,
        source: str,
        complaint_id: int | None = None,
        response_id: int | None = None,
        idempotency_key: str | None = None,
        owner: str | None = None,
        sentiment: float | None = None,
        category_auto: bool = False,
        data: dict[str, Any] | None = None,
    ) -> tuple[Case, bool]:
        found = self.existing(idempotency_key)
        if found is not None:
            return found, False
        check_priority(priority)
        cat = check_category(category) if category else "other"
        tol, imputed = self.tolerance(customer, sentiment)
        case = Case(
            workspace_id=self.ws.id, code=self.new_code(), idempotency_key=idempotency_key,
            source=source, complaint_id=complaint_id, response_id=response_id,
            customer_id=customer.id if customer else None, site_id=site_id, channel=channel,
            category=cat, priority=priority, owner=owner, summary=summary, tolerance=tol,
        )  # fmt: skip
        store_state(case, open_state(now, priority))
        case.opened_at = now
        self.session.add(case)
        self.session.flush()
        ev: dict[str, Any] = {
            "source": source,
            "priority": priority,
            "category": cat,
            "category_auto": category_auto,
            "sentiment": sentiment,
            "tolerance": tol,
            "tolerance_imputed": imputed,
        }
        ev.update(data or {})
        write_event(self.session, case, at=now, actor=actor, kind="created", to_state="new",
                    data=ev)  # fmt: skip
        if owner:
            write_event(self.session, case, at=now, actor=actor, kind="assigned",
                        data={"owner": owner})  # fmt: skip
        return case, True


def open_case(
    store: Store,
    *,
    workspace: str,
    summary: str,
    category: str | None = None,
    priority: str = "normal",
    customer: str | None = None,
    site: str | None = None,
    channel: str | None = None,
    actor: str = "system",
    complaint: str | None = None,
    idempotency_key: str | None = None,
    owner: str | None = None,
    now: dt.datetime | None = None,
    at: str | None = None,
) -> OpenedCase:
    """Open a case (or return the existing one with the same idempotency key).

    Parameters
    ----------
    summary : what the customer complains about, in their words.
    category : one of :data:`servgap.core.cases.CATEGORIES`; None = classified
        from the summary.
    customer : customer code (created if new); site : a known site code;
        channel : one of :data:`servgap.core.cases.COMPLAINT_CHANNELS`.
    complaint : code of a stored complaint this case handles; its customer,
        site, channel and category fill the fields not given, and the
        idempotency key defaults to ``complaint:<code>``.
    now, at : when the case opens: an aware datetime, or a time typed in the
        workspace's zone (default: the store's clock).

    Returns
    -------
    The case (:class:`~servgap.services.cases.results.OpenedCase`) with ``created`` (False when the key already existed).
    """
    check_text_length(summary, field="summary")
    if channel is not None:
        check_channel(channel)
    with store.session() as session:
        ws = get_workspace(session, workspace)
        when = now_or_clock(one_time(now, at, ws))  # the clock is read inside the transaction
        op = Opener(session, ws)
        comp: Complaint | None = None
        if complaint is not None:
            comp = session.scalar(
                select(Complaint).where(
                    Complaint.workspace_id == ws.id, Complaint.code == complaint
                )
            )
            if comp is None:
                raise NotFoundError(
                    f"`complaint` `{complaint}` does not exist in workspace `{workspace}`.",
                    f"工作区 `{workspace}` 中没有投诉 `complaint` `{complaint}`。",
                    fields=("complaint",),
                )
            idempotency_key = idempotency_key or f"complaint:{complaint}"
        found = op.existing(idempotency_key)
        if found is not None:
            return extend(describe(session, found), OpenedCase, created=False)
        cust, _ = op.customer(customer, create=True)
        if cust is None and comp is not None and comp.customer_id is not None:
            cust = session.get(Customer, comp.customer_id)
        site_id = op.site_id(site)
        if site_id is None and comp is not None:
            site_id = comp.site_id
        if channel is None and comp is not None:
            channel = comp.channel
        if category is None and comp is not None and comp.category in CATEGORIES:
            category = comp.category
        auto_cat, sent = auto_text([summary], session=session, ws=op.ws)
        auto = category is None and auto_cat[0] is not None
        case, created = op.open(
            summary=summary,
            category=category or auto_cat[0],
            priority=priority,
            customer=cust,
            site_id=site_id,
            channel=channel,
            actor=actor,
            now=when,
            source="complaint" if comp is not None else "manual",
            complaint_id=comp.id if comp else None,
            idempotency_key=idempotency_key,
            owner=owner,
            sentiment=sent[0],
            category_auto=auto,
            data={"complaint": complaint} if complaint else None,
        )
        return extend(describe(session, case), OpenedCase, created=created)


def cases_from_complaints(
    store: Store,
    *,
    workspace: str,
    actor: str = "system",
    since: dt.datetime | str | None = None,
    now: dt.datetime | None = None,
    at: str | None = None,
) -> IntakeReport:
    """Open a case for every stored complaint that has none (key ``complaint:<code>``).

    Re-running never duplicates. ``since`` (an aware datetime or a time typed
    in the workspace's zone) limits to complaints received then or later. The
    case opens at ``now``/``at`` (default: the current time), its priority
    from the complaint severity (1 low … 4 urgent; missing → normal).
    """
    tally = Tally()
    sev_pri = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
    with store.session() as session:
        ws = get_workspace(session, workspace)
        when = now_or_clock(one_time(now, at, ws))  # the clock is read inside the transaction
        from_time = typed_time(since, ws, field="since")
        op = Opener(session, ws)
        q = select(Complaint).where(Complaint.workspace_id == ws.id)
        if from_time is not None:
            q = q.where(Complaint.received_at >= from_time)
        complaints = list(session.scalars(q.order_by(Complaint.received_at, Complaint.id)))
        keys = set(
            session.scalars(
                select(Case.idempotency_key).where(
                    Case.workspace_id == ws.id, Case.idempotency_key.like("complaint:%")
                )
            )
        )
        tally.rows_read = len(complaints)
        todo = [c for c in complaints if f"complaint:{c.code}" not in keys]
        tally.already_open = len(complaints) - len(todo)
        pc = ProblemCollector()
        for comp in todo:
            too_long = text_length_error(comp.text)
            if too_long is not None and len(pc) < MAX_PROBLEMS:
                pc.add(f"complaint `{comp.code}`: {too_long.en}",
                       f"投诉 `{comp.code}`：{too_long.zh}", column="text", value=comp.code)  # fmt: skip
        pc.raise_if_any(
            InputError,
            f"{len(pc)} stored complaint(s) are too long to open as cases; nothing was opened. "
            "Shorten their texts:",
            f"{len(pc)} 条已存投诉过长，无法立案；未立任何工单。请缩短其文本：",
        )
        cats, sents = auto_text([c.text for c in todo], session=session, ws=ws)
        for comp, cat, sent in zip(todo, cats, sents, strict=True):
            given = comp.category if comp.category in CATEGORIES else None
            case, _ = op.open(
                summary=comp.text,
                category=given or cat,
                priority=sev_pri.get(comp.severity or 0, "normal"),
                customer=session.get(Customer, comp.customer_id) if comp.customer_id else None,
                site_id=comp.site_id,
                channel=comp.channel,
                actor=actor,
                now=max(when, comp.received_at),
                source="complaint",
                complaint_id=comp.id,
                idempotency_key=f"complaint:{comp.code}",
                sentiment=sent,
                category_auto=given is None and cat is not None,
                data={"complaint": comp.code, "received_at": iso(comp.received_at)},
            )
            tally.opened += 1
            tally.cases.append(case.code)
    return tally.report("complaints")
