"""End to end with the real complaints app: a collection-conduct complaint puts the loan's case on
hold (every contact refused), resolving the complaint lifts the hold."""

import pytest

from complaints import services as complaint_services
from debt_collection.compliance import contact_check
from debt_collection.models import CaseEvent
from tests.debt_collection.helpers import local

pytestmark = pytest.mark.django_db


def test_collection_conduct_complaint_holds_the_case_until_resolved(case, agent):
    complaint = complaint_services.complaint_create(
        complainant_name=case.borrower.name,
        description="催收员晚上十一点打电话威胁我",
        category="collection_conduct",
        borrower=case.borrower,
        loan=case.loan,
        complainant_mobile=case.borrower.mobile,
        channel="phone",
        actor=agent,
    )
    case.refresh_from_db()
    assert (case.state, case.hold_reason) == ("on_hold", "complaint")
    assert case.holds.get().complaint_id == complaint.pk
    decision = contact_check(borrower=case.borrower, channel="call", at=local("Asia/Shanghai", 2026, 3, 20, 10, 0))
    assert decision.rule == "case_on_hold"

    complaint = complaint_services.complaint_classify(
        complaint=complaint, category="collection_conduct", priority="high", actor=agent
    )
    complaint = complaint_services.complaint_start(complaint=complaint, actor=agent)
    case.refresh_from_db()
    assert case.state == "on_hold"  # still held while the complaint is being handled
    complaint_services.complaint_resolve(
        complaint=complaint,
        resolution_summary="已核实并处分涉事催收员，向客户致歉。",
        root_cause="collection_misconduct",
        actor=agent,
        notify_borrower=False,
    )
    case.refresh_from_db()
    assert case.state == "open" and case.hold_reason == ""
    assert contact_check(borrower=case.borrower, channel="call", at=local("Asia/Shanghai", 2026, 3, 20, 10, 0)).allowed
    assert list(CaseEvent.objects.filter(case=case, kind__in=["held", "released"]).order_by("id").values_list("kind", flat=True)) == [
        "held", "released"]


def test_a_rolled_back_complaint_leaves_no_hold(case, agent):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        complaint_services.complaint_create(
            complainant_name="x", description="y", category="collection_conduct", loan=case.loan,
            complainant_mobile="13800000000", channel="phone", actor=agent,
        )
        raise RuntimeError
    case.refresh_from_db()
    assert case.state == "open" and not case.holds.exists()
