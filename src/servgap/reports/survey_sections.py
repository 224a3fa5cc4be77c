"""Sections built from the survey results: gaps, change, tolerance, Kano, NPS, segments,
trends, drivers and the satisfaction index.

Each builder takes :class:`~servgap.services.report.SurveyResults` (or the
:class:`~servgap.services.report.Missing` reason there are none) and returns a
:class:`~servgap.reports.model.Section` in the report's language. Texts come
from the message catalog (``servgap/i18n/messages.yaml``, keys ``report_*``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from servgap.core.errors import SpecError
from servgap.core.survey import SurveyDefinition, dimension_label
from servgap.i18n import Lang, t
from servgap.reports.comment_sections import comments_section
from servgap.reports.model import Section, Table
from servgap.services.analysis import unit_label
from servgap.services.report import Missing, ReportScope, SurveyResults

SurveySectionFn = Callable[[SurveyResults | Missing, ReportScope, Lang], Section | None]

#: Kano category codes in words.
KANO_WORDS = ("A", "O", "M", "I", "R", "Q")


def missing(name: str, title: str, reason: Missing, lang: Lang) -> Section:
    return Section(name, title, missing=reason.message(lang))


def value_label(spec: str, d: SurveyDefinition, lang: Lang) -> str:
    """``msa:reliability`` -> "可靠性 服务充分性 MSA" / "Reliability MSA"; items by their code."""
    if ":" not in spec:
        return spec
    part, key = spec.split(":", 1)
    item = next((q for q in d.by_type("servqual3") if q.code == key), None)
    if item is None:
        what = dimension_label(key, lang)
    elif item.unit:
        unit = unit_label(item.unit, lang)
        what = f"{key}（{unit}）" if lang == "zh" else f"{key} ({unit})"
    else:
        what = key
    return t("report_value", lang, what=what, part=t(f"report_part_{part}", lang))


#: Segment columns common to most surveys, named for a sentence (zh, en).
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "site": ("网点", "Site"),
    "customer_type": ("客户类型", "Customer type"),
    "age_group": ("年龄段", "Age group"),
    "gender": ("性别", "Gender"),
    "region": ("地区", "Region"),
    "channel": ("渠道", "Channel"),
    "occupation": ("职业", "Occupation"),
    "tenure": ("客户时长", "Tenure"),
}


def group_label(group: str, d: SurveyDefinition, lang: Lang) -> str:
    """A segment column for a sentence: a known name, else its question's text, else the code."""
    if group in GROUP_LABELS:
        zh, en = GROUP_LABELS[group]
        return zh if lang == "zh" else en
    try:
        return d.question(group).text.get(lang)
    except SpecError:  # a column that is no question of the survey: its name
        return group


def _num(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


# ----------------------------------------------------------------------------- SERVQUAL


def servqual_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_servqual", lang)
    if isinstance(sr, Missing):
        return missing("servqual", title, sr, lang)
    if isinstance(sr.servqual, Missing):
        return missing("servqual", title, sr.servqual, lang)
    res = sr.servqual
    dims = res.dimensions.dropna(subset=["msa"])
    findings: list[str] = []
    if len(dims):
        worst = dims.sort_values("msa").iloc[0]
        findings.append(
            t(
                "report_f_lowest_msa",
                lang,
                dimension=dimension_label(str(worst["dimension"]), lang),
                msa=worst["msa"],
                share=worst["share_below"],
            )
        )
    ov = res.overall.iloc[0]
    if math.isnan(_num(ov["servqual_weighted"])):
        findings.append(
            t("report_f_overall_unweighted", lang, unweighted=ov["servqual_unweighted"])
        )
    else:
        findings.append(
            t(
                "report_f_overall",
                lang,
                unweighted=ov["servqual_unweighted"],
                weighted=ov["servqual_weighted"],
            )
        )
    for r in res.separate_items.itertuples():
        findings.append(
            t(
                "report_f_separate",
                lang,
                item=r.item,
                unit=unit_label(str(r.unit or ""), lang) or "—",
                dimension=dimension_label(str(r.dimension), lang),
                msa=r.msa,
                mss=r.mss,
            )
        )
    tables = [
        Table.of("servqual_dimensions", t("report_tab_servqual_dimensions", lang), res.dimensions),
        Table.of("servqual_items", t("report_tab_servqual_items", lang), res.items),
    ]
    if len(res.separate_items):
        tables.append(
            Table.of(
                "servqual_separate_items",
                t("report_tab_servqual_separate", lang),
                res.separate_items,
            )
        )
    tables.append(Table.of("servqual_overall", t("report_tab_servqual_overall", lang), res.overall))
    if not isinstance(sr.servqual_by_site, Missing):
        by_site = sr.servqual_by_site.dimensions.dropna(subset=["msa"])
        if len(by_site):
            w = by_site.sort_values("msa").iloc[0]
            findings.append(
                t(
                    "report_f_lowest_site",
                    lang,
                    site=w["site"],
                    dimension=dimension_label(str(w["dimension"]), lang),
                    msa=w["msa"],
                    share=w["share_below"],
                )
            )
        tables.append(
            Table.of(
                "servqual_dimensions_by_site",
                t("report_tab_servqual_by_site", lang),
                sr.servqual_by_site.dimensions,
            )
        )
    return Section("servqual", title, tuple(findings), tuple(tables))


def change_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section | None:
    """Change since the comparison period per dimension (MSA, MSS) and NPS; None if not asked."""
    if scope.compare is None:
        return None
    title = t("report_sec_change", lang, compare=scope.compare)
    if isinstance(sr, Missing):
        return missing("change", title, sr, lang)
    if sr.change is None or isinstance(sr.change, Missing):
        return missing("change", title, sr.change or Missing("", ""), lang)
    ch = sr.change
    findings: list[str] = []
    dims = ch[ch["item"].isna()]
    for part in ("msa", "mss"):
        moves = [
            t(
                "report_move",
                lang,
                what=dimension_label(str(r["dimension"]), lang),
                change=r[f"{part}_change"],
            )
            for _, r in dims.iterrows()
            if not math.isnan(_num(r[f"{part}_change"]))
        ]
        if moves:
            findings.append(
                t(
                    f"report_f_change_{part}",
                    lang,
                    compare=scope.compare,
                    period=_period(scope, lang),
                    moves=("、" if lang == "zh" else ", ").join(moves),
                )
            )
    if len(dims.dropna(subset=["msa_change"])):
        worst = dims.dropna(subset=["msa_change"]).sort_values("msa_change").iloc[0]
        if worst["msa_change"] < 0:
            findings.append(
                t(
                    "report_f_change_worst",
                    lang,
                    dimension=dimension_label(str(worst["dimension"]), lang),
                    before=worst["msa_compare"],
                    now=worst["msa"],
                    change=worst["msa_change"],
                    compare=scope.compare,
                )
            )
    for _, r in ch[ch["item"].notna()].iterrows():
        findings.append(
            t(
                "report_f_change_separate",
                lang,
                item=r["item"],
                unit=unit_label(str(r["unit"] or ""), lang),
                before=r["msa_compare"],
                now=r["msa"],
                change=r["msa_change"],
            )
        )
    tables = [Table.of("change_vs_compare", t("report_tab_change", lang), ch)]
    nps_now, nps_before = sr.nps, sr.nps_compare
    if isinstance(nps_now, pd.DataFrame) and isinstance(nps_before, pd.DataFrame):
        a, b = nps_now.iloc[0], nps_before.iloc[0]
        findings.append(
            t(
                "report_f_change_nps",
                lang,
                before=b["nps"],
                now=a["nps"],
                change=a["nps"] - b["nps"],
                compare=scope.compare,
            )
        )
        table = pd.DataFrame(
            {
                "measure": ["nps"],
                "period": [scope.period or ""],
                "compare": [scope.compare],
                "n": [int(a["n"])],
                "n_compare": [int(b["n"])],
                "value": [float(a["nps"])],
                "value_compare": [float(b["nps"])],
                "change": [float(a["nps"] - b["nps"])],
            }
        )
        tables.append(Table.of("nps_change", t("report_tab_nps_change", lang), table))
    elif isinstance(nps_before, Missing):
        findings.append(nps_before.message(lang))
    return Section("change", title, tuple(findings), tuple(tables))


def _period(scope: ReportScope, lang: Lang) -> str:
    return scope.period or t("report_all_periods", lang)


def tolerance_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_tolerance", lang)
    if isinstance(sr, Missing):
        return missing("tolerance", title, sr, lang)
    if isinstance(sr.servqual, Missing):
        return missing("tolerance", title, sr.servqual, lang)
    items = sr.servqual.items
    findings: list[str] = []
    for r in sr.servqual.separate_items.itertuples():
        key = "report_f_wait" if r.direction == "lower_better" else "report_f_quantity"
        findings.append(
            t(
                key,
                lang,
                item=r.item,
                unit=unit_label(str(r.unit or ""), lang) or "—",
                adequate=r.adequate_mean,
                desired=r.desired_mean,
                perceived=r.perceived_mean,
                share=r.share_below,
            )
        )
    three = items[(items["format"] == "three_column") & items["in_dimension"].astype(bool)]
    worst = three.dropna(subset=["share_below"]).sort_values("share_below", ascending=False)
    if len(worst):
        sep = "、" if lang == "zh" else ", "
        findings.append(
            t(
                "report_f_most_below",
                lang,
                items=sep.join(
                    f"{r.item} ({r.share_below:.0%})" for r in worst.head(3).itertuples()
                ),
            )
        )
    return Section("tolerance", title, tuple(findings),
                   (Table.of("tolerance_items", t("report_tab_tolerance_items", lang), three),))  # fmt: skip


# ------------------------------------------------------------------------------- Kano


def kano_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_kano", lang)
    if isinstance(sr, Missing):
        return missing("kano", title, sr, lang)
    if isinstance(sr.kano, Missing):
        return missing("kano", title, sr.kano, lang)
    d = sr.definition

    def name(code: object) -> str:
        return d.question(str(code)).text.get(lang)

    def cat(c: object) -> str:
        c = str(c)
        return t(f"report_kano_{c}", lang) + f" {c}" if c in KANO_WORDS else str(c)

    feats = sr.kano.features
    sep = "、" if lang == "zh" else ", "
    cats = sep.join(
        f"{name(f)}（{cat(c)}）" if lang == "zh" else f"{name(f)} ({cat(c)})"
        for f, c in zip(feats["feature"], feats["category"], strict=True)
    )
    findings = [t("report_f_kano", lang, categories=cats)]
    tables = [Table.of("kano_features", t("report_tab_kano", lang), feats)]
    if sr.kano_by_age is not None and not isinstance(sr.kano_by_age, Missing):
        by_age = sr.kano_by_age.features
        tables.append(Table.of("kano_by_age_group", t("report_tab_kano_age", lang), by_age))
        for feat, grp in by_age.groupby("feature", sort=False):
            by = grp.dropna(subset=["age_group"]).set_index("age_group")["category"]
            if by.nunique() > 1:
                findings.append(
                    t(
                        "report_f_kano_age",
                        lang,
                        feature=name(feat),
                        categories=sep.join(f"{a}: {c}" for a, c in by.items()),
                    )
                )
    return Section("kano", title, tuple(findings), tuple(tables))


# ------------------------------------------------------- requirement levels and five layers


def requirements_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    """Requirement level (basic / enhanced / delighting) and clarity per attribute, and the
    zone-of-tolerance figures grouped by the five-layer model (core.requirements)."""
    from servgap.core.requirements import CLARITY_WORDS, LAYER_WORDS, LEVEL_WORDS, word

    title = t("report_sec_requirements", lang)
    if isinstance(sr, Missing):
        return missing("requirements", title, sr, lang)
    if isinstance(sr.requirements, Missing):
        return missing("requirements", title, sr.requirements, lang)
    d = sr.definition
    attrs = sr.requirements.attributes
    layers = sr.requirements.layers
    sep = "、" if lang == "zh" else ", "

    def name(code: object) -> str:
        return d.question(str(code)).text.get(lang)

    findings: list[str] = []
    counts = attrs["level"].value_counts()
    if len(counts):
        findings.append(
            t(
                "report_f_req_levels",
                lang,
                levels=sep.join(
                    f"{word(LEVEL_WORDS, lv, lang)} {int(counts[lv])}"
                    for lv in ("basic", "enhanced", "delight")
                    if lv in counts
                ),
            )
        )
    failing = attrs[(attrs["level"] == "basic") & (attrs["msa"] < 0)]
    if len(failing):
        findings.append(
            t(
                "report_f_req_basic_below",
                lang,
                items=sep.join(
                    f"{name(r.attribute)} ({r.share_below:.0%})" for r in failing.itertuples()
                ),
            )
        )
    disagree = attrs[attrs["disagrees"]]
    if len(disagree):
        findings.append(
            t(
                "report_f_req_disagree",
                lang,
                items=sep.join(
                    f"{name(r.attribute)}: {word(LEVEL_WORDS, r.declared_level, lang)} → "
                    f"{word(LEVEL_WORDS, r.kano_level, lang)}"
                    for r in disagree.itertuples()
                ),
            )
        )
    implicit = attrs[attrs["clarity"] == "implicit"]
    if len(implicit):
        findings.append(
            t("report_f_req_implicit", lang, items=sep.join(name(a) for a in implicit["attribute"]))
        )
    rated = layers.dropna(subset=["msa"])
    if len(rated) > 1:
        worst = rated.sort_values("msa").iloc[0]
        findings.append(
            t(
                "report_f_req_layer_weakest",
                lang,
                layer=word(LAYER_WORDS, worst["layer"], lang),
                msa=float(worst["msa"]),
                share=float(worst["share_below"]),
            )
        )
    shown = attrs.drop(columns=["in_dimension"]).copy()
    shown.insert(1, "text", [name(a) for a in shown["attribute"]])
    for col, words in (
        ("layer", LAYER_WORDS),
        ("clarity", CLARITY_WORDS),
        ("declared_level", LEVEL_WORDS),
        ("kano_level", LEVEL_WORDS),
        ("level", LEVEL_WORDS),
    ):
        shown[col] = [word(words, v, lang) for v in shown[col]]
    tables = [Table.of("requirements", t("report_tab_requirements", lang), shown)]
    if len(layers):
        lay = layers.copy()
        lay["layer"] = [word(LAYER_WORDS, v, lang) for v in lay["layer"]]
        tables.append(Table.of("five_layers", t("report_tab_layers", lang), lay))
    if not findings:
        findings.append(t("report_f_req_none", lang))
    return Section("requirements", title, tuple(findings), tuple(tables))


# ------------------------------------------------------------------------- NPS and CSAT


def satisfaction_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_satisfaction", lang)
    if isinstance(sr, Missing):
        return missing("satisfaction", title, sr, lang)
    findings: list[str] = []
    tables: list[Table] = []
    reasons: list[str] = []
    if isinstance(sr.nps, pd.DataFrame):
        total = sr.nps.iloc[0]
        tables.append(Table.of("nps", "NPS", sr.nps))
        findings.append(
            t(
                "report_f_nps",
                lang,
                nps=total["nps"],
                low=total["ci_low"],
                high=total["ci_high"],
                n=int(total["n"]),
            )
        )
        if isinstance(sr.nps_by_site, pd.DataFrame) and len(sr.nps_by_site):
            tables.append(Table.of("nps_by_site", t("report_tab_nps_site", lang), sr.nps_by_site))
            low = sr.nps_by_site.sort_values("nps").iloc[0]
            findings.append(t("report_f_nps_site", lang, site=low["site"], nps=low["nps"]))
    else:
        reasons.append(sr.nps.message(lang))
    if isinstance(sr.csat, pd.DataFrame):
        r = sr.csat.iloc[0]
        tables.append(Table.of("csat", "CSAT", sr.csat))
        findings.append(t("report_f_csat", lang, share=r["top_box_share"], mean=r["mean"]))
    else:
        reasons.append(sr.csat.message(lang))
    if not tables:
        return Section("satisfaction", title, missing=" ".join(reasons))
    return Section("satisfaction", title, tuple(findings), tuple(tables))


# --------------------------------------------------------------------- segments, trends


def segments_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_segments", lang)
    if isinstance(sr, Missing):
        return missing("segments", title, sr, lang)
    if isinstance(sr.segments, Missing):
        return missing("segments", title, sr.segments, lang)
    table = sr.segments.table
    findings: list[str] = []
    tested = table.dropna(subset=["eta_squared"]) if len(table) else table
    for r in tested.sort_values("eta_squared", ascending=False).head(3).itertuples():
        findings.append(
            t(
                "report_f_segment",
                lang,
                group=group_label(str(r.group), sr.definition, lang),
                value=value_label(str(r.value), sr.definition, lang),
                eta=r.eta_squared,
                p=r.p,
            )
        )
    if not len(tested):
        return Section("segments", title, missing=t("report_no_segments", lang))
    return Section("segments", title, tuple(findings),
                   (Table.of("anova_by_segment", t("report_tab_anova", lang), table),))  # fmt: skip


def trend_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_trend", lang)
    if isinstance(sr, Missing):
        return missing("trend", title, sr, lang)
    if isinstance(sr.trends, Missing):
        return missing("trend", title, sr.trends, lang)
    rows: list[pd.DataFrame] = []
    findings: list[str] = []
    sep = "、" if lang == "zh" else ", "
    for series in sr.trends:
        tab = series.result.table.assign(value_spec=series.value)
        rows.append(tab)
        flagged = tab[tab["flag"].astype(bool)]
        part = series.value.split(":", 1)[0]
        # a level that is only high (or only low) over the periods is no trend; an MSA
        # outside its limits always matters
        if len(flagged) and (flagged["side"].nunique() > 1 or part == "msa"):
            first, last = tab.iloc[0], tab.iloc[-1]
            findings.append(
                t(
                    "report_f_trend",
                    lang,
                    value=value_label(series.value, sr.definition, lang),
                    first=first["value"],
                    first_period=first["period"],
                    last=last["value"],
                    last_period=last["period"],
                    periods=sep.join(flagged["period"].astype(str)),
                )
            )
    if not findings:
        findings.append(t("report_f_trend_none", lang))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return Section("trend", title, tuple(findings),
                   (Table.of("trend_by_dimension", t("report_tab_trend", lang), table),))  # fmt: skip


# ------------------------------------------------------------------ drivers and the index


def drivers_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_drivers", lang)
    if isinstance(sr, Missing):
        return missing("drivers", title, sr, lang)
    if isinstance(sr.drivers, Missing):
        return missing("drivers", title, sr.drivers, lang)
    res = sr.drivers
    top = res.table.sort_values("importance", ascending=False).head(2)
    sep = "、" if lang == "zh" else ", "
    drivers = sep.join(
        f"{dimension_label(str(r.driver), lang)}（{r.share:.0%}）"
        if lang == "zh"
        else f"{dimension_label(str(r.driver), lang)} ({r.share:.0%})"
        for r in top.itertuples()
    )
    findings = [t("report_f_drivers", lang, r2=res.r2, drivers=drivers)]
    tables = [Table.of("drivers_lmg", t("report_tab_drivers", lang), res.table)]
    if isinstance(sr.ipa, Missing):
        findings.append(sr.ipa.message(lang))
    else:
        findings.append(
            sr.ipa.short_board_reason_zh if lang == "zh" else sr.ipa.short_board_reason_en
        )
        tables.append(Table.of("importance_performance", t("report_tab_ipa", lang), sr.ipa.table))
    return Section("drivers", title, tuple(findings), tuple(tables))


def csi_section(sr: SurveyResults | Missing, scope: ReportScope, lang: Lang) -> Section:
    title = t("report_sec_csi", lang)
    if isinstance(sr, Missing):
        return missing("csi", title, sr, lang)
    if isinstance(sr.csi, Missing):
        return missing("csi", title, sr.csi, lang)
    res = sr.csi
    idx = res.index if res.index is not None else pd.DataFrame(columns=["construct", "index"])
    findings: list[str] = []
    sat = idx[idx["construct"] == "satisfaction"]
    if len(sat):
        findings.append(
            t("report_f_csi", lang, index=float(sat["index"].iloc[0]), gof=_num(res.gof))
        )
    if len(res.paths):
        strongest = res.paths.sort_values("coef", ascending=False).iloc[0]
        findings.append(
            t(
                "report_f_csi_path",
                lang,
                source=strongest["from"],
                target=strongest["to"],
                coef=strongest["coef"],
            )
        )
    return Section(
        "csi",
        title,
        tuple(findings),
        (
            Table.of("csi_paths", t("report_tab_csi_paths", lang), res.paths),
            Table.of("csi_index", t("report_tab_csi_index", lang), idx),
            Table.of("csi_loadings", t("report_tab_csi_loadings", lang), res.loadings),
        ),
    )


SURVEY_SECTIONS: tuple[SurveySectionFn, ...] = (
    servqual_section,
    change_section,
    tolerance_section,
    comments_section,
    kano_section,
    requirements_section,
    satisfaction_section,
    segments_section,
    trend_section,
    drivers_section,
    csi_section,
)
