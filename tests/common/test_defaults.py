"""Default reference data comes back after a flush, and a partly migrated database does not break
`migrate` (the missing app's defaults wait for the full migrate)."""

import logging

import pytest
from django.db import connection

from common.defaults import ensure_defaults
from complaints.models import SlaPolicy
from debt_collection.models import ContactRulePack

pytestmark = pytest.mark.django_db


def test_missing_defaults_are_added_and_edited_ones_kept():
    SlaPolicy.objects.filter(category="other", priority="low").delete()
    edited = SlaPolicy.objects.get(category="other", priority="normal")
    edited.first_response_minutes = 7
    edited.save()
    ensure_defaults()
    assert SlaPolicy.objects.count() == 28
    assert SlaPolicy.objects.get(pk=edited.pk).first_response_minutes == 7


def test_an_app_not_migrated_yet_is_skipped_with_a_warning(caplog):
    ContactRulePack.objects.all().delete()
    SlaPolicy.objects.all().delete()
    with connection.cursor() as cursor:  # as if debt_collection were not migrated yet
        cursor.execute("ALTER TABLE debt_collection_contactrulepack RENAME TO debt_collection_contactrulepack_away")
    try:
        with caplog.at_level(logging.WARNING, logger="common.defaults"):
            ensure_defaults()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE debt_collection_contactrulepack_away RENAME TO debt_collection_contactrulepack")
    assert "debt_collection.migrations.0002_seed_rule_packs not seeded yet" in caplog.text
    assert SlaPolicy.objects.count() == 28  # the other apps' defaults were still added
    ensure_defaults()
    assert ContactRulePack.objects.filter(code="CN").exists()
