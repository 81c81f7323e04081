from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebtCollectionConfig(AppConfig):
    # Not "collections": that name is Python's standard library module, loaded before any project code.
    name = "debt_collection"
    verbose_name = _("催收")

    def ready(self):
        from complaints.signals import collection_hold_released, collection_hold_requested
        from debt_collection import receivers

        collection_hold_requested.connect(receivers.on_hold_requested, dispatch_uid="debt_collection.hold_requested")
        collection_hold_released.connect(receivers.on_hold_released, dispatch_uid="debt_collection.hold_released")
