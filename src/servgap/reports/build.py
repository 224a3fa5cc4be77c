"""Build a :class:`~servgap.reports.model.Report` from the report's service results.

``build_report(report_data(store, request), lang="zh")``: one section per
analysis, in a fixed order, each with its findings and tables or the reason it
has none. A new section is one function in :mod:`servgap.reports.survey_sections`
or :mod:`servgap.reports.operations_sections` added to the list here.
"""

from __future__ import annotations

from servgap.i18n import Lang, t
from servgap.reports.gap_sections import actions_section, gaps_section, insights_section
from servgap.reports.model import Report, Section
from servgap.reports.operations_sections import (
    capacity_section,
    complaints_section,
    expectations_section,
    promises_section,
    recovery_section,
)
from servgap.reports.survey_sections import SURVEY_SECTIONS
from servgap.services.report import ReportData, ReportScope


def scope_lines(scope: ReportScope, lang: Lang) -> tuple[str, ...]:
    """What the report covers, one line each: survey, period, comparison, site."""
    name = scope.workspace_name_zh if lang == "zh" else scope.workspace_name_en
    lines = [t("report_scope_workspace", lang, workspace=scope.workspace, name=name)]
    if scope.survey is not None:
        title = scope.survey_title_zh if lang == "zh" else scope.survey_title_en
        lines.append(t("report_scope_survey", lang, survey=scope.survey, title=title))
    if scope.period is None:
        lines.append(t("report_scope_all", lang, n=scope.n_responses))
    elif scope.start is not None:
        lines.append(
            t(
                "report_scope_period",
                lang,
                period=scope.period,
                start=scope.start,
                end=scope.end,
                n=scope.n_responses,
            )
        )
    else:
        lines.append(t("report_scope_wave", lang, period=scope.period, n=scope.n_responses))
    if scope.compare is not None:
        lines.append(t("report_scope_compare", lang, compare=scope.compare, n=scope.n_compare))
    if scope.site is not None:
        lines.append(t("report_scope_site", lang, site=scope.site))
    return tuple(lines)


def build_report(data: ReportData, *, lang: Lang) -> Report:
    """Every section of the report, in the user's language; see the module docstring."""
    scope = data.scope
    sections: list[Section] = []
    for fn in SURVEY_SECTIONS:
        section = fn(data.survey, scope, lang)
        if section is not None:
            sections.append(section)
    sections.append(complaints_section(data.complaints, scope, lang))
    sections.append(recovery_section(data.recovery, scope, lang))
    sections.append(capacity_section(data.capacity, scope, lang))
    sections.append(promises_section(data.promises, scope, lang))
    sections.append(expectations_section(data.expectations, scope, lang))
    sections.append(insights_section(data.insights, scope, lang))
    sections.append(gaps_section(data.gaps, scope, lang))
    sections.append(actions_section(data.actions, scope, lang))
    name = scope.workspace_name_zh if lang == "zh" else scope.workspace_name_en
    title = t("report_title", lang, name=name or scope.workspace)
    if scope.period:
        title += f" · {scope.period}"
    meta = {
        "workspace": scope.workspace,
        "timezone": scope.timezone,
        "survey": scope.survey,
        "period": scope.period,
        "compare": scope.compare,
        "site": scope.site,
        "n_responses": scope.n_responses,
        "n_compare": scope.n_compare,
    }
    return Report(title, lang, scope_lines(scope, lang), tuple(sections), meta)


def summary_text(report: Report) -> str:
    """The findings as plain text for a terminal (``## title`` and ``- finding`` lines)."""
    lines: list[str] = []
    for s in report.sections:
        lines.append(f"## {s.title}")
        if s.missing:
            lines.append("  ! " + t("report_missing", report.lang, reason=s.missing))
        lines.extend(f"  - {f}" for f in s.findings)
    return "\n".join(lines)
