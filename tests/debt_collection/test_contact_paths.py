"""Three paths, one guard: every rule of both packs at its boundary through the case page, the API
and a task. Each scenario is run once just inside the rule (allowed) and once just outside (refused).

Paths:
- page: the contact-log form on the case page (a call logged now);
- api:  POST /api/collections/contacts/ (a call logged now);
- task: `debt_collection.callback_due`, the scheduled-callback task that asks the guard whether the
        collector may call now (the frequency rules govern calls, so the task path checks a call).
SMS-specific paths (page SMS, API SMS, `debt_collection.send_case_sms`) are covered below for the
rules that apply to text messages.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from debt_collection.models import BlockedContact, ContactAttempt
from debt_collection.tasks import callback_due, send_case_sms
from tests.debt_collection.helpers import local, log_calls
from tests.factories import EmergencyContactFactory, UserFactory

pytestmark = pytest.mark.django_db

SH = "Asia/Shanghai"
LA = "America/Los_Angeles"


@pytest.fixture
def us_collector(us_branch):
    return UserFactory(username="collector_us", role="collector", branch=us_branch)


@pytest.fixture
def freeze(monkeypatch):
    """Pin "now" (the guard and the services default to it)."""

    def _freeze(at):
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return _freeze


# --- scenarios: (pack, setup(case, at, inside) -> emergency contact or None, time zone, at) -----------------


def _quiet(case, at, inside):
    return None


def _daily_unanswered(case, at, inside):
    log_calls(borrower=case.borrower, case=case, at=at.replace(hour=9, minute=0), n=5 if inside else 6)


def _weekly(case, at, inside):
    # one call a day over the last 6 (inside: this is the 7th) or 7 days (this would be the 8th)
    n = 6 if inside else 7
    log_calls(borrower=case.borrower, case=case, at=at - timedelta(days=n) + timedelta(hours=1), n=n, step_minutes=24 * 60)


def _after_conversation(case, at, inside):
    talked = at - timedelta(days=7) if inside else at - timedelta(days=7) + timedelta(minutes=1)
    log_calls(borrower=case.borrower, case=case, at=talked, n=1, outcome="refused")


def _third_party(case, at, inside):
    log_calls(borrower=case.borrower, case=case, at=at - timedelta(hours=3), n=3 if inside else 2)
    return EmergencyContactFactory(borrower=case.borrower, phone="13600000009")


def _opted_out(case, at, inside):
    case.borrower.opted_out_channels = ["sms"] if inside else ["phone"]
    case.borrower.save()


def _do_not_contact(case, at, inside):
    case.borrower.do_not_contact_until = at if inside else at + timedelta(minutes=1)
    case.borrower.save()


def _on_hold(case, at, inside):
    from debt_collection.services import case_hold, case_release

    supervisor = UserFactory(username=f"sup_{case.branch.code}", role="supervisor", branch=case.branch)
    case_hold(case=case, reason="hardship", actor=supervisor)
    if inside:
        case_release(case=case, actor=supervisor)


SCENARIOS = {
    # id: (pack, setup, rule, (inside time), (outside time))
    "cn-quiet-hours": ("CN", _quiet, "quiet_hours", (2026, 3, 20, 21, 59), (2026, 3, 20, 22, 0)),
    "cn-quiet-morning": ("CN", _quiet, "quiet_hours", (2026, 3, 20, 8, 0), (2026, 3, 20, 7, 59)),
    "us-quiet-hours": ("US", _quiet, "quiet_hours", (2026, 3, 20, 20, 59), (2026, 3, 20, 21, 0)),
    "us-quiet-morning": ("US", _quiet, "quiet_hours", (2026, 3, 20, 8, 0), (2026, 3, 20, 7, 59)),
    "cn-6th-vs-7th-unanswered": ("CN", _daily_unanswered, "daily_unanswered_calls", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "us-7th-vs-8th-in-7-days": ("US", _weekly, "weekly_calls", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "us-7-days-after-conversation": ("US", _after_conversation, "after_conversation", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "cn-third-party": ("CN", _third_party, "third_party_not_unreachable", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "us-third-party": ("US", _third_party, "third_party_not_unreachable", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "cn-opted-out": ("CN", _opted_out, "opted_out", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "us-opted-out": ("US", _opted_out, "opted_out", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "cn-do-not-contact": ("CN", _do_not_contact, "do_not_contact", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "us-do-not-contact": ("US", _do_not_contact, "do_not_contact", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "cn-on-hold": ("CN", _on_hold, "case_on_hold", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
    "us-on-hold": ("US", _on_hold, "case_on_hold", (2026, 3, 20, 15, 0), (2026, 3, 20, 15, 0)),
}


def _via_page(client, case, user, emergency_contact):
    client.force_login(user)
    data = {"channel": "call", "outcome": "no_answer", "target": "borrower", "expected_state": case.state}
    if emergency_contact is not None:
        data.update(target="emergency_contact", emergency_contact=emergency_contact.pk)
    response = client.post(reverse("debt_collection:case_contact", args=[case.pk]), data)
    if response.status_code == 302:
        return "allowed"
    assert response.status_code == 409, response.content[:2000]
    page = response.content.decode()
    refusal = response.context["refusal"]
    assert refusal.rule in page and refusal.message in page
    if refusal.next_allowed_at:
        local_next = timezone.localtime(refusal.next_allowed_at, case.branch.tzinfo)
        assert local_next.strftime("%Y-%m-%d %H:%M") in page  # shown in the borrower's time zone
    return refusal.rule


def _via_api(api_client, case, user, emergency_contact):
    api_client.force_authenticate(user)
    data = {"case": case.pk, "channel": "call", "outcome": "no_answer"}
    if emergency_contact is not None:
        data.update(target="emergency_contact", emergency_contact=emergency_contact.pk)
    response = api_client.post("/api/collections/contacts/", data, format="json")
    if response.status_code == 201:
        return "allowed"
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "contact_refused" and body["message"]
    assert "next_allowed_at" in body
    return body["rule"]


def _via_task(case, user, emergency_contact):
    if emergency_contact is not None:
        # a third party is only ever contacted by a person choosing to; the task path for third
        # parties is the scheduled SMS to an emergency contact
        return send_case_sms.apply(args=[case.pk, "third_party_callback", user.pk, emergency_contact.pk]).get()
    result = callback_due.apply(args=[case.pk, user.pk]).get()
    return result


@pytest.mark.parametrize("path", ["page", "api", "task"])
@pytest.mark.parametrize("inside", [True, False], ids=["inside", "outside"])
@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_every_rule_at_its_boundary_through_every_path(
    scenario, inside, path, freeze, client, api_client, case, us_case, collector, us_collector
):
    pack, setup, rule, inside_at, outside_at = SCENARIOS[scenario]
    the_case, user, tz = (case, collector, SH) if pack == "CN" else (us_case, us_collector, LA)
    if pack == "US":
        type(the_case).objects.filter(pk=the_case.pk).update(assigned_to=user)
        the_case.refresh_from_db()
    at = freeze(local(tz, *(inside_at if inside else outside_at)))
    emergency_contact = setup(the_case, at, inside)
    the_case.refresh_from_db()
    blocked_before = BlockedContact.objects.count()

    if path == "page":
        result = _via_page(client, the_case, user, emergency_contact)
    elif path == "api":
        result = _via_api(api_client, the_case, user, emergency_contact)
    else:
        result = _via_task(the_case, user, emergency_contact)

    if inside:
        assert result in ("allowed", "sent"), result
        assert BlockedContact.objects.count() == blocked_before
    else:
        assert result == rule
        blocked = BlockedContact.objects.latest("id")
        assert (blocked.rule, blocked.rule_pack, blocked.at) == (rule, pack, at)
        assert BlockedContact.objects.count() == blocked_before + 1
        if path in ("page", "api"):
            # nothing was logged for the refused contact
            assert not ContactAttempt.objects.filter(occurred_at=at, created_by=user).exists()


# --- SMS paths -----------------------------------------------------------------------------------------------


def test_sms_from_the_case_page_is_refused_at_2200_and_sent_at_2159(freeze, client, case, collector, django_capture_on_commit_callbacks):
    from notifications.models import OutboundMessage

    client.force_login(collector)
    url = reverse("debt_collection:case_sms", args=[case.pk])
    freeze(local(SH, 2026, 3, 20, 22, 0))
    response = client.post(url, {"template": "overdue_notice"})
    assert response.status_code == 409 and "quiet_hours" in response.content.decode()
    assert not OutboundMessage.objects.exists()
    freeze(local(SH, 2026, 3, 20, 21, 59))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"template": "overdue_notice"})
    assert response.status_code == 302
    message = OutboundMessage.objects.get()
    assert message.to == case.borrower.mobile and str(case.amount_due) in message.body
    assert len(callbacks) == 1  # the send is enqueued after commit
    assert ContactAttempt.objects.get().channel == "sms"


def test_sms_api_refusal_json(freeze, api_client, case, collector):
    case.borrower.opted_out_channels = ["sms"]
    case.borrower.save()
    freeze(local(SH, 2026, 3, 20, 12, 0))
    api_client.force_authenticate(collector)
    response = api_client.post(f"/api/collections/cases/{case.pk}/sms/", {"template": "overdue_notice"}, format="json")
    assert response.status_code == 409
    assert response.json()["rule"] == "opted_out"


def test_scheduled_sms_task_is_refused_in_quiet_hours_and_records_it(freeze, case):
    from notifications.models import OutboundMessage

    freeze(local(SH, 2026, 3, 20, 22, 0))
    assert send_case_sms.apply(args=[case.pk, "overdue_notice"]).get() == "quiet_hours"
    assert BlockedContact.objects.get().actor is None
    freeze(local(SH, 2026, 3, 20, 21, 59))
    assert send_case_sms.apply(args=[case.pk, "overdue_notice"]).get() == "sent"
    assert OutboundMessage.objects.count() == 1


def test_emergency_contact_sms_carries_no_amount_and_no_debt(freeze, case, collector):
    from debt_collection.services import case_send_sms
    from notifications.models import OutboundMessage

    freeze(local(SH, 2026, 3, 20, 12, 0))
    log_calls(borrower=case.borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=3)
    ec = EmergencyContactFactory(borrower=case.borrower)
    case_send_sms(case=case, template="third_party_callback", actor=collector, emergency_contact=ec)
    body = OutboundMessage.objects.get().body
    assert body and str(case.amount_due) not in body and case.loan.contract_number not in body
    for word in ("逾期", "欠", "还款", "债"):
        assert word not in body


def test_borrower_templates_cannot_go_to_an_emergency_contact(freeze, case, collector):
    from common.exceptions import DomainError
    from debt_collection.services import case_send_sms

    freeze(local(SH, 2026, 3, 20, 12, 0))
    log_calls(borrower=case.borrower, case=case, at=local(SH, 2026, 3, 20, 9, 0), n=3)
    ec = EmergencyContactFactory(borrower=case.borrower)
    with pytest.raises(DomainError) as exc:
        case_send_sms(case=case, template="overdue_notice", actor=collector, emergency_contact=ec)
    assert exc.value.field == "template"


def test_us_sms_carries_the_electronic_opt_out_notice(freeze, us_case, us_collector):
    from debt_collection.services import case_send_sms
    from notifications.models import OutboundMessage

    type(us_case).objects.filter(pk=us_case.pk).update(assigned_to=us_collector)
    us_case.refresh_from_db()
    freeze(local(LA, 2026, 3, 20, 12, 0))
    case_send_sms(case=us_case, template="callback_request", actor=us_collector)
    assert "TD" in OutboundMessage.objects.get().body


def test_scheduled_sms_redelivered_is_sent_once(freeze, case):
    from notifications.models import OutboundMessage

    freeze(local(SH, 2026, 3, 20, 12, 0))
    for _ in range(2):  # at-least-once delivery: the same task twice
        assert send_case_sms.apply(args=[case.pk, "callback_request"], kwargs={"dedupe_key": "case-sms-1"}).get() == "sent"
    assert OutboundMessage.objects.count() == 1
    assert ContactAttempt.objects.count() == 1


def test_times_typed_on_the_page_are_the_borrowers_local_time(freeze, client, us_case, us_collector):
    type(us_case).objects.filter(pk=us_case.pk).update(assigned_to=us_collector)
    freeze(local(LA, 2026, 3, 20, 12, 0))
    client.force_login(us_collector)
    response = client.post(reverse("debt_collection:case_contact", args=[us_case.pk]),
                           {"channel": "call", "target": "borrower", "outcome": "no_answer", "occurred_at": "2026-03-20T09:30"})
    assert response.status_code == 302
    assert ContactAttempt.objects.get().occurred_at == local(LA, 2026, 3, 20, 9, 30)
