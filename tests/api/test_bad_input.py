"""Bad input gets a 4xx with a machine code and a clear message, and leaves the database unchanged."""

import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from borrowers.models import Borrower, LoanEvent, Payment, PiiAccessLog
from complaints.models import Complaint, ComplaintEvent
from notifications.models import OutboundMessage

WATCHED = [Borrower, Payment, LoanEvent, PiiAccessLog, Complaint, ComplaintEvent, OutboundMessage]


def counts():
    return {m.__name__: m.objects.count() for m in WATCHED}


@pytest.fixture
def hq(world):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens['hq']}")
    return c


@pytest.fixture
def supervisor(world):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens['supervisor']}")
    return c


def _raw(client, url, body: bytes | str, content_type="application/json"):
    return client.generic("POST", url, body, content_type=content_type)


def _assert_error(r, status=400, code=None):
    assert r.status_code == status, r.content[:500]
    body = r.json()
    assert set(body) >= {"code", "message"}, body
    assert body["message"], body
    if code:
        assert body["code"] == code, body
    return body


VALID_PAYMENT = {
    "contract_number": "HT-MATRIX-1", "amount": "10.00", "paid_at": "2026-11-20T10:00:00+08:00",
    "channel": "bank_debit", "external_ref": "BAD-INPUT-OK",
}
VALID_COMPLAINT = {"complainant_name": "李雷", "complainant_mobile": "13600001111", "description": "扣款两次", "channel": "phone"}


@pytest.mark.parametrize(
    "body, code",
    [
        ('{"contract_number": "HT-MATRIX-1", ', "parse_error"),
        ("not json at all", "parse_error"),
        ('{"amount": NaN}', "parse_error"),
        ('{"amount": Infinity}', "parse_error"),
        ("[" * 5000 + "]" * 5000, None),
        (b'{"contract_number": "\xff\xfe"}', "invalid_encoding"),
        ('{"contract_number": "HT\\u0000X"}', "invalid_characters"),
        ('{"contract_number": "\\ud800"}', "invalid_characters"),
        ('{"\\u0000": 1}', "invalid_characters"),
        ("null", "invalid"),
        ("[]", "invalid"),
        ('"a string"', "invalid"),
        ("12", "invalid"),
    ],
)
def test_malformed_json_is_a_400_and_writes_nothing(world, hq, body, code):
    before = counts()
    r = _raw(hq, "/api/payments/", body)
    _assert_error(r, 400, code)
    assert counts() == before


def test_oversized_body_is_refused(world, hq, settings):
    before = counts()
    big = json.dumps({**VALID_PAYMENT, "external_ref": "X" * (3 * 1024 * 1024)})
    r = _raw(hq, "/api/payments/", big)
    assert r.status_code in (400, 413), r.status_code
    _assert_error(r, r.status_code)
    assert counts() == before


def test_unsupported_media_type(world, hq):
    before = counts()
    r = _raw(hq, "/api/payments/", "contract_number=HT", content_type="text/plain")
    _assert_error(r, 415, "unsupported_media_type")
    assert counts() == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("amount", ["10.00"]),
        ("amount", {"value": 10}),
        ("amount", "ten"),
        ("amount", "-5.00"),
        ("amount", "0"),
        ("amount", "1e309"),
        ("amount", "123456789012345678.00"),
        ("amount", True),
        ("paid_at", 1732096800),
        ("paid_at", "yesterday"),
        ("paid_at", "2026-02-30T10:00:00"),
        ("contract_number", {"$ne": ""}),
        ("contract_number", ["HT-MATRIX-1"]),
        ("contract_number", "' OR '1'='1"),
        ("contract_number", "HT-MATRIX-1'; DROP TABLE borrowers_payment; --"),
        ("channel", "bitcoin"),
        ("channel", None),
        ("external_ref", "<script>alert(1)</script>"),
        ("external_ref", "a" * 65),
        ("external_ref", "流水号"),
        ("external_ref", "\u202eRTL"),
        ("external_ref", "😀"),
        ("external_ref", ""),
    ],
)
def test_payment_ingest_rejects_wrong_values(world, hq, field, value):
    before = counts()
    r = hq.post("/api/payments/", {**VALID_PAYMENT, field: value}, format="json")
    body = _assert_error(r, 400, "invalid")
    assert field in body["errors"], body
    assert counts() == before


def test_a_valid_payment_still_goes_in(world, hq):
    r = hq.post("/api/payments/", VALID_PAYMENT, format="json")
    assert r.status_code == 201, r.content
    assert hq.post("/api/payments/", VALID_PAYMENT, format="json").status_code == 200  # replay: idempotent
    assert Payment.objects.filter(external_ref="BAD-INPUT-OK").count() == 1


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"complainant_name": ["李雷"]}, "complainant_name"),
        ({"complainant_name": ""}, "complainant_name"),
        ({"complainant_name": "李" * 51}, "complainant_name"),
        ({"description": "x" * 10001}, "description"),
        ({"description": None}, "description"),
        ({"category": "aliens"}, "category"),
        ({"priority": 3}, "priority"),
        ({"complainant_mobile": "1380013800<script>"}, "complainant_mobile"),
        ({"complainant_email": "not-an-email"}, "complainant_email"),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": "last week"}, "received_at"),
        ({"borrower": 999999999}, "borrower"),
        ({"borrower": "1 OR 1=1"}, "borrower"),
        ({"loan": [1]}, "loan"),
        ({"branch": "NOPE"}, "branch"),
        ({"branch": "BJ"}, "branch"),  # a supervisor of SH may not record for BJ
    ],
)
def test_complaint_create_rejects_wrong_values(world, supervisor, patch, field):
    before = counts()
    r = supervisor.post("/api/complaints/", {**VALID_COMPLAINT, **patch}, format="json")
    body = _assert_error(r, 400, "invalid")
    assert field in body["errors"], body
    assert counts() == before


@pytest.mark.parametrize(
    "text",
    ["😀🚗💸 还款", "\u202eمرحبا بالعالم\u202c", "<img src=x onerror=alert(1)>", "'; DROP TABLE complaints_complaint; --", "Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍"],
)
def test_unicode_and_payload_text_is_stored_verbatim_not_executed(world, supervisor, text):
    r = supervisor.post("/api/complaints/", {**VALID_COMPLAINT, "description": text}, format="json")
    assert r.status_code == 201, r.content
    assert r["Content-Type"].startswith("application/json")
    assert Complaint.objects.get(pk=r.json()["id"]).description == text
    assert Complaint.objects.count() >= 1  # the table is still there


@pytest.mark.parametrize(
    "url",
    [
        "/api/borrowers/?q=%00",
        "/api/borrowers/?q=' OR 1=1 --",
        "/api/borrowers/?q=%E2%80%AE%F0%9F%98%80",
        "/api/borrowers/?q=" + "9" * 5000,
        "/api/loans/?min_dpd=abc",
        "/api/loans/?borrower=99999999999999999999999",
        "/api/messages/?borrower=99999999999999999999999",
        "/api/payments/?loan=99999999999999999999999",
        "/api/complaints/?assignee=99999999999999999999999",
        "/api/complaints/?breaching_within=99999999999999999999999",
        "/api/loans/?status=nope",
        "/api/loans/?contract_number=%00",
        "/api/payments/?paid_at__gte=notadate",
        "/api/payments/?loan=-1",
        "/api/complaints/?breaching_within=1e999",
        "/api/complaints/?assignee=1;DROP",
        "/api/complaints/?tracking_code=%00",
        "/api/complaints/?received_after=2026-13-45",
        "/api/messages/?created_after=%F0%9F%98%80",
        "/api/borrowers/?cursor=not-a-cursor",
        "/api/borrowers/?page_size=-5",
        "/api/borrowers/?page_size=100000000",
        "/api/borrowers/?ordering=password",
        "/api/borrowers/99999999999999999999999/",
        "/api/complaints/0/",
        "/api/borrowers/%00/",
    ],
)
def test_bad_query_parameters_never_500(world, hq, url):
    before = counts()
    r = hq.get(url)
    assert r.status_code < 500, (url, r.status_code, r.content[:300])
    if r.status_code >= 400:
        _assert_error(r, r.status_code)
    assert counts() == before


def test_sql_in_search_finds_nothing_and_breaks_nothing(world, hq):
    r = hq.get("/api/borrowers/", {"q": "王' OR '1'='1"})
    assert r.status_code == 200 and r.json()["results"] == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM borrowers_borrower")
        assert cursor.fetchone()[0] == Borrower.objects.count() > 0


def test_transition_with_wrong_types_and_stale_version(world):
    from tests.api.conftest import ROLES  # noqa: F401

    c = APIClient()
    c.force_authenticate(world.users["supervisor"])
    pk = world.objects["complaint"]
    before = counts()
    r = c.post(f"/api/complaints/{pk}/classify/", {"category": 5, "priority": ["high"], "version": "x"}, format="json")
    body = _assert_error(r, 400, "invalid")
    assert {"category", "priority", "version"} <= set(body["errors"])
    r = c.post(f"/api/complaints/{pk}/classify/", {"category": "other", "priority": "normal", "version": 999}, format="json")
    _assert_error(r, 409)
    assert counts() == before


def test_reveal_rejects_unknown_field_and_missing_reason(world):
    c = APIClient()
    c.force_authenticate(world.users["supervisor"])
    pk = world.objects["borrower"]
    before = counts()
    body = _assert_error(c.post(f"/api/borrowers/{pk}/reveal/", {"field": "password", "reason": "x"}, format="json"), 400)
    assert "field" in body["errors"]
    body = _assert_error(c.post(f"/api/borrowers/{pk}/reveal/", {"field": "mobile"}, format="json"), 400)
    assert "reason" in body["errors"]
    assert counts() == before
