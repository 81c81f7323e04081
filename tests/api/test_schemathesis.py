"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation in /api/schema/ gets generated requests (valid and invalid bodies, queries and
paths) sent to the WSGI application, authenticated with an integration token of an admin service
account, on the test database. Asserted for every response: no 5xx, the documented content type,
and a body that matches the documented schema. Path ids point at real records half of the time so
the success paths are exercised, not just 404s.

FUZZ_EXAMPLES (default 80) sets the examples per operation; the run is deterministic (derandomized).
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis import checks

pytestmark = [pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "80"))
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.content_type_conformance]
SENT = {"requests": 0, "operations": set()}


@pytest.fixture
def fuzz_world(world, settings):
    # fuzzing sends thousands of requests with one token: throttling is tested elsewhere
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000000/minute", "token": "1000000/minute"},
    }
    return world


def _basename(path: str) -> str:
    segment = path.strip("/").split("/")[1] if path.count("/") > 2 else ""
    return {"borrowers": "borrower", "loans": "loan", "payments": "payment", "complaints": "complaint",
            "escalations": "escalation", "messages": "message"}.get(segment, segment.rstrip("s"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_errors_and_keeps_its_schema(case, fuzz_world):
    if case.path_parameters and "id" in case.path_parameters:
        pk = fuzz_world.objects.get(_basename(case.path))
        drawn = case.path_parameters["id"]
        if pk is not None and (not isinstance(drawn, int) or drawn % 2 == 0):
            case.path_parameters["id"] = pk
    response = case.call(headers={"Authorization": f"Token {fuzz_world.tokens['admin']}"})
    SENT["requests"] += 1
    SENT["operations"].add(f"{case.method} {case.path}")
    case.validate_response(response, checks=CHECKS)


def test_enough_requests_were_generated(request):
    """Runs after the fuzz test in this module; meaningful only when the whole module ran."""
    if not SENT["operations"]:
        pytest.skip("the fuzz test was not run")
    print(f"\nschemathesis: {SENT['requests']} requests over {len(SENT['operations'])} operations")
    if EXAMPLES >= 80:
        assert SENT["requests"] >= 2000, SENT["requests"]
