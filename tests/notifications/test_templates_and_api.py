"""Message templates (safe rendering, admin validation, seeds) and the read-only messages API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import MessageTemplate, ReminderStep
from notifications.services import message_queue
from notifications.templating import render, render_text
from tests.factories import BorrowerFactory


def test_render_fills_known_names_only_and_never_reaches_into_objects():
    rendered = render_text("{name} {name.password} {amount:>10} {unknown} {tracking_code}", {"name": "张三"})
    assert rendered == "张三 {name.password} {amount:>10} {unknown} "


def test_render_appends_the_opt_out_line_to_borrower_sms_and_email_only():
    assert (
        render(subject="", body="您好{name}", channel="sms", language="zh-hans", context={"name": "李"})[1]
        == "您好李 回复TD退订"
    )
    assert (
        render(subject="", body="Hi {opt_out}", channel="sms", language="en", context={})[1]
        == "Hi Reply STOP to opt out"
    )
    assert (
        render(subject="", body="hi", channel="email", language="en", context={}, audience="staff")[1] == "hi"
    )
    assert render(subject="", body="hi", channel="inapp", language="en", context={})[1] == "hi"


@pytest.mark.django_db
def test_template_validation_names_unknown_placeholders_and_a_missing_opt_out():
    template = MessageTemplate(code="x", language="en", channel="sms", body="Hi {nmae}")
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "{nmae}" in str(exc.value.message_dict["body"])
    template.body = "Hi {name}"
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "退订" in str(exc.value.message_dict["body"])
    template.body = "Hi {name} {opt_out}"
    template.full_clean()


@pytest.mark.django_db
def test_seeded_templates_and_cadence():
    codes = ["reminder_before_3", "reminder_before_1", "reminder_due", "reminder_overdue_1", "reminder_overdue_3",
             "reminder_overdue_7", "complaint_ack", "complaint_reply"]  # fmt: skip
    for code in codes:
        for language in ("zh-hans", "en"):
            template = MessageTemplate.objects.get(code=code, language=language, channel="sms")
            template.full_clean()
    assert MessageTemplate.objects.filter(code="escalation_notice", audience="staff").count() == 4
    assert sorted(ReminderStep.objects.filter(branch=None, channel="sms").values_list("offset_days", flat=True)) == [
        -3, -1, 0, 1, 3, 7,
    ]  # fmt: skip
    for step in ReminderStep.objects.all():
        assert MessageTemplate.objects.filter(code=step.template_code, channel=step.channel).count() == 2


@pytest.mark.django_db
def test_admin_edits_a_template_with_field_errors(client, admin_user):
    client.force_login(admin_user)
    template = MessageTemplate.objects.get(code="reminder_due", language="zh-hans", channel="sms")
    url = reverse("admin:notifications_messagetemplate_change", args=[template.pk])
    data = {"code": template.code, "language": "zh-hans", "channel": "sms", "audience": "borrower", "subject": "",
            "body": "{name}您好 {bogus}", "is_active": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200 and "{bogus}" in response.content.decode()
    data["body"] = "{name}您好，今天到期。{opt_out}"
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.body == "{name}您好，今天到期。{opt_out}"


@pytest.fixture
def messages(branch, other_branch):
    ours = BorrowerFactory(branch=branch)
    theirs = BorrowerFactory(branch=other_branch)
    return {
        "ours_sms": message_queue(channel="sms", to=ours.mobile, body="a", borrower=ours, template=""),
        "ours_email": message_queue(channel="email", to=ours.email, body="b", borrower=ours),
        "theirs": message_queue(channel="sms", to=theirs.mobile, body="c", borrower=theirs),
    }


@pytest.mark.django_db
def test_api_lists_only_the_users_branch_and_masks_recipients(api_client, agent, messages):
    api_client.force_authenticate(agent)
    data = api_client.get("/api/messages/").json()
    ids = {row["id"] for row in data["results"]}
    assert ids == {messages["ours_sms"].pk, messages["ours_email"].pk}
    row = next(r for r in data["results"] if r["id"] == messages["ours_sms"].pk)
    assert row["to"] == messages["ours_sms"].to_masked and "****" in row["to"]
    assert api_client.get(f"/api/messages/{messages['theirs'].pk}/").status_code == 404


@pytest.mark.django_db
def test_api_filters_and_is_read_only(api_client, hq_user, messages):
    api_client.force_authenticate(hq_user)
    assert len(api_client.get("/api/messages/").json()["results"]) == 3
    by_channel = api_client.get("/api/messages/", {"channel": "email"}).json()["results"]
    assert [r["id"] for r in by_channel] == [messages["ours_email"].pk]
    by_borrower = api_client.get("/api/messages/", {"borrower": messages["theirs"].borrower_id}).json()[
        "results"
    ]
    assert [r["id"] for r in by_borrower] == [messages["theirs"].pk]
    assert len(api_client.get("/api/messages/", {"status": ["queued", "sent"]}).json()["results"]) == 3
    bad = api_client.get("/api/messages/", {"status": "nope"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    assert api_client.post("/api/messages/", {"channel": "sms"}).status_code == 405


@pytest.mark.django_db
def test_api_requires_authentication(api_client, messages):
    assert api_client.get("/api/messages/").status_code in (401, 403)


@pytest.mark.django_db
def test_a_reminder_step_must_name_an_existing_template_for_its_channel(branch):
    step = ReminderStep(branch=branch, offset_days=2, channel="email", template_code="reminder_before_1")
    with pytest.raises(ValidationError) as exc:
        step.full_clean()  # reminder_before_1 exists for SMS only
    assert "template_code" in exc.value.message_dict
    step.channel = "sms"
    step.full_clean()


def test_celery_is_configured_for_at_least_once_delivery():
    from autoloan_crm.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    from notifications.tasks import send_batch

    assert send_batch.acks_late and send_batch.reject_on_worker_lost
