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
    PRIORITIES,
    RECOVERY_ACTIONS,
    STATES,
    TRANSITIONS,
    CaseEvent,
    case_from_survey_response,
    check_action,
    is_reopen,
    legal_next_states,
    replay_history,
    state_label,
    transition,
)
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
