"""Compliance figures: contacts the guard blocked (by rule, by collector) and collection-conduct
complaints per 1,000 cases (by branch, by agency).

Per 1,000 cases: conduct complaints **received** in the range ÷ cases **active** at some point in the
range (opened before its end, not closed before its start) × 1,000. A complaint is attributed to the
agency (or the in-house team, no agency) of the latest case on its loan opened before it was received.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery

from complaints.choices import Category
from complaints.models import Complaint
from dashboards.filters import Scope
from dashboards.selectors.base import in_range, scoped, user_fields
from debt_collection.models import BlockedContact, CollectionCase


def blocked(scope: Scope):
    return in_range(scoped(BlockedContact.objects.all(), scope), scope, "at")


def blocked_by_rule(scope: Scope) -> list[dict]:
    return list(
        blocked(scope).order_by().values("rule")
        .annotate(n=Count("id"), borrowers=Count("borrower", distinct=True)).order_by("-n", "rule")
    )


def blocked_by_collector(scope: Scope, *, limit: int = 30) -> list[dict]:
    return list(
        blocked(scope).order_by().values(*user_fields("actor"))
        .annotate(n=Count("id"), borrowers=Count("borrower", distinct=True))
        .order_by("-n", "actor_id")[:limit]
    )


def active_cases(scope: Scope):
    return scoped(CollectionCase.objects.all(), scope).filter(opened_at__lt=scope.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=scope.start)
    )


def conduct_complaints(scope: Scope):
    return in_range(scoped(Complaint.objects.all(), scope), scope, "received_at").filter(
        category=Category.COLLECTION_CONDUCT
    )


def active_cases_by_branch_and_agency(scope: Scope) -> list[dict]:
    """Cases active in the range, counted per (branch, agency) in one scan: both per-1,000 tables
    are sums of these few grouped rows."""
    return list(
        active_cases(scope).order_by()
        .values("branch_id", "branch__name", "agency_id", "agency__name").annotate(n=Count("id"))
    )


def _sum_by(rows: list[dict], key: str, name_key: str) -> dict:
    out: dict = {}
    for r in rows:  # grouped rows: branches × agencies
        entry = out.setdefault(r[key], {"n": 0, name_key: r[name_key]})
        entry["n"] += r["n"]
    return out


def conduct_by_branch(scope: Scope, *, active: list[dict] | None = None) -> list[dict]:
    active = active_cases_by_branch_and_agency(scope) if active is None else active
    complaints = {
        r["branch_id"]: r
        for r in conduct_complaints(scope).order_by().values("branch_id", "branch__name").annotate(n=Count("id"))
    }
    return _merge(complaints, _sum_by(active, "branch_id", "branch__name"), name_key="branch__name")


def conduct_by_agency(scope: Scope, *, active: list[dict] | None = None) -> list[dict]:
    active = active_cases_by_branch_and_agency(scope) if active is None else active
    latest_case = CollectionCase.objects.filter(loan=OuterRef("loan"), opened_at__lte=OuterRef("received_at")).order_by(
        "-opened_at", "-id"
    )
    complaints = {
        r["agency_id"]: r
        for r in conduct_complaints(scope).filter(loan__isnull=False)
        .annotate(
            agency_id=Subquery(latest_case.values("agency_id")[:1]),
            agency_name=Subquery(latest_case.values("agency__name")[:1]),
            has_case=Subquery(latest_case.values("id")[:1]),
        )
        .filter(has_case__isnull=False)
        .order_by().values("agency_id", "agency_name").annotate(n=Count("id"))
    }
    cases = {k: {**v, "agency_name": v["agency__name"]} for k, v in _sum_by(active, "agency_id", "agency__name").items()}
    return _merge(complaints, cases, name_key="agency_name")


def _merge(complaints: dict, cases: dict, *, name_key: str) -> list[dict]:
    out = []
    for key in set(complaints) | set(cases):  # grouped rows: one per branch / agency
        c, k = complaints.get(key, {}), cases.get(key, {})
        n_complaints, n_cases = c.get("n", 0), k.get("n", 0)
        out.append({
            "id": key,
            "name": c.get(name_key) or k.get(name_key) or "",
            "complaints": n_complaints,
            "cases": n_cases,
            "per_1000": (1000.0 * n_complaints / n_cases) if n_cases else None,
        })
    out.sort(key=lambda r: (-(r["per_1000"] or 0), -r["complaints"], r["name"]))
    return out
