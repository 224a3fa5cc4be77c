"""Demo survey responses: a latent model behind the canonical wide table.

The generator is hand-written because its job is to plant known structure
(see ``docs/demo.md``); no library generates SERVQUAL three-column data.

Model (per response r, dimension d, item i of d):

* perceived factor ``P_rd = mu_d + outlet_d + age_effect + F_rd`` with
  ``F_r ~ N(0, Sigma)``, unit variances and correlation 0.45 between dimensions;
  the problem outlet (``gz_baiyun``) has ``outlet_reliability = -2.6``;
* adequate factor ``A_rd = a_d + 0.5 * expectation_z + 0.45 * business +
  N(0, 0.45)`` plus ``+0.4 * quarter_index`` for responsiveness; desired
  ``D_rd = A_rd + width_r`` (+0.4 per quarter too, via A);
* items: ``round(factor + item offset + loading noise)`` clipped to 1..9;
  desired is forced >= adequate except for ~1 % of respondents who swap the
  columns and 0.5 % of stray cells (the inconsistent answers of real data);
* satisfaction: ``0.55 z_rel + 0.45 z_res + 0.08 (z_tan + z_ass + z_emp)
  - 0.2 z_adequate + 0.35 image + 0.2 value + noise``; overall, CSAT, NPS and
  the CCSI indicators are cut from it.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml

from servgap.demo.company import AGE_GROUPS, OUTLETS, PROBLEM_OUTLET, CustomerBase

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DIMENSIONS: tuple[str, ...] = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
ITEMS: dict[str, tuple[str, ...]] = {
    "tangibles": ("tan1", "tan2", "tan3", "tan4"),
    "reliability": ("rel1", "rel2", "rel3", "rel4", "rel5"),
    "responsiveness": ("res1", "res2", "res3", "res4"),
    "assurance": ("ass1", "ass2", "ass3", "ass4"),
    "empathy": ("emp1", "emp2", "emp3", "emp4", "emp5"),
}
QUARTER_SIZES: tuple[int, ...] = (735, 760, 770, 745)
RESPONSIVENESS_TREND_PER_QUARTER = 0.4
PROBLEM_RELIABILITY_SHIFT = -2.6

# perceived means, adequate means, zone width (scale points, 1..9)
_P_MU = np.array([6.3, 6.7, 6.0, 6.6, 5.9])
_A_MU = np.array([5.0, 5.9, 4.8, 5.6, 4.8])
_WIDTH = 1.7
_AGE_PERCEPTION = np.array([-0.25, -0.10, 0.0, 0.10, 0.30])

# Kano planted categories: feature -> dominant category (f_night depends on age)
KANO_FEATURES: tuple[str, ...] = (
    "f_locker",
    "f_appointment",
    "f_tracking",
    "f_door",
    "f_night",
    "f_einvoice",
    "f_recycle",
    "f_voice",
    "f_claim",
    "f_miniapp",
)
KANO_PLANTED: dict[str, str] = {
    "f_locker": "O",
    "f_appointment": "A",
    "f_tracking": "M",
    "f_door": "M",
    "f_night": "A for 18-34, I for 35+",
    "f_einvoice": "I",
    "f_recycle": "I",
    "f_voice": "I",
    "f_claim": "O",
    "f_miniapp": "O",
}
_KANO_CATS = ("A", "O", "M", "I", "R", "Q")


def _kano_probs(dominant: str, p_dom: float) -> FloatArray:
    rest = {"A": 0.3, "O": 0.25, "M": 0.2, "I": 0.2, "R": 0.03, "Q": 0.02}
    rest.pop(dominant)
    total = sum(rest.values())
    out = np.array(
        [p_dom if c == dominant else (1.0 - p_dom) * rest[c] / total for c in _KANO_CATS]
    )
    return np.asarray(out / out.sum(), dtype=np.float64)


def load_survey_definition() -> dict[str, Any]:
    """Parse the packaged ``example_express_survey.yaml``."""
    ref = resources.files("servgap") / "data" / "templates" / "example_express_survey.yaml"
    parsed = yaml.safe_load(ref.read_text(encoding="utf-8"))
    if not isinstance(parsed, dict):  # pragma: no cover - packaged file
        raise TypeError("example_express_survey.yaml must be a mapping")
    return parsed


def _kano_pairs(rng: np.random.Generator, cats: npt.NDArray[np.str_]) -> tuple[IntArray, IntArray]:
    """Turn Kano categories into (functional, dysfunctional) answers 1..5."""
    n = cats.size
    f = np.empty(n, dtype=np.int64)
    d = np.empty(n, dtype=np.int64)
    mid = np.array([2, 3, 4])
    for cat in _KANO_CATS:
        m = cats == cat
        k = int(m.sum())
        if k == 0:
            continue
        if cat == "A":
            f[m] = 1
            d[m] = rng.choice(mid, size=k, p=[0.2, 0.5, 0.3])
        elif cat == "O":
            f[m] = 1
            d[m] = 5
        elif cat == "M":
            f[m] = rng.choice(mid, size=k, p=[0.45, 0.4, 0.15])
            d[m] = 5
        elif cat == "I":
            f[m] = rng.choice(mid, size=k, p=[0.15, 0.6, 0.25])
            d[m] = rng.choice(mid, size=k, p=[0.15, 0.6, 0.25])
        elif cat == "R":
            rev = rng.random(k) < 0.5
            f[m] = np.where(rev, 5, rng.choice(mid, size=k))
            d[m] = np.where(rev, rng.choice([1, 2, 3, 4], size=k), 1)
        else:  # Q
            both = rng.choice([1, 5], size=k)
            f[m] = both
            d[m] = both
    return f, d


def _importance(rng: np.random.Generator, business: npt.NDArray[np.bool_]) -> IntArray:
    """Points over the five dimensions in steps of 5, each row summing to 100."""
    n = business.size
    base = np.array([0.13, 0.30, 0.25, 0.18, 0.14])
    bus = np.array([0.10, 0.36, 0.26, 0.17, 0.11])
    alpha = np.where(business[:, None], bus, base) * 9.0
    shares = rng.gamma(alpha)
    shares = shares / shares.sum(axis=1, keepdims=True) * 20.0
    units = np.floor(shares).astype(np.int64)
    remainder = shares - units
    short = 20 - units.sum(axis=1)
    order = np.argsort(-remainder, axis=1)
    for r in range(n):
        units[r, order[r, : short[r]]] += 1
    return np.asarray(units * 5, dtype=np.int64)


_COMMENTS_GOOD = (
    "快递员很负责，每次都提前打电话。",
    "送得挺快的，包装也很仔细，点赞！",
    "网点的小姐姐服务很耐心，继续保持。",
    "整体满意，希望运费能再优惠一点。",
    "小程序下单很方便，取件也快。",
    "比之前用的那家靠谱多了。",
    "Fast and friendly service, thank you.",
)
_COMMENTS_BAD: dict[str, tuple[str, ...]] = {
    "reliability": (
        "说好的时效经常做不到，希望改进。",
        "上个月有个件晚了三天才到，也没人通知。",
        "物流信息好几天不更新，不知道包裹到哪了。",
        "包裹外箱被压坏了，里面的东西差点摔坏。",
        "送错地址两次了，太不靠谱。",
        "Parcels are often late and tracking is not updated.",
    ),
    "responsiveness": (
        "客服电话很难打通，等了好久。",
        "网点排队太久，窗口只开一个。",
        "约好上门取件，结果等了一下午。",
        "投诉之后好几天才有人回复。",
        "The hotline keeps me on hold for too long.",
    ),
    "tangibles": ("网点太乱了，找不到取件的地方。", "小程序经常卡顿。"),
    "assurance": ("问工作人员问题，回答得含含糊糊。", "担心个人信息被泄露，面单上信息太全了。"),
    "empathy": ("希望能晚上送货，白天上班不在家。", "营业时间太短，下班后网点就关门了。"),
}


def _expectation_context(
    rng: np.random.Generator, business: npt.NDArray[np.bool_], cols: dict[str, Any]
) -> dict[str, Any]:
    """Sources of expectations, choice factors and the rating of a competitor (SF Express on
    delivery by the promised time), from a generator spawned off ``rng`` so that the other
    columns stay as they were. Planted: customers who name advertising desire more (their
    probability of naming it rises with their desired level); business customers rank speed
    first, individuals price; SF is rated about 0.6 above our own punctuality."""
    extra = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
    n = len(business)
    desired = np.nanmean(
        np.column_stack([np.asarray(v, dtype=float) for c, v in cols.items()
                         if c.endswith("_desired") and c != "wait_desired"]), axis=1
    )  # fmt: skip
    z = (desired - np.nanmean(desired)) / (np.nanstd(desired) or 1.0)
    answers = extra.random(n) < 0.8  # a fifth skip the question
    out: dict[str, Any] = {}
    base = {"past_experience": 0.55, "word_of_mouth": 0.35, "social_media": 0.3,
            "advertising": 0.25, "competitors": 0.2}  # fmt: skip
    for src, p0 in base.items():
        logit = np.log(p0 / (1 - p0)) + (0.9 * z if src == "advertising" else 0.0)
        ticked = extra.random(n) < 1 / (1 + np.exp(-logit))
        out[f"exp_src_{src}"] = np.where(answers, ticked.astype(float), np.nan)
    factors = np.array(["price", "speed", "safety", "service", "coverage"], dtype=object)
    w_business = np.array([0.15, 0.35, 0.25, 0.15, 0.10])
    w_private = np.array([0.35, 0.20, 0.20, 0.15, 0.10])
    ranks = np.empty((n, 3), dtype=object)
    for i in range(n):
        w = w_business if business[i] else w_private
        ranks[i] = extra.choice(factors, size=3, replace=False, p=w)
    ranked = extra.random(n) < 0.85
    for k in range(3):
        col = np.full(n, None, dtype=object)
        col[ranked] = ranks[ranked, k]
        out[f"choice_{k + 1}"] = col
    own = np.asarray(cols["rel1_perceived"], dtype=float)
    used_sf = extra.random(n) < 0.45
    sf = np.clip(np.rint(own + 0.6 + extra.normal(0, 1.0, n)), 1, 9)
    out["sf_rel1"] = np.where(used_sf, sf, np.nan)
    return out


def make_responses(
    rng: np.random.Generator, customers: CustomerBase, survey: dict[str, Any]
) -> pd.DataFrame:
    """Generate the canonical wide response table for the four quarters of 2026."""
    n = int(sum(QUARTER_SIZES))
    quarter = np.repeat(np.arange(4), QUARTER_SIZES)
    n_cust = customers.frame.shape[0]
    cust = rng.integers(0, n_cust, n)
    home = customers.home_outlet[cust]
    other = rng.integers(0, len(OUTLETS), n)
    site_idx = np.where(rng.random(n) < 0.9, home, other)
    business = customers.business[cust]
    age = customers.age_idx[cust]
    exp_z = customers.expectation_z[cust]

    # --- timing: a random day in the quarter, 08:00-22:00 Shanghai time ---
    q_start = pd.to_datetime(["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"])
    q_days = np.array([90, 91, 92, 92])
    day = np.floor(rng.random(n) * q_days[quarter]).astype(np.int64)
    secs = rng.integers(8 * 3600, 22 * 3600, n)
    local = (
        pd.DatetimeIndex(q_start[quarter])
        + pd.to_timedelta(day, unit="D")
        + pd.to_timedelta(secs, unit="s")
    )
    submitted = local.tz_localize("Asia/Shanghai").tz_convert("UTC")
    order = np.argsort(np.asarray(submitted.asi8), kind="stable")

    # --- latent factors ---
    corr = np.full((5, 5), 0.45) + np.eye(5) * 0.55
    F = rng.multivariate_normal(np.zeros(5), corr, size=n)
    outlet_eff = rng.normal(0.0, 0.18, (len(OUTLETS), 5))
    pidx = [o.code for o in OUTLETS].index(PROBLEM_OUTLET)
    outlet_eff[pidx] = np.array([0.05, PROBLEM_RELIABILITY_SHIFT, 0.0, 0.05, 0.0])
    P = _P_MU + outlet_eff[site_idx] + _AGE_PERCEPTION[age][:, None] + F
    trend = np.zeros((n, 5))
    trend[:, 2] = RESPONSIVENESS_TREND_PER_QUARTER * quarter
    A = (
        _A_MU
        + 0.5 * exp_z[:, None]
        + 0.45 * business[:, None]
        + rng.normal(0.0, 0.45, (n, 1))
        + rng.normal(0.0, 0.3, (n, 5))
        + trend
    )
    width = np.clip(rng.normal(_WIDTH, 0.5, n), 0.3, None) - 0.2 * business

    cols: dict[str, Any] = {}
    swap_resp = rng.random(n) < 0.01
    for d_i, dim in enumerate(DIMENSIONS):
        for code in ITEMS[dim]:
            off_p = rng.normal(0.0, 0.25)
            off_a = rng.normal(0.0, 0.2)
            loading = rng.uniform(0.8, 1.0)
            p_item = P[:, d_i] + off_p + (loading - 1.0) * F[:, d_i] + rng.normal(0, 0.65, n)
            a_item = A[:, d_i] + off_a + rng.normal(0, 0.45, n)
            d_item = a_item + width + rng.normal(0, 0.35, n)
            pi = np.clip(np.rint(p_item), 1, 9)
            ai = np.clip(np.rint(a_item), 1, 9)
            di = np.clip(np.rint(d_item), 1, 9)
            di = np.maximum(di, ai)
            stray = rng.random(n) < 0.005
            di = np.where(stray & (ai > 1), ai - 1, di)
            ai, di = np.where(swap_resp, di, ai), np.where(swap_resp, ai, di)
            cols[f"{code}_adequate"] = ai
            cols[f"{code}_desired"] = di
            cols[f"{code}_perceived"] = pi

    # --- waiting time at the counter (minutes, lower is better) ---
    wait_med = np.array([o.wait_min for o in OUTLETS])[site_idx]
    w_adeq = np.exp(np.log(15.0) - 0.15 * business + rng.normal(0, 0.35, n))
    w_des = np.exp(np.log(5.0) + rng.normal(0, 0.4, n))
    w_perc = wait_med * np.exp(rng.normal(0, 0.5, n))
    fives = rng.random(n) < 0.7
    w_adeq = np.where(fives, np.rint(w_adeq / 5.0) * 5.0, np.rint(w_adeq))
    w_adeq = np.maximum(w_adeq, 1.0)
    w_des = np.rint(w_des)
    w_des = np.minimum(w_des, w_adeq)
    odd = rng.random(n) < 0.01
    w_des = np.where(odd, w_adeq + 5.0, w_des)
    cols["wait_adequate"] = np.clip(w_adeq, 0, 240)
    cols["wait_desired"] = np.clip(w_des, 0, 240)
    cols["wait_perceived"] = np.clip(np.rint(w_perc), 0, 240)

    # --- Kano ---
    young = age <= 1
    for feat in KANO_FEATURES:
        if feat == "f_night":
            p_y = _kano_probs("A", 0.55)
            p_o = _kano_probs("I", 0.58)
            cats = np.where(
                young, rng.choice(_KANO_CATS, size=n, p=p_y), rng.choice(_KANO_CATS, size=n, p=p_o)
            )
        else:
            dom = KANO_PLANTED[feat]
            cats = rng.choice(_KANO_CATS, size=n, p=_kano_probs(dom, 0.55))
        f, d = _kano_pairs(rng, cats)
        noise = rng.random(n) < 0.05
        f = np.where(noise, rng.integers(1, 6, n), f)
        d = np.where(noise, rng.integers(1, 6, n), d)
        cols[f"{feat}_functional"] = f.astype(float)
        cols[f"{feat}_dysfunctional"] = d.astype(float)

    # --- satisfaction, CCSI latents ---
    Pz = (P - P.mean(axis=0)) / P.std(axis=0)
    a_mean = A.mean(axis=1)
    a_z = (a_mean - a_mean.mean()) / a_mean.std()
    image = rng.normal(0.0, 1.0, n)
    expect = 0.5 * image + 0.4 * exp_z / np.sqrt(1.0 + 0.9**2) + rng.normal(0, 0.75, n)
    quality = Pz @ np.array([0.12, 0.35, 0.30, 0.12, 0.11]) + 0.15 * expect
    quality = (quality - quality.mean()) / quality.std()
    value = 0.55 * quality + 0.15 * expect + rng.normal(0, 0.8, n)
    value = (value - value.mean()) / value.std()
    sat = (
        Pz @ np.array([0.08, 0.55, 0.45, 0.08, 0.08])
        - 0.2 * a_z
        + 0.35 * image
        + 0.2 * value
        + rng.normal(0, 0.45, n)
    )
    sat = (sat - sat.mean()) / sat.std()
    cust_loy = customers.frame["loyalty_intent"].to_numpy(dtype=float)[cust]
    loyal = 0.6 * sat + 0.2 * image + 0.25 * (cust_loy - 4.6) / 1.2 + rng.normal(0, 0.6, n)
    loyal = (loyal - loyal.mean()) / loyal.std()

    cols["nps"] = np.clip(np.rint(7.4 + 1.9 * sat + rng.normal(0, 0.9, n)), 0, 10)
    cols["csat"] = np.clip(np.rint(3.8 + 0.85 * sat + rng.normal(0, 0.45, n)), 1, 5)
    cols["overall"] = np.clip(np.rint(5.0 + 1.15 * sat + rng.normal(0, 0.35, n)), 1, 7)
    cols["loyalty"] = np.clip(np.rint(4.9 + 1.1 * loyal + rng.normal(0, 0.4, n)), 1, 7)
    imp = _importance(rng, business)
    for j, dim in enumerate(DIMENSIONS):
        cols[f"importance_{dim}"] = imp[:, j].astype(float)

    def ind(latent: FloatArray, mean: float) -> FloatArray:
        raw = mean + 1.4 * rng.uniform(0.8, 1.0) * latent + rng.normal(0, 0.75, n)
        return np.asarray(np.clip(np.rint(raw), 1, 10), dtype=np.float64)

    for code, lat, mean in (
        ("img1", image, 7.6),
        ("img2", image, 7.3),
        ("img3", image, 7.0),
        ("exp1", expect, 7.8),
        ("exp2", expect, 7.5),
        ("exp3", expect, 7.2),
        ("qua1", quality, 7.2),
        ("qua2", quality, 7.0),
        ("qua3", quality, 6.9),
        ("val1", value, 6.8),
        ("val2", value, 6.5),
        ("sat1", sat, 7.3),
        ("sat2", sat, 6.9),
        ("sat3", sat, 6.6),
        ("loy1", loyal, 7.4),
        ("loy2", loyal, 6.2),
    ):
        cols[code] = ind(lat, mean)

    cols["age_group"] = np.array([AGE_GROUPS[int(i)] for i in age], dtype=object)
    cols["customer_type"] = np.where(business, "business", "individual").astype(object)

    # --- comments: about 35 % write something; the unhappy ones name their weakest dimension ---
    comments = np.full(n, None, dtype=object)
    writes = rng.random(n) < 0.35
    gaps = P - A
    weakest = np.argmin(gaps, axis=1)
    for r in np.flatnonzero(writes):
        if sat[r] > 0.3:
            comments[r] = _COMMENTS_GOOD[int(rng.integers(len(_COMMENTS_GOOD)))]
        elif sat[r] < -0.3:
            pool = _COMMENTS_BAD[DIMENSIONS[int(weakest[r])]]
            comments[r] = pool[int(rng.integers(len(pool)))]
    cols["comment"] = comments

    # --- missing answers ---
    numeric_cols = [c for c, v in cols.items() if np.asarray(v).dtype.kind in "fiu"]
    out: dict[str, Any] = {}
    for c in numeric_cols:
        v = np.asarray(cols[c], dtype=np.float64)
        rate = 0.0 if c.startswith("importance_") else 0.006
        v = np.where(rng.random(n) < rate, np.nan, v)
        out[c] = v
    no_importance = rng.random(n) < 0.03
    for dim in DIMENSIONS:
        out[f"importance_{dim}"] = np.where(no_importance, np.nan, out[f"importance_{dim}"])
    for c in ("age_group", "customer_type", "comment"):
        out[c] = cols[c]
    miss_age = rng.random(n) < 0.005
    out["age_group"] = np.where(miss_age, None, out["age_group"])

    out.update(_expectation_context(rng, business, cols))

    channel = rng.choice(["web", "phone", "import"], size=n, p=[0.65, 0.27, 0.08])
    site_codes = np.array([o.code for o in OUTLETS])[site_idx]
    head = pd.DataFrame(
        {
            "submitted_at": submitted,
            "period": [f"2026Q{int(q) + 1}" for q in quarter],
            "site": site_codes,
            "channel": channel,
            "customer": customers.frame["code"].to_numpy()[cust],
        }
    )
    ordered_cols: list[str] = []
    for q in survey["questions"]:
        code, qtype = q["code"], q["type"]
        if qtype == "servqual3":
            ordered_cols += [f"{code}_adequate", f"{code}_desired", f"{code}_perceived"]
        elif qtype == "kano":
            ordered_cols += [f"{code}_functional", f"{code}_dysfunctional"]
        elif qtype in ("importance", "sources"):
            ordered_cols += [f"{code}_{o}" for o in q["options"]]
        elif qtype == "ranking":
            ordered_cols += [f"{code}_{i}" for i in (1, 2, 3)]
        else:
            ordered_cols.append(code)
    body = pd.DataFrame({c: out[c] for c in ordered_cols})
    df = pd.concat([head, body], axis=1).iloc[order].reset_index(drop=True)
    df.insert(0, "response_id", [f"R{i + 1:05d}" for i in range(n)])
    for c in ("age_group", "customer_type", "comment"):
        df[c] = df[c].astype(object)
    return df
