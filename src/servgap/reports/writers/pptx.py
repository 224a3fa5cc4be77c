"""``report.pptx``: the quarterly workshop deck, built with python-pptx.

Slides, in order:

1. the title (report title, what it covers, the date);
2. the executive summary: key figures (CSI, NPS and its change, CSAT, overall
   MSA, complaints) and the highlights (weakest dimension, change, the short
   board, alerts, complaint categories, capacity risk) — see
   :mod:`servgap.reports.outline`;
3. one slide per section with results: its one-sentence conclusion (the
   section's first finding) as the headline, its chart as a native, editable
   PowerPoint chart (:mod:`servgap.reports.chart_data`), the other findings
   beside it; all findings and the source table in the speaker notes;
4. the analyses the report could not run, each with its reason;
5. the appendix: one slide per site (MSA and MSS per dimension, the site's
   NPS, its table);
6. method and data.

Chinese fonts are declared on every run and chart (:mod:`servgap.reports.slide_parts`).
A company template (a ``.pptx`` with the company's slide master) is used when
given (``servgap report --template``, or :func:`slide_template` around
:func:`servgap.reports.run_report`): its slide size, master and layouts ("Title
Slide", "Title Only") are kept and its own slides dropped. Without one the deck
is 16:9 with python-pptx's default master.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from servgap.core.errors import InputError
from servgap.i18n import t
from servgap.reports.model import Report
from servgap.services.files import write_bytes

_template: ContextVar[Path | None] = ContextVar("servgap_slide_template", default=None)


@contextmanager
def slide_template(path: Path | None) -> Iterator[None]:
    """Use the company template at ``path`` for the decks written inside the block."""
    token = _template.set(path)
    try:
        yield
    finally:
        _template.reset(token)


def check_template(path: Path) -> Path:
    """``path`` if it opens as a PowerPoint file, else an error naming the `template` field."""
    path = Path(path)
    from pptx import Presentation

    try:
        if not path.is_file():
            raise FileNotFoundError("no such file" if not path.exists() else "not a file")
        Presentation(str(path))
    except Exception as exc:  # python-pptx raises KeyError, ValueError, zipfile errors ...
        reason = str(exc) or type(exc).__name__
        raise InputError(
            t("report_template_unreadable", "en", path=path, reason=reason),
            t("report_template_unreadable", "zh", path=path, reason=reason),
            code="bad_template",
            fields=("template",),
        ) from None
    return path


class PptxWriter:
    format = "pptx"
    name = "report.pptx"

    def __init__(self, template: Path | None = None) -> None:
        self.template = template

    def targets(self, report: Report, out_dir: Path) -> list[Path]:
        return [out_dir / self.name]

    def write(
        self, report: Report, out_dir: Path, *, force: bool, protected: Iterable[Path]
    ) -> list[Path]:
        from servgap.reports.deck import build_deck

        template = self.template or _template.get()
        prs = build_deck(report, template=check_template(template) if template else None)

        def save(tmp: Path) -> None:
            prs.save(str(tmp))

        return [write_bytes(out_dir / self.name, save, force=force, protected=protected)]


__all__ = ["PptxWriter", "check_template", "slide_template"]
