"""The collector queue and the case page: order, filters, scoping, constant queries, forms."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from debt_collection.models import (
    CaseEvent,
    CollectionCase,
    CollectorOrganisation,
    CollectorProfile,
    ContactAttempt,
)
from tests.debt_collection.helpers import local
from tests.factories import BorrowerFactory, UserFactory, make_loan

pytestmark = pytest.mark.django_db

# The smallest valid MP3 frame header filetype recognises, and a WAV header.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 400
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + b"\x00" * 400


def _case(branch, *, state="open", dpd=10, amount="1000.00", last_contact=None, promise_date=None, assigned=None, agency=None):
    borrower = BorrowerFactory(branch=branch)
    loan = make_loan(borrower=borrower)
    return CollectionCase.objects.create(
        loan=loan, borrower=borrower, branch=branch, state=state, bucket="M1", days_past_due=dpd, amount_due=D(amount),
        last_contact_at=last_contact, next_promise_date=promise_date, assigned_to=assigned, agency=agency,
    )


def test_queue_order_promises_today_then_never_contacted_then_dpd_times_amount(client, branch, collector):
    today = timezone.localdate()
    contacted = timezone.now() - timedelta(days=1)
    big = _case(branch, dpd=60, amount="50000", last_contact=contacted)
    small = _case(branch, dpd=5, amount="1000", last_contact=contacted)
    never = _case(branch, dpd=1, amount="10", last_contact=None)
    promise_today = _case(branch, state="promised", dpd=2, amount="10", last_contact=contacted, promise_date=today)
    promise_later = _case(branch, state="promised", dpd=3, amount="10", last_contact=contacted, promise_date=today + timedelta(days=2))
    _case(branch, state="cured")  # closed cases are not in the queue
    client.force_login(collector)
    response = client.get(reverse("debt_collection:queue"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"]] == [promise_today.pk, never.pk, big.pk, small.pk, promise_later.pk]


def test_queue_filters_by_bucket_and_state(client, branch, collector):
    a = _case(branch)
    b = _case(branch, state="promised", promise_date=timezone.localdate())
    CollectionCase.objects.filter(pk=b.pk).update(bucket="M3")
    client.force_login(collector)
    response = client.get(reverse("debt_collection:queue"), {"bucket": "M3"})
    assert [c.pk for c in response.context["page"]] == [b.pk]
    response = client.get(reverse("debt_collection:queue"), {"state": "open"})
    assert [c.pk for c in response.context["page"]] == [a.pk]
    response = client.get(reverse("debt_collection:queue"), {"state": "nonsense"})
    assert response.status_code == 200  # an invalid filter is ignored, never a 500


def test_queue_query_count_is_constant_and_paginated(client, branch, collector):
    for _ in range(3):
        _case(branch)
    client.force_login(collector)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("debt_collection:queue"))
    for _ in range(27):
        _case(branch)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("debt_collection:queue"))
    assert len(many) == len(few)
    assert len(response.context["page"]) == 25 and response.context["page"].paginator.num_pages == 2
    assert client.get(reverse("debt_collection:queue"), {"page": 2}).context["page"].number == 2


def test_queue_htmx_returns_the_rows_partial(client, branch, collector):
    _case(branch)
    client.force_login(collector)
    response = client.get(reverse("debt_collection:queue"), HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode() and "<table" in response.content.decode()


def test_branch_scoping_and_roles(client, branch, other_branch, collector, agent):
    mine = _case(branch)
    theirs = _case(other_branch)
    client.force_login(collector)
    assert [c.pk for c in client.get(reverse("debt_collection:queue")).context["page"]] == [mine.pk]
    assert client.get(reverse("debt_collection:case", args=[theirs.pk])).status_code == 404
    client.force_login(agent)  # customer-service agents do not work collections
    assert client.get(reverse("debt_collection:queue")).status_code == 403


def test_agency_staff_see_only_cases_placed_with_their_agency(client, branch, supervisor):
    agency = CollectorOrganisation.objects.create(name="某某催收公司", kind="agency", branch=branch)
    agency_user = UserFactory(username="agency_1", role="collector", branch=branch)
    CollectorProfile.objects.create(user=agency_user, organisation=agency)
    placed = _case(branch)
    internal = _case(branch)
    from debt_collection.services import case_place_with_agency

    case_place_with_agency(case=placed, agency=agency, actor=supervisor)
    placed.refresh_from_db()
    assert placed.agency == agency and placed.assigned_to == agency_user  # the agency's only collector
    client.force_login(agency_user)
    assert [c.pk for c in client.get(reverse("debt_collection:queue")).context["page"]] == [placed.pk]
    assert client.get(reverse("debt_collection:case", args=[internal.pk])).status_code == 404
    assert client.get(reverse("debt_collection:case", args=[placed.pk])).status_code == 200
    assert CaseEvent.objects.filter(case=placed, kind="placed_with_agency").exists()


def test_case_page_shows_loans_contacts_promises_timeline_with_constant_queries(client, case, collector):
    from tests.debt_collection.helpers import log_calls

    log_calls(borrower=case.borrower, case=case, at=timezone.now() - timedelta(hours=6), n=1)
    client.force_login(collector)
    with CaptureQueriesContext(connection) as before:
        response = client.get(reverse("debt_collection:case", args=[case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.loan.contract_number in page and case.borrower.mobile not in page  # masked
    log_calls(borrower=case.borrower, case=case, at=timezone.now() - timedelta(hours=5), n=15)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("debt_collection:case", args=[case.pk]))
    assert len(after) == len(before)


def _log(client, case, **data):
    payload = {"channel": "call", "target": "borrower", "outcome": "no_answer", "expected_state": case.state}
    payload.update(data)
    return client.post(reverse("debt_collection:case_contact", args=[case.pk]), payload)


@pytest.fixture
def daytime(monkeypatch):
    at = local("Asia/Shanghai", 2026, 3, 20, 10, 0)
    monkeypatch.setattr(timezone, "now", lambda: at)
    return at


def test_logging_a_call_moves_the_case_to_contacting(client, case, collector, daytime):
    client.force_login(collector)
    response = _log(client, case, notes="无人接听")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "contacting" and case.last_contact_at == daytime
    attempt = ContactAttempt.objects.get()
    assert (attempt.phone_number, attempt.created_by) == (case.borrower.mobile, collector)
    assert CaseEvent.objects.filter(case=case, kind="contact", payload__contact_id=attempt.pk).exists()


def test_cn_answered_call_needs_a_recording(client, case, collector, daytime):
    client.force_login(collector)
    response = _log(client, case, outcome="refused")
    assert response.status_code == 400
    assert response.context["contact_form"].errors["recording"]
    assert not ContactAttempt.objects.exists()
    assert _log(client, case, outcome="refused", recording_ref="CC-2026-0001").status_code == 302


def test_recording_is_checked_by_content_and_stored_outside_the_web_root(client, case, collector, daytime, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(collector)
    fake = SimpleUploadedFile("call.mp3", b"<html>not audio</html>", content_type="audio/mpeg")
    response = _log(client, case, outcome="refused", recording=fake)
    assert response.status_code == 400 and response.context["contact_form"].errors["recording"]
    real = SimpleUploadedFile("../../etc/passwd.wav", WAV, content_type="application/octet-stream")
    assert _log(client, case, outcome="refused", recording=real).status_code == 302
    attempt = ContactAttempt.objects.get()
    assert attempt.recording.name.startswith("call-recordings/") and attempt.recording.name.endswith(".wav")
    assert str(tmp_path) in attempt.recording.path
    download = client.get(reverse("debt_collection:recording", args=[attempt.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"RIFF")
    assert download["Cache-Control"] == "private, no-store"
    stranger = UserFactory(username="c_bj2", role="collector", branch=BorrowerFactory().branch)
    client.force_login(stranger)
    assert client.get(reverse("debt_collection:recording", args=[attempt.pk])).status_code == 404


def test_field_visit_names_at_least_two_staff(client, case, collector, branch, daytime):
    client.force_login(collector)
    response = _log(client, case, channel="visit", outcome="promise", promise_amount="500", promise_date="2026-03-25",
                    visit_staff=[collector.pk])
    assert response.status_code == 400 and response.context["contact_form"].errors["visit_staff"]
    partner = UserFactory(username="collector_a9", role="collector", branch=branch)
    response = _log(client, case, channel="visit", outcome="promise", promise_amount="500", promise_date="2026-03-25",
                    visit_staff=[collector.pk, partner.pk])
    assert response.status_code == 302
    visit = ContactAttempt.objects.get()
    assert set(visit.visit_staff.all()) == {collector, partner}
    case.refresh_from_db()
    assert case.state == "promised" and case.next_promise_date == date(2026, 3, 25)


def test_dispute_outcome_puts_the_case_on_hold(client, case, collector, daytime):
    client.force_login(collector)
    assert _log(client, case, outcome="dispute", recording_ref="CC-1").status_code == 302
    case.refresh_from_db()
    assert (case.state, case.hold_reason) == ("on_hold", "dispute")


def test_stale_form_gets_a_409_not_an_overwrite(client, case, collector, supervisor, daytime):
    from debt_collection.services import case_escalate

    client.force_login(collector)
    case_escalate(case=case, actor=supervisor)  # someone moved it after the collector opened the page
    response = _log(client, case, expected_state="open")
    assert response.status_code == 409
    assert not ContactAttempt.objects.exists()


def test_pre_dial_check_shows_the_rule(client, case, collector, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: local("Asia/Shanghai", 2026, 3, 20, 23, 0))
    client.force_login(collector)
    response = client.post(reverse("debt_collection:case_contact_check", args=[case.pk]), {"channel": "call"})
    assert response.status_code == 200 and "quiet_hours" in response.content.decode()
    assert "2026-03-21 08:00" in response.content.decode()


def test_four_eyes_on_the_page(client, case, collector, supervisor, other_supervisor, live_case):
    from debt_collection.models import RepaymentArrangement

    client.force_login(supervisor)
    response = client.post(reverse("debt_collection:case_arrangement", args=[live_case.pk]),
                           {"kind": "restructure", "new_term_months": "24", "reason": "收入下降", "preview": "1"})
    assert response.status_code == 200 and len(response.context["arrangement_preview"]["rows"]) == 24
    assert not RepaymentArrangement.objects.exists()  # a preview writes nothing
    client.post(reverse("debt_collection:case_arrangement", args=[live_case.pk]),
                {"kind": "restructure", "new_term_months": "24", "reason": "收入下降"})
    arr = RepaymentArrangement.objects.get()
    page = client.get(reverse("debt_collection:case", args=[live_case.pk])).content.decode()
    assert reverse("debt_collection:arrangement_decide", args=[arr.pk]) not in page  # no approve button for the proposer
    response = client.post(reverse("debt_collection:arrangement_decide", args=[arr.pk]), {"decision": "approve"})
    assert response.status_code == 403
    arr.refresh_from_db()
    assert arr.status == "proposed"
    client.force_login(other_supervisor)
    assert reverse("debt_collection:arrangement_decide", args=[arr.pk]) in client.get(
        reverse("debt_collection:case", args=[live_case.pk])).content.decode()
    client.post(reverse("debt_collection:arrangement_decide", args=[arr.pk]), {"decision": "approve", "note": "同意"})
    arr.refresh_from_db()
    assert arr.status == "approved" and arr.schedule_version == 2


def test_arrangement_form_shows_field_errors(client, live_case, collector):
    client.force_login(collector)
    response = client.post(reverse("debt_collection:case_arrangement", args=[live_case.pk]),
                           {"kind": "extension", "extension_months": "9", "reason": "x"})
    assert response.status_code == 400
    assert response.context["arrangement_form"].errors["extension_months"]


def test_callback_is_scheduled_after_commit(client, case, collector, daytime, django_capture_on_commit_callbacks):
    client.force_login(collector)
    url = reverse("debt_collection:case_action", args=[case.pk, "callback"])
    response = client.post(url, {"at": "2026-03-20T09:00"})
    assert response.status_code == 400 and response.context["callback_form"].errors["at"]  # in the past
    from unittest import mock

    with mock.patch("debt_collection.tasks.callback_due.apply_async") as apply_async, \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"at": "2026-03-20T15:30"})
    assert response.status_code == 302
    apply_async.assert_called_once()
    assert apply_async.call_args.kwargs["args"] == (case.pk, collector.pk)
    assert apply_async.call_args.kwargs["eta"] == local("Asia/Shanghai", 2026, 3, 20, 15, 30)
    assert CaseEvent.objects.filter(case=case, kind="callback_scheduled").exists()


def test_collector_without_profile_is_assigned_all_buckets(branch, collector):
    from debt_collection.services import case_open

    borrower = BorrowerFactory(branch=branch)
    loan = make_loan(borrower=borrower)
    assert case_open(loan=loan).assigned_to == collector


def test_a_concurrent_contact_between_check_and_lock_is_still_refused(case, collector, monkeypatch, daytime):
    """The guard runs again once the case row is locked: two collectors logging the 6th and 7th
    unanswered call at the same moment cannot both get in."""
    from debt_collection.models import BlockedContact
    from debt_collection.services import ContactRefused, contact_log
    from debt_collection.services import contacts as contacts_module
    from tests.debt_collection.helpers import log_calls

    log_calls(borrower=case.borrower, case=case, at=daytime - timedelta(hours=1), n=6)
    real = contacts_module.contact_check
    calls = {"n": 0}

    def first_check_misses_the_concurrent_calls(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            from debt_collection.compliance import ALLOWED

            return ALLOWED
        return real(**kwargs)

    monkeypatch.setattr(contacts_module, "contact_check", first_check_misses_the_concurrent_calls)
    with pytest.raises(ContactRefused) as exc:
        contact_log(case=case, channel="call", outcome="no_answer", actor=collector)
    assert exc.value.rule == "daily_unanswered_calls"
    assert ContactAttempt.objects.count() == 6
    assert BlockedContact.objects.get().rule == "daily_unanswered_calls"
