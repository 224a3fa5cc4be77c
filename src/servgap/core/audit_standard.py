"""Mystery-shopper audit standards: a weighted indicator tree, and the weighted visit score.

A standard (YAML) has sections, each with a weight and indicators; each
indicator has a weight within its section, a scale, and optionally the code of
the survey item it checks (``item: rel1``), so that audit score, customers'
perception and their expectations line up per attribute::

    code: outlet
    title: {zh: 网点服务标准, en: Outlet service standard}
    scale: {min: 0, max: 5}              # default scale of indicators
    sections:
      - code: environment
        title: {zh: 环境, en: Environment}
        weight: 30
        indicators:
          - {code: clean, title: {zh: 整洁, en: Clean}, weight: 2, item: tan1}
          - {code: signage, title: {zh: 标识清楚, en: Clear signs}, weight: 1,
             scale: {min: 0, max: 1}}

Weights are relative (normalised to 1 within the standard and within each
section). The weighted score of a visit is

    S = 100 · Σ_s w_s Σ_i w_i (x_i − min_i) / (max_i − min_i)

over the indicators scored at the visit, with weights renormalised over the
indicators present (an indicator marked not applicable does not count as 0).
This is the additive weighted-sum model of multi-attribute evaluation
(Keeney, R. L. & Raiffa, H. 1976, *Decisions with Multiple Objectives*,
Wiley, ch. 3), applied to a weighted mystery-shopping checklist.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from servgap.core._result import ResultMixin
from servgap.core.errors import ProblemCollector, SpecError
from servgap.core.survey import Text, _scale, _text, definition_checksum

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Indicator:
    code: str
    section: str
    title: Text
    weight: float  # effective weight in the standard: section weight × weight in section
    scale: tuple[float, float]
    item: str | None = None


@dataclass(frozen=True)
class AuditStandard(ResultMixin):
    code: str
    version: int
    title: Text
    indicators: tuple[Indicator, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def checksum(self) -> str:
        return definition_checksum(self.raw)


def _weight(value: Any, where: str, pc: ProblemCollector, source: str | None) -> float:
    if value is None:
        return 1.0
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        pc.add("`weight` must be a positive number.", "`weight` 必须是正数。", file=source,
               column=where, value=value)  # fmt: skip
        return 1.0
    return float(value)


def parse_standard(raw: Mapping[str, Any], *, source: str | None = None) -> AuditStandard:
    """Validate an audit standard and return it; SpecError lists every problem."""
    pc = ProblemCollector()
    if not isinstance(raw, Mapping):
        raise SpecError(
            f"{source or 'The audit standard'} must be a YAML mapping with `code`, `title` and "
            "`sections`.",
            f"{source or '检查标准'} 必须是包含 `code`、`title` 和 `sections` 的 YAML 映射。",
        )
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        pc.add("`code` must be lower-case letters, digits and _.", "`code` 只能由小写字母、数字和下划线组成。",
               file=source, column="code", value=code)  # fmt: skip
    version = raw.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        pc.add("`version` must be a positive integer.", "`version` 必须是正整数。", file=source,
               column="version", value=version)  # fmt: skip
        version = 1
    title = _text(raw.get("title"), "title", pc, source=source)
    default_scale = _scale(raw.get("scale"), "scale", pc) or (0.0, 5.0)
    sections = raw.get("sections")
    if not isinstance(sections, Sequence) or isinstance(sections, str) or not sections:
        pc.add("`sections` must be a non-empty list.", "`sections` 必须是非空列表。", file=source,
               column="sections")  # fmt: skip
        sections = []
    found: list[tuple[str, str, Text, float, float, tuple[float, float], str | None]] = []
    seen: set[str] = set()
    sec_codes: set[str] = set()
    for si, sec in enumerate(sections, start=1):
        where = f"sections[{si}]"
        if not isinstance(sec, Mapping):
            pc.add("must be a mapping.", "必须是映射。", file=source, column=where, value=sec)
            continue
        scode = sec.get("code")
        if not isinstance(scode, str) or not _CODE.match(scode) or scode in sec_codes:
            pc.add("`code` must be a unique lower-case code.", "`code` 必须是唯一的小写代码。",
                   file=source, column=f"{where}.code", value=scode)  # fmt: skip
            continue
        sec_codes.add(scode)
        sw = _weight(sec.get("weight"), f"{where}.weight", pc, source)
        sec_scale = _scale(sec.get("scale"), f"{where}.scale", pc) or default_scale
        inds = sec.get("indicators")
        if not isinstance(inds, Sequence) or isinstance(inds, str) or not inds:
            pc.add("`indicators` must be a non-empty list.", "`indicators` 必须是非空列表。",
                   file=source, column=f"{where}.indicators")  # fmt: skip
            continue
        for ii, ind in enumerate(inds, start=1):
            iw = f"{where}.indicators[{ii}]"
            if not isinstance(ind, Mapping):
                pc.add("must be a mapping.", "必须是映射。", file=source, column=iw, value=ind)
                continue
            icode = ind.get("code")
            if not isinstance(icode, str) or not _CODE.match(icode) or icode in seen:
                pc.add("`code` must be a lower-case code unique in the standard (it names the "
                       "visit file's column).", "`code` 必须是标准内唯一的小写代码（即检查文件的列名）。",
                       file=source, column=f"{iw}.code", value=icode)  # fmt: skip
                continue
            seen.add(icode)
            item = ind.get("item")
            if item is not None and (not isinstance(item, str) or not _CODE.match(item)):
                pc.add("`item` must be the code of a survey question.", "`item` 必须是调查题目的代码。",
                       file=source, column=f"{iw}.item", value=item)  # fmt: skip
                item = None
            found.append((
                icode, scode,
                _text(ind.get("title"), f"{iw}.title", pc, source=source) or Text(icode, icode),
                sw, _weight(ind.get("weight"), f"{iw}.weight", pc, source),
                _scale(ind.get("scale"), f"{iw}.scale", pc) or sec_scale, item,
            ))  # fmt: skip
    pc.raise_if_any(
        SpecError,
        f"The audit standard{' ' + source if source else ''} has {len(pc)} problem(s):",
        f"检查标准{' ' + source if source else ''}有 {len(pc)} 处问题：",
    )
    assert isinstance(code, str) and title is not None  # checked above
    total_sw = sum({s: w for _, s, _, w, _, _, _ in found}.values())
    within: dict[str, float] = {}
    for _, s, _, _, w, _, _ in found:
        within[s] = within.get(s, 0.0) + w
    indicators = tuple(
        Indicator(c, s, t, (sw / total_sw) * (w / within[s]), sc, item)
        for c, s, t, sw, w, sc, item in found
    )
    return AuditStandard(code, int(version), title, indicators, raw=dict(raw))


def weighted_scores(standard: AuditStandard, scores: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Weighted 0–100 score per visit; ``scores`` is visits × indicators, NaN = not scored.

    Weights are renormalised over the indicators scored at each visit; a visit
    with no indicator scored gives NaN.
    """
    x = np.asarray(scores, dtype=np.float64)
    lo = np.array([i.scale[0] for i in standard.indicators])
    hi = np.array([i.scale[1] for i in standard.indicators])
    w = np.array([i.weight for i in standard.indicators])
    present = ~np.isnan(x)
    norm = np.where(present, (x - lo) / (hi - lo), 0.0)
    wsum = (present * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(wsum > 0, 100.0 * (norm * w).sum(axis=1) / wsum, np.nan)
