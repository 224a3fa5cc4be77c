"""Tests for servgap.core.cases: state machine, history replay, closed-loop rule.

The NPS detractor boundary (0–6, 6 included) is Reichheld (2003, HBR 81(12));
the MSA < 0 trigger is PZB (1994, J. Retailing 70(3)): perceived below adequate.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servgap.core.cases import (
    CATEGORIES,
    COMPLAINT_CHANNELS,
    PRIORITIES,
    RECOVERY_ACTIONS,
    STATES,
    TRANSITIONS,
    CaseEvent,
    apply_event,
    check_action,
    check_channel,
    escalated_priority,
    is_reopen,
    legal_next_states,
    open_state,
    replay_history,
    state_label,
    transition,
)
from servgap.core.closed_loop import case_from_survey_response
from servgap.core.errors import ConflictError, InputError

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 10, 17, 9, tzinfo=CST)


def ev(minutes: int, kind: str, frm: str | None = None, to: str | None = None) -> CaseEvent:
    return CaseEvent(
        at=T0 + timedelta(minutes=minutes), actor="agent1", kind=kind, from_state=frm, to_state=to
    )


def test_every_state_has_labels_and_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(STATES)
    for s in STATES:
        assert state_label(s, "en") and state_label(s, "zh")
        assert all(t in STATES and t != s for t in TRANSITIONS[s])
    assert list(PRIORITIES) == ["low", "normal", "high", "urgent"]
    assert set(CATEGORIES) == {"delay", "damage_loss", "attitude", "information", "price", "other"}
    assert {a for a, t in RECOVERY_ACTIONS.items() if t.amount_required} == {
        "refund",
        "coupon",
        "compensation",
    }


def test_happy_path_and_reopen() -> None:
    path = [
        "new",
        "acknowledged",
        "investigating",
        "recovery_offered",
        "resolved",
        "follow_up_done",
        "closed",
        "investigating",
    ]
    for a, b in itertools.pairwise(path):
        assert transition(a, b) == b
    assert is_reopen("closed", "investigating")
    assert not is_reopen("acknowledged", "investigating")


@pytest.mark.parametrize(
    ("state", "target"),
    [
        ("new", "resolved"),
        ("closed", "new"),
        ("resolved", "resolved"),
        ("new", "closed"),
        ("follow_up_done", "resolved"),
    ],
)
def test_illegal_moves_raise_conflict_listing_legal_states(state: str, target: str) -> None:
    with pytest.raises(ConflictError) as e:
        transition(state, target)
    for legal in legal_next_states(state):
        assert legal in e.value.en
        assert STATES[legal][1] in e.value.zh
    assert e.value.status == 409


def test_unknown_state_is_input_error() -> None:
    with pytest.raises(InputError):
        transition("new", "escalated")


@given(st.sampled_from(list(STATES)), st.sampled_from(list(STATES)))
def test_transition_agrees_with_table(a: str, b: str) -> None:
    if b in TRANSITIONS[a]:
        assert transition(a, b) == b
    else:
        with pytest.raises(ConflictError):
            transition(a, b)


def test_check_action_amounts() -> None:
    assert check_action("coupon", 20.0).amount_required
    with pytest.raises(InputError):
        check_action("refund")
    with pytest.raises(InputError):
        check_action("apology", 5.0)


def test_replay_history_derives_sla_times_and_pauses() -> None:
    events = [
        ev(0, "created", None, "new"),
        ev(30, "transition", "new", "acknowledged"),
        ev(60, "transition", "acknowledged", "investigating"),
        ev(90, "wait_customer"),
        ev(150, "resume"),
        ev(200, "transition", "investigating", "recovery_offered"),
        ev(230, "transition", "recovery_offered", "resolved"),
        ev(300, "transition", "resolved", "closed"),
        ev(400, "transition", "closed", "investigating"),
        ev(420, "wait_customer"),
    ]
    r = replay_history(events)
    assert r.state == "investigating"
    assert r.acknowledged_at == T0 + timedelta(minutes=30)
    assert r.resolved_at is None  # reopened
    assert r.reopen_count == 1
    assert r.pauses == (
        (T0 + timedelta(minutes=90), T0 + timedelta(minutes=150)),
        (T0 + timedelta(minutes=420), None),
    )
    assert list(r.to_frame()["state"])[-1] == "investigating"


def test_replay_collects_all_conflicts() -> None:
    events = [
        ev(0, "created", None, "new"),
        ev(10, "transition", "new", "resolved"),  # illegal
        ev(20, "resume"),  # resume without wait
    ]
    with pytest.raises(ConflictError) as e:
        replay_history(events)
    assert len(e.value.problems) == 2
    assert e.value.problems[0].row == 2


def test_replay_rejects_naive_and_unsorted() -> None:
    bad = [
        ev(0, "created", None, "new"),
        CaseEvent(at=datetime(2025, 10, 17, 8), actor="x", kind="note"),
    ]
    with pytest.raises(InputError):
        replay_history(bad)
    with pytest.raises(InputError):
        replay_history([ev(10, "created", None, "new"), ev(0, "note")])
    with pytest.raises(InputError):
        replay_history([])


# --------------------------------------------------------------------------- closed loop


def test_survey_response_below_adequate_opens_case() -> None:
    answers = {
        "on_time": {"adequate": 5, "desired": 7, "perceived": 3},
        "courtesy": {"adequate": 4, "desired": 6, "perceived": 5},
    }
    d = case_from_survey_response(42, answers)
    assert d.open_case
    assert d.idempotency_key == "survey:42"
    assert d.priority == "high"  # shortfall 2 points
    assert list(d.triggers["item"]) == ["on_time"]
    assert d.triggers["msa"].iloc[0] == -2
    assert "on_time" in d.summary_en and "合格期望" in d.summary_zh
    # deterministic
    assert case_from_survey_response(42, answers).to_dict() == d.to_dict()


@pytest.mark.parametrize(("nps", "opens"), [(6, True), (7, False), (0, True), (10, False)])
def test_nps_detractor_boundary(nps: int, opens: bool) -> None:
    answers = pd.DataFrame({"item": ["a"], "adequate": [4], "perceived": [6]})
    d = case_from_survey_response("r1", answers, nps=nps)
    assert d.open_case is opens
    if opens:
        assert d.priority == ("high" if nps <= 3 else "normal")


def test_only_watched_items_trigger_and_missing_answers_skip() -> None:
    answers = {"a": {"adequate": 5, "perceived": 2}, "b": {"adequate": None, "perceived": 1}}
    assert not case_from_survey_response(1, answers, watched_items=["b"]).open_case
    with pytest.raises(InputError):
        case_from_survey_response(1, answers, nps=11)


# --------------------------------------------------------------------------- apply_event


def test_apply_event_moves_times_and_counts() -> None:
    s = open_state(T0, "normal")
    s = apply_event(s, ev(30, "transition", "new", "acknowledged"))
    assert s.acknowledged_at == T0 + timedelta(minutes=30)
    s = apply_event(s, ev(40, "transition", "acknowledged", "investigating"))
    s = apply_event(s, ev(50, "wait_customer"))
    assert s.waiting_since == T0 + timedelta(minutes=50)
    # resolving ends the pause
    s = apply_event(s, ev(60, "transition", "investigating", "resolved"))
    assert s.waiting_since is None and s.resolved_at == T0 + timedelta(minutes=60)
    s = apply_event(s, ev(70, "transition", "resolved", "closed"))
    assert s.closed_at == T0 + timedelta(minutes=70)
    s = apply_event(s, ev(80, "outcome"))  # a closed case takes its recovery outcome
    s = apply_event(s, ev(90, "transition", "closed", "investigating"))
    assert (s.reopen_count, s.resolved_at, s.closed_at) == (1, None, None)
    assert s.acknowledged_at == T0 + timedelta(minutes=30)  # the first acknowledgement stays
    s = apply_event(s, ev(95, "escalated"))
    assert s.escalated and s.priority == "high"


@pytest.mark.parametrize(
    ("setup", "event", "words"),
    [
        ([], ev(10, "resume"), "not waiting"),
        ([ev(5, "wait_customer")], ev(10, "wait_customer"), "already waits"),
        ([], ev(10, "outcome"), "once the case is resolved"),
        ([], ev(10, "created", None, "new"), "created only once"),
        ([], ev(10, "transition", "acknowledged", "investigating"), "starts from"),
    ],
)
def test_apply_event_refuses_what_the_state_does_not_allow(
    setup: list[CaseEvent], event: CaseEvent, words: str
) -> None:
    s = open_state(T0, "normal")
    for e in setup:
        s = apply_event(s, e)
    with pytest.raises(ConflictError, match=words):
        apply_event(s, event)


def test_apply_event_refuses_actions_on_closed_cases_and_escalating_finished_ones() -> None:
    s = open_state(T0, "low")
    for i, (a, b) in enumerate(itertools.pairwise(["new", "investigating", "resolved", "closed"])):
        s = apply_event(s, ev(i, "transition", a, b))
    with pytest.raises(ConflictError, match="reopen"):
        apply_event(s, ev(10, "action"))
    with pytest.raises(ConflictError, match="only open cases can be escalated"):
        apply_event(s, ev(10, "escalated"))
    with pytest.raises(InputError):
        apply_event(s, ev(10, "teleported"))
    with pytest.raises(InputError, match="no time zone"):
        apply_event(s, CaseEvent(at=datetime(2025, 10, 17, 9), actor="x", kind="note"))


def test_escalation_steps_one_level_and_stops_at_urgent() -> None:
    assert [escalated_priority(p) for p in PRIORITIES] == ["normal", "high", "urgent", "urgent"]
    with pytest.raises(InputError):
        escalated_priority("critical")


EVENT_STEPS = st.sampled_from(
    [("transition", None, t) for t in STATES]
    + [("wait_customer", None, None), ("resume", None, None), ("escalated", None, None),
       ("action", None, None), ("outcome", None, None), ("note", None, None)]
)  # fmt: skip


@given(st.lists(EVENT_STEPS, max_size=25), st.sampled_from(list(PRIORITIES)))
def test_replay_is_apply_event_over_the_history(
    steps: list[tuple[str, str | None, str | None]], priority: str
) -> None:
    """Metamorphic: the live rule (apply_event, refused events left out) and the replay of
    the events it accepted end in the same state, pauses included."""
    state = open_state(T0, priority)
    history = [ev(0, "created", None, "new")]
    pauses: list[tuple[datetime, datetime | None]] = []
    for i, (kind, _, target) in enumerate(steps, start=1):
        e = ev(i, kind, state.state if kind == "transition" else None, target)
        try:
            new = apply_event(state, e)
        except ConflictError:
            continue
        if state.waiting_since is not None and new.waiting_since is None:
            pauses.append((state.waiting_since, e.at))
        state = new
        history.append(e)
    if state.waiting_since is not None:
        pauses.append((state.waiting_since, None))
    replay = replay_history(history, priority=priority)
    assert replay.final == state
    assert replay.pauses == tuple(pauses)
    assert replay.state == state.state and replay.reopen_count == state.reopen_count


def test_complaint_channels_are_checked_with_the_field_named() -> None:
    assert check_channel("wechat") == "wechat" and "phone" in COMPLAINT_CHANNELS
    with pytest.raises(InputError) as e:
        check_channel("fax")
    assert e.value.fields == ("channel",) and "`channel`" in e.value.en
