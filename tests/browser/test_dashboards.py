"""Done-when for the dashboards, in real headless Chromium: a supervisor and an HQ user open each
dashboard, the SVG charts render (bars with a real size on screen), the supervisor sees only their
branch; a full-page screenshot of every dashboard lands in test-artifacts/."""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.dashboards.conftest import _fast_password_hashing, book  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect

RANGE = "start=2026-03-01&end=2026-03-20"
DASHBOARDS = {
    "sla": "服务时限（SLA）",
    "quality": "服务质量",
    "collections": "催收",
    "compliance": "合规",
}


def _open_each_dashboard(page, role: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto("/dashboards/")
    for key, title in DASHBOARDS.items():
        page.goto(f"/dashboards/{key}/?{RANGE}")
        expect(page.locator("h1")).to_have_text(title)
        charts = page.locator("figure.chart svg")
        assert charts.count() >= 2, key
        first_bar = page.locator("figure.chart svg rect.chart-bar:not([width='0.0'])").first
        expect(first_bar).to_be_visible()
        box = first_bar.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
        if key == "quality":
            expect(page.locator("figure.chart svg polyline.chart-line").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"dashboards-{key}-{role}.png"), full_page=True)


def test_supervisor_opens_every_dashboard_and_sees_only_their_branch(page, login, book, supervisor):  # noqa: F811 - the fixture imported above
    login(page, supervisor)
    _open_each_dashboard(page, "supervisor")
    page.goto(f"/dashboards/sla/?{RANGE}")
    expect(page.get_by_role("link", name=book.c3.tracking_code).first).to_be_visible()
    expect(page.get_by_text(book.c7.tracking_code)).to_have_count(0)
    expect(page.locator("#id_branch")).to_have_count(0)  # no branch picker for a supervisor


def test_hq_opens_every_dashboard_filters_a_branch_and_follows_a_number(page, login, book, hq_user, other_branch):  # noqa: F811 - the fixture imported above
    login(page, hq_user)
    _open_each_dashboard(page, "hq")
    page.goto(f"/dashboards/sla/?{RANGE}")
    expect(page.get_by_role("link", name=book.c7.tracking_code).first).to_be_visible()
    page.select_option("#id_branch", str(other_branch.pk))
    page.click("form.dash-filter button[type=submit]")
    page.wait_for_url(lambda url: f"branch={other_branch.pk}" in url)
    expect(page.get_by_text(book.c3.tracking_code)).to_have_count(0)
    # a number links to the complaints behind it
    page.locator(".dash-kpi a").first.click()
    expect(page.locator("h1")).to_have_text("投诉明细")
    expect(page.get_by_role("link", name=book.c7.tracking_code)).to_be_visible()


def test_dashboards_read_in_english(page, login, book, hq_user):  # noqa: F811 - the fixture imported above
    login(page, hq_user)
    page.goto(f"/dashboards/quality/?{RANGE}")
    page.select_option("#lang-select", "en")  # app.js submits the switch on change
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("figure.chart svg").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboards-quality-hq-en.png"), full_page=True)
