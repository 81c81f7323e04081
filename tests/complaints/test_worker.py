"""The SLA sweep run by a real Celery worker (PostgreSQL + Redis): the breach escalates and the
supervisor is notified, in-app and by an e-mail that the worker then sends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint, ComplaintTimers, Escalation
from complaints.tasks import sla_sweep_task
from notifications.models import InAppNotification, OutboundMessage

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_sweep_on_a_real_worker_escalates_and_notifies(celery_worker_proc, make_complaint, supervisor):
    complaint = make_complaint(send_acknowledgement=False)
    # the first-response deadline passed a minute ago (the worker runs on the real clock)
    past = timezone.now() - timedelta(minutes=1)
    Complaint.objects.filter(pk=complaint.pk).update(first_response_due_at=past)
    ComplaintTimers.objects.filter(pk=complaint.pk).update(first_response_due_at=past)  # the sweep's armed copy
    celery_worker_proc()
    sla_sweep_task.delay()

    def log_text():
        return (celery_worker_proc.log_dir / "worker0.log").read_text(errors="ignore")

    def log():
        return log_text()[-3000:]

    def sweeps_done():
        return sum("complaints.sla_sweep[" in line and "succeeded" in line for line in log_text().splitlines())

    assert celery_worker_proc.wait_for(lambda: Escalation.objects.filter(complaint=complaint).exists(), 60), log()
    escalation = Escalation.objects.get(complaint=complaint)
    assert (escalation.level, escalation.clock) == (1, "first_response")
    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 1
    assert InAppNotification.objects.filter(user=supervisor, kind="complaint_escalation").count() == 1
    assert celery_worker_proc.wait_for(
        lambda: OutboundMessage.objects.filter(to=supervisor.email, status="sent").exists(), 60
    ), log()
    # a second run (beat fires every minute) changes nothing
    sla_sweep_task.delay()
    sla_sweep_task.delay()
    assert celery_worker_proc.wait_for(lambda: sweeps_done() == 3, 60), log()
    assert Escalation.objects.filter(complaint=complaint).count() == 1
    assert InAppNotification.objects.filter(user=supervisor).count() == 1
