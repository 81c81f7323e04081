"""Simplified Chinese by default; the switch makes pages English; the API follows Accept-Language."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_open_in_chinese_even_for_an_english_browser(client):
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "员工登录" in html and '<html lang="zh-hans">' in html


def test_the_language_switch_turns_pages_english_and_back(client, agent):
    client.force_login(agent)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("borrowers:search")})
    assert response.status_code == 302
    html = client.get(reverse("borrowers:search")).content.decode()
    assert "Find a borrower" in html and "借款人查询" not in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "借款人查询" in client.get(reverse("borrowers:search")).content.decode()


def test_the_api_answers_in_the_callers_language(api_client, hq_user):
    api_client.force_authenticate(hq_user)
    body = {"contract_number": "X", "amount": "1", "paid_at": "2026-01-01T00:00:00Z", "external_ref": "R-1"}
    en = api_client.post("/api/payments/", body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    zh = api_client.post("/api/payments/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert en["message"] == "The submitted data is invalid."
    assert zh["message"] == "提交的数据有误。"
