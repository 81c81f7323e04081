"""The authorization matrix: which role may take which action, in one table.

Pages, the API and services ask `allowed(user, action)` (directly, or through the named predicates
of each app's `permissions.py`, which consult this table for the role part and add the object part:
branch scope, ownership, four-eyes …).

`API_ACTIONS` maps every API endpoint (router basename × viewset action) to a matrix action. The API's
default permission class (`MatrixPermission`) enforces it, and `tests/api/test_authorization_matrix.py`
is generated from both tables: it calls every endpoint found in the URL resolver as every role, from
an in-branch and an out-of-branch user, so an endpoint without an entry here fails the suite.

An API call with a token restricted to some branches (accounts.ApiToken.branches) only sees those
branches; that is data scope (accounts.scoping), not a role, and is not part of this table.
"""

from __future__ import annotations

from accounts.choices import Role

AGENT, COLLECTOR, SUPERVISOR, HQ, COMPLIANCE, ADMIN = (
    Role.AGENT.value,
    Role.COLLECTOR.value,
    Role.SUPERVISOR.value,
    Role.HQ.value,
    Role.COMPLIANCE.value,
    Role.ADMIN.value,
)
ALL_ROLES = frozenset(Role.values)


def _roles(*roles: str) -> frozenset[str]:
    return frozenset(roles)


# role × action. Read it as: "action: the roles that may take it".
MATRIX: dict[str, frozenset[str]] = {
    # --- loan book (borrowers, loans, payments) ---------------------------------------------------
    "borrower.view": ALL_ROLES,
    # collectors must dial the number; supervisors and compliance review; agents see it masked
    "borrower.reveal_pii": _roles(COLLECTOR, SUPERVISOR, COMPLIANCE, ADMIN),
    "borrower.export": _roles(SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    "loan.view": ALL_ROLES,
    "payment.view": ALL_ROLES,
    # payments come from the core-banking integration (a service account with role hq or admin)
    "payment.ingest": _roles(HQ, ADMIN),
    # --- complaints -------------------------------------------------------------------------------
    # collectors do not see complaints: many are about collectors
    "complaint.view": _roles(AGENT, SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    "complaint.create": _roles(AGENT, SUPERVISOR, HQ, ADMIN),
    # classify, start, wait, resume, resolve, reject, merge, reply, reopen, record feedback, escalate
    "complaint.work": _roles(AGENT, SUPERVISOR, HQ, ADMIN),
    "complaint.note": _roles(AGENT, SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    # supervisors assign anyone; an agent may only take an unassigned complaint (object rule)
    "complaint.assign": _roles(AGENT, SUPERVISOR, HQ, ADMIN),
    "complaint.manage": _roles(SUPERVISOR, HQ, ADMIN),
    "complaint.extend_deadline": _roles(SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    "complaint.collection_hold": _roles(SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    "escalation.view": _roles(AGENT, SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    # the level decides further (level 1 supervisor, 2 HQ, 3 compliance) — object rule
    "escalation.acknowledge": _roles(SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    # --- collections ------------------------------------------------------------------------------
    "case.view": _roles(COLLECTOR, SUPERVISOR, HQ, COMPLIANCE, ADMIN),
    # log contacts, record promises, propose arrangements (collectors: own or unassigned cases)
    "case.work": _roles(COLLECTOR, SUPERVISOR, ADMIN),
    # escalate, legal, repossession, close, write off, assign, place with an agency
    "case.manage": _roles(SUPERVISOR, ADMIN),
    "case.hold": _roles(COLLECTOR, SUPERVISOR, COMPLIANCE, ADMIN),
    "case.release_hold": _roles(SUPERVISOR, COMPLIANCE, ADMIN),
    # four-eyes: a supervisor who did not propose it (object rule)
    "arrangement.decide": _roles(SUPERVISOR, ADMIN),
    # --- outbound messages ------------------------------------------------------------------------
    "message.view": ALL_ROLES,
    # --- dashboards -------------------------------------------------------------------------------
    "dashboard.view": _roles(SUPERVISOR, HQ, COMPLIANCE, ADMIN),
}

# API endpoint (router basename, viewset action) -> matrix action. `*` is the default for a basename.
API_ACTIONS: dict[str, dict[str, str]] = {
    "borrower": {"list": "borrower.view", "retrieve": "borrower.view", "reveal": "borrower.reveal_pii"},
    "loan": {"list": "loan.view", "retrieve": "loan.view"},
    "payment": {"list": "payment.view", "retrieve": "payment.view", "create": "payment.ingest"},
    "complaint": {
        "list": "complaint.view",
        "retrieve": "complaint.view",
        "timeline": "complaint.view",
        "escalations": "complaint.view",
        "create": "complaint.create",
        "classify": "complaint.work",
        "start": "complaint.work",
        "wait_on_borrower": "complaint.work",
        "resume": "complaint.work",
        "resolve": "complaint.work",
        "feedback": "complaint.work",
        "reopen": "complaint.work",
        "reject": "complaint.work",
        "merge": "complaint.work",
        "reply": "complaint.work",
        "escalate": "complaint.work",
        "assign": "complaint.assign",
        "note": "complaint.note",
        "extend_deadline": "complaint.extend_deadline",
        "collection_hold": "complaint.collection_hold",
    },
    "escalation": {"list": "escalation.view", "retrieve": "escalation.view", "acknowledge": "escalation.acknowledge"},
    "message": {"list": "message.view", "retrieve": "message.view"},
    "collection-case": {
        "list": "case.view",
        "retrieve": "case.view",
        "hold": "case.hold",
        "release": "case.release_hold",
        "escalate": "case.manage",
        "legal": "case.manage",
        "repossession": "case.manage",
        "close": "case.manage",
        "write_off": "case.manage",
        "sms": "case.work",
    },
    "collection-contact": {"list": "case.view", "retrieve": "case.view", "create": "case.work"},
    "collection-promise": {"list": "case.view", "retrieve": "case.view", "create": "case.work"},
    "collection-arrangement": {
        "list": "case.view",
        "retrieve": "case.view",
        "create": "case.work",
        "preview": "case.work",
        "approve": "arrangement.decide",
        "reject": "arrangement.decide",
    },
}


def role_of(user) -> str | None:
    """The user's role for the matrix; superusers count as admin; inactive/anonymous have none."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if user.is_superuser:
        return ADMIN
    return user.role


def allowed(user, action: str) -> bool:
    """May this user's role take `action`? Unknown actions are refused (fail closed)."""
    role = role_of(user)
    return role is not None and role in MATRIX.get(action, ())


def roles_for(action: str) -> frozenset[str]:
    return MATRIX[action]


def api_action(basename: str | None, action: str | None) -> str | None:
    """The matrix action guarding an API endpoint, or None when the endpoint is not in the table."""
    per_view = API_ACTIONS.get(basename or "", {})
    return per_view.get(action or "") or per_view.get("*")
