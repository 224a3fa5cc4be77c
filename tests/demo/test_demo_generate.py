"""Tests of the demo generator: determinism, sizes, data contract and planted findings.

The planted findings are checked with small independent computations here
(pandas / numpy / scipy / statsmodels), not with servgap's own analyses:
the Kano evaluation table of Berger et al. (1993), *Center for Quality
Management Journal* 2(4), is written out below; LMG (Lindeman, Merenda &
Gold 1980) is computed by brute force over all orderings' subset R2; the
ANOVA is scipy.stats.f_oneway; the churn logit is statsmodels.Logit.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from servgap.demo import DEFAULT_SEED, DemoCompany, build_demo

DIMS = {
    "tangibles": ["tan1", "tan2", "tan3", "tan4"],
    "reliability": ["rel1", "rel2", "rel3", "rel4", "rel5"],
    "responsiveness": ["res1", "res2", "res3", "res4"],
    "assurance": ["ass1", "ass2", "ass3", "ass4"],
    "empathy": ["emp1", "emp2", "emp3", "emp4", "emp5"],
}
FRAMES = (
    "regions",
    "sites",
    "customers",
    "responses",
    "complaints",
    "recoveries",
    "demand",
    "audits",
)


@functools.cache
def _cached(seed: int) -> DemoCompany:
    return build_demo(seed)


@pytest.fixture(scope="module", params=[DEFAULT_SEED, 7])
def demo(request: pytest.FixtureRequest) -> DemoCompany:
    """The planted findings must hold for the default seed and for another one."""
    return _cached(request.param)


@pytest.fixture(scope="module")
def default_demo() -> DemoCompany:
    return _cached(DEFAULT_SEED)


def _dim_means(r: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for dim, items in DIMS.items():
        for col in ("adequate", "desired", "perceived"):
            out[f"{dim}_{col}"] = r[[f"{i}_{col}" for i in items]].mean(axis=1)
        out[f"{dim}_msa"] = out[f"{dim}_perceived"] - out[f"{dim}_adequate"]
    return pd.DataFrame(out)


# ---------------------------------------------------------------- determinism, sizes


def test_same_seed_gives_identical_frames(default_demo: DemoCompany) -> None:
    again = build_demo(DEFAULT_SEED)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(default_demo, name), getattr(again, name))
    assert default_demo.survey == again.survey
    assert default_demo.findings == again.findings


def test_different_seed_gives_different_data(default_demo: DemoCompany) -> None:
    other = _cached(7)
    assert not default_demo.responses["rel1_perceived"].equals(other.responses["rel1_perceived"])
    assert not default_demo.customers["name"].equals(other.customers["name"])


def test_sizes(demo: DemoCompany) -> None:
    assert demo.workspace == {
        "code": "example_express",
        "name_zh": "示例快递",
        "name_en": "Example Express",
    }
    assert len(demo.regions) == 3
    assert len(demo.sites) == 13
    outlets = demo.sites[demo.sites["kind"] == "outlet"]
    assert outlets.groupby("region").size().tolist() == [4, 4, 4]
    assert (demo.sites["kind"] == "call_centre").sum() == 1
    assert set(demo.sites["region"]) == set(demo.regions["code"])
    assert 2400 <= len(demo.customers) <= 2600
    assert 2900 <= len(demo.responses) <= 3100
    assert 540 <= len(demo.complaints) <= 660
    assert len(demo.recoveries) == len(demo.complaints)
    per_queue = demo.demand.groupby(["site", "queue"]).size()
    assert len(per_queue) == 13
    assert (per_queue == 56 * 48).all()
    assert len(demo.audits) == 12 * 12 * 10
    assert len(demo.findings) >= 8


# ---------------------------------------------------------------- data contract


def test_every_question_has_its_columns_and_values_in_scale(demo: DemoCompany) -> None:
    r = demo.responses
    survey = demo.survey
    default = survey["scale"]
    expected: list[str] = []
    for q in survey["questions"]:
        code, qtype = q["code"], q["type"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code)
        scale = q.get("scale", default)
        if qtype == "servqual3":
            cols = [f"{code}_{s}" for s in ("adequate", "desired", "perceived")]
            lo, hi = scale["min"], scale["max"]
        elif qtype == "kano":
            cols, lo, hi = [f"{code}_functional", f"{code}_dysfunctional"], 1, 5
        elif qtype == "importance":
            cols = [f"{code}_{o}" for o in q["options"]]
            lo, hi = 0, 100
            block = r[cols].dropna(how="all")
            assert not block.isna().any().any()
            np.testing.assert_array_equal(block.sum(axis=1).to_numpy(), 100.0)
        elif qtype == "nps":
            cols, lo, hi = [code], 0, 10
        elif qtype == "csat":
            sc = q.get("scale", {"min": 1, "max": 5})
            cols, lo, hi = [code], sc["min"], sc["max"]
        elif qtype == "likert":
            cols, lo, hi = [code], scale["min"], scale["max"]
        elif qtype == "profile":
            cols = [code]
            assert set(r[code].dropna()) <= set(q["options"])
            expected += cols
            continue
        elif qtype == "sources":
            cols, lo, hi = [f"{code}_{o}" for o in q["options"]], 0, 1
        elif qtype == "ranking":
            cols = [f"{code}_{i}" for i in (1, 2, 3)]
            block = r[cols].dropna(how="all")
            assert not block.isna().any().any()  # three choices or none
            assert all(len(set(row)) == 3 for row in block.itertuples(index=False))
            assert set(block.stack()) <= set(q["options"])
            expected += cols
            continue
        else:
            assert qtype == "text"
            cols = [code]
            expected += cols
            continue
        expected += cols
        for c in cols:
            v = r[c].dropna()
            assert v.between(lo, hi).all(), c
            assert (v == np.round(v)).all(), c
    meta = ["response_id", "submitted_at", "period", "site", "channel", "customer"]
    assert list(r.columns) == meta + expected


def test_survey_definition(demo: DemoCompany) -> None:
    s = demo.survey
    assert re.fullmatch(r"[a-z0-9_]+", s["code"])
    assert s["scale"] == {"min": 1, "max": 9}
    qs = {q["code"]: q for q in s["questions"]}
    for dim, items in DIMS.items():
        for code in items:
            assert qs[code]["type"] == "servqual3"
            assert qs[code]["dimension"] == dim
            assert qs[code]["text"]["zh"] and qs[code]["text"]["en"]
    sq = [q["code"] for q in s["questions"] if q["type"] == "servqual3" and q["code"] != "wait"]
    assert sq == [c for items in DIMS.values() for c in items]  # PZB (1988) item order
    assert qs["wait"]["direction"] == "lower_better"
    assert qs["wait"]["unit"] == "minutes"
    kano = [q for q in s["questions"] if q["type"] == "kano"]
    assert len(kano) == 10
    assert all(q["functional"]["zh"] and q["dysfunctional"]["en"] for q in kano)
    for code in ("nps", "csat", "overall", "loyalty", "importance", "age_group", "customer_type"):
        assert code in qs
    assert qs["comment"]["type"] == "text"


def test_response_metadata(demo: DemoCompany) -> None:
    r = demo.responses
    assert r["response_id"].is_unique
    assert str(r["submitted_at"].dt.tz) == "UTC"
    assert r["submitted_at"].dt.year.eq(2026).all()
    quarter = "2026Q" + r["submitted_at"].dt.tz_convert("Asia/Shanghai").dt.quarter.astype(str)
    assert (quarter == r["period"]).all()
    assert r["period"].value_counts().sort_index().index.tolist() == [
        "2026Q1",
        "2026Q2",
        "2026Q3",
        "2026Q4",
    ]
    assert set(r["site"]) == set(demo.sites.loc[demo.sites["kind"] == "outlet", "code"])
    assert set(r["channel"]) <= {"web", "phone", "import", "audit"}
    assert set(r["customer"]) <= set(demo.customers["code"])
    # a few missing answers, realistically few
    miss = r["rel1_perceived"].isna().mean()
    assert 0.0 < miss < 0.03


def test_inconsistent_answers_are_rare_but_present(demo: DemoCompany) -> None:
    r = demo.responses
    items = [i for v in DIMS.values() for i in v]
    a = r[[f"{i}_adequate" for i in items]].to_numpy()
    d = r[[f"{i}_desired" for i in items]].to_numpy()
    ok = ~np.isnan(a) & ~np.isnan(d)
    share = float((d[ok] < a[ok]).mean())
    assert 0.005 <= share <= 0.03


def test_customers_table(demo: DemoCompany) -> None:
    c = demo.customers
    assert list(c.columns) == [
        "code",
        "name",
        "phone",
        "customer_type",
        "age_group",
        "gender",
        "city",
        "tenure_months",
        "orders_per_month",
        "loyalty_intent",
    ]
    assert c["code"].is_unique
    assert c["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert c["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert set(c["customer_type"]) == {"individual", "business"}
    assert set(c["age_group"]) == {"18-24", "25-34", "35-44", "45-54", "55+"}
    assert c["loyalty_intent"].between(1, 7).all()
    assert (c["tenure_months"] >= 1).all()


# ---------------------------------------------------------------- planted survey findings


def test_f1_problem_outlet_reliability(demo: DemoCompany) -> None:
    m = _dim_means(demo.responses)
    m["site"] = demo.responses["site"]
    msa = m.groupby("site")[[f"{d}_msa" for d in DIMS]].mean()
    assert msa.stack().idxmin() == ("gz_baiyun", "reliability_msa")
    assert msa.loc["gz_baiyun", "reliability_msa"] < -1.0
    others = msa.drop(index="gz_baiyun")
    assert (others["reliability_msa"] > 0).all()
    # the other dimensions of the problem outlet are within the range of the other outlets
    for d in ("tangibles", "responsiveness", "assurance", "empathy"):
        col = others[f"{d}_msa"]
        assert col.min() - 0.3 <= msa.loc["gz_baiyun", f"{d}_msa"] <= col.max() + 0.3
    pb = m[m["site"] == "gz_baiyun"].dropna(subset=["reliability_msa"])
    assert (pb["reliability_perceived"] < pb["reliability_adequate"]).mean() > 0.6


def test_f2_responsiveness_expectations_rise(demo: DemoCompany) -> None:
    m = _dim_means(demo.responses)
    m["period"] = demo.responses["period"]
    q = m.groupby("period").mean()
    for col in ("responsiveness_adequate", "responsiveness_desired"):
        steps = np.diff(q[col].to_numpy())
        assert (steps > 0.2).all(), (col, steps)
    assert np.ptp(q["responsiveness_perceived"].to_numpy()) < 0.25
    assert (np.diff(q["responsiveness_msa"].to_numpy()) < 0).all()
    assert np.ptp(q["reliability_adequate"].to_numpy()) < 0.25


# Berger et al. (1993) evaluation table; rows functional, columns dysfunctional,
# answers in the order like, must-be, neutral, live-with, dislike.
BERGER = {
    1: "QAAAO",
    2: "RIIIM",
    3: "RIIIM",
    4: "RIIIM",
    5: "RRRRQ",
}


def _kano_cat(r: pd.DataFrame, feat: str) -> pd.Series:
    pair = r[[f"{feat}_functional", f"{feat}_dysfunctional"]].dropna().astype(int)
    return pd.Series([BERGER[f][d - 1] for f, d in pair.itertuples(index=False)], index=pair.index)


def test_f3_kano_night_delivery_by_age(demo: DemoCompany) -> None:
    r = demo.responses
    cat = _kano_cat(r, "f_night")
    mode = cat.groupby(r.loc[cat.index, "age_group"]).agg(lambda s: s.value_counts().idxmax())
    assert mode.to_dict() == {"18-24": "A", "25-34": "A", "35-44": "I", "45-54": "I", "55+": "I"}


@pytest.mark.parametrize(
    ("feature", "category"),
    [
        ("f_tracking", "M"),
        ("f_door", "M"),
        ("f_locker", "O"),
        ("f_claim", "O"),
        ("f_miniapp", "O"),
        ("f_appointment", "A"),
        ("f_einvoice", "I"),
        ("f_recycle", "I"),
        ("f_voice", "I"),
    ],
)
def test_f3_other_kano_features_are_clear(demo: DemoCompany, feature: str, category: str) -> None:
    counts = _kano_cat(demo.responses, feature).value_counts()
    assert counts.idxmax() == category
    n = counts.sum()
    a, b = counts.iloc[0], counts.iloc[1]
    # Fong (1996) test: the top two differ significantly at alpha = 0.1
    assert abs(a - b) >= 1.65 * math.sqrt((a + b) * (2 * n - a - b) / (2 * n))


def _lmg(frame: pd.DataFrame, y: str, xs: list[str]) -> dict[str, float]:
    corr = frame[[*xs, y]].dropna().corr().to_numpy()
    p = len(xs)

    def r2(subset: tuple[int, ...]) -> float:
        if not subset:
            return 0.0
        idx = list(subset)
        rxy = corr[idx, p]
        return float(rxy @ np.linalg.solve(corr[np.ix_(idx, idx)], rxy))

    out = {}
    for j in range(p):
        rest = [k for k in range(p) if k != j]
        total = 0.0
        for size in range(p):
            w = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for s in itertools.combinations(rest, size):
                total += w * (r2((*s, j)) - r2(s))
        out[xs[j]] = total
    return out


def test_f4_drivers_and_nps(demo: DemoCompany) -> None:
    m = _dim_means(demo.responses)
    m["overall"] = demo.responses["overall"]
    xs = [f"{d}_perceived" for d in DIMS]
    lmg = _lmg(m, "overall", xs)
    top2 = sorted(lmg, key=lambda k: lmg[k], reverse=True)[:2]
    assert set(top2) == {"reliability_perceived", "responsiveness_perceived"}
    assert lmg["reliability_perceived"] + lmg["responsiveness_perceived"] > 0.6 * sum(lmg.values())
    rho = stats.spearmanr(demo.responses["nps"], demo.responses["overall"], nan_policy="omit")
    assert rho.statistic > 0.6


def test_f4_csi_indicators_correlate_within_blocks(demo: DemoCompany) -> None:
    r = demo.responses
    blocks = {
        "img": ["img1", "img2", "img3"],
        "exp": ["exp1", "exp2", "exp3"],
        "qua": ["qua1", "qua2", "qua3"],
        "val": ["val1", "val2"],
        "sat": ["sat1", "sat2", "sat3"],
        "loy": ["loy1", "loy2"],
    }
    for cols in blocks.values():
        c = r[cols].corr().to_numpy()
        assert c[np.triu_indices(len(cols), 1)].min() > 0.4
    scores = pd.DataFrame({k: r[v].mean(axis=1) for k, v in blocks.items()})
    assert scores["sat"].corr(scores["loy"]) > 0.4
    assert scores["qua"].corr(scores["sat"]) > 0.4


def test_f5_business_customers_expect_more(demo: DemoCompany) -> None:
    m = _dim_means(demo.responses)
    adequate = m[[f"{d}_adequate" for d in DIMS]].mean(axis=1)
    groups = [
        adequate[demo.responses["customer_type"] == t].dropna() for t in ("business", "individual")
    ]
    res = stats.f_oneway(*groups)
    assert res.pvalue < 1e-10
    assert groups[0].mean() - groups[1].mean() > 0.5


def test_f6_waiting_time(demo: DemoCompany) -> None:
    r = demo.responses
    assert 12 <= r["wait_adequate"].median() <= 18
    assert 3 <= r["wait_desired"].median() <= 7
    by_site = r.groupby("site")["wait_perceived"].median()
    assert by_site.max() - by_site.min() > 8
    samples = [g.dropna().to_numpy() for _, g in r.groupby("site")["wait_perceived"]]
    assert stats.kruskal(*samples).pvalue < 1e-10
    ok = r[["wait_adequate", "wait_desired"]].dropna()
    assert (ok["wait_desired"] <= ok["wait_adequate"]).mean() > 0.97  # lower is better


# ---------------------------------------------------------------- complaints and recovery


def test_complaints_table(demo: DemoCompany) -> None:
    c = demo.complaints
    assert list(c.columns) == [
        "code",
        "customer",
        "site",
        "channel",
        "received_at",
        "text",
        "lang",
        "category",
        "severity",
    ]
    assert c["code"].is_unique
    assert set(c["channel"]) <= {"phone", "web", "app", "weibo", "email"}
    assert set(c["category"]) == {
        "delay",
        "damage_loss",
        "attitude",
        "information",
        "price",
        "other",
    }
    assert set(c["severity"]) == {1, 2, 3}
    assert str(c["received_at"].dt.tz) == "UTC"
    assert c["received_at"].is_monotonic_increasing
    assert set(c["site"]) <= set(demo.sites["code"])
    assert set(c["customer"]) <= set(demo.customers["code"])
    en = (c["lang"] == "en").mean()
    assert 0.05 <= en <= 0.15
    zh = c.loc[c["lang"] == "zh", "text"]
    assert zh.str.contains(r"[\u4e00-\u9fff]").all()
    assert c["text"].nunique() > 0.8 * len(c)  # varied: slot fillers make texts distinct


def test_seed_cases_are_present(demo: DemoCompany) -> None:
    c = demo.complaints.set_index("code")
    r = demo.recoveries.set_index("complaint")
    first = c.iloc[:3]
    assert first["category"].tolist() == ["delay", "attitude", "damage_loss"]
    assert "暴风雪" in first["text"].iloc[0]
    assert "态度很生硬" in first["text"].iloc[1]
    assert "损坏" in first["text"].iloc[2]
    rec = r.loc[first.index]
    assert all("apology" in a for a in rec["actions"])
    assert (rec["compensation_cny"] > 0).all()
    assert (rec["sat_after"] > rec["sat_before"]).all()
    assert not rec["churned_90d"].any()


def _ack_hours(demo: DemoCompany) -> pd.Series:
    rec = demo.recoveries.set_index("complaint")
    recv = demo.complaints.set_index("code")["received_at"]
    return (rec["acknowledged_at"] - recv.loc[rec.index]).dt.total_seconds() / 3600.0


def test_recoveries_table(demo: DemoCompany) -> None:
    r = demo.recoveries
    assert (r["complaint"] == demo.complaints["code"]).all()
    assert (_ack_hours(demo).to_numpy() > 0).all()
    assert (r["resolved_at"] >= r["acknowledged_at"]).all()
    vocab = {"apology", "explanation", "redelivery", "refund", "coupon", "compensation"}
    for a in r["actions"]:
        parts = a.split(";")
        assert parts and set(parts) <= vocab
    money = r["actions"].str.contains("refund|coupon|compensation")
    assert ((r["compensation_cny"] > 0) == money).all()
    items = [f"{k}{j}" for k in ("dist", "proc", "inter") for j in (1, 2, 3)]
    for col in ["sat_before", "sat_after", *items]:
        assert r[col].between(1, 7).all()
    assert r["churned_90d"].dtype == bool
    assert r["complained_again_90d"].dtype == bool
    # complained_again_90d agrees with the complaint table
    c = demo.complaints
    for i in np.flatnonzero(r["complained_again_90d"].to_numpy())[:20]:
        cust, t = c["customer"].iat[i], c["received_at"].iat[i]
        later = c[(c["customer"] == cust) & (c["received_at"] > t)]
        assert (later["received_at"] - t).min() <= pd.Timedelta(days=90)


def test_f7_recovery_paradox(demo: DemoCompany) -> None:
    r = demo.recoveries
    ack = _ack_hours(demo).to_numpy()
    acts = r["actions"]
    full = (
        acts.str.contains("apology")
        & acts.str.contains("explanation")
        & acts.str.contains("refund|coupon|compensation")
    ).to_numpy()
    delta = (r["sat_after"] - r["sat_before"]).to_numpy()
    fast_full = delta[(ack <= 2) & full]
    slow = delta[ack > 24]
    assert fast_full.size > 60 and slow.size > 50
    assert fast_full.mean() > 0.2
    assert slow.mean() < -0.8
    assert stats.ttest_1samp(fast_full, 0.0, alternative="greater").pvalue < 0.01
    # procedural justice falls with time to acknowledge
    proc = r[["proc1", "proc2", "proc3"]].mean(axis=1)
    assert stats.spearmanr(ack, proc).statistic < -0.4


def test_f8_churn_tolerance(demo: DemoCompany) -> None:
    r = demo.recoveries
    ack = _ack_hours(demo).to_numpy()
    churn = r["churned_90d"].to_numpy()
    assert churn[ack > 24].mean() > churn[ack <= 2].mean() + 0.05
    cust = demo.customers.set_index("code").loc[demo.complaints["customer"]]
    x = pd.DataFrame(
        {
            "tenure_years": cust["tenure_months"].to_numpy() / 12.0,
            "loyalty": cust["loyalty_intent"].to_numpy() - 4.0,
            "slow": (ack > 24).astype(float),
        }
    )
    fit = sm.Logit(churn.astype(float), sm.add_constant(x)).fit(disp=0)
    assert fit.params["slow"] > 0.4
    assert fit.params["loyalty"] < 0
    assert fit.params["tenure_years"] < 0


# ---------------------------------------------------------------- demand and audits


def test_demand_table(demo: DemoCompany) -> None:
    d = demo.demand
    for c in ("site", "queue", "interval_start", "interval_s", "arrivals", "handled", "abandoned"):
        assert c in d.columns
    assert str(d["interval_start"].dt.tz) == "UTC"
    assert (d["interval_s"] == 1800).all()
    assert (d["handled"] + d["abandoned"] == d["arrivals"]).all()
    assert (d["total_wait_s"] >= 0).all()
    local = d["interval_start"].dt.tz_convert("Asia/Shanghai")
    assert local.min() == pd.Timestamp("2026-10-05 00:00", tz="Asia/Shanghai")
    assert local.max() == pd.Timestamp("2026-11-29 23:30", tz="Asia/Shanghai")
    minutes = local.dt.hour * 60 + local.dt.minute
    calls = d["queue"] == "hotline"
    closed_cc = calls & ((minutes < 8 * 60) | (minutes >= 22 * 60))
    closed_counter = ~calls & ((minutes < 8 * 60 + 30) | (minutes >= 20 * 60))
    assert (d.loc[closed_cc | closed_counter, "arrivals"] == 0).all()
    assert set(d.loc[calls, "site"]) == set(
        demo.sites.loc[demo.sites["kind"] == "call_centre", "code"]
    )


def test_f9_demand_patterns(demo: DemoCompany) -> None:
    d = demo.demand.copy()
    local = d["interval_start"].dt.tz_convert("Asia/Shanghai")
    d["date"] = local.dt.date
    calls = d[d["queue"] == "hotline"]
    # exponential-patience MLE: total waiting time / abandonments (planted 90 s)
    patience = calls["total_wait_s"].sum() / calls["abandoned"].sum()
    assert 80 <= patience <= 100
    handled = calls[calls["handled"] > 0]
    aht = np.average(handled["aht_s"], weights=handled["handled"])
    assert 225 <= aht <= 255
    daily = calls.groupby("date")[["arrivals", "abandoned"]].sum()
    daily.index = pd.to_datetime(daily.index)
    promo = daily.loc["2026-11-11":"2026-11-12", "arrivals"].to_numpy()
    same_days = daily.loc[["2026-11-04", "2026-11-05"], "arrivals"].to_numpy()
    ratio = promo.sum() / same_days.sum()
    assert 1.6 <= ratio <= 2.0
    rate = daily["abandoned"] / daily["arrivals"]
    assert (
        rate.loc["2026-11-11":"2026-11-12"].min()
        > 2 * rate.drop(pd.to_datetime(["2026-11-11", "2026-11-12"])).median()
    )
    weekend = daily.index.dayofweek >= 5
    assert daily.loc[weekend, "arrivals"].mean() < 0.8 * daily.loc[~weekend, "arrivals"].mean()
    counters = d[d["queue"] == "counter"]
    c_pat = counters["total_wait_s"].sum() / counters["abandoned"].sum()
    assert 550 <= c_pat <= 650


def test_audits(demo: DemoCompany) -> None:
    a = demo.audits
    assert a.groupby("audit")["weight"].sum().eq(100).all()
    assert a["audit"].nunique() == 144
    assert a["score"].between(0, a["max_score"]).all()
    assert str(a["visited_at"].dt.tz) == "UTC"
    rel = a[a["indicator"].isin(["packing", "promise_time", "handling_care", "tracking_info"])]
    by_site = (rel["score"] / rel["max_score"]).groupby(rel["site"]).mean()
    assert by_site.idxmin() == "gz_baiyun"
    assert by_site.drop("gz_baiyun").min() - by_site["gz_baiyun"] > 0.15
    rest = a[~a.index.isin(rel.index)]
    other = (rest["score"] / rest["max_score"]).groupby(rest["site"]).mean()
    assert other.min() - 0.05 <= other["gz_baiyun"] <= other.max() + 0.05


def test_findings_and_to_dict(default_demo: DemoCompany) -> None:
    codes = [f.code for f in default_demo.findings]
    assert codes == [f"F{i}" for i in range(1, len(codes) + 1)]
    for f in default_demo.findings:
        assert re.search(r"[\u4e00-\u9fff]", f.description_zh)
        assert f.description_en and f.expected_result
    d: dict[str, Any] = default_demo.findings[0].to_dict()
    assert d["code"] == "F1"
