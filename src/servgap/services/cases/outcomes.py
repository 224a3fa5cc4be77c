"""Recovery outcomes on cases: satisfaction before the failure and after the recovery.

:func:`close_case` closes a resolved case and records its outcome,
:func:`record_outcome` records (or corrects) the outcome of a resolved case,
:func:`import_outcomes` loads many outcomes from a file (``case,
satisfaction_before, satisfaction_after``), all or nothing with every bad row
listed. Satisfaction is on the 1–7 scale
(:data:`servgap.core.case_outcomes.SATISFACTION_SCALE`); a satisfaction before
that is not given is the customer's last answer, before the case opened, to a
survey's overall-satisfaction question, mapped onto 1–7
(:mod:`servgap.core.case_outcomes`). The outcome is written on the case
(``satisfaction_before``/``satisfaction_after``) and as an ``outcome`` event;
:mod:`servgap.services.recovery` analyses it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servgap.core._result import ResultMixin
from servgap.core.case_outcomes import (
    SATISFACTION_SCALE,
    check_satisfaction,
    on_satisfaction_scale,
    satisfaction_question,
)
from servgap.core.cases import OUTCOME_STATES, STATES
from servgap.core.errors import InputError, UsageError
from servgap.core.parse import check_text_length
from servgap.core.survey import SurveyDefinition, parse_survey
from servgap.services.cases._base import (
    case_workspace,
    change,
    describe,
    event_time,
    extend,
    get_case_row,
    locked_case,
    now_or_clock,
    one_time,
)
from servgap.services.cases.results import CaseOutcome, SatisfactionSource
from servgap.services.context import Store, get_workspace
from servgap.services.tableio import Field, TableSpec, open_reader
from servgap.store.models import Case, Response, Survey, SurveyVersion, Workspace


@dataclass(frozen=True)
class SurveySatisfaction:
    """A customer's last overall-satisfaction answer before a time, on the 1–7 scale."""

    value: float
    answer: float
    scale: tuple[float, float]
    survey: str
    question: str
    response: str
    submitted_at: dt.datetime

    def source(self) -> SatisfactionSource:
        """The answer as shown to every face (and stored in the ``outcome`` event)."""
        return SatisfactionSource(self.survey, self.question, self.response, self.answer,
                                  self.scale, self.submitted_at.isoformat())  # fmt: skip


@dataclass(frozen=True)
class _Recorded:
    """What :func:`_write_outcome` recorded: before, after, where before came from."""

    satisfaction_before: float | None = None
    satisfaction_after: float | None = None
    before_source: str | None = None
    before_from: SatisfactionSource | None = None


class _Surveys:
    """Survey definitions of one workspace, parsed once per version."""

    def __init__(self, session: Session, ws: Workspace) -> None:
        self.session, self.ws = session, ws
        self._defs: dict[int, tuple[SurveyDefinition, str]] = {}

    def definition(self, version_id: int) -> tuple[SurveyDefinition, str]:
        if version_id not in self._defs:
            sv = self.session.get(SurveyVersion, version_id)
            assert sv is not None  # a response always points at its survey version
            code = self.session.scalar(select(Survey.code).where(Survey.id == sv.survey_id))
            self._defs[version_id] = (parse_survey(sv.definition), str(code))
        return self._defs[version_id]

    def last_satisfaction(self, customer_id: int, before: dt.datetime) -> SurveySatisfaction | None:
        """The customer's last answer to an overall-satisfaction question at or before ``before``."""
        when = func.coalesce(Response.submitted_at, Response.created_at)
        rows = self.session.execute(
            select(Response.survey_version_id, Response.external_id, Response.answers, when)
            .where(Response.workspace_id == self.ws.id, Response.customer_id == customer_id,
                   when <= before)
            .order_by(when.desc(), Response.id.desc())
        ).all()  # fmt: skip
        for version_id, rid, answers, submitted in rows:
            definition, survey = self.definition(int(version_id))
            q = satisfaction_question(definition)
            raw = (answers or {}).get(q.code) if q is not None else None
            if q is None or q.scale is None or not isinstance(raw, int | float):
                continue
            try:
                value = on_satisfaction_scale(float(raw), q.scale)
            except InputError:
                continue  # an answer off its scale (stored before the scale changed)
            return SurveySatisfaction(value, float(raw), q.scale, survey, q.code, str(rid),
                                      submitted)  # fmt: skip
        return None


def _write_outcome(
    session: Session,
    surveys: _Surveys,
    case: Case,
    *,
    after: float,
    before: float | None,
    at: dt.datetime,
    actor: str,
    note: str,
) -> _Recorded:
    """Record the outcome on ``case`` (an ``outcome`` event); what was recorded and from where."""
    source: str | None = "given" if before is not None else None
    found: SurveySatisfaction | None = None
    if before is None and case.customer_id is not None:
        found = surveys.last_satisfaction(case.customer_id, case.opened_at)
        if found is not None:
            before, source = found.value, "survey"
    data: dict[str, Any] = {
        "satisfaction_before": before,
        "satisfaction_after": after,
        "before_source": source,
        "scale": list(SATISFACTION_SCALE),
    }
    if found is not None:
        data["before_from"] = found.source().to_dict()
    change(session, case, at=at, actor=actor, kind="outcome", note=note, data=data)
    case.satisfaction_before = before
    case.satisfaction_after = after
    return _Recorded(before, after, source, found.source() if found is not None else None)


def record_outcome(
    store: Store,
    *,
    workspace: str,
    code: str,
    satisfaction_after: float,
    satisfaction_before: float | None = None,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseOutcome:
    """Record a resolved case's recovery outcome (satisfaction 1–7 before and after).

    ``satisfaction_before`` None: the customer's last overall-satisfaction
    survey answer before the case opened (mapped onto 1–7), else left unknown.
    A later call replaces the outcome; the history keeps every one. Returns the
    case plus ``before_source`` (``given``, ``survey`` or None) and
    ``before_from`` (the survey answer used).
    """
    after = check_satisfaction(satisfaction_after, field="satisfaction_after")
    before = check_satisfaction(satisfaction_before, field="satisfaction_before")
    check_text_length(note, field="note")
    assert after is not None  # a float is required by the signature
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        ws = case_workspace(session, case)
        rec = _write_outcome(session, _Surveys(session, ws), case, after=after, before=before,
                             at=when, actor=actor, note=note)  # fmt: skip
        return extend(describe(session, case), CaseOutcome, **vars(rec))


def close_case(
    store: Store,
    *,
    workspace: str,
    code: str,
    satisfaction_after: float | None = None,
    satisfaction_before: float | None = None,
    actor: str = "system",
    note: str = "",
    now: dt.datetime | None = None,
    at: str | None = None,
) -> CaseOutcome:
    """Close a resolved case and, with ``satisfaction_after``, record its recovery outcome.

    The move to ``closed`` follows the workflow (from ``resolved`` or
    ``follow_up_done``); a case already closed only gets the outcome. Both
    happen in one transaction, or neither.
    """
    after = check_satisfaction(satisfaction_after, field="satisfaction_after")
    before = check_satisfaction(satisfaction_before, field="satisfaction_before")
    if before is not None and after is None:
        raise UsageError(
            "`satisfaction_before` was given without `satisfaction_after`; the outcome of a "
            "recovery needs the satisfaction after it.",
            "给出了 `satisfaction_before` 却没有 `satisfaction_after`；补救结果需要补救后的满意度。",
            fields=("satisfaction_before", "satisfaction_after"),
        )
    check_text_length(note, field="note")
    with locked_case(store, workspace=workspace, code=code, now=now, at=at) as (
        session,
        case,
        when,
    ):
        ws = case_workspace(session, case)
        if case.state != "closed" or after is None:
            change(session, case, at=when, actor=actor, kind="transition",
                   from_state=case.state, to_state="closed", note=note,
                   data={"reopen": False})  # fmt: skip
        rec = _Recorded()  # nothing recorded by this call: the outcome fields stay None
        if after is not None:
            rec = _write_outcome(session, _Surveys(session, ws), case, after=after, before=before,
                                 at=when, actor=actor, note=note)  # fmt: skip
        return extend(describe(session, case), CaseOutcome, **vars(rec))


#: The columns of a recovery outcome file for :func:`import_outcomes` (docs/data-formats.md).
OUTCOME_SPEC = TableSpec(
    "recovery outcome list",
    "补救结果清单",
    (
        Field("case", "code", True, ("工单", "工单编号", "case_code"), max_len=64),
        Field("satisfaction_before", "float", False, ("补救前满意度", "sat_before", "before"),
              min=SATISFACTION_SCALE[0], max=SATISFACTION_SCALE[1]),
        Field("satisfaction_after", "float", True, ("补救后满意度", "sat_after", "after"),
              min=SATISFACTION_SCALE[0], max=SATISFACTION_SCALE[1]),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class OutcomeImportReport(ResultMixin):
    """What :func:`import_outcomes` recorded.

    ``before_from_survey``: outcomes whose satisfaction before came from the
    customer's last survey answer; ``before_unknown``: outcomes with none.
    """

    file: str
    rows_read: int
    recorded: int
    before_given: int
    before_from_survey: int
    before_unknown: int
    cases: tuple[str, ...]


def import_outcomes(
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
) -> OutcomeImportReport:
    """Import recovery outcomes of cases (:data:`OUTCOME_SPEC`), all or nothing.

    Every bad row is listed: an unknown case, a case that is not resolved yet
    (its state named), a case listed twice, a value that is not a number on
    the 1–7 scale, an empty ``satisfaction_after``. An empty
    ``satisfaction_before`` is taken from the customer's last survey answer
    when there is one (as :func:`record_outcome` does).
    """
    with store.session() as session:
        ws = get_workspace(session, workspace)
        given = one_time(now, at, ws)
        reader = open_reader(path, OUTCOME_SPEC, workspace_tz=ws.timezone, encoding=encoding,
                             sheet=sheet, mapping_file=mapping_file, now=now_or_clock(given),
                             max_bytes=store.settings.max_import_bytes)  # fmt: skip
        col = {f: h for h, f in reader.columns.items()}
        states = dict(
            session.execute(select(Case.code, Case.state).where(Case.workspace_id == ws.id)).all()
        )
        seen: dict[str, int] = {}
        recs: list[dict[str, Any]] = []
        rows = 0
        for chunk in reader.records():
            for r in chunk:
                rows += 1
                code, row = r.get("case"), int(r["_row"])
                if code is None:
                    continue
                if code in seen:
                    reader.problem(
                        f"case `{code}` is listed twice (rows {seen[code]} and {row}).",
                        f"工单 `{code}` 出现两次（第 {seen[code]} 行和第 {row} 行）。",
                        row=row, column=col["case"], value=code,
                    )  # fmt: skip
                    continue
                seen[code] = row
                state = states.get(code)
                if state is None:
                    reader.problem(f"case `{code}` is not in this workspace.",
                                   f"工单 `{code}` 不在本工作区。", row=row, column=col["case"],
                                   value=code)  # fmt: skip
                elif state not in OUTCOME_STATES:
                    reader.problem(
                        f"case `{code}` is {state} ({STATES[state][0]}); a recovery outcome is "
                        "recorded once the case is resolved.",
                        f"工单 `{code}` 处于“{STATES[state][1]}”状态；补救结果须在工单解决后记录。",
                        row=row, column=col["case"], value=code,
                    )  # fmt: skip
                recs.append(r)
        if rows == 0:
            raise InputError(
                f"File {reader.source} has a header but no data rows; nothing was imported.",
                f"文件 {reader.source} 只有表头没有数据行；未导入任何内容。",
                code="empty_file",
            )
        reader.raise_if_problems()
        surveys = _Surveys(session, ws)
        counts = {"given": 0, "survey": 0, None: 0}
        done: list[str] = []
        locked = {c: get_case_row(session, ws, c, lock=True) for c in sorted(seen)}
        for r in recs:
            case = locked[r["case"]]
            when = event_time(session, case, given)
            out = _write_outcome(session, surveys, case, after=float(r["satisfaction_after"]),
                                 before=r.get("satisfaction_before"), at=when, actor=actor,
                                 note=f"{reader.source}, row {r['_row']}")  # fmt: skip
            counts[out.before_source] += 1
            done.append(case.code)
        return OutcomeImportReport(reader.source, rows, len(done), counts["given"],
                                   counts["survey"], counts[None], tuple(done))  # fmt: skip
