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
                     now=dt.datetime(2026, 3, 3, 9, tzinfo=SH))["case"]  # fmt: skip
    table = similar_to_case(text_store, WS, case, top_k=3)
    assert table["code"].iloc[0] == "K2"
    assert set(table["code"]) <= set(EARLIER)


def test_case_opened_before_any_complaint_has_no_similar(text_store: Store) -> None:
    case = open_case(text_store, workspace=WS, summary="包裹破损", category="other",
                     now=dt.datetime(2026, 3, 1, 9, tzinfo=SH))["case"]  # fmt: skip
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
