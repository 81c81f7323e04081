from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from common import audit, logging_filters  # noqa: F401 - receivers and the PII log filter

        audit.connect()
