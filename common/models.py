from django.db import models
from django.utils.translation import gettext_lazy as _

from common.audit import AppendOnlyError


class AppendOnlyModel(models.Model):
    """Base for audit/timeline rows: saved once, never updated or deleted (see common.audit)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_("审计记录只能新增，不能修改。"))
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("审计记录不能删除。"))
