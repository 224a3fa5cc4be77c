"""Where expectations come from and the provider gaps, from the store (core.provider_gaps).

* :func:`expectation_insights` — the customer survey's ``sources`` questions (which source
  raises expectations), ``ranking`` questions (choice factors) and competitor ratings.
* :func:`provider_gap_table` — gaps 1, 3, 4 and 5 per attribute: the management survey (a
  survey with ``audience: management`` whose three-column items have the customer survey's
  item codes, or name them with ``attribute:``), the mystery-shopper audits (indicators
  linked to an item), the promise register and the customer survey.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InsufficientDataError, NotFoundError
from servgap.core.provider_gaps import (
    CompetitorComparison,
    ProviderGaps,
    RankingSummary,
    SourceProfile,
    competitor_comparison,
    provider_gaps,
    ranking_summary,
    source_profile,
)
from servgap.core.survey import SurveyDefinition
from servgap.services.context import Store


@dataclass(frozen=True)
class ExpectationInsights(ResultMixin):
    """Per ``sources`` question its profile, per ``ranking`` question its summary, and the
    competitor comparison (empty table without competitor ratings)."""

    survey: str
    period: str | None
    sources: tuple[tuple[str, SourceProfile], ...]
    rankings: tuple[tuple[str, RankingSummary], ...]
    competitors: CompetitorComparison

    @property
    def empty(self) -> bool:
        return not self.sources and not self.rankings and self.competitors.table.empty


def _period_data(
    d: SurveyDefinition, data: pd.DataFrame, period: str | None
) -> tuple[pd.DataFrame, str | None]:
    from servgap.services.analysis import period_order, select_period

    if period is not None:
        return select_period(d, data, period), period
    have = period_order(d, [str(x) for x in data["period"].dropna().unique()])
    if not have:
        return data, None
    return data[data["period"] == have[-1]].reset_index(drop=True), have[-1]


def expectation_insights(
    store: Store, *, workspace: str, survey: str | None = None, period: str | None = None
) -> ExpectationInsights:
    """Sources of expectations, choice factors and competitors for ``period`` (default: the
    latest with responses)."""
    from servgap.services.analysis import load_survey

    d, data = load_survey(store, workspace=workspace, survey=survey)
    data, label = _period_data(d, data, period)
    items = [q.code for q in d.by_type("servqual3") if q.unit is None]
    sources = tuple(
        (q.code, source_profile(data, q.code, q.options, items)) for q in d.by_type("sources")
    )
    rankings = tuple(
        (q.code, ranking_summary(data, list(q.columns()), q.options)) for q in d.by_type("ranking")
    )
    pairs = []
    for q in d.questions:
        if q.competitor is None or q.attribute is None:
            continue
        own = d.question(q.attribute)
        own_col = f"{own.code}_perceived" if own.type == "servqual3" else own.code
        pairs.append((q.code, q.competitor, own.code, own_col))
    return ExpectationInsights(d.code, label, sources, rankings, competitor_comparison(data, pairs))


def management_survey(store: Store, *, workspace: str, code: str | None = None) -> str | None:
    """The workspace's management survey: ``code``, or the only survey with
    ``audience: management`` (None when there is none)."""
    from servgap.services.context import get_workspace
    from servgap.services.surveys import definition_of, latest_version, list_surveys

    with store.session() as s:
        ws = get_workspace(s, workspace)
        if code is not None:
            d = definition_of(latest_version(s, ws, code))
            if d.audience != "management":
                raise NotFoundError(
                    f"Survey `{code}` is not a management survey (`audience: management`).",
                    f"调查 `{code}` 不是管理层调查（`audience: management`）。",
                    fields=("management_survey",),
                )
            return code
        found = [
            str(x["survey"])
            for x in list_surveys(s, ws)
            if definition_of(latest_version(s, ws, str(x["survey"]))).audience == "management"
        ]
    return found[0] if len(found) == 1 else None


def provider_gap_table(
    store: Store,
    *,
    workspace: str,
    survey: str | None = None,
    management: str | None = None,
    period: str | None = None,
    audits: pd.DataFrame | None = None,
) -> ProviderGaps:
    """Gaps 1, 3, 4 and 5 per three-column item of the customer survey (see the module
    docstring); ``audits``: ``item, audit_score`` when audit indicators are linked to items."""
    from servgap.services.analysis import choose_survey, run_servqual
    from servgap.services.promises import check_promises
    from servgap.services.responses import load_responses

    code = choose_survey(store, workspace=workspace, survey=survey)
    d, data = load_responses(store, workspace=workspace, survey=code)
    data, label = _period_data(d, data, period)
    if not len(data):
        raise InsufficientDataError(
            f"Survey `{code}` has no responses.", f"调查 `{code}` 没有答卷。"
        )
    items = run_servqual(d, data).items
    managers = mapping = None
    m_code = management_survey(store, workspace=workspace, code=management)
    if m_code is not None:
        md, mdata = load_responses(store, workspace=workspace, survey=m_code)
        mine = {q.code for q in d.by_type("servqual3")}
        mapping = {}
        for q in md.by_type("servqual3"):
            target = q.attribute or q.code
            if target in mine:
                mapping[target] = q.code
        managers = mdata
    if audits is None:
        audits = _audit_scores(store, workspace, d, label)
    promises = check_promises(store, workspace=workspace, survey=code, period=label).table
    res = provider_gaps(data, items, managers=managers, manager_items=mapping, audits=audits,
                        promises=promises if len(promises) else None)  # fmt: skip
    by_code = {q.code: q for q in d.questions}
    table = res.table.assign(
        text_zh=[by_code[i].text.zh for i in res.table["item"]],
        text_en=[by_code[i].text.en for i in res.table["item"]],
        unit=pd.Series([by_code[i].unit for i in res.table["item"]], dtype=object),
    )
    return dataclasses.replace(res, table=table)


def _audit_scores(
    store: Store, workspace: str, d: SurveyDefinition, period: str | None
) -> pd.DataFrame | None:
    """Gap 3 per item: the mean audit score (share of the maximum) of the standard's
    indicators linked to the item, over the visits of ``period`` (services.audits)."""
    from servgap.services.audits import audit_overview

    bounds = d.periods.bounds(period) if period is not None else None
    over = audit_overview(store, workspace=workspace, survey=d.code,
                          date_from=bounds[0] if bounds else None,
                          date_to=bounds[1] if bounds else None)  # fmt: skip
    attrs = over.attributes
    if attrs.empty or "item" not in attrs:
        return None
    linked = attrs.dropna(subset=["item", "audit_pct"])
    if linked.empty:
        return None
    per_item = linked.groupby("item", sort=False)["audit_pct"].mean() / 100.0
    return pd.DataFrame({"item": per_item.index.astype(str), "audit_score": per_item.to_numpy()})
