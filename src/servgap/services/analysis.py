"""Analyses on one survey's responses, shared by `servgap analyze`, the report and the web.

Input is a survey definition plus its canonical wide response table, either
from the store or from a file with a survey YAML spec (``servgap analyze ...
--file answers.csv --spec survey.yaml``). Each function maps the definition
onto the arguments of a :mod:`servgap.core` function; nothing is computed here.

Value specifications used by ANOVA, trends and drivers:
``msa:<dimension>``, ``mss:<dimension>``, ``perceived:<dimension>``,
``adequate:<dimension>``, ``desired:<dimension>`` (a respondent's mean over the
dimension's three-column rating items), ``gap:<dimension>`` (P − E or P − D as in
:func:`servgap.core.servqual.respondent_scores`), ``below:<dimension>`` (share
of the respondent's items below their zone), the same parts of one three-column
item (``msa:wait``, ``adequate:wait``: in the item's own unit), or a plain column
such as ``nps``.

One rule for what enters a dimension score everywhere (``analyze``, trends, the
report): :func:`servgap.core.servqual_stats.is_rating_item`. An item with a ``unit``
(minutes) or ``direction: lower_better`` is never averaged with rating items; it
is reported on its own. One rule for importance weights: :func:`importance_weights`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from servgap.core.errors import (
    InputError,
    InsufficientDataError,
    NotFoundError,
    SpecError,
    UsageError,
)
from servgap.core.parse import CellError
from servgap.core.periods import PeriodScheme
from servgap.core.servqual import ServqualResult
from servgap.core.servqual_stats import is_rating_item
from servgap.core.survey import DIMENSIONS, Question, SurveyDefinition, parse_survey
from servgap.services.surveys import read_definition_file
from servgap.services.tabular import open_table

if TYPE_CHECKING:
    from servgap.core.anova import AnovaResult
    from servgap.core.anova_table import AnovaTable
    from servgap.core.csi import CsiResult
    from servgap.core.csi_models import CsiModelSpec
    from servgap.core.drivers import IpaResult, RelativeImportanceResult
    from servgap.core.kano import KanoResult
    from servgap.core.trend import TrendResult
    from servgap.services.context import Store

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


# ------------------------------------------------------------------ one rule, every face


def is_rating(q: Question) -> bool:
    """Whether a three-column question enters its dimension's score (the core's one rule)."""
    return is_rating_item(direction=q.direction, unit=q.unit)


def servqual_items(d: SurveyDefinition) -> dict[str, dict[str, str]]:
    """The survey's three-column items for :func:`servgap.core.servqual.servqual`, with units."""
    items = d.servqual_items()
    for q in d.by_type("servqual3"):
        if q.unit:
            items[q.code]["unit"] = q.unit
    return items


def rating_dimensions(d: SurveyDefinition) -> list[str]:
    """Dimensions that have rating items: the five of SERVQUAL in their canonical order, then
    a survey's own (``timeliness`` ...; ``other`` for items without one) as they appear."""
    have: list[str] = []
    for q in d.by_type("servqual3"):
        dim = q.dimension or "other"
        if is_rating(q) and dim not in have:
            have.append(dim)
    return [x for x in DIMENSIONS if x in have] + [x for x in have if x not in DIMENSIONS]


def separate_items(d: SurveyDefinition) -> list[Question]:
    """Three-column items on another unit or direction: reported on their own."""
    return [q for q in d.by_type("servqual3") if not is_rating(q)]


_UNIT_LABELS: dict[str, tuple[str, str]] = {
    "minutes": ("分钟", "minutes"),
    "minute": ("分钟", "minutes"),
    "min": ("分钟", "minutes"),
    "seconds": ("秒", "seconds"),
    "second": ("秒", "seconds"),
    "s": ("秒", "seconds"),
    "hours": ("小时", "hours"),
    "hour": ("小时", "hours"),
    "h": ("小时", "hours"),
    "days": ("天", "days"),
    "day": ("天", "days"),
}


def unit_label(unit: str | None, lang: str = "en") -> str:
    """A unit in the reader's language (``minutes`` -> ``分钟``); other units as written."""
    if not unit:
        return ""
    zh, en = _UNIT_LABELS.get(unit.strip().lower(), (unit, unit))
    return zh if lang == "zh" else en


def importance_weights(d: SurveyDefinition) -> dict[str, str] | None:
    """The one rule for importance weights (``analyze servqual``, the report, the web).

    The first importance question whose options are exactly the survey's rating
    dimensions gives each respondent's weights (Zeithaml, Parasuraman & Berry
    1990: 100 points shared over the dimensions). Any other importance question
    (other options, or a dimension missing) is not a set of SERVQUAL weights:
    the weighted score is then not computed.
    """
    dims = set(rating_dimensions(d))
    for q in d.by_type("importance"):
        if dims and set(q.options) == dims:
            return {o: f"{q.code}_{o}" for o in q.options}
    return None


# ------------------------------------------------------------------ which survey, which rows


def choose_survey(store: Store, *, workspace: str, survey: str | None) -> str:
    """The survey to analyse: ``survey`` if given, else the workspace's only survey.

    The one rule for every face (``analyze``, ``report``, the web): with no
    survey named, a workspace holding exactly one customer survey means that one (a
    management survey, ``audience: management``, beside it is not counted); none or
    several is an error that lists them.
    """
    from servgap.services.context import get_workspace
    from servgap.services.surveys import definition_of, latest_version, list_surveys

    with store.session() as s:
        ws = get_workspace(s, workspace)
        if survey is not None:
            return latest_version(s, ws, survey).survey.code
        surveys = list_surveys(s, ws)
        if len(surveys) > 1:  # a management survey is never the default: customers' is
            surveys = [
                x
                for x in surveys
                if definition_of(latest_version(s, ws, str(x["survey"]))).audience != "management"
            ] or surveys
    if len(surveys) == 1:
        return str(surveys[0]["survey"])
    codes = [str(x["survey"]) for x in surveys]
    if not codes:
        raise NotFoundError(
            f"Workspace `{workspace}` has no survey yet: load one (survey definition YAML) "
            "and import its responses first.",
            f"工作区 `{workspace}` 还没有调查：请先加载调查定义（YAML）并导入答卷。",
        )
    raise UsageError(
        f"Workspace `{workspace}` has {len(codes)} surveys; say which one with `survey`: "
        f"{', '.join(codes)}.",
        f"工作区 `{workspace}` 有 {len(codes)} 个调查；请用 `survey` 指定其中一个：{'、'.join(codes)}。",
        fields=("survey",),
    )


def load_survey(
    store: Store, *, workspace: str, survey: str | None
) -> tuple[SurveyDefinition, pd.DataFrame]:
    """The chosen survey's definition and responses (see :func:`choose_survey`)."""
    from servgap.services.responses import load_responses

    code = choose_survey(store, workspace=workspace, survey=survey)
    return load_responses(store, workspace=workspace, survey=code)


def period_label(d: SurveyDefinition | PeriodScheme, period: str, *, field: str = "period") -> str:
    """``period`` written the survey's way (``2026-q3`` -> ``2026Q3``), or an error saying why.

    ``d`` is the survey (or a period scheme: quarters when there is no survey); ``field``
    names the input that held it (``period``, ``compare``) in the message.
    """
    scheme = d.periods if isinstance(d, SurveyDefinition) else d
    try:
        return scheme.normalise(str(period))
    except CellError:
        if scheme.scheme == "quarter":
            en, zh = "quarters written like 2026Q3", "季度，写作 2026Q3 这样"
        elif scheme.scheme == "month":
            en, zh = "months written like 2026-07", "月份，写作 2026-07 这样"
        else:
            names = [w.name for w in scheme.waves]
            en, zh = f"the waves {', '.join(names)}", f"波次 {'、'.join(names)}"
        raise UsageError(
            f"`{field}` {period!r} is not a period: this survey's periods are {en}.",
            f"`{field}` {period!r} 不是有效期间：本调查的期间为{zh}。",
            fields=(field,),
        ) from None


def period_order(d: SurveyDefinition, labels: list[str]) -> list[str]:
    """Period labels in time order (waves in their declared order, others sorted)."""
    if d.periods.scheme == "waves":
        rank = {w.name: i for i, w in enumerate(d.periods.waves)}
        return sorted(labels, key=lambda x: (rank.get(x, len(rank)), x))
    return sorted(labels)


def select_period(
    d: SurveyDefinition, data: pd.DataFrame, period: str, *, through: bool = False
) -> pd.DataFrame:
    """Responses of one period (``through=True``: that period and every earlier one)."""
    label = period_label(d, period)
    have = period_order(d, [str(x) for x in data["period"].dropna().unique()])
    if label not in have:
        raise InsufficientDataError(
            f"Survey `{d.code}` has no responses for period {label}. Periods with responses: "
            f"{', '.join(have) or '(none)'}.",
            f"调查 `{d.code}` 在期间 {label} 没有答卷。有答卷的期间：{'、'.join(have) or '（无）'}。",
        )
    keep = have[: have.index(label) + 1] if through else [label]
    return data[data["period"].isin(keep)].reset_index(drop=True)


def _dimension_items(d: SurveyDefinition, dimension: str) -> list[str]:
    codes = [
        q.code
        for q in d.by_type("servqual3")
        if (q.dimension or "other") == dimension and is_rating(q)
    ]
    if not codes:
        have = rating_dimensions(d)
        raise SpecError(
            f"Survey `{d.code}` has no three-column rating items in dimension `{dimension}`. "
            f"Dimensions: {', '.join(have) or '(none)'}.",
            f"调查 `{d.code}` 在维度 `{dimension}` 下没有三栏式评分题。现有维度：{'、'.join(have) or '（无）'}。",
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
    three = {q.code: q for q in d.by_type("servqual3")}
    dims = [*DIMENSIONS, *(x for x in rating_dimensions(d) if x not in DIMENSIONS)]
    is_dim = dim in dims and dim not in three
    if not is_dim and dim not in three:
        raise SpecError(
            f"Unknown dimension or item `{dim}`; use one of {', '.join(dims)} or a "
            f"three-column item ({', '.join(three) or 'none in this survey'}).",
            f"未知维度或题目 `{dim}`；可用：{'、'.join(dims)}，或三栏式题目"
            f"（{'、'.join(three) or '本调查没有'}）。",
        )
    codes = _dimension_items(d, dim) if is_dim else [dim]  # rating items only: the one rule
    if part == "gap" and is_dim:
        from servgap.core.servqual import respondent_scores

        items = {k: v for k, v in servqual_items(d).items() if k in codes}
        return respondent_scores(data, items)[dim].rename(spec)
    if part == "gap":
        part = "mss"  # one three-column item: its gap is its MSS (P − D), as in the core

    def col(c: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)

    # the mean over the answered items, summed in item order (as np.nansum over the stacked
    # items would, without the stack's copies)
    total = np.zeros(len(data), dtype=np.float64)
    cnt = np.zeros(len(data), dtype=np.int64)
    for code in codes:
        a, de, p = col(f"{code}_adequate"), col(f"{code}_desired"), col(f"{code}_perceived")
        sign = -1.0 if three[code].direction == "lower_better" else 1.0
        ok = ~(sign * (de - a) < 0)  # inconsistent answers (zone width < 0) are excluded
        if part == "msa":
            v = sign * (p - a)
        elif part == "mss":
            v = sign * (p - de)
        elif part == "perceived":
            v = p
        elif part == "adequate":
            v = a
        elif part == "desired":
            v = de
        else:  # below
            v = np.where(np.isnan(p) | np.isnan(a), np.nan, (sign * (p - a) < 0).astype(float))
        use = ok & ~np.isnan(v)
        total += np.where(use, v, 0.0)
        cnt += use
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
    return pd.Series(out, index=data.index, name=spec)


_WHAT = {
    "by": ("The segments (`by`)", "分组（`by`）"),
    "anova": ("ANOVA", "方差分析"),
    "trend": ("The trend", "趋势分析"),
    "drivers": ("Driver analysis", "驱动因素分析"),
}


def require_columns(data: pd.DataFrame, cols: list[str], what: str) -> None:
    """Raise naming the missing columns; ``what`` is a key of ``_WHAT`` (or free text)."""
    missing = [c for c in cols if c not in data.columns]
    if missing:
        en, zh = _WHAT.get(what, (what, what))
        have = ", ".join(str(c) for c in data.columns if not str(c).startswith("_"))
        raise SpecError(
            f"{en} needs column(s) {', '.join(missing)}, which the data does not have. "
            f"Columns: {have}.",
            f"{zh}需要列 {'、'.join(missing)}，但数据中没有。现有列：{have}。",
            fields=("by",) if what == "by" else (),
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


def run_servqual(
    d: SurveyDefinition, data: pd.DataFrame | Any, *, by: list[str] | None = None,
    engine: str = "memory",
) -> ServqualResult:  # fmt: skip
    """SERVQUAL, MSA/MSS and the zone of tolerance with the one item rule and weight rule.

    ``engine`` other than memory: ``data`` is that engine's source
    (:mod:`servgap.services.analysis_engines`), and so for every ``run_*`` below.
    """
    from servgap.core.servqual import servqual

    items = servqual_items(d)
    if not items:
        raise SpecError(
            f"Survey `{d.code}` has no SERVQUAL items.", f"调查 `{d.code}` 没有 SERVQUAL 题目。"
        )
    weights = importance_weights(d)
    if engine != "memory":
        from servgap.services import analysis_engines as ae

        res = ae.servqual_on(d, engine, data, by=by)
    else:
        if by:
            require_columns(data, by, "by")
        res = servqual(data, items, weights=weights, by=by or None)
    return with_weight_note(d, res)


def with_weight_note(d: SurveyDefinition, res: ServqualResult) -> ServqualResult:
    """``res`` with the warning that the survey's importance question does not share its
    points over the rating dimensions (so there is no weighted score), when it does not."""
    imp = d.by_type("importance")
    if importance_weights(d) is None and imp:
        note = (
            f"importance question {imp[0].code} shares its points over "
            f"{', '.join(imp[0].options)}, not over the rating dimensions "
            f"{', '.join(rating_dimensions(d))}: no weighted score"
        )
        res = dataclasses.replace(res, warnings=(*res.warnings, note))
    return res


def run_kano(
    d: SurveyDefinition, data: pd.DataFrame | Any, *, by: list[str] | None = None,
    engine: str = "memory",
) -> KanoResult:  # fmt: skip
    from servgap.core.kano import kano

    features = d.kano_features()
    if not features:
        raise SpecError(
            f"Survey `{d.code}` has no Kano questions.", f"调查 `{d.code}` 没有 Kano 题。"
        )
    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.kano_on(d, engine, data, by=by)
    if by:
        require_columns(data, by, "by")
    return kano(data, features, by=by or None)


def _engine_of(scores: Any, engine: str) -> str:
    """``engine`` for a column of its source; memory for answers already in Python."""
    from servgap.engines import Column

    return engine if isinstance(scores, Column) else "memory"


def grouped(data: pd.DataFrame, by: list[str] | None) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    if not by:
        return [({}, data)]
    require_columns(data, by, "by")
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
    engine: str = "memory",
) -> pd.DataFrame:
    from servgap.core.satisfaction import nps

    code = single_question(d, "nps", question)
    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.score_table(engine, data, code, by,
                                       lambda x: nps(x, engine=_engine_of(x, engine)))  # fmt: skip
    rows = []
    for keys, grp in grouped(data, by):
        r = nps(grp[code])
        rows.append({**keys, **{k: v for k, v in r.to_dict().items()}})
    return pd.DataFrame(rows)


def run_csat(
    d: SurveyDefinition, data: pd.DataFrame, *, question: str | None = None, by: list[str] | None = None,
    top_box: int = 2, engine: str = "memory",
) -> pd.DataFrame:  # fmt: skip
    from servgap.core.satisfaction import csat

    code = single_question(d, "csat", question)
    q = d.question(code)
    assert q.scale is not None  # csat questions always get a scale from parse_survey
    scale = (int(q.scale[0]), int(q.scale[1]))
    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.score_table(
            engine, data, code, by,
            lambda x: csat(x, scale=scale, top_box=top_box, engine=_engine_of(x, engine)),
        )  # fmt: skip
    rows = []
    for keys, grp in grouped(data, by):
        r = csat(grp[code], scale=scale, top_box=top_box).to_dict()
        r.pop("warnings", None)
        rows.append({**keys, **r})
    return pd.DataFrame(rows)


def run_anova(
    d: SurveyDefinition, data: pd.DataFrame | Any, *, value: str, group: str,
    engine: str = "memory",
) -> AnovaResult:  # fmt: skip
    from servgap.core.anova import anova

    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.anova_on(d, engine, data, value=value, group=group)
    require_columns(data, [group], "anova")
    frame = pd.DataFrame({"value": value_series(d, data, value), group: data[group]})
    return anova(frame.rename(columns={"value": value}), value, group)


def run_anova_table(
    d: SurveyDefinition, data: pd.DataFrame | Any, *, values: list[str], groups: list[str],
    engine: str = "memory",
) -> AnovaTable:  # fmt: skip
    """Every value specification × every group column (one-way ANOVA and friends)."""
    from servgap.core.anova_table import anova_table

    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.anova_table_on(d, engine, data, values=values, groups=groups)
    require_columns(data, groups, "anova")
    frame = pd.DataFrame({spec: value_series(d, data, spec) for spec in values})
    for g in groups:
        frame[g] = data[g]
    return anova_table(frame, values, groups)


def run_trend(
    d: SurveyDefinition,
    data: pd.DataFrame,
    *,
    value: str,
    period: str = "period",
    engine: str = "memory",
) -> TrendResult:
    from servgap.core.trend import trend

    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.trend_on(d, engine, data, value=value, period=period)
    require_columns(data, [period], "trend")
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
    dims = rating_dimensions(d)
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
    d: SurveyDefinition, data: pd.DataFrame | Any, *, target: str | None = None,
    method: str = "lmg", engine: str = "memory",
) -> RelativeImportanceResult:  # fmt: skip
    """Relative importance of the dimensions' perceived levels for a target question."""
    from servgap.core.drivers import relative_importance

    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.drivers_on(d, engine, data, target=target, method=method)
    target = target or default_target(d)
    require_columns(data, [target], "drivers")
    frame = dimension_frame(d, data)
    frame[target] = pd.to_numeric(data[target], errors="coerce")
    return relative_importance(frame, target, [c for c in frame.columns if c != target],
                               method=method)  # type: ignore[arg-type]  # fmt: skip


def run_ipa(
    d: SurveyDefinition, data: pd.DataFrame | Any, *, target: str | None = None,
    engine: str = "memory",
) -> IpaResult:  # fmt: skip
    """Importance (relative weights on the target) vs performance, with the short board."""
    from servgap.core.drivers import importance_performance

    if engine != "memory":
        from servgap.services import analysis_engines as ae

        return ae.ipa_on(d, engine, data, target=target)
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


def csi_indicators(d: SurveyDefinition, model: CsiModelSpec) -> dict[str, list[str]]:
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
) -> CsiResult:
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
