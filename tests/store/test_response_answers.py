"""``response_answer`` (migration 0013) holds every numeric answer of ``response.answers``
once more, brought up to date by its reader (:func:`sync_survey_answers`): after the upgrade
from 0012 the first sync copies the answers already stored; later inserts are copied
alone; deletes and replacements (SQLite may reuse the id) rewrite the survey's copy; a
rolled-back write leaves nothing to copy. The expected rows are computed here in Python
from the JSON, independently of the SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, insert, select

from servgap.services.context import Store
from servgap.store import migrate
from servgap.store.answers_sync import sync_survey_answers
from servgap.store.models import Response, Survey, SurveyVersion, Workspace
from servgap.store.models_derived import ResponseAnswer

ANSWERS: list[dict[str, Any]] = [
    {"nps": 9, "csat": 4, "comment": "fast", "choice": "price", "gap": None},
    {"nps": 0, "wait_perceived": 12.5, "tiny": 1e-300, "neg": -3, "big": 1e15},
    {},
    {"nps": 10, "choice": "7", "zero": 0.0},
    {"third": 0.1 + 0.2, "unicode_列": 3},
]
N = sum(isinstance(v, int | float) for a in ANSWERS for v in a.values())  # numbers: 11


def _expected(store: Store) -> set[tuple[int, str, float]]:
    """Every JSON number of every response, read and filtered in Python."""
    with store.session() as s:
        rows = s.execute(select(Response.id, Response.answers)).all()
    return {
        (rid, k, float(v))
        for rid, answers in rows
        for k, v in answers.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _stored(store: Store) -> set[tuple[int, str, float]]:
    with store.session() as s:
        rows = s.execute(
            select(ResponseAnswer.response_id, ResponseAnswer.column_name, ResponseAnswer.value)
        ).all()
        surveys = dict(s.execute(select(Response.id, Response.survey_id)).all())
        copied = s.execute(select(ResponseAnswer.response_id, ResponseAnswer.survey_id)).all()
    assert all(surveys[rid] == sid for rid, sid in copied)  # the response's survey
    return {(rid, name, value) for rid, name, value in rows}


def _sync(store: Store) -> int:
    """Sync every survey's copy; the answer rows written."""
    with store.session() as s:
        ids = s.scalars(select(Survey.id)).all()
        return sum(sync_survey_answers(s, sid) for sid in ids)


def _same(store: Store) -> int:
    _sync(store)
    want = _expected(store)
    assert _stored(store) == want
    return len(want)


def test_upgrade_from_0012_keeps_every_answer_and_the_first_read_copies_them(
    store: Store,
) -> None:
    migrate.downgrade(store.engine, "0012")
    assert "response_answer" not in sa.inspect(store.engine).get_table_names()
    # tables as they were at 0012, only the columns needed (JSON typed for the driver)
    ws = sa.table("workspace", sa.column("id"), sa.column("code"), sa.column("name_zh"),
                  sa.column("name_en"), sa.column("timezone"), sa.column("created_at"))  # fmt: skip
    sv = sa.table("survey", sa.column("id"), sa.column("workspace_id"), sa.column("code"),
                  sa.column("title_zh"), sa.column("title_en"))  # fmt: skip
    ver = sa.table("survey_version", sa.column("id"), sa.column("survey_id"),
                   sa.column("version"), sa.column("checksum"),
                   sa.column("definition", sa.JSON), sa.column("created_at"))  # fmt: skip
    resp = sa.table("response", sa.column("workspace_id"), sa.column("survey_id"),
                    sa.column("survey_version_id"), sa.column("external_id"),
                    sa.column("channel"), sa.column("created_at"),
                    sa.column("answers", sa.JSON))  # fmt: skip
    now = dt.datetime(2026, 1, 1)
    with store.engine.begin() as conn:
        conn.execute(insert(ws).values(id=1, code="old", name_zh="旧", name_en="Old",
                                       timezone="Asia/Shanghai", created_at=now))  # fmt: skip
        for sid in (1, 2):
            conn.execute(insert(sv).values(id=sid, workspace_id=1, code=f"s{sid}",
                                           title_zh="问卷", title_en="Survey"))  # fmt: skip
            conn.execute(insert(ver).values(id=sid, survey_id=sid, version=1, checksum="x",
                                            definition={}, created_at=now))  # fmt: skip
        conn.execute(
            insert(resp),
            [
                {"workspace_id": 1, "survey_id": 1 + i % 2, "survey_version_id": 1 + i % 2,
                 "external_id": f"R{i}", "channel": "import", "created_at": now, "answers": a}
                for i, a in enumerate(ANSWERS * 3)
            ],
        )  # fmt: skip
    migrate.upgrade(store.engine)
    assert _stored(store) == set()  # the upgrade leaves the answers in the JSON only …
    assert _same(store) == 3 * N  # … and the first read copies every one
    with store.session() as s:
        nps = s.scalars(
            select(ResponseAnswer.value)
            .where(ResponseAnswer.column_name == "nps", ResponseAnswer.survey_id == 1)
            .order_by(ResponseAnswer.response_id)
        ).all()
    assert nps == [a["nps"] for i, a in enumerate(ANSWERS * 3) if i % 2 == 0 and "nps" in a]
    assert _sync(store) == 0  # current: nothing written
    # downgrading drops the copy: responses can still be written, and come back after
    migrate.downgrade(store.engine, "0012")
    with store.engine.begin() as conn:
        conn.execute(insert(resp).values(workspace_id=1, survey_id=1, survey_version_id=1,
                                         external_id="after", channel="web", created_at=now,
                                         answers={"nps": 5}))  # fmt: skip
    migrate.upgrade(store.engine)
    assert _same(store) == 3 * N + 1


def _survey(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        ws = Workspace(code="sync", name_zh="同步", name_en="Sync")
        s.add(ws)
        s.flush()
        sv = Survey(workspace_id=ws.id, code="q", title_zh="问卷", title_en="Q")
        s.add(sv)
        s.flush()
        ver = SurveyVersion(survey_id=sv.id, version=1, checksum="x", definition={})
        s.add(ver)
        s.flush()
        return ws.id, sv.id, ver.id


def test_the_reader_copies_new_answers_and_rewrites_after_deletes(store: Store) -> None:
    ws, sv, ver = _survey(store)
    base = {"workspace_id": ws, "survey_id": sv, "survey_version_id": ver, "channel": "import"}
    # Core multi-row INSERT (the import's path) and INSERT … RETURNING (web submissions)
    with store.session() as s:
        s.execute(insert(Response.__table__),
                  [{**base, "external_id": f"R{i}", "answers": a} for i, a in enumerate(ANSWERS)])  # fmt: skip
        s.execute(insert(Response.__table__).returning(Response.__table__.c.id),
                  {**base, "external_id": "web", "answers": {"nps": 7}}).scalar_one()  # fmt: skip
    assert _same(store) == N + 1
    # one more response: only its two answers are written
    with store.session() as s:
        s.add(Response(**base, external_id="orm", answers={"nps": 3, "csat": 2}))
    assert _sync(store) == 2 and _same(store) == N + 3
    # a failed transaction leaves nothing new to copy
    with pytest.raises(RuntimeError), store.session() as s:
        s.execute(insert(Response.__table__), {**base, "external_id": "lost", "answers": {"a": 1}})
        raise RuntimeError("the import found a bad row")
    assert _sync(store) == 0
    # deleting responses (ORM, Core): the survey's copy is written again without them
    with store.session() as s:
        s.delete(s.scalars(select(Response).where(Response.external_id == "orm")).one())
        s.execute(delete(Response).where(Response.external_id == "R0"))
    assert _same(store) == N + 3 - 4
    # the newest response replaced (delete + insert: SQLite may hand out the same id)
    with store.session() as s:
        s.execute(delete(Response).where(Response.external_id == "web"))
        s.execute(insert(Response.__table__), {**base, "external_id": "web", "answers": {"nps": 1}})
    assert _same(store) == N + 3 - 4
    with store.session() as s:
        stored = s.scalar(select(ResponseAnswer.value).where(ResponseAnswer.column_name == "nps")
                          .order_by(ResponseAnswer.response_id.desc()))  # fmt: skip
    assert stored == 1.0  # the replacement's answer, not the old 7
    # deleting the workspace removes the copies and the state with the survey
    with store.session() as s:
        s.execute(delete(Workspace).where(Workspace.id == ws))
    assert _same(store) == 0
