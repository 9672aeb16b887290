"""Property-based fuzzing of the REST API with schemathesis against its own OpenAPI document:
a bounded number of generated requests per operation; no 5xx; status codes, content types,
headers and bodies conform to the documented schema.

Schemathesis' pytest plugin does not load under pytest 9, so the operations are driven directly:
one Hypothesis run per operation over ``operation.as_strategy()``.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from api import services

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def keep_connection():
    """Like Django's test client: keep the test transaction's connection across WSGI requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_api_conforms_to_its_openapi_document(world, actors, category, keep_connection, settings, tmp_path):
    settings.LUOSHI_API_RATE = "off"
    settings.LUOSHI_API_ANON_RATE = "off"
    settings.MEDIA_ROOT = tmp_path
    walk(new_case(world), actors, world, category, "dispatched")
    new_case(world)
    _, raw = services.issue_token(owner=actors["dispatcher"], name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

    operations, failures, calls = 0, [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            calls.append(response.status_code)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {error}")
    assert operations >= 25
    # The run really exercised the API: many requests, and not only rejections.
    assert len(calls) > operations * 3
    assert calls.count(200) + calls.count(201) > operations
    assert not failures, "\n\n".join(failures)
