"""A small book shared by the API tests: every role in a branch (SH) and the same roles in another
branch (BJ), and one record of every kind the API serves, in SH."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.authz import ALL_ROLES
from accounts.choices import ALL_BRANCH_ROLES
from accounts.models import ApiToken
from tests.factories import BorrowerFactory, EmergencyContactFactory, UserFactory, make_loan

BRANCH_ROLES = sorted(r for r in ALL_ROLES if r not in {str(x) for x in ALL_BRANCH_ROLES})
GLOBAL_ROLES = sorted(str(x) for x in ALL_BRANCH_ROLES)
ROLES = sorted(ALL_ROLES)

# phone numbers and IDs that must never appear whole in a response (the PII scan looks for them)
MOBILE = "13912345678"
NATIONAL_ID = "11010119900307803X"
ADDRESS = "上海市浦东新区世纪大道100号3栋1201室"


@dataclass
class World:
    branch: object
    other_branch: object
    hq_branch: object
    users: dict = field(default_factory=dict)  # role -> user in SH (or HQ for all-branch roles)
    outsiders: dict = field(default_factory=dict)  # role -> user who must not see SH's records
    objects: dict = field(default_factory=dict)  # basename -> pk in SH
    tokens: dict = field(default_factory=dict)  # role -> raw token key (in-scope)
    outsider_tokens: dict = field(default_factory=dict)  # role -> raw token key (out of scope)


def _user(name, role, branch):
    u = UserFactory(username=name, role=role, branch=branch, password=None)  # no hashing: fast
    if role == "admin":
        u.is_staff = u.is_superuser = True
        u.save()
    return u


def build_world(branch, other_branch, hq_branch) -> World:
    from borrowers import services as loan_services
    from complaints import services as complaint_services
    from complaints.escalations import escalation_raise
    from notifications.models import OutboundMessage

    w = World(branch=branch, other_branch=other_branch, hq_branch=hq_branch)
    for role in ROLES:
        home = hq_branch if role in GLOBAL_ROLES else branch
        w.users[role] = _user(f"in_{role}", role, home)
        if role in GLOBAL_ROLES:
            # an all-branch role is kept out of SH by an integration token narrowed to BJ
            w.outsiders[role] = _user(f"out_{role}", role, hq_branch)
            _t, w.outsider_tokens[role] = ApiToken.issue(user=w.outsiders[role], name=f"bj-{role}", branches=[other_branch])
        else:
            w.outsiders[role] = _user(f"out_{role}", role, other_branch)
            _t, w.outsider_tokens[role] = ApiToken.issue(user=w.outsiders[role], name=f"bj-{role}")
        _t, w.tokens[role] = ApiToken.issue(user=w.users[role], name=f"in-{role}")

    borrower = BorrowerFactory(branch=branch, mobile=MOBILE, national_id=NATIONAL_ID, address=ADDRESS, name="王小明")
    EmergencyContactFactory(borrower=borrower, phone="13700001111")
    loan = make_loan(borrower=borrower, contract_number="HT-MATRIX-1", start_date=timezone.localdate() - timedelta(days=200))
    payment, _ = loan_services.payment_record(
        loan=loan, amount=Decimal("100.00"), paid_at=timezone.now() - timedelta(days=1), external_ref="MATRIX-PAY-1"
    )
    complaint = complaint_services.complaint_create(
        complainant_name="王小明", complainant_mobile=MOBILE, description="多收了手续费", branch=branch,
        borrower=borrower, loan=loan, channel="phone", send_acknowledgement=False, actor=w.users["supervisor"],
    )
    escalated = complaint_services.complaint_create(
        complainant_name="王小明", complainant_mobile=MOBILE, description="客户经理不回电话", branch=branch,
        borrower=borrower, channel="phone", send_acknowledgement=False, actor=w.users["supervisor"],
    )
    escalation = escalation_raise(complaint=escalated, note="客户多次来电", actor=w.users["supervisor"])
    message = OutboundMessage.objects.create(
        channel="sms", to=MOBILE, borrower=borrower, body="您的还款日为本月15日。", title="",
    )
    w.objects.update(
        borrower=borrower.pk, loan=loan.pk, payment=payment.pk, complaint=complaint.pk,
        escalation=escalation.pk, message=message.pk,
    )
    _collections(w, borrower, loan)
    w.objects["_complaint_escalated"] = escalated.pk
    return w


@pytest.fixture
def world(db, branch, other_branch, hq_branch):
    return build_world(branch, other_branch, hq_branch)


def _collections(w: World, borrower, loan):
    """A case on the loan (unassigned, so any collector of SH may work it), a logged call, a promise
    and an arrangement proposed by the collector (so the supervisor may decide it: four-eyes)."""
    from debt_collection.models import CollectionCase, ContactAttempt, PromiseToPay, RepaymentArrangement

    case = CollectionCase.objects.create(
        loan=loan, borrower=borrower, branch=loan.branch, bucket="M1", days_past_due=20, amount_due=Decimal("3000.00")
    )
    contact = ContactAttempt.objects.create(
        case=case, borrower=borrower, loan=loan, branch=loan.branch, channel="call", outcome="no_answer",
        phone_number=MOBILE, created_by=w.users["collector"],
    )
    promise = PromiseToPay.objects.create(
        case=case, loan=loan, amount=Decimal("500.00"), promised_date=timezone.localdate() + timedelta(days=5),
        created_by=w.users["collector"],
    )
    arrangement = RepaymentArrangement.objects.create(
        case=case, loan=loan, kind="waiver", waiver_amount=Decimal("10.00"), reason="困难减免", proposed_by=w.users["collector"],
    )
    w.objects.update({
        "collection-case": case.pk, "collection-contact": contact.pk, "collection-promise": promise.pk,
        "collection-arrangement": arrangement.pk,
    })
