"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation in /api/schema/ gets generated requests — schema-valid ones (path ids pointing at
real records, so the success paths run) and schema-invalid ones (wrong types, missing fields, bad
enums, odd strings) — sent to the WSGI application with an admin service account's integration
token, on the test database. Asserted for every response: no 5xx, the documented content type, and
a body that matches the documented schema.

One test drives all operations in one database transaction (the shared book is built once):
FUZZ_EXAMPLES (default 30) examples per operation and mode; deterministic (derandomized).
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from tests.api.endpoints import api_endpoints

pytestmark = [pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.content_type_conformance]
BASENAMES = {e.path: e.basename for e in api_endpoints()}


@pytest.fixture
def fuzz_world(world, settings):
    from django.core import signals
    from django.db import close_old_connections

    # thousands of requests with one token: throttling has its own test
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000000/minute", "token": "1000000/minute"},
    }
    # the raw WSGI app would close the test's database connection (and its transaction) after each
    # request; Django's own test client does the same disconnection
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield world
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _fuzz(operation, mode, world, sent):
    token = world.tokens["admin"]
    pk = world.objects.get(BASENAMES.get(operation.path, ""))

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        if mode == GenerationMode.POSITIVE and pk is not None and case.path_parameters and "id" in case.path_parameters:
            case.path_parameters["id"] = pk
        # each request in its own savepoint, rolled back after: requests stay independent, and a
        # statement PostgreSQL refused (answered 400) does not abort the test's transaction
        sid = transaction.savepoint()
        try:
            response = case.call(headers={"Authorization": f"Token {token}"})
        finally:
            transaction.savepoint_rollback(sid)
        sent["requests"] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def test_api_never_errors_and_keeps_its_schema(fuzz_world):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    sent = {"requests": 0}
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, fuzz_world, sent)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    print(f"\nschemathesis: {sent['requests']} requests over {len(operations)} operations")
    assert not failures, "\n\n".join(failures)
    if EXAMPLES >= 30:
        assert sent["requests"] >= 2500, sent["requests"]
