import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["index", "sla", "quality", "collections", "compliance", "complaints", "cases", "blocked"])
def test_pages_render_empty(client, hq_user, supervisor, name):
    for user in (hq_user, supervisor):
        client.force_login(user)
        r = client.get(reverse(f"dashboards:{name}"))
        assert r.status_code == 200, r.content[:2000]
