"""The expectation report: every analysis servgap has, run on one survey in the store.

Each section calls a pure function of :mod:`servgap.core`, keeps its tables,
and states its headline finding in the user's language. ``run_report`` writes
each table as CSV (UTF-8 with BOM, so Excel shows Chinese correctly), the whole
report as JSON, and a Markdown summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from servgap.core._result import to_plain
from servgap.core.errors import ServgapError
from servgap.core.survey import SurveyDefinition, dimension_label
from servgap.i18n import Lang
from servgap.services.context import Store
from servgap.services.files import write_table, write_text
from servgap.services.responses import load_responses


@dataclass
class Section:
    name: str
    title: str
    findings: list[str]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Report:
    workspace: str
    survey: str
    n_responses: int
    sections: list[Section]
    out_dir: Path | None = None
    files: list[str] = field(default_factory=list)

    @property
    def summary_text(self) -> str:
        lines: list[str] = []
        for s in self.sections:
            lines.append(f"## {s.title}")
            if s.error:
                lines.append(f"  ! {s.error}")
            lines.extend(f"  - {f}" for f in s.findings)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "survey": self.survey,
            "n_responses": self.n_responses,
            "files": self.files,
            "sections": [
                {
                    "name": s.name,
                    "title": s.title,
                    "findings": s.findings,
                    "error": s.error,
                    "tables": {k: to_plain(v) for k, v in s.tables.items()},
                }
                for s in self.sections
            ],
        }


PART_ZH = {
    "adequate": "最低可接受水平",
    "desired": "理想水平",
    "msa": "服务充分性 MSA",
    "mss": "服务优越性 MSS",
    "perceived": "感知水平",
}


def _L(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


SectionFn = Callable[[SurveyDefinition, pd.DataFrame, Lang], Section]


def servqual_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.core.servqual import servqual

    items = {k: v for k, v in d.servqual_items().items() if v.get("direction") != "lower_better"}
    imp = d.by_type("importance")
    weights = None
    if imp and set(imp[0].options) >= {"tangibles", "reliability"}:
        weights = {o: f"{imp[0].code}_{o}" for o in imp[0].options}
    res = servqual(data, items, weights=weights)
    dims = res.dimensions
    worst = dims.sort_values("msa").iloc[0]
    findings = [
        _L(
            lang,
            f"服务充分性（MSA = 感知 − 最低可接受）最低的维度是{dimension_label(worst['dimension'], lang)}："
            f"MSA = {worst['msa']:.2f}，{worst['share_below']:.0%} 的回答低于顾客自己的容忍区。",
            f"Lowest adequacy (MSA = perceived − adequate): {dimension_label(worst['dimension'], lang)}, "
            f"MSA = {worst['msa']:.2f}; {worst['share_below']:.0%} of answers fall below the "
            "customer's own zone of tolerance.",
        )
    ]
    ov = res.overall.iloc[0]
    findings.append(
        _L(
            lang,
            f"SERVQUAL 总分（未加权）{ov['servqual_unweighted']:.2f}，加权 {ov['servqual_weighted']:.2f}。",
            f"Overall SERVQUAL gap: {ov['servqual_unweighted']:.2f} unweighted, "
            f"{ov['servqual_weighted']:.2f} weighted by importance points.",
        )
    )
    by_site = servqual(data, items, by="site").dimensions
    rel = by_site[by_site["dimension"] == "reliability"].sort_values("msa")
    if len(rel) > 1:
        w = rel.iloc[0]
        findings.append(
            _L(
                lang,
                f"可靠性 MSA 最低的网点是 {w['site']}（{w['msa']:.2f}，低于容忍区 {w['share_below']:.0%}）。",
                f"The outlet with the lowest reliability MSA is {w['site']} ({w['msa']:.2f}; "
                f"{w['share_below']:.0%} below the zone).",
            )
        )
    return Section(
        "servqual",
        _L(lang, "SERVQUAL 差距与容忍区", "SERVQUAL gaps and zone of tolerance"),
        findings,
        {
            "servqual_items": res.items,
            "servqual_dimensions": res.dimensions,
            "servqual_overall": res.overall,
            "servqual_dimensions_by_site": by_site,
        },
    )


def tolerance_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.services.analysis import run_servqual

    res = run_servqual(d, data)
    items = res.items
    lower = items[items["direction"] == "lower_better"]
    findings: list[str] = []
    for _, r in lower.iterrows():
        findings.append(
            _L(
                lang,
                f"{r['item']}（越低越好）：顾客可接受的平均上限 {r['adequate_mean']:.1f}，期望 "
                f"{r['desired_mean']:.1f}，实际 {r['perceived_mean']:.1f}；"
                f"{r['share_below']:.0%} 的顾客超出了自己的可接受水平。",
                f"{r['item']} (lower is better): adequate on average {r['adequate_mean']:.1f}, "
                f"desired {r['desired_mean']:.1f}, experienced {r['perceived_mean']:.1f}; "
                f"{r['share_below']:.0%} of customers were served worse than their own adequate "
                "level.",
            )
        )
    three = items[(items["format"] == "three_column") & (items["direction"] == "higher_better")]
    worst = three.sort_values("share_below", ascending=False).head(3)
    findings.append(
        _L(
            lang,
            "低于容忍区比例最高的题目："
            + "、".join(f"{r.item}（{r.share_below:.0%}）" for r in worst.itertuples()),
            "Items with the most answers below the zone of tolerance: "
            + ", ".join(f"{r.item} ({r.share_below:.0%})" for r in worst.itertuples()),
        )
    )
    return Section(
        "tolerance", _L(lang, "容忍区", "Zone of tolerance"), findings, {"tolerance_items": three}
    )


def kano_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.services.analysis import run_kano

    overall = run_kano(d, data).features

    def name(code: str) -> str:
        return d.question(code).text.get(lang)

    cats = ", ".join(
        f"{name(str(f))} {c}" for f, c in zip(overall["feature"], overall["category"], strict=True)
    )
    findings = [_L(lang, "Kano 分类：" + cats, "Kano categories: " + cats)]
    tables = {"kano_features": overall}
    profile = [q.code for q in d.by_type("profile")]
    if "age_group" in profile and "age_group" in data.columns:
        by_age = run_kano(d, data, by=["age_group"]).features
        tables["kano_by_age_group"] = by_age
        for feat, grp in by_age.groupby("feature", sort=False):
            by = grp.dropna(subset=["age_group"]).set_index("age_group")["category"]
            if by.nunique() > 1:
                findings.append(
                    _L(
                        lang,
                        f"{name(str(feat))} 的类别因年龄而异："
                        + "，".join(f"{a}: {c}" for a, c in by.items()),
                        f"{name(str(feat))} changes category with age: "
                        + ", ".join(f"{a}: {c}" for a, c in by.items()),
                    )
                )
    return Section(
        "kano", _L(lang, "Kano 需求分类", "Kano requirement categories"), findings, tables
    )


def satisfaction_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.services.analysis import run_csat, run_nps

    findings: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    if d.by_type("nps"):
        total = run_nps(d, data).iloc[0]
        by_site = run_nps(d, data, by=["site"]) if "site" in data.columns else pd.DataFrame()
        tables["nps"] = run_nps(d, data)
        findings.append(
            _L(
                lang,
                f"NPS = {total['nps']:.1f}（95% 置信区间 {total['ci_low']:.1f} 至 {total['ci_high']:.1f}，n = {int(total['n'])}）。",
                f"NPS = {total['nps']:.1f} (95% CI {total['ci_low']:.1f} to {total['ci_high']:.1f}, "
                f"n = {int(total['n'])}).",
            )
        )
        if len(by_site):
            tables["nps_by_site"] = by_site
            low = by_site.sort_values("nps").iloc[0]
            findings.append(
                _L(
                    lang,
                    f"NPS 最低的网点：{low['site']}（{low['nps']:.1f}）。",
                    f"Lowest NPS: {low['site']} ({low['nps']:.1f}).",
                )
            )
    if d.by_type("csat"):
        cs = run_csat(d, data)
        tables["csat"] = cs
        r = cs.iloc[0]
        findings.append(
            _L(
                lang,
                f"CSAT 前两格比例 {r['top_box_share']:.0%}，均值 {r['mean']:.2f}。",
                f"CSAT top-two-box {r['top_box_share']:.0%}, mean {r['mean']:.2f}.",
            )
        )
    return Section("satisfaction", _L(lang, "NPS 与 CSAT", "NPS and CSAT"), findings, tables)


def segments_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.core.anova import anova_table
    from servgap.services.analysis import value_series

    findings: list[str] = []
    groups = [g for g in ("customer_type", "age_group", "site") if g in data.columns]
    dims = sorted({q.dimension for q in d.by_type("servqual3") if q.dimension})
    specs = [f"{part}:{dim}" for dim in dims for part in ("adequate", "msa")]
    frame = pd.DataFrame({spec: value_series(d, data, spec) for spec in specs})
    for g in groups:
        frame[g] = data[g]
    table = anova_table(frame, specs, groups).table
    if len(table):
        top = table.sort_values("eta_squared", ascending=False).head(3)
        for r in top.itertuples():
            findings.append(
                _L(
                    lang,
                    f"{r.group} 对 {r.value} 的影响：η² = {r.eta_squared:.3f}（p = {r.p:.2g}）。",
                    f"{r.group} explains {r.value}: η² = {r.eta_squared:.3f} (p = {r.p:.2g}).",
                )
            )
    return Section(
        "segments",
        _L(lang, "细分差异（方差分析）", "Segment differences (ANOVA)"),
        findings,
        {"anova_by_segment": table},
    )


def trend_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.services.analysis import run_trend

    if "period" not in data.columns or data["period"].nunique() < 2:
        return Section(
            "trend", _L(lang, "趋势", "Trends"), [_L(lang, "只有一期数据。", "Only one period.")]
        )
    rows = []
    findings: list[str] = []
    dims = sorted({q.dimension for q in d.by_type("servqual3") if q.dimension})
    for dim in dims:
        for part in ("adequate", "msa"):
            res = run_trend(d, data, value=f"{part}:{dim}")
            t = res.table.assign(value_spec=f"{part}:{dim}")
            rows.append(t)
            flagged = t[t["flag"]]
            if len(flagged) and (flagged["side"].nunique() > 1 or part == "msa"):
                first, last = t.iloc[0], t.iloc[-1]
                findings.append(
                    _L(
                        lang,
                        f"{dimension_label(dim, lang)}的{PART_ZH[part]}从 {first['period']} 的 {first['value']:.2f} "
                        f"变为 {last['period']} 的 {last['value']:.2f}，超出控制限的期间："
                        + "、".join(flagged["period"].astype(str)),
                        f"{dimension_label(dim, lang)} {part} moved from {first['value']:.2f} "
                        f"({first['period']}) to {last['value']:.2f} ({last['period']}); outside "
                        "control limits: " + ", ".join(flagged["period"].astype(str)),
                    )
                )
    return Section(
        "trend",
        _L(lang, "趋势与控制限", "Trends and control limits"),
        findings,
        {"trend_by_dimension": pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()},
    )


def drivers_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.services.analysis import run_drivers, run_ipa

    res = run_drivers(d, data)
    t = res.table.sort_values("importance", ascending=False)
    top = t.head(2)
    findings = [
        _L(
            lang,
            f"总体满意度的最大驱动因素（LMG，R² = {res.r2:.2f}）："
            + "、".join(
                f"{dimension_label(r.driver, lang)}（{r.share:.0%}）" for r in top.itertuples()
            ),
            f"Strongest drivers of overall satisfaction (LMG, R² = {res.r2:.2f}): "
            + ", ".join(
                f"{dimension_label(r.driver, lang)} ({r.share:.0%})" for r in top.itertuples()
            ),
        )
    ]
    ipa = run_ipa(d, data)
    findings.append(ipa.short_board_reason_zh if lang == "zh" else ipa.short_board_reason_en)
    return Section(
        "drivers",
        _L(lang, "驱动因素与短板", "Drivers and the short board"),
        findings,
        {"drivers_lmg": res.table, "importance_performance": ipa.table},
    )


def csi_section(d: SurveyDefinition, data: pd.DataFrame, lang: Lang) -> Section:
    from servgap.services.analysis import run_csi

    res = run_csi(d, data, model="ccsi")
    idx = res.index if res.index is not None else pd.DataFrame(columns=["construct", "index"])
    sat = idx[idx["construct"] == "satisfaction"]
    findings = []
    if len(sat):
        findings.append(
            _L(
                lang,
                f"中国顾客满意度指数（CCSI，PLS 路径模型）：满意度指数 {float(sat['index'].iloc[0]):.1f}/100，"
                f"GoF = {res.gof:.2f}。",
                f"China Customer Satisfaction Index (CCSI, PLS path model): satisfaction index "
                f"{float(sat['index'].iloc[0]):.1f}/100, GoF = {res.gof:.2f}.",
            )
        )
    strongest = res.paths.sort_values("coef", ascending=False).iloc[0]
    findings.append(
        _L(
            lang,
            f"最强路径：{strongest['from']} → {strongest['to']}（{strongest['coef']:.2f}）。",
            f"Strongest path: {strongest['from']} → {strongest['to']} ({strongest['coef']:.2f}).",
        )
    )
    return Section(
        "csi",
        _L(lang, "满意度指数模型", "Satisfaction index model"),
        findings,
        {"csi_paths": res.paths, "csi_index": idx, "csi_loadings": res.loadings},
    )


SECTIONS: list[SectionFn] = [
    servqual_section,
    tolerance_section,
    kano_section,
    satisfaction_section,
    segments_section,
    trend_section,
    drivers_section,
    csi_section,
]

WorkspaceSectionFn = Callable[[Store, str, Lang], Section]


def complaints_section(store: Store, workspace: str, lang: Lang) -> Section:
    from servgap.services.text import classify_stored, keywords_stored

    frame = classify_stored(store, workspace)
    if frame.empty:
        return Section(
            "complaints", _L(lang, "投诉", "Complaints"), [_L(lang, "没有投诉。", "No complaints.")]
        )
    counts = frame["category"].value_counts()
    findings = [
        _L(
            lang,
            f"{len(frame)} 条投诉，按文本自动分类："
            + "、".join(f"{k} {v}" for k, v in counts.items()),
            f"{len(frame)} complaints, classified from their text: "
            + ", ".join(f"{k} {v}" for k, v in counts.items()),
        )
    ]
    recorded = frame["category_recorded"].notna()
    if recorded.any():
        agree = float(
            (frame.loc[recorded, "category"] == frame.loc[recorded, "category_recorded"]).mean()
        )
        findings.append(
            _L(
                lang,
                f"与人工记录的类别一致率 {agree:.0%}（{int(recorded.sum())} 条有记录）。",
                f"Agreement with the recorded category: {agree:.0%} ({int(recorded.sum())} recorded).",
            )
        )
    neg = float((frame["polarity"] == "negative").mean())
    findings.append(
        _L(lang, f"负面情绪占 {neg:.0%}。", f"{neg:.0%} of complaints read as negative.")
    )
    return Section(
        "complaints",
        _L(lang, "投诉文本分析", "Complaint text analytics"),
        findings,
        {
            "complaints_classified": frame.drop(columns=["text"]),
            "complaint_keywords": keywords_stored(store, workspace),
        },
    )


def recovery_section(store: Store, workspace: str, lang: Lang) -> Section:
    from servgap.services.recovery import recovery_report, tolerance_model

    rep = recovery_report(store, workspace)
    t = rep.paradox.table
    findings = []
    for r in t.itertuples():
        who_zh = "全部投诉" if r.group == "all" else f"确认速度 {r.group}"
        who_en = "All complaints" if r.group == "all" else f"Acknowledged {r.group}"
        findings.append(
            _L(
                lang,
                f"{who_zh}：补救前满意度 {r.mean_before:.2f} → 补救后 {r.mean_after:.2f}"
                f"（配对 t 检验 p = {r.p_t:.2g}，d_z = {r.d_z:.2f}{'，出现补救悖论' if r.paradox else ''}）。",
                f"{who_en}: satisfaction {r.mean_before:.2f} before the failure → "
                f"{r.mean_after:.2f} after recovery (paired t p = {r.p_t:.2g}, d_z = {r.d_z:.2f}"
                f"{'; recovery paradox' if r.paradox else ''}).",
            )
        )
    tables = {"recovery_paradox": t, "recovery_by_action": rep.outcomes.by_action,
              "recovery_by_speed": rep.outcomes.by_speed}  # fmt: skip
    cal = tolerance_model(store, workspace)
    findings.append(
        _L(
            lang,
            f"顾客容忍度模型（以 90 天内流失校准）：留出样本 AUC = {cal.test_auc:.2f}，Brier = {cal.test_brier:.3f}（n = {cal.test_n}）。",
            f"Customer tolerance model (calibrated on 90-day churn): held-out AUC = "
            f"{cal.test_auc:.2f}, Brier = {cal.test_brier:.3f} (n = {cal.test_n}).",
        )
    )
    tables["tolerance_coefficients"] = cal.fit.coefficients
    tables["tolerance_reliability_curve"] = cal.reliability
    return Section(
        "recovery",
        _L(lang, "服务补救与顾客容忍度", "Service recovery and tolerance"),
        findings,
        tables,
    )


def capacity_section(store: Store, workspace: str, lang: Lang) -> Section:
    """Staff the call-centre queue for last week's demand; plan a counter to customers' waits."""
    from sqlalchemy import select

    from servgap.services.capacity import (
        demand_for_planning,
        load_demand,
        run_plan,
        run_staff,
        survey_waits,
    )
    from servgap.services.context import get_workspace
    from servgap.services.surveys import definition_of, latest_version
    from servgap.store.models import DemandInterval, Site, Survey

    with store.session() as s:
        ws = get_workspace(s, workspace)
        queues = s.execute(
            select(Site.code, Site.kind, DemandInterval.queue)
            .join(DemandInterval, DemandInterval.site_id == Site.id)
            .where(Site.workspace_id == ws.id)
            .distinct()
            .order_by(Site.code)
        ).all()
        surveys = s.scalars(select(Survey.code).where(Survey.workspace_id == ws.id)).all()
        wait_items = []
        for code in surveys:
            d = definition_of(latest_version(s, ws, code))
            wait_items += [
                (code, q.code) for q in d.by_type("servqual3") if q.direction == "lower_better"
            ]
    if not queues:
        return Section(
            "capacity",
            _L(lang, "产能", "Capacity"),
            [_L(lang, "没有需求数据。", "No demand data.")],
        )
    findings: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    calls = [q for q in queues if q[1] == "call_centre"] or list(queues)
    site, _, queue = calls[0]
    hist = load_demand(store, workspace=workspace, site=site, queue=queue)
    plan = run_staff(hist, demand_for_planning(hist), shrinkage=0.3)
    p = plan.parameters
    findings.append(
        _L(
            lang,
            f"{site}/{queue}：按最近一周来电、服务水平 80/20（口径：{plan.sl_definition}）、估计的顾客耐心 "
            f"{p.patience_s:.0f} 秒与平均处理时长 {p.aht_s:.0f} 秒，需要 {plan.agent_hours:.0f} 个坐席小时，"
            f"排班（30% 缺勤/辅助时间）{plan.scheduled_hours:.0f} 小时，高峰 {plan.peak_agents:.0f} 人。",
            f"{site}/{queue}: for last week's calls at 80/20 (service level '{plan.sl_definition}'), "
            f"estimated patience {p.patience_s:.0f} s and AHT {p.aht_s:.0f} s: "
            f"{plan.agent_hours:.0f} agent-hours on the phones, {plan.scheduled_hours:.0f} scheduled "
            f"with 30% shrinkage, peak {plan.peak_agents:.0f} agents.",
        )
    )
    tables["staffing_" + site] = plan.table
    counters = [q for q in queues if q[1] != "call_centre"]
    if wait_items and counters:
        survey, item = wait_items[0]
        csite, _, cqueue = counters[0]
        chist = load_demand(store, workspace=workspace, site=csite, queue=cqueue)
        adequate, desired, unit = survey_waits(
            store, workspace=workspace, survey=survey, item=item, site=csite
        )
        tp = run_plan(
            chist,
            demand_for_planning(chist),
            adequate,
            desired,
            unit=unit,
            survey=survey,
            item=item,
        )
        comp = tp.comparison.set_index("level")
        a, de = comp.loc["adequate"], comp.loc["desired"]
        findings.append(
            _L(
                lang,
                f"{csite} 柜台：80% 的顾客认为可接受的等候上限为 {tp.adequate_wait_s / 60:.0f} 分钟，理想为 "
                f"{tp.desired_wait_s / 60:.0f} 分钟。按可接受水平配置每周 {a['agent_hours_per_week']:.0f} 人时，"
                f"{a['share_within_adequate']:.0%} 的顾客在自己的可接受等候内得到服务；按理想水平需 "
                f"{de['agent_hours_per_week']:.0f} 人时（{de['share_within_adequate']:.0%}）。",
                f"{csite} counter: 80% of customers call {tp.adequate_wait_s / 60:.0f} min an adequate "
                f"wait and {tp.desired_wait_s / 60:.0f} min desired. Staffing to the adequate level "
                f"takes {a['agent_hours_per_week']:.0f} agent-hours a week and serves "
                f"{a['share_within_adequate']:.0%} within their own adequate wait; the desired level "
                f"takes {de['agent_hours_per_week']:.0f} ({de['share_within_adequate']:.0%}).",
            )
        )
        tables["tolerance_plan_" + csite] = tp.comparison
    return Section(
        "capacity",
        _L(lang, "需求、排队与人员配置", "Demand, queues and staffing"),
        findings,
        tables,
    )


WORKSPACE_SECTIONS: list[WorkspaceSectionFn] = [
    complaints_section,
    recovery_section,
    capacity_section,
]


def build_report(
    definition: SurveyDefinition, data: pd.DataFrame, *, lang: Lang, workspace: str
) -> Report:
    sections: list[Section] = []
    for fn in SECTIONS:
        try:
            sections.append(fn(definition, data, lang))
        except ServgapError as exc:
            name = fn.__name__.removesuffix("_section")
            sections.append(Section(name, name, [], error=exc.message(lang)))
    return Report(workspace, definition.code, len(data), sections)


def _complaints_vs_gaps(report: Report, lang: Lang) -> None:
    """Count complaints per SERVQUAL dimension next to the survey's MSA (same report)."""
    from servgap.core.recovery import complaints_by_dimension

    sections = {s.name: s for s in report.sections}
    sq, cp = sections.get("servqual"), sections.get("complaints")
    if sq is None or cp is None or "complaints_classified" not in cp.tables:
        return
    dims = sq.tables["servqual_dimensions"]
    msa = dict(zip(dims["dimension"], dims["msa"], strict=True))
    table = complaints_by_dimension(cp.tables["complaints_classified"]["category"], msa).table
    cp.tables["complaints_vs_gaps"] = table
    weak = table[table["both_weak"].astype(bool)]
    if len(weak):
        names = "、".join(dimension_label(str(x), lang) for x in weak["dimension"])
        names_en = ", ".join(dimension_label(str(x), lang) for x in weak["dimension"])
        cp.findings.append(
            _L(
                lang,
                f"投诉集中且调查中低于最低可接受水平（MSA < 0）的维度：{names}。",
                f"Dimensions with many complaints and a negative MSA in the survey: {names_en}.",
            )
        )
    else:
        top = table[table["dimension"] != "unmapped"].sort_values("complaint_share").iloc[-1]
        cp.findings.append(
            _L(
                lang,
                f"投诉最多的服务质量维度是{dimension_label(str(top['dimension']), lang)}"
                f"（占 {top['complaint_share']:.0%}），其调查 MSA 为 {top['msa']:.2f}。",
                f"Most complaints concern {dimension_label(str(top['dimension']), lang)} "
                f"({top['complaint_share']:.0%}); its survey MSA is {top['msa']:.2f}.",
            )
        )


def run_report(
    store: Store, *, workspace: str, survey: str, out_dir: Path | None, lang: Lang
) -> Report:
    definition, data = load_responses(store, workspace=workspace, survey=survey)
    report = build_report(definition, data, lang=lang, workspace=workspace)
    for fn in WORKSPACE_SECTIONS:
        try:
            report.sections.append(fn(store, workspace, lang))
        except ServgapError as exc:
            name = fn.__name__.removesuffix("_section")
            report.sections.append(Section(name, name, [], error=exc.message(lang)))
    _complaints_vs_gaps(report, lang)
    if out_dir is not None:
        # the report's own folder: files of an earlier run are replaced; the store never is
        protected = store.protected_files()
        for s in report.sections:
            for name, table in s.tables.items():
                path = write_table(table, out_dir / f"{name}.csv", fmt="csv", force=True,
                                   protected=protected)  # fmt: skip
                report.files.append(str(path))
        for s in report.sections:
            for name, table in s.tables.items():
                if name.startswith("staffing_") and {"interval_start", "calls", "agents"} <= set(
                    table
                ):
                    from servgap.reports.charts import demand_capacity_chart

                    png = demand_capacity_chart(
                        table["interval_start"],
                        table["calls"].to_numpy(),
                        out_dir / f"{name}.png",
                        lang=lang,
                        required_agents=table["agents"].to_numpy(),
                        calls_label="actual",
                        protected=protected,
                    )
                    report.files.append(str(png))
        write_text(out_dir / "report.json",
                   json.dumps(report.to_dict(), ensure_ascii=False, indent=2), force=True,
                   protected=protected)  # fmt: skip
        write_text(out_dir / "summary.md", report.summary_text + "\n", force=True,
                   protected=protected)  # fmt: skip
        report.files += [str(out_dir / "report.json"), str(out_dir / "summary.md")]
        report.out_dir = out_dir
    return report
