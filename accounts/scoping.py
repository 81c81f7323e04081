"""The one queryset restriction every selector uses.

Staff see their own branch; HQ, compliance and admin see all branches; anonymous users see
nothing. `field` is the lookup path from the model to its Branch (e.g. "branch", "loan__branch").
An API request made with a token narrowed to some branches (`ApiToken.branches`; the authentication
sets `user.token_branch_ids`) sees only the intersection.
"""

from django.db.models import QuerySet


def scope_to_user(qs: QuerySet, user, *, field: str = "branch") -> QuerySet:
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    token_branch_ids = getattr(user, "token_branch_ids", None)
    if token_branch_ids is not None:
        qs = qs.filter(**{f"{field}__in": sorted(token_branch_ids)})
    if user.sees_all_branches:
        return qs
    if not user.branch_id:
        return qs.none()
    return qs.filter(**{field: user.branch_id})


def branch_ids_visible_to(user) -> list[int] | None:
    """None means all branches."""
    token_branch_ids = getattr(user, "token_branch_ids", None)
    if user.sees_all_branches:
        return None if token_branch_ids is None else sorted(token_branch_ids)
    own = [user.branch_id] if user.branch_id else []
    return own if token_branch_ids is None else [b for b in own if b in token_branch_ids]
