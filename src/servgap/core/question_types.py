"""The question types of a survey: one declaration each, read by parsing, import, export and
the analyses.

A :class:`QuestionKind` says which answer columns a question of that type has,
which scale its answers lie on, whether they are whole numbers, whether it
needs ``options``, and how one answer cell is read (``read``: the value to
store, or :class:`~servgap.core.parse.CellError` saying what is wrong). To add
a question type, declare a ``QuestionKind`` and :func:`register` it (see
docs/architecture.md, "Adding a question type"); nothing else changes.

Sources of the instruments: three-column SERVQUAL (Parasuraman, Zeithaml &
Berry 1994, *J. Retailing* 70(3)), Kano pairs (Berger et al. 1993), NPS
(Reichheld 2003), constant-sum importance (Zeithaml, Parasuraman & Berry 1990).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servgap.core.kano import kano_answer_code
from servgap.core.parse import MAX_TEXT_CHARS as MAX_TEXT_CHARS  # the one text limit
from servgap.core.parse import CellError, parse_number, text_length_error

if TYPE_CHECKING:
    from servgap.core.survey import Question

SERVQUAL_PARTS: tuple[str, ...] = ("adequate", "desired", "perceived")
KANO_PARTS: tuple[str, ...] = ("functional", "dysfunctional")


def _clean(f: float) -> int | float:
    return int(f) if f.is_integer() else f


def read_number(q: Question, part: str, value: Any) -> int | float:
    """A number on the question's scale (whole numbers where the type says so)."""
    f = parse_number(value)
    scale = q.scale
    if f is None:
        rng = f" from {_clean(scale[0])} to {_clean(scale[1])}" if scale else ""
        rng_zh = f"（{_clean(scale[0])}–{_clean(scale[1])}）" if scale else ""
        raise CellError(f"is not a number; `{q.code}` takes numbers{rng}.",
                        f"不是数字；题目 `{q.code}` 需要数字{rng_zh}。")  # fmt: skip
    if scale is not None and not (scale[0] <= f <= scale[1]):
        lo, hi = _clean(scale[0]), _clean(scale[1])
        raise CellError(
            f"answer {_clean(f)} is outside the {lo}–{hi} scale of `{q.code}`. Fix the cell, or "
            "change the scale in the survey definition.",
            f"答案 {_clean(f)} 超出题目 `{q.code}` 的 {lo}–{hi} 量表。请修改该单元格，或修改调查定义中的量表。",
        )
    if q.whole_numbers and not f.is_integer():
        slo, shi = (str(_clean(scale[0])), str(_clean(scale[1]))) if scale else ("", "")
        raise CellError(
            f"`{q.code}` takes whole numbers only (its scale is {slo}–{shi}); {_clean(f)} is "
            "between two points of the scale. Fix the cell, or give the question a `unit` in "
            "the survey definition if it measures a quantity.",
            f"题目 `{q.code}` 只接受整数（量表 {slo}–{shi}）；{_clean(f)} 介于两个刻度之间。请修改该单元格；"
            "若该题测量的是数量，请在调查定义中为其声明 `unit`。",
        )
    return _clean(f)


def read_kano(q: Question, part: str, value: Any) -> int | float:
    if isinstance(value, str) and parse_number(value) is None:
        code = kano_answer_code(value)
        if code is None:
            raise CellError(
                "is not a Kano answer; use 1 like, 2 must-be, 3 neutral, 4 live-with, "
                "5 dislike (or 我喜欢/理所当然/无所谓/能忍受/我不喜欢).",
                "不是 Kano 答案；请用 1 喜欢、2 理所当然、3 无所谓、4 能忍受、5 不喜欢。",
            )
        return code
    return read_number(q, part, value)


def read_choice(q: Question, part: str, value: Any) -> str:
    f = parse_number(value) if not isinstance(value, str) else None
    s = (str(_clean(f)) if f is not None else str(value)).strip()
    if q.options and s not in q.options:
        raise CellError(f"is not one of the options of `{q.code}` ({', '.join(q.options)}).",
                        f"不是题目 `{q.code}` 的选项（{'、'.join(q.options)}）。")  # fmt: skip
    return s


def read_text(q: Question, part: str, value: Any) -> str:
    s = str(value)
    problem = text_length_error(s)  # the one limit of core.parse.MAX_TEXT_CHARS
    if problem is not None:
        raise problem
    return s


@dataclass(frozen=True)
class QuestionKind:
    """What a question type is; see the module docstring."""

    name: str
    parts: Callable[[Question], tuple[str, ...]]  # column suffixes; () = one column `<code>`
    read: Callable[[Question, str, Any], Any]
    numeric: bool = True
    fixed_scale: tuple[float, float] | None = None  # the type's own scale, whatever is declared
    default_scale: tuple[float, float] | None = None  # None: the survey's default scale
    whole_numbers: bool | None = None  # None: whole numbers unless the question has a `unit`
    needs_options: bool = False
    options_are_columns: bool = False  # options name columns (letters, digits, _)
    free_text: bool = False  # masked as free text in exports
    needs_dimension: bool = False
    # the importer may check a whole column at once with numpy instead of calling ``read`` per
    # cell: only for types whose ``read`` is :func:`read_number`'s scale-and-whole-number rule
    vectorised: bool = False
    default_options: tuple[str, ...] = ()  # options when the question declares none
    # a rule across one answer's parts (each part's value, None when blank): the problems as
    # CellErrors; the importer and every face apply it after reading the cells
    check_parts: Callable[[Question, dict[str, Any]], list[CellError]] | None = None


def _one(q: Question) -> tuple[str, ...]:
    return ()


def _options(q: Question) -> tuple[str, ...]:
    return q.options


#: where customers' expectations come from (Zeithaml, Berry & Parasuraman 1993): their own
#: past experience, word of mouth, social media, the company's advertising and promises,
#: and what competitors deliver
EXPECTATION_SOURCES: tuple[str, ...] = (
    "past_experience",
    "word_of_mouth",
    "social_media",
    "advertising",
    "competitors",
)
MAX_RANKS = 3


def _ranks(q: Question) -> tuple[str, ...]:
    """A ranking's columns: first, second, third choice (``<code>_1`` … at most three)."""
    return tuple(str(i) for i in range(1, min(MAX_RANKS, max(len(q.options), 1)) + 1))


def check_ranking(q: Question, parts: dict[str, Any]) -> list[CellError]:
    """One option per rank, no option twice, no later rank without the earlier ones."""
    problems: list[CellError] = []
    seen: dict[str, str] = {}
    gap = False
    for part in _ranks(q):
        value = parts.get(part)
        if value is None:
            gap = True
            continue
        if gap:
            problems.append(
                CellError(
                    f"choice {part} of `{q.code}` is given but an earlier choice is empty; rank "
                    "from the first choice on.",
                    f"题目 `{q.code}` 填了第 {part} 选择但前面的选择为空；请从第一选择开始排序。",
                )
            )
        if value in seen:
            problems.append(
                CellError(
                    f"`{value}` is ranked both {seen[value]} and {part} in `{q.code}`; each "
                    "option at most once.",
                    f"`{value}` 在题目 `{q.code}` 中同时排在第 {seen[value]} 和第 {part} 位；"
                    "每个选项最多出现一次。",
                )
            )
        seen.setdefault(str(value), part)
    return problems


REGISTRY: dict[str, QuestionKind] = {}


def register(kind: QuestionKind) -> QuestionKind:
    """Add a question type (replacing one of the same name)."""
    REGISTRY[kind.name] = kind
    return kind


def question_kind(name: str) -> QuestionKind:
    return REGISTRY[name]


for _kind in (
    QuestionKind("likert", _one, read_number, vectorised=True),
    QuestionKind("servqual3", lambda q: SERVQUAL_PARTS, read_number, vectorised=True, needs_dimension=True),
    QuestionKind("kano", lambda q: KANO_PARTS, read_kano, vectorised=True, fixed_scale=(1.0, 5.0),
                 whole_numbers=True),
    QuestionKind("nps", _one, read_number, vectorised=True, fixed_scale=(0.0, 10.0), whole_numbers=True),
    QuestionKind("csat", _one, read_number, vectorised=True, default_scale=(1.0, 5.0)),
    QuestionKind("importance", _options, read_number, vectorised=True, fixed_scale=(0.0, 100.0),
                 whole_numbers=False, needs_options=True, options_are_columns=True),
    QuestionKind("multiple", _options, read_number, vectorised=True, fixed_scale=(0.0, 1.0), whole_numbers=True,
                 needs_options=True, options_are_columns=True),
    QuestionKind("single", _one, read_choice, numeric=False, needs_options=True),
    QuestionKind("sources", _options, read_number, vectorised=True, fixed_scale=(0.0, 1.0), whole_numbers=True,
                 options_are_columns=True, default_options=EXPECTATION_SOURCES),
    QuestionKind("ranking", _ranks, read_choice, numeric=False, needs_options=True,
                 check_parts=check_ranking),
    QuestionKind("text", _one, read_text, numeric=False, free_text=True),
    QuestionKind("profile", _one, read_choice, numeric=False),
):  # fmt: skip
    register(_kind)
