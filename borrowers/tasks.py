from celery import shared_task

from borrowers.services import loans_refresh_delinquency


@shared_task(name="borrowers.refresh_delinquency", acks_late=True, soft_time_limit=1800, time_limit=1900)
def refresh_delinquency() -> int:
    """Daily: penalty accrual, days past due and bucket for every active loan, set-based.

    Idempotent for a given day (see the service), so a redelivered run changes nothing.
    """
    return loans_refresh_delinquency()
