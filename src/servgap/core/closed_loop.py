"""The survey closed loop: whether a dissatisfied answer opens a complaint case, and with what
priority and summary (docs/domain.md §4). Split from :mod:`servgap.core.cases`, which keeps the
case vocabularies, the state machine and the event history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from servgap.core._result import ResultMixin
from servgap.core.errors import InputError


@dataclass(frozen=True)
class SurveyCaseDecision(ResultMixin):
    """Whether a survey response must open a case, and why.

    Attributes
    ----------
    open_case : True when at least one trigger fired.
    idempotency_key : ``f"survey:{response_id}"`` — the same response never
        opens two cases.
    priority : suggested priority ("high" for NPS ≤ 3 or a shortfall of ≥ 2
        scale points below adequate, else "normal"; None when no case).
    triggers : DataFrame ``item, adequate, perceived, msa`` of watched items
        below adequate, plus a row ``item="nps"`` when NPS ≤ 6 (``perceived`` =
        the NPS answer, ``adequate`` = 7, the lowest non-detractor answer).
    summary_en, summary_zh : one-sentence reasons.
    """

    open_case: bool
    idempotency_key: str
    priority: str | None
    triggers: pd.DataFrame
    summary_en: str
    summary_zh: str

    def to_frame(self) -> pd.DataFrame:
        return self.triggers.copy()


def _finite(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def case_from_survey_response(
    response_id: str | int,
    answers: Mapping[str, Mapping[str, Any]] | pd.DataFrame,
    *,
    watched_items: Iterable[str] | None = None,
    nps: int | None = None,
    item_col: str = "item",
    adequate_col: str = "adequate",
    perceived_col: str = "perceived",
    nps_threshold: int = 6,
) -> SurveyCaseDecision:
    """Decide whether a survey response opens a complaint case (closed loop).

    Parameters
    ----------
    response_id : the survey response's id; the idempotency key is
        ``f"survey:{response_id}"``.
    answers : either ``{item: {"adequate": a, "perceived": p, ...}}`` or a
        DataFrame with ``item_col``, ``adequate_col``, ``perceived_col``.
        Items with a missing adequate or perceived answer are skipped.
    watched_items : items that can trigger a case (default: all items).
    nps : the 0–10 likelihood-to-recommend answer, or None.
    nps_threshold : detractor cut-off (Reichheld 2003: 0–6 are detractors).

    Notes
    -----
    Trigger 1: MSA = perceived − adequate < 0 on a watched item (service below
    the respondent's own adequate level; PZB 1994). Trigger 2: NPS ≤ 6.
    """
    if isinstance(answers, pd.DataFrame):
        missing = [c for c in (item_col, adequate_col, perceived_col) if c not in answers]
        if missing:
            raise InputError(
                f"Survey answers lack column(s) {missing}; name them with item_col=, "
                "adequate_col=, perceived_col=.",
                f"问卷答案缺少列 {missing}；请用 item_col=、adequate_col=、perceived_col= 指定列名。",
            )
        items = {
            str(r[item_col]): {"adequate": r[adequate_col], "perceived": r[perceived_col]}
            for _, r in answers.iterrows()
        }
    else:
        items = {
            str(k): {"adequate": v.get(adequate_col), "perceived": v.get(perceived_col)}
            for k, v in answers.items()
        }
    watched = set(items) if watched_items is None else {str(w) for w in watched_items}
    unknown = sorted(watched - set(items))
    if watched_items is not None and unknown and len(unknown) == len(watched):
        raise InputError(
            f"None of the watched items {unknown} is in the answers.",
            f"监测题目 {unknown} 均不在答案中。",
        )
    if nps is not None and (not isinstance(nps, int) or not 0 <= nps <= 10):
        raise InputError(
            f"NPS answer must be an integer 0–10; got {nps!r}.",
            f"NPS 答案必须是 0–10 的整数；当前为 {nps!r}。",
        )
    rows: list[dict[str, Any]] = []
    for item in sorted(watched & set(items)):
        a = _finite(items[item]["adequate"])
        p = _finite(items[item]["perceived"])
        if a is None or p is None:
            continue
        if p < a:
            rows.append({"item": item, "adequate": a, "perceived": p, "msa": p - a})
    if nps is not None and nps <= nps_threshold:
        rows.append(
            {
                "item": "nps",
                "adequate": float(nps_threshold + 1),
                "perceived": float(nps),
                "msa": float(nps - nps_threshold - 1),
            }
        )
    triggers = pd.DataFrame(rows, columns=["item", "adequate", "perceived", "msa"])
    key = f"survey:{response_id}"
    if not rows:
        return SurveyCaseDecision(
            open_case=False,
            idempotency_key=key,
            priority=None,
            triggers=triggers,
            summary_en="No case: every watched item is at or above the adequate level"
            + ("" if nps is None else f" and NPS {nps} is not a detractor")
            + ".",
            summary_zh="无需立案：所有监测题目的感知均不低于合格期望"
            + ("" if nps is None else f"，NPS {nps} 不属于贬损者")
            + "。",
        )
    item_rows = [r for r in rows if r["item"] != "nps"]
    worst = min((r["msa"] for r in item_rows), default=0.0)
    high = (nps is not None and nps <= 3) or worst <= -2
    parts_en: list[str] = []
    parts_zh: list[str] = []
    if item_rows:
        desc = ", ".join(f"{r['item']} ({r['perceived']:g} < {r['adequate']:g})" for r in item_rows)
        parts_en.append(f"perceived below the customer's adequate level on {desc}")
        parts_zh.append(f"以下题目感知低于客户的合格期望：{desc}")
    if nps is not None and nps <= nps_threshold:
        parts_en.append(f"NPS answer {nps} is a detractor (0–{nps_threshold})")
        parts_zh.append(f"NPS 评分 {nps} 属于贬损者（0–{nps_threshold}）")
    return SurveyCaseDecision(
        open_case=True,
        idempotency_key=key,
        priority="high" if high else "normal",
        triggers=triggers,
        summary_en=f"Open a case for survey response {response_id}: " + "; ".join(parts_en) + ".",
        summary_zh=f"问卷 {response_id} 需立案跟进：" + "；".join(parts_zh) + "。",
    )
