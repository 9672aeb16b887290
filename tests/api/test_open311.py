"""Open311 GeoReport v2: every endpoint in XML and JSON, validated against the spec's field
definitions; errors in the standard format; no personal data; requests enter report_case."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from api import services
from api.models import Open311Client, Open311Request
from audit.models import AuditEvent
from cases.models import Case, Category
from core.actors import SYSTEM

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"

# GeoReport v2 field definitions (open311.github.io GeoReport_v2/index.md).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
EXTENSIONS = {"detailed_status"}


@pytest.fixture
def api_key(db):
    _, raw = services.issue_open311_client(name="随手拍App", contact="测试", actor=SYSTEM)
    return raw


def get(path, fmt, **params):
    return Client().get(f"{BASE}/{path}.{fmt}", params)


def parse(response, fmt):
    """JSON as is; XML converted the Spark way (repeated children → list of dicts)."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)

    def convert(element):
        children = list(element)
        if not children:
            return element.text or ""
        names = [c.tag for c in children]
        if len(set(names)) == 1 and element.tag in {"endpoints", "formats", "attributes", "values"} | {
            root.tag
        }:
            return [convert(c) for c in children]
        return {c.tag: convert(c) for c in children}

    return root.tag, convert(root)


def check_iso(value):
    assert value, "datetime must be present"
    moment = dt.datetime.fromisoformat(value)
    assert moment.tzinfo is not None


def check_request(entry: dict, fmt: str):
    assert set(entry) == REQUEST_FIELDS | EXTENSIONS
    assert entry["status"] in ("open", "closed")
    check_iso(entry["requested_datetime"])
    check_iso(entry["updated_datetime"])
    if fmt == "json":
        assert entry["lat"] is None or isinstance(entry["lat"], float)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(fmt):
    response = get("discovery", fmt)
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "xml":
        tag, data = data
        assert tag == "discovery"
        endpoint = data["endpoints"][0]
    else:
        endpoint = data["endpoints"][0]
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_public_leaf_categories(fmt):
    Category.objects.filter(code="0301").update(accepts_public=False)
    response = get("services", fmt)
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "xml":
        tag, data = data
        assert tag == "services"
    assert data
    for service in data:
        assert set(service) == SERVICE_FIELDS
        assert service["type"] == "realtime"
        assert str(service["metadata"]).lower() == "true"
    codes = {s["service_code"] for s in data}
    expected = set(
        Category.objects.filter(active=True, accepts_public=True, parent__isnull=False).values_list(
            "code", flat=True
        )
    )
    assert codes == expected and "0301" not in codes


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(fmt):
    code = Category.objects.filter(accepts_public=True, parent__isnull=False, active=True).first().code
    response = get(f"services/{code}", fmt)
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "xml":
        tag, data = data
        assert tag == "service_definition"
    assert data["service_code"] == code
    for attribute in data["attributes"]:
        assert set(attribute) == ATTRIBUTE_FIELDS
        assert attribute["datatype"] in DATATYPES
    urgency = next(a for a in data["attributes"] if a["code"] == "urgency")
    assert {v["key"] for v in urgency["values"]} == {"emergency", "urgent", "ordinary"}
    missing = get("services/nope", fmt)
    assert missing.status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_enters_the_intake_and_reads_back(world, fmt, api_key):
    code = Category.objects.get(code="0302").code if Category.objects.filter(code="0302").exists() else None
    code = code or Category.objects.filter(accepts_public=True, parent__isnull=False).first().code
    response = Client().post(
        f"{BASE}/requests.{fmt}",
        {
            "api_key": api_key,
            "jurisdiction_id": "yuelu.example",
            "service_code": code,
            "address_string": "望月湖小区3栋",
            "description": "门口垃圾无人清运,联系我13912345678",
            "first_name": "三",
            "last_name": "张",
            "phone": "13912345678",
            "media_url": "https://example.org/p.jpg",
            "attribute[urgency]": "urgent",
        },
    )
    assert response.status_code == 201, response.content
    data = parse(response, fmt)
    if fmt == "xml":
        tag, data = data
        assert tag == "service_requests"
    entry = data[0]
    number = entry["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == "api" and case.urgency == "urgent" and case.category.code == code
    assert case.reporter_name == "张三"
    assert Open311Request.objects.get(case=case).media_url == "https://example.org/p.jpg"
    assert AuditEvent.objects.filter(action="case.reported", subject_id=str(case.pk)).exists()
    assert AuditEvent.objects.filter(action="open311.received", subject_id=str(case.pk)).exists()

    # Read it back, in both formats, by id, by list and by token.
    for read_fmt in ("json", "xml"):
        one = parse(get(f"requests/{number}", read_fmt), read_fmt)
        one = one[1] if read_fmt == "xml" else one
        check_request(one[0], read_fmt)
        assert one[0]["status"] == "open"
        assert one[0]["media_url"] == "https://example.org/p.jpg"
        assert one[0]["status_notes"] == "已收到您反映的问题"
        text = get(f"requests/{number}", read_fmt).content.decode()
        assert "13912345678" not in text and "张三" not in text  # no personal data
        assert "139****5678" in text
        token = parse(get(f"tokens/{entry['token']}", read_fmt), read_fmt)
        token = token[1] if read_fmt == "xml" else token
        assert token[0]["service_request_id"] == number


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(world, fmt, api_key):
    client = Client()
    code = Category.objects.filter(accepts_public=True, parent__isnull=False).first().code

    def post(**data):
        response = client.post(f"{BASE}/requests.{fmt}", data)
        errors = parse(response, fmt)
        if fmt == "xml":
            tag, errors = errors
            assert tag == "errors"
        assert set(errors[0]) == {"code", "description"}
        return response.status_code, errors[0]

    base = {"api_key": api_key, "service_code": code, "address_string": "某路", "description": "问题"}
    assert post(**{**base, "api_key": "wrong"})[0] == 403
    assert post(**{k: v for k, v in base.items() if k != "api_key"})[0] == 403
    assert post(**{**base, "service_code": "9999"})[0] == 404
    assert post(**{**base, "jurisdiction_id": "elsewhere"})[0] == 404
    assert post(**{k: v for k, v in base.items() if k != "address_string"})[0] == 400
    assert post(**{**base, "description": ""})[0] == 400
    assert post(**{**base, "description": "<b>x</b>"})[0] == 400
    assert post(**{**base, "lat": "28.2"})[0] == 400
    assert post(**{**base, "lat": "abc", "long": "def"})[0] == 400
    assert post(**{**base, "media_url": "javascript:alert(1)"})[0] == 400
    assert post(**{**base, "attribute[urgency]": "now"})[0] == 400
    assert post(**{**base, "attribute[colour]": "red"})[0] == 400
    status, error = post(**{**base, "phone": "123"})
    assert status == 400 and "reporter_phone" in error["description"]
    assert not Case.objects.exists()
    # A revoked key stops working.
    client_row = Open311Client.objects.get()
    services.revoke_open311_client(client_row, actor=SYSTEM)
    assert post(**base)[0] == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_filters_and_limits(world, actors, category, fmt):
    open_case = new_case(world, description="开放的事项")
    closed_case = walk(new_case(world, description="已结案的事项"), actors, world, category, "closed")
    hidden = new_case(world, description="不公开的事项")
    Case.objects.filter(pk=hidden.pk).update(is_public=False)
    Case.objects.filter(pk=open_case.pk).update(created_at=timezone.now() - dt.timedelta(days=100))

    def numbers(**params):
        response = get("requests", fmt, **params)
        assert response.status_code == 200, response.content
        data = parse(response, fmt)
        data = data[1] if fmt == "xml" else data
        if data == "":
            return set()
        for entry in data:
            check_request(entry, fmt)
        return {e["service_request_id"] for e in data}

    # Default window: the last 90 days; non-public cases never appear.
    assert numbers() == {closed_case.number}
    assert numbers(service_request_id=f"{open_case.number},{hidden.number}") == {open_case.number}
    assert numbers(status="closed") == {closed_case.number}
    assert numbers(status="open") == set()
    start = (timezone.now() - dt.timedelta(days=120)).isoformat()
    end = (timezone.now() - dt.timedelta(days=40)).isoformat()
    assert numbers(start_date=start, end_date=end) == {open_case.number}
    assert numbers(service_code=category.code) == {closed_case.number}
    closed = parse(get(f"requests/{closed_case.number}", fmt), fmt)
    closed = closed[1] if fmt == "xml" else closed
    assert closed[0]["agency_responsible"] == "区城市管理和综合执法局"
    assert closed[0]["detailed_status"] == "closed" and closed[0]["status_notes"] == "已办结,欢迎您评价"

    too_long = get(
        "requests",
        fmt,
        start_date=(timezone.now() - dt.timedelta(days=100)).isoformat(),
        end_date=timezone.now().isoformat(),
    )
    assert too_long.status_code == 400
    assert get("requests", fmt, status="pending").status_code == 400
    assert get("requests", fmt, start_date="yesterday").status_code == 400
    assert get(f"requests/{hidden.number}", fmt).status_code == 404
    assert get("tokens/unknown", fmt).status_code == 404


def test_get_requests_caps_at_1000(world, monkeypatch):
    from api.open311 import georeport

    monkeypatch.setattr(georeport, "MAX_REQUESTS", 2)
    for i in range(3):
        new_case(world, description=f"事项{i}")
    assert len(json.loads(get("requests", "json").content)) == 2


def test_rate_limit_on_public_reads(settings):
    settings.LUOSHI_OPEN311_RATE = "2/min"
    assert get("services", "json").status_code == 200
    assert get("services", "json").status_code == 200
    limited = get("services", "xml")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert ET.fromstring(limited.content).find("error/code").text == "429"


def test_open311_client_command(capsys):
    call_command("open311_client", "create", "12345热线", "--contact", "市热线办")
    out = capsys.readouterr().out
    raw = out.strip().splitlines()[-1]
    assert raw.startswith("o311_")
    client = Open311Client.objects.get()
    assert raw not in {client.key_hash, client.prefix} and services.authenticate_open311(raw) == client
    call_command("open311_client", "list")
    assert "12345热线" in capsys.readouterr().out
    call_command("open311_client", "revoke", client.prefix)
    assert services.authenticate_open311(raw) is None
