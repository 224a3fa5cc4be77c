"""Demo complaints and their service recoveries, with planted tolerance effects.

Complaints arrive over 2026 (more in the 双11 weeks of November) and are
processed in time order. Each one gets a recovery: time to acknowledge, the
actions taken, compensation, justice perceptions, satisfaction before the
failure and after the recovery. Then two logistic models with known
coefficients (``CHURN_COEFFICIENTS`` and ``AGAIN_COEFFICIENTS``) decide
whether the customer leaves within 90 days and whether they complain again
(a follow-up complaint is then added to the table, so
``complained_again_90d`` agrees with the complaint table). Churned customers
file no later complaints.

Hand-written because it plants known ground truth (``docs/demo.md``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from servgap.demo import texts
from servgap.demo.company import CALL_CENTRE, OUTLETS, PROBLEM_OUTLET, CustomerBase

CATEGORIES: tuple[str, ...] = ("delay", "damage_loss", "attitude", "information", "price", "other")
ACTION_ORDER: tuple[str, ...] = (
    "apology",
    "explanation",
    "redelivery",
    "refund",
    "coupon",
    "compensation",
)
REMEDIES: frozenset[str] = frozenset({"refund", "coupon", "compensation"})
N_BASE = 530

#: logit P(churned_90d) = sum of coefficient * variable (variables defined in docs/demo.md)
CHURN_COEFFICIENTS: dict[str, float] = {
    "intercept": -1.6,
    "tenure_years": -0.25,
    "loyalty_intent_minus_4": -0.35,
    "log1p_orders_per_month": -0.30,
    "expectation_z": 0.45,
    "ack_over_24h": 1.1,
    "ack_2_to_24h": 0.45,
    "full_recovery": -0.6,
    "negative_emotion": 0.8,
    "prior_complaint": 0.7,
    "severity_minus_1": 0.25,
}
#: logit P(another complaint within 90 days | not churned)
AGAIN_COEFFICIENTS: dict[str, float] = {
    "intercept": -2.0,
    "ack_over_24h": 1.0,
    "ack_2_to_24h": 0.4,
    "full_recovery": -0.5,
    "negative_emotion": 0.4,
    "prior_complaint": 0.5,
    "severity_minus_1": 0.3,
}

_CAT_P = np.array([0.34, 0.18, 0.18, 0.14, 0.08, 0.08])
_CAT_P_PROBLEM = np.array([0.50, 0.27, 0.08, 0.08, 0.04, 0.03])
_SEV_P: dict[str, list[float]] = {
    "delay": [0.35, 0.45, 0.20],
    "damage_loss": [0.15, 0.40, 0.45],
    "attitude": [0.30, 0.45, 0.25],
    "information": [0.50, 0.40, 0.10],
    "price": [0.45, 0.40, 0.15],
    "other": [0.70, 0.25, 0.05],
}
_REMEDY_P: dict[str, dict[str, float]] = {
    "delay": {"coupon": 0.45, "refund": 0.2, "redelivery": 0.15, "compensation": 0.05},
    "damage_loss": {"compensation": 0.75, "refund": 0.2, "redelivery": 0.2},
    "attitude": {"coupon": 0.35, "compensation": 0.1},
    "information": {"coupon": 0.25},
    "price": {"refund": 0.7, "coupon": 0.2},
    "other": {"coupon": 0.15},
}
_CHANNELS = ("phone", "web", "app", "weibo", "email")
_TZ = "Asia/Shanghai"
_YEAR_END = pd.Timestamp("2026-12-31 23:00", tz=_TZ)


@dataclass(frozen=True)
class ComplaintTables:
    complaints: pd.DataFrame
    recoveries: pd.DataFrame
    truth: pd.DataFrame


@dataclass
class _Spec:
    when: pd.Timestamp
    cust: int
    category: str
    repeat: bool
    seed_case: int = -1


def _logit(coefs: dict[str, float], x: dict[str, float]) -> float:
    z = coefs["intercept"] + sum(coefs[k] * x[k] for k in coefs if k != "intercept")
    return float(1.0 / (1.0 + np.exp(-z)))


def _pick(rng: np.random.Generator, seq: tuple[Any, ...]) -> Any:
    return seq[int(rng.integers(len(seq)))]


def _text(
    rng: np.random.Generator, spec: _Spec, lang: str, angry: bool, outlet_idx: int, order: str
) -> tuple[str, bool]:
    o = OUTLETS[outlet_idx]
    earlier = spec.when - pd.Timedelta(days=int(rng.integers(1, 8)))
    slots = {
        "order": order,
        "date": f"{earlier.month}月{earlier.day}日",
        "date_en": earlier.strftime("%d %b"),
        "time": _pick(rng, texts.TIMES_ZH),
        "place": o.city_zh + _pick(rng, texts.PLACES_ZH),
        "courier": (
            f"{_pick(rng, tuple('王李张刘陈杨黄赵吴周'))}师傅"
            if rng.random() < 0.6
            else f"快递员小{_pick(rng, tuple('王李张刘陈杨黄赵吴周'))}"
        ),
        "item": _pick(rng, texts.ITEMS_ZH),
        "item_en": _pick(rng, texts.ITEMS_EN),
        "amount": str(int(rng.choice([12, 18, 23, 35, 60, 128, 260, 499, 1200, 3000]))),
        "days": str(int(rng.integers(3, 8))),
        "outlet": o.name_zh,
        "city": o.city_zh,
    }
    if lang == "en":
        body, hotline = _pick(rng, texts.EN[spec.category])
        pre = _pick(rng, texts.EN_REPEAT) if spec.repeat else ""
        tail = _pick(rng, texts.EN_ANGRY if angry else texts.EN_CALM)
        text = (pre + body.format(**slots) + " " + tail).strip()
    else:
        body, hotline = _pick(rng, texts.ZH[spec.category])
        pre = _pick(rng, texts.ZH_REPEAT) if spec.repeat else ""
        tail = _pick(rng, texts.ZH_ANGRY if angry else texts.ZH_CALM)
        text = pre + body.format(**slots) + tail
    return text, bool(hotline)


def _base_specs(rng: np.random.Generator, customers: CustomerBase) -> list[_Spec]:
    days = pd.date_range("2026-01-08", "2026-12-31", freq="D", tz=_TZ)
    w = np.ones(len(days))
    w[(days.month == 11) & (days.day >= 11) & (days.day <= 25)] = 3.0
    w[(days.month == 2) & (days.day <= 20)] = 1.4  # Spring Festival logistics
    day_idx = rng.choice(len(days), size=N_BASE, p=w / w.sum())
    minutes = rng.integers(8 * 60, 23 * 60, N_BASE)
    n = customers.frame.shape[0]
    pidx = [o.code for o in OUTLETS].index(PROBLEM_OUTLET)
    cw = rng.gamma(1.2, 1.0, n) * np.where(customers.home_outlet == pidx, 2.5, 1.0)
    cw = cw * np.where(customers.business, 1.5, 1.0)
    cust = rng.choice(n, size=N_BASE, p=cw / cw.sum())
    specs = []
    for k in range(N_BASE):
        problem = customers.home_outlet[cust[k]] == pidx
        p = _CAT_P_PROBLEM if problem else _CAT_P
        cat = CATEGORIES[int(rng.choice(6, p=p))]
        when = days[day_idx[k]] + pd.Timedelta(minutes=int(minutes[k]))
        specs.append(_Spec(when, int(cust[k]), cat, False))
    return specs


def make_complaints(rng: np.random.Generator, customers: CustomerBase) -> ComplaintTables:
    """Generate the complaint and recovery tables (see the module docstring)."""
    cf = customers.frame
    tenure = cf["tenure_months"].to_numpy(dtype=float)
    loyalty = cf["loyalty_intent"].to_numpy(dtype=float)
    orders = cf["orders_per_month"].to_numpy(dtype=float)
    outlet_codes = [o.code for o in OUTLETS]

    heap: list[tuple[int, int, _Spec]] = []
    seq = 0
    for i, case in enumerate(texts.SEED_CASES):
        home = outlet_codes.index(str(case["site"]))
        cust = int(np.flatnonzero(customers.home_outlet == home)[0])
        when = pd.Timestamp(str(case["received_local"]), tz=_TZ)
        spec = _Spec(when, cust, str(case["category"]), False, seed_case=i)
        heapq.heappush(heap, (when.value, seq, spec))
        seq += 1
    for spec in _base_specs(rng, customers):
        heapq.heappush(heap, (spec.when.value, seq, spec))
        seq += 1

    churn_time: dict[int, pd.Timestamp] = {}
    n_prior: dict[int, int] = {}
    c_rows: list[dict[str, Any]] = []
    r_rows: list[dict[str, Any]] = []
    t_rows: list[dict[str, Any]] = []
    while heap:
        _, _, spec = heapq.heappop(heap)
        cu = spec.cust
        if cu in churn_time and spec.when > churn_time[cu]:
            continue
        prior = n_prior.get(cu, 0)
        n_prior[cu] = prior + 1
        code = f"CP2026-{len(c_rows) + 1:04d}"
        seed = texts.SEED_CASES[spec.seed_case] if spec.seed_case >= 0 else None
        home = int(customers.home_outlet[cu])
        outlet_idx = home if rng.random() < 0.9 else int(rng.integers(len(OUTLETS)))
        if seed is not None:
            outlet_idx = outlet_codes.index(str(seed["site"]))
        lang = "en" if rng.random() < 0.10 else "zh"
        sev = int(rng.choice([1, 2, 3], p=_SEV_P[spec.category]))
        angry = bool(rng.random() < (0.15, 0.30, 0.50)[sev - 1] + (0.2 if spec.repeat else 0.0))
        channel = str(
            rng.choice(
                _CHANNELS,
                p=[0.2, 0.3, 0.1, 0.05, 0.35] if lang == "en" else [0.36, 0.2, 0.3, 0.08, 0.06],
            )
        )
        order_no = f"EX{int(rng.integers(10**11, 10**12))}"
        text, hotline = _text(rng, spec, lang, angry, outlet_idx, order_no)
        site = CALL_CENTRE if hotline else outlet_codes[outlet_idx]
        if seed is not None:
            text, lang, angry = str(seed["text"]), "zh", False
            sev, channel, site = int(str(seed["severity"])), str(seed["channel"]), str(seed["site"])
        c_rows.append(
            {
                "code": code,
                "customer": cf["code"].iat[cu],
                "site": site,
                "channel": channel,
                "received_at": spec.when.tz_convert("UTC"),
                "text": text,
                "lang": lang,
                "category": spec.category,
                "severity": sev,
            }
        )

        # ---- recovery ----
        november = spec.when.month == 11
        u = rng.random()
        p_fast, p_slow = (0.40, 0.25) if november else (0.55, 0.15)
        if u < p_fast:
            ack_h = float(min(2.0, rng.lognormal(np.log(0.6), 0.6)))
        elif u < 1.0 - p_slow:
            ack_h = float(np.exp(rng.uniform(np.log(2.05), np.log(24.0))))
        else:
            ack_h = float(np.exp(rng.uniform(np.log(24.5), np.log(120.0))))
        resolve_h = float(
            rng.lognormal(np.log(24.0 if spec.category == "damage_loss" else 6.0), 0.7)
        )
        fast, slow = ack_h <= 2.0, ack_h > 24.0
        acts: set[str] = set()
        if rng.random() < (0.9 if fast else 0.65 if slow else 0.8):
            acts.add("apology")
        if rng.random() < (0.85 if fast else 0.6 if slow else 0.75):
            acts.add("explanation")
        for act, p in _REMEDY_P[spec.category].items():
            if rng.random() < min(1.0, p * (1.25 if fast else 1.0)):
                acts.add(act)
        if not acts:
            acts.add("explanation")
        cny = 0.0
        if "coupon" in acts:
            cny += float(rng.choice([5, 10, 15, 20]))
        if "refund" in acts:
            cny += float(rng.integers(8, 31))
        if "compensation" in acts:
            if spec.category == "damage_loss":
                cny += float(min(2000.0, np.round(rng.lognormal(np.log(80.0 * sev), 0.6), -1)))
            else:
                cny += float(rng.choice([20, 30, 50]))
        if seed is not None:
            ack_h, resolve_h = float(str(seed["ack_h"])), float(str(seed["resolve_h"]))
            acts = set(str(seed["actions"]).split(";"))
            cny = float(str(seed["cny"]))
            fast, slow = True, False
        full = {"apology", "explanation"} <= acts and bool(acts & REMEDIES)
        remedy = bool(acts & REMEDIES)
        dist_l = 3.0 + 1.2 * remedy + 0.6 * np.log1p(cny / 20.0) + 0.4 * ("redelivery" in acts)
        proc_l = 6.3 - 0.85 * np.log1p(ack_h) - 0.25 * np.log1p(resolve_h / 24.0)
        inter_l = 3.3 + 1.3 * ("apology" in acts) + 0.9 * ("explanation" in acts) - 0.3 * slow
        sat_before = int(
            np.clip(np.rint(5.3 + 0.35 * (loyalty[cu] - 4.6) + rng.normal(0, 0.7)), 2, 7)
        )
        delta = (
            -0.6
            + 0.30 * (dist_l - 4.0)
            + 0.45 * (proc_l - 4.0)
            + 0.35 * (inter_l - 4.0)
            - 0.3 * (sev - 1)
            - 0.4 * angry
            + rng.normal(0, 0.6)
        )
        sat_after = int(np.clip(np.rint(sat_before + delta), 1, 7))
        if seed is not None:
            sat_before, sat_after = 5, int(str(seed["sat_after"]))
        ack_at = spec.when + pd.Timedelta(hours=ack_h)
        res_at = ack_at + pd.Timedelta(hours=resolve_h)
        x = {
            "tenure_years": tenure[cu] / 12.0,
            "loyalty_intent_minus_4": loyalty[cu] - 4.0,
            "log1p_orders_per_month": float(np.log1p(orders[cu])),
            "expectation_z": float(customers.expectation_z[cu]),
            "ack_over_24h": float(slow),
            "ack_2_to_24h": float(not fast and not slow),
            "full_recovery": float(full),
            "negative_emotion": float(angry),
            "prior_complaint": float(prior > 0),
            "severity_minus_1": float(sev - 1),
        }
        p_churn = _logit(CHURN_COEFFICIENTS, x)
        churned = bool(rng.random() < p_churn) and seed is None
        p_again = _logit(AGAIN_COEFFICIENTS, x)
        if churned:
            churn_time[cu] = res_at + pd.Timedelta(days=float(rng.uniform(1, 60)))
        elif seed is None and rng.random() < p_again:
            nxt = res_at + pd.Timedelta(days=float(rng.uniform(4, 85)))
            if nxt < _YEAR_END:
                cat = (
                    spec.category
                    if rng.random() < 0.6
                    else CATEGORIES[int(rng.choice(6, p=_CAT_P))]
                )
                heapq.heappush(heap, (nxt.value, seq, _Spec(nxt, cu, cat, True)))
                seq += 1

        def item(latent: float) -> int:
            return int(np.clip(np.rint(latent + rng.normal(0, 0.55)), 1, 7))

        r_rows.append(
            {
                "complaint": code,
                "acknowledged_at": ack_at.tz_convert("UTC"),
                "resolved_at": res_at.tz_convert("UTC"),
                "actions": ";".join(a for a in ACTION_ORDER if a in acts),
                "compensation_cny": cny,
                "sat_before": sat_before,
                "sat_after": sat_after,
                **{f"dist{j}": item(dist_l) for j in (1, 2, 3)},
                **{f"proc{j}": item(proc_l) for j in (1, 2, 3)},
                **{f"inter{j}": item(inter_l) for j in (1, 2, 3)},
                "churned_90d": churned,
                "complained_again_90d": False,
            }
        )
        t_rows.append(
            {
                "complaint": code,
                "negative_emotion": angry,
                "prior_complaints": prior,
                "expectation_z": x["expectation_z"],
                "full_recovery": full,
                "p_churn": p_churn,
                "p_again": p_again,
                "seed_case": spec.seed_case + 1 if seed is not None else 0,
            }
        )

    complaints = pd.DataFrame(c_rows)
    recoveries = pd.DataFrame(r_rows)
    # complained_again_90d: the same customer files another complaint within 90 days
    ordered = complaints.sort_values(["customer", "received_at"], kind="stable")
    same = ordered["customer"].shift(-1) == ordered["customer"]
    gap_days = (ordered["received_at"].shift(-1) - ordered["received_at"]).dt.total_seconds()
    hit = same.to_numpy(dtype=bool) & (gap_days.fillna(np.inf).to_numpy() <= 90.0 * 86400.0)
    again = pd.Series(hit, index=ordered.index).sort_index().to_numpy(dtype=bool)
    recoveries["complained_again_90d"] = again
    return ComplaintTables(complaints, recoveries, pd.DataFrame(t_rows))
