"""Write the example files of docs/getting-started.md into examples/ (deterministic).

The files are what a consultant or a quality manager has in hand for a small
courier, 鹏城快递 (Pengcheng Express, Shenzhen): a site list, a customer list
with profiles, a hand-written survey definition, a 问卷星-style response
export with Chinese headers and its mapping, complaints, an ACD export with
its mapping, and a mystery-shopper visit sheet with its standard. Run it only
to regenerate them: ``python scripts/make_examples.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "examples"
RNG = np.random.default_rng(20261130)

SITES = [
    ("sz_south", "深圳南区", "ft01", "福田中心网点", "outlet", "", "", "2019-03-01"),
    ("sz_south", "深圳南区", "ns01", "南山科技园网点", "outlet", "", "", "2021-06-15"),
    ("sz_north", "深圳北区", "la01", "龙华驿站", "outlet", "", "", "2022-01-10"),
    (
        "sz_north",
        "深圳北区",
        "cc01",
        "客服热线中心",
        "call_centre",
        "hotline;vip",
        "",
        "2018-09-01",
    ),
]
ITEMS = [  # code, dimension, zh, en
    ("tan1", "tangibles", "网点环境整洁、标识清楚", "The outlet is clean and clearly signed"),
    ("rel1", "reliability", "包裹按承诺时间送达", "Parcels arrive at the promised time"),
    ("rel2", "reliability", "包裹完好无损", "Parcels arrive undamaged"),
    (
        "res1",
        "responsiveness",
        "投诉和问题很快得到处理",
        "Complaints and questions are handled quickly",
    ),
    ("ass1", "assurance", "快递员专业可信", "Couriers are competent and trustworthy"),
    ("emp1", "empathy", "服务考虑到我的时间安排", "Service fits my schedule"),
]


def sites() -> None:
    pd.DataFrame(SITES, columns=["region", "region_name", "site", "site_name", "kind", "queue",
                                 "timezone", "opened_on"]).to_csv(
        OUT / "sites.csv", index=False, encoding="utf-8-sig")  # fmt: skip


def customers() -> list[str]:
    n = 60
    codes = [f"PC{1000 + i}" for i in range(n)]
    surnames = "王李张刘陈杨黄赵吴周"
    frame = pd.DataFrame(
        {
            "客户编号": codes,
            "姓名": [surnames[i % 10] + "某" + "甲乙丙丁戊"[i % 5] for i in range(n)],
            "手机": [f"13{RNG.integers(0, 10)}{RNG.integers(10**7, 10**8)}" for _ in range(n)],
            "客户类型": RNG.choice(["个人", "商户"], n, p=[0.7, 0.3]),
            "年龄段": RNG.choice(["18-34", "35-54", "55+"], n),
            "客龄": RNG.integers(1, 96, n),
            "月均订单": np.round(RNG.gamma(2.0, 3.0, n), 1),
            "会员等级": RNG.choice(["普通", "银卡", "金卡"], n, p=[0.6, 0.3, 0.1]),
        }
    )
    frame.to_csv(OUT / "customers.csv", index=False, encoding="utf-8-sig")
    return codes


SURVEY = """# 鹏城快递 2026 customer survey: hand-written, three-column SERVQUAL items (1-9)
code: pc_survey
version: 1
title: {zh: 鹏城快递顾客期望与满意度调查, en: Pengcheng Express customer survey}
scale: {min: 1, max: 9}
periods: quarter
questions:
%s  - code: wait
    type: servqual3
    dimension: responsiveness
    unit: minutes
    direction: lower_better
    scale: {min: 0, max: 120}
    text: {zh: 在网点取件时的排队等候时间（分钟）, en: Waiting time when collecting at the outlet (minutes)}
  - code: f_locker
    type: kano
    text: {zh: 可以把包裹放进小区快递柜, en: Parcels can be left in the estate's locker}
  - {code: nps, type: nps, text: {zh: "您有多大可能向亲友推荐鹏城快递？", en: "How likely are you to recommend Pengcheng Express?"}}
  - {code: comment, type: text, text: {zh: "还有什么想对我们说的？", en: "Anything else to tell us?"}}
"""


def survey() -> None:
    items = "".join(
        f'  - {{code: {c}, type: servqual3, dimension: {d}, text: {{zh: "{zh}", en: "{en}"}}}}\n'
        for c, d, zh, en in ITEMS
    )
    (OUT / "survey.yaml").write_text(SURVEY % items, encoding="utf-8")


def responses(codes: list[str]) -> None:
    rows = []
    comments = ["", "", "", "快递员态度很好", "送货太慢了，等了三天", "包裹外箱破了",
                "取件排队太久", "希望周末也能送", "服务不错，继续保持"]  # fmt: skip
    for i in range(48):
        quarter = 2 if i < 24 else 3
        month = RNG.integers(1, 4) + 3 * (quarter - 1)
        day = RNG.integers(1, 28)
        site = ["福田中心网点", "南山科技园网点", "龙华驿站"][i % 3]
        row = {
            "序号": i + 1,
            "提交答卷时间": f"2026/{month}/{day} {RNG.integers(8, 21)}:{RNG.integers(0, 60):02d}:00",
            "网点": site,
            "客户编号": codes[i % len(codes)],
        }
        for c, _, zh, _ in ITEMS:
            ade = int(RNG.integers(4, 7))
            des = min(9, ade + int(RNG.integers(1, 3)))
            per = int(
                np.clip(RNG.normal(6.2 if site != "龙华驿站" or c != "rel1" else 4.0, 1.2), 1, 9)
            )
            row[f"{zh}-最低可接受"] = ade
            row[f"{zh}-理想"] = des
            row[f"{zh}-实际感受"] = per
        ade_w = int(RNG.choice([10, 15, 20]))
        row["排队时间-最低可接受"] = ade_w
        row["排队时间-理想"] = 5
        row["排队时间-实际感受"] = int(RNG.integers(3, 30))
        row["快递柜-具备时"] = int(RNG.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
        row["快递柜-不具备时"] = int(RNG.choice([3, 4, 5], p=[0.3, 0.3, 0.4]))
        row["推荐意愿"] = int(np.clip(round(RNG.normal(7.5, 2)), 0, 10))
        row["意见"] = comments[i % len(comments)]
        row["IP地址"] = f"10.0.{i}.1"
        rows.append(row)
    pd.DataFrame(rows).to_csv(OUT / "responses_wjx.csv", index=False, encoding="gbk")
    mapping = ["# 问卷星 export headers -> survey columns", "columns:", "  序号: response_id",
               "  提交答卷时间: submitted_at", "  网点: site", "  客户编号: customer"]  # fmt: skip
    for c, _, zh, _ in ITEMS:
        for part, tag in (
            ("adequate", "最低可接受"),
            ("desired", "理想"),
            ("perceived", "实际感受"),
        ):
            mapping.append(f"  {zh}-{tag}: {c}_{part}")
    mapping += ["  排队时间-最低可接受: wait_adequate", "  排队时间-理想: wait_desired",
                "  排队时间-实际感受: wait_perceived", "  快递柜-具备时: f_locker_functional",
                "  快递柜-不具备时: f_locker_dysfunctional", "  推荐意愿: nps", "  意见: comment",
                "ignore: [IP地址]", "values:",
                "  site: {福田中心网点: ft01, 南山科技园网点: ns01, 龙华驿站: la01}",
                "timezone: Asia/Shanghai", ""]  # fmt: skip
    (OUT / "responses_mapping.yaml").write_text("\n".join(mapping), encoding="utf-8")


def complaints(codes: list[str]) -> None:
    texts = [("快递三天还没到，客服电话打不通", "delay"), ("包裹外箱压坏了，里面的杯子碎了", "damage_loss"),
             ("快递员态度很差，把包裹直接扔在门口", "attitude"), ("物流信息一直不更新", "information"),
             ("运费比说好的多收了十块", "price"), ("驿站搬了地方也没人通知", "information")]  # fmt: skip
    rows = []
    for i in range(12):
        text, _ = texts[i % len(texts)]
        rows.append({"code": f"CP{i + 1:03d}", "received_at": f"2026-0{7 + i % 3}-{10 + i:02d} 10:{i:02d}",
                     "text": text, "customer": codes[i], "site": ["ft01", "ns01", "la01"][i % 3],
                     "channel": "phone"})  # fmt: skip
    pd.DataFrame(rows).to_csv(OUT / "complaints.csv", index=False, encoding="utf-8-sig")


def acd() -> None:
    starts = pd.date_range("2026-09-07 08:00", "2026-09-20 21:30", freq="30min")
    starts = starts[(starts.hour >= 8) & (starts.hour < 22)]
    rows = []
    for t in starts:
        base = 30 + 25 * np.sin(np.pi * (t.hour + t.minute / 60 - 8) / 14)
        calls = int(RNG.poisson(base * (0.7 if t.dayofweek >= 5 else 1.0)))
        abandoned = int(RNG.binomial(calls, 0.06))
        rows.append({"日期": t.strftime("%Y-%m-%d"), "开始时间": t.strftime("%H:%M"),
                     "技能组": "hotline", "呼入量": calls, "接通量": calls - abandoned,
                     "放弃量": abandoned, "平均处理时长(秒)": round(float(RNG.normal(240, 20)), 1),
                     "总排队时长(秒)": round(float(calls * RNG.uniform(10, 40)), 1),
                     "在岗人数": int(6 + round(base / 10))})  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["时段"] = frame["日期"] + " " + frame["开始时间"]
    frame["中心"] = "cc01"
    frame.drop(columns=["日期", "开始时间"]).to_csv(OUT / "acd_export.csv", index=False,
                                                 encoding="utf-8-sig")  # fmt: skip
    (OUT / "acd_mapping.yaml").write_text(
        "# ACD export headers -> servgap demand columns\ncolumns:\n  中心: site\n  技能组: queue\n"
        "  时段: interval_start\n  呼入量: arrivals\n  接通量: handled\n  放弃量: abandoned\n"
        "  平均处理时长(秒): aht_s\n  总排队时长(秒): total_wait_s\n  在岗人数: agents\n"
        "timezone: Asia/Shanghai\n",
        encoding="utf-8",
    )


STANDARD = """# Mystery-shopper standard for outlets: weights are relative within the standard and a section
code: outlet_standard
version: 1
title: {zh: 网点神秘顾客检查标准, en: Outlet mystery-shopper standard}
scale: {min: 0, max: 5}
sections:
  - code: environment
    title: {zh: 环境, en: Environment}
    weight: 20
    indicators:
      - {code: clean, title: {zh: 网点整洁, en: Clean outlet}, weight: 1, item: tan1}
      - {code: signage, title: {zh: 标识清楚, en: Clear signs}, weight: 1, scale: {min: 0, max: 1}}
  - code: process
    title: {zh: 服务过程, en: Service process}
    weight: 50
    indicators:
      - {code: wait_ok, title: {zh: 排队不超过10分钟, en: Queue under 10 minutes}, weight: 2, scale: {min: 0, max: 1}, item: wait}
      - {code: accurate, title: {zh: 取件准确, en: Right parcel handed over}, weight: 3, item: rel2}
  - code: staff
    title: {zh: 员工, en: Staff}
    weight: 30
    indicators:
      - {code: greeting, title: {zh: 主动问候, en: Greets the customer}, weight: 1, item: emp1}
      - {code: knowledge, title: {zh: 解答专业, en: Answers competently}, weight: 1, item: ass1}
"""


def audits() -> None:
    (OUT / "audit_standard.yaml").write_text(STANDARD, encoding="utf-8")
    rows = []
    for i in range(9):
        site = ["ft01", "ns01", "la01"][i % 3]
        rows.append({"visit": f"MS{i + 1:02d}", "site": site,
                     "visited_at": f"2026-0{7 + i // 3}-{12 + i % 3} 1{i % 6}:30",
                     "auditor": ["检查员A", "检查员B"][i % 2],
                     "clean": int(RNG.integers(3, 6)), "signage": int(RNG.integers(0, 2)),
                     "wait_ok": 0 if site == "la01" else 1, "accurate": int(RNG.integers(3, 6)),
                     "greeting": int(RNG.integers(2, 6)), "knowledge": "" if i == 4 else int(RNG.integers(3, 6))})  # fmt: skip
    pd.DataFrame(rows).to_csv(OUT / "audit_visits.csv", index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    sites()
    codes = customers()
    survey()
    responses(codes)
    complaints(codes)
    acd()
    audits()
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")
