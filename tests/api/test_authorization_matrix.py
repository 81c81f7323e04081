"""Generated from the authorization matrix (accounts.authz) and the URL resolver: every API endpoint,
called as every role, from a user inside the record's branch and from one outside it.

- a role the matrix refuses gets 403 (before anything is looked up or validated);
- a role it allows gets an answer about the request itself (2xx, 400 validation, 409 state), never 403;
- a user outside the branch gets 404 for the record (detail endpoints) and does not see it in lists.

The caller outside the branch is a same-role user of another branch, or, for the roles that see every
branch, an integration token narrowed to another branch (accounts.ApiToken.branches).
"""

import pytest
from rest_framework.test import APIClient

from accounts import authz
from tests.api.conftest import ROLES
from tests.api.endpoints import api_endpoints

ENDPOINTS = api_endpoints()
ALLOWED_STATUSES = {200, 201, 204, 400, 409}


def test_endpoints_are_found():
    basenames = {e.basename for e in ENDPOINTS}
    assert {"borrower", "loan", "payment", "complaint", "escalation", "message", "collection-case"} <= basenames
    assert len(ENDPOINTS) >= 30


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
def test_every_endpoint_is_in_the_matrix(endpoint):
    action = authz.api_action(endpoint.basename, endpoint.action)
    assert action is not None, f"{endpoint.id}: add ('{endpoint.basename}', '{endpoint.action}') to accounts.authz.API_ACTIONS"
    assert action in authz.MATRIX, f"{endpoint.id}: matrix action {action!r} is not in accounts.authz.MATRIX"


def _client(user=None, token=None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    else:
        client.force_authenticate(user)
    return client


def _call(client, endpoint, pk):
    url = endpoint.url(pk)
    if endpoint.method == "GET":
        return client.get(url)
    return getattr(client, endpoint.method.lower())(url, {}, format="json")


def _ids(response) -> set:
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    return {row.get("id") for row in rows if isinstance(row, dict)}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
def test_endpoint_answers_every_role_as_the_matrix_says(world, endpoint):
    action = authz.api_action(endpoint.basename, endpoint.action)
    assert action in authz.MATRIX, "see test_every_endpoint_is_in_the_matrix"
    assert endpoint.basename in world.objects, f"add a {endpoint.basename!r} record to tests/api/conftest.build_world"
    pk = world.objects[endpoint.basename]
    problems = []
    for role in ROLES:
        may = role in authz.MATRIX[action]
        # inside the branch (session-style authentication)
        r = _call(_client(world.users[role]), endpoint, pk)
        if not may and r.status_code != 403:
            problems.append(f"{role} in-branch: expected 403, got {r.status_code} {r.content[:200]!r}")
        elif may and r.status_code not in ALLOWED_STATUSES:
            problems.append(f"{role} in-branch: expected one of {sorted(ALLOWED_STATUSES)}, got {r.status_code} {r.content[:200]!r}")
        elif r.status_code == 403 and r.json().get("code") not in {"permission_denied", "not_in_matrix"}:
            problems.append(f"{role}: 403 without the machine code: {r.content[:200]!r}")
        elif may and endpoint.method == "GET" and not endpoint.detail and pk not in _ids(r):
            problems.append(f"{role} in-branch: the branch's record is missing from the list")
        # outside the branch (integration token)
        r = _call(_client(token=world.outsider_tokens[role]), endpoint, pk)
        if not may:
            if r.status_code != 403:
                problems.append(f"{role} out-of-branch: expected 403, got {r.status_code}")
        elif endpoint.detail:
            if r.status_code != 404:
                problems.append(f"{role} out-of-branch: expected 404, got {r.status_code} {r.content[:200]!r}")
        elif endpoint.method == "GET":
            if r.status_code != 200 or pk in _ids(r):
                problems.append(f"{role} out-of-branch: list must answer 200 without the other branch's record, got {r.status_code}")
        elif r.status_code not in ALLOWED_STATUSES:
            problems.append(f"{role} out-of-branch: expected one of {sorted(ALLOWED_STATUSES)}, got {r.status_code}")
    assert not problems, f"{endpoint.id} ({action}):\n" + "\n".join(problems)


def test_anonymous_gets_401_on_every_endpoint(world):
    client = APIClient()
    for endpoint in ENDPOINTS:
        r = _call(client, endpoint, world.objects.get(endpoint.basename, 1))
        assert r.status_code == 401, endpoint.id
        assert r.json()["code"] == "not_authenticated"


def test_revoked_token_is_refused(world):
    from django.utils import timezone

    from accounts.models import ApiToken

    ApiToken.objects.filter(user=world.users["hq"]).update(revoked_at=timezone.now())
    r = _client(token=world.tokens["hq"]).get("/api/borrowers/")
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"


def test_matrix_predicates_agree_with_the_apps(world):
    """The apps' named predicates consult the matrix for the role part."""
    from borrowers.permissions import can_record_payment, can_reveal_pii
    from complaints import permissions as cp

    for role in ROLES:
        user = world.users[role]
        assert can_reveal_pii(user) == authz.allowed(user, "borrower.reveal_pii"), role
        assert can_record_payment(user) == authz.allowed(user, "payment.ingest"), role
        assert cp.can_view_complaints(user) == authz.allowed(user, "complaint.view"), role
        assert cp.can_create(user) == authz.allowed(user, "complaint.create"), role
