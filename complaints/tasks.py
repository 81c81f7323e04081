"""Thin Celery tasks: they call a service and return its counts. Both are idempotent (see the
services); a run that crashes half-way is simply run again by the next tick."""

from celery import shared_task

from complaints.services import complaints_autoclose, sla_sweep


@shared_task(name="complaints.sla_sweep", acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=58)
def sla_sweep_task() -> dict:
    return sla_sweep()


@shared_task(
    name="complaints.autoclose_resolved", acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660
)
def autoclose_resolved_task() -> int:
    return complaints_autoclose()
