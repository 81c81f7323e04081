"""Base querysets of the dashboards: scoped by `accounts.scoping.scope_to_user` (supervisors: their
branch) and, for all-branch users, by the branch the filter names."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.scoping import scope_to_user
from dashboards.filters import Scope
from dashboards.permissions import can_view_dashboards


def scoped(qs: QuerySet, scope: Scope, *, field: str = "branch") -> QuerySet:
    if not can_view_dashboards(scope.user):
        return qs.none()
    qs = scope_to_user(qs, scope.user, field=field)
    if scope.branch_id:
        qs = qs.filter(**{field: scope.branch_id})
    return qs


def in_range(qs: QuerySet, scope: Scope, field: str) -> QuerySet:
    return qs.filter(**{f"{field}__gte": scope.start, f"{field}__lt": scope.end})


def user_name(row: dict, prefix: str) -> str:
    """Display name from `.values()` columns `<prefix>__display_name`, `__first_name`, `__last_name`, `__username`."""
    display = row.get(f"{prefix}__display_name") or ""
    if display:
        return display
    full = f"{row.get(f'{prefix}__first_name') or ''} {row.get(f'{prefix}__last_name') or ''}".strip()
    return full or row.get(f"{prefix}__username") or ""


def user_fields(prefix: str) -> list[str]:
    return [f"{prefix}_id", f"{prefix}__display_name", f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__username"]
