"""`servgap analyze ...`: expectation and satisfaction analyses on the store or a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from servgap.cli._app import emit, force_option, get_ctx, write_csv
from servgap.engines import ENGINES

if TYPE_CHECKING:
    from servgap.core.servqual import ServqualResult
    from servgap.core.survey import SurveyDefinition


def register(main: click.Group) -> None:
    main.add_command(analyze)


@click.group()
def analyze() -> None:
    """Analyse expectations and satisfaction (SERVQUAL, tolerance, Kano, NPS, ANOVA ...)."""


def _source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--survey", "survey_code", default=None,
                      help="Survey code in the store (default: the workspace's only survey).")(fn)  # fmt: skip
    fn = click.option("--file", "file", type=click.Path(path_type=Path), default=None,
                      help="Analyse this CSV/Excel/SPSS/Parquet file instead of the store (with --engine duckdb or spark: a Parquet file or folder, never loaded whole).")(fn)  # fmt: skip
    fn = click.option("--spec", type=click.Path(path_type=Path), default=None,
                      help="Survey YAML describing --file's columns.")(fn)  # fmt: skip
    fn = click.option("--engine", type=click.Choice(ENGINES), default="memory",
                      show_default=True,
                      help="Where the statistics are computed: memory (pandas), duckdb or "
                           "spark (a Parquet --file or folder), postgres (the store).")(fn)  # fmt: skip
    fn = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(fn)
    fn = click.option("--csv", "csv_out", type=click.Path(path_type=Path), default=None,
                      help="Also write the main table to this CSV file.")(fn)  # fmt: skip
    return force_option(fn)


def _load(
    survey_code: str | None, file: Path | None, spec: Path | None, engine: str = "memory",
    analysis: str = "servqual",
) -> tuple[SurveyDefinition, Any]:  # fmt: skip
    """The survey and its answers: a DataFrame (memory) or the engine's source."""
    from servgap.core.errors import UsageError
    from servgap.services import analysis_engines as ae
    from servgap.services.analysis import load_file, load_survey

    c = get_ctx()
    if file is not None and spec is None:
        raise UsageError(
            "--file needs --spec SURVEY.yaml describing its columns.",
            "--file 需要同时用 --spec 指定描述其列的调查 YAML。",
        )
    if engine != "memory":
        if file is not None and spec is not None:
            return ae.open_file(engine, analysis, file, spec)
        return ae.open_store(c.store(), engine, analysis, workspace=c.workspace,
                             survey=survey_code)  # fmt: skip
    if file is not None and spec is not None:
        return load_file(file, spec)
    return load_survey(c.store(), workspace=c.workspace, survey=survey_code)


def _out(result: Any, table: pd.DataFrame, as_json: bool, csv_out: Path | None,
         columns: list[str] | None = None, title: str | None = None) -> None:  # fmt: skip
    write_csv(table, csv_out)
    cols = [c for c in (columns or []) if c in table.columns] or None
    emit(result, as_json=as_json, table=table, columns=cols, title=title)


def _by(by: str | None) -> list[str] | None:
    return [b.strip() for b in by.split(",") if b.strip()] if by else None


def _label_dimensions(table: pd.DataFrame) -> pd.DataFrame:
    from servgap.core.survey import dimension_label
    from servgap.services.analysis import unit_label

    lang = get_ctx().lang
    table = table.copy()
    if "dimension" in table.columns:
        table["dimension"] = table["dimension"].map(lambda d: dimension_label(str(d), lang))
    if "unit" in table.columns:
        table["unit"] = table["unit"].map(lambda u: unit_label(u if isinstance(u, str) else None,
                                                               lang))  # fmt: skip
    return table


def _dimensions_with_separate(res: ServqualResult) -> pd.DataFrame:
    """The dimension rows, then each item on another unit or direction on its own row."""
    sep = res.separate_items
    if not len(sep):
        return res.dimensions
    dims = res.dimensions
    head = [*res.by, "dimension", "item", "unit"]
    cols = head + [c for c in dims.columns if c not in head]
    rows = sep.assign(n_items=1, n_three_column=sep["n"])
    parts = [f.reindex(columns=cols) for f in (dims.assign(item=None, unit=None), rows) if len(f)]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(list(res.by), kind="stable") if res.by else out


@analyze.command("servqual")
@_source_options
@click.option("--by", default=None, help="Segment column(s), comma-separated (e.g. site).")
@click.option("--level", type=click.Choice(["dimensions", "items", "overall"]),
              default="dimensions", show_default=True, help="Which table to print.")  # fmt: skip
def servqual_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
                 csv_out: Path | None, by: str | None, level: str) -> None:  # fmt: skip
    """SERVQUAL gaps (P − E), MSA, MSS and weighted/unweighted scores."""
    from servgap.services.analysis import run_servqual

    d, data = _load(survey_code, file, spec, engine, "servqual")
    res = run_servqual(d, data, by=_by(by), engine=engine)
    table = _dimensions_with_separate(res) if level == "dimensions" else getattr(res, level)
    first = ["dimension", "item"] if level == "dimensions" else ["item", "dimension"]
    cols = (_by(by) or []) + first + ["unit", "n", "gap", "msa", "mss", "zone_width",
                                      "share_below", "share_inside", "share_above",
                                      "servqual_unweighted", "servqual_weighted"]  # fmt: skip
    _out(res, _label_dimensions(table), as_json, csv_out, cols)


@analyze.command("tolerance")
@_source_options
@click.option("--by", default=None, help="Segment column(s), comma-separated.")
def tolerance_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
                  csv_out: Path | None, by: str | None) -> None:  # fmt: skip
    """Zone of tolerance: adequate, desired, perceived and shares below/inside/above."""
    from servgap.services.analysis import run_servqual

    d, data = _load(survey_code, file, spec, engine, "tolerance")
    res = run_servqual(d, data, by=_by(by), engine=engine)
    items = res.items
    three = items[items["format"] == "three_column"]
    cols = (_by(by) or []) + ["item", "dimension", "direction", "unit", "n", "adequate_mean", "desired_mean",
                              "perceived_mean", "msa", "mss", "share_below", "share_inside",
                              "share_above", "n_inconsistent"]  # fmt: skip
    _out(res, _label_dimensions(three), as_json, csv_out, cols)


@analyze.command("kano")
@_source_options
@click.option("--by", default=None, help="Segment column(s), e.g. age_group.")
def kano_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
             csv_out: Path | None, by: str | None) -> None:  # fmt: skip
    """Kano categories, Better/Worse coefficients and Fong's significance per feature."""
    from servgap.services.analysis import run_kano

    d, data = _load(survey_code, file, spec, engine, "kano")
    res = run_kano(d, data, by=_by(by), engine=engine)
    cols = (_by(by) or []) + ["feature", "n", "A", "O", "M", "I", "R", "Q", "category",
                              "category_strength", "better", "worse", "fong_significant"]  # fmt: skip
    _out(res, res.features, as_json, csv_out, cols)


@analyze.command("nps")
@_source_options
@click.option("--by", default=None, help="Segment column(s).")
@click.option("--question", default=None, help="NPS question code (default: the first).")
@click.option("--csat", "use_csat", is_flag=True, help="Report CSAT (top-box) instead of NPS.")
def nps_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
            csv_out: Path | None, by: str | None, question: str | None, use_csat: bool) -> None:  # fmt: skip
    """Net Promoter Score (or CSAT with --csat) with confidence intervals."""
    from servgap.services.analysis import run_csat, run_nps

    d, data = _load(survey_code, file, spec, engine, "nps")
    if use_csat:
        table = run_csat(d, data, question=question, by=_by(by), engine=engine)
        cols = (_by(by) or []) + ["n", "mean", "mean_ci_low", "mean_ci_high", "top_box_share",
                                  "top_box_ci_low", "top_box_ci_high"]  # fmt: skip
    else:
        table = run_nps(d, data, question=question, by=_by(by), engine=engine)
        cols = (_by(by) or []) + ["n", "share_promoters", "share_passives", "share_detractors",
                                  "nps", "ci_low", "ci_high"]  # fmt: skip
    _out(table, table, as_json, csv_out, cols)


@analyze.command("anova")
@_source_options
@click.option("--value", required=True, help="msa:reliability, gap:empathy, nps, a column ...")
@click.option("--group", required=True, help="Grouping column, e.g. customer_type or site.")
def anova_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
              csv_out: Path | None, value: str, group: str) -> None:  # fmt: skip
    """One-way, Welch and Kruskal–Wallis tests with effect sizes and post-hoc pairs."""
    from servgap.services.analysis import run_anova

    d, data = _load(survey_code, file, spec, engine, "anova")
    res = run_anova(d, data, value=value, group=group, engine=engine)
    lang = get_ctx().lang
    head = (
        f"F({res.df_between:g}, {res.df_within:g}) = {res.f:.3f}, p = {res.p:.4g}, "
        f"η² = {res.eta_squared:.3f}, ω² = {res.omega_squared:.3f}; Welch F = {res.welch_f:.3f}, "
        f"p = {res.welch_p:.4g}; Kruskal–Wallis H = {res.kruskal_h:.3f}, p = {res.kruskal_p:.4g}; "
        f"Levene p = {res.levene_p:.4g}\n"
        + (res.posthoc_reason_zh if lang == "zh" else res.posthoc_reason_en)
    )
    _out(res, res.posthoc, as_json, csv_out, None, title=head)


@analyze.command("trend")
@_source_options
@click.option("--value", required=True, help="msa:responsiveness, adequate:responsiveness, nps ...")
@click.option("--period", default="period", show_default=True, help="Period column.")
def trend_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
              csv_out: Path | None, value: str, period: str) -> None:  # fmt: skip
    """A score per period with control limits; flags periods that moved beyond chance."""
    from servgap.services.analysis import run_trend

    d, data = _load(survey_code, file, spec, engine, "trend")
    res = run_trend(d, data, value=value, period=period, engine=engine)
    _out(res, res.table, as_json, csv_out, None)


@analyze.command("drivers")
@_source_options
@click.option("--target", default=None, help="Outcome question (default: overall satisfaction).")
@click.option("--method", type=click.Choice(["lmg", "relative_weights"]), default="lmg",
              show_default=True, help="LMG/Shapley or Johnson's relative weights.")  # fmt: skip
@click.option("--ipa", is_flag=True, help="Importance–performance table with the short board.")
def drivers_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
                csv_out: Path | None, target: str | None, method: str, ipa: bool) -> None:  # fmt: skip
    """Which dimensions drive satisfaction (relative importance), and the short board."""
    from servgap.services.analysis import run_drivers, run_ipa

    d, data = _load(survey_code, file, spec, engine, "drivers")
    lang = get_ctx().lang
    if ipa:
        ipa_res = run_ipa(d, data, target=target, engine=engine)
        reason = ipa_res.short_board_reason_zh if lang == "zh" else ipa_res.short_board_reason_en
        q = "quadrant_zh" if lang == "zh" else "quadrant_en"
        cols = ["dimension", "importance", "performance", q, "adequate", "shortfall",
                "weighted_shortfall"]  # fmt: skip
        _out(ipa_res, _label_dimensions(ipa_res.table), as_json, csv_out, cols, title=reason)
        return
    res = run_drivers(d, data, target=target, method=method, engine=engine)
    title = f"R² = {res.r2:.3f} (n = {res.n}, {res.method})"
    table = res.table.assign(driver=res.table["driver"].map(lambda x: _dim(x, lang)))
    _out(res, table, as_json, csv_out, None, title=title)


def _dim(x: str, lang: str) -> str:
    from servgap.core.survey import dimension_label

    return dimension_label(x, lang)


@analyze.command("csi")
@_source_options
@click.option("--model", type=click.Choice(["ccsi", "acsi", "ecsi"]), default="ccsi",
              show_default=True, help="Satisfaction-index model.")  # fmt: skip
@click.option("--bootstrap", default=0, show_default=True, help="Bootstrap resamples for SEs.")
def csi_cmd(survey_code: str | None, file: Path | None, spec: Path | None, engine: str, as_json: bool,
            csv_out: Path | None, model: str, bootstrap: int) -> None:  # fmt: skip
    """Satisfaction index (CCSI/ACSI/ECSI) by PLS path modelling, with 0–100 indices."""
    from servgap.services.analysis import run_csi

    d, data = _load(survey_code, file, spec, engine, "csi")
    res = run_csi(d, data, model=model, bootstrap=bootstrap)
    idx = res.index if res.index is not None else pd.DataFrame()
    title = f"GoF = {res.gof:.3f}; R² " + ", ".join(f"{k} {v:.2f}" for k, v in res.r2.items())
    if len(idx):
        title += "\n" + ", ".join(
            f"{c} {v:.1f}" for c, v in zip(idx["construct"], idx["index"], strict=True)
        )
    _out(res, res.paths, as_json, csv_out, None, title=title)
