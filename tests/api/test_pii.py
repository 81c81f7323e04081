"""Personal data (national ID, mobile, address) never leaves the API whole, for any role, on any
list or detail endpoint; the one way to see a value is the logged reveal action."""

import logging
import re

import pytest
from rest_framework.test import APIClient

from borrowers.models import LoanEvent, PiiAccessLog
from tests.api.conftest import ADDRESS, MOBILE, NATIONAL_ID, ROLES
from tests.api.endpoints import api_endpoints

READS = [e for e in api_endpoints() if e.method == "GET"]
MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
NATIONAL_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _unmasked(text: str) -> list[str]:
    found = MOBILE_RE.findall(text) + NATIONAL_ID_RE.findall(text)
    found += [v for v in (MOBILE, NATIONAL_ID, ADDRESS, "13700001111") if v in text]
    return found


@pytest.mark.parametrize("endpoint", READS, ids=lambda e: e.id)
def test_no_endpoint_returns_unmasked_pii_to_any_role(world, endpoint):
    leaks = []
    for role in ROLES:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
        r = client.get(endpoint.url(world.objects.get(endpoint.basename)))
        if r.status_code == 200:
            found = _unmasked(r.content.decode())
            if found:
                leaks.append(f"{role}: {found}")
    assert not leaks, f"{endpoint.id} leaks personal data: {leaks}"


def test_borrower_shows_masked_values(world):
    client = APIClient()
    client.force_authenticate(world.users["supervisor"])
    body = client.get(f"/api/borrowers/{world.objects['borrower']}/").json()
    assert body["mobile"] == "139****5678"
    assert body["national_id"] == "110***********803X"
    assert body["address"].endswith("****") and body["address"] != ADDRESS
    # the old bulk bypass is gone: ?unmasked=1 changes nothing
    assert client.get(f"/api/borrowers/{world.objects['borrower']}/?unmasked=1").json()["mobile"] == "139****5678"


@pytest.mark.parametrize("role", ROLES)
def test_reveal_is_allowed_by_role_and_always_logged(world, role):
    from accounts import authz

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    pk = world.objects["borrower"]
    r = client.post(f"/api/borrowers/{pk}/reveal/", {"field": "national_id", "reason": "核对身份"}, format="json")
    user = world.users[role]
    if authz.allowed(user, "borrower.reveal_pii"):
        assert r.status_code == 200 and r.json() == {"field": "national_id", "value": NATIONAL_ID}
        log = PiiAccessLog.objects.get(actor=user)
        assert (log.action, log.field, log.reason, log.borrower_id) == ("reveal", "national_id", "核对身份", pk)
        assert log.ip == "127.0.0.1"
        assert LoanEvent.objects.filter(borrower_id=pk, kind="pii_revealed", actor=user).exists()
    else:
        assert r.status_code == 403
        assert not PiiAccessLog.objects.filter(actor=user).exists()


def test_reveal_of_another_branchs_borrower_is_404_and_not_logged(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.outsider_tokens['supervisor']}")
    r = client.post(f"/api/borrowers/{world.objects['borrower']}/reveal/", {"field": "mobile", "reason": "x"}, format="json")
    assert r.status_code == 404
    assert not PiiAccessLog.objects.exists()


def test_logs_never_carry_mobiles_or_national_ids(caplog):
    from common.logging_filters import PiiMaskingFilter, PiiMaskingFormatter

    logger = logging.getLogger("crm.test.pii")
    record = logger.makeRecord("crm.test.pii", logging.WARNING, __file__, 1, "call %s id %s", (MOBILE, NATIONAL_ID), None)
    PiiMaskingFilter().filter(record)
    line = PiiMaskingFormatter("%(message)s").format(record)
    assert MOBILE not in line and NATIONAL_ID not in line
    assert "139****5678" in line and "110***********803X" in line
    try:
        raise ValueError(f"bad number {MOBILE}")
    except ValueError:
        import sys

        record = logger.makeRecord("crm.test.pii", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    assert MOBILE not in PiiMaskingFormatter("%(message)s").format(record)


def test_the_configured_console_handler_masks(settings):
    from django.conf import settings as dj

    handler = dj.LOGGING["handlers"]["console"]
    assert "mask_pii" in handler["filters"]
    assert dj.LOGGING["formatters"][handler["formatter"]]["()"].endswith("PiiMaskingFormatter")


def test_error_messages_do_not_echo_pii(world):
    """A wrong value is described, not repeated back."""
    client = APIClient()
    client.force_authenticate(world.users["hq"])
    r = client.post("/api/payments/", {"contract_number": NATIONAL_ID, "amount": "1", "paid_at": "x", "external_ref": MOBILE + "!"}, format="json")
    assert r.status_code == 400
    assert not _unmasked(r.content.decode())
