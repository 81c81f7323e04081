"""Minimal staff pages (the complaint queue and a read-only detail) so navigation works; the agent
workspace (issue 5) replaces them with the full htmx workspace under the same url names."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from complaints import permissions as perms
from complaints import selectors


@login_required
def complaint_queue(request):
    if not perms.can_view_complaints(request.user):
        raise PermissionDenied
    qs = selectors.complaint_list(
        user=request.user,
        state=request.GET.get("state") or None,
        category=request.GET.get("category") or None,
        priority=request.GET.get("priority") or None,
        assignee=request.GET.get("assignee") or None,
        open_only=request.GET.get("open", "1") == "1" and not request.GET.get("state"),
        query=request.GET.get("q", "")[:60],
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "complaints/queue.html", {"page": page})


@login_required
def complaint_detail(request, pk: int):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "events": selectors.complaint_timeline(user=request.user, complaint=complaint),
            "escalations": selectors.complaint_escalations(user=request.user, complaint=complaint),
        },
    )
