"""Borrower 360 (借款人全景) beside a complaint: profile, loans, recent payments, other complaints and
the collection case. A constant number of queries whatever the borrower's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from borrowers import selectors as borrower_selectors
from borrowers.models import Borrower, Loan
from borrowers.permissions import can_reveal_pii

RECENT_PAYMENTS = 5
OTHER_COMPLAINTS = 8


def _case_summary_selector():
    """The collections app's read, when that app provides it (it ships separately)."""
    try:
        from debt_collection.selectors import case_summary_for_borrower
    except ImportError:
        return None
    return case_summary_for_borrower


@dataclass
class CaseSummary:
    cases: list
    last_contacts: list


LAST_CONTACTS = 5


def collection_summary(*, user, borrower: Borrower) -> tuple[bool, Any]:
    """(collections available, the borrower's cases and last contacts or None).

    Uses the collections app's own selector when it has one (`case_summary_for_borrower`), else reads
    its models directly, scoped like every other read. Contacts show channel, outcome, time and who
    — never the collector's notes."""
    provided = _case_summary_selector()
    if provided is not None:
        return True, provided(user=user, borrower=borrower)
    try:
        from debt_collection.models import CollectionCase, ContactAttempt
    except ImportError:
        return False, None
    from accounts.scoping import scope_to_user

    cases = list(
        scope_to_user(CollectionCase.objects.filter(borrower=borrower), user)
        .select_related("loan", "assigned_to")
        .order_by("-opened_at", "-id")[:3]
    )
    if not cases:
        return True, None
    contacts = list(
        scope_to_user(ContactAttempt.objects.filter(borrower=borrower), user)
        .select_related("created_by")
        .only("id", "channel", "outcome", "occurred_at", "branch_id", "borrower_id", "created_by__username",
              "created_by__display_name", "created_by__first_name", "created_by__last_name")
        .order_by("-occurred_at", "-id")[:LAST_CONTACTS]
    )
    return True, CaseSummary(cases=cases, last_contacts=contacts)


@dataclass
class Borrower360:
    borrower: Borrower
    loans: list[Loan]
    payments: list[Any]
    other_complaints: list[Any]
    can_reveal: bool
    collections_available: bool = False
    case: Any = None
    extra: dict = field(default_factory=dict)


def borrower_360(*, user, borrower: Borrower, exclude_complaint_id: int | None = None) -> Borrower360:
    """`borrower` must already come from a scoped selector (the complaint's own borrower)."""
    from complaints.workspace.selectors import complaints_for_borrower

    loans = list(borrower_selectors.loan_list(user=user, borrower=borrower).select_related(None).only(
        "id", "contract_number", "plate", "vehicle", "status", "days_past_due", "bucket", "amount_overdue",
        "mortgage_status", "principal", "borrower_id", "branch_id",
    ))
    payments = list(
        borrower_selectors.payment_list(user=user, borrower=borrower)
        .select_related(None)
        .select_related("loan")
        .only("id", "amount", "paid_at", "channel", "loan__contract_number")[:RECENT_PAYMENTS]
    )
    others = list(complaints_for_borrower(user=user, borrower=borrower, exclude_id=exclude_complaint_id)[:OTHER_COMPLAINTS])
    available, case = collection_summary(user=user, borrower=borrower)
    return Borrower360(
        borrower=borrower,
        loans=loans,
        payments=payments,
        other_complaints=others,
        can_reveal=can_reveal_pii(user),
        collections_available=available,
        case=case,
    )


__all__ = ["Borrower360", "borrower_360"]
