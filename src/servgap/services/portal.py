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

ANALYSES: tuple[str, ...] = ("servqual", "kano", "nps", "csat")


def run_analysis(
    store: Store,
    *,
    workspace: str,
    analysis: str,
    survey: str | None = None,
    by: list[str] | None = None,
    period: str | None = None,
) -> Any:
    """The result ``servgap analyze <analysis> --json`` prints (the same service calls), on
    the responses of ``period`` when one is given."""
    from servgap.core.errors import UsageError
    from servgap.services.analysis import (
        load_survey,
        run_csat,
        run_kano,
        run_nps,
        run_servqual,
        select_period,
    )

    if analysis not in ANALYSES:
        raise UsageError(
            f"Unknown analysis `{analysis}`; use one of {', '.join(ANALYSES)}.",
            f"未知的分析 `{analysis}`；可用：{'、'.join(ANALYSES)}。",
            fields=("analysis",),
        )
    d, data = load_survey(store, workspace=workspace, survey=survey)
    if period:
        data = select_period(d, data, period)
    if analysis == "servqual":
        return run_servqual(d, data, by=by)
    if analysis == "kano":
        return run_kano(d, data, by=by)
    if analysis == "nps":
        return run_nps(d, data, by=by)
    return run_csat(d, data, by=by)
