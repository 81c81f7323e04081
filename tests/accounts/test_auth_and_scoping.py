"""Login, logout, password change, lockout, and branch scoping of pages and API."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from borrowers.models import PiiAccessLog
from tests.factories import DEMO_PASSWORD, BorrowerFactory, make_loan

pytestmark = pytest.mark.django_db


# --- login / logout / password ---------------------------------------------------------------


def test_login_then_logout(client, agent):
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("borrowers:search")).status_code == 200

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    response = client.get(reverse("borrowers:search"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_wrong_password_shows_the_form_error(client, agent):
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert 'class="form-error"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change(client, agent):
    client.force_login(agent)
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "wrong-old-pass", "new_password1": "x", "new_password2": "x"})
    assert response.status_code == 200 and "old_password_error" in response.content.decode()

    response = client.post(url, {"old_password": DEMO_PASSWORD, "new_password1": "Brand-new-pass-77",
                                 "new_password2": "Brand-new-pass-77"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_done")
    agent.refresh_from_db()
    assert agent.check_password("Brand-new-pass-77")


def test_repeated_failures_lock_the_login_out_with_our_page(client, agent, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": agent.username, "password": "bad-password-1"})
    # even the right password is refused now
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "账户已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- scoping -----------------------------------------------------------------------------------


@pytest.fixture
def sh_and_bj(branch, other_branch):
    sh = BorrowerFactory(branch=branch, name="上海客户")
    bj = BorrowerFactory(branch=other_branch, name="北京客户")
    return sh, bj, make_loan(borrower=sh, contract_number="SH-1"), make_loan(borrower=bj, contract_number="BJ-1")


def test_a_branch_agent_gets_404_on_another_branchs_borrower_page(client, agent, sh_and_bj):
    sh, bj, _sh_loan, _bj_loan = sh_and_bj
    client.force_login(agent)
    assert client.get(reverse("borrowers:detail", args=[sh.pk])).status_code == 200
    assert client.get(reverse("borrowers:detail", args=[bj.pk])).status_code == 404
    page = client.get(reverse("borrowers:search")).content.decode()
    assert "上海客户" in page and "北京客户" not in page


def test_a_branch_agent_gets_404_on_another_branch_in_the_api(api_client, agent, sh_and_bj):
    sh, bj, sh_loan, bj_loan = sh_and_bj
    api_client.force_authenticate(agent)
    assert api_client.get(f"/api/borrowers/{sh.pk}/").status_code == 200
    assert api_client.get(f"/api/borrowers/{bj.pk}/").status_code == 404
    assert api_client.get(f"/api/loans/{bj_loan.pk}/").status_code == 404
    names = [b["name"] for b in api_client.get("/api/borrowers/").json()["results"]]
    assert names == ["上海客户"]
    contracts = [loan["contract_number"] for loan in api_client.get("/api/loans/").json()["results"]]
    assert contracts == ["SH-1"]


def test_hq_sees_both_branches(client, api_client, hq_user, sh_and_bj):
    sh, bj, _sh_loan, bj_loan = sh_and_bj
    client.force_login(hq_user)
    assert client.get(reverse("borrowers:detail", args=[bj.pk])).status_code == 200
    api_client.force_authenticate(hq_user)
    assert {b["name"] for b in api_client.get("/api/borrowers/").json()["results"]} == {"上海客户", "北京客户"}
    assert api_client.get(f"/api/loans/{bj_loan.pk}/").json()["contract_number"] == "BJ-1"


def test_another_branchs_supervisor_cannot_reveal(client, sh_and_bj, other_branch):
    from tests.factories import UserFactory

    _sh, bj, *_ = sh_and_bj
    sh_supervisor = UserFactory(username="sup_sh_x", role="supervisor", branch=sh_and_bj[0].branch)
    client.force_login(sh_supervisor)
    assert client.post(reverse("borrowers:reveal", args=[bj.pk, "mobile"])).status_code == 404
    assert not PiiAccessLog.objects.exists()


def test_agents_cannot_reveal_and_supervisors_reveal_with_a_log(client, agent, supervisor, sh_and_bj):
    sh, *_ = sh_and_bj
    client.force_login(agent)
    assert client.post(reverse("borrowers:reveal", args=[sh.pk, "mobile"])).status_code == 403
    client.force_login(supervisor)
    response = client.post(reverse("borrowers:reveal", args=[sh.pk, "national_id"]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and sh.national_id in response.content.decode()
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.field, log.ip) == (supervisor, "national_id", "10.1.2.3")
    assert client.post(reverse("borrowers:reveal", args=[sh.pk, "name"])).status_code == 400


# --- API tokens --------------------------------------------------------------------------------


def test_api_token_valid_revoked_and_malformed(api_client, hq_user, sh_and_bj):
    from django.utils import timezone

    token, key = ApiToken.issue(user=hq_user, name="core-banking")
    response = api_client.get("/api/borrowers/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and len(response.json()["results"]) == 2
    assert api_client.get("/api/loans/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = api_client.get("/api/borrowers/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"

    assert api_client.get("/api/borrowers/", HTTP_AUTHORIZATION="Token").status_code == 401
    assert api_client.get("/api/borrowers/", HTTP_AUTHORIZATION="Token not-a-key").status_code == 401
    assert api_client.get("/api/borrowers/").status_code in (401, 403)


def test_api_masks_pii_unless_the_role_asks_for_it(api_client, agent, collector, sh_and_bj):
    sh, *_ = sh_and_bj
    api_client.force_authenticate(agent)
    assert api_client.get(f"/api/borrowers/{sh.pk}/?unmasked=1").json()["mobile"] == sh.mobile_masked
    api_client.force_authenticate(collector)
    assert api_client.get(f"/api/borrowers/{sh.pk}/").json()["mobile"] == sh.mobile_masked
    assert api_client.get(f"/api/borrowers/{sh.pk}/?unmasked=1").json()["mobile"] == sh.mobile
