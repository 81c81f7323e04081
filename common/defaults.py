"""Default reference data (SLA policies and calendar, contact-rule packs, message templates and the
reminder cadence) is seeded by data migrations. The same idempotent seed functions also run after
every `migrate` and `flush` (post_migrate), so a database emptied by `flush` — as transactional
tests do — gets its defaults back, and a deployment that lost a row gets it re-created. Existing
(possibly edited) rows are never changed: every seed only adds what is missing.
"""

import importlib
import logging

logger = logging.getLogger(__name__)

SEED_MIGRATIONS = [
    "complaints.migrations.0002_seed_sla_policies_and_calendar",
    "debt_collection.migrations.0002_seed_rule_packs",
    "notifications.migrations.0003_seed_templates_and_cadence",
]


def ensure_defaults(sender=None, using="default", **kwargs):
    """Add the missing defaults. A database migrated only part of the way (`migrate complaints 0005`)
    may lack an app's tables or columns yet: that app's defaults are skipped with a warning and
    added by the next full `migrate`."""
    from django.apps import apps
    from django.db import DatabaseError, transaction

    for path in SEED_MIGRATIONS:
        module = importlib.import_module(path)
        try:
            with transaction.atomic(using=using):
                module.seed(apps, None)
        except DatabaseError as exc:
            logger.warning("defaults of %s not seeded yet (database not fully migrated): %s", path, exc)
