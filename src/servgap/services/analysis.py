"""Analyses on one survey's responses, shared by `servgap analyze`, the report and the web.

Input is a survey definition plus its canonical wide response table, either
from the store or from a file with a survey YAML spec (``servgap analyze ...
--file answers.csv --spec survey.yaml``). Each function maps the definition
onto the arguments of a :mod:`servgap.core` function; nothing is computed here.

Value specifications used by ANOVA, trends and drivers:
``msa:<dimension>``, ``mss:<dimension>``, ``perceived:<dimension>``,
``adequate:<dimension>``, ``desired:<dimension>`` (a respondent's mean over the
dimension's three-column items), ``gap:<dimension>`` (P − E or P − D as in
:func:`servgap.core.servqual.respondent_scores`), ``below:<dimension>`` (share
of the respondent's items below their zone), or a plain column such as ``nps``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from servgap.core.errors import InputError, SpecError
from servgap.core.survey import DIMENSIONS, SurveyDefinition, parse_survey
from servgap.services.surveys import read_definition_file
from servgap.services.tabular import open_table

PARTS = ("msa", "mss", "perceived", "adequate", "desired", "gap", "below")


def load_file(
    path: Path, spec: Path, *, max_bytes: int = 2 * 1024**3
) -> tuple[SurveyDefinition, pd.DataFrame]:
    """Read a response file and its survey YAML spec for direct analysis (no store)."""
    definition = parse_survey(read_definition_file(spec), source=str(spec))
    table = open_table(path, max_bytes=max_bytes)
    frames = [frame for _, frame in table.chunks()]
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=table.columns)
    numeric = {c for q in definition.questions if q.numeric for c in q.columns()}
    bad: list[str] = []
    for c in data.columns:
        if c in numeric:
            col = data[c].replace("", np.nan)
            conv = pd.to_numeric(col, errors="coerce")
            if (conv.isna() & col.notna()).any():
                bad.append(c)
            data[c] = conv
    if bad:
        raise InputError(
            f"{path.name}: non-numeric answers in column(s) {', '.join(bad)}. Fix the cells or "
            f"import the file with `servgap import` to get every bad row listed.",
            f"{path.name}：列 {'、'.join(bad)} 中有非数字答案。请修正，或用 `servgap import` 导入以列出每一处错误。",
        )
    return definition, data


def _dimension_items(d: SurveyDefinition, dimension: str) -> list[str]:
    codes = [
        q.code
        for q in d.by_type("servqual3")
        if q.dimension == dimension and q.direction == "higher_better"
    ]
    if not codes:
        have = sorted({q.dimension for q in d.by_type("servqual3") if q.dimension})
        raise SpecError(
            f"Survey `{d.code}` has no three-column items in dimension `{dimension}`. "
            f"Dimensions: {', '.join(have) or '(none)'}.",
            f"调查 `{d.code}` 在维度 `{dimension}` 下没有三栏式题目。现有维度：{'、'.join(have) or '（无）'}。",
        )
    return codes


def value_series(d: SurveyDefinition, data: pd.DataFrame, spec: str) -> pd.Series:
    """One number per respondent for a value specification (see module docstring)."""
    if ":" not in spec:
        if spec not in data.columns:
            raise SpecError(
                f"`{spec}` is neither a column of the data nor a value such as msa:reliability.",
                f"`{spec}` 既不是数据中的列，也不是 msa:reliability 这类取值。",
            )
        return pd.to_numeric(data[spec], errors="coerce").astype(float)
    part, dim = spec.split(":", 1)
    if part not in PARTS:
        raise SpecError(
            f"Unknown value `{part}` in `{spec}`; use one of {', '.join(PARTS)}.",
            f"`{spec}` 中的 `{part}` 无效；可用：{'、'.join(PARTS)}。",
        )
    if dim not in DIMENSIONS:
        raise SpecError(
            f"Unknown dimension `{dim}`; use one of {', '.join(DIMENSIONS)}.",
            f"未知维度 `{dim}`；可用：{'、'.join(DIMENSIONS)}。",
        )
    if part == "gap":
        from servgap.core.servqual import respondent_scores

        items = {k: v for k, v in d.servqual_items().items() if v["dimension"] == dim}
        _dimension_items(d, dim)
        return respondent_scores(data, items)[dim].rename(spec)
    codes = _dimension_items(d, dim)

    def col(c: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)

    values = []
    for code in codes:
        a, de, p = col(f"{code}_adequate"), col(f"{code}_desired"), col(f"{code}_perceived")
        ok = ~(de < a)  # inconsistent answers (desired < adequate) are excluded
        if part == "msa":
            v = p - a
        elif part == "mss":
            v = p - de
        elif part == "perceived":
            v = p
        elif part == "adequate":
            v = a
        elif part == "desired":
            v = de
        else:  # below
            v = np.where(np.isnan(p) | np.isnan(a), np.nan, (p < a).astype(float))
        values.append(np.where(ok, v, np.nan))
    stack = np.vstack(values)
    with np.errstate(invalid="ignore"):
        cnt = np.sum(~np.isnan(stack), axis=0)
        total = np.nansum(stack, axis=0)
        out = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
    return pd.Series(out, index=data.index, name=spec)


def require_columns(data: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise SpecError(
            f"{what} needs column(s) {', '.join(missing)}, which the data does not have.",
            f"{what}需要列 {'、'.join(missing)}，但数据中没有。",
        )


def single_question(d: SurveyDefinition, qtype: str, code: str | None) -> str:
    qs = d.by_type(qtype)
    if code is not None:
        return d.question(code).code
    if not qs:
        raise SpecError(
            f"Survey `{d.code}` has no {qtype} question.", f"调查 `{d.code}` 没有 {qtype} 题。"
        )
    return qs[0].code


def run_servqual(d: SurveyDefinition, data: pd.DataFrame, *, by: list[str] | None = None) -> Any:
    from servgap.core.servqual import servqual

    items = d.servqual_items()
    if not items:
        raise SpecError(
            f"Survey `{d.code}` has no SERVQUAL items.", f"调查 `{d.code}` 没有 SERVQUAL 题目。"
        )
    imp = d.by_type("importance")
    weights = None
    if imp and set(imp[0].options) <= set(DIMENSIONS):
        weights = {o: f"{imp[0].code}_{o}" for o in imp[0].options}
    if by:
        require_columns(data, by, "--by")
    return servqual(data, items, weights=weights, by=by or None)


def run_kano(d: SurveyDefinition, data: pd.DataFrame, *, by: list[str] | None = None) -> Any:
    from servgap.core.kano import kano

    features = d.kano_features()
    if not features:
        raise SpecError(
            f"Survey `{d.code}` has no Kano questions.", f"调查 `{d.code}` 没有 Kano 题。"
        )
    if by:
        require_columns(data, by, "--by")
    return kano(data, features, by=by or None)


def grouped(data: pd.DataFrame, by: list[str] | None) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    if not by:
        return [({}, data)]
    require_columns(data, by, "--by")
    out = []
    for key, grp in data.groupby(by, sort=True, dropna=True):
        keys = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(by, keys, strict=True)), grp))
    return out


def run_nps(
    d: SurveyDefinition,
    data: pd.DataFrame,
    *,
    question: str | None = None,
    by: list[str] | None = None,
) -> pd.DataFrame:
    from servgap.core.satisfaction import nps

    code = single_question(d, "nps", question)
    rows = []
    for keys, grp in grouped(data, by):
        r = nps(grp[code])
        rows.append({**keys, **{k: v for k, v in r.to_dict().items()}})
    return pd.DataFrame(rows)


def run_csat(
    d: SurveyDefinition, data: pd.DataFrame, *, question: str | None = None, by: list[str] | None = None,
    top_box: int = 2,
) -> pd.DataFrame:  # fmt: skip
    from servgap.core.satisfaction import csat

    code = single_question(d, "csat", question)
    q = d.question(code)
    assert q.scale is not None  # csat questions always get a scale from parse_survey
    scale = (int(q.scale[0]), int(q.scale[1]))
    rows = []
    for keys, grp in grouped(data, by):
        r = csat(grp[code], scale=scale, top_box=top_box).to_dict()
        r.pop("warnings", None)
        rows.append({**keys, **r})
    return pd.DataFrame(rows)


def run_anova(d: SurveyDefinition, data: pd.DataFrame, *, value: str, group: str) -> Any:
    from servgap.core.anova import anova

    require_columns(data, [group], "ANOVA")
    frame = pd.DataFrame({"value": value_series(d, data, value), group: data[group]})
    return anova(frame.rename(columns={"value": value}), value, group)


def run_trend(
    d: SurveyDefinition, data: pd.DataFrame, *, value: str, period: str = "period"
) -> Any:
    from servgap.core.trend import trend

    require_columns(data, [period], "The trend")
    if value in [q.code for q in d.by_type("nps")]:
        return trend(data, period=period, metric="nps", value=value)
    series = value_series(d, data, value)
    frame = pd.DataFrame({period: data[period], "value": series})
    metric = "share" if value.startswith("below:") else "mean"
    if metric == "share":
        # p-chart of the share of respondents with at least one item below their zone
        frame["value"] = (series > 0).astype(float).where(series.notna())
    return trend(frame, period=period, metric=metric, value="value")


def dimension_frame(
    d: SurveyDefinition, data: pd.DataFrame, part: str = "perceived"
) -> pd.DataFrame:
    """One column per SERVQUAL dimension: each respondent's mean ``part`` over its items."""
    dims = [x for x in DIMENSIONS if any(q.dimension == x for q in d.by_type("servqual3"))]
    return pd.DataFrame({x: value_series(d, data, f"{part}:{x}") for x in dims})


def default_target(d: SurveyDefinition) -> str:
    for code in ("overall", "csat", "nps"):
        if any(q.code == code for q in d.questions):
            return code
    for t in ("likert", "csat", "nps"):
        if d.by_type(t):
            return d.by_type(t)[0].code
    raise SpecError(
        f"Survey `{d.code}` has no overall satisfaction question to explain; pass --target.",
        f"调查 `{d.code}` 没有可作为目标的总体满意度题；请用 --target 指定。",
    )


def run_drivers(
    d: SurveyDefinition, data: pd.DataFrame, *, target: str | None = None, method: str = "lmg"
) -> Any:
    """Relative importance of the dimensions' perceived levels for a target question."""
    from servgap.core.drivers import relative_importance

    target = target or default_target(d)
    require_columns(data, [target], "Driver analysis")
    frame = dimension_frame(d, data)
    frame[target] = pd.to_numeric(data[target], errors="coerce")
    return relative_importance(frame, target, [c for c in frame.columns if c != target],
                               method=method)  # type: ignore[arg-type]  # fmt: skip


def run_ipa(d: SurveyDefinition, data: pd.DataFrame, *, target: str | None = None) -> Any:
    """Importance (relative weights on the target) vs performance, with the short board."""
    from servgap.core.drivers import importance_performance

    target = target or default_target(d)
    perf = dimension_frame(d, data, "perceived")
    adequate = dimension_frame(d, data, "adequate").mean()
    frame = perf.copy()
    frame[target] = pd.to_numeric(data[target], errors="coerce")
    scale = d.scale
    return importance_performance(
        perf.mean(),
        data=frame,
        target=target,
        method="relative_weights",
        adequate=adequate,
        crosshair="mean",
        scale=scale,
    )


CSI_PREFIXES: dict[str, tuple[str, ...]] = {
    # construct code -> question-code prefixes that measure it (convention, see docs)
    "brand_image": ("img",),
    "image": ("img",),
    "expected_quality": ("exp",),
    "expectation": ("exp",),
    "customer_expectations": ("exp",),
    "perceived_quality": ("qua",),
    "quality": ("qua",),
    "perceived_value": ("val",),
    "value": ("val",),
    "satisfaction": ("sat",),
    "loyalty": ("loy",),
    "complaint": ("cmp",),
    "complaints": ("cmp",),
}


def csi_indicators(d: SurveyDefinition, model: Any) -> dict[str, list[str]]:
    """Map a CSI model's constructs to the survey's Likert items by code prefix.

    Convention: img* brand image, exp* expected quality, qua* perceived quality,
    val* perceived value, sat* satisfaction, loy* loyalty, cmp* complaints
    (e.g. img1, img2, img3). Constructs without items are left out with their paths.
    """
    import re

    likert = [q.code for q in d.by_type("likert")]
    out: dict[str, list[str]] = {}
    for construct in model.codes:
        prefixes = CSI_PREFIXES.get(construct, ())
        cols = [c for c in likert if any(re.fullmatch(rf"{p}\d+", c) for p in prefixes)]
        if cols:
            out[construct] = cols
    if len(out) < 2:
        raise SpecError(
            f"Survey `{d.code}` has no Likert items named for the {model.code.upper()} constructs "
            "(img1.., exp1.., qua1.., val1.., sat1.., loy1..). Name the items that way or fit "
            "the model in Python with sg.csi_model(data, blocks, paths).",
            f"调查 `{d.code}` 没有按 {model.code.upper()} 潜变量命名的量表题（img1..、exp1..、qua1..、"
            "val1..、sat1..、loy1..）。请按此命名，或在 Python 中用 sg.csi_model 自行指定。",
        )
    return out


def run_csi(
    d: SurveyDefinition, data: pd.DataFrame, *, model: str = "ccsi", bootstrap: int = 0
) -> Any:
    from servgap.core.csi_models import MODELS

    if model not in MODELS:
        raise SpecError(
            f"Unknown model `{model}`; use one of {', '.join(MODELS)}.",
            f"未知模型 `{model}`；可用：{'、'.join(MODELS)}。",
        )
    spec = MODELS[model]
    indicators = csi_indicators(d, spec)
    ranges = {}
    for cols in indicators.values():
        for c in cols:
            q = d.question(c)
            if q.scale is not None:
                ranges[c] = q.scale
    cols = [c for v in indicators.values() for c in v]
    frame = data[cols].apply(pd.to_numeric, errors="coerce")
    return spec.fit(frame, indicators, bootstrap=bootstrap, scale_ranges=ranges)
