"""The costs a capacity plan is priced with: given, else the workspace's settings."""

from __future__ import annotations

from dataclasses import dataclass

from servgap.core._result import ResultMixin
from servgap.core.capacity import (
    DEFAULT_ABANDON_COST,
    DEFAULT_AGENT_COST_PER_HOUR,
    DEFAULT_WAIT_COST_PER_HOUR,
)
from servgap.core.workspace_settings import get_setting
from servgap.services.context import Store, get_workspace


@dataclass(frozen=True)
class Costs(ResultMixin):
    """Cost of an agent-hour, of a customer-hour of waiting and of an abandonment.

    Each is the value given, else the workspace's ``cost.agent_per_hour``,
    ``cost.wait_per_hour``, ``cost.abandon`` setting, else servgap's default;
    ``currency`` is the workspace's ``currency`` (default CNY).
    """

    agent_cost_per_hour: float
    wait_cost_per_hour: float
    abandon_cost: float
    currency: str


def capacity_costs(
    store: Store | None,
    workspace: str | None,
    *,
    agent_cost_per_hour: float | None = None,
    wait_cost_per_hour: float | None = None,
    abandon_cost: float | None = None,
) -> Costs:
    """The costs to price a plan with (see :class:`Costs`); no workspace: the defaults."""
    settings: dict[str, object] | None = None
    if store is not None and workspace is not None:
        with store.session() as s:
            settings = dict(get_workspace(s, workspace).settings or {})

    def pick(given: float | None, key: str, default: float) -> float:
        if given is not None:
            return float(given)
        if settings is None:
            return default
        return float(get_setting(settings, key))

    return Costs(
        agent_cost_per_hour=pick(
            agent_cost_per_hour, "cost.agent_per_hour", DEFAULT_AGENT_COST_PER_HOUR
        ),
        wait_cost_per_hour=pick(
            wait_cost_per_hour, "cost.wait_per_hour", DEFAULT_WAIT_COST_PER_HOUR
        ),
        abandon_cost=pick(abandon_cost, "cost.abandon", DEFAULT_ABANDON_COST),
        currency=str(get_setting(settings, "currency")) if settings is not None else "CNY",
    )
