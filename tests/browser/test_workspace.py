"""Done-when for the workspace, in real headless Chromium: an agent works a new complaint from the
queue to resolved; a supervisor acknowledges an escalation; two sessions act on one complaint and the
second sees the conflict."""

import re

import pytest
from django.urls import reverse

from complaints import services
from complaints.choices import State
from complaints.escalations import escalation_raise
from complaints.models import Complaint, ComplaintEvent, Escalation
from tests.factories import DEMO_PASSWORD, BorrowerFactory, make_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def server(live_server):
    return live_server


def login(page, base_url, username):
    page.goto(f"{base_url}{reverse('accounts:login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


def new_complaint(branch, **kwargs):
    borrower = BorrowerFactory(branch=branch, name="钱多多", mobile="13866667777")
    loan = make_loan(borrower=borrower, contract_number="HT-BROWSER-1", plate="沪C88888")
    return services.complaint_create(
        branch=branch, borrower=borrower, loan=loan, complainant_name="钱多多", complainant_mobile="13866667777",
        subject="提前还款违约金过高", description="提前结清时被收取了合同中没有写明的违约金。", send_acknowledgement=False,
        **kwargs,
    )


def test_agent_classifies_replies_and_resolves_from_the_queue(server, page, agent, branch):
    complaint = new_complaint(branch)
    login(page, server.url, agent.username)
    # agents land on their queue; the new complaint waits in "unassigned"
    expect(page.locator("h1")).to_have_text(re.compile("投诉队列"))
    page.click("a[href^='?view=unassigned']")
    row = page.locator(f"tr[data-queue-row]:has-text('{complaint.tracking_code}')")
    expect(row).to_be_visible()
    expect(row.locator("[data-clock-status]")).to_have_count(2)
    # ? shows the shortcut help, Escape hides it
    page.keyboard.press("?")
    expect(page.locator("#ws-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#ws-help")).to_be_hidden()
    # keyboard: j selects the first row, Enter opens it
    page.keyboard.press("j")
    expect(page.locator("tr[data-queue-row].is-selected")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator("#complaint-h")).to_contain_text(complaint.tracking_code)
    expect(page.locator("[data-testid=state]")).to_have_text("待受理")
    # the borrower 360 sits beside it, PII masked for an agent
    expect(page.locator(".ws-360")).to_contain_text("138****7777")
    expect(page.locator(".ws-360")).to_contain_text("HT-BROWSER-1")

    # c opens the classify form
    url_before = page.url
    page.keyboard.press("c")
    page.select_option("#panel-classify select[name=category]", "interest_fees")
    page.select_option("#panel-classify select[name=priority]", "high")
    page.click("#panel-classify button[type=submit]")
    expect(page.locator("[data-testid=state]")).to_have_text("已分类")
    assert page.url == url_before  # an htmx partial update, no reload
    expect(page.locator("[data-testid=owner]")).to_contain_text(agent.username)

    page.keyboard.press("t")  # start
    expect(page.locator("[data-testid=state]")).to_have_text("处理中")

    page.keyboard.press("r")  # reply
    expect(page.locator("#id_reply_body")).to_be_focused()
    page.keyboard.type("您好，违约金条款我们正在核实，三个工作日内答复您。")
    page.click("form[action$='/act/reply/'] button[type=submit]")
    expect(page.locator("[data-testid=timeline] li[data-kind=reply]").first).to_contain_text("三个工作日内答复您")

    page.keyboard.press("s")  # resolve
    page.fill("#panel-resolve textarea[name=resolution_summary]", "经核实违约金收取有误，已全额退还。")
    page.select_option("#panel-resolve select[name=root_cause]", "fee_or_interest_error")
    page.click("#panel-resolve button[type=submit]")
    expect(page.locator("[data-testid=state]")).to_have_text("已解决")

    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.RESOLVED and complaint.owner_id == agent.pk
    reply = ComplaintEvent.objects.get(complaint=complaint, kind="reply")
    assert reply.visible_to_borrower
    # the borrower, on the public tracking page, sees the reply (and never the internal notes)
    borrower_page = page.context.browser.new_context().new_page()
    borrower_page.goto(f"{server.url}{reverse('public_complaints:track')}")
    borrower_page.fill("input[name=tracking_code]", complaint.tracking_code)
    borrower_page.fill("input[name=mobile_last4]", "7777")
    borrower_page.click("#track-form button[type=submit]")
    expect(borrower_page.locator("body")).to_contain_text("三个工作日内答复您")
    expect(borrower_page.locator("body")).to_contain_text("已全额退还")
    borrower_page.context.close()


def test_supervisor_acknowledges_an_escalation(server, page, agent, supervisor, branch):
    complaint = new_complaint(branch)
    escalation = escalation_raise(complaint=complaint, actor=agent, note="客户表示要向金融监管部门投诉")
    login(page, server.url, supervisor.username)
    page.goto(f"{server.url}{reverse('complaints:supervisor')}")
    row = page.locator(f"tr[data-escalation='{escalation.pk}']")
    expect(row).to_contain_text(complaint.tracking_code)
    row.locator("button[type=submit]").click()
    expect(page.locator("#escalation-inbox .ws-ok")).to_contain_text(complaint.tracking_code)
    expect(page.locator(f"tr[data-escalation='{escalation.pk}']")).to_have_count(0)
    escalation = Escalation.objects.get(pk=escalation.pk)
    assert escalation.acknowledged_by_id == supervisor.pk


def test_second_session_sees_the_conflict(server, browser, agent, supervisor, branch):
    complaint = new_complaint(branch)
    detail = f"{server.url}{reverse('complaints:detail', args=[complaint.pk])}"
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    login(first, server.url, agent.username)
    login(second, server.url, supervisor.username)
    first.goto(detail)
    second.goto(detail)
    expect(second.locator("[data-testid=state]")).to_have_text("待受理")

    first.locator("#panel-classify summary").click()
    first.select_option("#panel-classify select[name=category]", "service_experience")
    first.click("#panel-classify button[type=submit]")
    expect(first.locator("[data-testid=state]")).to_have_text("已分类")

    # the second person still sees the old page and acts on it
    second.locator("#panel-classify summary").click()
    second.select_option("#panel-classify select[name=category]", "other")
    second.click("#panel-classify button[type=submit]")
    expect(second.locator("[data-conflict]")).to_contain_text("其他人已先处理")
    expect(second.locator("[data-testid=state]")).to_have_text("已分类")  # the fresh state
    assert Complaint.objects.get(pk=complaint.pk).category == "service_experience"
    first.context.close()
    second.context.close()
