"""The survey closed loop: a dissatisfied survey answer opens a case the same day.

:func:`cases_from_survey` runs over a survey's stored responses (imports, a nightly
run); :func:`case_for_submission` opens the case of one web submission as it arrives,
in the transaction that stores it. Both decide with
:func:`servgap.core.closed_loop.case_from_survey_response` and open with the same code.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servgap.core.closed_loop import SurveyCaseDecision, case_from_survey_response
from servgap.core.errors import ConflictError, InputError, ProblemCollector, UsageError
from servgap.core.survey import SurveyDefinition
from servgap.services.cases._base import now_or_clock, one_time
from servgap.services.cases.intake import IntakeReport, Opener, Tally, auto_text
from servgap.services.context import Store, get_workspace
from servgap.store.models import Case, Response, Survey, Workspace


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
        for raw in frame.to_dict("records"):
            rec = {str(k): v for k, v in raw.items()}
            tally.rows_read += 1
            rid = str(rec["response_id"])
            nps_v = rec.get(nps_col) if nps_col else None
            decision = _decide(survey, rid, rec, items, nps_v)
            if not decision.open_case:
                tally.not_triggered += 1
                continue
            if op.existing(decision.idempotency_key) is not None:
                tally.already_open += 1
                continue
            case = _open_for(op, survey, rid, rid_of.get(rid), rec, definition, decision,
                             actor=actor, now=when)  # fmt: skip
            tally.opened += 1
            tally.cases.append(case.code)
    return tally.report(f"survey:{survey}")


def _nps_int(value: object) -> int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        f = float(value)
    except ValueError:
        return None
    return int(f) if math.isfinite(f) else None


def _decide(
    survey: str, rid: str, rec: Mapping[str, object], items: Sequence[str], nps: object
) -> SurveyCaseDecision:
    """The closed-loop decision for one response (``rec``: answer columns by canonical name)."""
    answers = {
        it: {"adequate": rec.get(f"{it}_adequate"), "perceived": rec.get(f"{it}_perceived")}
        for it in items
    }
    return case_from_survey_response(
        f"{survey}:{rid}", answers, watched_items=list(items) or None, nps=_nps_int(nps)
    )


def _open_for(
    op: Opener,
    survey: str,
    rid: str,
    response_row: int | None,
    rec: Mapping[str, object],
    definition: SurveyDefinition,
    decision: SurveyCaseDecision,
    *,
    actor: str,
    now: dt.datetime,
) -> Case:
    """Open the case of one dissatisfied response (its comments in the summary, scored)."""
    comment_cols = [q.code for q in definition.questions if q.type == "text"]
    comment = " ".join(
        str(v) for c in comment_cols if isinstance(v := rec.get(c), str) and v.strip()
    )
    text = decision.summary_zh + (f" 客户留言：{comment}" if comment else "")
    _, sents = auto_text([comment], session=op.session, ws=op.ws) if comment else ([None], [None])
    ccode, site = rec.get("customer"), rec.get("site")
    cust, _ = op.customer(ccode if isinstance(ccode, str) else None, create=False)
    case, _ = op.open(
        summary=text,
        category="other",
        priority=decision.priority or "normal",
        customer=cust,
        site_id=op.sites.get(str(site)) if site else None,
        channel="survey",
        actor=actor,
        now=now,
        source="survey",
        response_id=response_row,
        idempotency_key=decision.idempotency_key,
        sentiment=sents[0],
        data={
            "survey": survey,
            "response": rid,
            "summary_en": decision.summary_en,
            "triggers": decision.triggers.to_dict("records"),
        },
    )
    return case


#: Case numbers tried when concurrent submissions open cases at the same time.
CODE_ATTEMPTS = 5


def case_for_submission(
    session: Session,
    *,
    workspace_id: int,
    survey: str,
    definition: SurveyDefinition,
    response_id: str,
    response_row: int,
    answers: Mapping[str, object],
    record: Mapping[str, object],
    now: dt.datetime,
    actor: str = "survey",
) -> str | None:
    """The closed loop as a response arrives: a dissatisfied answer opens its case at once.

    Called by the web submission (:func:`servgap.services.collection.submit_form`) in the
    transaction that stores the response, so the response and its case are written
    together or not at all, the same day (the case opens at the submission time ``now``).
    The triggers are those of :func:`cases_from_survey` with every (higher-better) SERVQUAL
    three-column item of the survey watched and its first NPS question: perceived below the
    respondent's own adequate level, or NPS 0–6
    (:func:`servgap.core.closed_loop.case_from_survey_response`). The idempotency key
    ``survey:<survey>:<response id>`` is the batch's, so a later ``case from-survey`` run
    finds the case already open. Returns the case code, or None when nothing triggered.
    """
    # a lower-better item (waiting minutes) is short of adequate when perceived is *above*
    # it, which the rule does not read; those items are left to the batch's explicit choice
    items = [q.code for q in definition.by_type("servqual3") if q.direction != "lower_better"]
    nps_q = definition.by_type("nps")
    if not items and not nps_q:
        return None
    rec = {**record, **answers}
    decision = _decide(survey, response_id, rec, items, rec.get(nps_q[0].code) if nps_q else None)
    if not decision.open_case:
        return None
    ws = session.get(Workspace, workspace_id)
    assert ws is not None  # the response was just written in this workspace
    op = Opener(session, ws)
    for _ in range(CODE_ATTEMPTS):
        try:
            with session.begin_nested():  # a savepoint: a taken case code rolls back only this
                case = _open_for(op, survey, response_id, response_row, rec, definition,
                                 decision, actor=actor, now=now)  # fmt: skip
            return case.code
        except IntegrityError:
            # another submission's transaction took the same case number meanwhile
            # (PostgreSQL; SQLite writers queue): the opener moves on to the next number
            continue
    # not an IntegrityError: the submission must not read as "already answered"
    raise ConflictError(
        "Many answers arrived at the same moment and the case of this one could not be "
        "numbered; nothing was stored. Submit again.",
        "同一时刻提交的答卷过多，本答卷的工单无法编号；未保存任何内容。请重新提交。",
        code="busy",
    )
