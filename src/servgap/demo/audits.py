"""Demo mystery-shopper audits: one visit per outlet per month of 2026.

Ten weighted indicators (weights sum to 100, each scored 0..10). The problem
outlet (``gz_baiyun``) scores about 3.5 points lower on the four
reliability-related indicators (``packing``, ``promise_time``,
``handling_care``, ``tracking_info``) and normally on the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from servgap.demo.company import OUTLETS, PROBLEM_OUTLET

#: code, name_zh, name_en, weight, reliability-related
INDICATORS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("greeting", "主动问候与迎接", "Greeting on arrival", 10, False),
    ("queue_time", "排队等候时间", "Time in the queue", 15, False),
    ("id_check", "实名收寄与开箱验视", "ID check and content inspection", 10, False),
    ("packing", "包装规范", "Packing to standard", 10, True),
    ("price_disclosure", "资费公示与告知", "Prices shown and explained", 10, False),
    ("courtesy", "礼貌用语", "Courteous language", 10, False),
    ("tidiness", "网点整洁", "Tidy outlet", 5, False),
    ("tracking_info", "单号与查询方式告知", "Tracking number and how to track explained", 10, True),
    ("promise_time", "时效承诺准确", "Accurate delivery-time promise", 10, True),
    ("handling_care", "轻拿轻放", "Careful handling of parcels", 10, True),
)
AUDITORS: tuple[str, ...] = ("周明", "林晓雯", "郭建华", "何静", "唐志远", "许佳")
PROBLEM_AUDIT_SHIFT = -3.5
MAX_SCORE = 10


def make_audits(rng: np.random.Generator) -> pd.DataFrame:
    """Long table: one row per audit visit and indicator."""
    rows = []
    for o in OUTLETS:
        level = float(np.clip(rng.normal(8.0, 0.3), 7.5, 8.5))
        for month in range(1, 13):
            day = int(rng.integers(3, 27))
            minute = int(rng.integers(10 * 60, 17 * 60))
            visited = (
                pd.Timestamp(year=2026, month=month, day=day, tz="Asia/Shanghai")
                + pd.Timedelta(minutes=minute)
            ).tz_convert("UTC")
            auditor = AUDITORS[(month + OUTLETS.index(o)) % len(AUDITORS)]
            code = f"AU2026{month:02d}-{o.code}"
            for ind_code, zh, en, weight, rel in INDICATORS:
                mean = level + (PROBLEM_AUDIT_SHIFT if (o.code == PROBLEM_OUTLET and rel) else 0.0)
                score = int(np.clip(np.rint(mean + rng.normal(0.0, 1.0)), 0, MAX_SCORE))
                rows.append(
                    {
                        "audit": code,
                        "site": o.code,
                        "visited_at": visited,
                        "auditor": auditor,
                        "indicator": ind_code,
                        "name_zh": zh,
                        "name_en": en,
                        "weight": weight,
                        "score": score,
                        "max_score": MAX_SCORE,
                    }
                )
    return pd.DataFrame(rows)
