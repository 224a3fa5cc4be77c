"""The servgap data model (SQLAlchemy 2 declarative tables).

Everything belongs to exactly one workspace (a company or one study).
Columns holding personal data carry ``info={"personal": True}``; exports mask
them unless the user asks for them (:func:`personal_columns`).

Survey answers are stored per response as one JSON object keyed by the
canonical wide column names (``rel1_adequate``, ``f_locker_functional``,
``nps`` ...), the way Formbricks stores response data: one row per response
keeps a 3,000-respondent wave at 3,000 rows instead of 200,000, imports of
millions of rows stay fast on SQLite, and the survey *version* row holds the
definition that gives the keys their meaning. The numeric answers are mirrored, one
row each, in ``response_answer`` (kept in sync by triggers) for SQL aggregation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servgap.store.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PERSONAL = {"personal": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Workspace(Base):
    __tablename__ = "workspace"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # business calendar (workdays, hours, holidays, make-up workdays) and other preferences
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class Region(Base):
    __tablename__ = "region"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class Site(Base):
    """An outlet, a counter inside an outlet, or a call-centre queue."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # outlet | counter | call_centre | online
    queues: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the workspace's zone
    opened_on: Mapped[dt.date | None] = mapped_column(Date)


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    phone: Mapped[str | None] = mapped_column(String(40), info=PERSONAL)
    email: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)
    customer_type: Mapped[str | None] = mapped_column(String(40))
    age_group: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    tenure_months: Mapped[float | None] = mapped_column(Float)
    orders_per_month: Mapped[float | None] = mapped_column(Float)
    loyalty_intent: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Survey(Base):
    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.version"
    )


class SurveyVersion(Base):
    """One immutable version of a survey definition (the YAML, validated)."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    survey: Mapped[Survey] = relationship(back_populates="versions")
    questions: Mapped[list[Question]] = relationship(order_by="Question.position")


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("survey_version_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(
        ForeignKey("survey_version.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    dimension: Mapped[str | None] = mapped_column(String(40))
    layer: Mapped[str | None] = mapped_column(String(20))
    competitor: Mapped[str | None] = mapped_column(String(100))
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    scale_min: Mapped[float | None] = mapped_column(Float)
    scale_max: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20), default="higher_better")
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Response(Base):
    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("survey_id", "external_id"),
        Index("ix_response_ws_survey_period", "workspace_id", "survey_id", "period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    external_id: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))  # web | phone | import | audit
    period: Mapped[str | None] = mapped_column(String(20))
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Complaint(Base):
    __tablename__ = "complaint"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.datetime] = mapped_column()
    text: Mapped[str] = mapped_column(Text)  # free text: phone numbers masked on export
    lang: Mapped[str | None] = mapped_column(String(8))
    category: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Promise(Base):
    """A service promise (服务承诺) of the register: a stated level of one measure, for a site
    (None: every site) and channel, with its source; see servgap.core.promises."""

    __tablename__ = "promise"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    channel: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    measure: Mapped[str] = mapped_column(String(20))
    promised: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(20), default="lower_better")
    target_share: Mapped[float] = mapped_column(Float, default=0.9)
    attribute: Mapped[str | None] = mapped_column(String(64))  # survey item code
    category: Mapped[str | None] = mapped_column(String(20))  # case category (resolution)
    queue: Mapped[str | None] = mapped_column(String(64))  # demand queue (waiting)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    measures: Mapped[list[PromiseMeasure]] = relationship(
        order_by="PromiseMeasure.period", cascade="all, delete-orphan"
    )


class PromiseMeasure(Base):
    """A delivered level reported for a promise and period (measure ``reported``)."""

    __tablename__ = "promise_measure"
    __table_args__ = (UniqueConstraint("promise_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promise.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer)
    kept: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DemandInterval(Base):
    __tablename__ = "demand_interval"
    __table_args__ = (UniqueConstraint("site_id", "queue", "interval_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[dt.datetime] = mapped_column()
    interval_s: Mapped[int] = mapped_column(Integer, default=1800)
    arrivals: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int | None] = mapped_column(Integer)
    abandoned: Mapped[int | None] = mapped_column(Integer)
    aht_s: Mapped[float | None] = mapped_column(Float)
    total_wait_s: Mapped[float | None] = mapped_column(Float)
    # staff on duty in the interval (the capacity actually rostered), when known
    agents: Mapped[float | None] = mapped_column(Float)


class ForecastAdjustment(Base):
    """An expert adjustment of a queue's demand forecast: ``forecast × factor + add`` on the
    intervals ``start <= t < end``, with who entered it and why (capacity planner)."""

    __tablename__ = "forecast_adjustment"
    __table_args__ = (Index("ix_forecast_adjustment_queue", "workspace_id", "site_id", "queue"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(64))
    start: Mapped[dt.datetime] = mapped_column()
    end: Mapped[dt.datetime] = mapped_column()
    factor: Mapped[float | None] = mapped_column(Float)
    add: Mapped[float | None] = mapped_column(Float)
    author: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RosterShift(Base):
    """One shift of a queue's uploaded roster (``count`` agents from ``start`` to ``end``);
    an upload replaces the queue's previous roster (capacity planner)."""

    __tablename__ = "roster_shift"
    __table_args__ = (Index("ix_roster_shift_queue", "workspace_id", "site_id", "queue"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(64))
    start: Mapped[dt.datetime] = mapped_column()
    end: Mapped[dt.datetime] = mapped_column()
    count: Mapped[float] = mapped_column(Float)
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditStandard(Base):
    """One immutable version of a mystery-shopper audit standard (weighted indicator tree)."""

    __tablename__ = "audit_standard"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "code", "version", name="uq_audit_standard_workspace_id_code_version"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Audit(Base):
    """One mystery-shopper visit or call."""

    __tablename__ = "audit"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    visited_at: Mapped[dt.datetime] = mapped_column()
    auditor: Mapped[str | None] = mapped_column(String(100))
    standard_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_standard.id", ondelete="SET NULL")
    )
    scores: Mapped[list[AuditScore]] = relationship(cascade="all, delete-orphan")


class AuditScore(Base):
    __tablename__ = "audit_score"
    __table_args__ = (UniqueConstraint("audit_id", "indicator"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    weight: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    section: Mapped[str | None] = mapped_column(String(64))
    item: Mapped[str | None] = mapped_column(String(64))  # linked survey item code


class AuditVisit(Base):
    """A mystery-shopper visit keyed in the browser: a ``draft`` until it is ``submitted``,
    then it points at the :class:`Audit` it became (scored exactly as an imported visit).
    ``scores`` maps an indicator code to its score, or to None (not applicable)."""

    __tablename__ = "audit_visit"
    __table_args__ = (
        UniqueConstraint("workspace_id", "code", name="uq_audit_visit_workspace_id_code"),
        UniqueConstraint("workspace_id", "form_key", name="uq_audit_visit_workspace_id_form_key"),
        Index("ix_audit_visit_ws_status", "workspace_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    # the new-visit form's key: a re-post is one visit
    form_key: Mapped[str | None] = mapped_column(String(64))
    standard_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_standard.id", ondelete="SET NULL")
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    auditor: Mapped[str] = mapped_column(String(254))  # the signed-in user's email
    visited_at: Mapped[dt.datetime | None] = mapped_column()
    notes: Mapped[str] = mapped_column(Text, default="")
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | submitted
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    photos: Mapped[list[AuditPhoto]] = relationship(
        cascade="all, delete-orphan", order_by="AuditPhoto.id"
    )


class AuditPhoto(Base):
    """A photo taken as evidence at a visit, stored in the database with its visit (one
    transaction: a visit and its evidence are written, backed up and deleted together)."""

    __tablename__ = "audit_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("audit_visit.id", ondelete="CASCADE"), index=True
    )
    content_type: Mapped[str] = mapped_column(String(20))  # image/jpeg | image/png | image/webp
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Recovery(Base):
    """Outcome of a complaint's service recovery (post-recovery survey and follow-up)."""

    __tablename__ = "recovery"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), unique=True
    )
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    actions: Mapped[str] = mapped_column(String(200), default="")
    compensation_cny: Mapped[float] = mapped_column(Float, default=0.0)
    survey: Mapped[dict[str, Any]] = mapped_column(default=dict)
    churned_90d: Mapped[bool | None] = mapped_column(Boolean)
    complained_again_90d: Mapped[bool | None] = mapped_column(Boolean)


class Case(Base):
    """A complaint or dissatisfied-survey case, tracked through recovery to closure."""

    __tablename__ = "case"
    __table_args__ = (
        # explicit names: the naming convention uses the first column only
        UniqueConstraint("workspace_id", "code", name="uq_case_workspace_id_code"),
        UniqueConstraint(
            "workspace_id", "idempotency_key", name="uq_case_workspace_id_idempotency_key"
        ),
        Index("ix_case_ws_state", "workspace_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # manual | complaint | survey | import
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="SET NULL")
    )
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20), default="other")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    state: Mapped[str] = mapped_column(String(20), default="new")
    owner: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime] = mapped_column()
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    waiting_since: Mapped[dt.datetime | None] = mapped_column()
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    tolerance: Mapped[float | None] = mapped_column(Float)
    # recovery outcome: the customer's satisfaction before the failure and after recovery
    satisfaction_before: Mapped[float | None] = mapped_column(Float)
    satisfaction_after: Mapped[float | None] = mapped_column(Float)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    events: Mapped[list[CaseEvent]] = relationship(
        order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    actions: Mapped[list[RecoveryAction]] = relationship(
        order_by="RecoveryAction.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One line of a case's history: who did what, when."""

    __tablename__ = "case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RecoveryAction(Base):
    """A recovery action on a case: apology, explanation, redelivery, refund, coupon ..."""

    __tablename__ = "recovery_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    amount_cny: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str] = mapped_column(Text, default="")


class SlaPolicyRow(Base):
    """SLA targets per category and priority ('*' matches any)."""

    __tablename__ = "sla_policy"
    __table_args__ = (UniqueConstraint("workspace_id", "category", "priority"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20), default="*")
    priority: Mapped[str] = mapped_column(String(10), default="*")
    acknowledge_within_h: Mapped[float] = mapped_column(Float)
    resolve_within_h: Mapped[float] = mapped_column(Float)


def personal_columns(table_name: str) -> set[str]:
    """Names of the columns of ``table_name`` marked as personal data."""
    table = Base.metadata.tables[table_name]
    return {c.name for c in table.columns if c.info.get("personal")}


# ---------------------------------------------------------------- web platform (migration 0005)


class UserAccount(Base):
    """A person who logs in to the web app or calls the API (email as login name)."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, info=PERSONAL)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; None: no login
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    display_name: Mapped[str | None] = mapped_column(String(200), info=PERSONAL)  # 0009


class Membership(Base):
    """A user's role in one workspace: admin, analyst, agent or auditor."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id", name="uq_membership_user_id_workspace_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    # an auditor's assigned sites (site codes); empty: every site of the workspace
    sites: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored (shown once on creation)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class WebSession(Base):
    """A browser session: the cookie's SHA-256, its CSRF token and its expiry."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()


class ImportRun(Base):
    """One import of a file of responses (migration 0009): who, when, which file, the rows
    accepted and refused, and for a refused import its problems (the error report)."""

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_ws_started", "workspace_id", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey: Mapped[str] = mapped_column(String(64))  # the survey code asked for
    user_email: Mapped[str | None] = mapped_column(String(254), info=PERSONAL)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))  # ok | failed
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)  # inserted + replaced
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # rows with a problem
    message_en: Mapped[str] = mapped_column(Text, default="")
    message_zh: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    problems_total: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SurveyLink(Base):
    """A link to answer one survey version: open (many answers) or personal (one use)."""

    __tablename__ = "survey_link"
    __table_args__ = (Index("ix_survey_link_ws_survey", "workspace_id", "survey_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # open | personal
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20), default="web")  # the responses' channel
    source: Mapped[str | None] = mapped_column(String(20))  # sms | wechat | qr | email | ...
    opens_at: Mapped[dt.datetime | None] = mapped_column()
    closes_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(254))
    used_at: Mapped[dt.datetime | None] = mapped_column()  # a personal link once answered


class SurveyDraft(Base):
    """Answers typed so far on a link (save and resume); removed when the answer is stored."""

    __tablename__ = "survey_draft"
    __table_args__ = (
        UniqueConstraint("link_id", "respondent", name="uq_survey_draft_link_id_respondent"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_link.id", ondelete="CASCADE"))
    respondent: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- phone interviews, quotas (0006)


class InterviewCall(Base):
    """One call of a phone interview: which customer, by whom, and how the call ended
    (``outcome``: answered, no_answer, busy, refused, call_back, wrong_number, voicemail).
    An answered call points at the response it produced (channel ``phone``)."""

    __tablename__ = "interview_call"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "call_key", name="uq_interview_call_workspace_id_call_key"
        ),
        Index("ix_interview_call_ws_survey", "workspace_id", "survey_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    call_key: Mapped[str] = mapped_column(String(64))  # the form's key: a double post is one call
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    interviewer: Mapped[str] = mapped_column(String(254))  # the signed-in user's email
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    call_back_at: Mapped[dt.datetime | None] = mapped_column()
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    called_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SurveyQuota(Base):
    """A quota cell: at most ``target`` responses of a survey whose ``segment`` (``site`` or
    the code of a single-choice or profile question) is ``value``."""

    __tablename__ = "survey_quota"
    __table_args__ = (
        UniqueConstraint(
            "survey_id", "segment", "value", name="uq_survey_quota_survey_id_segment_value"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    segment: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(200))
    target: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# ---------------------------------------------------------------- alerts, improvement actions (0007)


class Alert(Base):
    """An alert a scan raised (:mod:`servgap.services.alerts`): what fired, on which subject
    and period, with its evidence; acknowledged by a person, resolved when a later scan of
    the same data no longer finds it. ``dedup_key`` makes a re-scan update, not duplicate."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedup_key", name="uq_alert_workspace_id_dedup_key"),
        Index("ix_alert_ws_state", "workspace_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(400))
    kind: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(100), default="")  # e.g. the survey code
    subject_type: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    aspect: Mapped[str] = mapped_column(String(100), default="")
    site: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | acknowledged | resolved
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column()


class ImprovementAction(Base):
    """An improvement action (a case-like record with an owner and a due date), opened from
    an alert or on its own; ``state``: open | in_progress | done."""

    __tablename__ = "improvement_action"
    __table_args__ = (Index("ix_improvement_action_ws_state", "workspace_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(254))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the plan and its follow-up check (services.improvement, core.improvement)
    theme: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    survey: Mapped[str | None] = mapped_column(String(64))
    metric: Mapped[str | None] = mapped_column(String(100))  # msa:reliability, nps, …
    target: Mapped[float | None] = mapped_column(Float)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    baseline_period: Mapped[str | None] = mapped_column(String(40))
    check_period: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    check_result: Mapped[dict[str, Any] | None] = mapped_column()
    checked_at: Mapped[dt.datetime | None] = mapped_column()


# Derived data — the long copy of the answers, stored statistics, text corrections and
# model versions — is declared in models_derived; imported here so that Base.metadata is
# complete wherever the models are imported (Alembic, create_all, the tests).
from servgap.store import models_derived as models_derived  # noqa: E402
