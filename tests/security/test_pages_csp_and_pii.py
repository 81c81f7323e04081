"""Every page (found in the URL resolver, so new pages are covered) rendered as every role and as an
anonymous visitor must satisfy the Content-Security-Policy — no inline <script>, no <style> blocks,
no style= attributes, no on*= handlers — carry the security headers, and show no personal data whole
(national ID, mobile and address are revealed only by the logged reveal action)."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import ADDRESS, MOBILE, NATIONAL_ID, ROLES

SKIP_PREFIXES = ("api/", "admin/", "static/", "i18n/")


def _walk(patterns, prefix="", ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{ns}:{p.name}" if ns else p.name)


PAGES = sorted({(path, name) for path, name in _walk(get_resolver().url_patterns) if not path.startswith(SKIP_PREFIXES)})


def _fill(path: str, world) -> str | None:
    """A concrete URL for a pattern, with ids of the shared book's records; None if unknown."""
    o = world.objects
    ids = {
        "borrowers/<int:pk>": o["borrower"], "complaints/<int:pk>": o["complaint"],
        "collections/cases/<int:pk>": o["collection-case"], "collections/arrangements/<int:pk>": o["collection-arrangement"],
        "collections/contacts/<int:pk>": o["collection-contact"], "<int:borrower_id>": o["borrower"],
    }
    url = path
    for key, value in ids.items():
        if key in url:
            url = url.replace(key.split("/")[-1] if "/" in key else key, str(value))
    url = url.replace("<str:field>", "mobile").replace("<str:code>", world.objects.get("_tracking_code", "X"))
    if "<" in url:
        return None
    return "/" + url


class _InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = {k.lower() for k, _v in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append(f"inline <script> {attrs}")
        if tag == "style":
            self.problems.append("<style> block")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        handlers = [k for k in names if k.startswith("on")]
        if handlers:
            self.problems.append(f"{handlers} on <{tag}>")
        for k, v in attrs:
            if k in ("href", "src", "action") and (v or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def _problems(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.problems


MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def _pii(html: str) -> list[str]:
    found = [v for v in (MOBILE, NATIONAL_ID, ADDRESS) if v in html]
    return found + MOBILE_RE.findall(html) + ID_RE.findall(html)


@pytest.fixture
def pages_world(world):
    from complaints.models import Complaint

    world.objects["_tracking_code"] = Complaint.objects.get(pk=world.objects["complaint"]).tracking_code
    return world


def test_pages_are_found():
    names = {name for _path, name in PAGES}
    assert {"borrowers:search", "borrowers:detail", "complaints:queue", "accounts:login"} <= names


def test_every_page_satisfies_the_csp_and_shows_no_pii(pages_world):
    rendered, problems = 0, []
    visitors = [(role, pages_world.users[role]) for role in ROLES] + [("anonymous", None)]
    for who, user in visitors:
        client = Client()
        if user is not None:
            client.force_login(user)
        for path, name in PAGES:
            url = _fill(path, pages_world)
            if url is None:
                continue
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            rendered += 1
            html = response.content.decode()
            for p in _problems(html):
                problems.append(f"{who} {url} ({name}): {p}")
            if "reveal" not in name:
                for value in _pii(html):
                    problems.append(f"{who} {url} ({name}): unmasked personal data {value!r}")
            csp = response.get("Content-Security-Policy", "")
            if "script-src 'self'" not in csp or "'unsafe-inline'" in csp:
                problems.append(f"{who} {url}: CSP header missing or weak: {csp!r}")
            if response.get("X-Frame-Options") != "DENY":
                problems.append(f"{who} {url}: X-Frame-Options {response.get('X-Frame-Options')!r}")
    assert rendered >= 20, rendered
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_csv_export_linked_from_a_page_is_masked_and_logged(pages_world):
    """Exports (links with format=csv on any page) carry no unmasked personal data, and each one that
    names people writes a PiiAccessLog row (action "export") saying who exported what."""
    import html as html_lib

    from borrowers.models import PiiAccessLog

    problems, exported = [], 0
    for role in ROLES:
        client = Client()
        client.force_login(pages_world.users[role])
        seen = set()
        for path, _name in PAGES:
            url = _fill(path, pages_world)
            if url is None:
                continue
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            for href in re.findall(r'href="([^"]*format=csv[^"]*)"', response.content.decode()):
                href = html_lib.unescape(href)
                if href.startswith("?"):
                    href = url + href
                if href in seen:
                    continue
                seen.add(href)
                before = PiiAccessLog.objects.filter(actor=pages_world.users[role], action="export").count()
                export = client.get(href)
                if export.status_code != 200:
                    continue
                exported += 1
                body = b"".join(export.streaming_content) if export.streaming else export.content
                text = body.decode("utf-8-sig", errors="replace")
                for value in _pii(text):
                    problems.append(f"{role} {href}: unmasked personal data {value!r}")
                # an export that names people (our borrower/complainant, or a masked number) is logged;
                # aggregate tables (counts per branch, rates) are not personal data
                if "王小明" in text or re.search(r"1\d\d\*{4}\d{4}", text):
                    after = PiiAccessLog.objects.filter(actor=pages_world.users[role], action="export").count()
                    if after != before + 1:
                        problems.append(f"{role} {href}: export naming people not logged ({before} -> {after})")
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_reveal_page_fragment_shows_the_value_only_to_roles_that_may_and_logs_it(pages_world):
    from borrowers.models import PiiAccessLog

    url = f"/borrowers/{pages_world.objects['borrower']}/reveal/mobile/"
    agent = Client()
    agent.force_login(pages_world.users["agent"])
    assert agent.post(url, {"reason": "x"}).status_code == 403
    collector = Client()
    collector.force_login(pages_world.users["collector"])
    response = collector.post(url, {"reason": "拨打电话"})
    assert response.status_code == 200 and MOBILE in response.content.decode()
    assert PiiAccessLog.objects.filter(actor=pages_world.users["collector"], field="mobile").count() == 1
    assert not PiiAccessLog.objects.filter(actor=pages_world.users["agent"]).exists()


def test_swagger_ui_loads_under_a_same_origin_csp(client, world):
    client.force_login(world.users["admin"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp  # nothing from another origin
    html = response.content.decode()
    assert "swagger-ui" in html
    # every script the page loads is same-origin (sidecar); the page bootstrap too
    srcs = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert srcs and all(s.startswith("/") for s in srcs), srcs
    assert not [p for p in _problems(html) if "inline <script>" in p]
    from django.contrib.staticfiles import finders

    for src in srcs:
        if src.startswith("/static/"):
            assert finders.find(src.split("?")[0].removeprefix("/static/")), src
        else:
            script = client.get(src)  # the split view's bootstrap script
            assert script.status_code == 200 and "javascript" in script["Content-Type"], src
