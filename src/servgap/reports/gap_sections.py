"""Report sections on where expectations come from and the provider gaps (core.provider_gaps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from servgap.core.survey import option_label
from servgap.i18n import Lang, t
from servgap.reports.model import Section, Table
from servgap.services.report import Missing, ReportScope

if TYPE_CHECKING:
    from servgap.core.provider_gaps import ProviderGaps
    from servgap.services.gaps import ExpectationInsights
    from servgap.services.improvement import ActionEffects

ALPHA = 0.05


def insights_section(res: ExpectationInsights | Missing, scope: ReportScope, lang: Lang) -> Section:
    """Sources of expectations, choice factors and competitor ratings."""
    title = t("report_sec_insights", lang)
    if isinstance(res, Missing):
        return Section("insights", title, missing=res.message(lang))
    findings: list[str] = []
    tables: list[Table] = []
    for code, prof in res.sources:
        tab = prof.table
        if len(tab):
            top = tab.sort_values("share", ascending=False).iloc[0]
            findings.append(t("report_f_source_top", lang, source=option_label(str(top["source"]), lang),
                              share=float(top["share"])))  # fmt: skip
            raising = tab[
                (tab["desired_p"] < ALPHA) & (tab["desired_citing"] > tab["desired_others"])
            ]
            for r in raising.itertuples():
                findings.append(t("report_f_source_raises", lang, source=option_label(str(r.source), lang),
                                  citing=r.desired_citing, others=r.desired_others, p=r.desired_p))  # fmt: skip
        tables.append(
            Table.of(
                f"sources_{code}", t("report_tab_sources", lang), _labelled(tab, "source", lang)
            )
        )
    for code, rank in res.rankings:
        tab = rank.table
        if len(tab) and rank.n:
            top = tab.iloc[0]
            findings.append(t("report_f_ranking_top", lang, option=option_label(str(top["option"]), lang),
                              borda=float(top["borda"]), n=rank.n))  # fmt: skip
        tables.append(
            Table.of(
                f"ranking_{code}", t("report_tab_ranking", lang), _labelled(tab, "option", lang)
            )
        )
    comp = res.competitors.table
    if len(comp):
        behind = comp[(comp["p"] < ALPHA) & (comp["difference"] < 0)]
        for r in behind.itertuples():
            findings.append(t("report_f_competitor_behind", lang, competitor=r.competitor,
                              attribute=r.attribute, diff=r.difference, p=r.p))  # fmt: skip
        tables.append(Table.of("competitors", t("report_tab_competitors", lang), comp))
    if not findings:
        findings.append(t("report_f_insights_none", lang))
    return Section("insights", title, tuple(findings), tuple(tables))


def _labelled(tab: pd.DataFrame, col: str, lang: Lang) -> pd.DataFrame:
    out = tab.copy()
    out.insert(1, "label", [option_label(str(x), lang) for x in out[col]])
    return out


def gaps_section(res: ProviderGaps | Missing, scope: ReportScope, lang: Lang) -> Section:
    """Gaps 1 (understanding), 3 (standards vs delivery), 4 (promises) and 5 per attribute."""
    title = t("report_sec_gaps", lang)
    if isinstance(res, Missing):
        return Section("gaps", title, missing=res.message(lang))
    tab = res.table
    sep = "、" if lang == "zh" else ", "
    findings: list[str] = []
    under = tab[(tab["gap1_adequate_p"] < ALPHA) & (tab["gap1_adequate"] < 0)]
    if len(under):
        findings.append(t("report_f_gap1_under", lang, items=sep.join(
            f"{r.item} ({r.gap1_adequate:+.2f})" for r in under.itertuples())))  # fmt: skip
    over = tab[(tab["gap1_adequate_p"] < ALPHA) & (tab["gap1_adequate"] > 0)]
    if len(over):
        findings.append(t("report_f_gap1_over", lang, items=sep.join(
            f"{r.item} ({r.gap1_adequate:+.2f})" for r in over.itertuples())))  # fmt: skip
    audited = tab.dropna(subset=["audit_score"])
    if len(audited):
        low = audited.sort_values("audit_score").iloc[0]
        findings.append(t("report_f_gap3", lang, item=str(low["item"]),
                          score=float(low["audit_score"]), n=len(audited)))  # fmt: skip
    unkept = tab[tab["promises_unkept"] > 0]
    if len(unkept):
        findings.append(t("report_f_gap4", lang, items=sep.join(str(x) for x in unkept["item"])))
    below = tab[tab["msa"] < 0]
    if len(below):
        findings.append(t("report_f_gap5", lang, items=sep.join(str(x) for x in below["item"])))
    if not findings:
        findings.append(t("report_f_gaps_none", lang))
    return Section(
        "gaps",
        title,
        tuple(findings),
        (Table.of("provider_gaps", t("report_tab_gaps", lang), tab),),
    )


# ---------------------------------------------------------------------- actions


def actions_section(res: ActionEffects | Missing, scope: ReportScope, lang: Lang) -> Section:
    """Improvement actions with their target metric and follow-up check (core.improvement)."""
    title = t("report_sec_actions", lang)
    if isinstance(res, Missing):
        return Section("actions", title, missing=res.message(lang))
    table = res.to_frame()
    findings: list[str] = []
    checked = table[table["check_period"].notna()]
    met = checked[checked["target_met"] == True]  # noqa: E712 - None is "no target"
    not_met = checked[checked["target_met"] == False]  # noqa: E712
    findings.append(t("report_f_actions", lang, n=len(table), checked=len(checked),
                      met=len(met), not_met=len(not_met)))  # fmt: skip
    for a in res.actions:
        r = a.check_result or {}
        did, p = r.get("did"), r.get("did_p")
        if isinstance(did, float) and isinstance(p, float) and p < ALPHA:
            findings.append(t("report_f_action_effect", lang, title=a.title, metric=a.metric,
                              did=did, p=p))  # fmt: skip
    return Section("actions", title, tuple(findings),
                   (Table.of("actions", t("report_tab_actions", lang), table),))  # fmt: skip
