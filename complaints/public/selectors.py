"""Reads for the public pages. There is no staff user here, so nothing is scoped by branch: instead
every read is keyed by what the borrower proved (mobile + contract/plate, or tracking code + last 4
digits), and nothing read here is shown to them unless that proof holds."""

from __future__ import annotations

from dataclasses import dataclass

from borrowers.models import Borrower, Loan
from complaints.public.forms import normalize_reference


@dataclass(frozen=True)
class LoanMatch:
    borrower: Borrower | None = None
    loan: Loan | None = None

    @property
    def matched(self) -> bool:
        return self.loan is not None


def public_match_loan(*, mobile: str, reference: str) -> LoanMatch:
    """The borrower and loan when the mobile number AND the contract number or plate agree.

    Both must match one loan of one borrower; a mobile alone, or a plate alone, matches nothing (a
    stranger who knows one of them must not attach a complaint to someone's file). Ambiguous matches
    (two loans) are left unmatched for an agent to sort out.
    """
    reference = normalize_reference(reference)
    if not mobile or not reference:
        return LoanMatch()
    candidates = list(
        Loan.objects.select_related("borrower", "branch")
        .filter(borrower__mobile=mobile)[:50]  # indexed column only
    )
    hits = [
        loan
        for loan in candidates
        if reference in {normalize_reference(loan.contract_number), normalize_reference(loan.plate)} - {""}
    ]
    if len(hits) != 1:
        return LoanMatch()
    loan = hits[0]
    return LoanMatch(borrower=loan.borrower, loan=loan)
