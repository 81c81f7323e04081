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
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == {1}
