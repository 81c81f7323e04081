"""The admin: policies and calendars editable; complaints, events and escalations read-only."""

import pytest
from django.urls import reverse

from complaints.models import ComplaintEvent, SlaPolicy

pytestmark = pytest.mark.django_db

MODELS = ["complaint", "complaintevent", "complaintattachment", "slapolicy", "businesscalendar", "holiday",
          "escalationcontact", "escalation"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelists_render(admin_client, make_complaint, model):
    make_complaint()
    assert admin_client.get(reverse(f"admin:complaints_{model}_changelist")).status_code == 200


def test_events_are_read_only(admin_client, make_complaint):
    event = make_complaint().events.first()
    assert admin_client.get(reverse("admin:complaints_complaintevent_add")).status_code == 403
    response = admin_client.post(reverse("admin:complaints_complaintevent_delete", args=[event.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ComplaintEvent.objects.filter(pk=event.pk).exists()


def test_sla_policy_is_editable(admin_client):
    policy = SlaPolicy.objects.get(category="other", priority="urgent")
    url = reverse("admin:complaints_slapolicy_change", args=[policy.pk])
    response = admin_client.post(
        url, {"category": "other", "priority": "urgent", "first_response_minutes": 90, "resolution_minutes": 480, "is_active": "on"}
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.first_response_minutes == 90


def test_complaint_page_shows_what_the_sweep_watches(admin_client, make_complaint):
    complaint = make_complaint()
    page = admin_client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "投诉时限与升级" in page  # the read-only timers inline
    assert 'name="timers-0-escalation_level"' not in page  # shown, not editable
