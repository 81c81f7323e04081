"""Service-quality figures: CSAT, reopen rate, category and root-cause trends, agent leaderboard.

Cohorts: CSAT, reopen rate, category trend and the leaderboard take complaints **received** in the
range; root causes are set at resolution, so root-cause figures take complaints **resolved** in the
range (this month vs last: calendar months of the range's end date).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek

from dashboards.filters import Scope
from dashboards.selectors.base import in_range, user_fields
from dashboards.selectors.sla import complaints

CSAT_SCORES = (1, 2, 3, 4, 5)
LEADERBOARD_SIZE = 20


def cohort_groups(scope: Scope) -> list[dict]:
    """Complaints received in range, aggregated once per (owner, category, branch): CSAT, reopen and
    leaderboard figures are sums of these grouped rows (one scan of the range instead of one per
    table). At most owners × categories rows come back, never complaints."""
    rated = Q(csat__isnull=False)
    aggs = {
        "received": Count("id"),
        "rated": Count("id", filter=rated),
        "csat_sum": Sum("csat"),
        "resolved_ever": Count("id", filter=Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "answered": Count("id", filter=Q(minutes_to_first_response__isnull=False)),
        "fr_sum": Sum("minutes_to_first_response"),
        "fr_within": Count("id", filter=Q(minutes_to_first_response__isnull=False, first_response_breached=False)),
        "resolved": Count("id", filter=Q(resolved_at__isnull=False)),
    }
    for score in CSAT_SCORES:
        aggs[f"c{score}"] = Count("id", filter=Q(csat=score))
    rows = list(
        in_range(complaints(scope), scope, "received_at").order_by()
        .values("category", "branch_id", "owner_id").annotate(**aggs)
    )
    # names for the few owners and branches found (two small look-ups instead of joins in the scan)
    from accounts.models import Branch, User

    owner_ids = {r["owner_id"] for r in rows if r["owner_id"]}
    users = {u["id"]: u for u in User.objects.filter(pk__in=owner_ids).values(
        "id", "display_name", "first_name", "last_name", "username")}
    branches = dict(Branch.objects.filter(pk__in={r["branch_id"] for r in rows}).values_list("id", "name"))
    for r in rows:
        u = users.get(r["owner_id"], {})
        for field in ("display_name", "first_name", "last_name", "username"):
            r[f"owner__{field}"] = u.get(field, "")
        r["branch__name"] = branches.get(r["branch_id"], "")
    return rows


_SUMMED = ("received", "rated", "csat_sum", "resolved_ever", "reopened", "answered", "fr_sum", "fr_within", "resolved",
           *(f"c{s}" for s in CSAT_SCORES))


def _sum_groups(groups: list[dict], keys: tuple[str, ...]) -> list[dict]:
    out: dict = {}
    for g in groups:  # grouped rows, not complaints
        key = tuple(g[k] for k in keys)
        entry = out.get(key)
        if entry is None:
            entry = out[key] = {k: g[k] for k in keys} | dict.fromkeys(_SUMMED, 0)
            names = {"owner_id": user_fields("owner")[1:], "branch_id": ["branch__name"]}
            for k in keys:
                entry.update({name: g[name] for name in names.get(k, [])})
        for k in _SUMMED:
            entry[k] += g[k] or 0
    for entry in out.values():
        entry["n"] = entry["rated"]
        entry["avg"] = entry["csat_sum"] / entry["rated"] if entry["rated"] else None
    return list(out.values())


def csat_overall_and_reopen(scope: Scope, *, groups: list[dict] | None = None) -> dict:
    """CSAT average/distribution over rated complaints received in range, and the reopen rate: complaints
    reopened at least once ÷ complaints resolved at least once (received in range)."""
    groups = cohort_groups(scope) if groups is None else groups
    total = _sum_groups(groups, ()) or [dict.fromkeys(_SUMMED, 0) | {"n": 0, "avg": None}]
    return total[0]


def csat_by(scope: Scope, dimension: str, *, groups: list[dict] | None = None) -> list[dict]:
    """dimension: "owner" (first-contact owner, 首问负责人), "category" or "branch"."""
    groups = cohort_groups(scope) if groups is None else groups
    key = {"owner": "owner_id", "category": "category", "branch": "branch_id"}[dimension]
    rows = [r for r in _sum_groups(groups, (key,)) if r["rated"]]
    rows.sort(key=lambda r: (-r["n"], str(r[key])))
    return rows[:50]


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


def agent_leaderboard(scope: Scope, *, limit: int = LEADERBOARD_SIZE, groups: list[dict] | None = None) -> list[dict]:
    """Per first-contact owner over complaints received in range: answered count, average business
    minutes to first response (fastest first: the "fastest response award"), CSAT and resolved count."""
    groups = cohort_groups(scope) if groups is None else groups
    rows = [r for r in _sum_groups(groups, ("owner_id",)) if r["owner_id"] is not None and r["answered"]]
    for r in rows:
        r["handled"] = r["received"]
        r["fr_avg"] = r["fr_sum"] / r["answered"]
        r["csat_avg"] = r["avg"]
        r["csat_n"] = r["rated"]
    rows.sort(key=lambda r: (r["fr_avg"], -r["resolved"], r["owner_id"]))
    return rows[:limit]
