from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from borrowers import selectors, services
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
        },
    )


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
