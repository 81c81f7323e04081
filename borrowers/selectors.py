"""Reads of the loan book, always scoped to the user's branch through accounts.scoping."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.scoping import scope_to_user
from borrowers.models import Borrower, Installment, Loan, LoanEvent, Payment


def _scoped(qs: QuerySet, user, *, branch_field: str, borrower_field: str) -> QuerySet:
    """Branch scoping, plus: staff of an external collection agency see only the borrowers whose
    cases were placed with their agency (never the rest of the branch's book)."""
    qs = scope_to_user(qs, user, field=branch_field)
    if not getattr(user, "is_authenticated", False) or user.role != "collector":
        return qs
    from debt_collection.models import CollectionCase
    from debt_collection.permissions import agency_of

    agency = agency_of(user)
    if agency is None:
        return qs
    placed = CollectionCase.objects.filter(agency=agency).values("borrower_id")
    return qs.filter(**{f"{borrower_field}__in": placed})


def borrower_list(*, user, query: str = "") -> QuerySet[Borrower]:
    qs = _scoped(Borrower.objects.select_related("branch"), user, branch_field="branch", borrower_field="pk")
    query = (query or "").strip()
    if query:
        condition = Q(name__startswith=query) | Q(mobile=query) | Q(national_id=query)
        condition |= Q(loans__contract_number=query) | Q(loans__plate__iexact=query)
        if query.isdigit() and len(query) == 4:
            condition |= Q(mobile__endswith=query)
        qs = qs.filter(condition).distinct()
    return qs.annotate(loan_count=Count("loans", distinct=True)).order_by("name", "id")


def borrower_get(*, user, pk: int) -> Borrower:
    return get_object_or_404(_scoped(Borrower.objects.select_related("branch", "dedicated_manager"), user, branch_field="branch", borrower_field="pk"), pk=pk)


def loan_list(*, user, borrower: Borrower | None = None) -> QuerySet[Loan]:
    qs = _scoped(Loan.objects.select_related("borrower", "branch"), user, branch_field="branch", borrower_field="borrower_id")
    if borrower is not None:
        qs = qs.filter(borrower=borrower)
    return qs.order_by("-start_date", "id")


def loan_get(*, user, pk: int | None = None, contract_number: str | None = None) -> Loan:
    qs = _scoped(Loan.objects.select_related("borrower", "branch"), user, branch_field="branch", borrower_field="borrower_id")
    lookup = {"pk": pk} if pk is not None else {"contract_number": contract_number}
    return get_object_or_404(qs, **lookup)


def loans_with_schedule(*, user, borrower: Borrower) -> QuerySet[Loan]:
    return loan_list(user=user, borrower=borrower).prefetch_related(
        Prefetch("installments", queryset=Installment.objects.current().order_by("seq"), to_attr="schedule")
    )


def payment_list(*, user, loan: Loan | None = None, borrower: Borrower | None = None) -> QuerySet[Payment]:
    qs = _scoped(Payment.objects.select_related("loan"), user, branch_field="loan__branch", borrower_field="loan__borrower_id")
    if loan is not None:
        qs = qs.filter(loan=loan)
    if borrower is not None:
        qs = qs.filter(loan__borrower=borrower)
    return qs.order_by("-paid_at", "-id")


def borrower_events(*, user, borrower: Borrower) -> QuerySet[LoanEvent]:
    return _scoped(LoanEvent.objects.select_related("actor", "loan"), user, branch_field="borrower__branch", borrower_field="borrower_id").filter(
        borrower=borrower
    )
