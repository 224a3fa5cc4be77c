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
from servgap.core.survey import DIMENSION_LABELS, SurveyDefinition
from servgap.i18n import Lang
from servgap.services.context import Store
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


def dim_label(dim: str, lang: Lang) -> str:
    zh, en = DIMENSION_LABELS.get(dim, (dim, dim))
    return zh if lang == "zh" else en


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
            f"服务充分性（MSA = 感知 − 最低可接受）最低的维度是{dim_label(worst['dimension'], lang)}："
            f"MSA = {worst['msa']:.2f}，{worst['share_below']:.0%} 的回答低于顾客自己的容忍区。",
            f"Lowest adequacy (MSA = perceived − adequate): {dim_label(worst['dimension'], lang)}, "
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


SECTIONS: list[SectionFn] = [servqual_section]


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


def run_report(
    store: Store, *, workspace: str, survey: str, out_dir: Path | None, lang: Lang
) -> Report:
    definition, data = load_responses(store, workspace=workspace, survey=survey)
    report = build_report(definition, data, lang=lang, workspace=workspace)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for s in report.sections:
            for name, table in s.tables.items():
                path = out_dir / f"{name}.csv"
                table.to_csv(path, index=False, encoding="utf-8-sig")
                report.files.append(str(path))
        (out_dir / "report.json").write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (out_dir / "summary.md").write_text(report.summary_text + "\n", encoding="utf-8")
        report.files += [str(out_dir / "report.json"), str(out_dir / "summary.md")]
        report.out_dir = out_dir
    return report
