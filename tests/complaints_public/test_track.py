"""Tracking page, feedback and reopen, and the staff attachment download."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from complaints import services as complaint_services
from complaints.choices import EventKind, State
from complaints.models import Complaint, ComplaintEvent
from tests.complaints_public.conftest import resolve_complaint

pytestmark = pytest.mark.django_db

TRACK = "/complaint/track/"


@pytest.fixture
def filed(client, web_form_data, branch, hq_branch):
    """A complaint filed through the public form (it lands on HQ: no loan matched)."""

    def make(**overrides):
        client.post("/complaint/new/", web_form_data(**overrides))
        return Complaint.objects.order_by("-id").first()

    return make


@pytest.fixture
def hq_agent(hq_branch):
    from tests.factories import UserFactory

    return UserFactory(username="agent_hq", role="agent", branch=hq_branch)


def _track(client, code, last4="5678"):
    return client.post(TRACK, {"tracking_code": code, "mobile_last4": last4})


def test_right_pair_shows_status_replies_and_deadline_but_never_internal_notes(filed, hq_agent):
    complaint = filed(description="<script>alert('x')</script> 扣款金额不对，多扣了两百元。")
    complaint_services.complaint_add_note(complaint=complaint, body="内部备注：此人是老客户，小心处理", actor=hq_agent)
    complaint_services.complaint_reply(complaint=complaint, body="您好，我们已收到，正在核查扣款记录。", channel="sms", actor=hq_agent)

    client = Client()
    response = _track(client, complaint.tracking_code.lower())  # case and spacing do not matter
    assert response.status_code == 302
    assert response["Location"] == f"/complaint/track/{complaint.tracking_code}/"
    html = client.get(response["Location"]).content.decode()
    assert "正在核查扣款记录" in html
    assert "内部备注" not in html and "老客户" not in html
    assert 'data-state="intake"' in html
    due = complaint.regulatory_due_at.astimezone(complaint.branch.tzinfo).date().isoformat()
    assert due in html
    # the borrower's own text comes back as text, never as markup
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


@pytest.mark.parametrize("code_change", ["wrong_digits", "unknown_code"])
def test_wrong_pairs_get_one_generic_message(filed, code_change):
    complaint = filed()
    client = Client()
    if code_change == "wrong_digits":
        response = _track(client, complaint.tracking_code, last4="0000")
    else:
        response = _track(client, "ABCDEFGHJK", last4="5678")
    assert response.status_code == 404
    html = response.content.decode()
    assert "受理编号或手机号后 4 位不正确，请核对后重试。" in html
    assert complaint.get_state_display() not in html
    # and the session proves nothing
    assert client.get(f"/complaint/track/{complaint.tracking_code}/").status_code == 302


def test_status_page_needs_the_proof_in_this_session(filed):
    complaint = filed()
    response = Client().get(f"/complaint/track/{complaint.tracking_code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/complaint/track/?code={complaint.tracking_code}"


def test_verified_session_expires(filed, settings):
    complaint = filed()
    client = Client()
    _track(client, complaint.tracking_code)
    assert client.get(f"/complaint/track/{complaint.tracking_code}/").status_code == 200
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"TRACK_SESSION_MINUTES": 0}}
    session = client.session
    entry = session["public_complaint_tracked"][complaint.tracking_code]
    session["public_complaint_tracked"] = {complaint.tracking_code: [entry[0], entry[1] - 5]}
    session.save()
    assert client.get(f"/complaint/track/{complaint.tracking_code}/").status_code == 302


def test_lookups_are_rate_limited_per_ip(filed, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"RATE_TRACK_PER_IP": "3/3600"}}
    complaint = filed()
    client = Client()
    for _ in range(3):
        _track(client, complaint.tracking_code, last4="0000")
    response = _track(client, complaint.tracking_code)  # even the right pair
    assert response.status_code == 429


def test_failures_are_limited_per_tracking_code_across_ips(filed, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"RATE_TRACK_FAILURES_PER_CODE": "3/3600"}}
    complaint = filed()
    for i in range(3):
        _track(Client(REMOTE_ADDR=f"203.0.113.{i}"), complaint.tracking_code, last4=f"000{i}")
    response = _track(Client(REMOTE_ADDR="203.0.113.50"), complaint.tracking_code)
    assert response.status_code == 429
    # successes do not count: another complaint is unaffected
    other = filed(mobile="13811112222", description="另一条完全不同的投诉内容。")
    assert _track(Client(REMOTE_ADDR="203.0.113.60"), other.tracking_code, last4="2222").status_code == 302


def test_track_form_errors_are_beside_the_fields(client):
    response = client.post(TRACK, {"tracking_code": "", "mobile_last4": "12a4"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_tracking_code_error"' in html and 'id="id_mobile_last4_error"' in html


def test_feedback_closes_a_resolved_complaint_through_its_transition(filed, hq_agent):
    complaint = filed()
    client = Client()
    _track(client, complaint.tracking_code)
    status_url = f"/complaint/track/{complaint.tracking_code}/"
    assert 'id="feedback-form"' not in client.get(status_url).content.decode()  # not yet resolved

    resolve_complaint(complaint, hq_agent)
    html = client.get(status_url).content.decode()
    assert 'id="feedback-form"' in html and 'id="reopen-form"' in html
    assert "已停止该催收员的外呼" in html

    response = client.post(f"{status_url}feedback/", {"score": "4", "comment": "<b>还行</b>，处理得比较快"})
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.CLOSED
    assert complaint.csat == 4
    assert complaint.feedback_comment == "<b>还行</b>，处理得比较快"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.FEEDBACK, actor=None).exists()
    html = client.get(status_url).content.decode()
    assert "谢谢您的评价" in html
    assert "&lt;b&gt;还行&lt;/b&gt;" in html and "<b>还行</b>" not in html


def test_feedback_needs_a_score(filed, hq_agent):
    complaint = filed()
    resolve_complaint(complaint, hq_agent)
    client = Client()
    _track(client, complaint.tracking_code)
    response = client.post(f"/complaint/track/{complaint.tracking_code}/feedback/", {"score": "9"})
    assert response.status_code == 400
    assert 'id="id_score_error"' in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED and complaint.csat is None


def test_feedback_before_resolution_is_refused_with_a_message(filed):
    complaint = filed()
    client = Client()
    _track(client, complaint.tracking_code)
    response = client.post(f"/complaint/track/{complaint.tracking_code}/feedback/", {"score": "5"})
    assert response.status_code == 409
    assert "不能执行该操作" in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.INTAKE


def test_feedback_without_the_tracking_proof_goes_to_the_track_form(filed, hq_agent):
    complaint = filed()
    resolve_complaint(complaint, hq_agent)
    response = Client().post(f"/complaint/track/{complaint.tracking_code}/feedback/", {"score": "1"})
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED


def test_disagreeing_reopens_within_the_window(filed, hq_agent):
    complaint = filed()
    resolve_complaint(complaint, hq_agent)
    client = Client()
    _track(client, complaint.tracking_code)
    response = client.post(f"/complaint/track/{complaint.tracking_code}/reopen/", {"reason": "催收电话还在继续打。"})
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.IN_PROGRESS
    assert complaint.reopen_count == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.REOPENED, body="催收电话还在继续打。").exists()


def test_reopen_after_the_window_is_refused(filed, hq_agent):
    complaint = filed()
    resolve_complaint(complaint, hq_agent)
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now() - timedelta(days=31))
    client = Client()
    _track(client, complaint.tracking_code)
    html = client.get(f"/complaint/track/{complaint.tracking_code}/").content.decode()
    assert 'id="reopen-form"' not in html
    response = client.post(f"/complaint/track/{complaint.tracking_code}/reopen/", {"reason": "不同意"})
    assert response.status_code == 409
    assert "重新处理期限" in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED


def test_reopen_needs_a_reason(filed, hq_agent):
    complaint = filed()
    resolve_complaint(complaint, hq_agent)
    client = Client()
    _track(client, complaint.tracking_code)
    response = client.post(f"/complaint/track/{complaint.tracking_code}/reopen/", {"reason": "   "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED


# --- staff download ----------------------------------------------------------------------------


@pytest.fixture
def attachment(client, web_form_data, png_file, borrower):
    from tests.factories import make_loan

    make_loan(borrower=borrower, contract_number="HT-DL-1")
    client.post("/complaint/new/", {**web_form_data(mobile=borrower.mobile, reference="HT-DL-1"), "attachments": [png_file("扣款截图.png")]})
    complaint = Complaint.objects.get()
    assert complaint.branch == borrower.branch
    return complaint.attachments.get()


def test_staff_of_the_branch_download_as_attachment(attachment, agent):
    from tests.complaints_public.samples import PNG

    client = Client()
    client.force_login(agent)
    response = client.get(f"/complaint-attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%89%A3%E6%AC%BE%E6%88%AA%E5%9B%BE.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG


def test_other_branch_and_collectors_and_anonymous_cannot_download(attachment, other_agent, collector, hq_user):
    url = f"/complaint-attachments/{attachment.pk}/download/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    c = Client()
    c.force_login(other_agent)
    assert c.get(url).status_code == 404  # another branch: not even a hint it exists
    c.force_login(collector)
    assert c.get(url).status_code == 403  # collectors do not see complaints
    c.force_login(hq_user)
    assert c.get(url).status_code == 200  # HQ sees every branch


def test_there_is_no_public_url_for_uploaded_files(attachment, settings):
    from django.urls import Resolver404, resolve

    for prefix in ("/media/", settings.MEDIA_URL or "/media/"):
        with pytest.raises(Resolver404):
            resolve(prefix + attachment.file.name)


def test_staff_partial_links_each_attachment_to_the_download_view(attachment):
    from django.template.loader import render_to_string

    html = render_to_string(
        "complaints/public/staff_attachments.html", {"attachments": attachment.complaint.attachments.all()}
    )
    assert f'href="/complaint-attachments/{attachment.pk}/download/"' in html
    assert "扣款截图.png" in html


def test_unverified_status_redirect_encodes_the_code(client):
    response = client.get("/complaint/track/AB&x=1/")
    assert response.status_code == 302
    assert response["Location"] == "/complaint/track/?code=AB%26x%3D1"


def test_spelling_the_code_differently_does_not_reset_the_failure_counter(filed, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"RATE_TRACK_FAILURES_PER_CODE": "2/3600"}}
    complaint = filed()
    code = complaint.tracking_code
    for spelling in (code, f"{code[:3]}-{code[3:]}".lower()):
        assert _track(Client(), spelling, last4="0000").status_code == 404
    assert _track(Client(), f" {code[:5]} {code[5:]} ").status_code == 429
