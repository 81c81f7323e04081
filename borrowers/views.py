from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from borrowers import selectors, services
from borrowers.choices import EVENT_LABELS, PII_FIELD_LABELS
from borrowers.permissions import can_reveal_pii
from common.exceptions import DomainError


@login_required
def borrower_search(request):
    query = request.GET.get("q", "")[:60]
    page = Paginator(selectors.borrower_list(user=request.user, query=query), 25).get_page(request.GET.get("page"))
    template = "borrowers/partials/results.html" if request.htmx and not request.htmx.boosted else "borrowers/search.html"
    return render(request, template, {"page": page, "query": query})


@login_required
def borrower_detail(request, pk: int):
    borrower = selectors.borrower_get(user=request.user, pk=pk)
    loans = list(selectors.loans_with_schedule(user=request.user, borrower=borrower))
    payments = selectors.payment_list(user=request.user, borrower=borrower)[:20]
    events = list(selectors.borrower_events(user=request.user, borrower=borrower)[:30])
    for e in events:
        e.label = EVENT_LABELS.get(e.kind, e.kind)
        e.detail = _event_detail(e)
    return render(
        request,
        "borrowers/detail.html",
        {
            "borrower": borrower,
            "loans": loans,
            "payments": payments,
            "contacts": borrower.emergency_contacts.all(),
            "today": timezone.localdate(),
            "can_reveal": can_reveal_pii(request.user),
            "events": events,
        },
    )


def _event_detail(event) -> str:
    payload = event.payload or {}
    if event.kind == "pii_revealed":
        return str(PII_FIELD_LABELS.get(payload.get("field"), payload.get("field", "")))
    if event.kind == "payment_recorded" and payload.get("amount"):
        return f"¥{payload['amount']}"
    if event.kind == "loan_rescheduled":
        return payload.get("reason", "")
    if "fields" in payload:
        return ", ".join(payload["fields"])
    return ""


@login_required
@require_POST
def borrower_reveal(request, pk: int, field: str):
    borrower = selectors.borrower_get(user=request.user, pk=pk)
    if not can_reveal_pii(request.user):
        return HttpResponseForbidden()
    try:
        value = services.borrower_reveal_pii(
            borrower=borrower,
            field=field,
            actor=request.user,
            reason=request.POST.get("reason", "")[:200],
            ip=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as exc:
        return render(request, "borrowers/partials/revealed.html", {"error": exc.message}, status=400)
    return render(request, "borrowers/partials/revealed.html", {"value": value, "field": field})
