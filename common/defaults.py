"""Default reference data (SLA policies and calendar, contact-rule packs, message templates and the
reminder cadence) is seeded by data migrations. The same idempotent seed functions also run after
every `migrate` and `flush` (post_migrate), so a database emptied by `flush` — as transactional
tests do — gets its defaults back, and a deployment that lost a row gets it re-created. Existing
(possibly edited) rows are never changed: every seed only adds what is missing.
"""

import importlib

SEED_MIGRATIONS = [
    "complaints.migrations.0002_seed_sla_policies_and_calendar",
    "debt_collection.migrations.0002_seed_rule_packs",
    "notifications.migrations.0003_seed_templates_and_cadence",
]


def ensure_defaults(sender=None, using="default", **kwargs):
    from django.apps import apps

    for path in SEED_MIGRATIONS:
        module = importlib.import_module(path)
        module.seed(apps, None)
