"""Named predicates: who may do what with complaints. Used by pages, the API and the services alike.

Roles (accounts.choices.Role): agents work complaints of their branch; supervisors also assign,
extend deadlines, request collection holds and acknowledge level-1 escalations; HQ sees and works every
branch (level 2); compliance sees every branch, adds notes, extends deadlines and acknowledges level 3.
Collectors do not see complaints: many are about collectors.
"""

from accounts.choices import Role

VIEW_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.HQ, Role.COMPLIANCE, Role.ADMIN}
WORK_ROLES = {Role.AGENT, Role.SUPERVISOR, Role.HQ, Role.ADMIN}
MANAGE_ROLES = {Role.SUPERVISOR, Role.HQ, Role.ADMIN}
EXTEND_ROLES = {Role.SUPERVISOR, Role.HQ, Role.COMPLIANCE, Role.ADMIN}
HOLD_ROLES = {Role.SUPERVISOR, Role.HQ, Role.COMPLIANCE, Role.ADMIN}
# who may acknowledge an escalation of each level (besides its named recipients)
ACK_ROLES_BY_LEVEL = {
    1: {Role.SUPERVISOR, Role.HQ, Role.COMPLIANCE, Role.ADMIN},
    2: {Role.HQ, Role.COMPLIANCE, Role.ADMIN},
    3: {Role.COMPLIANCE, Role.ADMIN},
}


def _staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _in_scope(user, complaint) -> bool:
    if user.sees_all_branches:
        return True
    return bool(user.branch_id) and user.branch_id == complaint.branch_id


def can_view_complaints(user) -> bool:
    return _staff(user) and user.has_role(*VIEW_ROLES)


def can_view(user, complaint) -> bool:
    return can_view_complaints(user) and _in_scope(user, complaint)


def can_create(user) -> bool:
    """Staff recording a complaint received by phone, walk-in, regulator referral …"""
    return _staff(user) and user.has_role(*WORK_ROLES)


def can_work(user, complaint) -> bool:
    return _staff(user) and user.has_role(*WORK_ROLES) and _in_scope(user, complaint)


def can_classify(user, complaint) -> bool:
    return can_work(user, complaint)


def can_resolve(user, complaint) -> bool:
    return can_work(user, complaint)


def can_reject(user, complaint) -> bool:
    return can_work(user, complaint)


def can_merge(user, complaint) -> bool:
    return can_work(user, complaint)


def can_reply(user, complaint) -> bool:
    return can_work(user, complaint)


def can_reopen(user, complaint) -> bool:
    return can_work(user, complaint)


def can_record_feedback(user, complaint) -> bool:
    """Staff record feedback given by phone; the borrower gives it on the tracking page (no user)."""
    return can_work(user, complaint)


def can_add_note(user, complaint) -> bool:
    return can_view(user, complaint)


def can_assign(user, complaint, assignee=None) -> bool:
    """Supervisors and HQ assign anyone; an agent may take an unassigned complaint for themself."""
    if not can_work(user, complaint):
        return False
    if user.has_role(*MANAGE_ROLES):
        return True
    return assignee is not None and assignee.pk == user.pk and complaint.assignee_id in (None, user.pk)


def can_extend_deadline(user, complaint) -> bool:
    return _staff(user) and user.has_role(*EXTEND_ROLES) and _in_scope(user, complaint)


def can_request_collection_hold(user, complaint) -> bool:
    return _staff(user) and user.has_role(*HOLD_ROLES) and _in_scope(user, complaint)


def can_view_attachments(user, complaint) -> bool:
    return can_view(user, complaint)


def can_acknowledge_escalation(user, escalation) -> bool:
    if not (_staff(user) and _in_scope(user, escalation.complaint)):
        return False
    if any(r.get("id") == user.pk for r in escalation.recipients or []):
        return True
    return user.has_role(*ACK_ROLES_BY_LEVEL.get(escalation.level, {Role.ADMIN}))


# django-fsm `permission=` callables: (instance, user) -> bool
def fsm_can_classify(instance, user) -> bool:
    return can_classify(user, instance)


def fsm_can_work(instance, user) -> bool:
    return can_work(user, instance)


def fsm_can_resolve(instance, user) -> bool:
    return can_resolve(user, instance)


def fsm_can_reject(instance, user) -> bool:
    return can_reject(user, instance)


def fsm_can_merge(instance, user) -> bool:
    return can_merge(user, instance)
