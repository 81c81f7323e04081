"""An external agency's collector sees only the borrowers whose cases were placed with the agency —
in the borrower search, the borrower page and the API — never the rest of the branch's book."""

import pytest

from debt_collection.models import CollectionCase, CollectorOrganisation, CollectorProfile
from tests.factories import BorrowerFactory, UserFactory, make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency_world(branch):
    agency = CollectorOrganisation.objects.create(name="某某催收公司", kind="agency", branch=branch)
    user = UserFactory(username="agency_x", role="collector", branch=branch)
    CollectorProfile.objects.create(user=user, organisation=agency)
    placed_borrower = BorrowerFactory(branch=branch, name="王placed")
    other_borrower = BorrowerFactory(branch=branch, name="王other")
    for borrower, case_agency in ((placed_borrower, agency), (other_borrower, None)):
        loan = make_loan(borrower=borrower)
        CollectionCase.objects.create(loan=loan, borrower=borrower, branch=branch, state="open", agency=case_agency)
    return user, placed_borrower, other_borrower


def test_agency_collector_sees_only_placed_borrowers(client, agency_world):
    user, placed, other = agency_world
    client.force_login(user)
    page = client.get("/borrowers/", {"q": "王"}).content.decode()
    assert "王placed" in page and "王other" not in page
    assert client.get(f"/borrowers/{placed.pk}/").status_code == 200
    assert client.get(f"/borrowers/{other.pk}/").status_code == 404


def test_agency_collector_api_is_narrowed_too(api_client, agency_world, collector):
    user, placed, other = agency_world
    api_client.force_authenticate(user)
    ids = {row["id"] for row in api_client.get("/api/borrowers/").json()["results"]}
    assert placed.pk in ids and other.pk not in ids
    assert api_client.get(f"/api/borrowers/{other.pk}/").status_code == 404
    # the company's own collectors still see the whole branch
    api_client.force_authenticate(collector)
    ids = {row["id"] for row in api_client.get("/api/borrowers/").json()["results"]}
    assert {placed.pk, other.pk} <= ids
