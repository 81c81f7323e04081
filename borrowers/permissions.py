"""Named predicates: who may do what with borrowers and loans. Used by pages and API alike.
The role part comes from the authorization matrix (accounts.authz.MATRIX)."""

from accounts.authz import allowed
from accounts.choices import Role

PII_ROLES = {Role.SUPERVISOR, Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN}
PAYMENT_INGEST_ROLES = {Role.ADMIN, Role.HQ}


def can_view_borrowers(user) -> bool:
    return allowed(user, "borrower.view")


def can_export_borrowers(user) -> bool:
    return allowed(user, "borrower.export")


def can_reveal_pii(user) -> bool:
    """Collectors must dial the number; supervisors and compliance review. Agents see it masked."""
    return allowed(user, "borrower.reveal_pii")


def can_record_payment(user) -> bool:
    return allowed(user, "payment.ingest")
