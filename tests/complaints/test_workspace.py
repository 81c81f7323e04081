"""The staff workspace: queue, complaint page (htmx actions, conflicts), borrower 360, supervisors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.choices import State
from complaints.escalations import escalation_raise
from complaints.models import Complaint, ComplaintEvent, Escalation
from complaints.workspace import clocks
from notifications.models import OutboundMessage
from tests.factories import BorrowerFactory, UserFactory, make_loan

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def make_complaint(branch):
    def make(*, borrower=None, loan=None, branch_=None, **kwargs):
        kwargs.setdefault("complainant_name", "王小明")
        kwargs.setdefault("complainant_mobile", "13800001234")
        kwargs.setdefault("description", "催收电话太频繁，晚上十点后还在打。")
        kwargs.setdefault("send_acknowledgement", False)
        return services.complaint_create(branch=branch_ or branch, borrower=borrower, loan=loan, **kwargs)

    return make


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _act(client, complaint, action, data=None, *, htmx=True):
    payload = {"version": Complaint.objects.get(pk=complaint.pk).version, **(data or {})}
    return client.post(reverse("complaints:action", args=[complaint.pk, action]), payload, **(HTMX if htmx else {}))


# --- clocks -------------------------------------------------------------------------------------


def test_clock_colours_follow_the_warning_ratio():
    start = timezone.now()
    due = start + timedelta(hours=10)
    assert clocks.clock(label="x", started_at=start, due_at=due, now=start + timedelta(hours=7)).status == clocks.ON_TRACK
    assert clocks.clock(label="x", started_at=start, due_at=due, now=start + timedelta(hours=8)).status == clocks.AT_RISK
    breached = clocks.clock(label="x", started_at=start, due_at=due, now=start + timedelta(hours=11))
    assert breached.status == clocks.BREACHED and breached.css == "bad"
    assert clocks.clock(label="x", started_at=start, due_at=due, now=start, paused=True).status == clocks.PAUSED
    assert clocks.clock(label="x", started_at=start, due_at=due, now=start, stopped=True).status == clocks.STOPPED


# --- queue --------------------------------------------------------------------------------------


def test_queue_shows_unassigned_complaint_with_both_clocks(logged_in, agent, make_complaint):
    complaint = make_complaint()
    response = logged_in(agent).get(reverse("complaints:queue"), {"view": "unassigned"})
    assert response.status_code == 200
    html = response.content.decode()
    assert complaint.tracking_code in html
    assert html.count('data-clock-status="on_track"') == 2  # service SLA and regulatory deadline


def test_queue_views_split_mine_and_unassigned(logged_in, agent, make_complaint):
    mine = make_complaint()
    services.complaint_assign(complaint=mine, assignee=agent, actor=agent)
    other = make_complaint()
    client = logged_in(agent)
    html_mine = client.get(reverse("complaints:queue"), {"view": "mine"}).content.decode()
    html_unassigned = client.get(reverse("complaints:queue"), {"view": "unassigned"}).content.decode()
    assert mine.tracking_code in html_mine and other.tracking_code not in html_mine
    assert other.tracking_code in html_unassigned and mine.tracking_code not in html_unassigned


def test_queue_is_sorted_by_the_nearest_clock(logged_in, agent, make_complaint):
    later = make_complaint(priority="low")
    sooner = make_complaint(priority="urgent")
    html = logged_in(agent).get(reverse("complaints:queue"), {"view": "team"}).content.decode()
    assert html.index(sooner.tracking_code) < html.index(later.tracking_code)


def test_queue_breaching_soon_lists_only_clocks_near_due(logged_in, agent, make_complaint):
    near = make_complaint(priority="urgent")
    far = make_complaint(priority="low")
    Complaint.objects.filter(pk=near.pk).update(first_response_due_at=timezone.now() + timedelta(minutes=30))
    Complaint.objects.filter(pk=far.pk).update(first_response_due_at=timezone.now() + timedelta(days=3))
    html = logged_in(agent).get(reverse("complaints:queue"), {"view": "breaching"}).content.decode()
    assert near.tracking_code in html and far.tracking_code not in html


def test_breached_clock_is_shown_red(logged_in, agent, make_complaint):
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(first_response_due_at=timezone.now() - timedelta(hours=1))
    html = logged_in(agent).get(reverse("complaints:queue"), {"view": "team"}).content.decode()
    assert 'data-clock-status="breached"' in html


@pytest.mark.parametrize("field", ["tracking_code", "mobile", "contract", "plate", "name"])
def test_queue_search(logged_in, agent, branch, make_complaint, field):
    borrower = BorrowerFactory(branch=branch, name="赵六一", mobile="13912345678")
    loan = make_loan(borrower=borrower, contract_number="HT-SEARCH-1", plate="沪B12345")
    target = make_complaint(borrower=borrower, loan=loan, complainant_name="赵六一", complainant_mobile="13912345678")
    noise = make_complaint()
    term = {
        "tracking_code": target.tracking_code.lower(),
        "mobile": "13912345678",
        "contract": "HT-SEARCH-1",
        "plate": "沪b12345",
        "name": "赵六",
    }[field]
    response = logged_in(agent).get(reverse("complaints:queue"), {"q": term}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html  # the htmx partial, not the whole page
    assert target.tracking_code in html and noise.tracking_code not in html


def test_queue_never_shows_another_branch(logged_in, other_agent, make_complaint):
    complaint = make_complaint()
    client = logged_in(other_agent)
    for view in ("mine", "unassigned", "team", "breaching", "escalated"):
        assert complaint.tracking_code not in client.get(reverse("complaints:queue"), {"view": view}).content.decode()
    searched = client.get(reverse("complaints:queue"), {"q": complaint.tracking_code}, **HTMX).content.decode()
    assert complaint.tracking_code not in searched
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404


def test_collectors_do_not_see_complaints(logged_in, collector, make_complaint):
    complaint = make_complaint()
    client = logged_in(collector)
    assert client.get(reverse("complaints:queue")).status_code == 403
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 403


def test_queue_paginates_without_counting(logged_in, agent, make_complaint, django_assert_max_num_queries):
    for _ in range(27):
        make_complaint()
    client = logged_in(agent)
    first = client.get(reverse("complaints:queue"), {"view": "team"})
    assert first.content.decode().count("data-queue-row") == 25
    assert "page=2" in first.content.decode()
    second = client.get(reverse("complaints:queue"), {"view": "team", "page": 2})
    assert second.content.decode().count("data-queue-row") == 2


def test_queue_query_count_does_not_grow_with_rows(logged_in, agent, branch, make_complaint, django_assert_max_num_queries):
    client = logged_in(agent)
    for i in range(3):
        borrower = BorrowerFactory(branch=branch)
        make_complaint(borrower=borrower, loan=make_loan(borrower=borrower, contract_number=f"HT-Q{i}"))
    client.get(reverse("complaints:queue"))  # warm up session and content types
    with django_assert_max_num_queries(6):
        client.get(reverse("complaints:queue"), {"view": "team"})
    for i in range(20):
        borrower = BorrowerFactory(branch=branch)
        complaint = make_complaint(borrower=borrower, loan=make_loan(borrower=borrower, contract_number=f"HT-R{i}"))
        services.complaint_assign(complaint=complaint, assignee=agent, actor=agent)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("complaints:queue"), {"view": "team"})
    assert response.content.decode().count("data-queue-row") == 23
    with django_assert_max_num_queries(8):  # + borrower and loan look-ups of the search
        client.get(reverse("complaints:queue"), {"view": "team", "q": "张"})


# --- complaint page -----------------------------------------------------------------------------


def test_complaint_page_offers_only_the_transitions_the_user_may_take(logged_in, agent, make_complaint):
    complaint = make_complaint()
    html = logged_in(agent).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-action="classify"' in html
    assert 'data-action="reject"' in html
    assert 'data-action="resolve"' not in html  # not from intake
    assert 'data-action="start"' not in html
    assert "panel-extend" not in html  # agents may not extend the regulatory deadline


def test_complaint_page_query_count_is_constant(logged_in, agent, branch, make_complaint, django_assert_max_num_queries):
    borrower = BorrowerFactory(branch=branch)
    loan = make_loan(borrower=borrower)
    complaint = make_complaint(borrower=borrower, loan=loan)
    client = logged_in(agent)
    client.get(reverse("complaints:detail", args=[complaint.pk]))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("complaints:detail", args=[complaint.pk]))
    for i in range(15):
        services.complaint_add_note(complaint=complaint, body=f"备注 {i}", actor=agent)
        make_complaint(borrower=borrower)
    escalation_raise(complaint=complaint, actor=agent, note="升级")
    escalation_raise(complaint=complaint, actor=agent, note="再升级")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.content.decode().count('data-kind="note"') == 15


def test_classify_returns_the_fresh_panel(logged_in, agent, make_complaint):
    complaint = make_complaint()
    response = _act(logged_in(agent), complaint, "classify", {"category": "collection_conduct", "priority": "high"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="complaint-main"')
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.CLASSIFIED and complaint.category == "collection_conduct"
    assert complaint.owner == agent and complaint.assignee == agent
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="classified", actor=agent).exists()
    assert 'data-action="start"' in html


def test_reply_sends_a_message_and_shows_on_the_timeline(logged_in, agent, make_complaint, django_capture_on_commit_callbacks):
    complaint = make_complaint()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _act(logged_in(agent), complaint, "reply", {"channel": "sms", "body": "您好，我们已收到并在核实。"})
    assert response.status_code == 200
    event = ComplaintEvent.objects.get(complaint=complaint, kind="reply")
    assert event.visible_to_borrower and event.body == "您好，我们已收到并在核实。"
    message = OutboundMessage.objects.get(channel="sms", to="13800001234")
    assert "已收到" in message.body
    assert callbacks  # the send is enqueued after commit
    assert "您好，我们已收到并在核实。" in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.first_responded_at is not None


def test_note_is_internal(logged_in, agent, make_complaint):
    complaint = make_complaint()
    response = _act(logged_in(agent), complaint, "note", {"body": "客户情绪激动，注意措辞。"})
    assert response.status_code == 200
    event = ComplaintEvent.objects.get(complaint=complaint, kind="note")
    assert not event.visible_to_borrower
    assert not OutboundMessage.objects.exists()


def test_stale_page_gets_409_with_the_fresh_state(logged_in, agent, supervisor, make_complaint):
    complaint = make_complaint()
    stale_version = complaint.version
    services.complaint_classify(complaint=complaint, category="other", priority="normal", actor=supervisor)
    response = logged_in(agent).post(
        reverse("complaints:action", args=[complaint.pk, "classify"]),
        {"version": stale_version, "category": "interest_fees", "priority": "high"},
        **HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "data-conflict" in html and "其他人已先处理" in html
    assert "已分类" in html  # the fresh state
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.category == "other"


def test_resolve_needs_a_root_cause(logged_in, agent, make_complaint):
    complaint = make_complaint()
    services.complaint_classify(complaint=complaint, category="other", priority="normal", actor=agent)
    services.complaint_start(complaint=complaint, actor=agent)
    response = _act(logged_in(agent), complaint, "resolve", {"resolution_summary": "已退还多收费用。", "root_cause": ""})
    assert response.status_code == 400
    assert "请选择根因" in response.content.decode()
    assert 'id="panel-resolve" open' in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.IN_PROGRESS
    response = _act(logged_in(agent), complaint, "resolve", {"resolution_summary": "已退还多收费用。", "root_cause": "fee_or_interest_error"})
    assert response.status_code == 200
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED and complaint.root_cause == "fee_or_interest_error"


def test_unknown_action_is_404_and_get_is_refused(logged_in, agent, make_complaint):
    complaint = make_complaint()
    client = logged_in(agent)
    assert client.post(reverse("complaints:action", args=[complaint.pk, "explode"]), {"version": 0}).status_code == 404
    assert client.get(reverse("complaints:action", args=[complaint.pk, "classify"])).status_code == 405


def test_without_htmx_actions_redirect_with_a_message(logged_in, agent, make_complaint):
    complaint = make_complaint()
    response = _act(logged_in(agent), complaint, "note", {"body": "记录"}, htmx=False)
    assert response.status_code == 302 and response.url == reverse("complaints:detail", args=[complaint.pk])


def test_supervisor_reassigns_and_the_owner_stays(logged_in, agent, supervisor, branch, make_complaint):
    colleague = UserFactory(username="agent_c", role="agent", branch=branch)
    complaint = make_complaint()
    services.complaint_classify(complaint=complaint, category="other", priority="normal", actor=agent)
    response = _act(logged_in(supervisor), complaint, "assign", {"assignee": colleague.pk, "note": "休假交接"})
    assert response.status_code == 200
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.assignee == colleague and complaint.owner == agent
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="assigned", payload__to_id=colleague.pk).exists()


def test_agent_takes_an_unassigned_complaint(logged_in, agent, make_complaint):
    complaint = make_complaint()
    assert _act(logged_in(agent), complaint, "take").status_code == 200
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.assignee == agent and complaint.owner == agent


def test_supervisor_extends_the_regulatory_deadline_once(logged_in, supervisor, make_complaint):
    complaint = make_complaint()
    before = complaint.regulatory_due_at
    client = logged_in(supervisor)
    response = _act(client, complaint, "extend", {"days": 15, "reason": "需调取外部机构资料"})
    assert response.status_code == 200
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.regulatory_due_at == before + timedelta(days=15)
    assert "panel-extend" not in response.content.decode()  # once only
    too_many = _act(client, make_complaint(), "extend", {"days": 40, "reason": "x"})
    assert too_many.status_code == 400


def test_merge_duplicate_into_primary(logged_in, agent, make_complaint):
    primary = make_complaint()
    duplicate = make_complaint()
    response = _act(logged_in(agent), duplicate, "merge", {"target": primary.tracking_code})
    assert response.status_code == 200
    duplicate = Complaint.objects.get(pk=duplicate.pk)
    assert duplicate.state == State.MERGED and duplicate.merged_into == primary
    primary_page = logged_in(agent).get(reverse("complaints:detail", args=[primary.pk])).content.decode()
    assert duplicate.tracking_code in primary_page  # both timelines kept and shown


def test_merge_into_unknown_code_is_a_field_error(logged_in, agent, make_complaint):
    duplicate = make_complaint()
    response = _act(logged_in(agent), duplicate, "merge", {"target": "NOPE123456"})
    assert response.status_code == 400
    assert "找不到" in response.content.decode()


# --- borrower 360 -------------------------------------------------------------------------------


def test_borrower_360_masks_pii_for_agents(logged_in, agent, branch, make_complaint):
    borrower = BorrowerFactory(branch=branch, mobile="13711112222")
    loan = make_loan(borrower=borrower, contract_number="HT-360")
    complaint = make_complaint(borrower=borrower, loan=loan)
    other = make_complaint(borrower=borrower)
    html = logged_in(agent).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "137****2222" in html and "13711112222" not in html
    assert reverse("borrowers:reveal", args=[borrower.pk, "mobile"]) not in html
    assert "HT-360" in html and other.tracking_code in html


def test_borrower_360_offers_logged_reveal_to_supervisors(logged_in, supervisor, branch, make_complaint):
    borrower = BorrowerFactory(branch=branch)
    complaint = make_complaint(borrower=borrower)
    html = logged_in(supervisor).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert reverse("borrowers:reveal", args=[borrower.pk, "mobile"]) in html


# --- supervisors --------------------------------------------------------------------------------


def test_supervisor_acknowledges_an_escalation(logged_in, agent, supervisor, make_complaint):
    complaint = make_complaint()
    escalation = escalation_raise(complaint=complaint, actor=agent, note="客户称要向监管投诉")
    client = logged_in(supervisor)
    page = client.get(reverse("complaints:supervisor")).content.decode()
    assert complaint.tracking_code in page
    response = client.post(reverse("complaints:escalation_acknowledge"), {"escalation": escalation.pk}, **HTMX)
    assert response.status_code == 200
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == supervisor
    assert f'data-escalation="{escalation.pk}"' not in response.content.decode()
    again = client.post(reverse("complaints:escalation_acknowledge"), {"escalation": escalation.pk}, **HTMX)
    assert again.status_code == 409


def test_escalated_to_me_view(logged_in, agent, supervisor, make_complaint):
    complaint = make_complaint()
    escalation_raise(complaint=complaint, actor=agent, note="升级")
    html = logged_in(supervisor).get(reverse("complaints:queue"), {"view": "escalated"}).content.decode()
    assert complaint.tracking_code in html


def test_agent_cannot_acknowledge_or_open_supervisor_page(logged_in, agent, make_complaint):
    complaint = make_complaint()
    escalation = escalation_raise(complaint=complaint, actor=agent, note="升级")
    client = logged_in(agent)
    assert client.get(reverse("complaints:supervisor")).status_code == 403
    response = client.post(reverse("complaints:escalation_acknowledge"), {"escalation": escalation.pk})
    assert response.status_code == 302
    assert Escalation.objects.get(pk=escalation.pk).acknowledged_at is None


def test_bulk_reassign_and_workload(logged_in, agent, supervisor, branch, make_complaint):
    colleague = UserFactory(username="agent_d", role="agent", branch=branch)
    first, second = make_complaint(), make_complaint()
    client = logged_in(supervisor)
    response = client.post(reverse("complaints:bulk_reassign"), {"complaints": [first.pk, second.pk], "assignee": colleague.pk}, **HTMX)
    assert response.status_code == 200
    assert set(Complaint.objects.filter(assignee=colleague).values_list("pk", flat=True)) == {first.pk, second.pk}
    page = client.get(reverse("complaints:supervisor")).content.decode()
    row = page.split('data-user="agent_d"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in row


def test_bulk_reassign_without_selection_is_a_400(logged_in, supervisor):
    response = logged_in(supervisor).post(reverse("complaints:bulk_reassign"), {"assignee": supervisor.pk}, **HTMX)
    assert response.status_code == 400


def test_borrower_360_shows_the_collection_case_and_last_contacts(logged_in, agent, collector, branch, make_complaint):
    from debt_collection.models import CollectionCase, ContactAttempt

    borrower = BorrowerFactory(branch=branch)
    loan = make_loan(borrower=borrower, contract_number="HT-CASE-1")
    CollectionCase.objects.create(loan=loan, borrower=borrower, branch=branch, bucket="M1", days_past_due=12, assigned_to=collector)
    ContactAttempt.objects.create(
        borrower=borrower, loan=loan, branch=branch, channel="call", outcome="no_answer",
        notes="不应显示给客服的催收备注", created_by=collector,
    )
    complaint = make_complaint(borrower=borrower, loan=loan)
    html = logged_in(agent).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    panel = html.split('id="b360-case"')[1]
    assert "新案件" in panel and collector.username in panel
    assert "无人接听" in panel
    assert "不应显示给客服的催收备注" not in html


def test_wait_on_borrower_pauses_and_resume_restarts(logged_in, agent, make_complaint):
    complaint = make_complaint()
    services.complaint_classify(complaint=complaint, category="other", priority="normal", actor=agent)
    services.complaint_start(complaint=complaint, actor=agent)
    client = logged_in(agent)
    response = _act(client, complaint, "wait_on_borrower", {"reason": "请提供还款凭证", "message": "请上传还款凭证照片。", "channel": "sms"})
    assert response.status_code == 200
    assert 'data-clock-status="paused"' in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.WAITING_ON_BORROWER
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="reply", visible_to_borrower=True).exists()
    assert _act(client, complaint, "resume").status_code == 200
    assert Complaint.objects.get(pk=complaint.pk).state == State.IN_PROGRESS


def test_rarely_used_panels_load_on_demand(logged_in, supervisor, make_complaint):
    complaint = make_complaint()
    client = logged_in(supervisor)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert reverse("complaints:panel", args=[complaint.pk, "assign"]) in page
    assert 'name="assignee"' not in page  # not rendered until the panel is opened
    panel = client.get(reverse("complaints:panel", args=[complaint.pk, "assign"]), **HTMX)
    assert panel.status_code == 200 and 'name="assignee"' in panel.content.decode()
    # without JavaScript the link opens the page with that form
    fallback = client.get(reverse("complaints:detail", args=[complaint.pk]), {"open": "assign"}).content.decode()
    assert 'id="panel-assign" open' in fallback and 'name="assignee"' in fallback


def test_panel_of_an_action_no_longer_available_says_so(logged_in, agent, make_complaint):
    complaint = make_complaint()
    services.complaint_reject(complaint=complaint, reason="spam", note="广告", actor=agent)
    response = logged_in(agent).get(reverse("complaints:panel", args=[complaint.pk, "reject"]), **HTMX)
    assert response.status_code == 409 and "data-conflict" in response.content.decode()


def test_long_timeline_shows_the_newest_and_loads_the_rest(logged_in, agent, make_complaint):
    complaint = make_complaint()
    for i in range(40):
        services.complaint_add_note(complaint=complaint, body=f"备注{i:02d}", actor=agent)
    client = logged_in(agent)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert page.count('data-kind="note"') == 30 and "备注39" in page and "备注05" not in page
    more = client.get(reverse("complaints:timeline", args=[complaint.pk]), {"offset": 30}, **HTMX).content.decode()
    assert more.count('data-kind="note"') == 10 and "备注00" in more
    assert 'data-kind="created"' in more


def test_compliance_sees_every_branch_and_may_only_add_notes(logged_in, compliance_user, make_complaint):
    complaint = make_complaint()
    client = logged_in(compliance_user)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "act/note/" in page and "act/reply/" not in page and 'data-action="classify"' not in page
    refused = _act(client, complaint, "classify", {"category": "other", "priority": "normal"})
    assert refused.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).state == State.INTAKE
    assert _act(client, complaint, "note", {"body": "合规抽查"}).status_code == 200
