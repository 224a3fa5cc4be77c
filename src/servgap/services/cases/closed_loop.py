"""The survey closed loop: a dissatisfied survey answer opens a case the same day."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from sqlalchemy import select

from servgap.core.closed_loop import case_from_survey_response
from servgap.core.errors import InputError, ProblemCollector, UsageError
from servgap.services.cases._base import now_or_clock, one_time
from servgap.services.cases.intake import IntakeReport, Opener, Tally, auto_text
from servgap.services.context import Store, get_workspace
from servgap.store.models import Response, Survey


def cases_from_survey(
    store: Store,
    *,
    workspace: str,
    survey: str,
    items: Sequence[str],
    nps_col: str | None = "nps",
    actor: str = "survey",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> IntakeReport:
    """Closed loop: open a case for each dissatisfied survey response, the same day.

    A response opens a case when its perceived level is below the
    respondent's own adequate level on one of ``items`` (SERVQUAL three-column
    items: ``<item>_adequate``, ``<item>_perceived``) or its ``nps_col``
    answer is 0–6 (:func:`servgap.core.closed_loop.case_from_survey_response`).
    The idempotency key ``survey:<survey>:<response id>`` makes re-runs safe.
    The case opens at ``now``/``at`` (the day the run happens), category
    "other", priority from the decision (high for NPS ≤ 3 or a shortfall ≥ 2
    points).
    """
    from servgap.services.responses import load_responses

    items = [i.strip() for i in items if i.strip()]
    if not items and not nps_col:
        raise UsageError(
            "No trigger given; name the SERVQUAL items to watch (`items`) or the NPS column "
            "(`nps_col`).",
            "未指定触发条件；请给出要监测的 SERVQUAL 题目（`items`）或 NPS 列（`nps_col`）。",
            fields=("items", "nps_col"),
        )
    definition, frame = load_responses(store, workspace=workspace, survey=survey)
    pc = ProblemCollector()
    for it in items:
        for part in ("adequate", "perceived"):
            if f"{it}_{part}" not in frame.columns:
                pc.add(
                    f"survey `{survey}` has no column `{it}_{part}`; watch SERVQUAL three-column "
                    "items (adequate, desired, perceived) in `items`.",
                    f"调查 `{survey}` 没有列 `{it}_{part}`；`items` 中请选择三栏式 SERVQUAL 题目。",
                    column=f"{it}_{part}",
                    value=it,
                )
    if nps_col and nps_col not in frame.columns:
        pc.add(
            f"survey `{survey}` has no NPS column `{nps_col}`; name it in `nps_col` or leave "
            "NPS out.",
            f"调查 `{survey}` 没有 NPS 列 `{nps_col}`；请在 `nps_col` 中指定或不使用 NPS。",
            column=nps_col,
        )
    if pc:
        raise InputError(
            f"Cannot watch survey `{survey}` as asked.",
            f"无法按要求监测调查 `{survey}`。",
            problems=pc.problems,
            fields=("items", "nps_col"),
        )
    tally = Tally()
    with store.session() as session:
        ws = get_workspace(session, workspace)
        when = now_or_clock(one_time(now, at, ws))  # the clock is read inside the transaction
        op = Opener(session, ws)
        site_by_code = dict(op.sites)
        sid = session.scalar(
            select(Survey.id).where(Survey.workspace_id == ws.id, Survey.code == survey)
        )
        rid_of = dict(
            session.execute(
                select(Response.external_id, Response.id).where(
                    Response.workspace_id == ws.id, Response.survey_id == sid
                )
            ).all()
        )
        comment_cols = [q.code for q in definition.questions if q.type == "text"]
        for rec in frame.to_dict("records"):
            tally.rows_read += 1
            rid = str(rec["response_id"])
            answers = {
                it: {"adequate": rec.get(f"{it}_adequate"), "perceived": rec.get(f"{it}_perceived")}
                for it in items
            }
            nps_v = rec.get(nps_col) if nps_col else None
            nps = None
            if nps_v is not None and not (isinstance(nps_v, float) and math.isnan(nps_v)):
                nps = int(float(nps_v))
            decision = case_from_survey_response(
                f"{survey}:{rid}", answers, watched_items=items or None, nps=nps
            )
            if not decision.open_case:
                tally.not_triggered += 1
                continue
            if op.existing(decision.idempotency_key) is not None:
                tally.already_open += 1
                continue
            comment = " ".join(
                str(rec[c]) for c in comment_cols if isinstance(rec.get(c), str) and rec[c].strip()
            )
            text = decision.summary_zh + (f" 客户留言：{comment}" if comment else "")
            _, sents = auto_text([comment]) if comment else ([None], [None])
            ccode = rec.get("customer")
            cust, _ = op.customer(ccode if isinstance(ccode, str) else None, create=False)
            case, _ = op.open(
                summary=text,
                category="other",
                priority=decision.priority or "normal",
                customer=cust,
                site_id=site_by_code.get(str(rec.get("site"))) if rec.get("site") else None,
                channel="survey",
                actor=actor,
                now=when,
                source="survey",
                response_id=rid_of.get(rid),
                idempotency_key=decision.idempotency_key,
                sentiment=sents[0],
                data={
                    "survey": survey,
                    "response": rid,
                    "summary_en": decision.summary_en,
                    "triggers": decision.triggers.to_dict("records"),
                },
            )
            tally.opened += 1
            tally.cases.append(case.code)
    return tally.report(f"survey:{survey}")
