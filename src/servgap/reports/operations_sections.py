"""Sections built from the operational results: complaints, recovery, capacity.

Same contract as :mod:`servgap.reports.survey_sections`: results (or the reason
there are none) in, a :class:`~servgap.reports.model.Section` in the report's
language out.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from servgap.core.cases import CATEGORIES
from servgap.core.survey import dimension_label
from servgap.i18n import Lang, t
from servgap.reports.model import Figure, Section, Table
from servgap.services.report import Missing, ReportScope

if TYPE_CHECKING:
    from servgap.core.expectation_setting import ExpectationPlan
    from servgap.core.promises import PromiseCheck

from servgap.services.report_operations import (
    REPORT_SHRINKAGE,
    CapacityResults,
    ComplaintResults,
    RecoveryResults,
)


def _category(code: object, lang: Lang) -> str:
    en, zh = CATEGORIES.get(str(code), (str(code), str(code)))
    return zh if lang == "zh" else en


def complaints_section(res: ComplaintResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_complaints", lang)
    if isinstance(res, Missing):
        return Section("complaints", title, missing=res.message(lang))
    frame = res.classified
    sep = "、" if lang == "zh" else ", "
    counts = frame["category"].value_counts()
    findings = [
        t(
            "report_f_complaints",
            lang,
            n=len(frame),
            counts=sep.join(f"{_category(k, lang)} {v}" for k, v in counts.items()),
        )
    ]
    recorded = frame["category_recorded"].notna()
    if recorded.any():
        agree = float(
            (frame.loc[recorded, "category"] == frame.loc[recorded, "category_recorded"]).mean()
        )
        findings.append(t("report_f_complaints_agree", lang, share=agree, n=int(recorded.sum())))
    findings.append(
        t(
            "report_f_complaints_negative",
            lang,
            share=float((frame["polarity"] == "negative").mean()),
        )
    )
    tables = [Table.of("complaints_classified", t("report_tab_complaints", lang), frame,
                       personal=True)]  # fmt: skip
    if isinstance(res.keywords, Missing):
        findings.append(res.keywords.message(lang))
    else:
        tables.append(Table.of("complaint_keywords", t("report_tab_keywords", lang), res.keywords))
    if isinstance(res.gaps, Missing):
        findings.append(res.gaps.message(lang))
    elif res.gaps is not None:
        table = res.gaps.table
        tables.append(Table.of("complaints_vs_gaps", t("report_tab_complaints_gaps", lang), table))
        weak = table[table["both_weak"].astype(bool)]
        if len(weak):
            names = sep.join(dimension_label(str(x), lang) for x in weak["dimension"])
            findings.append(t("report_f_complaints_weak", lang, dimensions=names))
        else:
            mapped = table[table["dimension"] != "unmapped"]
            top = mapped.sort_values("complaint_share").iloc[-1]
            findings.append(
                t(
                    "report_f_complaints_top",
                    lang,
                    dimension=dimension_label(str(top["dimension"]), lang),
                    share=top["complaint_share"],
                    msa=top["msa"],
                )
            )
    return Section("complaints", title, tuple(findings), tuple(tables))


def recovery_section(res: RecoveryResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_recovery", lang)
    if isinstance(res, Missing):
        return Section("recovery", title, missing=res.message(lang))
    table = res.paradox.table
    findings: list[str] = []
    for r in table.itertuples():
        who = (
            t("report_all_complaints", lang)
            if r.group == "all"
            else t("report_ack_speed", lang, band=r.group)
        )
        key = "report_f_recovery_paradox" if bool(r.paradox) else "report_f_recovery"
        findings.append(
            t(key, lang, who=who, before=r.mean_before, after=r.mean_after, p=r.p_t, dz=r.d_z)
        )
    tables = [
        Table.of("recovery_paradox", t("report_tab_recovery_paradox", lang), table),
        Table.of("recovery_by_action", t("report_tab_recovery_action", lang),
                 res.outcomes.by_action),
        Table.of("recovery_by_speed", t("report_tab_recovery_speed", lang), res.outcomes.by_speed),
    ]  # fmt: skip
    cal = res.calibration
    if isinstance(cal, Missing):
        findings.append(cal.message(lang))
    else:
        findings.append(
            t(
                "report_f_tolerance_model",
                lang,
                auc=cal.test_auc,
                brier=cal.test_brier,
                n=cal.test_n,
            )
        )
        tables += [
            Table.of("tolerance_coefficients", t("report_tab_tolerance_coef", lang),
                     cal.fit.coefficients),
            Table.of("tolerance_reliability_curve", t("report_tab_tolerance_curve", lang),
                     cal.reliability),
        ]  # fmt: skip
    return Section("recovery", title, tuple(findings), tuple(tables))


def capacity_section(res: CapacityResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_capacity", lang)
    if isinstance(res, Missing):
        return Section("capacity", title, missing=res.message(lang))
    findings: list[str] = []
    tables = [Table.of("demand_queues", t("report_tab_demand_queues", lang), res.queues)]
    figures: list[Figure] = []
    if isinstance(res.staff, Missing):
        findings.append(res.staff.message(lang))
    else:
        plan = res.staff
        p = plan.parameters
        patience = p.patience_s if p.patience_s is not None else math.nan
        findings.append(
            t(
                "report_f_staff",
                lang,
                site=plan.site,
                queue=plan.queue,
                sl=plan.target_sl,
                wait=plan.target_wait_s,
                definition=plan.sl_definition,
                patience=patience,
                aht=p.aht_s,
                hours=plan.agent_hours,
                scheduled=plan.scheduled_hours,
                shrinkage=REPORT_SHRINKAGE,
                peak=plan.peak_agents,
            )
        )
        name = f"staffing_{plan.site}"
        tables.append(Table.of(name, t("report_tab_staffing", lang, site=plan.site), plan.table))
        if {"interval_start", "calls", "agents"} <= set(plan.table.columns) and len(plan.table):
            figures.append(
                Figure(
                    name,
                    t("report_fig_staffing", lang, site=plan.site, queue=plan.queue),
                    "demand_capacity",
                    name,
                )
            )
    if isinstance(res.plan, Missing):
        findings.append(res.plan.message(lang))
    elif res.plan is not None:
        tp = res.plan
        comp = tp.comparison.set_index("level")
        a, de = comp.loc["adequate"], comp.loc["desired"]
        findings.append(
            t(
                "report_f_plan",
                lang,
                site=tp.site,
                coverage=tp.coverage,
                adequate=tp.adequate_wait_s / 60,
                desired=tp.desired_wait_s / 60,
                hours_adequate=a["agent_hours_per_week"],
                share_adequate=a["share_within_adequate"],
                hours_desired=de["agent_hours_per_week"],
                share_desired=de["share_within_adequate"],
            )
        )
        tables.append(
            Table.of(
                f"tolerance_plan_{tp.site}", t("report_tab_plan", lang, site=tp.site), tp.comparison
            )
        )
    return Section("capacity", title, tuple(findings), tuple(tables), tuple(figures))


# -------------------------------------------------------------------------- promises


def promises_section(res: PromiseCheck | Missing, scope: ReportScope, lang: Lang) -> Section:
    """The promise register: promised vs delivered vs perceived vs adequate per promise, the
    promises not kept (over-promising raises expectations) and those weaker than what
    customers already call adequate (core.promises)."""
    from servgap.core.promises import STATUS_WORDS
    from servgap.core.requirements import word

    title = t("report_sec_promises", lang)
    if isinstance(res, Missing):
        return Section("promises", title, missing=res.message(lang))
    table = res.table
    text_col = "text_zh" if lang == "zh" else "text_en"
    sep = "、" if lang == "zh" else "; "
    findings: list[str] = []
    for status, key in (
        ("over_promised", "report_f_promise_over"),
        ("at_risk", "report_f_promise_risk"),
        ("below_adequate", "report_f_promise_below"),
    ):
        sel = table[table["status"] == status]
        if len(sel):
            findings.append(t(key, lang, promises=sep.join(str(x) for x in sel[text_col])))
    kept = int((table["status"] == "kept").sum())
    findings.append(t("report_f_promise_kept", lang, kept=kept, n=len(table)))
    shown = table.drop(columns=["text_en" if lang == "zh" else "text_zh"]).copy()
    shown["status"] = [word(STATUS_WORDS, s, lang) for s in shown["status"]]
    return Section(
        "promises",
        title,
        tuple(findings),
        (Table.of("promises", t("report_tab_promises", lang), shown),),
    )


# ------------------------------------------------------------------ expectation setting


def expectations_section(res: ExpectationPlan | Missing, scope: ReportScope, lang: Lang) -> Section:
    """Which gaps call for delivery and which for expectation setting, and whether the adequate
    level moved since the previous wave (core.expectation_setting)."""
    from servgap.core.expectation_setting import KIND_WORDS
    from servgap.core.requirements import word

    title = t("report_sec_expectations", lang)
    if isinstance(res, Missing):
        return Section("expectations", title, missing=res.message(lang))
    table = res.table
    sep = "、" if lang == "zh" else ", "
    findings: list[str] = []
    for kind, key in (
        ("expectation", "report_f_exp_setting"),
        ("delivery_and_expectation", "report_f_exp_both"),
        ("delivery", "report_f_exp_delivery"),
    ):
        sel = table[table["kind"] == kind]
        if len(sel):
            names = (
                sel["text_zh" if lang == "zh" else "text_en"] if "text_zh" in sel else sel["item"]
            )
            findings.append(t(key, lang, items=sep.join(str(x) for x in names)))
    moved = res.shifts[res.shifts["adequate_p"] < 0.05] if len(res.shifts) else res.shifts
    if len(moved):
        findings.append(
            t(
                "report_f_exp_moved",
                lang,
                items=sep.join(
                    f"{r.item} {r.adequate_before:.2f}→{r.adequate:.2f}" for r in moved.itertuples()
                ),
            )
        )
    if not findings:
        findings.append(t("report_f_exp_none", lang))
    shown = table.drop(columns=[c for c in ("text_en" if lang == "zh" else "text_zh",)
                                if c in table.columns])  # fmt: skip
    shown["kind"] = [word(KIND_WORDS, k, lang) for k in shown["kind"]]
    tables = [Table.of("expectation_actions", t("report_tab_expectations", lang), shown)]
    if len(res.shifts):
        tables.append(Table.of("adequate_shift", t("report_tab_adequate_shift", lang), res.shifts))
    return Section("expectations", title, tuple(findings), tuple(tables))
