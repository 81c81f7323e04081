"""Two people (or two sweeps) at once on PostgreSQL: exactly one wins, the other gets a 409; every
breach escalates exactly once."""

import threading
import time

import pytest
from django.db import connection, connections

from complaints import services
from complaints.models import Complaint, Escalation

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL)")


def run_together(*functions):
    """Start the functions in threads at the same moment; return their results in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_resolves_at_once_one_succeeds_one_gets_409(in_progress, agent, supervisor, monkeypatch):
    from rest_framework.test import APIClient

    c = in_progress()
    original = services._stop_escalation_clocks

    def slow(complaint):  # hold the row lock long enough for the other request to queue behind it
        time.sleep(0.5)
        return original(complaint)

    monkeypatch.setattr(services, "_stop_escalation_clocks", slow)

    def resolve_as(user, summary):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            return client.post(
                f"/api/complaints/{c.pk}/resolve/",
                {"resolution_summary": summary, "root_cause": "policy"},
                format="json",
            )

        return call

    first, second = run_together(resolve_as(agent, "A 的处理结果"), resolve_as(supervisor, "B 的处理结果"))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.content, second.content)
    loser = first if first.status_code == 409 else second
    assert loser.json()["code"] == "transition_not_allowed"
    c = Complaint.objects.get(pk=c.pk)
    winner_summary = (first if first.status_code == 200 else second).json()["resolution_summary"]
    assert c.state == "resolved" and c.resolution_summary == winner_summary
    assert c.events.filter(kind="resolved").count() == 1


def test_two_sweeps_at_once_escalate_each_breach_once(clock, in_progress):
    from tests.complaints.conftest import sh

    complaints = [in_progress() for _ in range(30)]
    clock.set(sh(2026, 3, 3, 10, 0))  # every first-response clock has just breached
    results = run_together(lambda: services.sla_sweep(batch_size=7), lambda: services.sla_sweep(batch_size=7))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r["first_response_escalated"] for r in results) == 30
    assert Escalation.objects.count() == 30
    assert set(Escalation.objects.values_list("complaint_id", flat=True)) == {c.pk for c in complaints}
    assert set(Complaint.objects.values_list("timers__escalation_level", flat=True)) == {1}


def test_a_big_backlog_is_drained_by_parallel_workers_each_breach_once(clock, in_progress, supervisor, monkeypatch):
    from complaints import escalations
    from notifications.models import InAppNotification
    from tests.complaints.conftest import sh

    used = []
    original = escalations._in_threads
    monkeypatch.setattr(escalations, "_in_threads", lambda fn, workers: used.append(workers) or original(fn, workers))
    monkeypatch.setattr(escalations, "PARALLEL_MIN_BACKLOG", 10)  # 40 due rows count as a burst here
    complaints = [in_progress() for _ in range(40)]
    clock.set(sh(2026, 3, 3, 10, 0))
    counts = services.sla_sweep(batch_size=6)
    assert used and used[0] == 2  # two threads, each on its own connection, shared the backlog
    assert counts["first_response_escalated"] == 40
    assert Escalation.objects.count() == 40
    assert set(Escalation.objects.values_list("complaint_id", flat=True)) == {c.pk for c in complaints}
    assert set(Complaint.objects.values_list("timers__escalation_level", flat=True)) == {1}
    from complaints.models import ComplaintEvent

    assert ComplaintEvent.objects.filter(kind="escalated").count() == 40
    assert InAppNotification.objects.filter(user=supervisor, kind="complaint_escalation").exists()
    assert services.sla_sweep()["first_response_escalated"] == 0  # and a second sweep finds nothing


def test_a_sweep_and_a_resolve_at_once_lose_no_update(clock, in_progress, agent):
    """The sweep updates the timers row without the complaint's lock; a service locks both, so the
    escalation level and the stored outcome agree with the escalations whichever runs first."""
    from tests.complaints.conftest import sh

    c = in_progress()
    clock.set(sh(2026, 3, 3, 10, 0))
    resolve = lambda: services.complaint_resolve(  # noqa: E731
        complaint=c.pk, resolution_summary="已退还多收费用", root_cause="policy", actor=agent, notify_borrower=False
    )
    results = run_together(services.sla_sweep, resolve)
    assert not any(isinstance(r, Exception) for r in results), results
    c = Complaint.objects.get(pk=c.pk)
    escalated = Escalation.objects.filter(complaint=c).count()
    assert c.state == "resolved"
    assert c.escalation_level == escalated  # 1 if the sweep ran first, 0 if the resolve did
    assert c.first_response_breached == (escalated == 1)
    assert c.timers.first_response_due_at is None  # the resolved complaint's clocks are disarmed


def test_timeline_and_escalations_need_an_existing_complaint_and_keep_it(in_progress):
    """The statement-level key checks (migration 0007) that replace the row-locking foreign keys."""
    from django.db import IntegrityError, transaction

    from complaints.models import ComplaintEvent

    c = in_progress()
    missing = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(IntegrityError, match="refers to no complaint"), transaction.atomic():
        ComplaintEvent.objects.create(complaint_id=missing, kind="note")
    with pytest.raises(IntegrityError, match="refers to no complaint"), transaction.atomic():
        Escalation.objects.create(complaint_id=missing, level=1, trigger="manual")
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        Complaint.objects.filter(pk=c.pk)._raw_delete(Complaint.objects.db)
    assert Complaint.objects.filter(pk=c.pk).exists() and c.events.exists()


def test_a_failing_worker_stops_the_others_and_the_next_sweep_finishes_the_backlog(clock, in_progress, monkeypatch):
    """A batch that fails rolls back whole (marks, escalations, events); the other thread stops after
    its batch in hand; the next sweep escalates the rest, each complaint once."""
    import itertools

    from complaints import escalations
    from complaints.models import ComplaintEvent
    from tests.complaints.conftest import sh

    monkeypatch.setattr(escalations, "PARALLEL_MIN_BACKLOG", 10)
    complaints = [in_progress() for _ in range(40)]
    clock.set(sh(2026, 3, 3, 10, 0))
    calls = itertools.count()
    original = escalations._escalate_rows

    def flaky(rows, **kwargs):
        if next(calls) == 1:
            raise RuntimeError("mail relay down")
        return original(rows, **kwargs)

    monkeypatch.setattr(escalations, "_escalate_rows", flaky)
    with pytest.raises(RuntimeError, match="mail relay down"):
        services.sla_sweep(batch_size=5)
    done = Escalation.objects.count()
    assert 0 < done < 40 and done % 5 == 0  # whole batches only
    assert ComplaintEvent.objects.filter(kind="escalated").count() == done
    assert Complaint.objects.filter(timers__first_response_breached=True).count() == done

    monkeypatch.setattr(escalations, "_escalate_rows", original)
    services.sla_sweep(batch_size=5)
    assert Escalation.objects.count() == 40
    assert set(Escalation.objects.values_list("complaint_id", flat=True)) == {c.pk for c in complaints}
    assert set(Complaint.objects.values_list("timers__escalation_level", flat=True)) == {1}
