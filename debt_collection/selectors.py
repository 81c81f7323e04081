"""Reads of the collections app. Every queryset is scoped through `accounts.scoping.scope_to_user`
(branch) and, for an external agency's staff, to the cases placed with that agency."""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.scoping import scope_to_user
from debt_collection.choices import OPEN_STATES, ArrangementStatus, CaseState
from debt_collection.models import (
    BlockedContact,
    CaseEvent,
    CaseHold,
    CollectionCase,
    CollectorOrganisation,
    ContactAttempt,
    EnforcementRecord,
    PromiseToPay,
    RepaymentArrangement,
)
from debt_collection.permissions import agency_of, can_view_cases


def _scoped_cases(user) -> QuerySet[CollectionCase]:
    if not can_view_cases(user):
        return CollectionCase.objects.none()
    qs = scope_to_user(CollectionCase.objects.all(), user, field="branch")
    agency = agency_of(user)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def user_today(user) -> date:
    branch = getattr(user, "branch", None)
    return timezone.localdate(timezone=branch.tzinfo) if branch is not None else timezone.localdate()


def case_queue(
    *,
    user,
    bucket: str = "",
    state: str = "",
    assigned: str = "",
    today: date | None = None,
) -> QuerySet[CollectionCase]:
    """The collector's work list: promises due today first, then cases never contacted, then by
    days past due × amount due (largest first)."""
    today = today or user_today(user)
    qs = _scoped_cases(user).select_related("borrower", "loan", "branch", "assigned_to", "agency")
    qs = qs.filter(state=state) if state else qs.filter(state__in=OPEN_STATES)
    if bucket:
        qs = qs.filter(bucket=bucket)
    if assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif assigned == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    return qs.annotate(
        promise_rank=Case(
            When(state=CaseState.PROMISED, next_promise_date=today, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        contact_rank=Case(When(last_contact_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
        urgency_score=ExpressionWrapper(F("days_past_due") * F("amount_due"), output_field=DecimalField(max_digits=20, decimal_places=2)),
    ).order_by("promise_rank", "contact_rank", "-urgency_score", "id")


def case_list(*, user) -> QuerySet[CollectionCase]:
    return _scoped_cases(user).select_related("borrower", "loan", "branch", "assigned_to", "agency")


def case_get(*, user, pk: int) -> CollectionCase:
    return get_object_or_404(case_list(user=user), pk=pk)


def case_contacts(*, case: CollectionCase, limit: int = 100) -> list[ContactAttempt]:
    """The borrower's contact log (all his cases), newest first."""
    return list(
        ContactAttempt.objects.filter(borrower_id=case.borrower_id)
        .select_related("created_by", "emergency_contact")
        .prefetch_related("visit_staff")
        .order_by("-occurred_at", "-id")[:limit]
    )


def case_timeline(*, case: CollectionCase, limit: int = 200) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("-created_at", "-id")[:limit])


def case_promises(*, case: CollectionCase) -> list[PromiseToPay]:
    return list(PromiseToPay.objects.filter(case=case).select_related("created_by").order_by("-created_at", "-id"))


def case_arrangements(*, case: CollectionCase) -> list[RepaymentArrangement]:
    return list(
        RepaymentArrangement.objects.filter(case=case).select_related("proposed_by", "decided_by").order_by("-proposed_at", "-id")
    )


def case_holds(*, case: CollectionCase) -> list[CaseHold]:
    return list(CaseHold.objects.filter(case=case).select_related("created_by", "released_by").order_by("-created_at"))


def case_enforcement(*, case: CollectionCase) -> list[EnforcementRecord]:
    return list(EnforcementRecord.objects.filter(case=case).order_by("-created_at"))


def case_blocked(*, case: CollectionCase, limit: int = 20) -> list[BlockedContact]:
    return list(BlockedContact.objects.filter(borrower_id=case.borrower_id).select_related("actor")[:limit])


def contact_list(*, user) -> QuerySet[ContactAttempt]:
    cases = _scoped_cases(user)
    return (
        ContactAttempt.objects.filter(case__in=cases.values("pk"))
        .select_related("case", "created_by")
        .prefetch_related("visit_staff")
    )


def contact_get(*, user, pk: int) -> ContactAttempt:
    return get_object_or_404(contact_list(user=user).select_related("case__branch"), pk=pk)


def promise_list(*, user) -> QuerySet[PromiseToPay]:
    return PromiseToPay.objects.filter(case__in=_scoped_cases(user).values("pk")).select_related("case", "created_by")


def arrangement_list(*, user) -> QuerySet[RepaymentArrangement]:
    return RepaymentArrangement.objects.filter(case__in=_scoped_cases(user).values("pk")).select_related(
        "case", "case__branch", "loan", "proposed_by", "decided_by"
    )


def arrangements_awaiting(*, user) -> QuerySet[RepaymentArrangement]:
    return arrangement_list(user=user).filter(status=ArrangementStatus.PROPOSED).exclude(proposed_by=user)


def agencies_for(*, case: CollectionCase) -> QuerySet[CollectorOrganisation]:
    return CollectorOrganisation.objects.filter(branch_id=case.branch_id, kind="agency", is_active=True)


def loans_for_case(*, user, case: CollectionCase):
    from borrowers.models import Installment
    from borrowers.selectors import loan_list

    return list(
        loan_list(user=user, borrower=case.borrower).prefetch_related(
            Prefetch("installments", queryset=Installment.objects.current().order_by("seq"), to_attr="schedule")
        )
    )


def blocked_contacts_by_rule(*, user, since, until=None) -> list[dict]:
    """Refused contacts per rule and pack since `since` (a compliance metric for the dashboards)."""
    from django.db.models import Count

    qs = scope_to_user(BlockedContact.objects.all(), user, field="branch").filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return list(qs.values("rule", "rule_pack", "purpose").annotate(count=Count("id")).order_by("-count", "rule"))
