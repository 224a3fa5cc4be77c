"""Tests for servgap.core.simulate: ciw simulation against the Erlang closed forms."""

from __future__ import annotations

import pytest

from servgap.core.errors import InputError
from servgap.core.queueing import erlang_a, erlang_c
from servgap.core.simulate import SimulationResult, simulate


def test_reproducible_and_shapes() -> None:
    a = simulate(100, 1800, 180, 12, 20, patience_s=120, intervals=2, replications=2, seed=3)
    b = simulate(100, 1800, 180, 12, 20, patience_s=120, intervals=2, replications=2, seed=3)
    assert a.estimates.equals(b.estimates)
    assert list(a.estimates.columns) == ["measure", "estimate", "ci_low", "ci_high", "std_error"]
    est, lo, hi = a.estimate("p_abandon")
    assert lo <= est <= hi
    assert a.to_dict()["replications"] == 2


def test_day_mode_and_priorities() -> None:
    day = simulate([40, 120, 60], 1800, 180, [6, 14, 8], 20, patience_s=90, replications=2)
    assert day.by_group["group"].tolist() == [0, 1, 2]
    prio = simulate(
        100,
        1800,
        180,
        11,
        20,
        priority_shares=[0.3, 0.7],
        service="lognormal",
        service_cv=0.8,
        replications=2,
    )
    g = prio.by_group.set_index("group")
    assert g.loc[0, "mean_wait_s"] < g.loc[1, "mean_wait_s"]  # class 0 is served first


def test_errors() -> None:
    with pytest.raises(InputError):
        simulate(100, 1800, 180, 12, 20, replications=1)
    with pytest.raises(InputError):
        simulate(100, 1800, 180, 12, 20, priority_shares=[0.5, 0.6])
    with pytest.raises(InputError):
        simulate(100, 1800, 180, 12, 20, service="weibull")  # type: ignore[arg-type]


def _covers(res: SimulationResult, measure: str, value: float) -> None:
    _est, lo, hi = res.estimate(measure)
    assert lo <= value <= hi, (
        f"{measure}: model {value:.4f} outside simulation CI [{lo:.4f}, {hi:.4f}]"
    )


@pytest.mark.slow
def test_erlang_a_and_c_against_ciw() -> None:
    """Differential test against ciw (Palmer et al. 2019): 99 % confidence intervals over
    8 replications of 40 simulated half hours must cover the closed forms
    (REFERENCES.md example: 100 calls / 30 min, AHT 180 s, 11 agents, patience 60 s)."""
    model = erlang_a(100, 1800, 180, 60, 11, 20)
    sim = simulate(
        100,
        1800,
        180,
        11,
        20,
        patience_s=60,
        intervals=40,
        replications=8,
        confidence=0.99,
        seed=11,
    )
    for measure, value in [
        ("p_abandon", model.p_abandon),
        ("sl_offered", model.sl_offered),
        ("sl_answered", model.sl_answered),
        ("sl_all", model.sl_all),
        ("asa_s", model.asa_s),
        ("mean_wait_s", model.mean_wait_s),
        ("occupancy", model.occupancy),
    ]:
        _covers(sim, measure, float(value))
    c = erlang_c(100, 1800, 180, 13, 20)
    sim_c = simulate(100, 1800, 180, 13, 20, intervals=40, replications=8, confidence=0.99, seed=5)
    _covers(sim_c, "sl_offered", float(c.service_level))
    _covers(sim_c, "asa_s", float(c.asa_s))
