"""The report's use case: every analysis of one workspace, for a period, as typed results.

:func:`report_data` loads a survey's responses (and the workspace's complaints,
recovery outcomes and demand) for one period, optionally one site, and runs
each analysis exactly as the ``analyze`` commands do (the same functions of
:mod:`servgap.services.analysis`: one rule for what enters a dimension score,
one for importance weights). The result is frozen data: each part is either a
result of :mod:`servgap.core` or a :class:`Missing` saying why there is none
("no audits loaded for 2026Q3", "no demand data for this workspace").

Nothing here writes a file or words a finding: :mod:`servgap.reports` builds
the sections from these results and its writers produce md, json, xlsx, csv.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
from sqlalchemy import select

from servgap.core._result import ResultMixin
from servgap.core.errors import NotFoundError, ServgapError
from servgap.core.periods import PeriodScheme
from servgap.core.survey import SurveyDefinition
from servgap.i18n import Lang
from servgap.services.context import Store, get_workspace
from servgap.store.models import Site

if TYPE_CHECKING:
    from servgap.core.anova_table import AnovaTable
    from servgap.core.csi import CsiResult
    from servgap.core.drivers import IpaResult, RelativeImportanceResult
    from servgap.core.expectation_setting import ExpectationPlan
    from servgap.core.kano import KanoResult
    from servgap.core.promises import PromiseCheck
    from servgap.core.provider_gaps import ProviderGaps
    from servgap.core.requirements import RequirementProfile
    from servgap.core.servqual import ServqualResult
    from servgap.core.trend import TrendResult
    from servgap.services.comment_aspects import CommentAspects
    from servgap.services.gaps import ExpectationInsights
    from servgap.services.improvement import ActionEffects
    from servgap.services.report_operations import (
        CapacityResults,
        ComplaintResults,
        RecoveryResults,
    )

T = TypeVar("T")

#: Segment columns compared by one-way ANOVA in the report (when the data have them).
SEGMENTS = ("customer_type", "age_group", "site")
#: Parts of the dimension scores compared across segments and followed over time.
SEGMENT_PARTS = ("adequate", "msa")


@dataclass(frozen=True)
class Missing(ResultMixin):
    """Why a part of the report has no result: no data, or data too thin to analyse."""

    en: str
    zh: str

    def message(self, lang: Lang = "en") -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def of(cls, exc: ServgapError) -> Missing:
        return cls(exc.message("en"), exc.message("zh"))


def attempt(fn: Callable[[], T]) -> T | Missing:
    """``fn()``, or a :class:`Missing` carrying the reason when servgap refuses the data."""
    try:
        return fn()
    except ServgapError as exc:
        return Missing.of(exc)


@dataclass(frozen=True)
class ReportRequest:
    """What to report on. ``period``/``compare`` are survey periods (``2026Q3``)."""

    workspace: str
    survey: str | None = None
    period: str | None = None
    compare: str | None = None
    site: str | None = None
    engine: str = "memory"  # "postgres": the store's database aggregates the survey answers


@dataclass(frozen=True)
class ReportScope(ResultMixin):
    """What the report covers.

    ``start``/``end``: first and last local day of ``period`` (None without a
    period, or for a wave without dates): complaints, recovery and demand are
    taken from these days; ``timezone`` is the workspace's.
    """

    workspace: str
    workspace_name_zh: str
    workspace_name_en: str
    timezone: str
    survey: str | None
    survey_title_zh: str
    survey_title_en: str
    period: str | None
    compare: str | None
    site: str | None
    start: dt.date | None
    end: dt.date | None
    n_responses: int
    n_compare: int

    def window(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """[start, end + 1 day) in UTC, or None when the report covers all time."""
        if self.start is None or self.end is None:
            return None
        lo = pd.Timestamp(self.start).tz_localize(self.timezone).tz_convert("UTC")
        hi = pd.Timestamp(self.end + dt.timedelta(days=1)).tz_localize(self.timezone)
        return lo, hi.tz_convert("UTC")

    def describe(self, lang: Lang = "en") -> str:
        """The period (and site) for a sentence: "2026Q3 at gz_baiyun", "this workspace"."""
        if self.period is None and self.site is None:
            return "此工作区" if lang == "zh" else "this workspace"
        parts = [self.period or ("全部期间" if lang == "zh" else "all periods")]
        if self.site is not None:
            parts.append(f"网点 {self.site}" if lang == "zh" else f"site {self.site}")
        return "，".join(parts) if lang == "zh" else " at ".join(parts)


@dataclass(frozen=True)
class TrendSeries(ResultMixin):
    """One value followed over the periods up to the report's period."""

    value: str
    result: TrendResult


@dataclass(frozen=True)
class SurveyResults(ResultMixin):
    """Every survey analysis of the report (period, site) with the analyze commands' rules.

    ``compare``/``change``/``nps_compare`` are None when no comparison period was
    asked for; ``servqual_by_site``/``nps_by_site`` Missing for a one-site report.
    """

    definition: SurveyDefinition
    servqual: ServqualResult | Missing
    servqual_by_site: ServqualResult | Missing
    compare: ServqualResult | Missing | None
    change: pd.DataFrame | Missing | None
    kano: KanoResult | Missing
    kano_by_age: KanoResult | Missing | None
    requirements: RequirementProfile | Missing
    nps: pd.DataFrame | Missing
    nps_by_site: pd.DataFrame | Missing
    nps_compare: pd.DataFrame | Missing | None
    csat: pd.DataFrame | Missing
    segments: AnovaTable | Missing
    trends: tuple[TrendSeries, ...] | Missing
    drivers: RelativeImportanceResult | Missing
    ipa: IpaResult | Missing
    csi: CsiResult | Missing
    comments: CommentAspects | Missing | None = None


@dataclass(frozen=True)
class ReportData(ResultMixin):
    """Everything the report shows, as results; see the module docstring."""

    scope: ReportScope
    survey: SurveyResults | Missing
    complaints: ComplaintResults | Missing
    recovery: RecoveryResults | Missing
    capacity: CapacityResults | Missing
    promises: PromiseCheck | Missing
    expectations: ExpectationPlan | Missing
    insights: ExpectationInsights | Missing
    gaps: ProviderGaps | Missing
    actions: ActionEffects | Missing


# ------------------------------------------------------------------------------ the use case


def report_data(store: Store, request: ReportRequest) -> ReportData:
    """Run every analysis of the report; see the module docstring.

    Raises only for a request that cannot mean anything (an unknown workspace,
    survey, site or a period the survey's scheme does not have); data that are
    absent become :class:`Missing` parts.
    """
    from servgap.services.report_operations import (
        capacity_results,
        complaint_results,
        recovery_results,
    )

    survey: SurveyResults | Missing
    data, compare_data = pd.DataFrame(), None
    if request.engine != "memory":
        definition, on_engine, scope = _engine_survey(store, request)
    else:
        definition, data, compare_data, scope = _survey_scope(store, request)
    if definition is None:
        survey = Missing(
            f"Workspace `{request.workspace}` has no survey yet: load a survey definition and "
            "import its responses.",
            f"工作区 `{request.workspace}` 还没有调查：请加载调查定义并导入答卷。",
        )
    elif request.engine != "memory":
        survey = on_engine
    elif scope.n_responses == 0:
        survey = Missing(
            f"No responses to survey `{definition.code}` for {scope.describe('en')}.",
            f"调查 `{definition.code}` 在{scope.describe('zh')}没有答卷。",
        )
    else:
        survey = survey_results(definition, data, compare_data, scope)
    complaints = attempt(lambda: complaint_results(store, scope))
    msa = _dimension_msa(survey)
    if not isinstance(complaints, Missing) and msa is not None:
        complaints = complaints.with_gaps(msa)
    recovery = attempt(lambda: recovery_results(store, scope))
    capacity = attempt(
        lambda: capacity_results(store, scope, definition, data if len(data) else None)
    )
    promises = attempt(lambda: _promises(store, scope))
    expectations = (
        _memory_only("expectations")
        if request.engine != "memory"
        else attempt(lambda: _expectations(definition, data, compare_data, scope, survey, promises))
    )
    insights = attempt(lambda: _insights(store, scope))
    gaps = attempt(lambda: _gaps(store, scope))
    actions = attempt(lambda: _actions(store, scope))
    return ReportData(scope=scope, survey=survey, complaints=complaints, recovery=recovery,
                      capacity=capacity, promises=promises, expectations=expectations,
                      insights=insights, gaps=gaps, actions=actions)  # fmt: skip


def _memory_only(what: str) -> Missing:
    """A part of the report that needs every respondent's row in memory (engine memory)."""
    return Missing(
        f"The {what} part needs every respondent's row in memory: run the report with "
        "`engine` memory for it.",
        f"{what} 部分需要把每位受访者的记录读入内存：请用 `engine` memory 生成报告以包含此部分。",
    )


def _actions(store: Store, scope: ReportScope) -> ActionEffects | Missing:
    """Improvement actions with a target metric and their last follow-up check."""
    from servgap.services.improvement import ActionEffects, action_effects

    res = action_effects(store, workspace=scope.workspace)
    if scope.site is not None:
        res = ActionEffects(tuple(a for a in res.actions if a.site in (None, scope.site)))
    if not res.actions:
        return Missing(
            "No improvement action with a target metric yet: open one from an alert, the "
            "short board or by hand, and check it at the next period.",
            "还没有带目标指标的改进措施：可从预警、短板或手动创建，并在下一期复查。",
        )
    return res


def _insights(store: Store, scope: ReportScope) -> ExpectationInsights | Missing:
    """Sources of expectations, choice factors and competitors (services.gaps)."""
    from servgap.services.gaps import expectation_insights

    if scope.survey is None:
        return Missing("No survey.", "没有调查。")
    res = expectation_insights(store, workspace=scope.workspace, survey=scope.survey,
                               period=scope.period)  # fmt: skip
    if res.empty:
        return Missing(
            "The survey asks no sources of expectations, choice ranking or competitor rating.",
            "问卷没有期望来源、选择因素排序或竞争对手评价题。",
        )
    return res


def _gaps(store: Store, scope: ReportScope) -> ProviderGaps | Missing:
    """Gaps 1, 3, 4, 5 per attribute when there is a management survey or a promise register."""
    from servgap.services.gaps import management_survey, provider_gap_table

    if scope.survey is None:
        return Missing("No survey.", "没有调查。")
    res = provider_gap_table(store, workspace=scope.workspace, survey=scope.survey,
                             period=scope.period)  # fmt: skip
    if (
        management_survey(store, workspace=scope.workspace) is None
        and not (res.table["promises"] > 0).any()
    ):
        return Missing(
            "No management survey (`audience: management`) and no promise on a survey item: "
            "gaps 1 and 4 cannot be shown.",
            "没有管理层调查（`audience: management`），也没有与问卷题目关联的承诺：无法显示差距 1 和差距 4。",
        )
    return res


def _expectations(
    d: SurveyDefinition | None,
    history: pd.DataFrame,
    compare_data: pd.DataFrame | None,
    scope: ReportScope,
    survey: SurveyResults | Missing,
    promises: PromiseCheck | Missing,
) -> ExpectationPlan | Missing:
    """Delivery vs expectation-setting actions per three-column item (core.expectation_setting),
    with the adequate level against the comparison period (default: the previous one)."""
    from servgap.core.expectation_setting import adequate_shift, expectation_plan
    from servgap.services.analysis import period_order

    if isinstance(survey, Missing):
        return survey
    if isinstance(survey.servqual, Missing):
        return survey.servqual
    assert d is not None
    now = history[history["period"] == scope.period] if scope.period else history
    before = compare_data
    if before is None and scope.period is not None:
        have = period_order(d, [str(x) for x in history["period"].dropna().unique()])
        if scope.period in have and have.index(scope.period) > 0:
            prev = have[have.index(scope.period) - 1]
            before = history[history["period"] == prev]
    items = [q.code for q in d.by_type("servqual3")]
    shifts = adequate_shift(now, before, items) if before is not None and len(before) else None
    by_site = (
        None if isinstance(survey.servqual_by_site, Missing) else survey.servqual_by_site.items
    )
    table = None if isinstance(promises, Missing) else promises.table
    plan = expectation_plan(survey.servqual.items, by_site=by_site, promises=table, shifts=shifts)
    texts = {q.code: q.text for q in d.questions}
    named = plan.table.assign(
        text_zh=[texts[i].zh if i in texts else i for i in plan.table["item"]],
        text_en=[texts[i].en if i in texts else i for i in plan.table["item"]],
    )
    return dataclasses.replace(plan, table=named)


def _promises(store: Store, scope: ReportScope) -> PromiseCheck | Missing:
    """The promise register checked for the report's period (and site)."""
    from servgap.services.promises import check_promises

    res = check_promises(store, workspace=scope.workspace, survey=scope.survey,
                         period=scope.period)  # fmt: skip
    table = res.table
    if scope.site is not None and not table.empty:
        table = table[table["site"].isna() | (table["site"] == scope.site)]
    if table.empty:
        return Missing(
            "No promise register: import one to check promised against "
            "delivered and perceived service.",
            "没有服务承诺清单：导入承诺清单后即可对比承诺、实际交付与顾客感知。",
        )
    return dataclasses.replace(res, table=table.reset_index(drop=True))


def _dimension_msa(survey: SurveyResults | Missing) -> dict[str, float] | None:
    if isinstance(survey, Missing) or isinstance(survey.servqual, Missing):
        return None
    dims = survey.servqual.dimensions
    return {str(k): float(v) for k, v in zip(dims["dimension"], dims["msa"], strict=True)}


def _survey_scope(
    store: Store, request: ReportRequest
) -> tuple[SurveyDefinition | None, pd.DataFrame, pd.DataFrame | None, ReportScope]:
    """Load the survey (if any), check the request and cut the responses to it."""
    from servgap.services.analysis import choose_survey, period_label, select_period
    from servgap.services.responses import load_responses

    with store.session() as s:
        ws = get_workspace(s, request.workspace)
        tz, name_zh, name_en = ws.timezone or "Asia/Shanghai", ws.name_zh, ws.name_en
        sites = list(s.scalars(select(Site.code).where(Site.workspace_id == ws.id)).all())
    if request.site is not None and request.site not in sites:
        raise NotFoundError(
            f"Site `{request.site}` is not in workspace `{request.workspace}`. Sites: "
            f"{', '.join(sorted(sites)) or '(none)'}.",
            f"工作区 `{request.workspace}` 中没有网点 `{request.site}`。现有网点："
            f"{'、'.join(sorted(sites)) or '（无）'}。",
        )
    code: str | None
    try:
        code = choose_survey(store, workspace=request.workspace, survey=request.survey)
    except NotFoundError:
        if request.survey is not None:
            raise
        code = None  # a workspace without a survey still gets its other sections
    if code is None:
        # no survey to say how periods are named: quarters, servgap's default scheme
        scheme = PeriodScheme()
        period = period_label(scheme, request.period) if request.period else None
        compare = (
            period_label(scheme, request.compare, field="compare") if request.compare else None
        )
        bounds = scheme.bounds(period) if period else None
        scope = ReportScope(request.workspace, name_zh, name_en, tz, None, "", "", period,
                            compare, request.site, bounds[0] if bounds else None,
                            bounds[1] if bounds else None, 0, 0)  # fmt: skip
        return None, pd.DataFrame(), None, scope
    definition, data = load_responses(store, workspace=request.workspace, survey=code)
    period = period_label(definition, request.period) if request.period else None
    compare = (
        period_label(definition, request.compare, field="compare") if request.compare else None
    )
    if request.site is not None:
        data = data[data["site"] == request.site].reset_index(drop=True)
    compare_data: pd.DataFrame | None = None
    if compare is not None:
        compare_data = data[data["period"] == compare].reset_index(drop=True)
    history = data
    if period is not None:
        if (data["period"] == period).any():
            history = select_period(definition, data, period, through=True)
        else:
            history = data.iloc[0:0]
    bounds = definition.periods.bounds(period) if period else None
    scope = ReportScope(
        workspace=request.workspace,
        workspace_name_zh=name_zh,
        workspace_name_en=name_en,
        timezone=tz,
        survey=definition.code,
        survey_title_zh=definition.title.zh,
        survey_title_en=definition.title.en,
        period=period,
        compare=compare,
        site=request.site,
        start=bounds[0] if bounds else None,
        end=bounds[1] if bounds else None,
        n_responses=int((history["period"] == period).sum()) if period else len(history),
        n_compare=len(compare_data) if compare_data is not None else 0,
    )
    return definition, history, compare_data, scope


def _engine_survey(
    store: Store, request: ReportRequest
) -> tuple[SurveyDefinition | None, SurveyResults | Missing, ReportScope]:
    """The survey part of the report computed by ``request.engine`` (the store's database).

    The same analyses as :func:`survey_results` on the stored answers of the period (and
    the comparison period), aggregated where they are
    (:mod:`servgap.services.analysis_engines`); the parts that need every respondent's
    row in memory (trends, the satisfaction index, the requirement profile's expectation
    shifts) are :class:`Missing` saying so. Raises for a site: the engine's source is a
    survey's answers in a period, not a site's.
    """
    from servgap.core.errors import UsageError
    from servgap.engines import counts
    from servgap.services import analysis as an
    from servgap.services.analysis_engines import engine_errors, open_store

    if request.site is not None:
        raise UsageError(
            f"A report on one site is computed in memory; `engine` {request.engine} analyses "
            "the whole survey. Leave out the site or use `engine` memory.",
            f"单个网点的报告在内存中计算；`engine` {request.engine} 分析整个调查。请去掉网点或使用 "
            "`engine` memory。",
            fields=("site", "engine"),
        )
    engine = request.engine
    d, source = open_store(store, engine, "servqual", workspace=request.workspace,
                           survey=request.survey, period=request.period)  # fmt: skip
    compare = an.period_label(d, request.compare, field="compare") if request.compare else None
    period = an.period_label(d, request.period) if request.period else None
    with engine_errors(engine):
        per_period, _ = counts(engine, source, [], ["period"])
        per_site, _ = counts(engine, source, [], ["site"])
        before = None
        n_compare = 0
        if compare is not None:
            _, before = open_store(store, engine, "servqual", workspace=request.workspace,
                                   survey=d.code, period=compare)  # fmt: skip
            n_compare = int(counts(engine, before, [], ["period"])[0]["count"].sum())
    with store.session() as s:
        ws = get_workspace(s, request.workspace)
        tz, name_zh, name_en = ws.timezone or "Asia/Shanghai", ws.name_zh, ws.name_en
    bounds = d.periods.bounds(period) if period else None
    n = int(per_period["count"].sum())
    scope = ReportScope(request.workspace, name_zh, name_en, tz, d.code, d.title.zh, d.title.en,
                        period, compare, None, bounds[0] if bounds else None,
                        bounds[1] if bounds else None, n, n_compare)  # fmt: skip
    if n == 0:
        return d, Missing(
            f"No responses to survey `{d.code}` for {scope.describe('en')}.",
            f"调查 `{d.code}` 在{scope.describe('zh')}没有答卷。",
        ), scope  # fmt: skip
    one_site = len(per_site) < 2
    no_sites = Missing(
        f"One site only ({scope.describe('en')}): no comparison between sites.",
        f"只有一个网点（{scope.describe('zh')}）：不做网点间比较。",
    )
    servqual = attempt(lambda: an.run_servqual(d, source, engine=engine))
    cmp: ServqualResult | Missing | None = None
    change: pd.DataFrame | Missing | None = None
    nps_cmp: pd.DataFrame | Missing | None = None
    if compare is not None and not n_compare:
        cmp = change = nps_cmp = _no_compare(d, scope)
    elif before is not None:
        cmp = attempt(lambda: an.run_servqual(d, before, engine=engine))
        nps_cmp = attempt(lambda: an.run_nps(d, before, engine=engine))
        change = _change(servqual, cmp)
    profile = {q.code for q in d.by_type("profile")}
    kano = attempt(lambda: an.run_kano(d, source, engine=engine))
    kano_by_age = (
        attempt(lambda: an.run_kano(d, source, by=["age_group"], engine=engine))
        if "age_group" in profile else None
    )  # fmt: skip
    groups = [g for g in SEGMENTS if _levels(engine, source, g) > 1]
    specs = [f"{part}:{dim}" for dim in an.rating_dimensions(d) for part in SEGMENT_PARTS]
    return d, SurveyResults(
        definition=d, servqual=servqual,
        servqual_by_site=no_sites if one_site else attempt(
            lambda: an.run_servqual(d, source, by=["site"], engine=engine)),
        compare=cmp, change=change, kano=kano, kano_by_age=kano_by_age,
        requirements=_requirements(d, servqual, kano),
        nps=attempt(lambda: an.run_nps(d, source, engine=engine)),
        nps_by_site=no_sites if one_site else attempt(
            lambda: an.run_nps(d, source, by=["site"], engine=engine)),
        nps_compare=nps_cmp,
        csat=attempt(lambda: an.run_csat(d, source, engine=engine)),
        segments=attempt(lambda: an.run_anova_table(d, source, values=specs, groups=groups,
                                                     engine=engine)),
        trends=attempt(lambda: _engine_trends(store, request, d, period)),
        drivers=attempt(lambda: an.run_drivers(d, source, engine=engine)),
        ipa=attempt(lambda: an.run_ipa(d, source, engine=engine)),
        csi=_memory_only("satisfaction index (CSI)"),
    ), scope  # fmt: skip


def _engine_trends(
    store: Store, request: ReportRequest, d: SurveyDefinition, period: str | None
) -> tuple[TrendSeries, ...]:
    """:func:`_trends` on the engine: every series from one pass over the survey's answers
    up to the report's period (:func:`servgap.services.analysis_engines.trends_on`)."""
    from servgap.core.errors import InsufficientDataError
    from servgap.engines import counts
    from servgap.services import analysis as an
    from servgap.services.analysis_engines import engine_errors, open_store, trends_on

    engine = request.engine
    _, everything = open_store(store, engine, "trend", workspace=request.workspace,
                               survey=d.code)  # fmt: skip
    with engine_errors(engine):
        labels = [str(x) for x in counts(engine, everything, [], ["period"])[0]["period"]]
    order = an.period_order(d, labels)
    if period is not None:
        order = order[: order.index(period) + 1] if period in order else []
    if len(order) < 2:
        raise InsufficientDataError(
            "Only one period of responses so far: a trend needs two or more.",
            "目前只有一期答卷：趋势分析至少需要两期。",
        )
    keys = [*an.rating_dimensions(d), *(q.code for q in an.separate_items(d))]
    specs = [f"{part}:{key}" for key in keys for part in SEGMENT_PARTS]
    res = trends_on(d, engine, everything, specs, through=period)
    return tuple(TrendSeries(spec, res[spec]) for spec in specs)


def _levels(engine: str, source: object, column: str) -> int:
    """How many distinct non-empty values ``column`` has on the engine (0 if no such column)."""
    from servgap.engines import counts
    from servgap.services.analysis_engines import engine_errors

    try:
        with engine_errors(engine):
            return len(counts(engine, source, [], [column])[0])
    except ServgapError:
        return 0


def survey_results(
    d: SurveyDefinition,
    history: pd.DataFrame,
    compare_data: pd.DataFrame | None,
    scope: ReportScope,
) -> SurveyResults:
    """Each survey analysis on the period's responses (``history``: up to the period)."""
    from servgap.services import analysis as an

    data = history[history["period"] == scope.period] if scope.period else history
    data = data.reset_index(drop=True)
    one_site = scope.site is not None or data["site"].nunique() < 2
    no_sites = Missing(
        f"One site only ({scope.describe('en')}): no comparison between sites.",
        f"只有一个网点（{scope.describe('zh')}）：不做网点间比较。",
    )
    servqual = attempt(lambda: an.run_servqual(d, data))
    compare: ServqualResult | Missing | None = None
    change: pd.DataFrame | Missing | None = None
    nps_compare: pd.DataFrame | Missing | None = None
    if compare_data is not None and not len(compare_data):
        compare = change = nps_compare = _no_compare(d, scope)
    elif compare_data is not None:
        before = compare_data
        compare = attempt(lambda: an.run_servqual(d, before))
        nps_compare = attempt(lambda: an.run_nps(d, before))
        change = _change(servqual, compare)
    profile = {q.code for q in d.by_type("profile")}
    kano_by_age = None
    if "age_group" in profile and "age_group" in data.columns:
        kano_by_age = attempt(lambda: an.run_kano(d, data, by=["age_group"]))
    kano = attempt(lambda: an.run_kano(d, data))
    groups = [g for g in SEGMENTS if g in data.columns and data[g].nunique() > 1]
    dims = an.rating_dimensions(d)
    specs = [f"{part}:{dim}" for dim in dims for part in SEGMENT_PARTS]
    return SurveyResults(
        definition=d,
        servqual=servqual,
        servqual_by_site=no_sites if one_site else attempt(
            lambda: an.run_servqual(d, data, by=["site"])
        ),
        compare=compare,
        change=change,
        kano=kano,
        kano_by_age=kano_by_age,
        requirements=_requirements(d, servqual, kano),
        nps=attempt(lambda: an.run_nps(d, data)),
        nps_by_site=no_sites if one_site else attempt(lambda: an.run_nps(d, data, by=["site"])),
        nps_compare=nps_compare,
        csat=attempt(lambda: an.run_csat(d, data)),
        segments=attempt(lambda: an.run_anova_table(d, data, values=specs, groups=groups)),
        trends=attempt(lambda: _trends(d, history)),
        drivers=attempt(lambda: an.run_drivers(d, data)),
        ipa=attempt(lambda: an.run_ipa(d, data)),
        csi=attempt(lambda: an.run_csi(d, data, model="ccsi")),
        comments=attempt(lambda: _comments(d, data, servqual)),
    )  # fmt: skip


def _comments(
    d: SurveyDefinition, data: pd.DataFrame, servqual: ServqualResult | Missing
) -> CommentAspects:
    """Comments by attribute beside the same rows' three-column scores."""
    from servgap.services.comment_aspects import comment_aspects_of

    sq = None if isinstance(servqual, Missing) else servqual
    return comment_aspects_of(d, data, servqual=sq)


def _requirements(
    d: SurveyDefinition, servqual: ServqualResult | Missing, kano: KanoResult | Missing
) -> RequirementProfile | Missing:
    """Requirement level, clarity and layer per attribute (core.requirements)."""
    from servgap.core.requirements import requirement_profile

    items = None if isinstance(servqual, Missing) else servqual.items
    feats = None if isinstance(kano, Missing) else kano.features
    profile = requirement_profile(d, kano=feats, items=items)
    if profile.attributes.empty:
        return Missing(
            "The survey has no attributes (three-column items or Kano questions) and no "
            "declared requirement levels.",
            "问卷没有属性（三栏式题目或 Kano 题），也没有声明要求层次。",
        )
    return profile


def _change(
    now: ServqualResult | Missing, before: ServqualResult | Missing
) -> pd.DataFrame | Missing:
    from servgap.core.servqual import servqual_change

    if isinstance(before, Missing):
        return before
    if isinstance(now, Missing):
        return now
    return servqual_change(now, before)


def _no_compare(d: SurveyDefinition, scope: ReportScope) -> Missing:
    return Missing(
        f"No responses to survey `{d.code}` for the comparison period {scope.compare}"
        + (f" at site {scope.site}" if scope.site else "")
        + ".",
        f"调查 `{d.code}` 在对比期间 {scope.compare}"
        + (f"（网点 {scope.site}）" if scope.site else "")
        + "没有答卷。",
    )


def _trends(d: SurveyDefinition, history: pd.DataFrame) -> tuple[TrendSeries, ...]:
    """Adequate level and MSA per dimension (and per separate item) over the periods."""
    from servgap.core.errors import InsufficientDataError
    from servgap.services.analysis import rating_dimensions, run_trend, separate_items

    periods = history["period"].nunique() if "period" in history.columns else 0
    if periods < 2:
        raise InsufficientDataError(
            "Only one period of responses so far: a trend needs two or more.",
            "目前只有一期答卷：趋势分析至少需要两期。",
        )
    keys = [*rating_dimensions(d), *(q.code for q in separate_items(d))]
    return tuple(
        TrendSeries(f"{part}:{key}", run_trend(d, history, value=f"{part}:{key}"))
        for key in keys
        for part in SEGMENT_PARTS
    )
