"""Collections API: scoping (branch, agency), the guard's refusal JSON, four-eyes, 409s, field errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from debt_collection.models import (
    BlockedContact,
    CollectionCase,
    CollectorOrganisation,
    CollectorProfile,
    ContactAttempt,
)
from tests.debt_collection.helpers import local
from tests.factories import BorrowerFactory, UserFactory, make_loan

pytestmark = pytest.mark.django_db


def _other_case(branch):
    borrower = BorrowerFactory(branch=branch)
    return CollectionCase.objects.create(loan=make_loan(borrower=borrower), borrower=borrower, branch=branch, bucket="M1")


def test_cases_are_scoped_by_branch(api_client, case, other_branch, collector, hq_user):
    theirs = _other_case(other_branch)
    api_client.force_authenticate(collector)
    ids = [c["id"] for c in api_client.get("/api/collections/cases/").json()["results"]]
    assert ids == [case.pk]
    assert api_client.get(f"/api/collections/cases/{theirs.pk}/").status_code == 404
    api_client.force_authenticate(hq_user)
    assert {c["id"] for c in api_client.get("/api/collections/cases/").json()["results"]} == {case.pk, theirs.pk}


def test_agency_token_sees_only_its_placed_cases(api_client, case, branch, supervisor):
    from debt_collection.services import case_place_with_agency

    agency = CollectorOrganisation.objects.create(name="外包A", kind="agency", branch=branch)
    agency_user = UserFactory(username="agency_api", role="collector", branch=branch)
    CollectorProfile.objects.create(user=agency_user, organisation=agency)
    other = _other_case(branch)
    case_place_with_agency(case=other, agency=agency, actor=supervisor)
    api_client.force_authenticate(agency_user)
    assert [c["id"] for c in api_client.get("/api/collections/cases/").json()["results"]] == [other.pk]
    response = api_client.post("/api/collections/contacts/", {"case": case.pk, "channel": "call", "outcome": "no_answer"},
                               format="json")
    assert response.status_code == 400 and "case" in response.json()["errors"]


def test_contact_refusal_is_409_with_rule_and_next_allowed_time(api_client, case, collector, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: local("Asia/Shanghai", 2026, 3, 20, 22, 30))
    api_client.force_authenticate(collector)
    response = api_client.post("/api/collections/contacts/", {"case": case.pk, "channel": "call", "outcome": "no_answer"},
                               format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "contact_refused" and body["rule"] == "quiet_hours"
    assert body["next_allowed_at"].startswith("2026-03-21T08:00:00+08:00")
    assert BlockedContact.objects.get().actor == collector
    assert not ContactAttempt.objects.exists()


def test_contact_field_errors_are_400(api_client, case, collector, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: local("Asia/Shanghai", 2026, 3, 20, 10, 0))
    api_client.force_authenticate(collector)
    response = api_client.post("/api/collections/contacts/", {"case": case.pk, "channel": "fax", "outcome": "no_answer"},
                               format="json")
    assert response.status_code == 400 and "channel" in response.json()["errors"]
    response = api_client.post("/api/collections/contacts/", {"case": case.pk, "channel": "visit", "outcome": "refused",
                                                              "visit_staff": [collector.pk]}, format="json")
    assert response.status_code == 400 and "visit_staff" in response.json()["errors"]
    response = api_client.post("/api/collections/contacts/", {"case": case.pk, "channel": "call", "outcome": "promise"},
                               format="json")
    assert response.status_code == 400 and "recording" in response.json()["errors"]
    assert not ContactAttempt.objects.exists()


def test_contact_logged_through_the_api(api_client, case, collector, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: local("Asia/Shanghai", 2026, 3, 20, 10, 0))
    api_client.force_authenticate(collector)
    response = api_client.post("/api/collections/contacts/", {"case": case.pk, "channel": "call", "outcome": "refused",
                                                              "recording_ref": "CC-9"}, format="json")
    assert response.status_code == 201
    assert response.json()["created_by"] == collector.username
    assert api_client.get(f"/api/collections/cases/{case.pk}/").json()["state"] == "contacting"


def test_transitions_through_the_api_and_stale_state_409(api_client, case, supervisor, collector):
    api_client.force_authenticate(supervisor)
    response = api_client.post(f"/api/collections/cases/{case.pk}/hold/", {"reason": "hardship", "expected_state": "open"},
                               format="json")
    assert response.status_code == 200 and response.json()["state"] == "on_hold"
    response = api_client.post(f"/api/collections/cases/{case.pk}/escalate/", {"expected_state": "open"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "stale_state"
    response = api_client.post(f"/api/collections/cases/{case.pk}/release/", {}, format="json")
    assert response.json()["state"] == "open"
    api_client.force_authenticate(collector)
    response = api_client.post(f"/api/collections/cases/{case.pk}/escalate/", {}, format="json")
    assert response.status_code == 403


def test_state_is_read_only(api_client, case, supervisor):
    api_client.force_authenticate(supervisor)
    assert api_client.patch(f"/api/collections/cases/{case.pk}/", {"state": "cured"}, format="json").status_code == 405


def test_promises_and_arrangements_with_four_eyes(api_client, live_case, collector, supervisor, other_supervisor):
    api_client.force_authenticate(collector)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = api_client.post("/api/collections/promises/", {"case": live_case.pk, "amount": "800.00", "promised_date": due},
                               format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    response = api_client.post("/api/collections/promises/", {"case": live_case.pk, "amount": "-1", "promised_date": due},
                               format="json")
    assert response.status_code == 400 and "amount" in response.json()["errors"]

    preview = api_client.post("/api/collections/arrangements/preview/",
                              {"case": live_case.pk, "kind": "extension", "extension_months": 3}, format="json")
    assert preview.status_code == 200 and len(preview.json()["rows"]) > 0
    too_long = api_client.post("/api/collections/arrangements/",
                               {"case": live_case.pk, "kind": "extension", "extension_months": 7, "reason": "x"}, format="json")
    assert too_long.status_code == 400 and "extension_months" in too_long.json()["errors"]

    api_client.force_authenticate(supervisor)
    created = api_client.post("/api/collections/arrangements/",
                              {"case": live_case.pk, "kind": "extension", "extension_months": 3, "reason": "失业"}, format="json")
    assert created.status_code == 201
    arr_id = created.json()["id"]
    own = api_client.post(f"/api/collections/arrangements/{arr_id}/approve/", {}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "four_eyes"
    api_client.force_authenticate(other_supervisor)
    approved = api_client.post(f"/api/collections/arrangements/{arr_id}/approve/", {"note": "同意"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = api_client.post(f"/api/collections/arrangements/{arr_id}/reject/", {"note": "晚了"}, format="json")
    assert again.status_code == 409


def test_anonymous_and_agents_get_nothing(api_client, case, agent):
    assert api_client.get("/api/collections/cases/").status_code in (401, 403)
    api_client.force_authenticate(agent)
    assert api_client.get("/api/collections/cases/").json()["results"] == []
