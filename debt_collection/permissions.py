"""Named predicates: who may do what with collection cases. Used by pages, API and services alike."""

from accounts.choices import Role

WORK_ROLES = {Role.COLLECTOR, Role.SUPERVISOR, Role.ADMIN}
VIEW_ROLES = {Role.COLLECTOR, Role.SUPERVISOR, Role.HQ, Role.COMPLIANCE, Role.ADMIN}
MANAGE_ROLES = {Role.SUPERVISOR, Role.ADMIN}
APPROVER_ROLES = {Role.SUPERVISOR, Role.ADMIN}


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


def agency_of(user):
    """The external agency the user works for, or None for the company's own staff."""
    if not _authenticated(user):
        return None
    if not hasattr(user, "_dc_agency"):
        from debt_collection.models import CollectorOrganisation

        user._dc_agency = CollectorOrganisation.objects.filter(
            members__user=user, kind="agency"
        ).first()
    return user._dc_agency


def can_view_cases(user) -> bool:
    return _authenticated(user) and user.has_role(*VIEW_ROLES)


def _in_scope(user, case) -> bool:
    if user.sees_all_branches:
        return True
    if case.branch_id != user.branch_id:
        return False
    agency = agency_of(user)
    return agency is None or case.agency_id == agency.pk


def can_view_case(user, case) -> bool:
    return can_view_cases(user) and _in_scope(user, case)


def can_work_case(user, case) -> bool:
    """Log contacts, record promises, propose arrangements."""
    if not (_authenticated(user) and user.has_role(*WORK_ROLES) and _in_scope(user, case)):
        return False
    if user.role == Role.COLLECTOR and not user.is_superuser:
        # a collector works the cases assigned to him, or any unassigned case of his branch/agency
        return case.assigned_to_id in (None, user.pk)
    return True


def can_manage_case(user, case) -> bool:
    """Escalate to field visit, legal, repossession; close; write off; assign; place with an agency."""
    return _authenticated(user) and user.has_role(*MANAGE_ROLES) and agency_of(user) is None and _in_scope(user, case)


def can_hold_case(user, case) -> bool:
    """Anyone working the case may stop collection for a dispute or hardship."""
    return can_work_case(user, case) or can_manage_case(user, case) or (
        _authenticated(user) and user.has_role(Role.COMPLIANCE)
    )


def can_release_hold(user, case) -> bool:
    return (can_manage_case(user, case) or (_authenticated(user) and user.has_role(Role.COMPLIANCE))) and _in_scope(
        user, case
    )


def can_decide_arrangement(user, arrangement) -> bool:
    """Four-eyes: a supervisor of the case's branch who did not propose it."""
    return (
        _authenticated(user)
        and user.has_role(*APPROVER_ROLES)
        and agency_of(user) is None
        and _in_scope(user, arrangement.case)
        and arrangement.proposed_by_id != user.pk
    )


def can_view_recording(user, contact) -> bool:
    return contact.case is not None and can_view_case(user, contact.case)
