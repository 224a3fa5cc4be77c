"""Example Express: regions, sites and the customer base of the demo company.

Everything here is invented. Customer names and phone numbers are synthetic but
look real, so treat the demo customer table as personal data when you test
export, masking or deletion features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

PROBLEM_OUTLET = "gz_baiyun"
CALL_CENTRE = "cc_hotline"

REGIONS: tuple[tuple[str, str, str], ...] = (
    ("east", "华东", "East"),
    ("south", "华南", "South"),
    ("north", "华北", "North"),
)


@dataclass(frozen=True)
class Outlet:
    """Static description of one outlet and its planted parameters."""

    code: str
    name_zh: str
    name_en: str
    region: str
    city_zh: str
    city_en: str
    wait_min: float  # median experienced counter wait in the survey (minutes)
    counter_per_30min: float  # counter arrivals per half hour at the daily peak
    occupancy_target: float  # staffing rule of the counter: agents = ceil(load / target)


OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        "sh_xuhui", "上海徐汇网点", "Shanghai Xuhui outlet", "east", "上海", "Shanghai", 6, 22, 0.70
    ),
    Outlet(
        "sh_zhangjiang",
        "上海浦东张江网点",
        "Shanghai Pudong Zhangjiang outlet",
        "east",
        "上海",
        "Shanghai",
        9,
        26,
        0.78,
    ),
    Outlet(
        "hz_xihu", "杭州西湖网点", "Hangzhou Xihu outlet", "east", "杭州", "Hangzhou", 7, 18, 0.72
    ),
    Outlet(
        "nj_gulou", "南京鼓楼网点", "Nanjing Gulou outlet", "east", "南京", "Nanjing", 12, 16, 0.85
    ),
    Outlet(
        "gz_tianhe",
        "广州天河网点",
        "Guangzhou Tianhe outlet",
        "south",
        "广州",
        "Guangzhou",
        10,
        24,
        0.80,
    ),
    Outlet(
        "gz_baiyun",
        "广州白云网点",
        "Guangzhou Baiyun outlet",
        "south",
        "广州",
        "Guangzhou",
        11,
        20,
        0.82,
    ),
    Outlet(
        "sz_nanshan",
        "深圳南山网点",
        "Shenzhen Nanshan outlet",
        "south",
        "深圳",
        "Shenzhen",
        5,
        25,
        0.68,
    ),
    Outlet(
        "xm_siming", "厦门思明网点", "Xiamen Siming outlet", "south", "厦门", "Xiamen", 8, 12, 0.75
    ),
    Outlet(
        "bj_chaoyang",
        "北京朝阳网点",
        "Beijing Chaoyang outlet",
        "north",
        "北京",
        "Beijing",
        18,
        28,
        0.92,
    ),
    Outlet(
        "bj_haidian",
        "北京海淀网点",
        "Beijing Haidian outlet",
        "north",
        "北京",
        "Beijing",
        14,
        24,
        0.88,
    ),
    Outlet(
        "tj_heping",
        "天津和平网点",
        "Tianjin Heping outlet",
        "north",
        "天津",
        "Tianjin",
        22,
        15,
        0.95,
    ),
    Outlet(
        "jn_lixia", "济南历下网点", "Jinan Lixia outlet", "north", "济南", "Jinan", 16, 13, 0.90
    ),
)


def regions_frame() -> pd.DataFrame:
    """The three regions: code, name_zh, name_en."""
    return pd.DataFrame(list(REGIONS), columns=["code", "name_zh", "name_en"])


def sites_frame() -> pd.DataFrame:
    """12 outlets (each with a counter queue) and the call-centre queue site."""
    rows = [(o.code, o.name_zh, o.name_en, "outlet", o.region) for o in OUTLETS]
    rows.append((CALL_CENTRE, "客服中心热线", "Customer service hotline", "call_centre", "east"))
    return pd.DataFrame(rows, columns=["code", "name_zh", "name_en", "kind", "region"])


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华梅鑫波斌宇浩凯秀兰玉萍建国志红晓东"
    "婷雪琳欣怡子涵梓轩思雨俊杰宇轩佳琪嘉怡文博一鸣晨曦雅琴海燕国庆春生德明淑芬丽华振华"
)
_PREFIX_NUMBERS = (*range(130, 134), *range(135, 140), *range(150, 154), *range(155, 160))
_MOBILE_PREFIXES: tuple[str, ...] = tuple(
    str(p) for p in (*_PREFIX_NUMBERS, 166, 173, 175, 176, 177, *range(180, 190), 198, 199)
)

AGE_GROUPS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55+")


@dataclass(frozen=True)
class CustomerBase:
    """The customer table plus hidden traits the other generators use."""

    frame: pd.DataFrame
    home_outlet: npt.NDArray[np.int64]  # index into OUTLETS
    expectation_z: npt.NDArray[np.float64]  # latent expectation level (standardised)
    business: npt.NDArray[np.bool_]
    age_idx: npt.NDArray[np.int64]


def make_customers(rng: np.random.Generator, n: int = 2500) -> CustomerBase:
    """Generate the customer base.

    Business customers (22 %) are older on average, order far more often and
    carry a higher latent expectation level (+0.9 SD), which feeds the survey
    (higher adequate and desired levels) and churn after complaints.
    """
    business = rng.random(n) < 0.22
    age_p_ind = np.array([0.20, 0.33, 0.22, 0.14, 0.11])
    age_p_bus = np.array([0.05, 0.30, 0.35, 0.22, 0.08])
    u = rng.random(n)
    age_idx = np.where(
        business,
        np.searchsorted(np.cumsum(age_p_bus), u, side="right"),
        np.searchsorted(np.cumsum(age_p_ind), u, side="right"),
    ).astype(np.int64)
    age_idx = np.minimum(age_idx, 4)
    # larger outlets have more customers
    weights = np.array([o.counter_per_30min for o in OUTLETS], dtype=float)
    home = rng.choice(len(OUTLETS), size=n, p=weights / weights.sum()).astype(np.int64)
    gender = np.where(rng.random(n) < 0.52, "female", "male")
    tenure = np.clip(np.ceil(rng.gamma(1.6, 16.0, n)), 1, 180).astype(np.int64)
    orders = np.where(
        business,
        rng.lognormal(np.log(25.0), 0.6, n),
        rng.lognormal(np.log(2.5), 0.7, n),
    )
    orders = np.round(np.clip(orders, 0.2, 400.0), 1)
    tenure_z = (np.log(tenure) - np.log(tenure).mean()) / np.log(tenure).std()
    loyalty = np.clip(np.rint(4.6 + 0.6 * tenure_z + rng.normal(0.0, 1.1, n)), 1, 7).astype(
        np.int64
    )
    expectation_z = rng.normal(0.0, 1.0, n) + 0.9 * business
    names = [
        str(_SURNAMES[int(i)])
        + "".join(_GIVEN[int(j)] for j in rng.integers(0, len(_GIVEN), int(k)))
        for i, k in zip(
            rng.integers(0, len(_SURNAMES), n),
            rng.choice([1, 2], size=n, p=[0.3, 0.7]),
            strict=True,
        )
    ]
    prefixes = rng.choice(_MOBILE_PREFIXES, size=n)
    tails = rng.integers(0, 100_000_000, n)
    phones = [f"{p}{t:08d}" for p, t in zip(prefixes, tails, strict=True)]
    frame = pd.DataFrame(
        {
            "code": [f"C{i + 1:05d}" for i in range(n)],
            "name": names,
            "phone": phones,
            "customer_type": np.where(business, "business", "individual"),
            "age_group": [AGE_GROUPS[int(i)] for i in age_idx],
            "gender": gender,
            "city": [OUTLETS[int(h)].city_zh for h in home],
            "tenure_months": tenure,
            "orders_per_month": orders,
            "loyalty_intent": loyalty,
        }
    )
    return CustomerBase(
        frame=frame,
        home_outlet=home,
        expectation_z=expectation_z.astype(np.float64),
        business=business,
        age_idx=age_idx,
    )
