import os

import pytest

from tests.factories import DEMO_PASSWORD, BorrowerFactory, BranchFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _no_axes_and_fresh_cache(settings):
    """Login lockout stays on in production; tests that exercise it turn it back on."""
    settings.AXES_ENABLED = False
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def hq_branch(db):
    return BranchFactory(code="HQ", name="总部", is_hq=True)


@pytest.fixture
def branch(db, hq_branch):
    return BranchFactory(code="SH", name="上海分公司", parent=hq_branch)


@pytest.fixture
def other_branch(db, hq_branch):
    return BranchFactory(code="BJ", name="北京分公司", parent=hq_branch, time_zone="Asia/Shanghai")


def _user(username, role, branch):
    return UserFactory(username=username, role=role, branch=branch)


@pytest.fixture
def agent(branch):
    return _user("agent_a", "agent", branch)


@pytest.fixture
def other_agent(other_branch):
    return _user("agent_b", "agent", other_branch)


@pytest.fixture
def collector(branch):
    return _user("collector_a", "collector", branch)


@pytest.fixture
def supervisor(branch):
    return _user("supervisor_a", "supervisor", branch)


@pytest.fixture
def hq_user(hq_branch):
    return _user("hq_a", "hq", hq_branch)


@pytest.fixture
def compliance_user(hq_branch):
    return _user("compliance_a", "compliance", hq_branch)


@pytest.fixture
def admin_user(hq_branch):
    user = _user("admin_a", "admin", hq_branch)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def borrower(branch):
    return BorrowerFactory(branch=branch)


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
