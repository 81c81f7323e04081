"""Immutable audit trail.

Timeline and access events are append-only: once written, a row is never updated or deleted, by any
page, the API, the admin or code. Three layers:

1. a model-level guard: `pre_save` (for updates) and `pre_delete` receivers on every model listed in
   `APPEND_ONLY_MODELS` raise `AppendOnlyError` (new models may subclass `common.models.AppendOnlyModel`);
2. on PostgreSQL, a trigger refuses UPDATE and DELETE on those tables even for raw SQL and
   `QuerySet.update()` (migration common/0001_append_only_triggers);
3. their admin classes grant no add/change/delete, and the API exposes them read-only.

Deleting a user or a branch is refused while any record refers to it (`ReferencedError`): deactivate
the account instead. That covers SET_NULL references too (an audit row would otherwise lose its actor).
"""

from django.apps import apps
from django.db.models import ProtectedError
from django.db.models.signals import pre_delete, pre_save
from django.utils.translation import gettext_lazy as _

from common.exceptions import DomainError

APPEND_ONLY_MODELS = [
    "borrowers.LoanEvent",
    "borrowers.PiiAccessLog",
    "complaints.ComplaintEvent",
    "debt_collection.CaseEvent",
    "debt_collection.BlockedContact",
    # the contact log is evidence of how collection was conducted (migration common/0002)
    "debt_collection.ContactAttempt",
]


class AppendOnlyError(DomainError):
    code = "append_only"
    http_status = 409


def _refuse_update(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata of a fixture
        return
    if not instance._state.adding:
        raise AppendOnlyError(_("审计记录只能新增，不能修改。"))


def _refuse_delete(sender, instance, **kwargs):
    raise AppendOnlyError(_("审计记录不能删除。"))


def append_only_models():
    found = []
    for label in APPEND_ONLY_MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:  # an app that is not installed
            continue
    from common.models import AppendOnlyModel

    found += [m for m in apps.get_models() if issubclass(m, AppendOnlyModel) and m not in found]
    return found


def references_to(instance) -> list[str]:
    """Labels of the models with rows that refer to `instance` (reverse FKs, hidden ones included)."""
    model = type(instance)
    found = []
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one or rel.many_to_many)):
            continue
        related = rel.related_model
        if related._meta.auto_created is model:  # the model's own M2M tables (user.groups …)
            continue
        if rel.many_to_many:
            manager = related._base_manager.filter(**{rel.field.name: instance})
        else:
            manager = related._base_manager.filter(**{rel.field.name: instance})
        if manager.exists():
            found.append(related._meta.label)
    return sorted(set(found))


class ReferencedError(ProtectedError):
    pass


def _refuse_delete_when_referenced(sender, instance, **kwargs):
    refs = references_to(instance)
    if refs:
        raise ReferencedError(
            str(_("仍有记录引用 %(obj)s（%(models)s），不能删除；请停用。") % {"obj": instance, "models": ", ".join(refs)}),
            set(),
        )


def connect():
    for model in append_only_models():
        pre_save.connect(_refuse_update, sender=model, dispatch_uid=f"append-only-save-{model._meta.label}")
        pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"append-only-delete-{model._meta.label}")
    for label in ("accounts.User", "accounts.Branch"):
        model = apps.get_model(label)
        pre_delete.connect(
            _refuse_delete_when_referenced, sender=model, dispatch_uid=f"referenced-delete-{label}"
        )
