"""SLA dashboard figures. Every number is one aggregate query over indexed columns.

Definitions (also in docs/dashboards.md):
- *open* = complaint states intake, classified, in_progress, waiting_on_borrower (a snapshot: now).
- *service clock status* of an open complaint reads the clock that is running — first response until
  answered, then resolution: breached (flag stored by the sweep, or its due time has passed while
  running), paused (waiting on the borrower), at risk (past the warning time, default 80 %), on track.
- *regulatory clock status*: breached (flag, or due time passed), at risk (past its warning time), on track.
- *period figures* (within-SLA rates, median/p90, escalations) take complaints **received** in the date
  range (escalations: raised in the range), using the outcomes stored on the complaint.
"""

from __future__ import annotations

from django.db.models import Avg, Case, CharField, Count, F, Q, QuerySet, Value, When

from complaints.choices import OPEN_STATES, SLA_RUNNING_STATES, Clock, State
from complaints.models import Complaint, Escalation
from complaints.selectors import breached_q
from dashboards.aggregates import Percentile, sqlite_percentiles, supports_percentile_aggregate
from dashboards.filters import Scope
from dashboards.selectors.base import in_range, scoped

BREACHED, AT_RISK, PAUSED, ON_TRACK = "breached", "at_risk", "paused", "on_track"
SERVICE_STATUSES = (BREACHED, AT_RISK, PAUSED, ON_TRACK)
REGULATORY_STATUSES = (BREACHED, AT_RISK, ON_TRACK)
LIST_LIMIT = 20


def complaints(scope: Scope) -> QuerySet[Complaint]:
    return scoped(Complaint.objects.all(), scope)


def service_status_expr(now) -> Case:
    running = Q(state__in=SLA_RUNNING_STATES)
    fr = Q(first_responded_at__isnull=True)
    # the clock that runs: first response until answered, then resolution
    breached = (fr & breached_q(Clock.FIRST_RESPONSE, now)) | (~fr & breached_q(Clock.RESOLUTION, now))
    at_risk = running & ((fr & Q(first_response_warn_at__lte=now)) | (~fr & Q(resolution_warn_at__lte=now)))
    return Case(
        When(breached, then=Value(BREACHED)),
        When(state=State.WAITING_ON_BORROWER, then=Value(PAUSED)),
        When(at_risk, then=Value(AT_RISK)),
        default=Value(ON_TRACK),
        output_field=CharField(),
    )


def regulatory_status_expr(now) -> Case:
    return Case(
        When(breached_q(Clock.REGULATORY, now), then=Value(BREACHED)),
        When(regulatory_warn_at__lte=now, then=Value(AT_RISK)),
        default=Value(ON_TRACK),
        output_field=CharField(),
    )


def open_complaints(scope: Scope) -> QuerySet[Complaint]:
    return complaints(scope).filter(state__in=OPEN_STATES)


def open_breakdown(scope: Scope) -> dict:
    """Open complaints by state, by service-clock status and by regulatory-clock status (one query)."""
    rows = (
        open_complaints(scope)
        .annotate(svc=service_status_expr(scope.now), reg=regulatory_status_expr(scope.now))
        .order_by()
        .values("state", "svc", "reg")
        .annotate(n=Count("id"))
    )
    by_state = dict.fromkeys(OPEN_STATES, 0)
    by_svc = dict.fromkeys(SERVICE_STATUSES, 0)
    by_reg = dict.fromkeys(REGULATORY_STATUSES, 0)
    total = 0
    for row in rows:  # at most 4 × 4 × 3 grouped rows
        by_state[row["state"]] = by_state.get(row["state"], 0) + row["n"]
        by_svc[row["svc"]] += row["n"]
        by_reg[row["reg"]] += row["n"]
        total += row["n"]
    return {"total": total, "by_state": by_state, "service": by_svc, "regulatory": by_reg}


def clock_list(scope: Scope, status: str, *, limit: int = LIST_LIMIT) -> list[Complaint]:
    """Open complaints whose service or regulatory clock has `status` (breached / at_risk), nearest due first."""
    qs = (
        open_complaints(scope)
        .annotate(svc=service_status_expr(scope.now), reg=regulatory_status_expr(scope.now))
        .filter(Q(svc=status) | Q(reg=status))
        .annotate(
            service_due=Case(
                When(first_responded_at__isnull=True, then=F("first_response_due_at")), default=F("resolution_due_at")
            )
        )
        .select_related("branch", "owner", "assignee", "timers")
        .only(
            "id", "tracking_code", "state", "category", "priority", "complainant_name", "received_at",
            "first_response_due_at", "resolution_due_at", "regulatory_due_at", "timers__escalation_level", "first_responded_at",
            "branch__name", "branch__time_zone", "owner__username", "owner__display_name", "owner__first_name",
            "owner__last_name", "assignee__username", "assignee__display_name", "assignee__first_name", "assignee__last_name",
        )
        .order_by(F("regulatory_due_at").asc(nulls_last=True), "id")
    )
    return list(qs[:limit])


def sla_rates(scope: Scope) -> dict:
    """Within-SLA rates and median / 90th percentile (business minutes) over complaints received in range.

    First response counts complaints answered, or not answered but breached; within = answered without
    breach. Resolution likewise with the resolution clock.
    """
    qs = in_range(complaints(scope), scope, "received_at")
    fr_done = Q(minutes_to_first_response__isnull=False) | breached_q(Clock.FIRST_RESPONSE, scope.now)
    res_done = Q(minutes_to_resolution__isnull=False) | breached_q(Clock.RESOLUTION, scope.now)
    aggregates = {
        "received": Count("id"),
        "fr_total": Count("id", filter=fr_done),
        "fr_within": Count("id", filter=Q(minutes_to_first_response__isnull=False, first_response_breached=False)),
        "res_total": Count("id", filter=res_done),
        "res_within": Count("id", filter=Q(minutes_to_resolution__isnull=False, resolution_breached=False)),
        "reg_breached": Count("id", filter=breached_q(Clock.REGULATORY, scope.now)),
        "fr_avg": Avg("minutes_to_first_response"),
        "res_avg": Avg("minutes_to_resolution"),
    }
    if supports_percentile_aggregate():
        aggregates.update(
            fr_p50=Percentile("minutes_to_first_response", 0.5),
            fr_p90=Percentile("minutes_to_first_response", 0.9),
            res_p50=Percentile("minutes_to_resolution", 0.5),
            res_p90=Percentile("minutes_to_resolution", 0.9),
        )
        return qs.aggregate(**aggregates)
    out = qs.aggregate(**aggregates)
    fr = sqlite_percentiles(qs, "minutes_to_first_response", (0.5, 0.9))
    res = sqlite_percentiles(qs, "minutes_to_resolution", (0.5, 0.9))
    out.update(fr_p50=fr[0.5], fr_p90=fr[0.9], res_p50=res[0.5], res_p90=res[0.9])
    return out


def escalations(scope: Scope) -> QuerySet[Escalation]:
    return in_range(scoped(Escalation.objects.all(), scope, field="complaint__branch"), scope, "created_at")


def escalations_by_level(scope: Scope) -> list[dict]:
    rows = (
        escalations(scope).order_by().values("level")
        .annotate(total=Count("id"), unacknowledged=Count("id", filter=Q(acknowledged_at__isnull=True)))
        .order_by("level")
    )
    return list(rows)


def escalation_list(scope: Scope, *, limit: int = LIST_LIMIT) -> list[Escalation]:
    """Escalations raised in range plus every one still waiting for acknowledgement (whenever raised):
    unacknowledged first, then newest."""
    waiting = Q(acknowledged_at__isnull=True, ack_due_at__isnull=False)
    raised = Q(created_at__gte=scope.start, created_at__lt=scope.end)
    qs = (
        scoped(Escalation.objects.all(), scope, field="complaint__branch")
        .filter(waiting | raised)
        .select_related("complaint", "complaint__branch", "acknowledged_by")
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-created_at", "-id")
    )
    return list(qs[:limit])
