"""Filing a complaint on the public form: what the borrower sees and what is stored."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from complaints.choices import ComplaintChannel, State
from complaints.models import Complaint, ComplaintAttachment
from notifications.models import OutboundMessage
from tests.complaints_public.samples import EXE, JPEG
from tests.factories import make_loan

pytestmark = pytest.mark.django_db

NEW = "/complaint/new/"


def _files_on_disk(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _post(client, data, files=None):
    payload = dict(data)
    if files:
        payload["attachments"] = files
    return client.post(NEW, payload)


def test_urls_are_the_documented_public_ones():
    assert reverse("public_complaints:new") == "/complaint/new/"
    assert reverse("public_complaints:track") == "/complaint/track/"


def test_form_page_is_public_accessible_and_csp_clean(client):
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("name", "mobile", "reference", "category", "description", "desired_outcome",
                 "preferred_channel", "preferred_time", "attachments", "consent"):
        assert f'name="{name}"' in html
    # every visible input has a label; radios are grouped in a fieldset with a legend
    assert '<label for="id_name">' in html and '<label for="id_mobile">' in html
    assert "<fieldset" in html and "<legend>" in html
    # no inline script or style (CSP: script-src 'self'; style-src 'self')
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert 'enctype="multipart/form-data"' in html


def test_valid_submission_creates_one_web_form_complaint_in_intake_and_acknowledges_it(
    client, web_form_data, branch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(client, web_form_data())
    assert response.status_code == 302
    assert response["Location"] == "/complaint/submitted/"
    complaint = Complaint.objects.get()
    assert complaint.state == State.INTAKE
    assert complaint.channel == ComplaintChannel.WEB_FORM
    assert complaint.category == "collection_conduct"
    assert complaint.complainant_mobile == "13912345678"
    assert complaint.desired_outcome.startswith("停止骚扰")
    assert complaint.preferred_channel == "sms"
    assert complaint.borrower is None and complaint.loan is None
    # the acknowledgement SMS carries the tracking code and goes out after commit
    sms = OutboundMessage.objects.get(channel="sms")
    assert sms.to == "13912345678"
    assert complaint.tracking_code in sms.body
    assert callbacks, "the send is enqueued on commit"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert complaint.tracking_code in html
    due = complaint.regulatory_due_at.astimezone(complaint.branch.tzinfo).date().isoformat()
    assert due in html
    assert "139****5678" in html and "13912345678" not in html


def test_ack_page_without_a_submission_goes_back_to_the_form(client):
    response = client.get("/complaint/submitted/")
    assert response.status_code == 302 and response["Location"] == NEW


def test_mobile_and_contract_that_agree_match_the_borrower_and_loan(client, web_form_data, borrower):
    loan = make_loan(borrower=borrower, contract_number="HT-2026-0001", plate="沪A12345")
    _post(client, web_form_data(mobile=borrower.mobile, reference="ht 2026 0001"))
    complaint = Complaint.objects.get()
    assert complaint.borrower == borrower
    assert complaint.loan == loan
    assert complaint.branch == borrower.branch


def test_plate_also_matches(client, web_form_data, borrower):
    loan = make_loan(borrower=borrower, contract_number="HT-2026-0002", plate="沪A12345")
    _post(client, web_form_data(mobile=borrower.mobile, reference="沪a-12345"))
    assert Complaint.objects.get().loan == loan


@pytest.mark.parametrize("case", ["wrong_reference", "wrong_mobile", "no_reference"])
def test_partial_matches_attach_nothing_and_the_page_looks_the_same(client, web_form_data, borrower, hq_branch, case):
    make_loan(borrower=borrower, contract_number="HT-2026-0003", plate="沪A54321")
    matched = Client()
    matched.post(NEW, web_form_data(mobile=borrower.mobile, reference="HT-2026-0003", description="第一条投诉的内容，足够长。"))
    data = {
        "wrong_reference": web_form_data(mobile=borrower.mobile, reference="HT-2026-9999"),
        "wrong_mobile": web_form_data(mobile="13700000000", reference="HT-2026-0003"),
        "no_reference": web_form_data(mobile=borrower.mobile, reference=""),
    }[case]
    _post(client, data)
    unmatched = Complaint.objects.exclude(loan__isnull=False).get()
    assert unmatched.borrower is None and unmatched.loan is None
    assert unmatched.branch == hq_branch  # unmatched web complaints go to HQ for triage

    def skeleton(c, complaint):
        html = c.get("/complaint/submitted/").content.decode()
        from common.masking import mask_phone

        for value in (complaint.tracking_code, mask_phone(complaint.complainant_mobile)):
            html = html.replace(value, "X")
        return re.sub(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?", "D", html.replace("csrfmiddlewaretoken", ""))

    matched_complaint = Complaint.objects.get(loan__isnull=False)
    a = re.sub(r'value="[^"]{20,}"', "", skeleton(matched, matched_complaint))
    b = re.sub(r'value="[^"]{20,}"', "", skeleton(client, unmatched))
    assert a == b, "the acknowledgement never reveals whether the complaint matched a loan"


def test_attachments_are_stored_privately_with_random_names(client, web_form_data, png_file, pdf_file, branch, settings):
    response = _post(client, web_form_data(), files=[png_file("../../evil 截图.png"), pdf_file()])
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    attachments = list(complaint.attachments.order_by("id"))
    assert [a.content_type for a in attachments] == ["image/png", "application/pdf"]
    assert attachments[0].original_name == "evil 截图.png"
    for a in attachments:
        path = a.file.path
        assert path.startswith(str(settings.MEDIA_ROOT))
        assert "截图" not in path and "合同" not in path  # random on-disk name
        assert str(settings.STATIC_ROOT) not in path


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("setup.jpg", EXE, "不是 JPG、PNG 或 PDF 文件"),  # an .exe renamed .jpg
        ("photo.png", b"<svg onload=alert(1)>", "不是 JPG、PNG 或 PDF 文件"),
    ],
)
def test_files_refused_by_content_store_nothing(client, web_form_data, png_file, branch, settings, filename, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile(filename, content, content_type="image/jpeg")
    response = _post(client, web_form_data(), files=[png_file(), bad])
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="id_attachments_error"' in html
    assert 'aria-describedby="id_attachments_helptext id_attachments_error"' in html
    assert Complaint.objects.count() == 0
    assert ComplaintAttachment.objects.count() == 0
    assert OutboundMessage.objects.count() == 0
    assert _files_on_disk(settings.MEDIA_ROOT) == []


def test_oversize_file_is_cut_off_while_uploading_and_named(client, web_form_data, branch, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"MAX_FILE_BYTES": 200 * 1024}}
    big = SimpleUploadedFile("大图.jpg", JPEG + b"\x00" * (300 * 1024), content_type="image/jpeg")
    response = _post(client, web_form_data(), files=[big])
    assert response.status_code == 400
    html = response.content.decode()
    assert "“大图.jpg”太大" in html and "200.0\xa0KB" in html
    assert Complaint.objects.count() == 0
    assert _files_on_disk(settings.MEDIA_ROOT) == []


def test_a_body_larger_than_all_files_allowed_is_refused_unread(client, web_form_data, branch):
    response = client.post(NEW, web_form_data(), CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert response.status_code == 413
    assert "上传的文件总大小超出限制" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_more_than_five_files_are_refused(client, web_form_data, png_file, branch):
    response = _post(client, web_form_data(), files=[png_file(f"{i}.png") for i in range(6)])
    assert response.status_code == 400
    assert "最多只能上传 5 个文件" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_empty_form_shows_every_error_beside_its_field(client, branch):
    response = client.post(NEW, {})
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("name", "mobile", "description", "desired_outcome", "consent"):
        assert f'id="id_{field}_error"' in html, field
    for group in ("category", "preferred_channel", "preferred_time"):
        assert f'id="id_{group}_error"' in html, group
    assert 'aria-describedby="id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="error-summary" role="alert"' in html
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12345", "请填写 11 位手机号码"),
        ("description", "太短", "至少 10 个字"),
        ("description", "长" * 4001, "4000"),
        ("name", "名" * 51, "50"),
        ("reference", "A" * 41, "40"),
        ("desired_outcome", "x" * 2001, "2000"),
        ("category", "not-a-category", "选择一个有效的选项"),
        ("email", "not-an-email", "请填写有效的电子邮箱"),
    ],
)
def test_field_limits(client, web_form_data, branch, field, value, message):
    response = _post(client, web_form_data(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert Complaint.objects.count() == 0


def test_email_required_when_chosen_as_contact_channel(client, web_form_data, branch):
    response = _post(client, web_form_data(preferred_channel="email", email=""))
    assert response.status_code == 400
    assert "选择邮件联系时，请填写电子邮箱" in response.content.decode()


def test_mobile_is_normalised(client, web_form_data, branch):
    _post(client, web_form_data(mobile="+86 139-1234-5678"))
    assert Complaint.objects.get().complainant_mobile == "13912345678"


def test_honeypot_pretends_success_and_stores_nothing(client, web_form_data, branch):
    response = _post(client, web_form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "谢谢" in response.content.decode()
    assert Complaint.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_csrf_is_enforced(web_form_data, branch):
    client = Client(enforce_csrf_checks=True)
    response = client.post(NEW, web_form_data())
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


def test_same_complaint_twice_within_minutes_is_one_complaint(client, web_form_data, branch):
    first = _post(client, web_form_data())
    code = Complaint.objects.get().tracking_code
    # a re-submit from another browser, with different spacing
    other = Client()
    again = other.post(NEW, web_form_data(description="  催收员每天晚上十一点打电话给我父母，还威胁要上门。 "))
    assert first.status_code == again.status_code == 302
    assert Complaint.objects.count() == 1
    assert code in other.get("/complaint/submitted/").content.decode()
    assert OutboundMessage.objects.filter(channel="sms").count() == 1


def test_duplicate_found_in_the_database_when_the_cache_was_flushed(client, web_form_data, branch):
    from django.core.cache import cache

    _post(client, web_form_data())
    cache.clear()
    _post(Client(), web_form_data())
    assert Complaint.objects.count() == 1


def test_a_different_complaint_or_after_the_window_is_new(client, web_form_data, branch):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    _post(client, web_form_data())
    _post(client, web_form_data(description="另一件事：扣款金额和合同约定的不一致。"))
    assert Complaint.objects.count() == 2
    Complaint.objects.update(received_at=timezone.now() - timedelta(minutes=30))
    cache.clear()
    _post(client, web_form_data())
    assert Complaint.objects.count() == 3


def test_rate_limit_per_ip(client, web_form_data, branch, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"RATE_SUBMIT_PER_IP": "2/3600"}}
    assert _post(client, web_form_data(mobile="13900000001")).status_code == 302
    assert _post(client, web_form_data(mobile="13900000002")).status_code == 302
    response = _post(client, web_form_data(mobile="13900000003"))
    assert response.status_code == 429
    assert "太频繁" in response.content.decode()
    assert Complaint.objects.count() == 2
    # another address is not affected
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(NEW, web_form_data(mobile="13900000004")).status_code == 302


def test_rate_limit_per_mobile_across_addresses(web_form_data, branch, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"RATE_SUBMIT_PER_MOBILE": "2/86400"}}
    for i in range(2):
        c = Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
        assert c.post(NEW, web_form_data(description=f"第 {i} 件事情，描述足够长。")).status_code == 302
    c = Client(REMOTE_ADDR="198.51.100.99")
    response = c.post(NEW, web_form_data(description="第三件事情，描述足够长。"))
    assert response.status_code == 429
    assert Complaint.objects.count() == 2


def test_language_follows_the_browser_and_the_switch(client):
    assert '<html lang="en">' in client.get(NEW, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": NEW})
    assert '<html lang="en">' in client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_complaint_language_is_recorded_for_later_messages(client, web_form_data, branch):
    client.post(NEW, web_form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert Complaint.objects.get().language == "en"
