from datetime import datetime
from zoneinfo import ZoneInfo

from debt_collection.models import ContactAttempt


def local(tz_name: str, *args) -> datetime:
    """An aware time in a named zone: local("Asia/Shanghai", 2026, 3, 20, 21, 59)."""
    return datetime(*args, tzinfo=ZoneInfo(tz_name))


def log_calls(*, borrower, at, n, outcome="no_answer", case=None, number=None, emergency_contact=None, step_minutes=1):
    """Contact-log rows written directly (the history the guard reads), not through the service."""
    from datetime import timedelta

    rows = []
    for k in range(n):
        rows.append(
            ContactAttempt(
                case=case,
                borrower=borrower,
                loan_id=case.loan_id if case else None,
                branch_id=borrower.branch_id,
                channel="call",
                target="emergency_contact" if emergency_contact else "borrower",
                emergency_contact=emergency_contact,
                phone_number=number or (emergency_contact.phone if emergency_contact else borrower.mobile),
                outcome=outcome,
                occurred_at=at + timedelta(minutes=k * step_minutes),
            )
        )
    return ContactAttempt.objects.bulk_create(rows)
