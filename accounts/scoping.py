"""The one queryset restriction every selector uses.

Staff see their own branch; HQ, compliance and admin see all branches; anonymous users see
nothing. `field` is the lookup path from the model to its Branch (e.g. "branch", "loan__branch").
"""

from django.db.models import QuerySet


def scope_to_user(qs: QuerySet, user, *, field: str = "branch") -> QuerySet:
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.sees_all_branches:
        return qs
    if not user.branch_id:
        return qs.none()
    return qs.filter(**{field: user.branch_id})


def branch_ids_visible_to(user) -> list[int] | None:
    """None means all branches."""
    if user.sees_all_branches:
        return None
    return [user.branch_id] if user.branch_id else []
