"""Staff pages: the queue, the complaint page (every action an htmx partial update) and the
supervisors' escalation inbox and team workload.

Every action posts to `complaint_action`, which validates a form, calls one service and re-renders the
complaint's work panel. A stale page (someone else acted first) gets HTTP 409 with the fresh panel and
a message saying so; app.js swaps 409 responses like any other.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.exceptions import ConcurrentUpdate, DomainError, PermissionDeniedError, TransitionNotAllowed
from complaints import permissions as perms
from complaints import selectors as complaint_selectors
from complaints.choices import ReplyChannel, State
from complaints.workspace import actions, selectors
from complaints.workspace.borrower360 import borrower_360
from complaints.workspace.clocks import complaint_clocks, warning_ratio
from complaints.workspace.forms import AcknowledgeForm, BulkReassignForm, QueueFilterForm

PAGE_SIZE = 25
TIMELINE_PAGE = 30  # newest events on the page; older ones load on demand, 200 at a time
TIMELINE_MORE = 200
BULK_ROWS = 50


def _partial(request) -> bool:
    return bool(request.htmx and not request.htmx.boosted)


def _require_complaint_staff(user):
    if not perms.can_view_complaints(user):
        raise PermissionDenied


# --- queue ------------------------------------------------------------------------------------------


class LightPage(list):
    """A page that never counts the whole table: fetch one row more than shown to know if there is a
    next page. The queue can hold a million rows; COUNT(*) over them is the slowest query of the page."""

    def __init__(self, rows, number: int, size: int):
        super().__init__(rows[:size])
        self.number = number
        self.has_next = len(rows) > size
        self.has_previous = number > 1
        self.next_page_number = number + 1
        self.previous_page_number = number - 1
        self.start_index = (number - 1) * size + 1 if rows else 0
        self.end_index = (number - 1) * size + len(self)


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 10_000))
    except (TypeError, ValueError):
        return 1


def _decorate_rows(rows, *, now) -> None:
    """Clocks and the detail link of each queue row, computed once here rather than per row in the
    template (50 `{% url %}` reversals were a tenth of the page's time)."""
    marker = 987654321
    pattern = reverse("complaints:detail", args=[marker])
    for complaint in rows:
        complaint.clocks = complaint_clocks(complaint, now=now)
        complaint.url = pattern.replace(str(marker), str(complaint.pk))


@login_required
@require_GET
def queue(request):
    _require_complaint_staff(request.user)
    form = QueueFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    # agents start on their own work, supervisors on their team's, HQ and compliance on what was
    # escalated to them (their "team" is every branch)
    default_view = {"agent": "mine", "supervisor": "team"}.get(request.user.role, "escalated")
    filters = selectors.QueueFilters(
        view=data.get("view") or default_view,
        state=data.get("state") or "",
        category=data.get("category") or "",
        priority=data.get("priority") or "",
        branch=data["branch"].pk if data.get("branch") else None,
        channel=data.get("channel") or "",
        q=data.get("q") or "",
    )
    now = timezone.now()
    number = _page_number(request)
    offset = (number - 1) * PAGE_SIZE
    rows = selectors.complaint_queue_page(user=request.user, filters=filters, offset=offset, limit=PAGE_SIZE + 1, now=now)
    page = LightPage(rows, number, PAGE_SIZE)
    _decorate_rows(page, now=now)
    params = request.GET.copy()
    params.pop("page", None)
    view_params = params.copy()
    view_params.pop("view", None)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "querystring": params.urlencode(),
        "view_querystring": view_params.urlencode(),
        "views": [(key, label) for key, label in form.fields["view"].choices],
        "is_supervisor": request.user.has_role("supervisor", "hq", "compliance", "admin"),
        "warn_percent": round(warning_ratio() * 100),
    }
    template = "complaints/workspace/partials/queue_results.html" if _partial(request) else "complaints/workspace/queue.html"
    return render(request, template, context)


# --- complaint page -----------------------------------------------------------------------------------


EVENT_CSS = {"reply": "ev-reply", "note": "ev-note", "escalated": "ev-escalation", "sla_breached": "ev-escalation",
             "sla_warning": "ev-escalation"}


def _decorate_events(events, *, complaint):
    """What each timeline row shows, computed here (a template block per row was the costliest
    part of a long timeline): local time, transition, a detail from the payload, merged origin."""
    labels = dict(State.choices)
    tz = complaint.branch.tzinfo
    for event in events:
        event.css = EVENT_CSS.get(event.kind, "ev-transition")
        event.when = f"{timezone.localtime(event.created_at, tz):%Y-%m-%d %H:%M}"
        event.transition = ""
        if event.from_state and event.to_state and event.from_state != event.to_state:
            event.transition = f"{labels.get(event.from_state, event.from_state)} → {labels.get(event.to_state, event.to_state)}"
        payload = event.payload or {}
        event.detail = ""
        if event.kind == "reply" and payload.get("channel"):
            event.detail = str(dict(ReplyChannel.choices).get(payload["channel"], payload["channel"]))
        elif event.kind == "assigned" and payload.get("to_name"):
            event.detail = f"→ {payload['to_name']}"
        event.from_code = event.complaint.tracking_code if event.complaint_id != complaint.pk else ""
    return events


def _panel_context(request, complaint, *, forms=None, conflict: str = "", notice: str = "", also: str = "") -> dict:
    """Everything the work panel (header, actions, timeline) shows. A fixed number of queries."""
    user = request.user
    now = timezone.now()
    escalations = list(selectors.complaint_escalations(complaint=complaint))
    for escalation in escalations:  # the permission check reads escalation.complaint: no query per row
        escalation.complaint = complaint
    pending = [e for e in escalations if e.acknowledged_at is None and e.ack_due_at is not None]
    available = actions.available_actions(user=user, complaint=complaint)
    built = actions.build_forms(user=user, complaint=complaint, available=available, also=also)
    if forms:
        built.update(forms)
    transition_items = [
        {"name": name, "label": label, "needs_form": needs_form, "form": built.get(name), "shortcut": shortcut}
        for name, label, needs_form, shortcut in available["transitions"]
    ]
    timeline = list(selectors.complaint_timeline(complaint=complaint)[: TIMELINE_PAGE + 1])
    timeline_more = len(timeline) > TIMELINE_PAGE
    timeline = _decorate_events(timeline[:TIMELINE_PAGE], complaint=complaint)
    return {
        "complaint": complaint,
        "clocks": complaint_clocks(complaint, now=now),
        "transition_items": transition_items,
        "can": available,
        "forms": built,
        "merge_candidates": list(selectors.merge_candidates(user=user, complaint=complaint)) if available["merge"] else [],
        "timeline": timeline,
        "timeline_more": timeline_more,
        "attachments": list(selectors.complaint_attachments(complaint=complaint)),
        "attachment_url_name": actions.attachment_url_name(),
        "escalations": escalations,
        "pending_escalations": [e for e in pending if perms.can_acknowledge_escalation(user, e)],
        "conflict": conflict,
        "notice": notice,
        "tz": complaint.branch.tzinfo,
    }


@login_required
@require_GET
def complaint_detail(request, pk: int):
    _require_complaint_staff(request.user)
    complaint = selectors.complaint_for_workspace(user=request.user, pk=pk)
    opened = request.GET.get("open", "")[:30]  # a panel opened without JavaScript
    context = _panel_context(request, complaint, also=opened if opened in actions.ACTIONS else "")
    context["open_panel"] = context.get("open_panel") or opened
    if complaint.borrower_id:
        context["b360"] = borrower_360(user=request.user, borrower=complaint.borrower, exclude_complaint_id=complaint.pk)
    return render(request, "complaints/workspace/detail.html", context)


@login_required
@require_GET
def complaint_timeline(request, pk: int):
    """Older timeline entries, appended below the newest ones."""
    _require_complaint_staff(request.user)
    complaint = selectors.complaint_for_workspace(user=request.user, pk=pk)
    try:
        offset = max(0, int(request.GET.get("offset", TIMELINE_PAGE)))
    except ValueError:
        offset = TIMELINE_PAGE
    events = list(selectors.complaint_timeline(complaint=complaint)[offset : offset + TIMELINE_MORE + 1])
    more = len(events) > TIMELINE_MORE
    context = {
        "complaint": complaint,
        "events": _decorate_events(events[:TIMELINE_MORE], complaint=complaint),
        "more": more,
        "next_offset": offset + TIMELINE_MORE,
    }
    return render(request, "complaints/workspace/partials/timeline_items.html", context)


@login_required
@require_GET
def complaint_panel(request, pk: int, action: str):
    """One action's form, loaded when its panel is opened. If the action is no longer available
    (someone else moved the complaint on), say so instead of offering a form that would fail."""
    _require_complaint_staff(request.user)
    if action not in actions.ACTIONS:
        raise Http404
    complaint = selectors.complaint_for_workspace(user=request.user, pk=pk)
    available = actions.available_actions(user=request.user, complaint=complaint)
    if action not in actions.form_names(available=available):
        return render(request, "complaints/workspace/partials/panel_gone.html", {"complaint": complaint}, status=409)
    context = {
        "complaint": complaint,
        "name": action,
        "form": actions.build_form(user=request.user, complaint=complaint, name=action),
        "submit": actions.SUBMIT_LABELS.get(action, ""),
        "button_class": "danger" if action in ("merge", "reject") else "primary",
    }
    return render(request, "complaints/workspace/partials/action_form.html", context)


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    _require_complaint_staff(request.user)
    if action not in actions.ACTIONS:
        raise Http404
    complaint = selectors.complaint_for_workspace(user=request.user, pk=pk)
    spec = actions.ACTIONS[action]
    form = spec.form_for(request=request, complaint=complaint, data=request.POST)
    status = 200
    conflict = notice = ""
    forms = None
    if not form.is_valid():
        status = 400
        forms = {action: form}
        if "version" in form.errors:  # a tampered or missing version is a stale page, not a typo
            status, conflict, forms = 409, _("页面已过期：请查看最新状态后再操作。"), None
    else:
        try:
            spec.run(request=request, complaint=complaint, data=form.cleaned_data)
            notice = str(spec.done_message)
        except (ConcurrentUpdate, TransitionNotAllowed) as exc:
            status = 409
            conflict = _("其他人已先处理了这条投诉（%(reason)s）。下面是最新状态，请确认后再操作。") % {"reason": exc.message or _("状态已变化")}
        except PermissionDeniedError as exc:
            status = 403
            conflict = exc.message or _("您无权执行此操作。")
        except DomainError as exc:
            status = 400
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
            forms = {action: form}
    # always show the fresh state: re-read the row after the service (or after someone else's change)
    complaint = selectors.complaint_for_workspace(user=request.user, pk=pk)
    if not _partial(request):
        if conflict:
            messages.warning(request, conflict)
        elif notice:
            messages.success(request, notice)
        elif status >= 400:
            messages.error(request, _("请检查填写的内容。"))
        return redirect(reverse("complaints:detail", args=[complaint.pk]))
    context = _panel_context(request, complaint, forms=forms, conflict=conflict, notice=notice)
    context["open_panel"] = action if status == 400 else ""
    return render(request, "complaints/workspace/partials/workbench.html", context, status=status)


# --- supervisors ---------------------------------------------------------------------------------------


def _require_supervisor(user):
    if not (perms.can_view_complaints(user) and user.has_role("supervisor", "hq", "compliance", "admin")):
        raise PermissionDenied


def _supervisor_context(request, *, bulk_form=None, notice: str = "", conflict: str = "") -> dict:
    user = request.user
    now = timezone.now()
    inbox = selectors.escalation_inbox(user=user, limit=100)
    rows = selectors.complaint_queue_page(user=user, filters=selectors.QueueFilters(view="team"), offset=0, limit=BULK_ROWS, now=now)
    _decorate_rows(rows, now=now)
    assignees = selectors.assignable_users(user=user)
    return {
        "inbox": inbox,
        "workload": list(selectors.team_workload(user=user)[:200]),
        "reassign_rows": rows,
        "branches": selectors.visible_branches(user=user),
        "bulk_form": bulk_form or BulkReassignForm(complaints=selectors.complaint_base_qs(user=user), assignees=assignees),
        "assignees": assignees,
        "notice": notice,
        "conflict": conflict,
        "admin_links": actions.admin_links(user),
        "now": now,
    }


@login_required
@require_GET
def supervisor(request):
    _require_supervisor(request.user)
    return render(request, "complaints/workspace/supervisor.html", _supervisor_context(request))


@login_required
@require_POST
def escalation_acknowledge(request):
    _require_complaint_staff(request.user)
    form = AcknowledgeForm(request.POST)
    conflict = notice = ""
    status = 200
    if not form.is_valid():
        status, conflict = 400, _("请求无效。")
    else:
        escalation = complaint_selectors.escalation_get(user=request.user, pk=form.cleaned_data["escalation"])
        try:
            actions.acknowledge(escalation=escalation, actor=request.user, note=form.cleaned_data.get("note", ""))
            notice = _("已确认升级 %(code)s。") % {"code": escalation.complaint.tracking_code}
        except (ConcurrentUpdate, TransitionNotAllowed) as exc:
            status = 409
            conflict = _("此升级已被他人处理（%(reason)s）。") % {"reason": exc.message}
        except PermissionDeniedError as exc:
            status, conflict = 403, exc.message or _("您无权执行此操作。")
        except DomainError as exc:
            status, conflict = 400, exc.message
    next_url = request.POST.get("next") or reverse("complaints:supervisor")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("complaints:supervisor")
    if not _partial(request):
        if conflict:
            messages.warning(request, conflict)
        else:
            messages.success(request, notice)
        return redirect(next_url)
    if request.POST.get("from") == "complaint":
        complaint = selectors.complaint_for_workspace(user=request.user, pk=int(request.POST.get("complaint", 0) or 0))
        context = _panel_context(request, complaint, conflict=conflict, notice=notice)
        return render(request, "complaints/workspace/partials/workbench.html", context, status=status)
    _require_supervisor(request.user)
    context = _supervisor_context(request, notice=notice, conflict=conflict)
    return render(request, "complaints/workspace/partials/inbox.html", context, status=status)


@login_required
@require_POST
def bulk_reassign(request):
    _require_supervisor(request.user)
    user = request.user
    form = BulkReassignForm(request.POST, complaints=selectors.complaint_base_qs(user=user), assignees=selectors.assignable_users(user=user))
    notice = conflict = ""
    status = 200
    if form.is_valid():
        done, failed = actions.bulk_assign(
            complaints=list(form.cleaned_data["complaints"]), assignee=form.cleaned_data["assignee"], actor=user
        )
        notice = _("已分派 %(n)d 条投诉给 %(who)s。") % {"n": done, "who": form.cleaned_data["assignee"]}
        if failed:
            status = 409
            conflict = _("%(n)d 条未能分派（状态已变化或无权限）：%(codes)s") % {"n": len(failed), "codes": "、".join(failed)}
        form = None
    else:
        status = 400
    if not _partial(request):
        if conflict:
            messages.warning(request, conflict)
        if notice:
            messages.success(request, notice)
        if status == 400:
            messages.error(request, _("请选择投诉和处理人。"))
        return redirect(reverse("complaints:supervisor"))
    context = _supervisor_context(request, bulk_form=form, notice=notice, conflict=conflict)
    return render(request, "complaints/workspace/partials/reassign.html", context, status=status)
