"""A new user's first minutes: find a borrower, see masked data; a supervisor reveals (logged)."""

import re

import pytest
from playwright.sync_api import expect

from borrowers.models import LoanEvent, PiiAccessLog
from tests.factories import BorrowerFactory, make_loan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wang(branch):
    borrower = BorrowerFactory(branch=branch, name="王建国", mobile="13812345678", national_id="310115198803124525")
    make_loan(borrower=borrower, contract_number="HT2026SH000101")
    return borrower


def test_agent_finds_a_borrower_and_sees_only_masked_personal_data(page, login, agent, wang):
    login(page, agent)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="借款人").click()
    page.fill("#q", "王建")
    page.press("#q", "Enter")
    result = page.get_by_role("link", name="王建国")
    expect(result).to_be_visible()
    expect(page.locator("#results")).to_contain_text("138****5678")
    result.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("王建国"))
    expect(page.locator("#pii-mobile")).to_have_text("138****5678")
    expect(page.locator("#pii-national_id")).to_contain_text("310***********4525")
    expect(page.locator("main")).not_to_contain_text("13812345678")
    expect(page.locator("#pii-mobile button")).to_have_count(0)  # agents cannot reveal
    expect(page.locator("main")).to_contain_text("HT2026SH000101")


def test_supervisor_reveals_a_number_and_the_reveal_is_logged(page, login, supervisor, wang):
    login(page, supervisor)
    page.goto(f"/borrowers/{wang.pk}/")
    expect(page.locator("#pii-mobile")).to_contain_text("138****5678")

    page.locator("#pii-mobile").get_by_role("button", name="查看").click()

    expect(page.locator("#pii-mobile")).to_have_text("13812345678")
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.borrower, log.field, log.action) == (supervisor, wang, "mobile", "reveal")
    assert LoanEvent.objects.filter(borrower=wang, kind="pii_revealed", actor=supervisor).exists()
    # the other fields stay masked
    expect(page.locator("#pii-national_id")).to_contain_text("310***********4525")


def test_language_switch_turns_the_page_english_and_back(page, login, agent):
    login(page, agent)
    page.goto("/borrowers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("借款人查询")
    page.select_option("#lang-select", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a borrower")
    page.select_option("#lang-select", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("借款人查询")
