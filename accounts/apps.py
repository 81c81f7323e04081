from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与分支机构")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
        import accounts.api.schema  # noqa: F401 - registers the token scheme with drf-spectacular
