"""Reads of complaints, always scoped to the user's branch (accounts.scoping) and role."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.scoping import scope_to_user
from complaints import permissions as perms
from complaints.choices import OPEN_STATES, SLA_RUNNING_STATES, Clock
from complaints.models import Complaint, ComplaintEvent, Escalation, normalize_tracking_code


def _base(user) -> QuerySet[Complaint]:
    if not perms.can_view_complaints(user):
        return Complaint.objects.none()
    return scope_to_user(Complaint.objects.all(), user, field="branch")


def breaching_soon_q(*, within_minutes: int = 120, now=None) -> Q:
    """Open complaints with a running clock due within `within_minutes` (or already overdue)."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=within_minutes)
    return (
        Q(state__in=SLA_RUNNING_STATES, first_responded_at__isnull=True, first_response_due_at__lte=horizon)
        | Q(state__in=SLA_RUNNING_STATES, resolution_due_at__lte=horizon)
        | Q(state__in=OPEN_STATES, regulatory_due_at__lte=horizon)
    )


_RUNNING = {
    Clock.FIRST_RESPONSE: Q(state__in=SLA_RUNNING_STATES, first_responded_at__isnull=True),
    Clock.RESOLUTION: Q(state__in=SLA_RUNNING_STATES),
    Clock.REGULATORY: Q(state__in=OPEN_STATES),
}


def breached_q(clock: str, now) -> Q:
    """Complaints whose `clock` ran past its deadline: the stored outcome, or the clock still running
    and overdue. (The sweep marks a running breach on the narrow timers row; the next service write
    carries it into the stored flag — this condition needs no join for either.)"""
    return Q(**{f"{clock}_breached": True}) | (_RUNNING[clock] & Q(**{f"{clock}_due_at__lt": now}))


def complaint_list(
    *,
    user,
    state: str | list[str] | None = None,
    category: str | None = None,
    priority: str | None = None,
    branch: int | None = None,
    assignee: int | str | None = None,
    breaching_within_minutes: int | None = None,
    escalated: bool | None = None,
    open_only: bool = False,
    query: str = "",
) -> QuerySet[Complaint]:
    """The complaints `user` may see, filtered. `assignee` may be a user id, "me" or "none"."""
    qs = _base(user).select_related("branch", "owner", "assignee", "borrower", "loan", "timers")
    if state:
        qs = qs.filter(state__in=[state] if isinstance(state, str) else state)
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if category:
        qs = qs.filter(category=category)
    if priority:
        qs = qs.filter(priority=priority)
    if branch:
        qs = qs.filter(branch_id=branch)
    if assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=assignee)
    if breaching_within_minutes is not None:
        qs = qs.filter(breaching_soon_q(within_minutes=breaching_within_minutes))
    if escalated is True:
        qs = qs.filter(timers__escalation_level__gt=0)
    elif escalated is False:
        qs = qs.filter(timers__escalation_level=0)
    query = (query or "").strip()
    if query:
        code = normalize_tracking_code(query)
        condition = Q(complainant_name__startswith=query) | Q(loan__contract_number=query)
        if code:
            condition |= Q(tracking_code=code)
        if query.isdigit() and len(query) >= 4:
            condition |= Q(complainant_mobile__endswith=query)
        qs = qs.filter(condition)
    return qs.order_by("-received_at", "-id")


def complaint_get(*, user, pk: int) -> Complaint:
    """A complaint the user may see, or 404 (never a hint that it exists elsewhere)."""
    try:
        return _base(user).select_related(
            "branch", "owner", "assignee", "borrower", "loan", "merged_into", "sla_policy", "extended_by", "timers"
        ).get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise Http404


def complaint_timeline(*, user, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    """Every event of a complaint the user may see (merged duplicates' timelines stay on them)."""
    if not perms.can_view(user, complaint):
        return ComplaintEvent.objects.none()
    return ComplaintEvent.objects.filter(complaint=complaint).select_related("actor").order_by("created_at", "id")


def complaint_public_lookup(*, tracking_code: str, mobile_last4: str) -> Complaint | None:
    """The complaint for a tracking code whose contact mobile ends with `mobile_last4`; None on any
    mismatch (the caller shows one generic message: nothing tells which part was wrong)."""
    code = normalize_tracking_code(tracking_code)
    last4 = "".join(ch for ch in (mobile_last4 or "") if ch.isdigit())
    if len(code) < 8 or len(last4) != 4:
        return None
    complaint = Complaint.objects.select_related("branch", "borrower").filter(tracking_code=code).first()
    if complaint is None:
        return None
    mobile = complaint.contact_mobile
    if len(mobile) < 4 or not hmac.compare_digest(mobile[-4:], last4):
        return None
    return complaint


def complaint_public_timeline(*, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    """Only what the borrower may read: acknowledgement, replies, resolution … never internal notes."""
    return ComplaintEvent.objects.filter(complaint=complaint, visible_to_borrower=True).order_by("created_at", "id")


def complaint_escalations(*, user, complaint: Complaint) -> QuerySet[Escalation]:
    if not perms.can_view(user, complaint):
        return Escalation.objects.none()
    return Escalation.objects.filter(complaint=complaint).select_related("acknowledged_by").order_by("-created_at", "-id")


def escalation_list(*, user, open_only: bool = True, mine: bool = False) -> QuerySet[Escalation]:
    """Escalations in the user's scope; `mine` = those naming the user as a recipient."""
    if not perms.can_view_complaints(user):
        return Escalation.objects.none()
    qs = scope_to_user(Escalation.objects.all(), user, field="complaint__branch").select_related(
        "complaint", "complaint__branch", "acknowledged_by"
    )
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True, complaint__state__in=OPEN_STATES)
    if mine:
        if _json_contains_supported():
            qs = qs.filter(recipients__contains=[{"id": user.pk}])
        else:  # SQLite: the JSON text is written by Django with ", " / ": " separators
            qs = qs.filter(recipients__icontains=f'"id": {user.pk},')
    return qs.order_by("-created_at", "-id")


def escalation_get(*, user, pk: int) -> Escalation:
    qs = escalation_list(user=user, open_only=False)
    try:
        return qs.get(pk=pk)
    except (Escalation.DoesNotExist, ValueError, TypeError):
        raise Http404


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains
