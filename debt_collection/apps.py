from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebtCollectionConfig(AppConfig):
    # Not "collections": that name is Python's standard library module, loaded before any project code.
    name = "debt_collection"
    verbose_name = _("催收")
