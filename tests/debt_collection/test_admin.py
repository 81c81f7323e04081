"""Admin: rule packs are edited there; timeline and blocked contacts are read-only."""

import pytest
from django.urls import reverse

from debt_collection.models import ContactRulePack

pytestmark = pytest.mark.django_db

MODELS = ["contactrulepack", "blockedcontact", "caseevent", "collectororganisation", "collectorprofile", "collectioncase",
          "contactattempt", "promisetopay", "repaymentarrangement", "enforcementrecord"]


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_an_admin_list(client, admin_user, case, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:debt_collection_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["caseevent", "blockedcontact", "contactattempt"])
def test_audit_rows_cannot_be_added(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:debt_collection_{model}_add")).status_code == 403


def test_rule_pack_numbers_are_edited_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    pack = ContactRulePack.objects.get(code="CN")
    url = reverse("admin:debt_collection_contactrulepack_change", args=[pack.pk])
    data = {
        "code": "CN", "name": pack.name, "quiet_start": "21:30", "quiet_end": "08:30",
        "max_unanswered_calls_per_number_per_day": "4", "max_calls_per_debt_in_period": "", "call_period_days": "7",
        "days_after_conversation": "", "third_party_failed_attempts": "3", "require_call_recording": "on",
        "min_visit_staff": "2", "record_retention_years": "3",
    }
    assert client.post(url, data).status_code == 302
    pack.refresh_from_db()
    assert (pack.quiet_start.strftime("%H:%M"), pack.max_unanswered_calls_per_number_per_day) == ("21:30", 4)
