from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from django.db.models.signals import post_migrate

        from common.defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self, dispatch_uid="common.ensure_defaults")
