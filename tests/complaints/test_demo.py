"""`seed_demo` gives agents a realistic queue: complaints in every state, written through the services."""

import pytest
from django.core.management import call_command

from complaints.models import Complaint, ComplaintEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_complaints_in_every_state_once():
    call_command("seed_demo", "--borrowers", "30", "--seed", "7", "--no-progress")
    states = set(Complaint.objects.values_list("state", flat=True))
    assert {"intake", "classified", "in_progress", "waiting_on_borrower", "resolved", "closed"} <= states
    closed = Complaint.objects.filter(state="closed")
    assert all(c.csat for c in closed)
    # replies were written through the reply service: visible to the borrower on the tracking page
    assert ComplaintEvent.objects.filter(visible_to_borrower=True).exists()
    count = Complaint.objects.count()
    call_command("seed_demo", "--borrowers", "30", "--seed", "7", "--no-progress")
    assert Complaint.objects.count() == count
