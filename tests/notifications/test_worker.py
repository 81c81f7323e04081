"""Done-when: a real Celery worker on Redis, killed half-way through thousands of reminders, and a
provider outage; every due reminder reaches the provider exactly once.

The provider is `stubs.RecordingSmsBackend`, which appends each accepted message id to a file with one
O_APPEND write (a SIGKILL cannot lose or duplicate a line); duplicates in that file would be
duplicate SMS. Needs PostgreSQL + Redis (skips otherwise), e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test TEST_DATABASE_NAME=test_notifications \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/7 pytest tests/notifications/test_worker.py -m worker
"""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from borrowers.models import Borrower, Installment, Loan
from notifications.models import MessageTemplate, OutboundMessage, ReminderStep
from notifications.services import messages_dispatch_due, messages_recover_stale, reminders_run

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_env(settings, tmp_path, monkeypatch):
    env = SimpleNamespace(log=tmp_path / "provider.log", down=tmp_path / "provider-down")
    settings.TEST_WORKER_ENV = {
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "NOTIFICATIONS_TEST_SMS_LOG": str(env.log),
        "NOTIFICATIONS_TEST_SMS_DOWN": str(env.down),
        "NOTIFICATIONS_TEST_SMS_DELAY": "0.003",
    }
    # this process runs the reminder pass, the dispatcher and the crash recovery (as beat would)
    monkeypatch.setenv("NOTIFICATIONS_TEST_SMS_LOG", str(env.log))
    settings.NOTIFICATION_BACKENDS = {"sms": "tests.notifications.stubs.RecordingSmsBackend"}
    settings.CRM = {**settings.CRM, "REMINDER_SEND_HOUR": 0, "MESSAGE_SEND_BATCH": 100}
    return env


@pytest.fixture
def start_worker(worker_env, celery_worker_proc):
    return celery_worker_proc


def _due_today(branch, n: int) -> list[int]:
    # transactional tests flush the tables, seeded rows included: make sure the T0 step exists
    ReminderStep.objects.get_or_create(
        branch=None, offset_days=0, channel="sms", defaults={"template_code": "reminder_due"}
    )
    MessageTemplate.objects.get_or_create(
        code="reminder_due",
        language="zh-hans",
        channel="sms",
        defaults={"body": "{name}您好，今天到期 {amount} 元。{opt_out}"},
    )
    today = timezone.now().astimezone(branch.tzinfo).date()
    borrowers = Borrower.objects.bulk_create(
        Borrower(branch=branch, name=f"王{i}", national_id=f"11010119900101{i:04d}", mobile=f"137{i:08d}")
        for i in range(n)
    )
    loans = Loan.objects.bulk_create(
        Loan(
            borrower=b,
            branch=branch,
            contract_number=f"W{b.pk:08d}",
            principal=Decimal("50000"),
            annual_rate=Decimal("0.06"),
            term_months=12,
            start_date=date(2026, 1, 1),
        )  # fmt: skip
        for b in borrowers
    )
    installments = Installment.objects.bulk_create(
        Installment(
            loan=loan, seq=1, due_date=today, principal_due=Decimal("4000"), interest_due=Decimal("250")
        )
        for loan in loans
    )
    return [i.pk for i in installments]


def _provider_calls(env) -> list[str]:
    return env.log.read_text().split() if env.log.exists() else []


def test_worker_killed_half_way_every_reminder_sent_exactly_once(branch, worker_env, start_worker):
    n = 3000
    _due_today(branch, n)
    worker = start_worker()

    assert reminders_run() == {"created": n, "enqueued": n}
    assert start_worker.wait_for(lambda: len(_provider_calls(worker_env)) >= n // 3, timeout=600)
    worker.kill()  # SIGKILL the worker and its pool mid-batch
    sent_before_crash = len(_provider_calls(worker_env))
    assert sent_before_crash < n, "the worker finished before it could be killed; raise n"

    # what beat would do next: recover the sends the dead worker left open, re-dispatch lost tasks
    recovered = messages_recover_stale(older_than=timedelta(0))
    assert recovered["failed"] == 0
    messages_dispatch_due(redispatch_after=timedelta(0))
    start_worker()
    assert start_worker.wait_for(
        lambda: OutboundMessage.objects.filter(status="sent").count() == n, timeout=600
    )

    calls = _provider_calls(worker_env)
    assert len(calls) == n and len(set(calls)) == n  # every reminder once, none twice
    assert set(calls) == {str(pk) for pk in OutboundMessage.objects.values_list("pk", flat=True)}
    assert reminders_run() == {"created": 0, "enqueued": 0}


def test_provider_outage_then_recovery_every_reminder_sent_once(branch, worker_env, start_worker):
    n = 500
    _due_today(branch, n)
    worker_env.down.touch()  # the provider answers 503 to everything
    start_worker()
    assert reminders_run() == {"created": n, "enqueued": n}

    def drained():
        return not OutboundMessage.objects.filter(
            status__in=["queued", "sending"], dispatched_at__isnull=False
        ).exists()

    assert start_worker.wait_for(drained, timeout=600)
    assert _provider_calls(worker_env) == []
    assert OutboundMessage.objects.filter(status="queued", attempts__gte=1).exists()
    assert not OutboundMessage.objects.exclude(status="queued").exists()  # nothing lost, nothing failed

    worker_env.down.unlink()  # the provider is back; beat's dispatcher keeps ticking
    assert start_worker.wait_for(
        lambda: messages_dispatch_due() >= 0 and OutboundMessage.objects.filter(status="sent").count() == n,
        timeout=600,
        interval=0.5,
    )
    calls = _provider_calls(worker_env)
    assert len(calls) == n and len(set(calls)) == n
