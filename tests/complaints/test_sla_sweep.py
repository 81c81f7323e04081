"""The SLA sweep: warnings at 80 %, one escalation per breach, the ladder's recipients, climbing when
unacknowledged, acknowledgement; and that running it twice changes nothing."""

import pytest

from common.exceptions import PermissionDeniedError, TransitionNotAllowed
from complaints import services
from complaints.models import Complaint, ComplaintEvent, Escalation, EscalationContact
from notifications.models import InAppNotification, OutboundMessage
from tests.complaints.conftest import sh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def inbox(user):
    return list(InAppNotification.objects.filter(user=user).values_list("title", flat=True))


def test_nothing_due_nothing_happens(clock, in_progress):
    in_progress()
    assert not any(services.sla_sweep().values())
    assert not Escalation.objects.exists()


def test_warning_at_80_percent_goes_to_the_assignee_once(clock, in_progress, agent, supervisor):
    c = in_progress()  # first response due Tue 10:00, warning Mon 17:12
    clock.set(sh(2026, 3, 2, 17, 11))
    assert services.sla_sweep()["first_response_warned"] == 0
    clock.set(sh(2026, 3, 2, 17, 12))
    counts = services.sla_sweep()
    assert counts["first_response_warned"] == 1
    assert services.sla_sweep()["first_response_warned"] == 0
    assert ComplaintEvent.objects.filter(complaint=c, kind="sla_warning").count() == 1
    assert len(inbox(agent)) == 1 and c.tracking_code in inbox(agent)[0]
    assert inbox(supervisor) == []
    assert Complaint.objects.get(pk=c.pk).escalation_level == 0


def test_unassigned_complaint_warns_the_branch_supervisor(clock, make_complaint, supervisor):
    make_complaint()
    clock.set(sh(2026, 3, 2, 17, 30))
    services.sla_sweep()
    assert len(inbox(supervisor)) == 1


def test_breach_escalates_one_level_and_notifies_the_supervisor_once(clock, in_progress, supervisor, hq_user, compliance_user):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))  # first response deadline
    counts = services.sla_sweep()
    assert counts["first_response_escalated"] == 1
    c = Complaint.objects.get(pk=c.pk)
    assert c.escalation_level == 1 and c.first_response_is_breached
    [esc] = Escalation.objects.filter(complaint=c)
    assert (esc.level, esc.trigger, esc.clock) == (1, "breach", "first_response")
    assert esc.recipients == [{"id": supervisor.pk, "name": str(supervisor)}]
    assert esc.ack_due_at == clock.now.replace(hour=12)  # ESCALATION_ACK_MINUTES = 120
    assert len(inbox(supervisor)) == 1 and inbox(hq_user) == [] and inbox(compliance_user) == []
    # notify_staff also e-mails
    assert OutboundMessage.objects.filter(channel="email", to=supervisor.email).count() == 1
    event = c.events.get(kind="escalated")
    assert event.payload["level"] == 1 and event.payload["clock"] == "first_response"
    # the same sweep again (or the next minute's) escalates nothing more
    assert not any(services.sla_sweep().values())
    assert Escalation.objects.filter(complaint=c).count() == 1
    assert len(inbox(supervisor)) == 1


def test_each_breached_clock_climbs_one_level(clock, in_progress, supervisor, hq_user, compliance_user):
    c = in_progress(priority="urgent")  # 2 h / 1 day
    clock.set(sh(2026, 3, 2, 12, 0))
    services.sla_sweep()
    esc1 = Escalation.objects.get(complaint=c)
    services.escalation_acknowledge(escalation=esc1, actor=supervisor)
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    c = Complaint.objects.get(pk=c.pk)
    assert c.escalation_level == 2 and c.resolution_is_breached
    assert len(inbox(hq_user)) == 1
    clock.set(sh(2026, 3, 17, 10, 0))  # regulatory: 15 calendar days
    services.escalation_acknowledge(escalation=Escalation.objects.get(complaint=c, level=2), actor=hq_user)
    services.sla_sweep()
    c = Complaint.objects.get(pk=c.pk)
    assert c.escalation_level == 3 and c.regulatory_is_breached
    assert len(inbox(compliance_user)) == 1
    assert list(Escalation.objects.filter(complaint=c).order_by("level").values_list("clock", flat=True)) == [
        "first_response", "resolution", "regulatory",
    ]


def test_unacknowledged_escalation_climbs_once(clock, in_progress, supervisor, hq_user):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    clock.set(sh(2026, 3, 3, 11, 59))
    assert services.sla_sweep()["climbed"] == 0
    clock.set(sh(2026, 3, 3, 12, 0))
    assert services.sla_sweep()["climbed"] == 1
    assert services.sla_sweep()["climbed"] == 0
    first, second = Escalation.objects.filter(complaint=c).order_by("id")
    assert second.level == 2 and second.trigger == "unacknowledged" and second.previous == first
    assert first.ack_due_at is None and first.acknowledged_at is None
    assert Complaint.objects.get(pk=c.pk).escalation_level == 2
    assert len(inbox(hq_user)) == 1


def test_acknowledged_escalation_does_not_climb(clock, in_progress, supervisor):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    esc = Escalation.objects.get(complaint=c)
    services.escalation_acknowledge(escalation=esc, actor=supervisor, note="我来跟进")
    with pytest.raises(TransitionNotAllowed):
        services.escalation_acknowledge(escalation=esc, actor=supervisor)
    clock.set(sh(2026, 3, 3, 15, 0))
    assert services.sla_sweep()["climbed"] == 0
    event = c.events.get(kind="escalation_acknowledged")
    assert event.actor == supervisor and event.body == "我来跟进"


def test_only_recipients_or_the_levels_roles_acknowledge(clock, in_progress, agent, other_branch):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    esc = Escalation.objects.get(complaint=c)
    with pytest.raises(PermissionDeniedError):
        services.escalation_acknowledge(escalation=esc, actor=agent)
    far_supervisor = UserFactory(username="sup_bj", role="supervisor", branch=other_branch)
    with pytest.raises(PermissionDeniedError):
        services.escalation_acknowledge(escalation=esc, actor=far_supervisor)


def test_escalation_contacts_replace_the_role_rule(clock, in_progress, supervisor, branch, hq_user):
    duty_manager = UserFactory(username="duty_sh", role="supervisor", branch=branch)
    EscalationContact.objects.create(level=1, branch=branch, user=duty_manager)
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    esc = Escalation.objects.get(complaint=c)
    assert [r["id"] for r in esc.recipients] == [duty_manager.pk]
    assert len(inbox(duty_manager)) == 1 and inbox(supervisor) == []


def test_no_breach_while_waiting_on_the_borrower_but_the_regulatory_clock_runs(clock, in_progress, agent):
    c = in_progress()
    c = services.complaint_wait_on_borrower(complaint=c, actor=agent, reason="等客户提供材料")
    clock.set(sh(2026, 3, 14, 10, 0))  # well past the service SLA deadlines
    counts = services.sla_sweep()
    assert counts["first_response_escalated"] == 0 and counts["resolution_escalated"] == 0
    assert counts["regulatory_warned"] == 1  # 80 % of 15 days = 12 days after receipt
    clock.set(sh(2026, 3, 17, 10, 0))
    assert services.sla_sweep()["regulatory_escalated"] == 1  # escalation happens in any open state
    c = Complaint.objects.get(pk=c.pk)
    assert c.state == "waiting_on_borrower" and c.escalation_level == 1


def test_resolved_complaints_do_not_escalate_and_stop_climbing(clock, in_progress, agent):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    services.sla_sweep()
    services.complaint_resolve(complaint=c, resolution_summary="已处理", root_cause="policy", actor=agent)
    clock.set(sh(2026, 4, 30, 10, 0))
    assert not any(services.sla_sweep().values())
    assert Escalation.objects.filter(complaint=c).count() == 1


def test_reopened_complaint_can_breach_its_resolution_clock_again(clock, in_progress, agent):
    c = in_progress()
    clock.set(sh(2026, 3, 9, 10, 0))
    services.sla_sweep()  # first response and resolution both breached
    assert Escalation.objects.filter(complaint=c, clock="resolution").count() == 1
    c = services.complaint_resolve(complaint=c, resolution_summary="a", root_cause="policy", actor=agent)
    c = services.complaint_reopen(complaint=c, reason="不同意")
    clock.set(sh(2026, 3, 16, 10, 0))  # five business days after the reopen
    assert services.sla_sweep()["resolution_escalated"] == 1
    assert list(Escalation.objects.filter(complaint=c, clock="resolution").values_list("cycle", flat=True)) == [1, 0]


def test_many_escalations_for_one_person_come_as_a_digest(clock, in_progress, supervisor):
    for _i in range(12):
        in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    assert services.sla_sweep()["first_response_escalated"] == 12
    assert len(inbox(supervisor)) == 1 and "12" in inbox(supervisor)[0]


def test_manual_escalation(clock, in_progress, supervisor, hq_user):
    c = in_progress()
    esc = services.escalation_raise(complaint=c, actor=supervisor, note="客户威胁向监管投诉")
    assert esc.level == 1 and esc.trigger == "manual" and esc.created_by == supervisor
    assert Complaint.objects.get(pk=c.pk).escalation_level == 1


def test_a_review_after_the_original_deadline_is_not_an_instant_regulatory_breach(clock, in_progress, agent):
    c = in_progress()
    c = services.complaint_resolve(complaint=c, resolution_summary="a", root_cause="policy", actor=agent)
    clock.set(sh(2026, 3, 25, 10, 0))  # past the original 15 days, within the 30-day reopen window
    services.complaint_reopen(complaint=c, reason="不同意")
    assert services.sla_sweep()["regulatory_escalated"] == 0
    clock.set(sh(2026, 4, 24, 10, 0))  # 30 days after the request for review
    assert services.sla_sweep()["regulatory_escalated"] == 1
    assert Escalation.objects.get(complaint=c, clock="regulatory").cycle == 1
