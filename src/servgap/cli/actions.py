"""`servgap action …`: the improvement cycle — open an action with its target metric (by hand,
from an alert or from the short board), list actions, move them, and run the follow-up check."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from servgap.cli._app import emit, get_ctx, json_option, say
from servgap.core.alert_vocab import ACTION_STATES

if TYPE_CHECKING:
    from servgap.services.alerts import ActionRecord


def register(main: click.Group) -> None:
    main.add_command(action)


@click.group()
def action() -> None:
    """Improvement actions with a target metric and their follow-up check."""


def _row(a: ActionRecord) -> dict[str, Any]:
    r = a.check_result or {}
    met = r.get("target_met")
    return {
        "id": a.id,
        "state": a.state,
        "title": a.title,
        "owner": a.owner,
        "site": a.site or "",
        "metric": a.metric or "",
        "target": a.target,
        "due": a.due_date,
        "before": r.get("before"),
        "after": r.get("after"),
        "did": r.get("did"),
        "met": "" if met is None else ("yes" if met else "no"),
    }


@action.command("open")
@click.option("--title", default=None, help="What will be done (default from --short-board).")
@click.option("--owner", required=True, help="Who is responsible.")
@click.option("--theme", default=None, help="Improvement theme, e.g. punctuality.")
@click.option("--site", default=None, help="Site the action is for (default: every site).")
@click.option("--survey", default=None, help="Survey of the target metric (default: the only one).")
@click.option(
    "--metric", default=None, help="Target metric: msa:reliability, perceived:rel1, nps …"
)
@click.option("--target", default=None, help="Target level of the metric, e.g. 0 for MSA.")
@click.option("--lower-is-better", is_flag=True, help="The metric improves downwards (a wait).")
@click.option("--baseline-period", default=None, help="Period before the action, e.g. 2026Q3.")
@click.option("--check-period", default=None, help="Period of the follow-up check.")
@click.option("--due", default=None, help="Due date, e.g. 2026-12-31.")
@click.option("--from-alert", "alert_id", type=int, default=None, help="Alert the action answers.")
@click.option("--short-board", is_flag=True,
              help="Act on the short board: metric msa:<dimension>, target 0, baseline the latest period (or --baseline-period).")  # fmt: skip
@click.option("--note", default=None, help="Notes kept with the action.")
@click.option("--by", "by", default=lambda: os.environ.get("USER") or "cli",
              show_default="$USER or cli", help="Who opens it.")  # fmt: skip
@json_option
def open_cmd(title: str | None, owner: str, theme: str | None, site: str | None,
             survey: str | None, metric: str | None, target: str | None, lower_is_better: bool,
             baseline_period: str | None, check_period: str | None, due: str | None,
             alert_id: int | None, short_board: bool, note: str | None, by: str,
             as_json: bool) -> None:  # fmt: skip
    """Open an improvement action with its plan (all or nothing)."""
    from servgap.services.improvement import action_plan, open_improvement, short_board_plan

    c = get_ctx()
    store = c.store()
    if short_board:
        default_title, plan = short_board_plan(store, workspace=c.workspace, survey=survey,
                                               period=baseline_period, lang=c.lang)  # fmt: skip
        title = title or default_title
    else:
        source = "alert" if alert_id is not None else "manual"
        plan = action_plan(store, workspace=c.workspace, theme=theme, site=site, survey=survey,
                           metric=metric, target=target, higher_is_better=not lower_is_better,
                           baseline_period=baseline_period, check_period=check_period,
                           source=source)  # fmt: skip
    rec = open_improvement(store, workspace=c.workspace, title=title or "", owner=owner,
                           created_by=by, plan=plan, alert_id=alert_id, due_date=due,
                           note=note)  # fmt: skip
    if as_json:
        emit(rec.to_dict(), as_json=True)
        return
    click.echo(
        say(f"Action #{rec.id} opened: {rec.title}", f"已创建改进措施 #{rec.id}：{rec.title}")
    )


@action.command("list")
@click.option("--state", type=click.Choice(list(ACTION_STATES)), default=None,
              help="Only actions in this state.")  # fmt: skip
@json_option
def list_cmd(state: str | None, as_json: bool) -> None:
    """List improvement actions with their last check."""
    from servgap.services.alerts import list_actions

    c = get_ctx()
    acts = list_actions(c.store(), c.workspace, state=state)
    if as_json:
        emit([a.to_dict() for a in acts], as_json=True)
        return
    emit(None, as_json=False, table=[_row(a) for a in acts])


@action.command("state")
@click.argument("action_id", type=int)
@click.argument("state", type=click.Choice(list(ACTION_STATES)))
@json_option
def state_cmd(action_id: int, state: str, as_json: bool) -> None:
    """Move an action to open, in_progress or done."""
    from servgap.services.alerts import set_action_state

    c = get_ctx()
    rec = set_action_state(c.store(), c.workspace, action_id, state)
    if as_json:
        emit(rec.to_dict(), as_json=True)
        return
    click.echo(say(f"Action #{rec.id} is now {rec.state}.", f"措施 #{rec.id} 现为 {rec.state}。"))


@action.command("check")
@click.argument("action_id", type=int)
@click.option(
    "--period", default=None, help="Period to check (default: the planned one, else the next)."
)
@json_option
def check_cmd(action_id: int, period: str | None, as_json: bool) -> None:
    """Follow-up check: the metric before and after at the site, against the other sites, and
    whether the target was met (stored with the action)."""
    from servgap.services.improvement import check_action

    c = get_ctx()
    rec = check_action(c.store(), workspace=c.workspace, action_id=action_id, period=period)
    if as_json:
        emit(rec.to_dict(), as_json=True)
        return
    r = rec.check_result or {}

    def f(v: object) -> str:
        return "—" if v is None else f"{float(str(v)):.3g}"

    click.echo(say(
        f"#{rec.id} {rec.metric}: {f(r.get('before'))} ({r.get('baseline_period')}) → "
        f"{f(r.get('after'))} ({r.get('check_period')}), change {f(r.get('change'))} "
        f"(Welch p = {f(r.get('change_p'))}); beyond the other sites {f(r.get('did'))} "
        f"(p = {f(r.get('did_p'))}).",
        f"#{rec.id} {rec.metric}：{f(r.get('before'))}（{r.get('baseline_period')}）→ "
        f"{f(r.get('after'))}（{r.get('check_period')}），变化 {f(r.get('change'))}"
        f"（Welch p = {f(r.get('change_p'))}）；相对其他网点 {f(r.get('did'))}"
        f"（p = {f(r.get('did_p'))}）。",
    ))  # fmt: skip
    if rec.target is not None:
        met = r.get("target_met")
        click.echo(say(f"Target {rec.target:g}: {'met' if met else 'not met'}.",
                       f"目标 {rec.target:g}：{'已达成' if met else '未达成'}。"))  # fmt: skip
