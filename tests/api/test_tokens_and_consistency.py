"""Integration tokens (branch narrowing, per-token throttling, issue/revoke command) and the API's
uniform shape: cursor pagination, filtering and ordering on every list, coded errors in the caller's
language."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.api.endpoints import api_endpoints
from tests.factories import BorrowerFactory

LISTS = [e for e in api_endpoints() if e.method == "GET" and not e.detail]


def _token_client(key):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


def test_a_token_narrowed_to_a_branch_sees_only_that_branch(world):
    bj = BorrowerFactory(branch=world.other_branch, name="北京客户")
    _t, sh_only = ApiToken.issue(user=world.users["hq"], name="sh-only", branches=[world.branch])
    _t, everything = ApiToken.issue(user=world.users["hq"], name="all")
    ids = lambda r: {row["id"] for row in r.json()["results"]}  # noqa: E731
    assert ids(_token_client(sh_only).get("/api/borrowers/")) == {world.objects["borrower"]}
    assert ids(_token_client(everything).get("/api/borrowers/")) >= {world.objects["borrower"], bj.pk}
    assert _token_client(sh_only).get(f"/api/borrowers/{bj.pk}/").status_code == 404
    # narrowing never widens: an SH supervisor's token narrowed to BJ sees nothing
    _t, odd = ApiToken.issue(user=world.users["supervisor"], name="odd", branches=[world.other_branch])
    assert _token_client(odd).get("/api/borrowers/").json()["results"] == []


def test_throttling_is_per_token_and_a_token_may_carry_its_own_rate(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000/minute", "token": "3/minute"},
    }
    _t, a = ApiToken.issue(user=world.users["hq"], name="a")
    _t, b = ApiToken.issue(user=world.users["hq"], name="b")
    _t, fast = ApiToken.issue(user=world.users["hq"], name="fast", rate="5/minute")
    codes = [_token_client(a).get("/api/loans/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = _token_client(a).get("/api/loans/")
    assert limited.json()["code"] == "throttled" and int(limited["Retry-After"]) > 0
    assert _token_client(b).get("/api/loans/").status_code == 200  # same user, its own bucket
    assert [_token_client(fast).get("/api/loans/").status_code for _ in range(6)] == [200] * 5 + [429]


def test_issue_api_token_command(world):
    out = StringIO()
    call_command("issue_api_token", "in_hq", "--name", "core-banking", "--branch", "SH", "--rate", "100/minute", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(name="core-banking")
    assert token.key_hash != key and token.prefix == key[:8]  # only a hash is stored
    assert [b.code for b in token.branches.all()] == ["SH"] and token.rate == "100/minute"
    assert _token_client(key).get("/api/borrowers/").status_code == 200
    listing = StringIO()
    call_command("issue_api_token", "--list", stdout=listing)
    assert "core-banking" in listing.getvalue() and key not in listing.getvalue()
    call_command("issue_api_token", "--revoke", token.prefix, stdout=StringIO())
    assert _token_client(key).get("/api/borrowers/").status_code == 401
    with pytest.raises(CommandError):
        call_command("issue_api_token", "in_hq", "--name", "x", "--rate", "lots", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("issue_api_token", "in_hq", "--name", "x", "--branch", "NOPE", stdout=StringIO())


def test_token_admin_cannot_delete_tokens(world):
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world.users["admin"]
    assert not admin.site._registry[ApiToken].has_delete_permission(request)


@pytest.mark.parametrize("endpoint", LISTS, ids=lambda e: e.id)
def test_every_list_is_cursor_paginated_and_ordered(world, endpoint):
    c = APIClient()
    c.force_authenticate(world.users["admin"])
    body = c.get(endpoint.url(), {"page_size": 1}).json()
    assert set(body) >= {"next", "previous", "results"}, body
    assert len(body["results"]) <= 1
    if body["next"]:
        assert "cursor=" in body["next"]
        assert c.get(body["next"]).status_code == 200
    assert c.get(endpoint.url(), {"ordering": "-id"}).status_code == 200


def test_every_list_documents_filters_ordering_and_cursor():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for endpoint in LISTS:
        op = schema["paths"][endpoint.path]["get"]
        names = {p["name"] for p in op.get("parameters", [])}
        if not {"cursor", "page_size", "ordering"} <= names:
            missing.append(f"{endpoint.id}: {sorted(names)}")
        if len(names - {"cursor", "page_size", "ordering"}) < 1:
            missing.append(f"{endpoint.id}: no filter")
    assert not missing, "\n".join(missing)


def test_errors_are_coded_and_in_the_callers_language(world):
    anon = APIClient()
    en = anon.get("/api/borrowers/", HTTP_ACCEPT_LANGUAGE="en").json()
    zh = anon.get("/api/borrowers/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert en["code"] == zh["code"] == "not_authenticated"
    assert en["message"] == "Authentication credentials were not provided."
    assert zh["message"] != en["message"] and re.search(r"[\u4e00-\u9fff]", zh["message"])
    agent = APIClient()
    agent.force_authenticate(world.users["agent"])
    r = agent.post("/api/payments/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied" and r.json()["message"]


def _api_msgids() -> set[str]:
    root = Path(django_settings.BASE_DIR)
    files = list((root / "common" / "api").glob("*.py")) + [root / "common" / "audit.py", root / "common" / "middleware.py"]
    ids = set()
    for f in files:
        ids |= set(re.findall(r'_\(\s*"([^"]+)"', f.read_text()))
    return ids


def test_every_api_error_message_has_an_english_translation():
    catalogue = ""
    for f in (Path(django_settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES").glob("*.po*"):
        catalogue += f.read_text()
    pairs = dict(re.findall(r'msgid "(.+?)"\nmsgstr "(.*?)"', catalogue))
    missing = sorted(m for m in _api_msgids() if not pairs.get(m))
    assert not missing, f"add to locale/en/LC_MESSAGES/apisec.po.part: {missing}"
