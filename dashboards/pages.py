"""Each dashboard as data: KPI tiles, charts and tables built from the selectors. Views render them and
the CSV export picks one table out of them, so a page and its exports never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.choices import Bucket
from complaints.choices import OPEN_STATES, Category, EscalationLevel, RootCause, State
from dashboards import charts
from dashboards.filters import Scope
from dashboards.selectors import collection, compliance, quality, sla
from dashboards.selectors.base import user_name
from dashboards.tables import Cell, Column, Table, pct, pct_cell
from debt_collection.choices import CaseState, HoldReason


@dataclass
class Kpi:
    label: str
    value: str
    link: str = ""
    hint: str = ""
    css: str = ""


@dataclass
class Dashboard:
    key: str
    title: str
    kpis: list[Kpi] = field(default_factory=list)
    charts: list = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def status_labels() -> dict:
    return {sla.BREACHED: _("已超时"), sla.AT_RISK: _("即将超时"), sla.PAUSED: _("已暂停（等待客户）"), sla.ON_TRACK: _("正常")}


def rule_labels() -> dict:
    return {
        "case_on_hold": _("案件暂停催收"),
        "do_not_contact": _("暂停联系期内"),
        "opted_out": _("已退订该渠道"),
        "third_party_not_unreachable": _("借款人可联系时不得联系第三方"),
        "quiet_hours": _("禁止联系时段"),
        "daily_unanswered_calls": _("每日未接通次数已满"),
        "weekly_calls": _("周期内通话次数已满"),
        "after_conversation": _("通话后静默期"),
    }


def bucket_order() -> list[str]:
    return [b.value for b in Bucket]


def bucket_label(value) -> str:
    if value == collection.EXITED:
        return _("已离开在贷（结清/核销）")
    try:
        return str(Bucket(value).label)
    except ValueError:
        return str(value or "—")


def _label(choices, value, empty: str = "—") -> str:
    if value in (None, ""):
        return empty
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def minutes_text(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    if value < 60:
        return _("%(m)s 分钟") % {"m": f"{value:.0f}"}
    return _("%(h)s 小时") % {"h": f"{value / 60:.1f}"}


def fmt_pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def fmt_money(value) -> str:
    return f"¥{value or 0:,.2f}"


def complaints_link(scope: Scope, **filters) -> str:
    return f"{reverse('dashboards:complaints')}?{scope.query(**filters)}"


def cases_link(scope: Scope, **filters) -> str:
    return f"{reverse('dashboards:cases')}?{scope.query(**filters)}"


def blocked_link(scope: Scope, **filters) -> str:
    return f"{reverse('dashboards:blocked')}?{scope.query(**filters)}"


def detail_link(complaint_id) -> str:
    return reverse("complaints:detail", args=[complaint_id])


def case_link(case_id) -> str:
    return reverse("debt_collection:case", args=[case_id])


def local(dt, scope: Scope) -> str:
    if dt is None:
        return "—"
    return timezone.localtime(dt, scope.tz).strftime("%Y-%m-%d %H:%M")


# --- SLA --------------------------------------------------------------------------------------------


def sla_dashboard(scope: Scope) -> Dashboard:
    d = Dashboard("sla", _("服务时限（SLA）"))
    labels = status_labels()
    breakdown = sla.open_breakdown(scope)
    rates = sla.sla_rates(scope)

    d.kpis = [
        Kpi(_("未结投诉"), f"{breakdown['total']:,}", complaints_link(scope, state="open", range="all")),
        Kpi(_("服务时限已超时"), f"{breakdown['service'][sla.BREACHED]:,}",
            complaints_link(scope, state="open", svc=sla.BREACHED, range="all"), css="bad"),
        Kpi(_("监管时限已超时"), f"{breakdown['regulatory'][sla.BREACHED]:,}",
            complaints_link(scope, state="open", reg=sla.BREACHED, range="all"), css="bad"),
        Kpi(_("首次响应达标率"), fmt_pct(pct(rates["fr_within"], rates["fr_total"])),
            complaints_link(scope, fr="done"), _("%(n)s 件已响应或已超时") % {"n": rates["fr_total"]}),
        Kpi(_("解决达标率"), fmt_pct(pct(rates["res_within"], rates["res_total"])),
            complaints_link(scope, res="done"), _("%(n)s 件已解决或已超时") % {"n": rates["res_total"]}),
    ]

    states = list(OPEN_STATES)
    d.charts.append(charts.hbar_chart(
        "open_by_state", _("未结投诉（按状态）"), [str(State(s).label) for s in states],
        [(_("件数"), [breakdown["by_state"].get(s, 0) for s in states])],
        links=[complaints_link(scope, state=s, range="all") for s in states],
    ))
    svc_keys = list(sla.SERVICE_STATUSES)
    d.charts.append(charts.hbar_chart(
        "clock_status", _("未结投诉（按时钟状态）"), [labels[k] for k in svc_keys],
        [(_("服务时限"), [breakdown["service"][k] for k in svc_keys]),
         (_("监管时限"), [breakdown["regulatory"].get(k, 0) for k in svc_keys])],
    ))

    t = Table("open_by_state", _("未结投诉（按状态）"), [Column(_("状态")), Column(_("件数"), True)])
    for s in states:
        t.add(str(State(s).label), Cell(breakdown["by_state"].get(s, 0), link=complaints_link(scope, state=s, range="all")))
    d.tables.append(t)

    t = Table("clock_status", _("未结投诉（按时钟状态）"),
              [Column(_("状态")), Column(_("服务时限"), True), Column(_("监管时限"), True)])
    for k in svc_keys:
        reg = breakdown["regulatory"].get(k)
        t.add(labels[k], Cell(breakdown["service"][k], link=complaints_link(scope, state="open", svc=k, range="all")),
              Cell(reg, link=complaints_link(scope, state="open", reg=k, range="all")) if reg is not None else Cell(None))
    d.tables.append(t)

    t = Table("sla_rates", _("时限达标与用时（本期受理，工作分钟）"),
              [Column(_("指标")), Column(_("达标率"), True), Column(_("样本"), True), Column(_("中位数"), True),
               Column(_("90 分位"), True), Column(_("平均"), True)])
    t.add(_("首次响应"), pct_cell(rates["fr_within"], rates["fr_total"], complaints_link(scope, fr="within")),
          Cell(rates["fr_total"], link=complaints_link(scope, fr="done")),
          Cell(rates["fr_p50"], display=minutes_text(rates["fr_p50"])), Cell(rates["fr_p90"], display=minutes_text(rates["fr_p90"])),
          Cell(rates["fr_avg"], display=minutes_text(rates["fr_avg"])))
    t.add(_("解决"), pct_cell(rates["res_within"], rates["res_total"], complaints_link(scope, res="within")),
          Cell(rates["res_total"], link=complaints_link(scope, res="done")),
          Cell(rates["res_p50"], display=minutes_text(rates["res_p50"])), Cell(rates["res_p90"], display=minutes_text(rates["res_p90"])),
          Cell(rates["res_avg"], display=minutes_text(rates["res_avg"])))
    d.tables.append(t)

    by_level = {r["level"]: r for r in sla.escalations_by_level(scope)}
    levels = list(EscalationLevel)
    d.charts.append(charts.hbar_chart(
        "escalations", _("本期升级（按级别）"), [str(lv.label) for lv in levels],
        [(_("未确认"), [by_level.get(lv.value, {}).get("unacknowledged", 0) for lv in levels]),
         (_("全部"), [by_level.get(lv.value, {}).get("total", 0) for lv in levels])],
    ))
    t = Table("escalations_by_level", _("本期升级（按级别）"),
              [Column(_("级别")), Column(_("未确认"), True), Column(_("全部"), True)])
    for lv in levels:
        row = by_level.get(lv.value, {})
        t.add(str(lv.label), row.get("unacknowledged", 0), row.get("total", 0))
    d.tables.append(t)

    t = Table("escalation_list", _("升级记录（未确认的在前）"),
              [Column(_("受理编号")), Column(_("分支机构")), Column(_("级别")), Column(_("原因")), Column(_("升级时间")),
               Column(_("确认"))], empty=_("本期没有升级"))
    for e in sla.escalation_list(scope):
        t.add(Cell(e.complaint.tracking_code, link=detail_link(e.complaint_id)), str(e.complaint.branch),
              e.get_level_display(), e.get_trigger_display(), local(e.created_at, scope),
              Cell(e.acknowledged_at, display=(f"{e.acknowledged_by or ''} {local(e.acknowledged_at, scope)}"
                                             if e.acknowledged_at else _("未确认")),
                   css="" if e.acknowledged_at else "bad"))
    d.tables.append(t)

    for status, title in ((sla.BREACHED, _("已超时的未结投诉")), (sla.AT_RISK, _("即将超时的未结投诉"))):
        t = Table(f"{status}_list", title,
                  [Column(_("受理编号")), Column(_("投诉人")), Column(_("分支机构")), Column(_("类别")), Column(_("状态")),
                   Column(_("服务时限截止")), Column(_("监管截止")), Column(_("处理人"))],
                  personal_data=True, empty=_("没有"))
        for c in sla.clock_list(scope, status):
            t.add(Cell(c.tracking_code, link=detail_link(c.pk)), c.complainant_name, str(c.branch),
                  c.get_category_display(), c.get_state_display(), local(c.service_due, scope),
                  local(c.regulatory_due_at, scope), str(c.assignee or c.owner or "—"))
        d.tables.append(t)
    return d


# --- service quality --------------------------------------------------------------------------------


def _week_label(week) -> str:
    if week is None:
        return "—"
    day = week.date() if hasattr(week, "date") else week
    return day.strftime("%m-%d")


def quality_dashboard(scope: Scope) -> Dashboard:
    d = Dashboard("quality", _("服务质量"))
    groups = quality.cohort_groups(scope)
    overall = quality.csat_overall_and_reopen(scope, groups=groups)
    d.kpis = [
        Kpi(_("平均满意度"), "—" if overall["avg"] is None else f"{overall['avg']:.2f} / 5",
            complaints_link(scope, csat="any"), _("%(n)s 条评价") % {"n": overall["n"]}),
        Kpi(_("重开率"), fmt_pct(pct(overall["reopened"], overall["resolved_ever"])),
            complaints_link(scope, reopened="1"), _("%(a)s / %(b)s 件") % {"a": overall["reopened"], "b": overall["resolved_ever"]}),
    ]
    scores = list(quality.CSAT_SCORES)
    d.charts.append(charts.hbar_chart(
        "csat_distribution", _("满意度分布"), [_("%(s)s 分") % {"s": s} for s in scores],
        [(_("评价数"), [overall[f"c{s}"] for s in scores])],
        links=[complaints_link(scope, csat=s) for s in scores],
    ))

    def csat_table(key, title, dim_label, rows, name_of, link_of):
        cols = [Column(dim_label), Column(_("评价数"), True), Column(_("平均"), True)]
        cols += [Column(_("%(s)s 分") % {"s": s}, True) for s in scores]
        t = Table(key, title, cols, empty=_("本期没有评价"))
        for r in rows:
            t.add(Cell(name_of(r), link=link_of(r, None)), Cell(r["n"], link=link_of(r, "any")),
                  Cell(r["avg"], display="—" if r["avg"] is None else f"{r['avg']:.2f}"),
                  *[Cell(r[f"c{s}"], link=link_of(r, s)) for s in scores])
        return t

    d.tables.append(csat_table(
        "csat_by_agent", _("满意度（按首问负责人）"), _("员工"), quality.csat_by(scope, "owner", groups=groups),
        lambda r: user_name(r, "owner"), lambda r, s: complaints_link(scope, owner=r["owner_id"], csat=s or "any"),
    ))
    d.tables.append(csat_table(
        "csat_by_category", _("满意度（按类别）"), _("类别"), quality.csat_by(scope, "category", groups=groups),
        lambda r: _label(Category, r["category"]), lambda r, s: complaints_link(scope, category=r["category"], csat=s or "any"),
    ))
    by_branch = quality.csat_by(scope, "branch", groups=groups)
    d.tables.append(csat_table(
        "csat_by_branch", _("满意度（按分支机构）"), _("分支机构"), by_branch,
        lambda r: r["branch__name"], lambda r, s: complaints_link(scope, branch=r["branch_id"], csat=s or "any"),
    ))
    if by_branch:
        d.charts.append(charts.hbar_chart(
            "csat_by_branch", _("平均满意度（按分支机构）"), [r["branch__name"] for r in by_branch],
            [(_("平均满意度"), [round(r["avg"] or 0, 2) for r in by_branch])], fmt=lambda v: f"{v:.2f}",
        ))

    for by, choices, title in (("category", Category, _("每周投诉量（按类别，按受理时间）")),
                               ("root_cause", RootCause, _("每周投诉量（按根因，按解决时间）"))):
        rows = quality.weekly_trend(scope, by=by)
        weeks = sorted({r["week"] for r in rows})
        keys = sorted({r[by] for r in rows}, key=lambda k: [c.value for c in choices].index(k) if k in choices.values else 99)
        grid = {(r["week"], r[by]): r["n"] for r in rows}
        series = [(_label(choices, k), [grid.get((w, k), 0) for w in weeks]) for k in keys]
        d.charts.append(charts.line_chart(f"weekly_{by}", title, [_week_label(w) for w in weeks], series))
        t = Table(f"weekly_{by}", title, [Column(_("周（起）"))] + [Column(name, True) for name, _v in series],
                  empty=_("本期没有数据"))
        for i, w in enumerate(weeks):
            t.add(_week_label(w) if w is None else w.date().isoformat(), *[vals[i] for _n, vals in series])
        d.tables.append(t)

    rc = quality.root_causes_month_vs_last(scope)
    last, this, _nxt = quality.month_bounds(scope.end_date, scope.tz)
    this_name, last_name = this.strftime("%Y-%m"), last.strftime("%Y-%m")
    top = rc[:10]
    d.charts.append(charts.hbar_chart(
        "root_causes", _("主要根因：本月与上月（按解决时间）"), [_label(RootCause, r["root_cause"]) for r in top],
        [(this_name, [r["this_month"] for r in top]), (last_name, [r["last_month"] for r in top])],
    ))
    t = Table("root_causes", _("主要根因：本月与上月（按解决时间）"),
              [Column(_("根因")), Column(this_name, True), Column(last_name, True), Column(_("变化"), True)],
              empty=_("没有已解决的投诉"))
    for r in rc:
        t.add(_label(RootCause, r["root_cause"]),
              Cell(r["this_month"], link=complaints_link(scope, root_cause=r["root_cause"], month="this")),
              Cell(r["last_month"], link=complaints_link(scope, root_cause=r["root_cause"], month="last")),
              Cell(r["this_month"] - r["last_month"], display=f"{r['this_month'] - r['last_month']:+d}"))
    d.tables.append(t)

    t = Table("leaderboard", _("员工排行榜（首次响应最快在前）"),
              [Column(_("名次"), True), Column(_("员工")), Column(_("平均首次响应"), True), Column(_("首次响应达标率"), True),
               Column(_("已解决"), True), Column(_("平均满意度"), True), Column(_("评价数"), True)],
              empty=_("本期没有已响应的投诉"))
    board = quality.agent_leaderboard(scope, groups=groups)
    for i, r in enumerate(board, start=1):
        t.add(Cell(i, display=("🏆 1" if i == 1 else str(i))), Cell(user_name(r, "owner"), link=complaints_link(scope, owner=r["owner_id"])),
              Cell(r["fr_avg"], display=minutes_text(r["fr_avg"])),
              pct_cell(r["fr_within"], r["answered"], complaints_link(scope, owner=r["owner_id"], fr="within")),
              Cell(r["resolved"], link=complaints_link(scope, owner=r["owner_id"], res="resolved")),
              Cell(r["csat_avg"], display="—" if r["csat_avg"] is None else f"{r['csat_avg']:.2f}"),
              Cell(r["csat_n"], link=complaints_link(scope, owner=r["owner_id"], csat="any")))
    d.tables.append(t)
    if board:
        d.kpis.append(Kpi(_("最快响应奖"), user_name(board[0], "owner"),
                          complaints_link(scope, owner=board[0]["owner_id"]), minutes_text(board[0]["fr_avg"]), css="ok"))
    return d


# --- collections ------------------------------------------------------------------------------------


def collections_dashboard(scope: Scope) -> Dashboard:
    d = Dashboard("collections", _("催收"))
    book = collection.open_book(scope)
    buckets = {r["bucket"]: r for r in collection.cases_by_bucket(scope, book=book)}
    order = [b for b in bucket_order() if b in buckets] + sorted(set(buckets) - set(bucket_order()))
    outcome_rows = collection.case_outcomes_by_bucket(scope)
    outcomes = collection.case_outcomes(scope, by_bucket=outcome_rows)
    promise_groups = collection.promise_groups(scope)
    ptp = collection.promises(scope, groups=promise_groups)
    rec = collection.recovered(scope)
    total_cases = sum(r["n"] for r in buckets.values())
    total_amount = sum((r["amount"] or 0) for r in buckets.values())
    d.kpis = [
        Kpi(_("在催案件"), f"{total_cases:,}", cases_link(scope, state="open", range="all"), fmt_money(total_amount)),
        Kpi(_("结清率（本期立案）"), fmt_pct(pct(outcomes["cured"], outcomes["opened"])),
            cases_link(scope, state=CaseState.CURED), _("%(a)s / %(b)s 件") % {"a": outcomes["cured"], "b": outcomes["opened"]}),
        Kpi(_("承诺兑现率"), fmt_pct(pct(ptp["kept"], (ptp["kept"] or 0) + (ptp["broken"] or 0))), "",
            _("兑现 %(k)s，违约 %(b)s，待兑现 %(p)s") % {"k": ptp["kept"], "b": ptp["broken"], "p": ptp["pending"]}),
        Kpi(_("回收金额"), fmt_money(rec["amount"]), "", _("%(n)s 笔还款") % {"n": rec["payments"]}, css="ok"),
    ]
    d.charts.append(charts.hbar_chart(
        "cases_by_bucket", _("在催案件（按逾期阶段）"), [bucket_label(b) for b in order],
        [(_("案件数"), [buckets[b]["n"] for b in order])], links=[cases_link(scope, bucket=b, state="open", range="all") for b in order],
    ))
    d.charts.append(charts.hbar_chart(
        "amount_by_bucket", _("逾期金额（按逾期阶段）"), [bucket_label(b) for b in order],
        [(_("金额（元）"), [float(buckets[b]["amount"] or 0) for b in order])], fmt=lambda v: f"¥{v:,.0f}",
    ))
    t = Table("cases_by_bucket", _("在催案件与金额（按逾期阶段）"),
              [Column(_("逾期阶段")), Column(_("案件数"), True), Column(_("逾期金额"), True), Column(_("其中暂停"), True)],
              empty=_("没有在催案件"))
    for b in order:
        r = buckets[b]
        t.add(bucket_label(b), Cell(r["n"], link=cases_link(scope, bucket=b, state="open", range="all")),
              Cell(r["amount"], display=fmt_money(r["amount"])),
              Cell(r["on_hold"], link=cases_link(scope, bucket=b, state=CaseState.ON_HOLD, range="all")))
    d.tables.append(t)

    roll = collection.roll_matrix(scope)
    src_order = [b for b in bucket_order() if b in roll["matrix"]]
    dst_order = bucket_order() + [collection.EXITED]
    title = _("迁徙率：%(a)s → %(b)s") % {"a": roll["from_month"].strftime("%Y-%m"), "b": roll["to_month"].strftime("%Y-%m")}
    t = Table("roll_rates", title, [Column(_("上月阶段")), Column(_("贷款数"), True)]
              + [Column(bucket_label(b), True) for b in dst_order] + [Column(_("恶化率"), True)],
              note=_("每行：上月处于该阶段的贷款，本月各阶段的占比（快照 borrowers.BucketSnapshot）"),
              empty=_("没有该两个月的阶段快照"))
    worse_series = []
    for src in src_order:
        row = roll["matrix"][src]
        n = sum(row.values())
        idx = dst_order.index(src) if src in dst_order else 0
        worse = sum(v for k, v in row.items() if k in dst_order[idx + 1:-1])
        worse_series.append(pct(worse, n) or 0)
        t.add(bucket_label(src), n, *[Cell(pct(row.get(dst, 0), n), display=f"{pct(row.get(dst, 0), n):.1f}%"
                                           if row.get(dst) else "—") for dst in dst_order],
              pct_cell(worse, n))
    d.tables.append(t)
    if src_order:
        d.charts.append(charts.hbar_chart("roll_forward", _("恶化率（迁入更差阶段）"), [bucket_label(b) for b in src_order],
                                          [(_("恶化率 %"), worse_series)], fmt=lambda v: f"{v:.1f}%"))

    t = Table("case_outcomes", _("本期立案案件的结果"), [Column(_("结果")), Column(_("案件数"), True), Column(_("占比"), True)])
    for label, key, state in ((_("已结清逾期"), "cured", CaseState.CURED), (_("结案/核销"), "closed_other", "closed"),
                              (_("仍在催收"), "still_open", "open")):
        t.add(label, Cell(outcomes[key], link=cases_link(scope, state=state)), pct_cell(outcomes[key], outcomes["opened"]))
    d.tables.append(t)

    t = Table("promises", _("还款承诺（本期到期）"), [Column(_("状态")), Column(_("笔数"), True)])
    for label, key in ((_("已兑现"), "kept"), (_("已违约"), "broken"), (_("待兑现"), "pending"), (_("已取消"), "cancelled")):
        t.add(label, ptp[key])
    t.add(_("承诺金额"), Cell(ptp["amount_promised"], display=fmt_money(ptp["amount_promised"])))
    t.add(_("已兑现金额"), Cell(ptp["amount_kept"], display=fmt_money(ptp["amount_kept"])))
    d.tables.append(t)

    t = Table("promises_by_collector", _("还款承诺（按催收员）"),
              [Column(_("催收员")), Column(_("承诺"), True), Column(_("兑现"), True), Column(_("违约"), True), Column(_("兑现率"), True)],
              empty=_("本期没有到期的承诺"))
    for r in collection.promises_by_collector(scope, groups=promise_groups):
        t.add(user_name(r, "created_by"), r["total"], r["kept"], r["broken"], pct_cell(r["kept"], r["kept"] + r["broken"]))
    d.tables.append(t)

    t = Table("recovered", _("回收金额（在催期间的还款）"), [Column(_("指标")), Column(_("数值"), True)])
    t.add(_("还款笔数"), rec["payments"])
    t.add(_("金额"), Cell(rec["amount"], display=fmt_money(rec["amount"])))
    d.tables.append(t)

    cpc = collection.contacts_per_case(scope, by_bucket=outcome_rows)
    t = Table("contacts_per_case", _("每案联系次数（本期立案）"),
              [Column(_("逾期阶段")), Column(_("案件数"), True), Column(_("联系次数"), True), Column(_("每案"), True)],
              empty=_("本期没有立案"))
    for r in cpc:
        t.add(bucket_label(r["bucket"]), Cell(r["cases"], link=cases_link(scope, bucket=r["bucket"])), r["contacts"] or 0,
              Cell(((r["contacts"] or 0) / r["cases"]) if r["cases"] else None,
                   display=f"{(r['contacts'] or 0) / r['cases']:.1f}" if r["cases"] else "—"))
    d.tables.append(t)

    hold_rows = collection.holds(scope, book=book)
    t = Table("holds", _("暂停催收的案件（按原因）"), [Column(_("原因")), Column(_("案件数"), True), Column(_("逾期金额"), True)],
              empty=_("没有暂停的案件"))
    for r in hold_rows:
        t.add(_label(HoldReason, r["hold_reason"], _("未注明")),
              Cell(r["n"], link=cases_link(scope, state=CaseState.ON_HOLD, hold_reason=r["hold_reason"] or "none", range="all")),
              Cell(r["amount"], display=fmt_money(r["amount"])))
    d.tables.append(t)
    d.charts.append(charts.hbar_chart("holds", _("暂停催收（按原因）"), [_label(HoldReason, r["hold_reason"], _("未注明")) for r in hold_rows],
                                      [(_("案件数"), [r["n"] for r in hold_rows])]))
    return d


# --- compliance -------------------------------------------------------------------------------------


def compliance_dashboard(scope: Scope) -> Dashboard:
    d = Dashboard("compliance", _("合规"))
    rules = rule_labels()
    by_rule = compliance.blocked_by_rule(scope)
    total_blocked = sum(r["n"] for r in by_rule)
    active = compliance.active_cases_by_branch_and_agency(scope)
    by_branch = compliance.conduct_by_branch(scope, active=active)
    conduct_total = sum(r["complaints"] for r in by_branch)
    d.kpis = [
        Kpi(_("被拦截的联系"), f"{total_blocked:,}", blocked_link(scope)),
        Kpi(_("催收行为投诉"), f"{conduct_total:,}", complaints_link(scope, category=Category.COLLECTION_CONDUCT), css="bad"),
    ]
    d.charts.append(charts.hbar_chart(
        "blocked_by_rule", _("被拦截的联系（按规则）"), [rules.get(r["rule"], r["rule"]) for r in by_rule],
        [(_("次数"), [r["n"] for r in by_rule])], links=[blocked_link(scope, rule=r["rule"]) for r in by_rule],
    ))
    t = Table("blocked_by_rule", _("被拦截的联系（按规则）"),
              [Column(_("规则")), Column(_("次数"), True), Column(_("涉及借款人"), True)], empty=_("本期没有被拦截的联系"))
    for r in by_rule:
        t.add(rules.get(r["rule"], r["rule"]), Cell(r["n"], link=blocked_link(scope, rule=r["rule"])), r["borrowers"])
    d.tables.append(t)
    t = Table("blocked_by_collector", _("被拦截的联系（按操作人）"),
              [Column(_("操作人")), Column(_("次数"), True), Column(_("涉及借款人"), True)], empty=_("本期没有被拦截的联系"))
    for r in compliance.blocked_by_collector(scope):
        name = user_name(r, "actor") or _("系统（自动提醒）")
        t.add(name, Cell(r["n"], link=blocked_link(scope, actor=r["actor_id"] or "none")), r["borrowers"])
    d.tables.append(t)

    def per_1000_table(key, title, label, rows, link_of):
        t = Table(key, title, [Column(label), Column(_("催收行为投诉"), True), Column(_("期间在催案件"), True),
                               Column(_("每千案投诉"), True)], empty=_("本期没有数据"))
        for r in rows:
            t.add(r["name"], Cell(r["complaints"], link=link_of(r)), r["cases"],
                  Cell(r["per_1000"], display="—" if r["per_1000"] is None else f"{r['per_1000']:.2f}"))
        return t

    d.tables.append(per_1000_table("conduct_by_branch", _("催收行为投诉每千案（按分支机构）"), _("分支机构"), by_branch,
                                   lambda r: complaints_link(scope, category=Category.COLLECTION_CONDUCT, branch=r["id"])))
    d.charts.append(charts.hbar_chart(
        "conduct_by_branch", _("催收行为投诉每千案（按分支机构）"), [r["name"] for r in by_branch],
        [(_("每千案"), [r["per_1000"] or 0 for r in by_branch])], fmt=lambda v: f"{v:.2f}",
    ))
    by_agency = compliance.conduct_by_agency(scope, active=active)
    for r in by_agency:
        r["name"] = r["name"] or _("内部催收团队")
    d.tables.append(per_1000_table("conduct_by_agency", _("催收行为投诉每千案（按委外机构）"), _("机构"), by_agency,
                                   lambda r: complaints_link(scope, category=Category.COLLECTION_CONDUCT, agency=r["id"] or "none")))
    d.charts.append(charts.hbar_chart(
        "conduct_by_agency", _("催收行为投诉每千案（按委外机构）"), [r["name"] for r in by_agency],
        [(_("每千案"), [r["per_1000"] or 0 for r in by_agency])], fmt=lambda v: f"{v:.2f}",
    ))
    return d


DASHBOARDS = {
    "sla": sla_dashboard,
    "quality": quality_dashboard,
    "collections": collections_dashboard,
    "compliance": compliance_dashboard,
}
