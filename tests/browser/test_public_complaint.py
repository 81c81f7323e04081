"""The public complaint journey in real headless Chromium (Debian's /usr/bin/chromium).

File a complaint with an attachment → see the tracking code → track it → an agent resolves it →
give feedback; and the bad inputs: an empty form, a 20 MB file, an .exe renamed .jpg, a <script> in
the description (text everywhere later, the agent's page too), a wrong tracking pair. Each bad input
gets a clear message beside the field and stores nothing.
"""

from __future__ import annotations

import re

import pytest

from tests.complaints_public.samples import EXE, PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium itself (executable_path, flags), base_url and the login helper come from
# tests/browser/conftest.py. These pages are mobile-first: drive them at a phone's size.
@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chinese is the source language; pinned so assertions do not depend on compiled catalogues.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    """Private uploads in a temp dir; Celery tasks (the acknowledgement SMS) run inline."""
    from autoloan_crm.celery import app

    settings.MEDIA_ROOT = tmp_path / "private-media"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield settings.MEDIA_ROOT
    app.conf.task_always_eager = eager


@pytest.fixture
def watched(page):
    """The page, plus every JS dialog and CSP violation it produced (both must stay empty)."""
    problems = {"dialogs": [], "csp": []}

    def on_dialog(dialog):
        problems["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda msg: problems["csp"].append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.problems = problems
    return page


def _files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _counts():
    from complaints.models import Complaint, ComplaintAttachment
    from notifications.models import OutboundMessage

    return Complaint.objects.count(), ComplaintAttachment.objects.count(), OutboundMessage.objects.count()


def _fill_valid(page, *, mobile="13912345678", reference="", description=None):
    page.fill("#id_name", "王小明")
    page.fill("#id_mobile", mobile)
    if reference:
        page.fill("#id_reference", reference)
    page.get_by_label("催收方式不当（骚扰、威胁、联系我的家人朋友）").check()
    page.fill("#id_description", description or "催收员每天晚上十一点打电话给我父母，还威胁要上门。")
    page.fill("#id_desired_outcome", "停止骚扰我的家人，给出书面道歉。")
    page.get_by_label("短信", exact=True).check()
    page.check("#id_consent")


def _submit(page):
    with page.expect_navigation():
        page.click("button.pub-submit")


def _field_error(page, field):
    return page.locator(f"#id_{field}_error")


def test_file_track_resolve_and_feedback(live_server, watched, borrower, hq_branch, agent, tmp_path):
    from complaints.choices import State
    from complaints.models import Complaint
    from tests.complaints_public.conftest import resolve_complaint
    from tests.factories import make_loan

    page = watched
    loan = make_loan(borrower=borrower, contract_number="HT-2026-0815", plate="沪A88888")
    evidence = tmp_path / "扣款截图.png"
    evidence.write_bytes(PNG)

    page.goto(f"{live_server.url}/complaint/new/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    _fill_valid(page, mobile=borrower.mobile, reference="沪a 88888")
    page.set_input_files("#id_attachments", str(evidence))
    assert "扣款截图.png" in page.locator(".file-list").inner_text()
    _submit(page)

    assert page.url.endswith("/complaint/submitted/")
    code = page.locator("#tracking-code").inner_text().strip()
    complaint = Complaint.objects.get()
    assert code == complaint.tracking_code
    assert complaint.state == State.INTAKE and complaint.channel == "web_form"
    assert complaint.loan == loan and complaint.borrower == borrower
    assert complaint.attachments.get().original_name == "扣款截图.png"
    assert page.locator("#deadline").inner_text() == complaint.regulatory_due_at.astimezone(
        complaint.branch.tzinfo
    ).date().isoformat()
    from notifications.models import OutboundMessage

    ack = OutboundMessage.objects.get(channel="sms")  # sent inline (eager) after commit
    assert ack.to == borrower.mobile and code in ack.body

    # track it: the code is carried over, the borrower types the last 4 digits
    page.get_by_role("link", name="查询处理进度").click()
    assert page.input_value("#id_tracking_code") == code
    page.fill("#id_mobile_last4", borrower.mobile[-4:])
    page.get_by_role("button", name="查询").click()
    assert page.url.endswith(f"/complaint/track/{code}/")
    assert page.locator("#complaint-status").get_attribute("data-state") == "intake"
    assert "已收到，等待受理" in page.locator("#complaint-status").inner_text()

    # an agent resolves it through the service
    resolve_complaint(complaint, agent, summary="已核实：催收员违规夜间外呼，已停止外呼并处分。")
    page.reload()
    assert page.locator("#complaint-status").get_attribute("data-state") == "resolved"
    assert "已停止外呼并处分" in page.locator("#resolution").inner_text()

    page.get_by_label("5 分 · 非常满意").check()
    page.fill("#id_comment", "处理很及时，谢谢。")
    page.get_by_role("button", name="提交评价").click()
    assert "谢谢您的评价" in page.locator("#flash").inner_text()
    assert page.locator("#complaint-status").get_attribute("data-state") == "closed"
    complaint = Complaint.objects.get()
    assert complaint.state == State.CLOSED and complaint.csat == 5
    assert complaint.feedback_comment == "处理很及时，谢谢。"
    assert page.problems == {"dialogs": [], "csp": []}


def test_keyboard_only_filing(live_server, watched, hq_branch):
    """No mouse: Tab through the form, arrows in radio groups, Space on the checkbox, Enter to submit."""
    from complaints.models import Complaint

    page = watched
    page.goto(f"{live_server.url}/complaint/new/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.focus("#id_name")
    page.keyboard.type("李雷")
    page.keyboard.press("Tab")
    page.keyboard.type("13812340000")
    page.keyboard.press("Tab")  # reference (optional): leave empty
    page.keyboard.press("Tab")  # preferred channel group: lands on the checked "phone"
    assert page.evaluate("document.activeElement.name") == "preferred_channel"
    page.keyboard.press("ArrowDown")  # → SMS
    page.keyboard.press("Tab")  # email (optional)
    page.keyboard.press("Tab")  # preferred time group
    assert page.evaluate("document.activeElement.name") == "preferred_time"
    page.keyboard.press("Tab")  # category group (none chosen yet): first option
    assert page.evaluate("document.activeElement.name") == "category"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("扣款日提前了三天，导致我被收取了罚息。")
    page.keyboard.press("Tab")
    page.keyboard.type("退还罚息。")
    page.keyboard.press("Tab")  # the file picker (skip)
    page.keyboard.press("Tab")  # consent
    assert page.evaluate("document.activeElement.id") == "id_consent"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the honeypot is skipped (tabindex -1): straight to submit
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/complaint/submitted/$"))
    complaint = Complaint.objects.get()
    assert complaint.category == "overdue_repayment"
    assert complaint.preferred_channel == "sms"
    assert page.problems == {"dialogs": [], "csp": []}


def test_empty_form_gets_errors_beside_each_field_and_stores_nothing(live_server, watched, hq_branch):
    page = watched
    page.goto(f"{live_server.url}/complaint/new/")
    _submit(page)
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    for field in ("name", "mobile", "category", "description", "desired_outcome", "consent"):
        assert _field_error(page, field).is_visible(), field
    assert _field_error(page, "name").inner_text().strip() == "请填写您的姓名。"
    assert _field_error(page, "category").inner_text().strip() == "请选择问题类型。"
    assert "需要您同意处理个人信息" in _field_error(page, "consent").inner_text()
    described = page.get_attribute("#id_mobile", "aria-describedby")
    assert "id_mobile_error" in described
    # the summary links jump to the field
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_name"
    assert _counts() == (0, 0, 0)


def test_twenty_megabyte_file_is_refused(live_server, watched, hq_branch, tmp_path, _setup):
    page = watched
    big = tmp_path / "行车记录.jpg"
    with open(big, "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0" + b"\x00" * (20 * 1024 * 1024))
    page.goto(f"{live_server.url}/complaint/new/")
    _fill_valid(page)
    page.set_input_files("#id_attachments", str(big))
    assert "bad" in page.locator(".file-list li").first.get_attribute("class")  # flagged before upload
    _submit(page)
    error = _field_error(page, "attachments").inner_text()
    assert "行车记录.jpg" in error and "太大" in error and "10.0" in error
    # what was typed is kept, so the borrower only removes the file
    assert page.input_value("#id_name") == "王小明"
    assert _counts() == (0, 0, 0)
    assert _files(_setup) == []


def test_exe_renamed_jpg_is_refused(live_server, watched, hq_branch, tmp_path, _setup):
    page = watched
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(EXE)
    page.goto(f"{live_server.url}/complaint/new/")
    _fill_valid(page)
    page.set_input_files("#id_attachments", str(fake))
    _submit(page)
    error = _field_error(page, "attachments").inner_text()
    assert "photo.jpg" in error and "不是 JPG、PNG 或 PDF 文件" in error
    assert _counts() == (0, 0, 0)
    assert _files(_setup) == []


def test_script_in_description_is_shown_as_text_to_borrower_and_agent(
    live_server, watched, browser, browser_context_args, hq_branch, login
):
    from complaints.models import Complaint
    from tests.factories import UserFactory

    hq_agent = UserFactory(username="agent_hq", role="agent", branch=hq_branch)
    page = watched
    payload = "<script>alert('xss')</script><img src=x onerror=alert(1)> 扣款不对"
    page.goto(f"{live_server.url}/complaint/new/")
    _fill_valid(page, description=payload)
    _submit(page)
    code = page.locator("#tracking-code").inner_text().strip()
    assert Complaint.objects.get().description == payload  # stored as typed

    page.goto(f"{live_server.url}/complaint/track/?code={code}")
    page.fill("#id_mobile_last4", "5678")
    page.get_by_role("button", name="查询").click()
    assert page.locator("#complaint-description").inner_text().strip() == payload
    assert page.locator("#complaint-description img").count() == 0
    assert page.problems["dialogs"] == []

    # the agent's complaint page shows it as text too
    staff = browser.new_context(**browser_context_args)
    staff_page = staff.new_page()
    dialogs = []
    staff_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(staff_page, hq_agent)
    staff_page.goto(f"/complaints/{Complaint.objects.get().pk}/")
    assert payload in staff_page.locator("main").inner_text()
    assert staff_page.locator("main img[src=x]").count() == 0
    assert dialogs == []
    staff.close()
    assert page.problems == {"dialogs": [], "csp": []}


def test_wrong_tracking_pair_gets_one_generic_message(live_server, watched, hq_branch):
    from complaints.models import Complaint

    page = watched
    page.goto(f"{live_server.url}/complaint/new/")
    _fill_valid(page)
    _submit(page)
    code = Complaint.objects.get().tracking_code

    messages = []
    for tracking_code, last4 in ((code, "0000"), ("ZZZZZZZZZZ", "5678")):
        page.goto(f"{live_server.url}/complaint/track/")
        page.fill("#id_tracking_code", tracking_code)
        page.fill("#id_mobile_last4", last4)
        page.get_by_role("button", name="查询").click()
        messages.append(page.locator("#lookup-error").inner_text().strip())
        assert page.locator("#complaint-status").count() == 0
    assert messages[0] == messages[1] == "受理编号或手机号后 4 位不正确，请核对后重试。"
    # nothing was verified: the status page still asks for the pair
    page.goto(f"{live_server.url}/complaint/track/{code}/")
    assert page.url.endswith(f"/complaint/track/?code={code}")
    assert Complaint.objects.count() == 1


def test_language_switch_to_english(live_server, watched):
    page = watched
    page.goto(f"{live_server.url}/complaint/new/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/complaint/new/")
    assert page.get_by_role("button", name="中文").is_enabled()
    assert page.get_by_role("button", name="English").is_disabled()  # the current one
