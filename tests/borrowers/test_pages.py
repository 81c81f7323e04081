"""Borrower search and borrower page as a user sees them."""

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from borrowers.services import payment_record
from tests.factories import BorrowerFactory, EmergencyContactFactory, aware, make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(branch):
    people = [BorrowerFactory(branch=branch, name=f"李{i:02d}") for i in range(30)]
    for i, b in enumerate(people[:5]):
        EmergencyContactFactory(borrower=b)
        loan = make_loan(borrower=b, contract_number=f"HT-P-{i}", plate=f"沪A1234{i}")
        payment_record(loan=loan, amount=D("25000"), paid_at=aware(2026, 2, 14, 9), external_ref=f"PAY-{i}")
    make_loan(borrower=people[0], contract_number="HT-P-X", plate="沪B99999")
    return people


def test_search_by_name_prefix_contract_plate_and_mobile_suffix(client, agent, book):
    client.force_login(agent)
    url = reverse("borrowers:search")
    assert "李03" in client.get(url, {"q": "李0"}).content.decode()
    assert "李12" not in client.get(url, {"q": "李0"}).content.decode()
    assert "李04" in client.get(url, {"q": "HT-P-4"}).content.decode()
    assert "李00" in client.get(url, {"q": "沪B99999"}).content.decode()
    suffix = book[7].mobile[-4:]
    assert "李07" in client.get(url, {"q": suffix}).content.decode()
    # htmx asks for the results partial only
    partial = client.get(url, {"q": "李0"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "李03" in partial


def test_search_page_does_not_query_per_row(client, agent, book, django_assert_max_num_queries):
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("borrowers:search"))
    assert response.content.decode().count('href="/borrowers/') >= 25


def test_borrower_page_shows_loans_schedule_and_payments_with_masked_pii(
    client, agent, book, django_assert_max_num_queries
):
    borrower = book[0]
    client.force_login(agent)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("borrowers:detail", args=[borrower.pk]))
    html = response.content.decode()
    assert re.search(r"<title>\s*李00 · AutoLoan CRM</title>", html)
    assert "HT-P-0" in html and "HT-P-X" in html
    assert "PAY-0" in html and "¥25,000.00" in html
    assert "6.00%" in html  # annual rate as a percentage
    assert borrower.mobile_masked in html and borrower.mobile not in html
    assert borrower.national_id not in html
    assert "已还清" in html  # the first installments are paid
    assert "收到还款" in html  # activity timeline


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("agent", ["投诉", "借款人"], ["催收", "看板"]),
        ("collector", ["催收", "借款人"], ["投诉", "看板"]),
        ("supervisor", ["投诉", "催收", "借款人"], []),
    ],
)
def test_navigation_depends_on_the_role(client, branch, role, visible, hidden):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username=f"nav_{role}", role=role, branch=branch))
    nav = re.search(r'<nav class="mainnav".*?</nav>', client.get(reverse("borrowers:search")).content.decode(), re.S)
    labels = re.findall(r">([^<]+)</a>", nav.group(0))
    for label in visible:
        assert label in labels, (role, labels)
    for label in hidden:
        assert label not in labels, (role, labels)
