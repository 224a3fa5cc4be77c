"""What the web shows of a workspace: one call per page, the same call as its API route.

Each function returns a frozen result with ``to_dict()``; the HTML page renders it
and the JSON route returns it, so a page and its JSON can never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import yaml

from servgap.core._result import ResultMixin, to_plain
from servgap.core.errors import InputError, NotFoundError, Problem, ServgapError
from servgap.core.survey import SurveyDefinition, Text
from servgap.services.context import Store, get_workspace, schema_status
from servgap.services.dated import DatedResult
from servgap.services.distribution import LinkInfo, list_links
from servgap.services.sites import list_sites
from servgap.services.surveys import definition_of, latest_version, list_surveys, save_definition
from servgap.services.workspaces import (
    WorkspaceInfo,
    WorkspaceList,
    list_workspaces,
    show_workspace,
)


@dataclass(frozen=True)
class Health(ResultMixin):
    ok: bool
    schema_revision: str | None
    database: str


def health(store: Store) -> Health:
    """The store's schema revision (the newest: the store was migrated when it was opened)."""
    url, revision = schema_status(store)
    return Health(True, revision, url.split(":", 1)[0].split("+", 1)[0])


def my_workspaces(store: Store, roles: Mapping[str, str]) -> WorkspaceList:
    """The workspaces the user has a role in (and no others)."""
    every = list_workspaces(store)
    return WorkspaceList(tuple(w for w in every.workspaces if w.code in roles))


@dataclass(frozen=True)
class SurveySummary(ResultMixin):
    survey: str
    title_zh: str
    title_en: str
    version: int
    responses: int


@dataclass(frozen=True)
class WorkspaceOverview(ResultMixin):
    workspace: WorkspaceInfo
    surveys: tuple[SurveySummary, ...]
    sites: tuple[dict[str, Any], ...]


def survey_list(store: Store, *, workspace: str) -> tuple[SurveySummary, ...]:
    with store.session() as s:
        rows = list_surveys(s, get_workspace(s, workspace))
    return tuple(
        SurveySummary(
            r["survey"], r["title_zh"], r["title_en"], int(r["version"]), int(r["responses"])
        )
        for r in rows
    )


def site_list(store: Store, *, workspace: str) -> tuple[dict[str, Any], ...]:
    frame = list_sites(store, workspace=workspace)
    plain = to_plain(frame)
    return tuple(plain) if isinstance(plain, list) else ()


def workspace_overview(store: Store, *, workspace: str) -> WorkspaceOverview:
    return WorkspaceOverview(
        show_workspace(store, workspace),
        survey_list(store, workspace=workspace),
        site_list(store, workspace=workspace),
    )


@dataclass(frozen=True)
class SurveyDetail(ResultMixin):
    workspace: str
    survey: str
    version: int
    responses: int
    definition: SurveyDefinition
    links: tuple[LinkInfo, ...]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["definition"] = dict(self.definition.raw)
        return out


def survey_detail(store: Store, *, workspace: str, survey: str) -> SurveyDetail:
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv = latest_version(s, ws, survey)
        definition = definition_of(sv)
        version = sv.version
    counts = {x.survey: x.responses for x in survey_list(store, workspace=workspace)}
    links = list_links(store, workspace=workspace, survey=survey)
    return SurveyDetail(workspace, survey, version, counts.get(survey, 0), definition, links.links)


@dataclass(frozen=True)
class LoadedSurvey(ResultMixin):
    survey: str
    version: int
    questions: int
    created: bool


def load_definition(
    store: Store, *, workspace: str, raw: Mapping[str, Any], source: str | None = None
) -> LoadedSurvey:
    """Store a survey definition (validated; unchanged content keeps its version)."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        sv, created = save_definition(s, ws, dict(raw), source=source)
        return LoadedSurvey(
            str(sv.definition["code"]), sv.version, len(sv.definition["questions"]), created
        )


# ---------------------------------------------------------------- analyses (as `servgap analyze`)

ANALYSES: tuple[str, ...] = (
    "servqual", "tolerance", "kano", "nps", "csat", "anova", "trend", "drivers", "csi",
)  # fmt: skip
MAX_BOOTSTRAP = 2000


def _required(value: str | None, field: str, analysis: str, example: str) -> str:
    from servgap.core.errors import UsageError

    if not value:
        raise UsageError(
            f"The {analysis} analysis needs `{field}` (for example {example}).",
            f"{analysis} 分析需要 `{field}`（例如 {example}）。",
            fields=(field,),
        )
    return value


def run_analysis(
    store: Store,
    *,
    workspace: str,
    analysis: str,
    survey: str | None = None,
    by: list[str] | None = None,
    period: str | None = None,
    question: str | None = None,
    value: str | None = None,
    group: str | None = None,
    period_column: str = "period",
    target: str | None = None,
    method: str = "lmg",
    ipa: bool = False,
    model: str = "ccsi",
    bootstrap: int = 0,
    engine: str = "memory",
) -> Any:
    """The result ``servgap analyze <analysis> --json`` prints (the same service calls with
    the same options), on the responses of ``period`` when one is given.

    ``servqual`` and ``tolerance`` give the SERVQUAL result (``analyze tolerance --json``
    prints it whole too); ``nps`` and ``csat`` the table of ``analyze nps [--csat]``; ``anova``
    needs ``value`` and ``group``, ``trend`` ``value``; ``drivers`` with ``ipa`` gives the
    importance–performance table of ``analyze drivers --ipa``. ``engine="postgres"`` has
    the store's database aggregate the answers (:mod:`servgap.services.analysis_engines`).
    """
    from servgap.core.errors import UsageError
    from servgap.services import analysis as an

    if analysis not in ANALYSES:
        raise UsageError(
            f"Unknown analysis `{analysis}`; use one of {', '.join(ANALYSES)}.",
            f"未知的分析 `{analysis}`；可用：{'、'.join(ANALYSES)}。",
            fields=("analysis",),
        )
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise UsageError(
            f"`bootstrap` {bootstrap} must be between 0 and {MAX_BOOTSTRAP} resamples.",
            f"`bootstrap` {bootstrap} 须在 0 到 {MAX_BOOTSTRAP} 次重抽样之间。",
            fields=("bootstrap",),
        )
    if engine != "memory":
        from servgap.services.analysis_engines import open_store

        d, data = open_store(store, engine, analysis, workspace=workspace, survey=survey,
                             period=period)  # fmt: skip
    else:
        d, data = an.load_survey(store, workspace=workspace, survey=survey)
        if period:
            data = an.select_period(d, data, period)
    if analysis in ("servqual", "tolerance"):
        return an.run_servqual(d, data, by=by, engine=engine)
    if analysis == "kano":
        return an.run_kano(d, data, by=by, engine=engine)
    if analysis == "nps":
        return an.run_nps(d, data, question=question, by=by, engine=engine)
    if analysis == "csat":
        return an.run_csat(d, data, question=question, by=by, engine=engine)
    if analysis == "anova":
        v = _required(value, "value", analysis, "msa:reliability")
        g = _required(group, "group", analysis, "site")
        return an.run_anova(d, data, value=v, group=g, engine=engine)
    if analysis == "trend":
        v = _required(value, "value", analysis, "msa:responsiveness")
        return an.run_trend(d, data, value=v, period=period_column)
    if analysis == "drivers":
        if ipa:
            return an.run_ipa(d, data, target=target, engine=engine)
        return an.run_drivers(d, data, target=target, method=method, engine=engine)
    return an.run_csi(d, data, model=model, bootstrap=bootstrap)


# ---------------------------------------------------------------- surveys for the admin pages


@dataclass(frozen=True)
class SurveyVersionInfo(DatedResult):
    version: int
    questions: int
    responses: int
    created_at: dt.datetime
    checksum: str


@dataclass(frozen=True)
class SurveyVersions(DatedResult):
    survey: str
    title_zh: str
    title_en: str
    responses: int
    versions: tuple[SurveyVersionInfo, ...]  # newest first


@dataclass(frozen=True)
class SurveyCatalog(DatedResult):
    """Every survey of a workspace with each version and its number of responses."""

    workspace: str
    surveys: tuple[SurveyVersions, ...]

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "survey": s.survey,
                "title_zh": s.title_zh,
                "title_en": s.title_en,
                "version": v.version,
                "questions": v.questions,
                "responses": v.responses,
                "created_at": v.created_at,
            }
            for s in self.surveys
            for v in s.versions
        ]
        cols = ["survey", "title_zh", "title_en", "version", "questions", "responses",
                "created_at"]  # fmt: skip
        return pd.DataFrame(rows, columns=cols)


def survey_catalog(store: Store, *, workspace: str) -> SurveyCatalog:
    """The workspace's surveys, each with all its versions, questions and responses."""
    from sqlalchemy import func, select

    from servgap.store.models import Question, Response, Survey, SurveyVersion

    with store.session() as s:
        ws = get_workspace(s, workspace)
        versions = s.execute(
            select(Survey.code, Survey.title_zh, Survey.title_en, SurveyVersion.id,
                   SurveyVersion.version, SurveyVersion.created_at, SurveyVersion.checksum)
            .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
            .where(Survey.workspace_id == ws.id)
            .order_by(Survey.code, SurveyVersion.version.desc())
        ).all()  # fmt: skip
        ids = [v[3] for v in versions]
        answers = dict(
            s.execute(
                select(Response.survey_version_id, func.count(Response.id))
                .where(Response.workspace_id == ws.id)
                .group_by(Response.survey_version_id)
            ).all()
        )
        questions = dict(
            s.execute(
                select(Question.survey_version_id, func.count(Question.id))
                .where(Question.survey_version_id.in_(ids))
                .group_by(Question.survey_version_id)
            ).all()
        ) if ids else {}  # fmt: skip
    grouped: dict[str, list[Any]] = {}
    for row in versions:
        grouped.setdefault(row[0], []).append(row)
    out = []
    for code, rows in grouped.items():
        infos = tuple(
            SurveyVersionInfo(v, int(questions.get(vid, 0)), int(answers.get(vid, 0)), at, ck)
            for _, _, _, vid, v, at, ck in rows
        )
        out.append(
            SurveyVersions(code, rows[0][1], rows[0][2], sum(i.responses for i in infos), infos)
        )
    return SurveyCatalog(workspace, tuple(out))


MAX_DEFINITION_CHARS = 200_000


def _yaml_path(column: str) -> list[str | int]:
    """``questions[2] (q1).type`` → ``["questions", 1, "type"]`` (list positions 0-based)."""
    path: list[str | int] = []
    for part in re.split(r"\.(?![^\[]*\])", column):
        m = re.fullmatch(r"\s*([^\[\s(]+)?\s*(?:\[(\d+)\])?\s*(?:\([^)]*\))?\s*", part)
        if m is None:
            break
        if m.group(1):
            path.append(m.group(1))
        if m.group(2):
            path.append(int(m.group(2)) - 1)
    return path


def yaml_line(text: str, column: str | None) -> int | None:
    """The line (1-based) of the YAML ``text`` where the definition's field ``column`` is
    written (the nearest enclosing field that exists), None when it cannot be told."""
    if not column:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for step in _yaml_path(column):
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step),
                         None)  # fmt: skip
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def read_definition_text(text: str) -> dict[str, Any]:
    """A survey definition from YAML text typed or uploaded in a form; errors give the line
    and column of a syntax error (field ``definition``)."""
    if len(text) > MAX_DEFINITION_CHARS:
        raise InputError(
            f"The `definition` has {len(text):,} characters; at most {MAX_DEFINITION_CHARS:,}.",
            f"`definition` 有 {len(text):,} 个字符，最多 {MAX_DEFINITION_CHARS:,} 个。",
            code="definition_too_long",
            fields=("definition",),
        )
    if not text.strip():
        raise InputError(
            "The `definition` is empty: paste the survey's YAML or choose its file.",
            "`definition` 为空：请粘贴调查的 YAML 或选择文件。",
            code="empty_definition",
            fields=("definition",),
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        where = f" at line {line}, column {mark.column + 1}" if mark else ""
        where_zh = f"（第 {line} 行第 {mark.column + 1} 列）" if mark else ""
        problem = str(getattr(exc, "problem", None) or exc)
        raise InputError(
            f"The `definition` is not valid YAML{where}: {problem}. Quote texts that contain "
            "`: `, `?` or `#`.",
            f"`definition` 不是合法的 YAML{where_zh}：{problem}。含有 `: `、`?` 或 `#` 的文字请加引号。",
            code="invalid_yaml",
            problems=(
                Problem(f"YAML: {problem}", f"YAML：{problem}", row=line, column="definition"),
            ),
            fields=("definition",),
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            "The `definition` must be a survey definition: a mapping with code, title and "
            "questions.",
            "`definition` 应为调查定义：包含 code、title、questions 的映射。",
            code="invalid_definition",
            fields=("definition",),
        )
    return data


def load_definition_text(
    store: Store, *, workspace: str, text: str, source: str | None = None
) -> LoadedSurvey:
    """Store a survey definition given as YAML text (a form's paste or upload); every
    problem of the definition names its field and the YAML line it is on (``row``)."""
    raw = read_definition_text(text)
    try:
        return load_definition(store, workspace=workspace, raw=raw, source=source)
    except ServgapError as exc:
        if not exc.problems:
            raise
        problems = tuple(replace(p, row=yaml_line(text, p.column)) for p in exc.problems)
        located = InputError(
            exc.en, exc.zh, code=exc.code, problems=problems, fields=exc.fields or ("definition",)
        )
        located.status = exc.status
        raise located from None


@dataclass(frozen=True)
class SurveyPreview(ResultMixin):
    """A version of a survey as a respondent sees it (nothing is stored by a preview)."""

    workspace: str
    workspace_name: Text
    survey: str
    version: int
    latest: int
    definition: SurveyDefinition

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["definition"] = dict(self.definition.raw)
        return out


def survey_preview(
    store: Store, *, workspace: str, survey: str, version: int | None = None
) -> SurveyPreview:
    """A stored version (default: the latest) of ``survey`` to show as a respondent sees it."""
    from sqlalchemy import select

    from servgap.store.models import SurveyVersion

    with store.session() as s:
        ws = get_workspace(s, workspace)
        latest = latest_version(s, ws, survey)
        sv = latest
        if version is not None and version != latest.version:
            found = s.scalar(
                select(SurveyVersion).where(
                    SurveyVersion.survey_id == latest.survey_id, SurveyVersion.version == version
                )
            )
            if found is None:
                raise NotFoundError(
                    f"Survey `{survey}` has no `version` {version}; its versions are 1 to "
                    f"{latest.version}.",
                    f"调查 `{survey}` 没有版本 `version` {version}；现有版本为 1 到 {latest.version}。",
                    code="unknown_version",
                    fields=("version",),
                )
            sv = found
        return SurveyPreview(
            ws.code, Text(ws.name_zh, ws.name_en), survey, sv.version, latest.version,
            definition_of(sv),
        )  # fmt: skip


def preview_problems(
    definition: SurveyDefinition, raw: Mapping[str, Any], *, questions: Sequence[str]
) -> tuple[Problem, ...]:
    """The problems a respondent would be shown for the answers ``raw`` to the questions
    ``questions`` (one page): the importer's rules and the three-column check, as
    :func:`servgap.services.collection.check_page` finds them, without storing anything."""
    from servgap.services.collection import check_answers

    owner = definition.column_owner()
    answers = {k: v for k, v in raw.items() if k in owner}
    wanted = set(questions) | {c for q in questions for c in definition.question(q).columns()}
    checked = check_answers(definition, answers, meta={"submitted_at": None})
    return tuple(p for p in checked.problems if p.column in wanted)
