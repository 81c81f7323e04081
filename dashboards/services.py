"""The one write the dashboards make: a log row when someone exports personal data."""

from __future__ import annotations

from django.db import transaction

from borrowers.models import PiiAccessLog


@transaction.atomic
def pii_export_log(*, actor, what: str, query: str = "", ip: str | None = None) -> PiiAccessLog:
    """Record a CSV export that names people (borrowers, complainants) in `borrowers.PiiAccessLog`
    (action "export"): who, which table, the filter used and the client address."""
    return PiiAccessLog.objects.create(actor=actor, action="export", field=what[:40], reason=query[:200], ip=ip or None)
