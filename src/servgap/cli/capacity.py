"""`servgap capacity forecast|staff|plan|balance|simulate`: demand, staffing and capacity.

Thin adapter over :mod:`servgap.services.capacity`: parses options, calls one
service, prints a header (service-level definition, model, parameters) and
the main table, or JSON with ``--json``; ``--csv FILE`` writes the main table,
``--chart FILE.png`` draws demand vs capacity (:mod:`servgap.reports.charts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from servgap.cli._app import emit, force_option, get_ctx, say, write_csv
from servgap.core._result import to_plain
from servgap.core.staffing import STAFFING_MODELS

if TYPE_CHECKING:
    from servgap.services import capacity as svc
else:

    class _Services:
        """The capacity services, imported on first use: statsforecast and ciw take
        seconds to import, and `servgap --help` or any other command must not wait."""

        def __getattr__(self, name: str) -> Any:
            from servgap.services import capacity

            return getattr(capacity, name)

    svc = _Services()

SL_TEXT = {
    "offered": ("answered within t / offered calls (abandoned calls count as failures)",
                "t 秒内接通数 / 呼入总数（放弃的来电计为未达标）"),
    "answered": ("answered within t / answered calls (abandoned calls left out)",
                 "t 秒内接通数 / 接通总数（不计放弃的来电）"),
    "all": ("P(wait <= t) over all arrivals (a call abandoned before t counts as within t)",
            "所有来电中等候 ≤ t 的比例（t 之前放弃的也计为达标）"),
    "erlang_c": ("Erlang C, nobody abandons: P(wait <= t)", "Erlang C（不考虑放弃）：等候 ≤ t 的概率"),
}  # fmt: skip
DAY_TYPE_ZH = {"holiday": "节假日", "makeup_workday": "调休上班", "regular": ""}
STATUS_ZH = {"below": "不足", "matching": "匹配", "above": "富余"}


def register(main: click.Group) -> None:
    main.add_command(capacity)


@click.group()
def capacity() -> None:
    """Forecast demand, staff queues to service targets and balance capacity.

    预测需求、按服务目标配置人员、平衡产能与需求。
    """


def _echo(en: str, zh: str) -> None:
    click.echo(say(en, zh))


# --------------------------------------------------------------------------------- options


def _source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--site", default=None, help="Site code (e.g. cc_hotline, sh_xuhui)."),
        click.option("--queue", default=None, help="Queue name (hotline, counter); optional if the site has one."),
        click.option("--file", "file", type=click.Path(path_type=Path), default=None,
                     help="Interval demand file (CSV or .xlsx, format in docs/data-formats.md) "
                          "instead of the store."),
        click.option("--mapping", type=click.Path(path_type=Path), default=None,
                     help="Column mapping YAML for --file (an ACD export with other headers)."),
        click.option("--encoding", default=None, help="Text encoding of a --file CSV (default: detected)."),
        click.option("--sheet", default=None, help="Excel sheet of --file (default: the first sheet)."),
        click.option("--date-format", default=None,
                     help="Date format of --file when day and month are ambiguous (DD/MM/YYYY ...)."),
        click.option("--tz", default=None, help="Time zone for --file and typed dates (default: the workspace's)."),
        click.option("--until", default=None,
                     help="Use history before this local date/time only (a past forecast origin, e.g. 2026-11-09)."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        click.option("--csv", "csv_out", type=click.Path(path_type=Path), default=None,
                     help="Also write the main table to this CSV file."),
        force_option,
    ]  # fmt: skip
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _demand_options(models_default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        opts = [
            click.option("--horizon", type=int, default=None,
                         help="Forecast this many intervals (336 = a week of half hours); "
                              "without it the last --last-days of history are used."),
            click.option("--models", default=models_default, show_default=True,
                         help="Forecast models, comma-separated (auto_ets, mstl, seasonal_naive, ...)."),
            click.option("--adjust", "adjust", multiple=True,
                         help='Expert adjustment "START..END:x1.8:AUTHOR:REASON" (or +N per interval); repeatable.'),
            click.option("--last-days", type=float, default=7.0, show_default=True,
                         help="Days of history to plan for when no --horizon is given."),
        ]  # fmt: skip
        for o in reversed(opts):
            fn = o(fn)
        return fn

    return deco


def _target_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--target-sl", type=float, default=0.8, show_default=True,
                     help="Service level: share answered within --target-wait."),
        click.option("--target-wait", type=float, default=20.0, show_default=True,
                     help="Service-level threshold t in seconds."),
        click.option("--patience", default="auto", show_default=True,
                     help="Mean patience: auto (estimated from total_wait_s / abandoned), "
                          "SECONDS, or none (Erlang C)."),
        click.option("--sl-definition", type=click.Choice(["offered", "answered", "all"]),
                     default="offered", show_default=True,
                     help="How abandoned calls count in the service level (changes staffing)."),
        _model_option,
    ]  # fmt: skip
    for o in reversed(opts):
        fn = o(fn)
    return fn


_model_option = click.option(
    "--model",
    type=click.Choice(list(STAFFING_MODELS)),
    default=None,
    help="Staffing model (default: erlang_a when a patience is known, else erlang_c).",
)


def _cost_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option("--agent-cost-per-hour", type=float, default=None,
                     help="Cost of one agent-hour (default: the workspace's cost.agent_per_hour, else 45)."),
        click.option("--wait-cost-per-hour", type=float, default=None,
                     help="Cost of one customer-hour of waiting (default: the workspace's "
                          "cost.wait_per_hour, else 60)."),
        click.option("--abandon-cost", type=float, default=None,
                     help="Cost per abandoned contact (default: the workspace's cost.abandon, else 5)."),
    ]  # fmt: skip
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _chart_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--chart", type=click.Path(path_type=Path), default=None,
                        help="Save a PNG chart of demand vs capacity here.")(fn)  # fmt: skip


# --------------------------------------------------------------------------------- helpers


def _workspace() -> str | None:
    """The workspace asked for or the store's only one (its language then applies), else None."""
    c = get_ctx()
    return c.workspace if c.workspace_or_none() is not None else None


def _history(o: dict[str, Any]) -> svc.DemandHistory:
    c = get_ctx()
    return svc.open_history(
        c.store(), workspace=_workspace(), site=o["site"], queue=o["queue"], file=o["file"],
        tz=o["tz"], until=o["until"], mapping_file=o["mapping"], date_format=o["date_format"],
        encoding=o["encoding"], sheet=o["sheet"],
    )  # fmt: skip


def _models(text: str) -> list[str]:
    return [m.strip() for m in text.split(",") if m.strip()]


def _demand(hist: svc.DemandHistory, o: dict[str, Any]) -> svc.Demand:
    return svc.demand_for_planning(hist, horizon=o["horizon"], models=_models(o["models"]),
                                   adjustments=o["adjust"], last_days=o["last_days"])  # fmt: skip


def _patience(text: str) -> str | float | None:
    return None if text == "none" else text


def _costs(o: dict[str, Any]) -> svc.Costs:
    return svc.capacity_costs(get_ctx().store(), _workspace(),
                              agent_cost_per_hour=o["agent_cost_per_hour"],
                              wait_cost_per_hour=o["wait_cost_per_hour"],
                              abandon_cost=o["abandon_cost"])  # fmt: skip


def _fmt_time(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "interval_start" in out.columns:
        out["interval_start"] = pd.to_datetime(out["interval_start"]).dt.strftime("%Y-%m-%d %H:%M")
    return out


def _plain(obj: Any, drop: Sequence[str] = ("result",)) -> Any:
    d = to_plain(obj)
    if isinstance(d, dict):
        for k in drop:
            d.pop(k, None)
    return d


def _params_line(p: svc.QueueParameters) -> str:
    if p.aht_source == "given":
        aht_en, aht_zh = f"AHT {p.aht_s:.1f} s (given)", f"平均处理时长 {p.aht_s:.1f} 秒（指定）"
    else:
        aht_en = f"AHT {p.aht_s:.1f} s (from {p.handled:.0f} handled contacts)"
        aht_zh = f"平均处理时长 {p.aht_s:.1f} 秒（基于 {p.handled:.0f} 个已处理量）"
    if p.patience_s is None:
        pat_en, pat_zh = "no abandonment (Erlang C)", "不考虑放弃（Erlang C）"
    elif p.patience_source == "estimated":
        pat_en = (f"patience {p.patience_s:.1f} s ± {p.patience_se_s or 0:.1f} (estimated: total wait / "
                  f"{p.abandoned:.0f} abandonments)")  # fmt: skip
        pat_zh = f"耐心时间 {p.patience_s:.1f} 秒 ± {p.patience_se_s or 0:.1f}（由总等候时间 / {p.abandoned:.0f} 次放弃估计）"
    else:
        pat_en, pat_zh = (
            f"patience {p.patience_s:.1f} s (given)",
            f"耐心时间 {p.patience_s:.1f} 秒（指定）",
        )
    return say(f"{aht_en}; {pat_en}; model {p.model}", f"{aht_zh}；{pat_zh}；模型 {p.model}")


def _sl_header(sl_definition: str, target_sl: float, target_wait_s: float) -> None:
    en, zh = SL_TEXT[sl_definition]
    _echo(
        f"Service level: {target_sl:.0%} within {target_wait_s:g} s; definition `{sl_definition}`: {en}",
        f"服务水平：{target_sl:.0%} 在 {target_wait_s:g} 秒内；定义 `{sl_definition}`：{zh}",
    )


def _source_line(hist: svc.DemandHistory, demand: svc.Demand) -> None:
    if demand.forecast is not None:
        _echo(
            f"Demand: forecast ({demand.forecast.best_model}) of {hist.site}/{hist.queue}, "
            f"{demand.calls.size} intervals, {demand.calls.sum():.0f} contacts (with adjustments)",
            f"需求：{hist.site}/{hist.queue} 的预测（{demand.forecast.best_model}），{demand.calls.size} 个时段，"
            f"{demand.calls.sum():.0f} 个（含调整）",
        )
    else:
        _echo(
            f"Demand: history of {hist.site}/{hist.queue}, last {demand.calls.size} intervals, "
            f"{demand.calls.sum():.0f} contacts",
            f"需求：{hist.site}/{hist.queue} 的历史数据，最近 {demand.calls.size} 个时段，共 {demand.calls.sum():.0f} 个",
        )


def _notes(notes: Sequence[Any]) -> None:
    lang = get_ctx().lang
    for note in notes:
        click.echo(f"* {note.text(lang)}")


def _chart(path: Path | None, starts: pd.Series, calls: pd.Series, **kwargs: Any) -> None:
    if path is None:
        return
    from servgap.reports.charts import demand_capacity_chart

    c = get_ctx()
    demand_capacity_chart(starts, calls, path, lang=c.lang, force=c.force,
                          protected=c.protected_files(), **kwargs)  # fmt: skip


# -------------------------------------------------------------------------------- forecast


@capacity.command("forecast")
@_source_options
@click.option("--horizon", type=int, default=336, show_default=True,
              help="Intervals to forecast (336 = one week of half hours).")  # fmt: skip
@click.option("--models", default="auto_ets,mstl,seasonal_naive", show_default=True,
              help="Candidate models, comma-separated; the backtest picks the best.")  # fmt: skip
@click.option("--adjust", "adjust", multiple=True,
              help='Expert adjustment "START..END:x1.8:AUTHOR:REASON" (or +N); repeatable.')  # fmt: skip
@click.option("--windows", type=int, default=2, show_default=True, help="Backtest windows.")
@_chart_option
def forecast_cmd(**o: Any) -> None:
    """Forecast demand with a backtest, with and without expert adjustments.

    用回测选模型预测需求，并列出专家调整前后的预测。
    """
    hist = _history(o)
    fc = svc.run_forecast(hist, horizon=o["horizon"], models=_models(o["models"]),
                          adjustments=o["adjust"], backtest_windows=o["windows"])  # fmt: skip
    write_csv(fc.table, o["csv_out"])
    _chart(o["chart"], fc.table["interval_start"], fc.table["forecast"],
           adjusted=fc.table["adjusted"])  # fmt: skip
    if o["as_json"]:
        emit(_plain(fc), as_json=True)
        return
    _echo(
        f"Forecast of {fc.site}/{fc.queue}: {fc.horizon} intervals; best model by backtest: {fc.best_model}",
        f"{fc.site}/{fc.queue} 的预测：{fc.horizon} 个时段；回测最佳模型：{fc.best_model}",
    )
    emit(None, as_json=False, table=fc.backtest, title=say("Backtest:", "回测："),
         columns=["model", "mae", "rmse", "smape", "mase", "n_windows", "n_points"])  # fmt: skip
    if len(fc.adjustments):
        emit(None, as_json=False, table=fc.adjustments,
             title=say("Expert adjustments:", "专家调整："),
             columns=["label", "author", "reason", "start", "end", "factor", "add",
                      "intervals_touched", "status"])  # fmt: skip
    dropped = fc.result.models_dropped
    if len(dropped):
        reason = "reason_zh" if get_ctx().lang == "zh" else "reason"
        click.echo(say("Models not used:", "未使用的模型："))
        for _, row in dropped.iterrows():
            click.echo(f"- {row['model']}: {row[reason]}")
    _echo(
        f"Total: {fc.total_forecast:.0f} statistical, {fc.total_adjusted:.0f} with adjustments",
        f"合计：统计预测 {fc.total_forecast:.0f}，含调整 {fc.total_adjusted:.0f}",
    )
    _notes(fc.notes)
    table = _fmt_time(fc.table)
    if get_ctx().lang == "zh":
        table["day_type"] = table["day_type"].map(DAY_TYPE_ZH)
    else:
        table["day_type"] = table["day_type"].where(table["day_type"] != "regular", "")
    emit(None, as_json=False, table=table, title=say("Forecast:", "预测："),
         columns=["interval_start", "forecast", "adjusted", "adjustment", "lo_80", "hi_80",
                  "day_type"])  # fmt: skip


# ----------------------------------------------------------------------------------- staff


@capacity.command("staff")
@_source_options
@_demand_options("seasonal_naive")
@_target_options
@click.option("--max-occupancy", type=float, default=None, help="Occupancy cap, e.g. 0.85.")
@click.option("--shrinkage", type=float, default=0.0, show_default=True,
              help="Share of paid time off the phones (0.3 = 30 %).")  # fmt: skip
@click.option("--aht", "--aht-s", "aht", type=float, default=None,
              help="AHT in seconds (default: pooled from the data).")  # fmt: skip
@_chart_option
def staff_cmd(**o: Any) -> None:
    """Agents needed per interval for a service-level target (Erlang A/C).

    按服务水平目标计算每个时段所需人数（Erlang A/C）。
    """
    hist = _history(o)
    demand = _demand(hist, o)
    plan = svc.run_staff(hist, demand, target_sl=o["target_sl"], target_wait_s=o["target_wait"],
                         patience=_patience(o["patience"]), sl_definition=o["sl_definition"],
                         max_occupancy=o["max_occupancy"], shrinkage=o["shrinkage"], aht_s=o["aht"],
                         model=o["model"])  # fmt: skip
    write_csv(plan.table, o["csv_out"])
    _chart(o["chart"], plan.table["interval_start"], plan.table["calls"],
           required_agents=plan.table["agents"],
           calls_label="forecast" if demand.forecast else "actual")  # fmt: skip
    if o["as_json"]:
        emit(_plain(plan), as_json=True)
        return
    _sl_header(plan.sl_definition, plan.target_sl, plan.target_wait_s)
    _source_line(hist, demand)
    click.echo(_params_line(plan.parameters))
    _echo(
        f"Agent-hours on the phones {plan.agent_hours:.1f}, scheduled {plan.scheduled_hours:.1f} "
        f"(shrinkage {plan.shrinkage:.0%}); peak {plan.peak_agents:.0f} agents",
        f"在线人·小时 {plan.agent_hours:.1f}，排班人·小时 {plan.scheduled_hours:.1f}"
        f"（缩减率 {plan.shrinkage:.0%}）；峰值 {plan.peak_agents:.0f} 人",
    )
    if demand.forecast is not None:
        _notes(demand.forecast.notes)
    emit(None, as_json=False, table=_fmt_time(plan.table),
         columns=["interval_start", "calls", "agents", "scheduled", "service_level", "p_abandon",
                  "asa_s", "occupancy", "binding"])  # fmt: skip


# ------------------------------------------------------------------------------------ plan


@capacity.command("plan")
@_source_options
@_demand_options("seasonal_naive")
@click.option("--survey", "survey", default=None,
              help="Survey with the waiting-time item (default: the workspace's only survey).")  # fmt: skip
@click.option("--item", default=None,
              help="Three-column waiting-time item (adequate/desired/perceived; default: the "
                   "survey's waiting-time item).")  # fmt: skip
@click.option("--survey-site", default=None,
              help="Use only respondents of this site (default: all respondents).")  # fmt: skip
@click.option("--coverage", type=float, default=0.8, show_default=True,
              help="Share of customers to satisfy (also the service level).")  # fmt: skip
@click.option("--patience", default="auto", show_default=True,
              help="auto, SECONDS or none (Erlang C).")  # fmt: skip
@click.option("--sl-definition", type=click.Choice(["offered", "answered", "all"]),
              default="offered", show_default=True, help="How abandoned calls count.")  # fmt: skip
@_model_option
@_cost_options
def plan_cmd(**o: Any) -> None:
    """Staff to customers' own tolerance zone; cost of the desired vs the adequate level.

    以顾客自己的容忍区间为服务目标配置人员，并比较"理想"与"适当"水平的成本。
    """
    c = get_ctx()
    hist = _history(o)
    demand = _demand(hist, o)
    waits = svc.waiting_answers(c.store(), workspace=c.workspace, survey=o["survey"],
                                item=o["item"], site=o["survey_site"])  # fmt: skip
    costs = _costs(o)
    plan = svc.run_plan(hist, demand, waits.adequate, waits.desired, unit=waits.unit,
                        survey=waits.survey, item=waits.item, coverage=o["coverage"],
                        patience=_patience(o["patience"]), sl_definition=o["sl_definition"],
                        model=o["model"], agent_cost_per_hour=costs.agent_cost_per_hour,
                        wait_cost_per_hour=costs.wait_cost_per_hour,
                        abandon_cost=costs.abandon_cost)  # fmt: skip
    write_csv(plan.comparison, o["csv_out"])
    if o["as_json"]:
        emit(_plain(plan, drop=("result", "table")), as_json=True)
        return
    tt, unit, coverage = plan.target, plan.unit, plan.coverage
    _echo(
        f"Survey {plan.survey}/{plan.item}: {tt.n} respondents ({tt.n_inconsistent} inconsistent "
        f"dropped). {tt.share_adequate:.0%} call a wait of {tt.adequate_target:g} {unit} adequate; "
        f"{tt.share_desired:.0%} desire {tt.desired_target:g} {unit} or less.",
        f"调查 {plan.survey}/{plan.item}：{tt.n} 位受访者（剔除 {tt.n_inconsistent} 份不一致答卷）。"
        f"{tt.share_adequate:.0%} 认为等候 {tt.adequate_target:g} {unit} 可以接受；"
        f"{tt.share_desired:.0%} 期望不超过 {tt.desired_target:g} {unit}。",
    )
    _echo(
        f"Target: serve {coverage:.0%} of customers within {plan.adequate_wait_s:g} s "
        f"(the wait {coverage:.0%} of them call adequate); desired level {plan.desired_wait_s:g} s.",
        f"服务目标：{coverage:.0%} 的顾客在 {plan.adequate_wait_s:g} 秒内得到服务"
        f"（{coverage:.0%} 的顾客认为可接受的等候）；理想水平 {plan.desired_wait_s:g} 秒。",
    )
    _sl_header(plan.sl_definition, coverage, plan.adequate_wait_s)
    _source_line(hist, demand)
    click.echo(_params_line(plan.parameters))
    cur = costs.currency
    _echo(
        f"Costs: agent {plan.agent_cost_per_hour:g}/h, customer waiting {plan.wait_cost_per_hour:g}/h, "
        f"abandonment {plan.abandon_cost:g} each ({cur})",
        f"成本：坐席 {plan.agent_cost_per_hour:g}/小时，顾客等候 {plan.wait_cost_per_hour:g}/小时，"
        f"每次放弃 {plan.abandon_cost:g}（{cur}）",
    )
    emit(None, as_json=False, table=plan.comparison,
         columns=["level", "target_wait_s", "agent_hours_per_week", "peak_agents",
                  "share_within_adequate", "share_within_desired", "wait_hours_per_week",
                  "agent_cost_per_week", "wait_cost_per_week", "abandon_cost_per_week",
                  "total_cost_per_week"])  # fmt: skip
    d = plan.extra_cost_desired_per_week
    _echo(
        f"Meeting the desired instead of the adequate level changes the weekly total cost by {d:+,.0f} {cur}.",
        f"以理想水平代替适当水平，每周总成本变化 {d:+,.0f}（{cur}）。",
    )


# --------------------------------------------------------------------------------- balance


@capacity.command("balance")
@_source_options
@_demand_options("seasonal_naive")
@_target_options
@click.option("--capacity", "capacity_file", type=click.Path(path_type=Path), default=None,
              help="File with agents per interval (column agents, optional interval_start).")  # fmt: skip
@click.option("--roster", "roster_file", type=click.Path(path_type=Path), default=None,
              help="File of shifts: start, end, count (local times).")  # fmt: skip
@click.option("--band", "--tolerance", "band", type=float, default=1.0, show_default=True,
              help="Matching band in agents: |planned − required| <= band counts as matching.")  # fmt: skip
@_cost_options
@_chart_option
def balance_cmd(**o: Any) -> None:
    """Compare demand with capacity per interval; shortfall, cost and recommendations.

    逐时段比较需求与产能：缺口、成本与改进建议。
    """
    c = get_ctx()
    hist = _history(o)
    demand = _demand(hist, o)
    cap, source = svc.planned_capacity(hist, demand, capacity=o["capacity_file"],
                                       roster=o["roster_file"],
                                       max_bytes=c.store().settings.max_import_bytes)  # fmt: skip
    costs = _costs(o)
    rep = svc.run_balance(hist, demand, capacity=cap, capacity_source=source,
                          target_sl=o["target_sl"], target_wait_s=o["target_wait"],
                          patience=_patience(o["patience"]), sl_definition=o["sl_definition"],
                          model=o["model"], agent_cost_per_hour=costs.agent_cost_per_hour,
                          wait_cost_per_hour=costs.wait_cost_per_hour,
                          abandon_cost=costs.abandon_cost, band_agents=o["band"])  # fmt: skip
    write_csv(rep.table, o["csv_out"])
    fc = demand.forecast
    _chart(o["chart"], rep.table["interval_start"],
           fc.table["forecast"] if fc is not None else rep.table["calls"],
           adjusted=rep.table["calls"] if fc is not None else None,
           capacity_agents=rep.table["planned_agents"], required_agents=rep.table["required_agents"],
           calls_label="forecast" if fc is not None else "actual")  # fmt: skip
    if o["as_json"]:
        emit(_plain(rep), as_json=True)
        return
    r = rep.result
    _sl_header(rep.sl_definition, rep.target_sl, rep.target_wait_s)
    _source_line(hist, demand)
    click.echo(_params_line(rep.parameters))
    cap_text = {
        "file": ("capacity file", "产能文件"),
        "roster": ("roster", "排班表"),
        "recorded": ("staff on duty as recorded with the demand history", "需求历史中记录的在岗人数"),
        "last_week": ("staff like last week (agents required for last week's arrivals, same slot)",
                      "沿用上周（按上周同时段实际到达量所需的人数）"),
    }[rep.capacity_source]  # fmt: skip
    _echo(f"Capacity: {cap_text[0]}", f"产能：{cap_text[1]}")
    cur = costs.currency
    _echo(
        f"Intervals below demand {r.n_below}, matching {r.n_matching}, above {r.n_above}; "
        f"shortfall {r.shortfall_agent_hours:.1f} agent-hours, surplus {r.surplus_agent_hours:.1f}; "
        f"customers beyond tolerance {rep.table['customers_beyond_tolerance'].sum():.0f}, "
        f"abandonments {rep.table['abandonments'].sum():.0f}; total cost {r.total_cost:,.0f} {cur}",
        f"低于需求 {r.n_below} 个时段、匹配 {r.n_matching} 个、高于需求 {r.n_above} 个；"
        f"缺口 {r.shortfall_agent_hours:.1f} 人·小时，富余 {r.surplus_agent_hours:.1f}；"
        f"超出容忍等候的顾客 {rep.table['customers_beyond_tolerance'].sum():.0f} 人，"
        f"放弃 {rep.table['abandonments'].sum():.0f} 次；总成本 {r.total_cost:,.0f}（{cur}）",
    )
    if fc is not None:
        _notes(fc.notes)
    table = _fmt_time(rep.table)
    if get_ctx().lang == "zh":
        table["status"] = table["status"].map(STATUS_ZH)
    emit(None, as_json=False, table=table,
         columns=["interval_start", "calls", "planned_agents", "required_agents", "gap_agents",
                  "status", "service_level", "p_abandon", "customers_beyond_tolerance",
                  "abandonments", "total_cost"])  # fmt: skip
    click.echo(say("Recommendations:", "建议："))
    text_col = "text_zh" if get_ctx().lang == "zh" else "text_en"
    for _, row in rep.recommendations.iterrows():
        click.echo(f"- [{row['strategy']}] {row[text_col]}")


# -------------------------------------------------------------------------------- simulate


@capacity.command("simulate")
@_source_options
@click.option("--calls", type=float, default=None, help="Calls in one interval to simulate.")
@click.option("--agents", type=int, default=None,
              help="Agents (one interval; in --day mode all intervals, default: required agents).")  # fmt: skip
@click.option("--day", default=None,
              help="Simulate this local day of the history (its arrivals, interval by interval).")  # fmt: skip
@_target_options
@click.option("--replications", type=int, default=10, show_default=True,
              help="Independent simulation runs for the confidence intervals.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
def simulate_cmd(**o: Any) -> None:
    """Simulate one interval or a day with ciw and compare with the Erlang formulas.

    用 ciw 仿真一个时段或一天，并与 Erlang 公式结果对比。
    """
    hist = _history(o)
    res = svc.simulate_queue(hist, calls=o["calls"], agents=o["agents"], day=o["day"],
                             target_sl=o["target_sl"], target_wait_s=o["target_wait"],
                             patience=_patience(o["patience"]), sl_definition=o["sl_definition"],
                             model=o["model"], replications=o["replications"], seed=o["seed"])  # fmt: skip
    write_csv(res.table, o["csv_out"])
    if o["as_json"]:
        emit(_plain(res), as_json=True)
        return
    _sl_header(res.sl_definition, o["target_sl"], res.target_wait_s)
    _echo(
        f"ciw simulation ({res.mode}, {res.replications} replications) vs Erlang formulas: "
        f"{res.calls:g} calls, {res.agents:g} agents (mean), AHT {res.aht_s:.1f} s, "
        f"patience {'none' if res.patience_s is None else f'{res.patience_s:.1f} s'}",
        f"ciw 仿真（{'单时段' if res.mode == 'interval' else '全天'}，{res.replications} 次重复）与 Erlang 公式对比："
        f"{res.calls:g} 个来电，平均 {res.agents:g} 名坐席，平均处理时长 {res.aht_s:.1f} 秒，"
        f"耐心时间 {'无' if res.patience_s is None else f'{res.patience_s:.1f} 秒'}",
    )
    emit(None, as_json=False, table=res.table)
