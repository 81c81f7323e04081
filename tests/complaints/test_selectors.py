"""Who sees which complaints, and the public lookup that reveals nothing without proof."""

import pytest
from django.http import Http404

from complaints import selectors, services

pytestmark = pytest.mark.django_db


def test_staff_see_their_branch_hq_and_compliance_see_all(make_complaint, agent, other_agent, hq_user, compliance_user, collector):
    c = make_complaint()
    assert list(selectors.complaint_list(user=agent)) == [c]
    assert list(selectors.complaint_list(user=other_agent)) == []
    assert list(selectors.complaint_list(user=hq_user)) == [c]
    assert list(selectors.complaint_list(user=compliance_user)) == [c]
    assert list(selectors.complaint_list(user=collector)) == []  # many complaints are about collectors
    with pytest.raises(Http404):
        selectors.complaint_get(user=other_agent, pk=c.pk)


def test_public_lookup_needs_the_code_and_the_last_four_digits(make_complaint):
    c = make_complaint(complainant_mobile="13912345678")
    code = c.tracking_code
    assert selectors.complaint_public_lookup(tracking_code=code, mobile_last4="5678") == c
    spaced = f" {code[:5].lower()}-{code[5:]} "
    assert selectors.complaint_public_lookup(tracking_code=spaced, mobile_last4="5678") == c
    assert selectors.complaint_public_lookup(tracking_code=code, mobile_last4="1234") is None
    assert selectors.complaint_public_lookup(tracking_code="ABCDEFGHJK", mobile_last4="5678") is None
    assert selectors.complaint_public_lookup(tracking_code=code, mobile_last4="") is None


def test_public_timeline_never_shows_internal_notes(in_progress, agent):
    c = in_progress()
    services.complaint_add_note(complaint=c, body="内部：客户曾多次投诉", actor=agent)
    services.complaint_reply(complaint=c, body="您好，正在处理。", channel="sms", actor=agent)
    bodies = [e.body for e in selectors.complaint_public_timeline(complaint=c)]
    assert "您好，正在处理。" in bodies
    assert not any("内部" in b for b in bodies)


def test_breaching_soon_filter(clock, in_progress, agent):
    soon = in_progress(priority="urgent")  # first response due 12:00
    later = in_progress(priority="low")
    found = list(selectors.complaint_list(user=agent, breaching_within_minutes=180))
    assert found == [soon]
    assert later not in found


def test_escalations_mine(clock, in_progress, supervisor, hq_user):
    from tests.complaints.conftest import sh

    in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    assert selectors.escalation_list(user=supervisor, mine=True).count() == 1
    assert selectors.escalation_list(user=hq_user, mine=True).count() == 0
    assert selectors.escalation_list(user=hq_user).count() == 1
