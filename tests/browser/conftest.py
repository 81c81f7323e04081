"""Browser tests: pytest-playwright driving Debian's Chromium against Django's live_server.

Playwright cannot download its own browser here, so it launches the system Chromium
(CHROMIUM_PATH, default /usr/bin/chromium). Without it, every browser test is skipped with a reason
(.ci/run installs it, so CI always runs them). On failure a full-page screenshot lands in
test-artifacts/<test name>.png.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

from tests.factories import DEMO_PASSWORD

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    missing = not os.access(CHROMIUM_PATH, os.X_OK)
    for item in items:
        if HERE not in Path(str(item.fspath)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM_PATH} (set CHROMIUM_PATH)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """page.goto("/borrowers/") goes to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def page(page, request):
    """pytest-playwright's page, plus a full-page screenshot in test-artifacts/ when the test fails."""
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
    with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def login(live_server):
    """login(page, user): sign in through the real login form and land on the workspace."""

    def _login(page, user, password: str = DEMO_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _login
