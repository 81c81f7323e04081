"""Named predicates: who may do what with borrowers and loans. Used by pages and API alike."""

from accounts.choices import Role

PII_ROLES = {Role.SUPERVISOR, Role.COLLECTOR, Role.COMPLIANCE, Role.ADMIN}
PAYMENT_INGEST_ROLES = {Role.ADMIN, Role.HQ}


def can_view_borrowers(user) -> bool:
    return bool(user and user.is_authenticated)


def can_reveal_pii(user) -> bool:
    """Collectors must dial the number; supervisors and compliance review. Agents see it masked."""
    return bool(user and user.is_authenticated and user.has_role(*PII_ROLES))


def can_record_payment(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*PAYMENT_INGEST_ROLES))
