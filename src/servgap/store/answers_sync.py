"""Bringing ``response_answer`` (the long copy of the numeric answers) up to date when it is read.

``response_answer`` (migration 0013) holds every numeric answer of ``response.answers`` once
more, one row per (response, column), so that the database aggregates answers
(:mod:`servgap.engines.postgres`). It is a cache of the JSON, which stays the one source of
truth: :func:`sync_survey_answers` brings one survey's copy up to date inside the reading
transaction, before the engine aggregates.

Why at read time and not by triggers at write time: the first version of migration 0013
wrote the copy with database triggers in every writing transaction, and every import paid
for a copy that only the store engine reads — on PostgreSQL an import of 30,100 responses
took 67–85 s instead of 1.8 s (about 80 numeric answers a response, 2.4 million rows with
their index), on SQLite the demo's import twice as long. Read-time synchronisation costs
that once per survey and then only the new responses' rows.

How a survey's copy is known to be current: ``response_answer_state`` keeps the fingerprint
of the survey's responses when they were last copied — their count, the sum and maximum of
their ids and the latest ``created_at``. When the responses up to the stored maximum id
still have the stored count, id sum and latest ``created_at``, only responses with larger
ids are new: their answers are copied with one ``INSERT … SELECT`` over the JSON (SQLite
``json_each``, PostgreSQL ``json_each`` + ``json_typeof``; JSON numbers only, booleans,
text and empty answers stay in the JSON). Otherwise a response was deleted or replaced
(SQLite may give a replacement the same id; its ``created_at`` differs) and the survey's copy
is written again from scratch. Responses are never updated in place (imports replace them:
delete + insert), so the fingerprint sees every change. On PostgreSQL a transaction-level
advisory lock per survey lets one reader copy while others wait; SQLite serialises writers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

__all__ = ["sync_survey_answers"]

#: First key of the PostgreSQL advisory lock (the second is the survey id).
_LOCK_CLASS = 13013

_SQLITE_COPY = """
    INSERT INTO response_answer (response_id, survey_id, column_name, value)
    SELECT r.id, r.survey_id, j.key, j.value
    FROM response AS r, json_each(CASE WHEN json_valid(r.answers)
                                  THEN CASE WHEN json_type(r.answers) = 'object'
                                            THEN r.answers ELSE '{}' END
                                  ELSE '{}' END) AS j
    WHERE r.survey_id = :sid AND r.id > :after AND r.id <= :upto
      AND j.type IN ('integer', 'real')"""

_PG_COPY = """
    INSERT INTO response_answer (response_id, survey_id, column_name, value)
    SELECT r.id, r.survey_id, j.key, (j.value #>> '{}')::double precision
    FROM response AS r
    CROSS JOIN LATERAL json_each(
        CASE WHEN json_typeof(r.answers) = 'object' THEN r.answers ELSE '{}'::json END
    ) AS j
    WHERE r.survey_id = :sid AND r.id > :after AND r.id <= :upto
      AND json_typeof(j.value) = 'number'"""

_FINGERPRINT = """
    SELECT count(*), coalesce(sum(id), 0), coalesce(max(id), 0), max(created_at)
    FROM response WHERE survey_id = :sid AND id <= :upto"""


def _fingerprint(session: Session, survey_id: int, upto: int) -> tuple[int, int, int, str]:
    n, id_sum, max_id, last = session.execute(
        text(_FINGERPRINT), {"sid": survey_id, "upto": upto}
    ).one()
    return int(n), int(id_sum), int(max_id), "" if last is None else str(last)


def sync_survey_answers(session: Session, survey_id: int) -> int:
    """Bring survey ``survey_id``'s rows of ``response_answer`` up to date (see the module);
    the number of answer rows written (0 when the copy was current)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:c, :sid)"), {"c": _LOCK_CLASS, "sid": survey_id}
        )
    elif dialect != "sqlite":
        raise NotImplementedError(f"servgap stores answers on SQLite or PostgreSQL, not {dialect}")
    state: Any = session.execute(
        text(
            "SELECT n_responses, id_sum, max_id, last_created FROM response_answer_state "
            "WHERE survey_id = :sid"
        ),
        {"sid": survey_id},
    ).first()
    now = _fingerprint(session, survey_id, 2**62)
    if state is not None and tuple(state) == now:
        return 0
    after = 0
    if state is not None and _fingerprint(session, survey_id, int(state.max_id)) == tuple(state):
        after = int(state.max_id)  # only newer responses: copy theirs
    else:  # a response was deleted or replaced (or nothing was copied yet): from scratch
        session.execute(
            text("DELETE FROM response_answer WHERE survey_id = :sid"), {"sid": survey_id}
        )
    copy = _PG_COPY if dialect == "postgresql" else _SQLITE_COPY
    # up to the fingerprint's last id: a response committed meanwhile is the next sync's
    bounds = {"sid": survey_id, "after": after, "upto": now[2]}
    result = session.execute(text(copy), bounds)
    written = result.rowcount if isinstance(result, CursorResult) else 0
    params = {"sid": survey_id, "n": now[0], "s": now[1], "m": now[2], "c": now[3]}
    if state is None:
        session.execute(
            text(
                "INSERT INTO response_answer_state "
                "(survey_id, n_responses, id_sum, max_id, last_created) "
                "VALUES (:sid, :n, :s, :m, :c)"
            ),
            params,
        )
    else:
        session.execute(
            text(
                "UPDATE response_answer_state SET n_responses = :n, id_sum = :s, max_id = :m, "
                "last_created = :c WHERE survey_id = :sid"
            ),
            params,
        )
    return int(written)
