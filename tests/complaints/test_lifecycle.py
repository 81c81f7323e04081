"""Every transition and its guards, through the services the pages and the API call."""

from datetime import timedelta

import pytest

from common.exceptions import ConcurrentUpdate, DomainError, PermissionDeniedError, TransitionNotAllowed
from complaints import services
from complaints.models import Complaint, ComplaintEvent
from notifications.models import OutboundMessage
from tests.complaints.conftest import sh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def kinds(complaint):
    return list(ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))


def messages_to(to):
    return list(OutboundMessage.objects.filter(to=to).order_by("id"))


# --- intake -----------------------------------------------------------------------------------


def test_create_acknowledges_by_sms_with_tracking_code(clock, make_complaint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        c = make_complaint()
    assert c.state == "intake"
    assert len(c.tracking_code) == 10 and c.tracking_code.isalnum()
    [ack] = messages_to("13912345678")
    assert ack.channel == "sms" and c.tracking_code in ack.body
    assert ack.subject == c
    assert len(callbacks) == 1  # the send is enqueued after commit
    assert kinds(c) == ["created", "acknowledgement_sent"]
    created = c.events.get(kind="created")
    assert created.visible_to_borrower and c.tracking_code in created.body


def test_create_acknowledges_by_email_when_preferred(make_complaint):
    c = make_complaint(complainant_email="wang@example.com", preferred_channel="email")
    assert [m.channel for m in messages_to("wang@example.com")] == ["email"]
    assert not messages_to("13912345678")
    assert c.preferred_channel == "email"


def test_tracking_codes_are_unique_and_unambiguous(make_complaint):
    codes = {make_complaint().tracking_code for _ in range(20)}
    assert len(codes) == 20
    assert not any(ch in code for code in codes for ch in "01OIL")


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"complainant_name": " "}, "complainant_name"),
        ({"description": ""}, "description"),
        ({"complainant_mobile": "", "complainant_email": ""}, "complainant_mobile"),
        ({"category": "nonsense"}, "category"),
        ({"priority": "whenever"}, "priority"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_create_refuses_bad_input_with_the_field(make_complaint, kwargs, field):
    with pytest.raises(DomainError) as exc:
        make_complaint(**kwargs)
    assert exc.value.field == field
    assert not Complaint.objects.exists()


def test_create_takes_the_branch_from_the_loan(make_complaint, loan, other_branch):
    c = make_complaint(loan=loan)
    assert c.branch == loan.branch and c.borrower == loan.borrower
    with pytest.raises(DomainError) as exc:
        make_complaint(loan=loan, branch=other_branch)
    assert exc.value.field == "borrower"


def test_a_collector_cannot_record_a_complaint(make_complaint, collector):
    with pytest.raises(PermissionDeniedError):
        make_complaint(actor=collector)


# --- classify / start / owner ----------------------------------------------------------------------


def test_classify_sets_category_priority_owner_and_recomputes_clocks(clock, make_complaint, agent):
    c = make_complaint()
    c = services.complaint_classify(complaint=c, category="interest_fees", priority="urgent", actor=agent)
    assert c.state == "classified"
    assert c.owner == agent and c.assignee == agent
    assert c.first_response_due_at == sh(2026, 3, 2, 12, 0)  # urgent: 2 business hours
    assert c.resolution_due_at == sh(2026, 3, 3, 10, 0)  # 1 business day
    event = c.events.get(kind="classified")
    assert (event.from_state, event.to_state, event.actor) == ("intake", "classified", agent)
    assert event.payload["priority"] == "urgent"


def test_classify_twice_is_a_conflict(make_complaint, agent):
    c = make_complaint()
    services.complaint_classify(complaint=c, category="other", priority="low", actor=agent)
    with pytest.raises(TransitionNotAllowed):
        services.complaint_classify(complaint=c, category="other", priority="low", actor=agent)


def test_stale_version_is_a_concurrent_update(make_complaint, agent):
    c = make_complaint()
    seen = c.version
    services.complaint_add_note(complaint=c, body="先看一下", actor=agent)  # notes do not bump the version
    services.complaint_assign(complaint=c, assignee=agent, actor=agent)
    with pytest.raises(ConcurrentUpdate):
        services.complaint_classify(
            complaint=c, category="other", priority="low", actor=agent, expected_version=seen
        )
    assert Complaint.objects.get(pk=c.pk).state == "intake"


def test_agents_of_another_branch_cannot_act(make_complaint, other_agent):
    c = make_complaint()
    with pytest.raises(PermissionDeniedError):
        services.complaint_classify(complaint=c, category="other", priority="low", actor=other_agent)


def test_owner_stays_when_reassigned(in_progress, agent, supervisor, branch):
    c = in_progress()
    colleague = UserFactory(username="agent_c", role="agent", branch=branch)
    c = services.complaint_assign(complaint=c, assignee=colleague, actor=supervisor, note="休假交接")
    assert c.assignee == colleague and c.owner == agent
    event = c.events.get(kind="assigned")
    assert event.payload["from_id"] == agent.pk and event.payload["to_id"] == colleague.pk


def test_an_agent_may_take_an_unassigned_complaint_but_not_hand_it_to_others(make_complaint, agent, branch):
    c = make_complaint()
    colleague = UserFactory(username="agent_c", role="agent", branch=branch)
    with pytest.raises(PermissionDeniedError):
        services.complaint_assign(complaint=c, assignee=colleague, actor=agent)
    c = services.complaint_assign(complaint=c, assignee=agent, actor=agent)
    assert c.owner == agent and c.assignee == agent


def test_cannot_assign_to_someone_of_another_branch(make_complaint, supervisor, other_agent):
    c = make_complaint()
    with pytest.raises(DomainError) as exc:
        services.complaint_assign(complaint=c, assignee=other_agent, actor=supervisor)
    assert exc.value.field == "assignee"


def test_start_requires_classification(make_complaint, agent):
    c = make_complaint()
    with pytest.raises(TransitionNotAllowed):
        services.complaint_start(complaint=c, actor=agent)


# --- reply, waiting, resume -----------------------------------------------------------------------


def test_reply_is_sent_shown_to_the_borrower_and_stops_the_first_response_clock(clock, in_progress, agent):
    c = in_progress()
    clock.advance(hours=3)
    event = services.complaint_reply(complaint=c, body="您好，已收到，正在核实。", channel="sms", actor=agent)
    assert event.visible_to_borrower and event.payload["first_response"] is True
    c = Complaint.objects.get(pk=c.pk)
    assert c.first_responded_at == clock.now
    assert c.minutes_to_first_response == 180 and not c.first_response_breached
    assert messages_to("13912345678")[-1].body == "您好，已收到，正在核实。"
    # a second reply is not a first response
    event2 = services.complaint_reply(complaint=c, body="补充说明", channel="phone", actor=agent)
    assert event2.payload["first_response"] is False
    assert len(messages_to("13912345678")) == 2  # phone records a call, no message


def test_late_first_response_is_stored_as_breached(clock, in_progress, agent):
    c = in_progress()
    clock.advance(days=1, hours=1)  # Tuesday 11:00: 600 business minutes > 540
    services.complaint_reply(complaint=c, body="抱歉回复晚了", channel="sms", actor=agent)
    c = Complaint.objects.get(pk=c.pk)
    assert c.first_response_breached and c.minutes_to_first_response == 600


def test_reply_by_email_needs_an_address(in_progress, agent):
    c = in_progress()
    with pytest.raises(DomainError) as exc:
        services.complaint_reply(complaint=c, body="x", channel="email", actor=agent)
    assert exc.value.field == "channel"


def test_internal_notes_are_never_visible_to_the_borrower(in_progress, agent):
    c = in_progress()
    note = services.complaint_add_note(complaint=c, body="客户情绪激动，注意措辞", actor=agent)
    assert note.kind == "note" and not note.visible_to_borrower
    with pytest.raises(DomainError):
        services.complaint_add_note(complaint=c, body="  ", actor=agent)


def test_waiting_on_the_borrower_pauses_and_resume_gives_back_the_remaining_time(clock, in_progress, agent):
    c = in_progress()  # Monday 10:00, resolution due next Monday 10:00 (5 business days)
    assert c.resolution_due_at == sh(2026, 3, 9, 10, 0)
    clock.set(sh(2026, 3, 2, 11, 0))
    c = services.complaint_wait_on_borrower(
        complaint=c, actor=agent, reason="请客户提供还款流水", message="请提供近三个月的还款流水。", channel="sms"
    )
    assert c.state == "waiting_on_borrower" and c.sla_paused_at == clock.now
    assert c.first_responded_at == clock.now  # the question went to the borrower
    assert c.events.filter(kind="reply", visible_to_borrower=True).exists()
    clock.set(sh(2026, 3, 4, 11, 0))  # two business days later the borrower answers
    c = services.complaint_resume(complaint=c, actor=agent, note="客户已提供流水")
    assert c.state == "in_progress" and c.sla_paused_at is None
    assert c.resolution_paused_minutes == 2 * 540
    assert c.resolution_due_at == sh(2026, 3, 11, 10, 0)  # pushed by exactly the pause
    assert c.events.get(kind="resumed").payload["paused_business_minutes"] == 1080
    # the regulatory deadline never pauses
    assert c.regulatory_due_at == sh(2026, 3, 17, 10, 0)


def test_wait_needs_a_reason_and_in_progress(make_complaint, in_progress, agent):
    with pytest.raises(DomainError):
        services.complaint_wait_on_borrower(complaint=in_progress(), actor=agent, reason="")
    with pytest.raises(TransitionNotAllowed):
        services.complaint_wait_on_borrower(complaint=make_complaint(), actor=agent, reason="x")


# --- resolve, feedback, auto-close, reopen ---------------------------------------------------------


def test_resolve_needs_summary_and_root_cause(in_progress, agent):
    c = in_progress()
    with pytest.raises(DomainError) as exc:
        services.complaint_resolve(complaint=c, resolution_summary=" ", root_cause="policy", actor=agent)
    assert exc.value.field == "resolution_summary"
    with pytest.raises(DomainError) as exc:
        services.complaint_resolve(complaint=c, resolution_summary="已退费", root_cause="", actor=agent)
    assert exc.value.field == "root_cause"
    assert Complaint.objects.get(pk=c.pk).state == "in_progress"


def test_resolve_stores_outcomes_and_tells_the_borrower(clock, in_progress, agent):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 12, 0))  # Tuesday noon: 480 + 180 business minutes
    c = services.complaint_resolve(
        complaint=c, resolution_summary="已核实多收费用 200 元，已退回。", root_cause="fee_or_interest_error", actor=agent
    )
    assert c.state == "resolved" and c.resolved_at == clock.now
    assert c.minutes_to_resolution == 660 and not c.resolution_breached
    # the result message is the first response here
    assert c.first_responded_at == clock.now and c.first_response_breached
    result = messages_to("13912345678")[-1]
    assert "已退回" in result.body
    resolved = c.events.get(kind="resolved")
    assert resolved.visible_to_borrower and resolved.payload["root_cause"] == "fee_or_interest_error"


def test_resolve_from_classified_is_not_allowed(make_complaint, agent):
    c = make_complaint()
    services.complaint_classify(complaint=c, category="other", priority="low", actor=agent)
    with pytest.raises(TransitionNotAllowed):
        services.complaint_resolve(complaint=c, resolution_summary="x", root_cause="other", actor=agent)


def test_resolve_while_waiting_closes_the_pause(clock, in_progress, agent):
    c = in_progress()
    c = services.complaint_wait_on_borrower(complaint=c, actor=agent, reason="等资料")
    clock.advance(hours=2)
    c = services.complaint_resolve(complaint=c, resolution_summary="按现有资料处理", root_cause="policy", actor=agent)
    assert c.sla_paused_at is None and c.resolution_paused_minutes == 120
    assert c.minutes_to_resolution == 0


def test_feedback_closes_with_csat(in_progress, agent):
    c = services.complaint_resolve(complaint=in_progress(), resolution_summary="ok", root_cause="policy", actor=agent)
    with pytest.raises(DomainError) as exc:
        services.complaint_record_feedback(complaint=c, csat=6)
    assert exc.value.field == "csat"
    c = services.complaint_record_feedback(complaint=c, csat=5, comment="处理很快")
    assert c.state == "closed" and c.csat == 5 and c.closed_at
    assert c.events.get(kind="feedback").payload == {"csat": 5}
    with pytest.raises(TransitionNotAllowed):
        services.complaint_record_feedback(complaint=c, csat=1)


def test_feedback_only_after_resolution(in_progress):
    with pytest.raises(TransitionNotAllowed):
        services.complaint_record_feedback(complaint=in_progress(), csat=3)


def test_resolved_without_feedback_closes_itself_after_n_days(clock, in_progress, agent, settings):
    settings.CRM = {**settings.CRM, "FEEDBACK_AUTOCLOSE_DAYS": 7}
    old = services.complaint_resolve(complaint=in_progress(), resolution_summary="a", root_cause="policy", actor=agent)
    clock.advance(days=3)
    recent = services.complaint_resolve(complaint=in_progress(), resolution_summary="b", root_cause="policy", actor=agent)
    clock.advance(days=4, minutes=1)
    assert services.complaints_autoclose() == 1
    assert services.complaints_autoclose() == 0  # idempotent
    old = Complaint.objects.get(pk=old.pk)
    assert old.state == "closed" and old.csat is None
    assert kinds(old)[-1] == "auto_closed"
    assert Complaint.objects.get(pk=recent.pk).state == "resolved"


def test_reopen_within_the_window_restarts_the_resolution_clock(clock, in_progress, agent):
    c = services.complaint_resolve(complaint=in_progress(), resolution_summary="a", root_cause="policy", actor=agent)
    c = services.complaint_record_feedback(complaint=c, csat=1, comment="不同意")
    clock.advance(days=29)
    c = services.complaint_reopen(complaint=c, reason="退款金额不对")  # the borrower, on the tracking page
    assert c.state == "in_progress" and c.reopen_count == 1
    assert c.resolved_at is None and c.csat is None
    assert c.resolution_clock_started_at == clock.now and not c.resolution_breached
    # a request for review (核查) must be answered within 30 calendar days of the request
    assert c.regulatory_due_at == clock.now + timedelta(days=30)
    event = c.events.get(kind="reopened")
    assert event.visible_to_borrower and event.payload["previous"]["csat"] == 1


def test_reopen_after_31_days_is_refused_with_a_clear_reason(clock, in_progress, agent):
    c = services.complaint_resolve(complaint=in_progress(), resolution_summary="a", root_cause="policy", actor=agent)
    clock.advance(days=31)
    with pytest.raises(services.ReopenWindowExpired) as exc:
        services.complaint_reopen(complaint=c, reason="还是不满意")
    assert exc.value.http_status == 409 and exc.value.code == "reopen_window_expired"
    assert "30 天" in exc.value.message and "2026-03-02" in exc.value.message
    assert Complaint.objects.get(pk=c.pk).state == "resolved"


def test_reopen_needs_a_reason_and_a_resolution(in_progress, agent):
    c = in_progress()
    with pytest.raises(TransitionNotAllowed):
        services.complaint_reopen(complaint=c, reason="x")
    c = services.complaint_resolve(complaint=c, resolution_summary="a", root_cause="policy", actor=agent)
    with pytest.raises(DomainError) as exc:
        services.complaint_reopen(complaint=c, reason="")
    assert exc.value.field == "reason"


# --- reject, merge ------------------------------------------------------------------------------


def test_reject_as_spam_with_reason(make_complaint, agent):
    c = make_complaint()
    with pytest.raises(DomainError) as exc:
        services.complaint_reject(complaint=c, reason="spam", note="", actor=agent)
    assert exc.value.field == "note"
    c = services.complaint_reject(complaint=c, reason="spam", note="广告内容", actor=agent)
    assert c.state == "rejected" and c.reject_reason == "spam" and c.closed_at
    event = c.events.get(kind="rejected")
    assert event.payload["note"] == "广告内容"
    assert "广告" not in event.body  # the borrower sees the reason's label, not the internal note
    with pytest.raises(TransitionNotAllowed):
        services.complaint_reject(complaint=c, reason="spam", note="again", actor=agent)


def test_merge_keeps_both_timelines(in_progress, make_complaint, agent):
    primary = in_progress()
    duplicate = make_complaint()
    services.complaint_add_note(complaint=duplicate, body="同一客户重复提交", actor=agent)
    dup = services.complaint_merge(complaint=duplicate, into=primary, actor=agent, note="重复")
    assert dup.state == "merged" and dup.merged_into == primary
    assert kinds(dup) == ["created", "acknowledgement_sent", "note", "merged"]
    assert primary.events.get(kind="duplicate_merged").payload["duplicate_code"] == duplicate.tracking_code
    with pytest.raises(DomainError):
        services.complaint_merge(complaint=primary, into=primary, actor=agent)
    # nothing merges into a finished complaint
    other = make_complaint()
    with pytest.raises(DomainError):
        services.complaint_merge(complaint=other, into=dup, actor=agent)


# --- regulatory extension -----------------------------------------------------------------------


def test_extend_the_regulatory_deadline_once_with_a_reason(clock, in_progress, supervisor, agent):
    c = in_progress()
    with pytest.raises(PermissionDeniedError):
        services.complaint_extend_deadline(complaint=c, days=10, reason="需调取录音", actor=agent)
    with pytest.raises(DomainError) as exc:
        services.complaint_extend_deadline(complaint=c, days=16, reason="需调取录音", actor=supervisor)
    assert exc.value.field == "days"
    with pytest.raises(DomainError) as exc:
        services.complaint_extend_deadline(complaint=c, days=10, reason=" ", actor=supervisor)
    assert exc.value.field == "reason"
    c = services.complaint_extend_deadline(complaint=c, days=10, reason="需调取第三方催收录音", actor=supervisor)
    assert c.regulatory_due_at == sh(2026, 3, 27, 10, 0)
    assert c.extended_days == 10 and c.extended_by == supervisor
    assert "2026-03-27" in messages_to("13912345678")[-1].body  # the complainant is told
    with pytest.raises(services.AlreadyExtended):
        services.complaint_extend_deadline(complaint=c, days=5, reason="再延", actor=supervisor)


def test_no_extension_after_the_deadline_passed(clock, in_progress, supervisor):
    c = in_progress()
    clock.advance(days=16)
    with pytest.raises(TransitionNotAllowed):
        services.complaint_extend_deadline(complaint=c, days=5, reason="晚了", actor=supervisor)
