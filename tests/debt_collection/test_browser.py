"""In real headless Chromium: a collector logs a call on the case page at 07:30 in the borrower's
time zone and sees the refusal with the next allowed time; at 10:00 the same form saves the call."""

import os

import pytest
from django.urls import reverse
from django.utils import timezone

from debt_collection.models import BlockedContact, ContactAttempt
from tests.debt_collection.helpers import local
from tests.factories import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"Chromium not found at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]}


@pytest.fixture
def server(live_server):
    from django.conf import settings

    if settings.MEDIA_URL is None:  # the live server's static handler wants a string; uploads are never served
        settings.MEDIA_URL = "/__media-not-served__/"
    return live_server


def test_refused_call_shows_rule_and_next_time_then_logs_later(page, server, case, collector, monkeypatch):
    clock = {"now": local("Asia/Shanghai", 2026, 3, 20, 7, 30)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    page.goto(f"{server.url}{reverse('accounts:login')}")
    page.fill("#id_username", collector.username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{server.url}{reverse('debt_collection:case', args=[case.pk])}")
    page.select_option("#id_channel", "call")
    page.select_option("#id_outcome", "no_answer")
    page.click("text=保存联系记录")
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("quiet_hours")
    expect(refusal).to_contain_text("2026-03-20 08:00")
    assert BlockedContact.objects.filter(rule="quiet_hours", actor=collector).count() == 1
    assert not ContactAttempt.objects.exists()

    clock["now"] = local("Asia/Shanghai", 2026, 3, 20, 10, 0)
    page.goto(f"{server.url}{reverse('debt_collection:case', args=[case.pk])}")
    page.select_option("#id_channel", "call")
    page.select_option("#id_outcome", "no_answer")
    page.click("text=保存联系记录")
    expect(page.locator(".messages")).to_contain_text("联系记录已保存")
    assert ContactAttempt.objects.filter(created_by=collector).count() == 1
