"""Who may open the dashboards: supervisors (their branch), HQ, compliance and admins (every branch)."""

from accounts.choices import Role

DASHBOARD_ROLES = {Role.SUPERVISOR, Role.HQ, Role.COMPLIANCE, Role.ADMIN}


def can_view_dashboards(user) -> bool:
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_active
        and user.has_role(*DASHBOARD_ROLES)
    )
