"""The collections hook: a collection-conduct complaint on a loan asks for the case to be held, inside
the complaint's transaction, and releases it when the complaint is finished."""

import pytest

from common.exceptions import DomainError, PermissionDeniedError
from complaints import services
from complaints.signals import collection_hold_released, collection_hold_requested

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def on_request(sender, complaint, loan, actor, **kwargs):
        calls.append(("requested", complaint.pk, loan.pk, actor))

    def on_release(sender, complaint, actor, **kwargs):
        calls.append(("released", complaint.pk, actor))

    collection_hold_requested.connect(on_request, dispatch_uid="test-hold-req")
    collection_hold_released.connect(on_release, dispatch_uid="test-hold-rel")
    yield calls
    collection_hold_requested.disconnect(dispatch_uid="test-hold-req")
    collection_hold_released.disconnect(dispatch_uid="test-hold-rel")


def test_collection_conduct_complaint_on_a_loan_holds_until_resolved(received, make_complaint, loan, agent):
    c = make_complaint(loan=loan, category="collection_conduct", description="催收员晚上11点打电话骂人")
    assert received == [("requested", c.pk, loan.pk, None)]
    assert c.collection_hold and c.events.filter(kind="collection_hold_requested").exists()
    c = services.complaint_classify(complaint=c, category="collection_conduct", priority="urgent", actor=agent)
    assert len(received) == 1  # already on hold: not asked twice
    c = services.complaint_start(complaint=c, actor=agent)
    c = services.complaint_resolve(complaint=c, resolution_summary="已处分催收员", root_cause="collection_misconduct", actor=agent)
    assert received[-1] == ("released", c.pk, agent)
    assert not c.collection_hold


def test_classifying_into_collection_conduct_requests_the_hold(received, make_complaint, loan, agent):
    c = make_complaint(loan=loan, category="other")
    assert received == []
    services.complaint_classify(complaint=c, category="collection_conduct", priority="high", actor=agent)
    assert received == [("requested", c.pk, loan.pk, agent)]


def test_reclassifying_away_releases_an_automatic_hold(received, make_complaint, loan, agent):
    c = make_complaint(loan=loan, category="collection_conduct")
    services.complaint_classify(complaint=c, category="interest_fees", priority="normal", actor=agent)
    assert [r[0] for r in received] == ["requested", "released"]


def test_without_a_loan_no_hold(received, make_complaint):
    make_complaint(category="collection_conduct")
    assert received == []


def test_rejecting_releases_the_hold(received, make_complaint, loan, agent):
    c = make_complaint(loan=loan, category="collection_conduct")
    services.complaint_reject(complaint=c, reason="duplicate", note="重复", actor=agent)
    assert received[-1] == ("released", c.pk, agent)


def test_a_rollback_takes_the_hold_back(received, make_complaint, loan):
    from django.db import transaction

    from complaints.models import Complaint

    with pytest.raises(RuntimeError), transaction.atomic():
        make_complaint(loan=loan, category="collection_conduct")
        raise RuntimeError("boom")
    assert len(received) == 1 and not Complaint.objects.exists()  # the receivers' writes roll back too


def test_supervisor_may_hold_for_any_category(received, make_complaint, loan, supervisor, agent):
    c = make_complaint(loan=loan, category="interest_fees")
    with pytest.raises(PermissionDeniedError):
        services.complaint_request_collection_hold(complaint=c, actor=agent)
    c = services.complaint_request_collection_hold(complaint=c, actor=supervisor, reason="客户正在争议费用")
    assert received == [("requested", c.pk, loan.pk, supervisor)]
    assert c.collection_hold_reason == "supervisor"
    # an explicit hold survives reclassification and ends with the complaint
    c = services.complaint_classify(complaint=c, category="interest_fees", priority="normal", actor=agent)
    assert c.collection_hold
    c = services.complaint_start(complaint=c, actor=agent)
    services.complaint_resolve(complaint=c, resolution_summary="ok", root_cause="policy", actor=agent)
    assert received[-1][0] == "released"


def test_hold_needs_a_loan(make_complaint, supervisor):
    with pytest.raises(DomainError) as exc:
        services.complaint_request_collection_hold(complaint=make_complaint(), actor=supervisor)
    assert exc.value.field == "loan"
