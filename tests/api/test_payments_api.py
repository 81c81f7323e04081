"""Idempotent payment ingest through the API."""

from decimal import Decimal as D

import pytest

from accounts.models import ApiToken
from borrowers.models import Installment, Payment
from tests.factories import BorrowerFactory, make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(branch):
    return make_loan(borrower=BorrowerFactory(branch=branch), contract_number="HT-API-1",
                     principal="12000.00", annual_rate="0.12", term_months=12)


@pytest.fixture
def integration(api_client, hq_user):
    _token, key = ApiToken.issue(user=hq_user, name="core-banking")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client


def body(**over):
    data = {"contract_number": "HT-API-1", "amount": "1066.19", "paid_at": "2026-02-15T10:00:00+08:00",
            "channel": "bank_debit", "external_ref": "BANK-20260215-0001"}
    data.update(over)
    return data


def test_new_payment_201_replay_200_and_counted_once(integration, loan):
    response = integration.post("/api/payments/", body(), format="json")
    assert response.status_code == 201
    assert response.json()["external_ref"] == "BANK-20260215-0001"
    first = Installment.objects.get(loan=loan, seq=1)
    assert first.settled and first.total_paid == D("1066.19")

    replay = integration.post("/api/payments/", body(), format="json")
    assert replay.status_code == 200
    assert replay.json()["id"] == response.json()["id"]
    assert Payment.objects.count() == 1
    assert Installment.objects.get(loan=loan, seq=2).total_paid == D("0.00")


def test_same_reference_different_amount_is_a_409(integration, loan):
    integration.post("/api/payments/", body(), format="json")
    response = integration.post("/api/payments/", body(amount="999.00"), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_external_ref"
    assert "external_ref" in response.json()["errors"]
    assert Payment.objects.get().amount == D("1066.19")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": None}, "amount"),
        ({"paid_at": "yesterday"}, "paid_at"),
        ({"external_ref": "has spaces/and slashes"}, "external_ref"),
        ({"channel": "bitcoin"}, "channel"),
        ({"contract_number": "NO-SUCH"}, "contract_number"),
    ],
)
def test_bad_fields_are_400_with_the_fields_error(integration, loan, over, field):
    data = {k: v for k, v in body(**over).items() if v is not None}
    response = integration.post("/api/payments/", data, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not Payment.objects.exists()


def test_staff_without_the_ingest_role_get_403(api_client, agent, loan):
    api_client.force_authenticate(agent)
    response = api_client.post("/api/payments/", body(), format="json")
    assert response.status_code == 403
    assert not Payment.objects.exists()
