"""`servgap case …`: complaint cases from intake to closure (thin over services.cases).

Times given with ``--at`` / ``--since`` are read by the services in the workspace's
time zone (unless they carry an offset), with the one date-time reader of
:mod:`servgap.core.parse`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from servgap.cli._app import emit, get_ctx, json_option, say
from servgap.core._result import ResultMixin
from servgap.core.cases import (
    CATEGORIES,
    COMPLAINT_CHANNELS,
    PRIORITIES,
    RECOVERY_ACTIONS,
    STATES,
)


def register(main: click.Group) -> None:
    main.add_command(case)


def _default_actor() -> str:
    return os.environ.get("USER") or "cli"


actor_option = click.option(
    "--actor",
    default=_default_actor,
    show_default="$USER or cli",
    help="Who does this (recorded in the case history).",
)
now_option = click.option(
    "--at",
    "at_time",
    default=None,
    help="Time of the action, e.g. 2026-03-02 09:30 (default: now; without an offset the "
    "workspace's time zone).",
)


def _store() -> Any:
    return get_ctx().store()


def _emit_case(result: ResultMixin, as_json: bool, en: str, zh: str) -> None:
    if as_json:
        emit(result.to_dict(), as_json=True)
        return
    click.echo(say(en, zh))


def _warn(en: str | None, zh: str | None) -> None:
    """A calendar warning (a year without official holidays) on standard error."""
    text = say(en or "", zh or "")
    if text:
        click.echo(say("Warning: ", "注意：") + text, err=True)


@click.group()
def case() -> None:
    """Complaint cases: open, move, act, SLA queue, escalation, ledger, intake.

    工单：立案、流转、补救、SLA 队列、升级、补偿台账与批量立案。
    """


@case.command("open")
@click.option("--summary", required=True, help="What the customer complains about.")
@click.option("--category", type=click.Choice(list(CATEGORIES)), default=None,
              help="Complaint category (default: classified from the summary).")  # fmt: skip
@click.option("--priority", type=click.Choice(list(PRIORITIES)), default="normal",
              show_default=True, help="Case priority (sets the SLA targets).")  # fmt: skip
@click.option("--customer", default=None, help="Customer code (created if new).")
@click.option("--site", default=None, help="Site code.")
@click.option("--channel", type=click.Choice(list(COMPLAINT_CHANNELS)), default=None,
              help="Channel the complaint came in by.")  # fmt: skip
@click.option("--owner", default=None, help="Owner of the case.")
@click.option("--complaint", default=None, help="Code of a stored complaint this case handles.")
@click.option("--key", "idempotency_key", default=None, help="Idempotency key.")
@actor_option
@now_option
@json_option
def case_open(
    summary: str,
    category: str | None,
    priority: str,
    customer: str | None,
    site: str | None,
    channel: str | None,
    owner: str | None,
    complaint: str | None,
    idempotency_key: str | None,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Open a case (idempotent with --key or --complaint)."""
    from servgap.services.cases import open_case

    out = open_case(
        _store(), workspace=get_ctx().workspace, summary=summary, category=category,
        priority=priority, customer=customer, site=site, channel=channel, actor=actor,
        complaint=complaint, idempotency_key=idempotency_key, owner=owner, at=at_time,
    )  # fmt: skip
    c = out.case
    if out.created:
        en = f"Opened case {c} ({out.category}, {out.priority})."
        zh = f"已立案 {c}（{out.category}，{out.priority}）。"
    else:
        en, zh = f"Case {c} already exists for this key.", f"该键已有工单 {c}。"
    _emit_case(out, as_json, en, zh)


@case.command("list")
@click.option("--all", "include_finished", is_flag=True, help="Include resolved and closed cases.")
@click.option("--state", "states", multiple=True, type=click.Choice(list(STATES)),
              help="Only cases in this state (repeatable).")  # fmt: skip
@click.option("--overdue", is_flag=True, help="Only cases with a breached running SLA clock.")
@click.option("--at-risk", is_flag=True, help="Only cases with under 20 % of an SLA target left.")
@click.option("--order", type=click.Choice(["tolerance", "opened"]), default="tolerance",
              show_default=True, help="Queue order.")  # fmt: skip
@click.option("--site", default=None, help="Only cases of this site code.")
@click.option("--category", type=click.Choice(list(CATEGORIES)), default=None,
              help="Only cases of this category.")  # fmt: skip
@click.option("--owner", default=None, help="Only cases owned by this agent ('-': nobody).")
@now_option
@json_option
def case_list(
    include_finished: bool,
    states: tuple[str, ...],
    overdue: bool,
    at_risk: bool,
    order: str,
    site: str | None,
    category: str | None,
    owner: str | None,
    at_time: str | None,
    as_json: bool,
) -> None:
    """The case queue, most urgent first (low tolerance, high priority, near deadline)."""
    from servgap.services.cases import case_queue

    queue = case_queue(
        _store(), workspace=get_ctx().workspace, include_finished=include_finished,
        states=list(states), overdue=overdue, at_risk=at_risk, at=at_time,
        order="opened" if order == "opened" else "tolerance", site=site, category=category,
        owner=owner,
    )  # fmt: skip
    cols = ["rank", "case", "state", "priority", "category", "owner", "customer", "site",
            "tolerance", "sla_clock", "sla_state", "remaining_h", "escalated"]  # fmt: skip
    emit(queue.table, as_json=as_json, columns=cols)
    _warn(queue.warning_en, queue.warning_zh)


@case.command("show")
@click.argument("code")
@json_option
def case_show(code: str, as_json: bool) -> None:
    """Show a case with its full history and recovery actions."""
    from servgap.services.cases import get_case

    out = get_case(_store(), workspace=get_ctx().workspace, code=code)
    data = out.to_dict()
    if as_json:
        emit(data, as_json=True)
        _warn(out.warning_en, out.warning_zh)
        return
    skip = {"events", "actions", "sla", "warning_en", "warning_zh"}
    for k, v in data.items():
        if k not in skip and v is not None:
            click.echo(f"{k}: {v}")
    sla = out.sla
    click.echo(
        say(
            f"SLA ({sla.clock}): {sla.state}, {sla.remaining_h:g} of {sla.target_h:g} "
            f"business hours left, due {sla.deadline}",
            f"SLA（{sla.clock}）：{sla.state}，剩余 {sla.remaining_h:g} / "
            f"{sla.target_h:g} 个工作小时，截止 {sla.deadline}",
        )
    )
    click.echo("")
    click.echo(say("History:", "历史记录："))
    emit(data["events"], as_json=False,
         columns=["at", "actor", "kind", "from_state", "to_state", "note"])  # fmt: skip
    if out.actions:
        click.echo("")
        click.echo(say("Recovery actions:", "补救措施："))
        emit(data["actions"], as_json=False)
    _warn(out.warning_en, out.warning_zh)


@case.command("move")
@click.argument("code")
@click.argument("to", type=click.Choice(list(STATES)))
@click.option("--note", default="", help="Why.")
@actor_option
@now_option
@json_option
def case_move(
    code: str, to: str, note: str, actor: str, at_time: str | None, as_json: bool
) -> None:
    """Move a case to another state (illegal moves are refused)."""
    from servgap.services.cases import move_case

    out = move_case(_store(), workspace=get_ctx().workspace, code=code, to=to, actor=actor,
                    note=note, at=at_time)  # fmt: skip
    _emit_case(out, as_json, f"Case {code} is now {to}.", f"工单 {code} 已变更为 {to}。")


@case.command("close")
@click.argument("code")
@click.option("--satisfaction-after", type=float, default=None,
              help="The customer's satisfaction after the recovery, 1–7.")  # fmt: skip
@click.option("--satisfaction-before", type=float, default=None,
              help="Satisfaction before the failure, 1–7 (default: the customer's last survey "
              "answer).")  # fmt: skip
@click.option("--note", default="", help="Why.")
@actor_option
@now_option
@json_option
def case_close(
    code: str,
    satisfaction_after: float | None,
    satisfaction_before: float | None,
    note: str,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Close a resolved case and record the customer's satisfaction before and after."""
    from servgap.services.cases import close_case

    out = close_case(_store(), workspace=get_ctx().workspace, code=code,
                     satisfaction_after=satisfaction_after,
                     satisfaction_before=satisfaction_before, actor=actor, note=note,
                     at=at_time)  # fmt: skip
    en, zh = f"Case {code} is closed.", f"工单 {code} 已关闭。"
    after, before = out.satisfaction_after, out.satisfaction_before
    if after is not None:
        b_en = "unknown" if before is None else f"{before:g}"
        b_zh = "未知" if before is None else f"{before:g}"
        src_en = {"survey": " (last survey answer)", "given": ""}.get(out.before_source or "", "")
        src_zh = {"survey": "（最近一次问卷答案）", "given": ""}.get(out.before_source or "", "")
        en += f" Satisfaction before {b_en}{src_en}, after {after:g} (1–7)."
        zh += f"补救前满意度 {b_zh}{src_zh}，补救后 {after:g}（1–7）。"
    _emit_case(out, as_json, en, zh)


@case.command("act")
@click.argument("code")
@click.argument("action", type=click.Choice(list(RECOVERY_ACTIONS)))
@click.option("--amount", "amount_cny", type=float, default=None,
              help="Amount in CNY (refund, coupon, compensation).")  # fmt: skip
@click.option("--note", default="", help="Details.")
@actor_option
@now_option
@json_option
def case_act(
    code: str,
    action: str,
    amount_cny: float | None,
    note: str,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Record a recovery action (apology, explanation, redelivery, refund, coupon …)."""
    from servgap.services.cases import act_on_case

    out = act_on_case(_store(), workspace=get_ctx().workspace, code=code, action=action,
                      amount_cny=amount_cny, actor=actor, note=note, at=at_time)  # fmt: skip
    amt = f" {amount_cny:g} CNY" if amount_cny is not None else ""
    amt_zh = f" {amount_cny:g} 元" if amount_cny is not None else ""
    _emit_case(out, as_json, f"Recorded {action}{amt} on case {code}.",
               f"已为工单 {code} 记录补救措施 {action}{amt_zh}。")  # fmt: skip


@case.command("note")
@click.argument("code")
@click.argument("text")
@actor_option
@now_option
@json_option
def case_note(code: str, text: str, actor: str, at_time: str | None, as_json: bool) -> None:
    """Add a note to a case's history."""
    from servgap.services.cases import note_case

    out = note_case(_store(), workspace=get_ctx().workspace, code=code, note=text, actor=actor,
                    at=at_time)  # fmt: skip
    _emit_case(out, as_json, f"Note added to case {code}.", f"已为工单 {code} 添加备注。")


@case.command("assign")
@click.argument("code")
@click.argument("owner")
@actor_option
@now_option
@json_option
def case_assign(code: str, owner: str, actor: str, at_time: str | None, as_json: bool) -> None:
    """Give a case to an owner."""
    from servgap.services.cases import assign_case

    out = assign_case(_store(), workspace=get_ctx().workspace, code=code, owner=owner,
                      actor=actor, at=at_time)  # fmt: skip
    _emit_case(out, as_json, f"Case {code} assigned to {owner}.", f"工单 {code} 已指派给 {owner}。")


@case.command("wait")
@click.argument("code")
@click.option("--note", default="", help="What the customer must do.")
@actor_option
@now_option
@json_option
def case_wait(code: str, note: str, actor: str, at_time: str | None, as_json: bool) -> None:
    """Wait for the customer (pauses the resolution clock)."""
    from servgap.services.cases import wait_for_customer

    out = wait_for_customer(_store(), workspace=get_ctx().workspace, code=code, actor=actor,
                            note=note, at=at_time)  # fmt: skip
    _emit_case(out, as_json, f"Case {code} waits for the customer (SLA clock paused).",
               f"工单 {code} 等待客户回复（SLA 计时暂停）。")  # fmt: skip


@case.command("resume")
@click.argument("code")
@click.option("--note", default="", help="What the customer said.")
@actor_option
@now_option
@json_option
def case_resume(code: str, note: str, actor: str, at_time: str | None, as_json: bool) -> None:
    """The customer replied: the resolution clock runs again."""
    from servgap.services.cases import resume_case

    out = resume_case(_store(), workspace=get_ctx().workspace, code=code, actor=actor, note=note,
                      at=at_time)  # fmt: skip
    _emit_case(out, as_json, f"Case {code} resumed.", f"工单 {code} 已恢复计时。")


@case.command("escalate")
@click.argument("codes", nargs=-1)
@click.option("--all-overdue", is_flag=True, help="Escalate every overdue open case.")
@click.option("--note", default="", help="Why.")
@actor_option
@now_option
@json_option
def case_escalate(
    codes: tuple[str, ...],
    all_overdue: bool,
    note: str,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Escalate cases: flag them and raise their priority one level."""
    from servgap.services.cases import escalate_cases

    out = escalate_cases(_store(), workspace=get_ctx().workspace, codes=list(codes),
                         all_overdue=all_overdue, actor=actor, note=note, at=at_time)  # fmt: skip
    rows = [e.to_dict() for e in out]
    if as_json:
        emit(rows, as_json=True)
        return
    click.echo(say(f"Escalated {len(out)} case(s).", f"已升级 {len(out)} 个工单。"))
    if out:
        emit(rows, as_json=False)


@case.command("ledger")
@click.option("--by", type=click.Choice(["customer", "site"]), default="customer",
              show_default=True, help="Total the compensation per customer or per site.")  # fmt: skip
@json_option
def case_ledger(by: str, as_json: bool) -> None:
    """Compensation ledger per customer or site, with totals and counts."""
    from servgap.services.cases import compensation_ledger

    led = compensation_ledger(_store(), workspace=get_ctx().workspace,
                              by="site" if by == "site" else "customer")  # fmt: skip
    if as_json:
        emit(led.to_dict(), as_json=True)
        return
    emit(led.table, as_json=False)
    click.echo(
        say(
            f"Total {led.total_cny:.2f} CNY in {led.n_actions} action(s) on {led.n_cases} case(s).",
            f"合计 {led.total_cny:.2f} 元，{led.n_cases} 个工单共 {led.n_actions} 项补救措施。",
        )
    )


def _report(rep: Any, as_json: bool) -> None:
    if as_json:
        emit(rep.to_dict(), as_json=True)
        return
    click.echo(
        say(
            f"Opened {rep.opened} case(s); {rep.already_open} already had one"
            + (f"; {rep.not_triggered} did not need one" if rep.not_triggered else "")
            + f" ({rep.rows_read} read).",
            f"新立案 {rep.opened} 个；{rep.already_open} 个已有工单"
            + (f"；{rep.not_triggered} 个无需立案" if rep.not_triggered else "")
            + f"（共读取 {rep.rows_read} 条）。",
        )
    )


encoding_option = click.option(
    "--encoding", default=None, help="Text encoding of a CSV (default: detected)."
)
sheet_option = click.option(
    "--sheet", default=None, help="Excel sheet name (default: the first sheet)."
)
mapping_option = click.option(
    "--mapping", type=click.Path(path_type=Path), default=None,
    help="Column mapping YAML (for files with other headers).",
)  # fmt: skip


@case.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@encoding_option
@sheet_option
@mapping_option
@actor_option
@now_option
@json_option
def case_import(
    file: Path,
    encoding: str | None,
    sheet: str | None,
    mapping: Path | None,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Import complaints (CSV/Excel) and open a case for each, all or nothing.

    Columns: code?, received_at, text, category?, customer?, site?, channel, priority?.
    """
    from servgap.services.cases import import_cases

    rep = import_cases(_store(), file, workspace=get_ctx().workspace, encoding=encoding,
                       sheet=sheet, mapping_file=mapping, actor=actor, at=at_time)  # fmt: skip
    _report(rep, as_json)


@case.command("import-outcomes")
@click.argument("file", type=click.Path(path_type=Path))
@encoding_option
@sheet_option
@mapping_option
@actor_option
@now_option
@json_option
def case_import_outcomes(
    file: Path,
    encoding: str | None,
    sheet: str | None,
    mapping: Path | None,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Import recovery outcomes of resolved cases (CSV/Excel), all or nothing.

    Columns: case, satisfaction_before?, satisfaction_after (1–7); an empty
    satisfaction_before is the customer's last survey answer.
    """
    from servgap.services.cases import import_outcomes

    rep = import_outcomes(_store(), file, workspace=get_ctx().workspace, encoding=encoding,
                          sheet=sheet, mapping_file=mapping, actor=actor, at=at_time)  # fmt: skip
    if as_json:
        emit(rep.to_dict(), as_json=True)
        return
    click.echo(
        say(
            f"Recorded the outcome of {rep.recorded} case(s) ({rep.rows_read} read); satisfaction "
            f"before: {rep.before_given} given, {rep.before_from_survey} from the customer's last "
            f"survey answer, {rep.before_unknown} unknown.",
            f"已记录 {rep.recorded} 个工单的补救结果（共读取 {rep.rows_read} 行）；补救前满意度："
            f"{rep.before_given} 个为填写值，{rep.before_from_survey} 个取自客户最近一次问卷答案，"
            f"{rep.before_unknown} 个未知。",
        )
    )


@case.command("from-complaints")
@click.option("--since", default=None,
              help="Only complaints received at or after this time (e.g. 2026-03-01).")  # fmt: skip
@actor_option
@now_option
@json_option
def case_from_complaints(since: str | None, actor: str, at_time: str | None, as_json: bool) -> None:
    """Open a case for every stored complaint without one (idempotent)."""
    from servgap.services.cases import cases_from_complaints

    rep = cases_from_complaints(_store(), workspace=get_ctx().workspace, actor=actor,
                                since=since, at=at_time)  # fmt: skip
    _report(rep, as_json)


@case.command("from-survey")
@click.option("--survey", "survey_code", required=True, help="Survey code.")
@click.option("--items", default="", help="Comma-separated SERVQUAL items to watch (rel1,rel4).")
@click.option("--nps-col", default="nps", show_default=True,
              help="NPS column; '' to ignore NPS.")  # fmt: skip
@actor_option
@now_option
@json_option
def case_from_survey(
    survey_code: str,
    items: str,
    nps_col: str,
    actor: str,
    at_time: str | None,
    as_json: bool,
) -> None:
    """Closed loop: open a case for each dissatisfied response (idempotent)."""
    from servgap.services.cases import cases_from_survey

    rep = cases_from_survey(_store(), workspace=get_ctx().workspace, survey=survey_code,
                            items=[i for i in items.split(",") if i.strip()],
                            nps_col=nps_col or None, actor=actor, at=at_time)  # fmt: skip
    _report(rep, as_json)
