"""What the web shows of a workspace: one call per page, the same call as its API route.

Each function returns a frozen result with ``to_dict()``; the HTML page renders it
and the JSON route returns it, so a page and its JSON can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from servgap.core._result import ResultMixin, to_plain
from servgap.core.survey import SurveyDefinition
from servgap.services.context import Store, get_workspace, schema_status
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
) -> Any:
    """The result ``servgap analyze <analysis> --json`` prints (the same service calls with
    the same options), on the responses of ``period`` when one is given.

    ``servqual`` and ``tolerance`` give the SERVQUAL result (``analyze tolerance --json``
    prints it whole too); ``nps`` and ``csat`` the table of ``analyze nps [--csat]``; ``anova``
    needs ``value`` and ``group``, ``trend`` ``value``; ``drivers`` with ``ipa`` gives the
    importance–performance table of ``analyze drivers --ipa``.
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
    d, data = an.load_survey(store, workspace=workspace, survey=survey)
    if period:
        data = an.select_period(d, data, period)
    if analysis in ("servqual", "tolerance"):
        return an.run_servqual(d, data, by=by)
    if analysis == "kano":
        return an.run_kano(d, data, by=by)
    if analysis == "nps":
        return an.run_nps(d, data, question=question, by=by)
    if analysis == "csat":
        return an.run_csat(d, data, question=question, by=by)
    if analysis == "anova":
        v = _required(value, "value", analysis, "msa:reliability")
        g = _required(group, "group", analysis, "site")
        return an.run_anova(d, data, value=v, group=g)
    if analysis == "trend":
        v = _required(value, "value", analysis, "msa:responsiveness")
        return an.run_trend(d, data, value=v, period=period_column)
    if analysis == "drivers":
        if ipa:
            return an.run_ipa(d, data, target=target)
        return an.run_drivers(d, data, target=target, method=method)
    return an.run_csi(d, data, model=model, bootstrap=bootstrap)
