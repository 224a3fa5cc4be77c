"""``summary.md``: the report as Markdown, with its charts as PNG files next to it.

Findings and missing reasons for every section; small tables inline (at most
:data:`MAX_INLINE_ROWS` rows), larger ones named with their row count (they are
in the spreadsheet, the CSV files and the JSON).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from servgap.i18n import Lang, t
from servgap.reports.model import Figure, Report, Section, Table
from servgap.reports.writers._cells import display, file_stem
from servgap.services.files import write_text

MAX_INLINE_ROWS = 15
MAX_INLINE_COLUMNS = 12


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table, timezone: str | None) -> list[str]:
    cols = [str(c) for c in table.frame.columns]
    out = ["| " + " | ".join(_escape(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for rec in table.frame.itertuples(index=False, name=None):
        cells = [
            _escape(display(v, table.formats.get(c, "text"), timezone))
            for c, v in zip(cols, rec, strict=True)
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def figure_file(figure: Figure) -> str:
    return f"{file_stem(figure.name)}.png"


def render(report: Report) -> str:
    """The Markdown text of ``report``."""
    tz = report.meta.get("timezone")
    lang = report.lang
    lines = [f"# {report.title}", ""]
    lines += [f"- {line}" for line in report.scope]
    for s in report.sections:
        lines += ["", f"## {s.title}", ""]
        lines += _section(s, lang, tz)
    return "\n".join(lines).rstrip() + "\n"


def _section(s: Section, lang: Lang, tz: str | None) -> list[str]:
    out: list[str] = []
    if s.missing:
        out.append("> " + t("report_missing", lang, reason=s.missing))
        out.append("")
    out += [f"- {f}" for f in s.findings]
    for fig in s.figures:
        out += ["", f"![{fig.title}]({figure_file(fig)})"]
    for table in s.tables:
        n_rows, n_cols = table.frame.shape
        out.append("")
        if 0 < n_rows <= MAX_INLINE_ROWS and n_cols <= MAX_INLINE_COLUMNS:
            out += [f"**{table.title}** (`{table.name}`)", ""]
            out += markdown_table(table, tz)
        else:
            out.append(t("report_md_table", lang, title=table.title, name=table.name, n=n_rows))
    return out


class MarkdownWriter:
    format = "md"
    name = "summary.md"

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        figs = [out_dir / figure_file(f) for s, f in _figures(report)]
        return [out_dir / self.name, *figs]

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        protected = tuple(protected)
        written: list[Path] = []
        for s, fig in _figures(report):
            table = s.table(fig.table)
            if table is not None:
                written.append(_draw(fig, table, report, out_dir, force, protected))
        personal = any(tb.personal and len(tb.frame) <= MAX_INLINE_ROWS for tb in report.tables())
        written.insert(
            0,
            write_text(
                out_dir / self.name,
                render(report),
                personal=personal,
                force=force,
                protected=protected,
            ),
        )
        return written


def _figures(report: Report) -> list[tuple[Section, Figure]]:
    """Figures whose table is in their section (the ones that can be drawn)."""
    return [(s, f) for s in report.sections for f in s.figures if s.table(f.table) is not None]


def _draw(
    fig: Figure, table: Table, report: Report, out_dir: Path, force: bool,
    protected: tuple[Path, ...],
) -> Path:  # fmt: skip
    from servgap.reports.charts import demand_capacity_chart

    frame = table.frame
    return demand_capacity_chart(
        frame["interval_start"],
        frame["calls"].to_numpy(),
        out_dir / figure_file(fig),
        lang=report.lang,
        required_agents=frame["agents"].to_numpy(),
        calls_label="actual",
        title=fig.title,
        force=force,
        protected=protected,
    )
