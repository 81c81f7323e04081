from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from django.db.models.signals import post_migrate

        from common import audit, logging_filters  # noqa: F401 - receivers and the PII log filter
        from common.defaults import ensure_defaults

        audit.connect()
        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="common.ensure_defaults")
