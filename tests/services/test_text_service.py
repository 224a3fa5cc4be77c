"""Text use cases on the store: similar earlier complaints for a complaint or a case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from servgap.core.errors import NotFoundError
from servgap.services.cases import import_cases, open_case
from servgap.services.context import Store, ensure_workspace
from servgap.services.text import similar_to_case
from servgap.store.models import Complaint, Workspace

SH = ZoneInfo("Asia/Shanghai")
WS = "acme"
EARLIER = {
    "K1": "快递员态度恶劣，说话很不客气",
    "K2": "包裹破损，里面的杯子碎了",
    "K3": "物流信息三天没有更新",
}


@pytest.fixture
def text_store(store: Store) -> Store:
    with store.session() as s:
        ensure_workspace(s, WS, "示例", "Acme")
    with store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        for i, (code, text) in enumerate(EARLIER.items()):
            s.add(Complaint(workspace_id=ws.id, code=code, channel="phone", text=text,
                            received_at=dt.datetime(2026, 3, 2, 9 + i, tzinfo=SH)))  # fmt: skip
    return store


def test_manually_opened_case_is_compared_by_its_summary(text_store: Store) -> None:
    """`text similar` on a case opened by hand said the case had no text, though it has a
    summary: the summary is the text, compared with the complaints received before."""
    case = open_case(text_store, workspace=WS, summary="包裹破损了，杯子也碎了", category="other",
                     now=dt.datetime(2026, 3, 3, 9, tzinfo=SH)).case  # fmt: skip
    table = similar_to_case(text_store, WS, case, top_k=3)
    assert table["code"].iloc[0] == "K2"
    assert set(table["code"]) <= set(EARLIER)


def test_case_opened_before_any_complaint_has_no_similar(text_store: Store) -> None:
    case = open_case(text_store, workspace=WS, summary="包裹破损", category="other",
                     now=dt.datetime(2026, 3, 1, 9, tzinfo=SH)).case  # fmt: skip
    assert similar_to_case(text_store, WS, case).empty


def test_complaint_and_its_case_compare_the_complaint_text(
    text_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text("code,received_at,text,channel\nK9,2026-03-03 09:00,快递员态度很差,phone\n",
                    encoding="utf-8")  # fmt: skip
    rep = import_cases(text_store, path, workspace=WS, now=dt.datetime(2026, 3, 3, 10, tzinfo=SH))
    by_complaint = similar_to_case(text_store, WS, "K9", top_k=1)
    by_case = similar_to_case(text_store, WS, rep.cases[0], top_k=1)
    assert by_complaint["code"].tolist() == by_case["code"].tolist() == ["K1"]


def test_unknown_code_is_not_found(text_store: Store) -> None:
    with pytest.raises(NotFoundError, match="No complaint or case `nope`"):
        similar_to_case(text_store, WS, "nope")


NEW_WEEK = {  # week 12 of 2026: delivery vehicles speeding in the estate (no category)
    "N1": "快递电动车在小区里骑得飞快，差点撞到小孩",
    "N2": "小区里快递车开太快，老人孩子很危险",
    "N3": "快递三轮车在人行道上逆行，车速太快很危险",
    "N4": "包裹破损，里面的杯子碎了，要求赔偿",
}


def test_new_topics_cluster_uncategorised_complaints_per_week(text_store: Store) -> None:
    from servgap.core.errors import UsageError
    from servgap.services.text import classify_stored, new_topics_stored

    with text_store.session() as s:
        ws = s.scalar(select(Workspace).where(Workspace.code == WS))
        assert ws is not None
        for i, (code, text) in enumerate(NEW_WEEK.items()):
            s.add(Complaint(workspace_id=ws.id, code=code, channel="app", text=text,
                            received_at=dt.datetime(2026, 3, 17, 9 + i, tzinfo=SH)))  # fmt: skip
    topics = new_topics_stored(text_store, WS, period="week", min_size=3)
    assert len(topics) == 1
    row = topics.iloc[0]
    assert row["period"] == "2026-W12"
    assert sorted(row["codes"]) == ["N1", "N2", "N3"]  # not the damaged parcel
    assert any("快" in k or "车" in k for k in row["keywords"]) and len(row["examples"]) == 3
    # the same complaints as `classify --stored` sees them: `new` or `other`
    table = classify_stored(text_store, WS).set_index("code")
    assert all(
        table.loc[c, "outcome"] == "new" or table.loc[c, "category"] == "other"
        for c in row["codes"]
    )
    assert table.loc["N4", "outcome"] == "damage_loss"
    assert new_topics_stored(text_store, WS, period="month", min_size=5).empty
    with pytest.raises(UsageError):
        new_topics_stored(text_store, WS, period="day")


def test_classify_stored_reports_outcome_polarity_and_emotions(text_store: Store) -> None:
    from servgap.services.text import classify_stored

    table = classify_stored(text_store, WS).set_index("code")
    assert table.loc["K2", "outcome"] == "damage_loss"
    assert (table["polarity"] == "negative").all()
    assert all(isinstance(e, list) for e in table["emotions"])
