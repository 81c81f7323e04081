"""Thin Celery tasks: take ids, fetch, call a service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="debt_collection.refresh_cases",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=1800,
    time_limit=2000,
)
def refresh_cases() -> dict:
    """Daily: loan delinquency, then cases opened/updated/cured, promises kept/broken, assignment."""
    from debt_collection.services import cases_refresh

    return cases_refresh()


@shared_task(
    name="debt_collection.send_case_sms",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def send_case_sms(
    case_id: int,
    template: str,
    actor_id: int | None = None,
    emergency_contact_id: int | None = None,
    dedupe_key: str | None = None,
) -> str:
    """A scheduled collection SMS. Goes through the compliance guard like every other contact: a
    refusal is recorded (BlockedContact) and the task ends without retrying. Returns "sent" or the
    refusing rule. With a `dedupe_key`, a redelivered task (Celery is at-least-once) sends nothing twice."""
    from django.contrib.auth import get_user_model

    from borrowers.models import EmergencyContact
    from common.exceptions import DomainError
    from debt_collection.models import CollectionCase
    from debt_collection.services import ContactRefused, case_send_sms
    from notifications.models import OutboundMessage

    if dedupe_key and OutboundMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return "sent"
    case = CollectionCase.objects.select_related("borrower", "branch", "loan").filter(pk=case_id).first()
    if case is None:
        logger.warning("case %s does not exist; SMS skipped", case_id)
        return "missing"
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    contact = EmergencyContact.objects.filter(pk=emergency_contact_id).first() if emergency_contact_id else None
    try:
        case_send_sms(case=case, template=template, actor=actor, emergency_contact=contact, dedupe_key=dedupe_key)
    except ContactRefused as exc:
        logger.info("collection SMS for case %s refused by %s", case_id, exc.rule)
        return exc.rule
    except DomainError as exc:
        logger.warning("collection SMS for case %s not sent: %s", case_id, exc.message)
        return exc.code
    return "sent"


@shared_task(
    name="debt_collection.callback_due",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def callback_due(case_id: int, collector_id: int) -> str:
    """A collector's scheduled callback: the guard says whether the call may be made now; the collector
    is told. Returns "allowed" or the refusing rule."""
    from django.contrib.auth import get_user_model

    from debt_collection.models import CollectionCase
    from debt_collection.services import case_callback_due

    case = CollectionCase.objects.select_related("borrower", "branch", "loan").filter(pk=case_id).first()
    collector = get_user_model().objects.filter(pk=collector_id).first()
    if case is None or collector is None:
        logger.warning("callback for case %s / collector %s skipped: missing", case_id, collector_id)
        return "missing"
    decision = case_callback_due(case=case, collector=collector)
    return "allowed" if decision.allowed else decision.rule
