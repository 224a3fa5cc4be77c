"""The planted findings of the demo, as data (the same list as ``docs/demo.md``)."""

from __future__ import annotations

from dataclasses import dataclass

from servgap.core._result import ResultMixin


@dataclass(frozen=True)
class Finding(ResultMixin):
    """One planted finding: what was planted and what an analysis should report.

    Attributes
    ----------
    code : str
        Stable identifier (``F1`` ...).
    description_zh, description_en : str
        What was planted, in Chinese and English.
    expected_result : str
        Which analysis should find it and roughly how big it is (English).
    """

    code: str
    description_zh: str
    description_en: str
    expected_result: str


FINDINGS: tuple[Finding, ...] = (
    Finding(
        "F1",
        "广州白云网点（gz_baiyun）的可靠性有问题：可靠性各题的感知低于适当期望，其他维度正常。",
        "Guangzhou Baiyun outlet (gz_baiyun) has a reliability problem: perceived reliability "
        "items fall below the adequate level; the other dimensions are normal.",
        "Zone-of-tolerance / MSA by site and dimension: gz_baiyun reliability MSA about -2.1 "
        "(lowest of all site x dimension cells; other outlets +0.2 to +0.7); about 90 % of its "
        "respondents below their zone on reliability. Planted shift -2.6 on the perceived "
        "reliability factor. Mystery-shopper audits there score ~3.5/10 lower on packing, "
        "promise_time, handling_care and tracking_info; more delay and damage complaints.",
    ),
    Finding(
        "F2",
        "响应性期望（适当与理想服务水平）逐季上升，感知保持不变，因此响应性 MSA 逐季下降。",
        "Responsiveness expectations (adequate and desired) rise every quarter while "
        "perceptions stay flat, so responsiveness MSA falls.",
        "Trend of dimension scores by period: responsiveness adequate and desired +0.4 per "
        "quarter (planted); responsiveness MSA about +1.1 (2026Q1) to about -0.1 (2026Q4); the "
        "other dimensions flat.",
    ),
    Finding(
        "F3",
        "夜间派送（f_night）对 18-34 岁客户是魅力质量，对 35 岁及以上客户是无差异质量；其他功能类别清楚。",
        "Evening delivery (f_night) is Attractive for customers aged 18-34 and Indifferent for "
        "35+; the other features have clear categories.",
        "Kano classification (Berger table, most frequent category) by age_group: f_night A "
        "for 18-24 and 25-34, I for 35-44, 45-54, 55+. Overall: f_tracking, f_door M; "
        "f_locker, f_claim, f_miniapp O; f_appointment A; f_einvoice, f_recycle, f_voice I "
        "(dominant category planted at 55 % of answers, 5 % random answers).",
    ),
    Finding(
        "F4",
        "总体满意度主要由可靠性和响应性驱动；NPS 由满意度驱动。",
        "Overall satisfaction is driven mostly by reliability and responsiveness; NPS is "
        "driven by satisfaction.",
        "Relative importance (LMG / relative weights) of the five perceived dimension means "
        "for `overall`: reliability first (~40 % of R2), responsiveness second (~30 %), the "
        "other three ~8-12 % each; R2 about 0.6. Spearman(nps, overall) about 0.8.",
    ),
    Finding(
        "F5",
        "企业客户的期望更高：各维度的适当和理想服务水平都高于个人客户。",
        "Business customers have higher expectations: adequate and desired levels are higher "
        "on every dimension.",
        "One-way ANOVA of dimension adequate means by customer_type: business about +0.9 "
        "points (planted: +0.45 direct and +0.9 SD latent expectation x 0.5), p < 1e-20, "
        "eta squared about 0.2. Desired about +0.6.",
    ),
    Finding(
        "F6",
        "柜台等候时间：适当等候时间中位数 15 分钟，理想 5 分钟，各网点实际等候时间差异很大。",
        "Counter waiting time: adequate wait median 15 min, desired 5 min; experienced wait "
        "varies by outlet.",
        "wait item (lower_better): median adequate 15, desired 5; perceived wait by outlet "
        "from about 6 min (sz_nanshan, sh_xuhui) to about 24 min (tj_heping); the northern "
        "outlets exceed the adequate wait, so their wait MSA (adequate - perceived) is "
        "negative. Use 15 min as the service-level target for counter staffing.",
    ),
    Finding(
        "F7",
        "服务补救悖论：2 小时内确认并且道歉、解释、补偿齐全的补救，补救后满意度高于失误前；慢速补救使其下降。",
        "Recovery paradox: recoveries acknowledged within 2 h with apology, explanation and a "
        "remedy leave satisfaction above its pre-failure level; slow recoveries lower it.",
        "Recovery table: mean sat_after - sat_before about +0.5 for fast full recoveries "
        "(acknowledged <= 2 h, apology and explanation and at least one of "
        "coupon/refund/compensation), about -0.5 for 2-24 h and about -1.3 for > 24 h. "
        "Justice items: proc falls with time to acknowledge, inter rises with apology and "
        "explanation, dist with the compensation amount.",
    ),
    Finding(
        "F8",
        "客户宽容度：老客户、高忠诚、高频下单降低流失；高期望、慢补救、负面情绪、重复投诉提高流失。",
        "Customer tolerance: long tenure, high loyalty and many orders lower churn; high "
        "expectations, slow recovery, negative emotion and repeated complaints raise it.",
        "Logistic churn model (servgap.demo.complaints.CHURN_COEFFICIENTS): intercept -1.6; "
        "tenure_years -0.25; loyalty_intent-4 -0.35; ln(1+orders_per_month) -0.30; "
        "expectation_z +0.45; ack > 24 h +1.1; ack 2-24 h +0.45; full recovery -0.6; negative "
        "emotion in the text +0.8; prior complaint +0.7; severity-1 +0.25. Churn about 8 % "
        "after fast full recovery vs about 30 % after slow (> 24 h) recovery.",
    ),
    Finding(
        "F9",
        "需求：呼叫中心有日、周季节性和双11高峰（11月11-12日来电 ×1.8），人手只按 +25% 排班，放弃率骤升；客户耐心均值 90 秒。",
        "Demand: the hotline shows daily and weekly seasonality and a 双11 peak (calls x1.8 on "
        "11-12 Nov) staffed for only +25 %, so abandonment jumps; mean caller patience 90 s.",
        "Interval demand: weekday/weekend profiles (calls lower at weekends, counters higher); "
        "hotline abandonment about 7 % normally, about 15-20 % on 11-12 Nov; patience MLE "
        "(total_wait_s / abandoned) about 90 s for calls and about 600 s at counters; AHT about "
        "240 s (calls) and 150 s (counters). Counters: arrivals x1.4 on 12-15 Nov.",
    ),
)
