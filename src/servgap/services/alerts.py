"""Alerts on expectations, perceptions and complaints, and the improvement actions they open.

A *scan* (:func:`scan_alerts`) loads a workspace's responses and complaints, applies the
rules of :mod:`servgap.core.alerts` to the latest period of every survey and the latest
month of complaints, and stores what fired. It is idempotent: an alert is identified by
its ``dedup_key`` (kind, scope, subject, aspect, period), so a re-scan of the same data
updates the evidence of the alerts it finds again, reports only new ones, and resolves
open alerts of the judged kind, scope and period that no longer fire.

Scans run when data arrive: after a response import and a complaint import
(:func:`scan_after_import`, which logs a failed scan and never breaks the import), after
web submissions at most once per workspace every :data:`DEBOUNCE_S` seconds
(:func:`due_scan`, run after the response is sent), and nightly from cron
(``servgap alerts scan --all-workspaces``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from servgap.core.alert_limits import (
    complaint_rise_alerts,
    expectation_rise_alerts,
    respondent_index,
    score_control_alerts,
)
from servgap.core.alert_vocab import ACTION_STATES, ALERT_STATES
from servgap.core.alerts import (
    KINDS,
    SEVERITIES,
    AlertSignal,
    below_adequate_alerts,
    kano_shift_alerts,
)
from servgap.core.errors import (
    ConflictError,
    InputError,
    InsufficientDataError,
    NotFoundError,
    ServgapError,
    SpecError,
)
from servgap.services.context import Store, get_workspace
from servgap.services.dated import DatedResult
from servgap.store.models import Alert, Complaint, ImprovementAction, Workspace

if TYPE_CHECKING:
    from servgap.services.improvement import ActionPlan

log = logging.getLogger("servgap.alerts")

__all__ = [
    "ACTION_STATES",
    "ALERT_STATES",
    "ActionRecord",
    "AlertList",
    "AlertRecord",
    "ScanReport",
    "acknowledge",
    "due_scan",
    "get_alert",
    "list_actions",
    "list_alerts",
    "open_action",
    "scan_after_import",
    "scan_alerts",
    "scan_all_workspaces",
    "set_action_state",
]

#: segment columns judged by the below-adequate rule (besides all respondents)
SEGMENTS: tuple[str, ...] = ("site", "customer_type")
#: web submissions trigger at most one scan per workspace in this many seconds
DEBOUNCE_S = 600.0
NOTE_MAX = 2000


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class AlertRecord(DatedResult):
    """A stored alert (see :class:`servgap.store.models.Alert`); ``url`` is its page."""

    id: int
    workspace: str
    key: str
    kind: str
    severity: str
    scope: str
    subject_type: str
    subject: str
    aspect: str
    site: str | None
    period: str
    title_zh: str
    title_en: str
    evidence: dict[str, Any]
    state: str
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    note: str | None
    resolved_at: dt.datetime | None
    actions: int = 0

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def url(self) -> str:
        return f"/w/{self.workspace}/alerts/{self.id}"

    def kind_label(self, lang: str) -> str:
        en, zh = KINDS.get(self.kind, (self.kind, self.kind))
        return zh if lang == "zh" else en


@dataclass(frozen=True)
class AlertList(DatedResult):
    """Alerts matching the filters, most urgent first, and the count per state."""

    workspace: str
    alerts: tuple[AlertRecord, ...]
    counts: dict[str, int]


@dataclass(frozen=True)
class ActionRecord(DatedResult):
    """A stored improvement action."""

    id: int
    alert_id: int | None
    title: str
    owner: str
    due_date: dt.date | None
    state: str
    note: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    # the plan and its follow-up (services.improvement)
    theme: str | None = None
    site: str | None = None
    survey: str | None = None
    metric: str | None = None
    target: float | None = None
    higher_is_better: bool = True
    baseline_period: str | None = None
    check_period: str | None = None
    source: str = "manual"
    check_result: dict[str, Any] | None = None
    checked_at: dt.datetime | None = None


@dataclass(frozen=True)
class ScanReport(DatedResult):
    """What one scan found: the new (or re-opened) alerts, how many it found again and
    how many it resolved; ``notes`` say which rules could not be applied and why."""

    workspace: str
    scanned_at: dt.datetime
    new: tuple[AlertRecord, ...]
    seen_again: int
    resolved: int
    notes: tuple[str, ...]


def _record(a: Alert, workspace: str, actions: int = 0) -> AlertRecord:
    return AlertRecord(
        id=a.id,
        workspace=workspace, key=a.dedup_key, kind=a.kind, severity=a.severity, scope=a.scope,
        subject_type=a.subject_type, subject=a.subject, aspect=a.aspect, site=a.site,
        period=a.period, title_zh=a.title_zh, title_en=a.title_en, evidence=dict(a.evidence),
        state=a.state, first_seen_at=a.first_seen_at, last_seen_at=a.last_seen_at,
        acknowledged_by=a.acknowledged_by, acknowledged_at=a.acknowledged_at, note=a.note,
        resolved_at=a.resolved_at, actions=actions,
    )  # fmt: skip


def _action(x: ImprovementAction, site: str | None = None) -> ActionRecord:
    return ActionRecord(
        id=x.id, alert_id=x.alert_id, title=x.title, owner=x.owner, due_date=x.due_date,
        state=x.state, note=x.note, created_by=x.created_by, created_at=x.created_at,
        updated_at=x.updated_at, theme=x.theme, site=site, survey=x.survey, metric=x.metric,
        target=x.target, higher_is_better=bool(x.higher_is_better),
        baseline_period=x.baseline_period, check_period=x.check_period,
        source=x.source or "manual",
        check_result=dict(x.check_result) if x.check_result is not None else None,
        checked_at=x.checked_at,
    )  # fmt: skip


def action_record(s: Any, x: ImprovementAction) -> ActionRecord:
    """An action as a result, with its site's code."""
    from servgap.store.models import Site

    site = s.get_one(Site, x.site_id).code if x.site_id is not None else None
    return _action(x, site)


# ------------------------------------------------------------------ the rules on stored data

_SKIP = (SpecError, InsufficientDataError, InputError)


def _survey_signals(
    store: Store, workspace: str, survey: str
) -> tuple[list[AlertSignal], set[tuple[str, str, str]], list[str]]:
    """Signals of one survey's latest period, the (kind, scope, period) judged, notes."""
    from servgap.services.analysis import (
        period_order,
        rating_dimensions,
        run_kano,
        run_servqual,
        servqual_items,
        value_series,
    )
    from servgap.services.responses import load_responses

    d, data = load_responses(store, workspace=workspace, survey=survey)
    scope = f"survey:{survey}"
    signals: list[AlertSignal] = []
    judged: set[tuple[str, str, str]] = set()
    notes: list[str] = []
    data = data[data["period"].notna()].reset_index(drop=True)
    if data.empty:
        return signals, judged, [f"{survey}: no responses with a period"]
    periods = period_order(d, [str(x) for x in data["period"].unique()])
    data["period"] = data["period"].astype(str)
    latest = periods[-1]

    def attempt(kind: str, fn: Callable[[], Sequence[AlertSignal]], where: str = scope) -> None:
        try:
            signals.extend(fn())
            judged.add((kind, where, latest))
        except _SKIP as exc:
            notes.append(f"{survey} {kind}: {exc.en}")

    if servqual_items(d) and rating_dimensions(d):
        for seg in (None, *SEGMENTS):
            if seg is not None and (seg not in data.columns or data[seg].isna().all()):
                continue

            def below(seg: str | None = seg) -> Sequence[AlertSignal]:
                res = run_servqual(d, data, by=[seg, "period"] if seg else ["period"])
                return below_adequate_alerts(res.dimensions, segment=seg, period=latest,
                                             periods=periods, confidence=res.confidence,
                                             scope=scope)  # fmt: skip

            attempt("below_adequate", below)

        def rising() -> Sequence[AlertSignal]:
            out: list[AlertSignal] = []
            for dim in rating_dimensions(d):
                for level in ("adequate", "desired"):
                    frame = pd.DataFrame(
                        {"period": data["period"],
                         "value": value_series(d, data, f"{level}:{dim}")}
                    )  # fmt: skip
                    out.extend(expectation_rise_alerts(frame, dimension=dim, level=level,
                                                       periods=periods, period=latest,
                                                       scope=scope))  # fmt: skip
            return out

        attempt("expectations_rising", rising)
    if d.kano_features() and len(periods) >= 2:
        prev = periods[-2]

        def shift() -> Sequence[AlertSignal]:
            k0 = run_kano(d, data[data["period"] == prev])
            k1 = run_kano(d, data[data["period"] == latest])
            return kano_shift_alerts(k0.features, k1.features, previous_period=prev,
                                     period=latest, scope=scope)  # fmt: skip

        attempt("kano_shift", shift)
    nps_codes = [q.code for q in d.by_type("nps")]
    if nps_codes:
        nps_frame = pd.DataFrame({"period": data["period"], "value": data[nps_codes[0]]})
        attempt("score_out_of_control",
                lambda: score_control_alerts(nps_frame, metric="nps", periods=periods,
                                             period=latest, scope=f"{scope}:nps"),
                f"{scope}:nps")  # fmt: skip

    def csi() -> Sequence[AlertSignal]:
        scores = _csi_scores(d, data)
        if scores is None:
            return ()
        return score_control_alerts(scores, metric="csi", periods=periods, period=latest,
                                    scope=f"{scope}:csi")  # fmt: skip

    attempt("score_out_of_control", csi, f"{scope}:csi")
    return signals, judged, notes


def _csi_scores(d: Any, data: pd.DataFrame) -> pd.DataFrame | None:
    """Each respondent's satisfaction index (0–100) from the first CSI model (CCSI, ACSI,
    ECSI) whose indicators the survey has, with the model's outer weights; None when the
    survey has none of them."""
    from servgap.core.csi_models import MODELS
    from servgap.services.analysis import csi_indicators, run_csi

    for code in ("ccsi", "acsi", "ecsi"):
        try:
            blocks = csi_indicators(d, MODELS[code])
        except SpecError:
            continue
        if "satisfaction" not in blocks:
            continue
        try:
            res = run_csi(d, data, model=code)
        except ServgapError:
            return None
        w = res.weights[res.weights["construct"] == "satisfaction"]
        weights = dict(zip(w["indicator"].astype(str), w["weight_rescaled"].astype(float),
                           strict=True))  # fmt: skip
        ranges = {}
        for c in weights:
            q = d.question(c)
            if q.scale is None:
                return None
            ranges[c] = (float(q.scale[0]), float(q.scale[1]))
        idx = respondent_index(data, weights, ranges)
        return pd.DataFrame({"period": data["period"], "value": idx})
    return None


def _complaint_signals(
    store: Store, workspace: str
) -> tuple[list[AlertSignal], set[tuple[str, str, str]], list[str]]:
    with store.session() as s:
        ws = get_workspace(s, workspace)
        tz = zoneinfo.ZoneInfo(ws.timezone or "Asia/Shanghai")
        rows = s.execute(
            select(Complaint.received_at, Complaint.category).where(Complaint.workspace_id == ws.id)
        ).all()
    if not rows:
        return [], set(), []
    months = [r[0].astimezone(tz).strftime("%Y-%m") for r in rows]
    frame = pd.DataFrame({"month": months, "category": [r[1] or "other" for r in rows]})
    # the latest month is often still running, so the one before it is judged too
    judged = sorted(set(months))[-2:]
    sigs: list[AlertSignal] = []
    for month in judged:
        sigs += complaint_rise_alerts(frame, month=month, scope="complaints")
    return sigs, {("complaints_rising", "complaints", m) for m in judged}, []


def compute_signals(
    store: Store, workspace: str
) -> tuple[list[AlertSignal], set[tuple[str, str, str]], list[str]]:
    """Every rule on the workspace's data (nothing stored)."""
    from servgap.services.surveys import list_surveys

    with store.session() as s:
        surveys = [str(x["survey"]) for x in list_surveys(s, get_workspace(s, workspace))]
    signals: list[AlertSignal] = []
    judged: set[tuple[str, str, str]] = set()
    notes: list[str] = []
    for code in surveys:
        sig, jd, nt = _survey_signals(store, workspace, code)
        signals += sig
        judged |= jd
        notes += nt
    sig, jd, nt = _complaint_signals(store, workspace)
    return signals + sig, judged | jd, notes + nt


# ------------------------------------------------------------------ scanning


def scan_alerts(store: Store, workspace: str, *, now: dt.datetime | None = None) -> ScanReport:
    """Apply every rule and store the result (idempotent; returns what is new).

    A signal whose key is stored updates that alert's evidence, severity and
    ``last_seen_at`` (a resolved one opens again and counts as new); an open or
    acknowledged alert of a judged (kind, scope, period) that no longer fires is
    resolved.
    """
    now = now or dt.datetime.now(dt.UTC)
    signals, judged, notes = compute_signals(store, workspace)
    try:
        records, seen_again, resolved = _save(store, workspace, signals, judged, now)
    except IntegrityError:
        # another scan of this workspace stored the same alert meanwhile: update it instead
        records, seen_again, resolved = _save(store, workspace, signals, judged, now)
    log.info("alerts scan of %s: %d new, %d again, %d resolved", workspace, len(records),
             seen_again, resolved)  # fmt: skip
    return ScanReport(workspace=workspace, scanned_at=now, new=records, seen_again=seen_again,
                      resolved=resolved, notes=tuple(notes))  # fmt: skip


def _save(
    store: Store,
    workspace: str,
    signals: Sequence[AlertSignal],
    judged: set[tuple[str, str, str]],
    now: dt.datetime,
) -> tuple[tuple[AlertRecord, ...], int, int]:
    by_key = {sig.key: sig for sig in signals}
    new: list[Alert] = []
    seen_again = resolved = 0
    with store.session() as s:
        ws = get_workspace(s, workspace)
        stored = {
            a.dedup_key: a for a in s.scalars(select(Alert).where(Alert.workspace_id == ws.id))
        }
        for key, sig in by_key.items():
            ev = sig.evidence.to_dict()
            a = stored.get(key)
            if a is None:
                a = Alert(
                    workspace_id=ws.id, dedup_key=key, kind=sig.kind, scope=sig.scope,
                    subject_type=sig.subject_type, subject=sig.subject, aspect=sig.aspect,
                    site=sig.site, period=sig.period, severity=sig.severity,
                    title_zh=sig.title_zh, title_en=sig.title_en, evidence=ev, state="open",
                    first_seen_at=now, last_seen_at=now,
                )  # fmt: skip
                s.add(a)
                new.append(a)
                continue
            a.evidence, a.severity, a.last_seen_at = ev, sig.severity, now
            a.title_zh, a.title_en = sig.title_zh, sig.title_en
            if a.state == "resolved":
                a.state, a.resolved_at = "open", None
                new.append(a)
            else:
                seen_again += 1
        for key, a in stored.items():
            if (key not in by_key and a.state != "resolved"
                    and (a.kind, a.scope, a.period) in judged):  # fmt: skip
                a.state, a.resolved_at = "resolved", now
                resolved += 1
        s.flush()
        records = tuple(_record(a, ws.code) for a in new)
    return records, seen_again, resolved


def scan_all_workspaces(store: Store, *, now: dt.datetime | None = None) -> tuple[ScanReport, ...]:
    """:func:`scan_alerts` for every workspace (the nightly job)."""
    with store.session() as s:
        codes = list(s.scalars(select(Workspace.code).order_by(Workspace.code)))
    return tuple(scan_alerts(store, c, now=now) for c in codes)


def scan_after_import(store: Store, workspace: str) -> ScanReport | None:
    """The scan after data arrived by an import: a failure is logged with its reason and
    never breaks the import that called it (None then)."""
    try:
        return scan_alerts(store, workspace)
    except Exception:  # a scan must never undo or fail an import that succeeded
        log.exception("alerts scan after an import into %s failed", workspace)
        return None


_last_scan: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def due_scan(
    store: Store,
    workspace: str,
    *,
    interval_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[[], ScanReport | None] | None:
    """A scan to run after a web submission, or None when this workspace was scanned less
    than ``interval_s`` (default :data:`DEBOUNCE_S`) ago in this process.

    Costs a dictionary look-up; the caller runs the returned function after the
    respondent's page has been sent (e.g. as a background task).
    """
    wait = DEBOUNCE_S if interval_s is None else interval_s
    key = (store.settings.resolved_database_url(), workspace)
    now = clock()
    with _lock:
        last = _last_scan.get(key)
        if last is not None and now - last < wait:
            return None
        _last_scan[key] = now
    return lambda: scan_after_import(store, workspace)


# ------------------------------------------------------------------ reading, acknowledging


_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_STATE_RANK = {s: i for i, s in enumerate(ALERT_STATES)}


def _check_choice(value: str | None, allowed: Sequence[str], field: str) -> None:
    if value is not None and value not in allowed:
        raise InputError(
            f"`{field}` {value!r} is not one of {', '.join(allowed)}.",
            f"`{field}` {value!r} 不是以下之一：{'、'.join(allowed)}。",
            fields=(field,),
        )


def list_alerts(
    store: Store,
    workspace: str,
    *,
    state: str | None = None,
    kind: str | None = None,
    sites: Sequence[str] | None = None,
    limit: int = 500,
) -> AlertList:
    """Stored alerts, open first, then by severity and newest; ``sites`` keeps the alerts
    about those sites only."""
    _check_choice(state, ALERT_STATES, "state")
    _check_choice(kind, tuple(KINDS), "kind")
    with store.session() as s:
        ws = get_workspace(s, workspace)
        q = select(Alert).where(Alert.workspace_id == ws.id)
        if kind:
            q = q.where(Alert.kind == kind)
        if sites:
            q = q.where(Alert.site.in_(list(sites)))
        rows = list(s.scalars(q))
        counts = {st: 0 for st in ALERT_STATES}
        for a in rows:
            counts[a.state] = counts.get(a.state, 0) + 1
        if state:
            rows = [a for a in rows if a.state == state]
        n_actions = dict(
            s.execute(
                select(ImprovementAction.alert_id, func.count(ImprovementAction.id))
                .where(ImprovementAction.workspace_id == ws.id)
                .group_by(ImprovementAction.alert_id)
            ).all()
        )
        rows.sort(key=lambda a: (_STATE_RANK.get(a.state, 9), _SEVERITY_RANK.get(a.severity, 9),
                                 -a.last_seen_at.timestamp(), a.id))  # fmt: skip
        out = tuple(_record(a, ws.code, int(n_actions.get(a.id, 0))) for a in rows[:limit])
    return AlertList(workspace=workspace, alerts=out, counts=counts)


def _alert(s: Any, ws: Workspace, alert_id: int) -> Alert:
    a = s.get(Alert, alert_id)
    if a is None or a.workspace_id != ws.id:
        raise NotFoundError(f"Alert {alert_id} does not exist in this workspace.",
                            f"本工作区没有编号为 {alert_id} 的预警。")  # fmt: skip
    assert isinstance(a, Alert)
    return a


def get_alert(
    store: Store, workspace: str, alert_id: int
) -> tuple[AlertRecord, tuple[ActionRecord, ...]]:
    """One alert with the improvement actions opened from it."""
    with store.session() as s:
        ws = get_workspace(s, workspace)
        a = _alert(s, ws, alert_id)
        acts = tuple(
            action_record(s, x)
            for x in s.scalars(
                select(ImprovementAction)
                .where(ImprovementAction.alert_id == a.id)
                .order_by(ImprovementAction.id)
            )
        )
        return _record(a, ws.code, len(acts)), acts


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise InputError(f"`note` has {len(text)} characters; at most {NOTE_MAX}.",
                         f"`note` 有 {len(text)} 个字符；最多 {NOTE_MAX} 个。",
                         fields=("note",))  # fmt: skip
    return text or None


def acknowledge(
    store: Store,
    workspace: str,
    alert_id: int,
    *,
    by: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> AlertRecord:
    """Mark an alert as seen by ``by`` with an optional note (again: the note is replaced).
    A resolved alert cannot be acknowledged (409)."""
    text = _note(note)
    now = now or dt.datetime.now(dt.UTC)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        a = _alert(s, ws, alert_id)
        if a.state == "resolved":
            raise ConflictError(
                f"Alert {alert_id} is resolved (it no longer fires); nothing to acknowledge.",
                f"预警 {alert_id} 已解除（不再触发），无需确认。",
                fields=("state",),
            )
        a.state, a.acknowledged_by, a.acknowledged_at = "acknowledged", by, now
        if text is not None:
            a.note = text
        s.flush()
        return _record(a, ws.code)


def _due(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"`due_date` {text!r} is not a date; write it like 2026-12-31.",
                         f"`due_date` {text!r} 不是日期；请写作 2026-12-31 这样。",
                         fields=("due_date",)) from None  # fmt: skip


def _text(value: str, field: str, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"`{field}` is empty; fill it in.", f"`{field}` 为空；请填写。",
                         fields=(field,))  # fmt: skip
    if len(text) > max_len:
        raise InputError(f"`{field}` has {len(text)} characters; at most {max_len}.",
                         f"`{field}` 有 {len(text)} 个字符；最多 {max_len} 个。",
                         fields=(field,))  # fmt: skip
    return text


def open_action(
    store: Store,
    workspace: str,
    *,
    title: str,
    owner: str,
    created_by: str,
    alert_id: int | None = None,
    due_date: str | dt.date | None = None,
    note: str | None = None,
    plan: ActionPlan | None = None,
    now: dt.datetime | None = None,
) -> ActionRecord:
    """Open an improvement action (from an alert, which is then acknowledged, or alone);
    ``plan``: its theme, site, target metric and level and check period, validated by
    :func:`servgap.services.improvement.action_plan`."""
    title = _text(title, "title", 200)
    owner = _text(owner, "owner", 254)
    due = _due(due_date)
    text = _note(note)
    now = now or dt.datetime.now(dt.UTC)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        if alert_id is not None:
            a = _alert(s, ws, alert_id)
            if a.state == "open":
                a.state, a.acknowledged_by, a.acknowledged_at = "acknowledged", created_by, now
        x = ImprovementAction(workspace_id=ws.id, alert_id=alert_id, title=title, owner=owner,
                              due_date=due, state="open", note=text, created_by=created_by,
                              created_at=now, updated_at=now)  # fmt: skip
        if plan is not None:
            from servgap.store.models import Site

            site_id = None
            if plan.site is not None:
                site_id = s.scalar(
                    select(Site.id).where(Site.workspace_id == ws.id, Site.code == plan.site)
                )
            x.theme, x.site_id, x.survey, x.metric = plan.theme, site_id, plan.survey, plan.metric
            x.target, x.higher_is_better = plan.target, plan.higher_is_better
            x.baseline_period, x.check_period = plan.baseline_period, plan.check_period
            x.source = plan.source
        s.add(x)
        s.flush()
        return action_record(s, x)


def list_actions(
    store: Store, workspace: str, *, state: str | None = None, alert_id: int | None = None
) -> tuple[ActionRecord, ...]:
    """Improvement actions, unfinished first, then by due date."""
    _check_choice(state, ACTION_STATES, "state")
    with store.session() as s:
        ws = get_workspace(s, workspace)
        q = select(ImprovementAction).where(ImprovementAction.workspace_id == ws.id)
        if state:
            q = q.where(ImprovementAction.state == state)
        if alert_id is not None:
            q = q.where(ImprovementAction.alert_id == alert_id)
        rows = [action_record(s, x) for x in s.scalars(q)]
    far = dt.date.max
    rows.sort(key=lambda x: (x.state == "done", x.due_date or far, x.id))
    return tuple(rows)


def set_action_state(
    store: Store,
    workspace: str,
    action_id: int,
    state: str,
    *,
    now: dt.datetime | None = None,
) -> ActionRecord:
    """Move an improvement action to ``state`` (open, in_progress, done)."""
    _check_choice(state, ACTION_STATES, "state")
    now = now or dt.datetime.now(dt.UTC)
    with store.session() as s:
        ws = get_workspace(s, workspace)
        x = s.get(ImprovementAction, action_id)
        if x is None or x.workspace_id != ws.id:
            raise NotFoundError(f"Improvement action {action_id} does not exist in this workspace.",
                                f"本工作区没有编号为 {action_id} 的改进措施。")  # fmt: skip
        x.state, x.updated_at = state, now
        s.flush()
        return action_record(s, x)
