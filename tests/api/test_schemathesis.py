"""Property-based fuzzing of the REST API with schemathesis against its own OpenAPI document:
a bounded number of generated requests per operation; no 5xx; status codes, content types,
headers and bodies conform to the documented schema; and every *schema-valid* request is accepted
(``positive_data_acceptance``): a 400 or 422 for data the document allows means the document does
not state a limit the code enforces.

Business rules that no schema can state (a referenced org or category that does not exist, a point
outside the district, a photo that is not an image, a state that does not allow the action, an
idempotency key reused with another body) answer 422 with a code other than ``invalid``
(``rule_violation``, ``idempotency_mismatch``) and the field. Those are accepted only where listed in
``BUSINESS_RULES`` (operation, field, message), so a new refusal has to be either stated in the
schema or documented here.

Schemathesis' pytest plugin does not load under pytest 9, so the operations are driven directly:
per operation, one Hypothesis run over ``operation.as_strategy()`` with generated path parameters,
one with the path parameters of a real case (to get past the 404 into the services), and the
positive cases of schemathesis' coverage phase (boundary values: maxLength, minimum, enums…).

``LUOSHI_SCHEMATHESIS_EXAMPLES`` (default 6) sets the Hypothesis examples per run and
``LUOSHI_SCHEMATHESIS_COVERAGE`` (default 8) the coverage cases per operation; e.g. 100 and 200
for a manual heavy run. ``LUOSHI_SCHEMATHESIS_REPORT=1`` prints the figures.
"""

import collections
import inspect
import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from pydantic import BaseModel
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from api import services
from core.actors import SYSTEM

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = int(os.environ.get("LUOSHI_SCHEMATHESIS_EXAMPLES", "6"))
COVERAGE_PER_OPERATION = int(os.environ.get("LUOSHI_SCHEMATHESIS_COVERAGE", "8"))
REPORT = os.environ.get("LUOSHI_SCHEMATHESIS_REPORT") == "1"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
POSITIVE = [schemathesis.checks.positive_data_acceptance]

_ANY_CASE = r"^POST /api/v1/cases/\{number\}/"
# Documented 422 refusals of schema-valid requests: (operation regex, code, field) → message regex.
# Each is a rule that needs the database or the clock, or relates fields to each other.
BUSINESS_RULES = {
    # Referenced records: an id the schema allows but the database does not have (or not active).
    (
        r"^(GET|POST) /api/v1/cases(\.\{fmt\})?$",
        "rule_violation",
        "area",
    ): r"^所选组织不存在或已撤销$|^所在区域必须是",
    (r"^GET /api/v1/cases(\.\{fmt\})?$", "rule_violation", "unit"): r"^所选组织不存在或已撤销$",
    (r"^POST /api/v1/cases$", "rule_violation", "category"): r"^分类不存在$|^该分类不接受上报$",
    (r"^POST /api/v1/webhooks$", "rule_violation", "org"): r"^所选组织不存在或已撤销$",
    # Cross-field rules, stated in the fields' descriptions.
    (r"^GET /api/v1/cases(\.\{fmt\})?$", "rule_violation", "created_from"): r"^上报日期起不能晚于止$",
    (r"^POST /api/v1/cases$", "rule_violation", "location"): (
        r"^请在地图上选择位置|^位置坐标格式不正确$|^所选位置不在本区范围内"
    ),
    (r"^POST /api/v1/cases$", "rule_violation", "reporter_phone"): r"^请留下联系电话以便回访",
    # Uploaded content: valid Base64 that is not an image.
    (r"^POST /api/v1/cases$", "rule_violation", "photos"): r"照片|图片",
    # Idempotency: the same key with another body (schemathesis reuses short keys).
    (
        r"^POST /api/v1/(cases|party/meetings|party/talks|party/study-group/sessions|villages/decisions)$",
        "idempotency_mismatch",
        "Idempotency-Key",
    ): (r"^该幂等键已用于内容不同的请求"),
    # Workflow rules on a real case (its state, the caller's role in it, the referenced units).
    (_ANY_CASE, "rule_violation", "category"): r"^请选择有效的小类$|^分类不存在$|需先派网格员核实",
    (_ANY_CASE, "rule_violation", "lead_unit"): r".",
    (_ANY_CASE, "rule_violation", "co_units"): r".",
    (_ANY_CASE, "rule_violation", "units"): r".",
    (_ANY_CASE, "rule_violation", "into"): r"^找不到您可以处理的事项",
    (_ANY_CASE, "rule_violation", "note"): r"^请填写(核查意见|审批意见)$",
    (_ANY_CASE, "rule_violation", "until"): r"计划办结日期",
    (_ANY_CASE, "rule_violation", "public"): r"^公开设置没有变化$",
    (_ANY_CASE, "rule_violation", None): r".",
    # 理论学习中心组: the committee, the people (members of its 中心组) and the year.
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", None): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "org"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "host"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "attendance"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "speeches"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "held_on"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "topic"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "summary"): r".",
    (r"^POST /api/v1/party/study-group/sessions$", "rule_violation", "minutes"): r".",
    (r"^GET /api/v1/party/study-group/orgs/\{org_id\}$", "rule_violation", "org"): r".",
    (r"^GET /api/v1/party/study-group/orgs/\{org_id\}$", "rule_violation", "year"): r".",
    # 扫码签到: a token is signed by the server for one meeting; any other string is not a valid code.
    (r"^POST /api/v1/party/signin$", "rule_violation", "token"): r"^签到码无效",
    # 走流程: the leader must be on the caller's list (the leader themself, or the supervision office).
    (r"^POST /api/v1/walks$", "rule_violation", "leader"): r"^找不到该领导干部,或您无权为其记录走流程$",
}


def documented_refusal(label: str, response) -> tuple | None:
    """The ``BUSINESS_RULES`` key that allows this 422, or None."""
    if response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    for (operation, code, field), message in BUSINESS_RULES.items():
        if (
            re.match(operation, label)
            and body.get("code") == code
            and body.get("field") == field
            and re.search(message, body.get("message", ""))
        ):
            return (operation, code, field)
    return None


@pytest.fixture
def keep_connection():
    """Like Django's test client: keep the test transaction's connection across WSGI requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz(operation, strategy, exercise):
    """A hypothesis test of ``operation`` drawing cases from ``strategy`` (derandomized)."""

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        exercise(operation, case)

    return run


def test_api_conforms_to_its_openapi_document(world, actors, category, keep_connection, settings, tmp_path):
    settings.LUOSHI_API_RATE = "off"
    settings.LUOSHI_API_ANON_RATE = "off"
    settings.MEDIA_ROOT = tmp_path
    dispatched = walk(new_case(world), actors, world, category, "dispatched")
    new_case(world)
    real = {"number": dispatched.number, "assignment_id": dispatched.assignments.first().pk}
    _, raw = services.issue_token(owner=actors["dispatcher"], name="schemathesis", actor=SYSTEM)
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

    operations, failures, calls = 0, [], []
    rejected: list[str] = []
    business: collections.Counter = collections.Counter()

    def exercise(operation, case):
        response = case.call(headers=headers)
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)
        try:
            case.validate_response(response, checks=POSITIVE, headers=headers)
        except FailureGroup:
            refusal = documented_refusal(operation.label, response)
            if refusal is None:
                rejected.append(f"{operation.label} {response.status_code} {response.text[:300]}")
                raise
            business[refusal] += 1

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        params = {name: real[name] for name in real if "{" + name + "}" in operation.path}
        strategies = [operation.as_strategy()]
        if params and len(params) == operation.path.count("{"):
            strategies.append(operation.as_strategy(path_parameters=params))
        for strategy in strategies:
            try:
                _fuzz(operation, strategy, exercise)()
            except (Exception, FailureGroup) as error:  # collect every failure, then report them together
                failures.append(f"{operation.label}: {error}")
        coverage = operation.schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE],
            generation_config=operation.schema.config.generation_for(operation=operation),
        )
        for count, case in enumerate(coverage):
            if count >= COVERAGE_PER_OPERATION:
                break
            if params and len(params) == operation.path.count("{") and count % 2:
                case.path_parameters = {**(case.path_parameters or {}), **params}
            try:
                exercise(operation, case)
            except (Exception, FailureGroup) as error:
                failures.append(f"{operation.label} (coverage): {error}")
    if REPORT:
        print(
            f"\nschemathesis: {operations} operations, {len(calls)} requests, "
            f"{len(rejected)} schema-valid requests rejected, {sum(business.values())} documented "
            f"business-rule refusals {dict(business)}; statuses {dict(collections.Counter(calls))}; "
            f"{len(failures)} failures"
        )
        for line in rejected:
            print("REJECTED", line)
    assert operations >= 60
    # The run really exercised the API: many requests, and not only rejections.
    assert len(calls) > operations * 5
    assert calls.count(200) + calls.count(201) > operations
    assert not rejected, "\n".join(rejected)
    assert not failures, "\n\n".join(failures)


def test_request_and_response_shapes_have_unique_names():
    """The document names each component after its pydantic class, and django-ninja keeps only the
    last class of a name: two routers' ``StepIn`` would show one router's fields for both (a client
    following the document would then send the other's fields)."""
    import sys

    import api.v1.api  # noqa: F401  (every router and the schemas they use)

    where = collections.defaultdict(set)
    for name, module in list(sys.modules.items()):
        if not name.startswith("api.v1."):
            continue
        for value in vars(module).values():
            own = inspect.isclass(value) and value.__module__ == module.__name__
            if own and issubclass(value, BaseModel):
                where[value.__name__].add(module.__name__)
    assert len(where) > 50
    assert {name: mods for name, mods in where.items() if len(mods) > 1} == {}
