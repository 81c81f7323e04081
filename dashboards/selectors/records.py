"""The records behind a dashboard number: the same scoped querysets, filtered by whitelisted GET
parameters (anything else is ignored, never passed to the ORM)."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from complaints.choices import OPEN_STATES, Category, Clock, RootCause, State
from complaints.models import Complaint
from complaints.selectors import breached_q
from dashboards.filters import Scope
from dashboards.selectors import collection, compliance, sla
from dashboards.selectors.quality import month_bounds
from debt_collection.choices import OPEN_STATES as CASE_OPEN_STATES
from debt_collection.choices import CaseState, HoldReason
from debt_collection.models import BlockedContact, CollectionCase


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def complaint_records(scope: Scope, params) -> QuerySet[Complaint]:
    qs = sla.complaints(scope)
    get = params.get
    date_field = "received_at"
    root_cause = get("root_cause")
    if root_cause in RootCause.values:
        qs = qs.filter(root_cause=root_cause)
        date_field = "resolved_at"
        month = get("month")
        if month in ("this", "last"):
            last, this, nxt = month_bounds(scope.end_date, scope.tz)
            lo, hi = (this, nxt) if month == "this" else (last, this)
            qs = qs.filter(resolved_at__gte=lo, resolved_at__lt=hi)
            date_field = ""
    if date_field and get("range") != "all":
        qs = qs.filter(**{f"{date_field}__gte": scope.start, f"{date_field}__lt": scope.end})
    state = get("state")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state in State.values:
        qs = qs.filter(state=state)
    if get("svc") in sla.SERVICE_STATUSES:
        qs = qs.annotate(svc=sla.service_status_expr(scope.now)).filter(svc=get("svc"))
    if get("reg") in sla.REGULATORY_STATUSES:
        qs = qs.annotate(reg=sla.regulatory_status_expr(scope.now)).filter(reg=get("reg"))
    if get("category") in Category.values:
        qs = qs.filter(category=get("category"))
    if _int(get("owner")):
        qs = qs.filter(owner_id=_int(get("owner")))
    csat = get("csat")
    if csat == "any":
        qs = qs.filter(csat__isnull=False)
    elif _int(csat) in (1, 2, 3, 4, 5):
        qs = qs.filter(csat=_int(csat))
    if get("reopened") == "1":
        qs = qs.filter(reopen_count__gt=0)
    fr = get("fr")
    if fr == "done":
        qs = qs.filter(Q(minutes_to_first_response__isnull=False) | breached_q(Clock.FIRST_RESPONSE, scope.now))
    elif fr == "within":
        qs = qs.filter(minutes_to_first_response__isnull=False, first_response_breached=False)
    res = get("res")
    if res == "done":
        qs = qs.filter(Q(minutes_to_resolution__isnull=False) | breached_q(Clock.RESOLUTION, scope.now))
    elif res == "within":
        qs = qs.filter(minutes_to_resolution__isnull=False, resolution_breached=False)
    elif res == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    agency = get("agency")
    if agency:
        latest = CollectionCase.objects.filter(loan=OuterRef("loan"), opened_at__lte=OuterRef("received_at")).order_by(
            "-opened_at", "-id"
        )
        qs = qs.filter(loan__isnull=False).annotate(
            case_agency=Subquery(latest.values("agency_id")[:1]), case_id=Subquery(latest.values("id")[:1])
        ).filter(case_id__isnull=False)
        qs = qs.filter(case_agency__isnull=True) if agency == "none" else qs.filter(case_agency=_int(agency) or 0)
    return qs.select_related("branch", "owner", "assignee").order_by("-received_at", "-id")


def case_records(scope: Scope, params) -> QuerySet[CollectionCase]:
    qs = collection.cases(scope)
    get = params.get
    if get("range") != "all":
        qs = qs.filter(opened_at__gte=scope.start, opened_at__lt=scope.end)
    state = get("state")
    if state == "open":
        qs = qs.filter(state__in=CASE_OPEN_STATES)
    elif state == "closed":
        qs = qs.filter(state__in=[CaseState.CLOSED, CaseState.WRITTEN_OFF])
    elif state in CaseState.values:
        qs = qs.filter(state=state)
    if get("bucket"):
        qs = qs.filter(bucket=get("bucket")[:8])
    hold = get("hold_reason")
    if hold == "none":
        qs = qs.filter(hold_reason="")
    elif hold in HoldReason.values:
        qs = qs.filter(hold_reason=hold)
    return qs.select_related("branch", "loan", "borrower", "assigned_to", "agency").order_by("-opened_at", "-id")


def blocked_records(scope: Scope, params) -> QuerySet[BlockedContact]:
    qs = compliance.blocked(scope)
    get = params.get
    if get("rule"):
        qs = qs.filter(rule=get("rule")[:40])
    actor = get("actor")
    if actor == "none":
        qs = qs.filter(actor__isnull=True)
    elif _int(actor):
        qs = qs.filter(actor_id=_int(actor))
    return qs.select_related("branch", "borrower", "actor", "case").order_by("-at", "-id")
