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


# --- tracking -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStatus:
    label: str
    explanation: str
    css: str
    open: bool


def public_complaint_lookup(*, tracking_code: str, mobile_last4: str):
    """The complaint for tracking code + last 4 digits of its contact mobile, else None (one answer
    for every failure, so the page cannot be used to learn which codes exist)."""
    from complaints.selectors import complaint_public_lookup

    return complaint_public_lookup(tracking_code=tracking_code, mobile_last4=mobile_last4)


def public_complaint_for_ack(*, complaint_id: int):
    """The complaint this browser just filed (its id is in the session), for the acknowledgement page."""
    from complaints.models import Complaint

    return Complaint.objects.select_related("branch").filter(pk=complaint_id).first()


def public_complaint_get(*, complaint_id: int, tracking_code: str):
    """A complaint this session already proved it may see (see views._verified_complaint)."""
    from complaints.models import Complaint

    return (
        Complaint.objects.select_related("branch", "borrower")
        .filter(pk=complaint_id, tracking_code=tracking_code)
        .first()
    )


def public_replies(*, complaint):
    """Only what was written for the borrower: never internal notes, assignments or escalations."""
    from complaints.selectors import complaint_public_timeline

    return complaint_public_timeline(complaint=complaint).only("id", "kind", "body", "created_at", "complaint_id")


def public_status(complaint) -> PublicStatus:
    from django.utils.translation import gettext as _

    from complaints.choices import State

    table = {
        State.INTAKE: (_("已收到，等待受理"), _("我们已收到您的投诉，会尽快安排专人处理。"), "", True),
        State.CLASSIFIED: (_("处理中"), _("您的投诉已分派给专人负责。"), "", True),
        State.IN_PROGRESS: (_("处理中"), _("我们正在核实情况，处理完成后会通知您。"), "", True),
        State.WAITING_ON_BORROWER: (
            _("等待您的回复"), _("我们需要您补充信息，请留意我们的电话或短信。"), "warn", True,
        ),
        State.RESOLVED: (_("已处理，请评价"), _("我们已处理您的投诉。请告诉我们您是否满意。"), "ok", False),
        State.CLOSED: (_("已结案"), _("本次投诉已结案。感谢您的反馈。"), "ok", False),
        State.REJECTED: (_("未受理"), _("本次提交未被受理。如有疑问，请拨打客服热线。"), "bad", False),
        State.MERGED: (
            _("已合并处理"), _("这条投诉与您的另一条投诉内容相同，我们会一并处理并答复您。"), "", False,
        ),
    }
    label, explanation, css, is_open = table.get(complaint.state, (complaint.get_state_display(), "", "", False))
    return PublicStatus(label=label, explanation=explanation, css=css, open=is_open)


def public_event_label(kind: str) -> str:
    """Timeline kinds in the borrower's words (the staff labels say "答复客户" and the like)."""
    from django.utils.translation import gettext as _

    labels = {
        "created": _("已受理"),
        "reply": _("客服答复"),
        "waiting_on_borrower": _("需要您补充信息"),
        "resolved": _("处理结果"),
        "feedback": _("您的评价"),
        "reopened": _("您申请重新处理"),
        "auto_closed": _("已结案"),
        "rejected": _("未受理"),
        "merged": _("已合并处理"),
        "deadline_extended": _("答复期限延长"),
    }
    return labels.get(kind, _("进展"))


def public_category_label(category: str) -> str:
    from complaints.public.categories import PUBLIC_CHOICES

    return str(dict(PUBLIC_CHOICES).get(category, ""))


# --- staff ----------------------------------------------------------------------------------------


def attachment_list(*, user):
    """Attachments of the complaints `user` may see (branch-scoped like every staff read)."""
    from accounts.scoping import scope_to_user
    from complaints.models import ComplaintAttachment

    return scope_to_user(
        ComplaintAttachment.objects.select_related("complaint", "complaint__branch"), user, field="complaint__branch"
    )
