"""Derived data in the store: caches and learned artifacts kept beside the source records.

* :class:`ResponseAnswer`, :class:`ResponseAnswerState` — the long copy of the numeric
  answers the store engine aggregates (migration 0013, :mod:`servgap.store.answers_sync`);
* :class:`SurveyStats` — mergeable statistics per survey, period and segment (migration
  0015, :mod:`servgap.services.survey_stats`);
* :class:`TextCorrection`, :class:`TextModelVersion` — agents' corrections of a case's
  category or sentiment and the workspace's retrained text models (migration 0014,
  :mod:`servgap.services.text_corrections`).

Everything here can be rebuilt from the source records except the corrections (what agents
said) and the model versions (kept for comparison); split from :mod:`servgap.store.models`
to keep each module readable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servgap.store.models import Base
from servgap.store.types import utcnow


class ResponseAnswer(Base):
    """Every numeric answer of ``response.answers`` once more, one row each (migration 0013),
    so that the database aggregates answers (:mod:`servgap.engines.postgres`). A cache of the
    JSON, brought up to date by its reader (:mod:`servgap.store.answers_sync`); never
    write it yourself."""

    __tablename__ = "response_answer"
    __table_args__ = (
        # covering: a column's histogram is read from the index alone (response_id: the PK
        # on SQLite, where the table is WITHOUT ROWID; INCLUDEd on PostgreSQL)
        Index(
            "ix_response_answer_survey_column",
            "survey_id",
            "column_name",
            "value",
            postgresql_include=["response_id"],
        ),
        {"sqlite_with_rowid": False},
    )
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    column_name: Mapped[str] = mapped_column(String(200), primary_key=True)  # the JSON key
    survey_id: Mapped[int] = mapped_column(Integer)  # the response's, for the index
    value: Mapped[float] = mapped_column(Float)


class ResponseAnswerState(Base):
    """The fingerprint of a survey's responses when their answers were last copied into
    ``response_answer`` (:mod:`servgap.store.answers_sync`)."""

    __tablename__ = "response_answer_state"
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True
    )
    n_responses: Mapped[int] = mapped_column(Integer)
    id_sum: Mapped[int] = mapped_column(BigInteger)
    max_id: Mapped[int] = mapped_column(Integer)
    last_created: Mapped[str] = mapped_column(String(40))


class SurveyStats(Base):
    """Stored sufficient statistics of one survey's responses in one cell: a period and a
    segment (``*`` all responses, ``site#<id>``, ``channel=<value>``, ``<question>=<value>``)
    and one kind (``servqual``, ``nps``, ``csat``; ``meta`` holds the survey's totals).
    ``payload`` holds the statistics (a JSON header and float64/int64 arrays, read without
    pickle), computed with the definition of ``survey_version_id``; ``last_response_id``
    is the largest response id folded in (see :mod:`servgap.services.survey_stats`)."""

    __tablename__ = "survey_stats"
    __table_args__ = (
        UniqueConstraint(
            "survey_id", "period", "segment", "kind", name="uq_survey_stats_survey_id"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_version.id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(40))
    segment: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    n_responses: Mapped[int] = mapped_column(Integer, default=0)
    last_response_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TextCorrection(Base):
    """An agent's correction of a case's category or polarity: the text as it was read,
    the value before and after, who and when (:mod:`servgap.services.text_corrections`).
    The training data of the workspace's own text models."""

    __tablename__ = "text_correction"
    __table_args__ = (Index("ix_text_correction_ws_field", "workspace_id", "field"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case.id", ondelete="SET NULL"), index=True
    )
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)  # free text: as the model read it
    field: Mapped[str] = mapped_column(String(20))  # category | polarity
    old_value: Mapped[str | None] = mapped_column(String(40))
    new_value: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    author: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TextModelVersion(Base):
    """One trained text model of a workspace (``kind`` category | polarity): the ``.npz``
    bytes (read without pickle), its metrics and the comparison with the model it was
    measured against; at most one ``active`` version per workspace and kind."""

    __tablename__ = "text_model_version"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "kind", "version", name="uq_text_model_version_ws_kind_version"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(254))
    sha256: Mapped[str] = mapped_column(String(64))
    model: Mapped[bytes] = mapped_column(LargeBinary)
    n_corrections: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
