"""Service-quality figures: CSAT, reopen rate, category and root-cause trends, agent leaderboard.

Cohorts: CSAT, reopen rate, category trend and the leaderboard take complaints **received** in the
range; root causes are set at resolution, so root-cause figures take complaints **resolved** in the
range (this month vs last: calendar months of the range's end date).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncWeek

from dashboards.filters import Scope
from dashboards.selectors.base import in_range, user_fields
from dashboards.selectors.sla import complaints

CSAT_SCORES = (1, 2, 3, 4, 5)
LEADERBOARD_SIZE = 20


def _csat_aggregates() -> dict:
    out = {"n": Count("id"), "avg": Avg("csat")}
    for score in CSAT_SCORES:
        out[f"c{score}"] = Count("id", filter=Q(csat=score))
    return out


def _rated(scope: Scope):
    return in_range(complaints(scope), scope, "received_at").filter(csat__isnull=False)


def csat_overall_and_reopen(scope: Scope) -> dict:
    """CSAT average/distribution over rated complaints received in range, and the reopen rate: complaints
    reopened at least once ÷ complaints resolved at least once (received in range)."""
    qs = in_range(complaints(scope), scope, "received_at")
    rated = Q(csat__isnull=False)
    aggs = {
        "n": Count("id", filter=rated),
        "avg": Avg("csat"),
        "resolved_ever": Count("id", filter=Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
    }
    for score in CSAT_SCORES:
        aggs[f"c{score}"] = Count("id", filter=Q(csat=score))
    return qs.aggregate(**aggs)


def csat_by(scope: Scope, dimension: str) -> list[dict]:
    """dimension: "owner" (first-contact owner, 首问负责人), "category" or "branch"."""
    fields = {
        "owner": user_fields("owner"),
        "category": ["category"],
        "branch": ["branch_id", "branch__name"],
    }[dimension]
    return list(_rated(scope).order_by().values(*fields).annotate(**_csat_aggregates()).order_by("-n", fields[0])[:50])


def weekly_trend(scope: Scope, *, by: str) -> list[dict]:
    """Complaints per week: by="category" (received in range) or by="root_cause" (resolved in range)."""
    date_field = "received_at" if by == "category" else "resolved_at"
    qs = in_range(complaints(scope), scope, date_field)
    if by == "root_cause":
        qs = qs.exclude(root_cause="")
    return list(
        qs.annotate(week=TruncWeek(date_field, tzinfo=scope.tz)).order_by()
        .values("week", by).annotate(n=Count("id")).order_by("week", by)
    )


def month_bounds(day: date, tz) -> tuple[datetime, datetime, datetime]:
    """(start of last month, start of this month, start of next month) around `day`."""
    this = date(day.year, day.month, 1)
    last = date(this.year - 1, 12, 1) if this.month == 1 else date(this.year, this.month - 1, 1)
    nxt = date(this.year + 1, 1, 1) if this.month == 12 else date(this.year, this.month + 1, 1)
    return tuple(datetime.combine(d, time.min, tzinfo=tz) for d in (last, this, nxt))


def root_causes_month_vs_last(scope: Scope) -> list[dict]:
    last, this, nxt = month_bounds(scope.end_date, scope.tz)
    return list(
        complaints(scope).filter(resolved_at__gte=last, resolved_at__lt=nxt).exclude(root_cause="")
        .order_by().values("root_cause")
        .annotate(
            this_month=Count("id", filter=Q(resolved_at__gte=this)),
            last_month=Count("id", filter=Q(resolved_at__lt=this)),
        )
        .order_by("-this_month", "-last_month", "root_cause")
    )


def agent_leaderboard(scope: Scope, *, limit: int = LEADERBOARD_SIZE) -> list[dict]:
    """Per first-contact owner over complaints received in range: answered count, average business
    minutes to first response (fastest first: the "fastest response award"), CSAT and resolved count."""
    return list(
        in_range(complaints(scope), scope, "received_at").filter(owner__isnull=False)
        .order_by().values(*user_fields("owner"))
        .annotate(
            handled=Count("id"),
            answered=Count("id", filter=Q(minutes_to_first_response__isnull=False)),
            fr_avg=Avg("minutes_to_first_response"),
            fr_within=Count("id", filter=Q(minutes_to_first_response__isnull=False, first_response_breached=False)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            csat_avg=Avg("csat"),
            csat_n=Count("id", filter=Q(csat__isnull=False)),
        )
        .filter(answered__gt=0)
        .order_by(F("fr_avg").asc(nulls_last=True), "-resolved", "owner_id")[:limit]
    )
