"""Survey definitions: parse, validate and describe the wide answer columns.

A survey definition is plain data (usually a YAML file, see
``servgap/data/templates``). :func:`parse_survey` validates it completely and
reports every problem at once; :class:`SurveyDefinition` then knows, for each
question, which columns of the canonical wide response table hold its answers
and which values are legal there.

Question types follow the instruments of service-quality research:
three-column SERVQUAL items (adequate, desired, perceived; Parasuraman,
Zeithaml & Berry 1994, *J. Retailing* 70(3)), Kano pairs (Berger et al. 1993),
NPS (Reichheld 2003), CSAT, constant-sum importance allocation (Zeithaml,
Parasuraman & Berry 1990), Likert items, choices, free text and profile
fields.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from servgap.core._result import ResultMixin
from servgap.core.errors import ProblemCollector, SpecError
from servgap.core.periods import PeriodScheme, parse_periods
from servgap.core.question_types import (
    KANO_PARTS,
    MAX_TEXT_CHARS,
    REGISTRY,
    SERVQUAL_PARTS,
    QuestionKind,
)
from servgap.core.requirements import CLARITY, LEVELS

__all__ = ["KANO_PARTS", "MAX_TEXT_CHARS", "SERVQUAL_PARTS", "question_types"]


def question_types() -> tuple[str, ...]:
    """The registered question type names (see :mod:`servgap.core.question_types`)."""
    return tuple(REGISTRY)


DIMENSIONS: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "tangibles": ("有形性", "Tangibles"),
    "reliability": ("可靠性", "Reliability"),
    "responsiveness": ("响应性", "Responsiveness"),
    "assurance": ("保证性", "Assurance"),
    "empathy": ("移情性", "Empathy"),
}


def dimension_label(dim: str, lang: str = "en") -> str:
    """The zh-CN or en name of a SERVQUAL dimension (the code itself if unknown)."""
    zh, en = DIMENSION_LABELS.get(dim, (dim, dim))
    return zh if lang == "zh" else en


#: labels of the built-in options (the sources of expectations), (zh, en)
OPTION_LABELS: dict[str, tuple[str, str]] = {
    "past_experience": ("自己过去的经历", "My own past experience"),
    "word_of_mouth": ("亲友口碑", "Word of mouth (family, friends)"),
    "social_media": ("社交媒体与网络评价", "Social media and online reviews"),
    "advertising": ("广告与企业宣传、承诺", "Advertising and the company's promises"),
    "competitors": ("其他快递公司/竞争对手的表现", "What competitors deliver"),
    # common choice factors of ranking questions
    "price": ("价格", "Price"),
    "speed": ("速度", "Speed"),
    "safety": ("安全（不丢不损）", "Safety (nothing lost or damaged)"),
    "service": ("服务态度", "Service attitude"),
    "coverage": ("网点覆盖", "Coverage"),
}


def option_label(option: str, lang: str = "en") -> str:
    """A choice's label: a built-in option's words, a dimension's name, else the code."""
    pair = OPTION_LABELS.get(option)
    if pair is not None:
        return pair[0] if lang == "zh" else pair[1]
    return dimension_label(option, lang)


LAYERS: tuple[str, ...] = ("core", "support", "promise", "interaction", "emotion")
AUDIENCES: tuple[str, ...] = ("customers", "management")
CHANNELS: tuple[str, ...] = ("web", "phone", "import", "audit")
META_COLUMNS: tuple[str, ...] = (
    "response_id",
    "submitted_at",
    "site",
    "channel",
    "customer",
    "period",
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SURVEY_CODE = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Question:
    code: str
    type: str
    text: Text
    dimension: str | None = None
    layer: str | None = None
    clarity: str | None = None  # explicit / implicit / fuzzy (core.requirements.CLARITY)
    level: str | None = None  # declared basic / enhanced / delight (core.requirements.LEVELS)
    attribute: str | None = None  # the attribute (item code) a competitor's rating is about
    competitor: str | None = None
    scale: tuple[float, float] | None = None
    unit: str | None = None
    direction: str = "higher_better"
    options: tuple[str, ...] = ()
    functional: Text | None = None
    dysfunctional: Text | None = None
    personal: bool = False

    @property
    def kind(self) -> QuestionKind:
        """The declaration of this question's type (columns, scale, how an answer is read)."""
        return REGISTRY[self.type]

    def columns(self) -> tuple[str, ...]:
        """Names of the wide-table columns that hold this question's answers."""
        parts = self.kind.parts(self)
        return tuple(f"{self.code}_{p}" for p in parts) if parts else (self.code,)

    @property
    def whole_numbers(self) -> bool:
        """Answers are whole numbers: rating scales and counts; quantities with a unit are not."""
        declared = self.kind.whole_numbers
        if declared is not None:
            return declared
        if not self.kind.numeric:
            return False
        return (
            self.unit is None
            and self.scale is not None
            and all(float(b).is_integer() for b in self.scale)
        )

    @property
    def numeric(self) -> bool:
        return self.kind.numeric

    def read(self, part: str, value: object) -> object:
        """The value to store for one answer cell; CellError says what is wrong."""
        return self.kind.read(self, part, value)


@dataclass(frozen=True)
class SurveyDefinition(ResultMixin):
    code: str
    version: int
    title: Text
    questions: tuple[Question, ...]
    scale: tuple[float, float] = (1.0, 7.0)
    periods: PeriodScheme = field(default_factory=PeriodScheme)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # customers answer for themselves; a management survey's three-column items are what
    # managers believe customers expect (SERVQUAL gap 1, core.provider_gaps)
    audience: str = "customers"

    def question(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise SpecError(
            f"Survey `{self.code}` has no question `{code}`. Questions: "
            + ", ".join(q.code for q in self.questions),
            f"调查 `{self.code}` 中没有题目 `{code}`。现有题目："
            + "、".join(q.code for q in self.questions),
        )

    def answer_columns(self) -> tuple[str, ...]:
        return tuple(c for q in self.questions for c in q.columns())

    def column_owner(self) -> dict[str, tuple[Question, str]]:
        """Map each answer column to (question, part) where part is '' for one-column types."""
        out: dict[str, tuple[Question, str]] = {}
        for q in self.questions:
            cols = q.columns()
            if cols == (q.code,):
                out[q.code] = (q, "")
            else:
                prefix = len(q.code) + 1
                for c in cols:
                    out[c] = (q, c[prefix:])
        return out

    def by_type(self, *types: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type in types)

    def servqual_items(self) -> dict[str, dict[str, str]]:
        """The ``items`` mapping expected by :func:`servgap.core.servqual.servqual`."""
        items: dict[str, dict[str, str]] = {}
        for q in self.by_type("servqual3"):
            items[q.code] = {
                "dimension": q.dimension or "other",
                "adequate": f"{q.code}_adequate",
                "desired": f"{q.code}_desired",
                "perceived": f"{q.code}_perceived",
                "direction": q.direction,
            }
        return items

    def kano_features(self) -> dict[str, tuple[str, str]]:
        return {
            q.code: (f"{q.code}_functional", f"{q.code}_dysfunctional")
            for q in self.by_type("kano")
        }

    def checksum(self) -> str:
        return definition_checksum(self.raw)


def definition_checksum(raw: Mapping[str, Any]) -> str:
    body = {k: v for k, v in raw.items() if k != "version"}
    blob = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _text(
    value: Any,
    where: str,
    pc: ProblemCollector,
    *,
    required: bool = True,
    source: str | None = None,
) -> Text | None:
    if value is None:
        if required:
            pc.add(
                "needs a `text` with `zh` and `en` entries.",
                "缺少包含 `zh` 和 `en` 的 `text`。",
                file=source,
                column=where,
            )
        return None
    if isinstance(value, str):
        return Text(value, value)
    if isinstance(value, Mapping):
        zh, en = value.get("zh"), value.get("en")
        if not isinstance(zh, str) or not isinstance(en, str) or not zh.strip() or not en.strip():
            pc.add(
                "text must give both `zh` and `en` as non-empty strings.",
                "文字必须同时给出非空的 `zh` 和 `en`。",
                file=source,
                column=where,
                value=dict(value),
            )
            return None
        return Text(zh, en)
    pc.add(
        "text must be a mapping with `zh` and `en`.",
        "文字必须是包含 `zh` 和 `en` 的映射。",
        column=where,
        value=value,
    )
    return None


def _scale(value: Any, where: str, pc: ProblemCollector) -> tuple[float, float] | None:
    if value is None:
        return None
    lo: Any
    hi: Any
    if isinstance(value, Mapping):
        lo, hi = value.get("min"), value.get("max")
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*-\s*-?\d+(\.\d+)?\s*", value):
        lo, hi = (float(x) for x in value.split("-", 1))
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        lo, hi = value
    else:
        lo = hi = None
    ok = (
        isinstance(lo, int | float)
        and isinstance(hi, int | float)
        and not isinstance(lo, bool)
        and math.isfinite(lo)
        and math.isfinite(hi)
        and lo < hi
    )
    if not ok:
        pc.add(
            "scale must be `{min: 1, max: 7}` with min < max.",
            "量表应写作 `{min: 1, max: 7}`，且 min < max。",
            column=where,
            value=value,
        )
        return None
    return (float(lo), float(hi))


def parse_survey(raw: Mapping[str, Any], *, source: str | None = None) -> SurveyDefinition:
    """Validate a survey definition and return it; raise SpecError listing every problem."""
    pc = ProblemCollector()
    if not isinstance(raw, Mapping):
        raise SpecError(
            f"{source or 'The survey definition'} must be a YAML mapping with `code`, `title` and "
            "`questions`.",
            f"{source or '调查定义'} 必须是包含 `code`、`title` 和 `questions` 的 YAML 映射。",
        )
    code = raw.get("code")
    if not isinstance(code, str) or not _SURVEY_CODE.match(code):
        pc.add(
            "`code` must be lower-case letters, digits and _ (e.g. `servqual22`).",
            "`code` 只能由小写字母、数字和下划线组成（如 `servqual22`）。",
            file=source,
            column="code",
            value=code,
        )
    version = raw.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        pc.add(
            "`version` must be a positive integer.",
            "`version` 必须是正整数。",
            file=source,
            column="version",
            value=version,
        )
        version = 1
    title = _text(raw.get("title"), "title", pc, source=source)
    periods = parse_periods(raw.get("periods"), pc, source=source)
    default_scale = _scale(raw.get("scale"), "scale", pc) or (1.0, 7.0)
    qs = raw.get("questions")
    questions: list[Question] = []
    if not isinstance(qs, Sequence) or isinstance(qs, str) or not qs:
        pc.add(
            "`questions` must be a non-empty list.",
            "`questions` 必须是非空列表。",
            file=source,
            column="questions",
        )
        qs = []
    seen: set[str] = set()
    for i, q in enumerate(qs, start=1):
        where = f"questions[{i}]"
        if not isinstance(q, Mapping):
            pc.add("must be a mapping.", "必须是映射。", file=source, column=where, value=q)
            continue
        qcode = q.get("code")
        if not isinstance(qcode, str) or not _CODE.match(qcode):
            pc.add(
                "`code` must start with a letter and use only a-z, 0-9 and _.",
                "`code` 必须以字母开头，只含 a-z、0-9 和 _。",
                file=source,
                column=f"{where}.code",
                value=qcode,
            )
            continue
        where = f"questions[{i}] ({qcode})"
        if qcode in seen or qcode in META_COLUMNS:
            pc.add(
                "duplicate or reserved question code; give each question its own code.",
                "题目代码重复或为保留字；请给每道题不同的代码。",
                file=source,
                column=where,
                value=qcode,
            )
        seen.add(qcode)
        qtype = q.get("type")
        if qtype not in REGISTRY:
            pc.add(
                f"unknown type; use one of {', '.join(REGISTRY)}.",
                f"未知题型；可用：{'、'.join(REGISTRY)}。",
                file=source,
                column=f"{where}.type",
                value=qtype,
            )
            continue
        text = _text(q.get("text"), f"{where}.text", pc, source=source) or Text(qcode, qcode)
        dimension = q.get("dimension")
        if dimension is not None and dimension not in DIMENSIONS:
            pc.add(
                f"unknown SERVQUAL dimension; use one of {', '.join(DIMENSIONS)}.",
                f"未知的 SERVQUAL 维度；可用：{'、'.join(DIMENSIONS)}。",
                file=source,
                column=f"{where}.dimension",
                value=dimension,
            )
        kind = REGISTRY[str(qtype)]
        if kind.needs_dimension and dimension is None:
            pc.add(
                "a three-column SERVQUAL item needs a `dimension`.",
                "三栏式 SERVQUAL 题目必须标注 `dimension`。",
                file=source,
                column=where,
            )
        layer = q.get("layer")
        if layer is not None and layer not in LAYERS:
            pc.add(
                f"unknown layer; use one of {', '.join(LAYERS)}.",
                f"未知层次；可用：{'、'.join(LAYERS)}。",
                file=source,
                column=f"{where}.layer",
                value=layer,
            )
        declared: dict[str, str | None] = {}
        for key, allowed, zh_name in (
            ("clarity", CLARITY, "期望的明确程度"),
            ("level", LEVELS, "要求层次"),
        ):
            value = q.get(key)
            declared[key] = str(value) if value is not None else None
            if value is not None and value not in allowed:
                pc.add(
                    f"unknown {key}; use one of {', '.join(allowed)}.",
                    f"未知的{zh_name}；可用：{'、'.join(allowed)}。",
                    file=source,
                    column=f"{where}.{key}",
                    value=value,
                )
                declared[key] = None
        scale = _scale(q.get("scale"), f"{where}.scale", pc)
        if kind.fixed_scale is not None:
            scale = kind.fixed_scale
        elif kind.numeric:
            scale = scale or kind.default_scale or default_scale
        direction = q.get("direction", "higher_better")
        if direction not in ("higher_better", "lower_better"):
            pc.add(
                "`direction` must be higher_better or lower_better.",
                "`direction` 必须是 higher_better 或 lower_better。",
                file=source,
                column=f"{where}.direction",
                value=direction,
            )
            direction = "higher_better"
        options_raw = q.get("options", ())
        options: tuple[str, ...] = ()
        if options_raw:
            if not isinstance(options_raw, Sequence) or isinstance(options_raw, str):
                pc.add(
                    "`options` must be a list.",
                    "`options` 必须是列表。",
                    file=source,
                    column=f"{where}.options",
                    value=options_raw,
                )
            else:
                options = tuple(str(o) for o in options_raw)
                if len(set(options)) != len(options):
                    pc.add(
                        "`options` has duplicates.",
                        "`options` 有重复项。",
                        file=source,
                        column=f"{where}.options",
                        value=list(options),
                    )
        if not options and kind.default_options:
            options = kind.default_options
        if kind.needs_options and not options:
            pc.add(
                f"a `{qtype}` question needs `options`.",
                f"`{qtype}` 题必须给出 `options`。",
                file=source,
                column=where,
            )
        if kind.options_are_columns:
            for o in options:
                if not re.fullmatch(r"[A-Za-z0-9_\-]+", o):
                    pc.add(
                        "options of importance/multiple/sources questions become column names: "
                        "use letters, digits and _ only.",
                        "权重分配题、多选题和期望来源题的选项会成为列名：只能用字母、数字和 _。",
                        file=source,
                        column=f"{where}.options",
                        value=o,
                    )
        functional = dysfunctional = None
        if qtype == "kano":
            functional = _text(
                q.get("functional"), f"{where}.functional", pc, required=False, source=source
            )
            dysfunctional = _text(
                q.get("dysfunctional"), f"{where}.dysfunctional", pc, required=False, source=source
            )
        unit = q.get("unit")
        questions.append(
            Question(
                code=qcode,
                type=str(qtype),
                text=text,
                dimension=dimension if isinstance(dimension, str) else None,
                layer=layer if isinstance(layer, str) else None,
                clarity=declared["clarity"],
                level=declared["level"],
                attribute=str(q["attribute"]) if q.get("attribute") else None,
                competitor=str(q["competitor"]) if q.get("competitor") else None,
                scale=scale,
                unit=str(unit) if unit else None,
                direction=str(direction),
                options=options,
                functional=functional,
                dysfunctional=dysfunctional,
                personal=bool(q.get("personal", False)),
            )
        )
    # answer columns must be unique across questions (e.g. `a_b` + `a` with option `b`)
    cols: dict[str, str] = {}
    for q in questions:
        for c in q.columns():
            if c in cols:
                pc.add(
                    f"answer column `{c}` is produced by both `{cols[c]}` and `{q.code}`; "
                    "rename one question.",
                    f"答案列 `{c}` 同时由 `{cols[c]}` 和 `{q.code}` 产生；请重命名其中一道题。",
                    file=source,
                    column=q.code,
                )
            cols[c] = q.code
    codes = {q.code for q in questions}
    for i, q in enumerate(questions, start=1):
        if q.competitor is not None and q.attribute is not None and q.attribute not in codes:
            pc.add(
                f"`attribute` names no question of this survey; give the code of the item whose "
                f"own rating `{q.code}` compares with {q.competitor}.",
                f"`attribute` 不是本调查的题目；请填写与 `{q.code}`（{q.competitor}）对比的本企业题目代码。",
                file=source,
                column=f"questions[{i}].attribute",
                value=q.attribute,
            )
    audience = raw.get("audience", "customers")
    if audience not in AUDIENCES:
        pc.add(
            f"`audience` must be one of {', '.join(AUDIENCES)}.",
            f"`audience` 必须是 {'、'.join(AUDIENCES)} 之一。",
            file=source,
            column="audience",
            value=audience,
        )
        audience = "customers"
    pc.raise_if_any(
        SpecError,
        f"The survey definition{' ' + source if source else ''} has {len(pc)} problem(s):",
        f"调查定义{' ' + source if source else ''}有 {len(pc)} 处问题：",
    )
    assert isinstance(code, str) and title is not None  # guaranteed by the checks above
    return SurveyDefinition(
        code=code,
        version=int(version),
        title=title,
        questions=tuple(questions),
        scale=default_scale,
        periods=periods,
        raw=dict(raw),
        audience=str(audience),
    )
