"""Where expectations come from, what customers choose by, how competitors compare, and the
provider gaps of the gap model.

* **Sources of expectations** (``sources`` questions): Zeithaml, Berry & Parasuraman (1993,
  JAMS 21(1)) name past experience, word of mouth, explicit and implicit service promises
  (advertising) and competitors' offers as determinants of desired and adequate service.
  Per source: the share of customers who name it, and the mean adequate and desired level
  (a respondent's mean over the three-column rating items) of those who name it against
  those who do not, with Welch's t-test (Welch 1947) — which source raises expectations.
* **Choice factors** (``ranking`` questions): first, second and third choice per option;
  the Borda count (k points for a first choice down to 1 for the k-th; Borda 1781, as used
  in preference ranking) averaged over the respondents who ranked anything.
* **Competitors** (a rating with ``competitor:`` and ``attribute:``): the same respondents'
  rating of a competitor on an attribute against their perceived level of the company's own
  attribute, with the paired t-test (Student 1908) on the respondents who gave both.
* **Provider gaps** (Parasuraman, Zeithaml & Berry 1985, *J. of Marketing* 49(4)): gap 1
  (understanding: what managers believe customers expect − what customers expect, from a
  management survey whose three-column items carry the customer survey's item codes);
  gap 3 (delivery vs the service standard: the mystery-shopper audit's score on the
  attribute, as a share of the maximum); gap 4 (delivery vs external communications: the
  promise register); gap 5 (perceived − expected: MSA and MSS of the customer survey). Gap
  2 (standards that do not reflect managers' perception) needs the standard's targets per
  attribute and is not computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from servgap.core._result import ResultMixin
from servgap.core._stats import welch_p


def _mean(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def respondent_levels(data: pd.DataFrame, items: Sequence[str], part: str) -> np.ndarray:
    """Each respondent's mean ``part`` (adequate/desired/perceived) over ``items``."""
    cols = [f"{i}_{part}" for i in items if f"{i}_{part}" in data.columns]
    if not cols:
        return np.full(len(data), np.nan)
    arr = data[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        counts = np.isfinite(arr).sum(axis=1)
        sums = np.nansum(arr, axis=1)
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


@dataclass(frozen=True)
class SourceProfile(ResultMixin):
    """Per source of expectations: ``source, n, share, adequate_citing, adequate_others,
    adequate_p, desired_citing, desired_others, desired_p`` (respondent means over the
    three-column rating items; Welch's p-values)."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def source_profile(
    data: pd.DataFrame, code: str, options: Sequence[str], items: Sequence[str]
) -> SourceProfile:
    """The sources of expectations named in question ``code`` (see the module docstring)."""
    ade = respondent_levels(data, items, "adequate")
    des = respondent_levels(data, items, "desired")
    nothing = pd.Series(np.nan, index=data.index)
    ticked = {
        o: pd.to_numeric(data[f"{code}_{o}"], errors="coerce")
        if f"{code}_{o}" in data.columns
        else nothing
        for o in options
    }
    answered = np.zeros(len(data), dtype=bool)
    for col in ticked.values():
        answered |= col.notna().to_numpy()
    rows = []
    for o in options:
        cites = (ticked[o].fillna(0).to_numpy() == 1) & answered
        others = answered & ~cites
        rows.append(
            {
                "source": o,
                "n": int(cites.sum()),
                "share": float(cites.sum() / answered.sum()) if answered.any() else np.nan,
                "adequate_citing": _mean(ade[cites]),
                "adequate_others": _mean(ade[others]),
                "adequate_p": welch_p(ade[cites], ade[others]),
                "desired_citing": _mean(des[cites]),
                "desired_others": _mean(des[others]),
                "desired_p": welch_p(des[cites], des[others]),
            }
        )
    return SourceProfile(pd.DataFrame(rows))


@dataclass(frozen=True)
class RankingSummary(ResultMixin):
    """Per option: ``option, first, second, third`` (counts by rank), ``first_share``,
    ``top_share`` (named at any rank), ``borda`` (mean points per ranking respondent)."""

    table: pd.DataFrame
    n: int

    def to_frame(self) -> pd.DataFrame:
        return self.table


def ranking_summary(
    data: pd.DataFrame, columns: Sequence[str], options: Sequence[str]
) -> RankingSummary:
    """Choice factors ranked in ``columns`` (first choice first; see the module docstring)."""
    k = len(columns)
    empty = pd.Series([None] * len(data), index=data.index, dtype=object)
    ranks = [data[c].astype(object) if c in data.columns else empty for c in columns]
    ranked = np.zeros(len(data), dtype=bool)
    for r in ranks:
        ranked |= r.notna().to_numpy()
    n = int(ranked.sum())
    rows = []
    for o in options:
        counts = [int((r == o).sum()) for r in ranks]
        points = sum((k - i) * c for i, c in enumerate(counts))
        named = np.zeros(len(data), dtype=bool)
        for r in ranks:
            named |= (r == o).to_numpy()
        row: dict[str, object] = {"option": o}
        for i, c in enumerate(counts):
            row[("first", "second", "third")[i]] = c
        row.update(
            first_share=counts[0] / n if n else np.nan,
            top_share=float(named.sum()) / n if n else np.nan,
            borda=points / n if n else np.nan,
        )
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("borda", ascending=False, kind="stable")
    return RankingSummary(table.reset_index(drop=True), n)


@dataclass(frozen=True)
class CompetitorComparison(ResultMixin):
    """Per competitor rating: ``question, competitor, attribute, n, own, competitor_mean,
    difference`` (own − competitor, same respondents), ``p`` (paired t-test)."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def competitor_comparison(
    data: pd.DataFrame, pairs: Sequence[tuple[str, str, str, str]]
) -> CompetitorComparison:
    """``pairs``: (question, competitor, attribute, own column) — the competitor's rating
    column ``question`` against the company's own column (an item's ``_perceived``)."""
    rows = []
    for question, competitor, attribute, own_col in pairs:
        if question not in data.columns or own_col not in data.columns:
            continue
        comp = pd.to_numeric(data[question], errors="coerce").to_numpy(dtype=float)
        own = pd.to_numeric(data[own_col], errors="coerce").to_numpy(dtype=float)
        both = np.isfinite(comp) & np.isfinite(own)
        d = own[both] - comp[both]
        p = float("nan")
        if d.size >= 2 and d.std() > 0:
            p = float(stats.ttest_rel(own[both], comp[both]).pvalue)
        rows.append(
            {
                "question": question,
                "competitor": competitor,
                "attribute": attribute,
                "n": int(both.sum()),
                "own": _mean(own[both]),
                "competitor_mean": _mean(comp[both]),
                "difference": _mean(d),
                "p": p,
            }
        )
    cols = ["question", "competitor", "attribute", "n", "own", "competitor_mean", "difference", "p"]
    return CompetitorComparison(pd.DataFrame(rows, columns=cols))


@dataclass(frozen=True)
class ProviderGaps(ResultMixin):
    """Gaps 1, 3, 4 and 5 per attribute (see the module docstring).

    ``table`` columns: ``item, dimension, customers_adequate, customers_desired,
    managers_adequate, managers_desired, gap1_adequate, gap1_adequate_p, gap1_desired,
    gap1_desired_p`` (managers − customers; negative = managers underestimate), ``audit_score``
    (share of the maximum, 0–1), ``promises, promises_unkept`` (count of the register's
    promises on the attribute and of those over-promised), ``msa, mss`` (gap 5, the customer
    survey's sign convention: positive = better than expected).
    """

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def provider_gaps(
    customers: pd.DataFrame,
    items: pd.DataFrame,
    *,
    managers: pd.DataFrame | None = None,
    manager_items: dict[str, str] | None = None,
    audits: pd.DataFrame | None = None,
    promises: pd.DataFrame | None = None,
) -> ProviderGaps:
    """Assemble the gap table.

    ``customers``: the customer survey's answers; ``items``: its SERVQUAL item table
    (three-column rows are used); ``managers``: the management survey's answers, with
    ``manager_items`` mapping each customer item code to the management survey's item code;
    ``audits``: ``item, audit_score``; ``promises``: a promise check table
    (``attribute, status``).
    """
    three = items[items["format"] == "three_column"]
    audit_of = (
        dict(zip(audits["item"], audits["audit_score"], strict=True)) if audits is not None else {}
    )
    rows = []
    for r in three.to_dict("records"):
        item = str(r["item"])
        row: dict[str, object] = {
            "item": item,
            "dimension": r.get("dimension"),
            "customers_adequate": float(r["adequate_mean"]),
            "customers_desired": float(r["desired_mean"]),
        }
        m_code = (manager_items or {}).get(item)
        for part in ("adequate", "desired"):
            mean = gap = p = float("nan")
            if managers is not None and m_code is not None and f"{m_code}_{part}" in managers:
                mv = pd.to_numeric(managers[f"{m_code}_{part}"], errors="coerce").to_numpy(float)
                cv = pd.to_numeric(customers[f"{item}_{part}"], errors="coerce").to_numpy(float)
                mean = _mean(mv)
                gap = mean - _mean(cv)
                p = welch_p(mv, cv)
            row[f"managers_{part}"] = mean
            row[f"gap1_{part}"] = gap
            row[f"gap1_{part}_p"] = p
        row["audit_score"] = float(audit_of.get(item, np.nan))
        if promises is not None and len(promises):
            mine = promises[promises["attribute"] == item]
            row["promises"] = len(mine)
            row["promises_unkept"] = int((mine["status"] == "over_promised").sum())
        else:
            row["promises"] = 0
            row["promises_unkept"] = 0
        row["msa"] = float(r["msa"])
        row["mss"] = float(r["mss"])
        rows.append(row)
    cols = ["item", "dimension", "customers_adequate", "customers_desired", "managers_adequate",
            "gap1_adequate", "gap1_adequate_p", "managers_desired", "gap1_desired",
            "gap1_desired_p", "audit_score", "promises", "promises_unkept", "msa", "mss"]  # fmt: skip
    return ProviderGaps(pd.DataFrame(rows, columns=cols))
