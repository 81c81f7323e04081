"""Shared input validators for the API."""

from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def plausible_datetime(value):
    """Business events happen after 2000. Older values are typos — and years like 0132 would come
    back with the zone's local-mean-time offset (+08:05:43), which is not valid RFC 3339."""
    if value is not None and value < EARLIEST:
        raise serializers.ValidationError(_("时间不能早于 2000-01-01。"))
    return value
