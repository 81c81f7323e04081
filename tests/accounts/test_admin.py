"""Every model of the foundation apps has an admin page that loads, without a query per row."""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db
APPS = ["accounts", "borrowers", "notifications"]


def test_every_model_is_registered():
    missing = [m._meta.label for label in APPS for m in apps.get_app_config(label).get_models()
               if not admin.site.is_registered(m)]
    assert missing == []


def test_every_changelist_and_change_page_loads_for_the_admin(client, django_assert_max_num_queries):
    call_command("seed_demo", borrowers=8, seed=1, no_progress=True, stdout=io.StringIO(), stderr=io.StringIO())
    from accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            with django_assert_max_num_queries(25):
                response = client.get(url)
            assert response.status_code == 200, url
            obj = model.objects.first()
            if obj is not None:
                response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
                assert response.status_code == 200, opts.label


def test_borrower_admin_masks_pii_in_the_list(client, admin_user, borrower):
    client.force_login(admin_user)
    html = client.get(reverse("admin:borrowers_borrower_changelist")).content.decode()
    assert borrower.mobile_masked in html and borrower.mobile not in html
