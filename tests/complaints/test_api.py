"""The complaints API: scoped lists, filters, create, each transition as a POST action, 409/400/403."""

import pytest

from complaints.models import Complaint, Escalation
from notifications.models import OutboundMessage
from tests.complaints.conftest import sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def url(pk=None, action=None):
    base = "/api/complaints/"
    if pk is None:
        return base
    return f"{base}{pk}/{action}/" if action else f"{base}{pk}/"


def test_list_is_scoped_to_the_branch(as_user, make_complaint, agent, other_agent, hq_user):
    c = make_complaint()
    assert [r["tracking_code"] for r in as_user(agent).get(url()).json()["results"]] == [c.tracking_code]
    assert as_user(other_agent).get(url()).json()["results"] == []
    assert as_user(other_agent).get(url(c.pk)).status_code == 404
    assert as_user(hq_user).get(url(c.pk)).status_code == 200


def test_anonymous_gets_401_or_403(api_client, make_complaint):
    c = make_complaint()
    assert api_client.get(url(c.pk)).status_code in (401, 403)


def test_detail_masks_the_mobile_for_agents(as_user, make_complaint, agent):
    c = make_complaint(complainant_mobile="13912345678")
    body = as_user(agent).get(url(c.pk)).json()
    assert body["complainant_mobile"] == "139****5678"
    assert body["state"] == "intake" and body["version"] == c.version


def test_filters(clock, as_user, in_progress, make_complaint, agent):
    urgent = in_progress(priority="urgent", category="interest_fees")
    plain = make_complaint(category="other")
    client = as_user(agent)

    def codes(query):
        return {r["tracking_code"] for r in client.get(url() + query).json()["results"]}

    assert codes("?state=in_progress") == {urgent.tracking_code}
    assert codes("?state=intake&state=in_progress") == {urgent.tracking_code, plain.tracking_code}
    assert codes("?category=other") == {plain.tracking_code}
    assert codes("?priority=urgent") == {urgent.tracking_code}
    assert codes("?assignee=me") == {urgent.tracking_code}
    assert codes("?assignee=none") == {plain.tracking_code}
    assert codes("?branch=SH") == {urgent.tracking_code, plain.tracking_code}
    assert codes("?breaching_within=180") == {urgent.tracking_code}
    assert codes(f"?tracking_code={plain.tracking_code.lower()}") == {plain.tracking_code}
    assert client.get(url() + "?state=bogus").status_code == 400


def test_create_by_phone(as_user, agent, borrower, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = as_user(agent).post(
            url(),
            {
                "channel": "phone", "category": "vehicle_mortgage", "borrower": borrower.pk,
                "complainant_name": borrower.name, "complainant_mobile": borrower.mobile,
                "description": "贷款已结清一个月，还没办解押。",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    c = Complaint.objects.get(pk=body["id"])
    assert c.created_by == agent and c.branch == agent.branch and c.channel == "phone"
    assert OutboundMessage.objects.filter(to=borrower.mobile, body__contains=c.tracking_code).exists()


def test_create_validation_errors_are_per_field(as_user, agent):
    response = as_user(agent).post(url(), {"complainant_name": "", "category": "x"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"complainant_name", "description", "category"} <= set(errors)
    assert not Complaint.objects.exists()


def test_create_without_contact_is_a_field_error(as_user, agent):
    response = as_user(agent).post(url(), {"complainant_name": "李", "description": "x"}, format="json")
    assert response.status_code == 400
    assert "complainant_mobile" in response.json()["errors"]


def test_collector_cannot_create(as_user, collector):
    response = as_user(collector).post(url(), {"complainant_name": "李", "description": "x", "complainant_mobile": "13900000000"}, format="json")
    assert response.status_code == 403


def test_full_lifecycle_through_actions(clock, as_user, make_complaint, agent):
    c = make_complaint()
    client = as_user(agent)
    r = client.post(url(c.pk, "classify"), {"category": "interest_fees", "priority": "high"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "classified" and r.json()["owner_id"] == agent.pk
    assert client.post(url(c.pk, "start"), {}, format="json").json()["state"] == "in_progress"
    r = client.post(url(c.pk, "reply"), {"body": "正在核实", "channel": "sms"}, format="json")
    assert r.status_code == 201 and r.json()["visible_to_borrower"]
    r = client.post(url(c.pk, "wait-on-borrower"), {"reason": "需要合同照片"}, format="json")
    assert r.json()["state"] == "waiting_on_borrower"
    assert client.post(url(c.pk, "resume"), {}, format="json").json()["state"] == "in_progress"
    r = client.post(url(c.pk, "note"), {"body": "内部备注"}, format="json")
    assert r.status_code == 201 and not r.json()["visible_to_borrower"]
    r = client.post(url(c.pk, "resolve"), {"resolution_summary": "已退还多收利息", "root_cause": "fee_or_interest_error"}, format="json")
    assert r.json()["state"] == "resolved"
    r = client.post(url(c.pk, "feedback"), {"csat": 4, "comment": "满意"}, format="json")
    assert r.json()["state"] == "closed" and r.json()["csat"] == 4
    r = client.post(url(c.pk, "reopen"), {"reason": "还有一笔没退"}, format="json")
    assert r.json()["state"] == "in_progress" and r.json()["reopen_count"] == 1
    timeline = client.get(url(c.pk, "timeline")).json()["results"]  # oldest first, paged
    assert [e["kind"] for e in timeline][-1] == "reopened"
    assert {"classified", "started", "reply", "waiting_on_borrower", "resumed", "note", "resolved", "feedback"} <= {
        e["kind"] for e in timeline
    }


def test_wrong_state_is_409_with_a_code(as_user, make_complaint, agent):
    c = make_complaint()
    r = as_user(agent).post(url(c.pk, "resolve"), {"resolution_summary": "x", "root_cause": "policy"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"


def test_stale_version_is_409_conflict(as_user, make_complaint, agent):
    c = make_complaint()
    client = as_user(agent)
    client.post(url(c.pk, "assign"), {"assignee": agent.pk}, format="json")
    r = client.post(url(c.pk, "classify"), {"category": "other", "priority": "low", "version": c.version}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_missing_required_input_is_400(as_user, in_progress, agent):
    c = in_progress()
    r = as_user(agent).post(url(c.pk, "resolve"), {"root_cause": "policy"}, format="json")
    assert r.status_code == 400 and "resolution_summary" in r.json()["errors"]
    r = as_user(agent).post(url(c.pk, "resolve"), {"resolution_summary": " ", "root_cause": "policy"}, format="json")
    assert r.status_code == 400 and "resolution_summary" in r.json()["errors"]


def test_state_is_read_only(as_user, make_complaint, agent):
    c = make_complaint()
    assert as_user(agent).patch(url(c.pk), {"state": "closed"}, format="json").status_code == 405
    assert Complaint.objects.get(pk=c.pk).state == "intake"


def test_reject_merge_extend_hold(as_user, make_complaint, in_progress, loan, agent, supervisor):
    primary = in_progress()
    dup = make_complaint()
    spam = make_complaint()
    client = as_user(agent)
    r = client.post(url(dup.pk, "merge"), {"into": primary.tracking_code}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "merged" and r.json()["merged_into"] == primary.tracking_code
    r = client.post(url(spam.pk, "reject"), {"reason": "spam", "note": "广告"}, format="json")
    assert r.json()["state"] == "rejected"
    assert client.post(url(primary.pk, "extend-deadline"), {"days": 5, "reason": "x"}, format="json").status_code == 403
    client = as_user(supervisor)
    r = client.post(url(primary.pk, "extend-deadline"), {"days": 5, "reason": "需第三方核实"}, format="json")
    assert r.status_code == 200 and r.json()["extended_days"] == 5
    r = client.post(url(primary.pk, "extend-deadline"), {"days": 5, "reason": "再延"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "already_extended"
    held = make_complaint(loan=loan, category="interest_fees")
    r = client.post(url(held.pk, "collection-hold"), {"reason": "费用争议"}, format="json")
    assert r.status_code == 200 and r.json()["collection_hold"] is True


def test_escalations_endpoint_and_acknowledge(clock, as_user, in_progress, supervisor, agent):
    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    from complaints.services import sla_sweep

    sla_sweep()
    esc = Escalation.objects.get(complaint=c)
    client = as_user(supervisor)
    listed = client.get("/api/escalations/?mine=1").json()["results"]
    assert [e["id"] for e in listed] == [esc.pk]
    assert as_user(agent).post(f"/api/escalations/{esc.pk}/acknowledge/", {}, format="json").status_code == 403
    r = as_user(supervisor).post(f"/api/escalations/{esc.pk}/acknowledge/", {"note": "收到"}, format="json")
    assert r.status_code == 200 and r.json()["acknowledged_by"] == str(supervisor)
    r = as_user(supervisor).post(f"/api/escalations/{esc.pk}/acknowledge/", {}, format="json")
    assert r.status_code == 409
    assert as_user(supervisor).get(url(c.pk, "escalations")).json()["results"][0]["acknowledged_at"]


def test_schema_builds(as_user, admin_user):
    r = as_user(admin_user).get("/api/schema/")
    assert r.status_code == 200 and b"/api/complaints/{id}/resolve/" in r.content


def test_a_long_timeline_is_paged_oldest_first(as_user, make_complaint, agent):
    from complaints import services

    c = make_complaint()
    for i in range(120):
        services.complaint_add_note(complaint=c, body=f"备注 {i}", actor=agent)
    client = as_user(agent)
    first = client.get(url(c.pk, "timeline")).json()
    assert len(first["results"]) == 100 and first["next"]
    assert first["results"][0]["kind"] == "created"
    notes = [e["body"] for e in first["results"] if e["kind"] == "note"]
    assert notes[:2] == ["备注 0", "备注 1"]
    rest = client.get(first["next"]).json()
    assert [e["body"] for e in rest["results"]][-1] == "备注 119" and rest["next"] is None
    assert len(first["results"]) + len(rest["results"]) == c.events.count()
