"""Timeline and access events are append-only everywhere (model, database, admin, API), and a user
or branch that records refer to cannot be deleted."""

import pytest
from django.contrib import admin
from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Branch, User
from common.audit import APPEND_ONLY_MODELS, AppendOnlyError, append_only_models
from tests.api.endpoints import api_endpoints
from tests.factories import UserFactory


@pytest.fixture
def audit_rows(world):
    """One row of every append-only model."""
    from borrowers.models import Borrower, LoanEvent, PiiAccessLog
    from borrowers.services import borrower_reveal_pii
    from complaints.models import ComplaintEvent
    from debt_collection.models import BlockedContact, CaseEvent, CollectionCase, ContactAttempt
    from debt_collection.services._base import event

    borrower = Borrower.objects.get(pk=world.objects["borrower"])
    borrower_reveal_pii(borrower=borrower, field="mobile", actor=world.users["supervisor"], reason="回电")
    case = CollectionCase.objects.get(pk=world.objects["collection-case"])
    event(case, "note", actor=world.users["collector"], note="x")
    BlockedContact.objects.create(
        borrower=borrower, case=case, branch=case.branch, channel="call", purpose="collection", rule="quiet_hours",
        rule_pack="CN", at=timezone.now(), actor=world.users["collector"],
    )
    ContactAttempt.objects.create(
        case=case, borrower=borrower, branch=case.branch, channel="call", outcome="no_answer",
        occurred_at=timezone.now(), created_by=world.users["collector"],
    )
    rows = {
        m._meta.label: m.objects.order_by("-pk").first()
        for m in (LoanEvent, PiiAccessLog, ComplaintEvent, CaseEvent, BlockedContact, ContactAttempt)
    }
    assert all(rows.values()), rows
    return rows


def test_every_listed_model_is_guarded():
    labels = {m._meta.label for m in append_only_models()}
    assert set(APPEND_ONLY_MODELS) <= labels


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(audit_rows):
    for label, row in audit_rows.items():
        with pytest.raises(AppendOnlyError), transaction.atomic():
            row.save()
        with pytest.raises(AppendOnlyError), transaction.atomic():
            row.delete()
        with pytest.raises(AppendOnlyError), transaction.atomic():
            type(row).objects.filter(pk=row.pk).delete()
        assert type(row).objects.filter(pk=row.pk).exists(), label


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are installed on PostgreSQL only")
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(audit_rows):
    from django.db import DatabaseError

    for row in audit_rows.values():
        table = row._meta.db_table
        with pytest.raises(DatabaseError), transaction.atomic():
            type(row).objects.filter(pk=row.pk).update(created_at=timezone.now())
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{table}" WHERE id = %s', [row.pk])
        assert type(row).objects.filter(pk=row.pk).exists()


def test_admin_offers_no_add_change_or_delete_for_audit_rows(world):
    request = RequestFactory().get("/admin/")
    request.user = world.users["admin"]
    guarded = set(append_only_models())
    checked = 0
    for model, model_admin in admin.site._registry.items():
        admins = [(model, model_admin)] + [(i.model, i(model, admin.site)) for i in model_admin.inlines]
        for m, a in admins:
            if m in guarded:
                checked += 1
                assert not a.has_add_permission(request, None) if "obj" in a.has_add_permission.__code__.co_varnames else not a.has_add_permission(request), m
                assert not a.has_change_permission(request, None), m
                assert not a.has_delete_permission(request, None), m
    assert checked >= 3


def test_no_api_endpoint_edits_or_deletes_anything():
    writable = [e.id for e in api_endpoints() if e.method in {"PUT", "PATCH", "DELETE"}]
    assert writable == [], "records change through POST actions that write timeline events; add none of these"


def test_a_user_that_records_refer_to_cannot_be_deleted(audit_rows, world):
    user = world.users["supervisor"]
    with pytest.raises(ProtectedError), transaction.atomic():
        user.delete()
    user.refresh_from_db()
    assert user.pk
    with pytest.raises(ProtectedError), transaction.atomic():
        User.objects.filter(pk=user.pk).delete()
    assert User.objects.filter(pk=user.pk).exists()


def test_a_user_nothing_refers_to_can_be_deleted(db, branch):
    user = UserFactory(username="typo_account", branch=branch, password=None)
    user.delete()
    assert not User.objects.filter(username="typo_account").exists()


def test_a_branch_with_records_cannot_be_deleted(world):
    with pytest.raises(ProtectedError), transaction.atomic():
        world.branch.delete()
    assert Branch.objects.filter(pk=world.branch.pk).exists()


def test_admin_hides_delete_for_referenced_users_and_branches(world):
    request = RequestFactory().get("/admin/")
    request.user = world.users["admin"]
    user_admin = admin.site._registry[User]
    assert not user_admin.has_delete_permission(request, world.users["supervisor"])
    assert "delete_selected" not in user_admin.get_actions(request)
    assert not admin.site._registry[Branch].has_delete_permission(request, world.branch)


# FKs to people and branches: deleting one must never delete business records.
# Known and accepted: a user's own in-app inbox and Django's admin log (deleting the user is refused
# anyway while either exists: common.audit).
CASCADE_ALLOWED = {"notifications.InAppNotification.user", "admin.LogEntry.user"}


def test_no_foreign_key_to_a_user_or_branch_cascades():
    from django.apps import apps

    offenders = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.many_to_one and field.concrete):
                continue
            if field.related_model not in (User, Branch) or model._meta.auto_created:
                continue
            if field.remote_field.on_delete is models.CASCADE:
                name = f"{model._meta.label}.{field.name}"
                if name not in CASCADE_ALLOWED:
                    offenders.append(name)
    assert offenders == [], f"use PROTECT or SET_NULL: {offenders}"
