"""A small company that is not the demo, prepared by hand: 8 respondents, 2 sites, 2 quarters.

Survey ``kiosk``: reliability ``rel1`` and responsiveness ``res1``, ``res2`` (three-column,
1–9), a counter wait ``wait`` in minutes (lower is better, 0–240), NPS, and importance
points over the two rating dimensions. No complaints, demand, recovery outcomes or
audits are loaded: those report sections must say so.

The answers are chosen so that every expected figure in the tests is worked by hand
from the definitions (Parasuraman, Zeithaml & Berry 1994: MSA = P − A, MSS = P − D).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from servgap.services.context import Store, ensure_workspace, get_workspace
from servgap.services.responses import import_responses
from servgap.services.surveys import save_definition
from servgap.settings import Settings
from servgap.store.models import Site

SURVEY = {
    "code": "kiosk",
    "version": 1,
    "title": {"zh": "小店满意度调查", "en": "Kiosk satisfaction survey"},
    "scale": {"min": 1, "max": 9},
    "questions": [
        {"code": "rel1", "type": "servqual3", "dimension": "reliability",
         "text": {"zh": "按时送达", "en": "On time"}},
        {"code": "res1", "type": "servqual3", "dimension": "responsiveness",
         "text": {"zh": "电话很快接通", "en": "Phone answered fast"}},
        {"code": "res2", "type": "servqual3", "dimension": "responsiveness",
         "text": {"zh": "问题很快解决", "en": "Problems solved fast"}},
        {"code": "wait", "type": "servqual3", "dimension": "responsiveness", "unit": "minutes",
         "direction": "lower_better", "scale": {"min": 0, "max": 240},
         "text": {"zh": "柜台等候时间（分钟）", "en": "Counter wait (minutes)"}},
        {"code": "nps", "type": "nps", "text": {"zh": "推荐意愿", "en": "Recommend"}},
        {"code": "importance", "type": "importance", "options": ["reliability", "responsiveness"],
         "text": {"zh": "重要性", "en": "Importance"}},
    ],
}  # fmt: skip

# response, period, site, (rel1 A, D, P), (res1 A, D, P), (res2 A, D, P), (wait A, D, P),
# nps, importance points (reliability, responsiveness)
ANSWERS = [
    ("A", "2026Q2", "s1", (5, 8, 6), (4, 7, 5), (5, 8, 6), (15, 5, 20), 9, (50, 50)),
    ("B", "2026Q2", "s1", (4, 7, 4), (5, 8, 6), (4, 6, 6), (10, 5, 8), 5, (50, 50)),
    ("C", "2026Q2", "s2", (6, 8, 8), (5, 7, 4), (6, 9, 5), (20, 10, 10), 3, (50, 50)),
    ("D", "2026Q2", "s2", (5, 7, 5), (6, 8, 7), (5, 7, 6), (15, 5, 15), 10, (50, 50)),
    ("E", "2026Q3", "s1", (5, 8, 4), (6, 8, 5), (6, 8, 6), (15, 5, 25), 10, (30, 70)),
    ("F", "2026Q3", "s1", (6, 8, 6), (5, 7, 5), (5, 8, 4), (10, 5, 12), 9, (50, 50)),
    ("G", "2026Q3", "s2", (4, 7, 5), (6, 9, 6), (6, 8, 5), (20, 5, 10), 6, (50, 50)),
    ("H", "2026Q3", "s2", (5, 9, 7), (5, 8, 4), (4, 7, 5), (10, 5, 6), 8, (50, 50)),
]  # fmt: skip
SUBMITTED = {"2026Q2": "2026-05-15T10:00:00+08:00", "2026Q3": "2026-08-15T10:00:00+08:00"}


def answers_csv(path: Path) -> Path:
    header = ["response_id", "submitted_at", "site", "period"]
    for code in ("rel1", "res1", "res2", "wait"):
        header += [f"{code}_adequate", f"{code}_desired", f"{code}_perceived"]
    header += ["nps", "importance_reliability", "importance_responsiveness"]
    lines = [",".join(header)]
    for rid, period, site, rel1, res1, res2, wait, nps, imp in ANSWERS:
        cells = [rid, SUBMITTED[period], site, period]
        for triple in (rel1, res1, res2, wait):
            cells += [str(x) for x in triple]
        cells += [str(nps), *(str(x) for x in imp)]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build_small_company(store: Store, tmp: Path) -> None:
    with store.session() as s:
        ws = ensure_workspace(s, "kiosk_co", "小店公司", "Kiosk Co")
        for code in ("s1", "s2"):
            s.add(Site(workspace_id=ws.id, code=code, name_zh=code, name_en=code, kind="outlet"))
        save_definition(s, ws, dict(SURVEY), source="kiosk.yaml")
    import_responses(store, answers_csv(tmp / "kiosk.csv"), workspace="kiosk_co", survey="kiosk",
                     now=dt.datetime(2026, 12, 31, tzinfo=dt.UTC))  # fmt: skip
    with store.session() as s:
        get_workspace(s, "kiosk_co")


@pytest.fixture
def small_company(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(
        Settings(database_url=f"sqlite:///{tmp_path / 'kiosk.sqlite'}", home=tmp_path / "home")
    )
    build_small_company(store, tmp_path)
    yield store
    store.dispose()
