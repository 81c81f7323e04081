"""public_complaint_submit: matching, duplicates in flight, all-or-nothing attachments."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Complaint, ComplaintAttachment
from complaints.public import services
from complaints.public.uploads import check_upload
from tests.complaints_public.samples import PDF, PNG
from tests.factories import BorrowerFactory, make_loan

pytestmark = pytest.mark.django_db


def _submission(**overrides):
    data = dict(
        name="赵六",
        mobile="13600001111",
        email="",
        reference="",
        category="interest_fees",
        description="上个月的利息比合同里写的高了很多。",
        desired_outcome="退还多收的利息。",
        preferred_channel="phone",
        preferred_time="any",
        language="zh-hans",
    )
    data.update(overrides)
    return services.PublicSubmission(**data)


def test_an_identical_submission_in_flight_waits_and_returns_the_same_complaint(hq_branch, monkeypatch):
    submission = _submission()
    cache.add(f"{services.DUPLICATE_PREFIX}:lock:{submission.fingerprint()}", "1", timeout=60)
    created = []

    def first_request_finishes(_seconds):
        # while this request waits, the request holding the lock commits its complaint
        if not created:
            cache.delete(f"{services.DUPLICATE_PREFIX}:lock:{submission.fingerprint()}")
            created.append(services.public_complaint_submit(submission=submission, uploads=[], ip="1.1.1.1"))

    monkeypatch.setattr(services.time, "sleep", first_request_finishes)
    result = services.public_complaint_submit(submission=submission, uploads=[], ip="1.1.1.2")
    assert result.duplicate is True
    assert result.complaint == created[0].complaint
    assert Complaint.objects.count() == 1


def test_a_stale_lock_does_not_block_forever(hq_branch, settings, monkeypatch):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"DUPLICATE_LOCK_WAIT_SECONDS": 1}}
    submission = _submission()
    cache.add(f"{services.DUPLICATE_PREFIX}:lock:{submission.fingerprint()}", "1", timeout=60)
    waits = []
    monkeypatch.setattr(services.time, "sleep", waits.append)
    result = services.public_complaint_submit(submission=submission, uploads=[], ip="1.1.1.1")
    assert result.duplicate is False
    assert len(waits) == 4
    assert Complaint.objects.count() == 1


def test_ambiguous_match_stays_unmatched(hq_branch, branch):
    borrower = BorrowerFactory(branch=branch, mobile="13600001111")
    make_loan(borrower=borrower, contract_number="HT-A", plate="沪B11111")
    make_loan(borrower=borrower, contract_number="HT-B", plate="沪B11111")  # same plate on two loans
    result = services.public_complaint_submit(submission=_submission(reference="沪B11111"), uploads=[], ip="x")
    assert result.complaint.loan is None and result.complaint.borrower is None
    result = services.public_complaint_submit(
        submission=_submission(reference="HT-B", description="另一件事：扣款日期不对，提前扣了。"), uploads=[], ip="x"
    )
    assert result.complaint.loan.contract_number == "HT-B"


def test_unmatched_branch_is_configurable(hq_branch, other_branch, settings):
    settings.CRM = {**settings.CRM, "PUBLIC_FORM": {"UNMATCHED_BRANCH_CODE": other_branch.code}}
    result = services.public_complaint_submit(submission=_submission(), uploads=[], ip="x")
    assert result.complaint.branch == other_branch


def test_a_failure_while_storing_attachments_leaves_no_complaint_and_no_files(hq_branch, settings, monkeypatch, tmp_path):
    from complaints import services as complaint_services

    real = complaint_services.complaint_add_attachment
    calls = []

    def fail_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(complaint_services, "complaint_add_attachment", fail_on_second)
    uploads = [
        check_upload(SimpleUploadedFile("a.png", PNG)),
        check_upload(SimpleUploadedFile("b.pdf", PDF)),
    ]
    with pytest.raises(OSError):
        services.public_complaint_submit(submission=_submission(), uploads=uploads, ip="x")
    assert Complaint.objects.count() == 0
    assert ComplaintAttachment.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not media.exists() or [p for p in media.rglob("*") if p.is_file()] == []


def test_a_refusal_by_the_complaints_service_is_shown_on_the_form(client, web_form_data, hq_branch, monkeypatch):
    from common.exceptions import DomainError
    from complaints import services as complaint_services

    def refuse(**kwargs):
        raise DomainError("文件不能超过 10 MB。", field="attachments")

    monkeypatch.setattr(complaint_services, "complaint_add_attachment", refuse)
    response = client.post(
        "/complaint/new/", {**web_form_data(), "attachments": [SimpleUploadedFile("a.png", PNG)]}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_attachments_error"' in html and "文件不能超过 10 MB。" in html
    assert Complaint.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_identical_submissions_at_the_same_instant_make_one_complaint(web_form_data, hq_branch):
    """Double tap / retry racing the first request: real threads, real transactions (PostgreSQL)."""
    import threading

    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent connections)")
    barrier = threading.Barrier(2)
    pages = []

    def submit(i):
        try:
            client = Client(REMOTE_ADDR=f"10.0.0.{i}")
            barrier.wait()
            assert client.post("/complaint/new/", web_form_data()).status_code == 302
            pages.append(client.get("/complaint/submitted/").content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Complaint.objects.count() == 1
    code = Complaint.objects.get().tracking_code
    assert len(pages) == 2 and all(code in page for page in pages)
