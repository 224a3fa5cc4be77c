"""`servgap alerts …`: scan for alerts (nightly from cron), list them, acknowledge one."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from servgap.cli._app import emit, get_ctx, json_option, say
from servgap.core.alert_vocab import ALERT_STATES, KINDS

if TYPE_CHECKING:
    from servgap.services.alerts import AlertRecord


def register(main: click.Group) -> None:
    main.add_command(alerts)


@click.group()
def alerts() -> None:
    """Alerts on expectations, perceptions, Kano, NPS/CSI and complaints: scan, list, acknowledge.

    预警：期望、感知、Kano、NPS/满意指数与投诉的预警——扫描、列出、确认。
    """


def _row(a: AlertRecord) -> dict[str, Any]:
    lang = get_ctx().lang
    return {
        "id": a.id,
        "state": a.state,
        "severity": a.severity,
        "kind": a.kind,
        "period": a.period,
        "title": a.title(lang),
    }


@alerts.command("scan")
@click.option(
    "--all-workspaces", is_flag=True, help="Scan every workspace (for a nightly cron job)."
)
@json_option
def scan_cmd(all_workspaces: bool, as_json: bool) -> None:
    """Apply the alert rules to the newest data and store what fires (safe to repeat)."""
    from servgap.services.alerts import scan_alerts, scan_all_workspaces

    c = get_ctx()
    if all_workspaces:
        reports = scan_all_workspaces(c.store())
    else:
        reports = (scan_alerts(c.store(), c.workspace),)
    if as_json:
        emit([r.to_dict() for r in reports], as_json=True)
        return
    for r in reports:
        click.echo(
            say(
                f"{r.workspace}: {len(r.new)} new alert(s), {r.seen_again} found again, "
                f"{r.resolved} resolved.",
                f"{r.workspace}：新预警 {len(r.new)} 条，再次发现 {r.seen_again} 条，"
                f"已解除 {r.resolved} 条。",
            )
        )
        for a in r.new:
            click.echo(f"  #{a.id} [{a.severity}] {a.title(c.lang)}")
        for note in r.notes:
            click.echo(say("  not applied: ", "  未应用：") + note, err=True)


@alerts.command("list")
@click.option("--state", type=click.Choice(list(ALERT_STATES)), default=None,
              help="Only alerts in this state.")  # fmt: skip
@click.option("--kind", type=click.Choice(list(KINDS)), default=None, help="Only this kind.")
@click.option("--site", "sites", multiple=True, help="Only alerts about this site (repeatable).")
@json_option
def list_cmd(state: str | None, kind: str | None, sites: tuple[str, ...], as_json: bool) -> None:
    """List stored alerts, open ones first, most severe first."""
    from servgap.services.alerts import list_alerts

    c = get_ctx()
    res = list_alerts(c.store(), c.workspace, state=state, kind=kind, sites=sites or None)
    if as_json:
        emit(res.to_dict(), as_json=True)
        return
    emit(None, as_json=False, table=[_row(a) for a in res.alerts])


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.option("--note", default=None, help="What was seen or decided (kept with the alert).")
@click.option("--by", "by", default=lambda: os.environ.get("USER") or "cli",
              show_default="$USER or cli", help="Who acknowledges.")  # fmt: skip
@json_option
def ack_cmd(alert_id: int, note: str | None, by: str, as_json: bool) -> None:
    """Acknowledge an alert (it stays listed until a scan no longer finds it)."""
    from servgap.services.alerts import acknowledge

    c = get_ctx()
    a = acknowledge(c.store(), c.workspace, alert_id, by=by, note=note)
    if as_json:
        emit(a.to_dict(), as_json=True)
        return
    click.echo(say(f"Alert #{a.id} acknowledged by {by}.", f"预警 #{a.id} 已由 {by} 确认。"))
