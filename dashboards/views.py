"""Dashboard pages. Thin: parse the filter, build the dashboard from the selectors, render — or, with
`?format=csv&table=<key>`, stream that one table (exports of tables naming people are logged)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from dashboards import pages
from dashboards.filters import scope_from_request
from dashboards.permissions import can_view_dashboards
from dashboards.selectors import records
from dashboards.services import pii_export_log
from dashboards.tables import _csv_safe, csv_response

PAGE_SIZE = 50
CSV_MAX_ROWS = 10_000


def _require(user):
    if not can_view_dashboards(user):
        raise PermissionDenied


def _links(scope):
    query = scope.query()
    return [
        {"key": key, "url": f"{reverse(f'dashboards:{key}')}?{query}", "label": label, "help": help_text}
        for key, label, help_text in (
            ("sla", _("服务时限（SLA）"), _("未结投诉的时钟状态、达标率、响应与解决用时、升级")),
            ("quality", _("服务质量"), _("满意度、重开率、类别与根因趋势、员工排行榜")),
            ("collections", _("催收"), _("逾期阶段、迁徙率、结清率、承诺兑现、回收金额、暂停原因")),
            ("compliance", _("合规"), _("被拦截的联系、催收行为投诉每千案")),
        )
    ]


@login_required
@require_GET
def index(request):
    _require(request.user)
    scope, form = scope_from_request(request)
    return render(request, "dashboards/index.html", {"form": form, "scope": scope, "links": _links(scope)})


def _dashboard_view(key: str):
    @login_required
    @require_GET
    def view(request):
        _require(request.user)
        scope, form = scope_from_request(request)
        dashboard = pages.DASHBOARDS[key](scope)
        if request.GET.get("format") == "csv":
            table = dashboard.table(request.GET.get("table", ""))
            if table is None:
                raise Http404
            if table.personal_data:
                pii_export_log(actor=request.user, ip=request.META.get("REMOTE_ADDR"), what=f"dashboards.{key}.{table.key}", query=request.GET.urlencode())
            stamp = timezone.localtime(scope.now, scope.tz).strftime("%Y%m%d")
            return csv_response(table, f"{key}-{table.key}-{stamp}.csv")
        return render(request, "dashboards/dashboard.html", {
            "dashboard": dashboard, "form": form, "scope": scope, "links": _links(scope),
            "querystring": scope.query(),
        })

    view.__name__ = f"{key}_dashboard"
    return view


sla = _dashboard_view("sla")
quality = _dashboard_view("quality")
collections = _dashboard_view("collections")
compliance = _dashboard_view("compliance")


# --- records behind the numbers ---------------------------------------------------------------------


class LightPage(list):
    """A page that never counts the whole table: one row more than shown tells whether there is a next."""

    def __init__(self, rows, number: int, size: int):
        super().__init__(rows[:size])
        self.number = number
        self.has_next = len(rows) > size
        self.has_previous = number > 1
        self.next_page_number = number + 1
        self.previous_page_number = number - 1


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 10_000))
    except (TypeError, ValueError):
        return 1


RECORDS = {
    "complaints": {
        "title": _l("投诉明细"),
        "selector": records.complaint_records,
        "columns": [_l("受理编号"), _l("投诉人"), _l("分支机构"), _l("类别"), _l("状态"), _l("收到时间"), _l("首次响应用时"), _l("解决用时"), _l("满意度"), _l("根因"), _l("首问负责人")],
    },
    "cases": {
        "title": _l("催收案件明细"),
        "selector": records.case_records,
        "columns": [_l("案件"), _l("借款人"), _l("合同号"), _l("分支机构"), _l("状态"), _l("逾期阶段"), _l("逾期天数"), _l("逾期金额"), _l("暂停原因"), _l("催收员"), _l("委外机构"), _l("立案时间")],
    },
    "blocked": {
        "title": _l("被拦截的联系明细"),
        "selector": records.blocked_records,
        "columns": [_l("时间"), _l("借款人"), _l("分支机构"), _l("渠道"), _l("目的"), _l("规则"), _l("原因"), _l("最早可联系"), _l("操作人")],
    },
}


def _record_row(kind: str, obj, scope) -> list:
    def local(dt):
        return timezone.localtime(dt, scope.tz).strftime("%Y-%m-%d %H:%M") if dt else ""

    if kind == "complaints":
        return [obj.tracking_code, obj.complainant_name, str(obj.branch), obj.get_category_display(), obj.get_state_display(),
                local(obj.received_at), obj.minutes_to_first_response, obj.minutes_to_resolution, obj.csat,
                obj.get_root_cause_display() if obj.root_cause else "", str(obj.owner or "")]
    if kind == "cases":
        return [obj.pk, obj.borrower.name, obj.loan.contract_number, str(obj.branch), obj.get_state_display(), obj.bucket,
                obj.days_past_due, obj.amount_due, obj.get_hold_reason_display() if obj.hold_reason else "",
                str(obj.assigned_to or ""), str(obj.agency or ""), local(obj.opened_at)]
    return [local(obj.at), obj.borrower.name, str(obj.branch), obj.get_channel_display(), obj.get_purpose_display(),
            pages.rule_labels().get(obj.rule, obj.rule), obj.message, local(obj.next_allowed_at), str(obj.actor or "")]


def _records_view(kind: str):
    @login_required
    @require_GET
    def view(request):
        _require(request.user)
        scope, form = scope_from_request(request)
        spec = RECORDS[kind]
        qs = spec["selector"](scope, request.GET)
        columns = [str(c) for c in spec["columns"]]
        if request.GET.get("format") == "csv":
            pii_export_log(actor=request.user, ip=request.META.get("REMOTE_ADDR"), what=f"dashboards.records.{kind}", query=request.GET.urlencode())
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
            response.write("\ufeff")
            writer = csv.writer(response)
            writer.writerow(columns)
            for obj in qs[:CSV_MAX_ROWS].iterator(chunk_size=1000):
                writer.writerow([_csv_safe("" if v is None else str(v)) for v in _record_row(kind, obj, scope)])
            return response
        number = _page_number(request)
        offset = (number - 1) * PAGE_SIZE
        page = LightPage(list(qs[offset : offset + PAGE_SIZE + 1]), number, PAGE_SIZE)
        rows = []
        for obj in page:
            cells = _record_row(kind, obj, scope)
            if kind == "complaints":
                link = reverse("complaints:detail", args=[obj.pk])
            elif kind == "cases":
                link = reverse("debt_collection:case", args=[obj.pk])
            else:
                link = reverse("debt_collection:case", args=[obj.case_id]) if obj.case_id else ""
            rows.append({"cells": cells, "link": link})
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("format", None)
        return render(request, "dashboards/records.html", {
            "title": spec["title"], "kind": kind, "columns": columns, "rows": rows, "page": page, "form": form,
            "scope": scope, "querystring": params.urlencode(), "links": _links(scope),
        })

    view.__name__ = f"{kind}_records"
    return view


complaint_records = _records_view("complaints")
case_records = _records_view("cases")
blocked_records = _records_view("blocked")
