"""Fuzz every create endpoint, the public forms and every list query parameter with hostile and odd
input: NUL and other control characters, lone surrogates, 100k-character strings, emoji, RTL
marks, formula prefixes, NaN/∞/far-away coordinates, malformed JSON/XML, image bombs and
non-images. Every answer must be < 500; a refused request must leave no row behind.

Runs on SQLite and PostgreSQL (``LUOSHI_TEST_DATABASE_URL``) — PostgreSQL is where a NUL byte
reaching a query raises. The number of requests sent is printed at the end of the run.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from api import services as api_services
from api.v1.api import api
from cases.models import Case, CaseAttachment
from core.actors import SYSTEM
from orgs import services as org_services
from orgs.roles import Role
from party.models import Meeting
from tests.api.conftest import client_for
from tests.cases.conftest import SQUARE, actors, category  # noqa: F401  (fixtures)
from tests.conftest import grant
from tests.villages.conftest import village  # noqa: F401  (fixture)
from villages.models import Decision
from workplan.models import ProgressReport

from .conftest import COORDINATES, HOSTILE, IMAGES, ODD, SURROGATE, SWEEP, Counter, real_png

pytestmark = pytest.mark.django_db

API = "/api/v1"
O311 = "/open311/v2"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@pytest.fixture(autouse=True)
def _district_boundary(request):
    """Grid g1 gets a boundary, so the district's extent is known (points far from it are refused)."""
    if "world" in request.fixturenames:
        org_services.update_org(request.getfixturevalue("world")["g1"], actor=SYSTEM, geometry=SQUARE)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in (
        "LUOSHI_API_RATE",
        "LUOSHI_API_ANON_RATE",
        "LUOSHI_OPEN311_RATE",
        "LUOSHI_OPEN311_POST_RATE",
    ):
        setattr(settings, name, "off")
    cache.clear()
    yield
    cache.clear()


def answered(response, label: str):
    Counter.requests += 1
    if response.status_code >= 500:
        Counter.server_errors.append(label)
    assert response.status_code < 500, f"{label}: {response.status_code} {response.content[:300]!r}"
    return response


def refused(response, label: str, status=(400, 404, 422)):
    answered(response, label)
    assert response.status_code in status, f"{label}: {response.status_code} {response.content[:300]!r}"
    return response


def post_json(client: Client, path: str, body, token: str | None = None, raw: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", headers=headers)


def rows() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        CaseAttachment.objects.count(),
        Meeting.objects.count(),
        Decision.objects.count(),
        ProgressReport.objects.count(),
    )


@pytest.fixture
def dispatcher_token(world, actors):  # noqa: F811
    return client_for(actors["dispatcher"]).raw


# ---------------------------------------------------------------------------------------------
# REST API: POST /cases — every text field, coordinates, malformed JSON, photos


CASE_FIELDS = ("description", "title", "address", "reporter_name", "reporter_phone")


def case_body(world, **extra):
    return {"description": "路灯不亮", "area": world["c1"].pk, "channel": "hotline", **extra}


def test_api_case_text_fields(world, dispatcher_token):
    client = Client()
    for field in CASE_FIELDS:
        for name, value in {**HOSTILE, **SURROGATE}.items():
            before = rows()
            r = refused(
                post_json(client, f"{API}/cases", case_body(world, **{field: value}), dispatcher_token),
                f"cases {field}={name}",
                (422,),
            )
            assert r.json()["field"] == field and r.json()["code"] == "invalid", r.json()
            assert "控制字符" in r.json()["message"]
            assert rows() == before
        for name, value in ODD.items():
            answered(
                post_json(client, f"{API}/cases", case_body(world, **{field: value}), dispatcher_token),
                f"cases {field}={name}",
            )
    # A control character in an object key is refused too.
    before = rows()
    raw = json.dumps({"description": "x", "area": world["c1"].pk})[:-1] + ', "\\u0000": 1}'
    refused(post_json(client, f"{API}/cases", None, dispatcher_token, raw=raw), "cases key NUL")
    assert rows() == before


def test_api_case_coordinates(world, dispatcher_token):
    client = Client()
    for name, (lon, lat) in COORDINATES.items():
        before = rows()
        if name == "text":
            lon, lat = json.dumps(lon), json.dumps(lat)
        raw = f'{{"description": "路灯不亮", "channel": "hotline", "longitude": {lon}, "latitude": {lat}}}'
        r = refused(
            post_json(client, f"{API}/cases", None, dispatcher_token, raw=raw), f"cases coords {name}"
        )
        assert r.json()["field"] in ("location", "longitude", "latitude"), r.json()
        assert rows() == before
    # Beijing is refused with a clear message; a point in the grid is accepted.
    r = post_json(
        client,
        f"{API}/cases",
        case_body(world, area=None, longitude=116.397, latitude=39.909),
        dispatcher_token,
    )
    assert "不在本区范围内" in r.json()["message"]
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=SQUARE)
    ok = answered(
        post_json(
            client,
            f"{API}/cases",
            case_body(world, area=None, longitude=112.905, latitude=28.205),
            dispatcher_token,
        ),
        "cases coords inside",
    )
    assert ok.status_code == 201, ok.content


MALFORMED_JSON = {
    "truncated": '{"description": "x"',
    "array": "[1, 2]",
    "null": "null",
    "string": '"x"',
    "not_json": "description=x",
    "bad_utf8": b'{"description": "\xff\xfe"}',
    "deep": "[" * 5000 + "]" * 5000,
    "huge_number": '{"description": "x", "area": 1e999999}',
    "big_int": '{"description": "x", "area": 99999999999999999999999999}',
    "duplicate_keys": '{"description": "x", "description": "\\u0000"}',
}


def test_api_malformed_json(world, dispatcher_token):
    client = Client()
    for name, raw in MALFORMED_JSON.items():
        before = rows()
        refused(post_json(client, f"{API}/cases", None, dispatcher_token, raw=raw), f"cases json {name}")
        assert rows() == before


def test_api_case_photos(world, dispatcher_token):
    client = Client()
    for name, data in IMAGES.items():
        before = rows()
        body = case_body(
            world, photos=[{"filename": "p.png", "content_base64": base64.b64encode(data).decode()}]
        )
        r = refused(post_json(client, f"{API}/cases", body, dispatcher_token), f"cases photo {name}", (422,))
        # An empty file is refused by the schema (content_base64 has a minimum length), the rest
        # by the picture checker.
        assert r.json()["field"] == ("content_base64" if not data else "photos"), r.json()
        assert rows() == before
    for name, value in {"not_base64": "!!!", "nul_name": None}.items():
        photo = {"filename": "p\x00.png", "content_base64": base64.b64encode(real_png()).decode()}
        if value is not None:
            photo = {"filename": "p.png", "content_base64": value}
        before = rows()
        refused(
            post_json(client, f"{API}/cases", case_body(world, photos=[photo]), dispatcher_token),
            f"photo {name}",
        )
        assert rows() == before


def test_api_bomb_message_is_clear(world, dispatcher_token):
    body = case_body(
        world,
        photos=[{"filename": "b.png", "content_base64": base64.b64encode(IMAGES["bomb_20000"]).decode()}],
    )
    r = post_json(Client(), f"{API}/cases", body, dispatcher_token)
    assert r.status_code == 422 and "尺寸过大" in r.json()["message"] and r.json()["field"] == "photos"


# ---------------------------------------------------------------------------------------------
# REST API: every query parameter of every GET endpoint, and path parameters (from the schema)


def _get_endpoints():
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        params = operation.get("parameters", [])
        yield (
            path,
            [p["name"] for p in params if p["in"] == "query"],
            [p["name"] for p in params if p["in"] == "path"],
        )


def test_api_query_and_path_parameters(world, actors):  # noqa: F811
    supervisor = grant(world, "fuzz_dd", Role.SUPERVISOR, "district")
    token = client_for(supervisor).raw
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()
    swept = 0
    for path, query, path_params in _get_endpoints():
        if path_params:
            url = path
            for name in path_params:
                url = url.replace("{" + name + "}", quote("YL\x00", safe=""))
            r = answered(client.get(url, headers=headers), f"GET {path} path NUL")
            assert 400 <= r.status_code < 500
            continue
        for name in query:
            for label, value in SWEEP.items():
                r = answered(client.get(path, {name: value}, headers=headers), f"GET {path}?{name}={label}")
                swept += 1
                if CONTROL.search(value):
                    assert r.status_code == 422 and r.json()["field"] == name, (path, name, r.content[:200])
    assert swept > 50
    # The two requests of the issue, by name.
    r = client.get(f"{API}/cases?q=%00abc", headers=headers)
    assert r.status_code == 422 and r.json() == {
        "code": "invalid",
        "message": r.json()["message"],
        "field": "q",
    }
    r = client.get(f"{API}/cases/YL%00", headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "number"


# ---------------------------------------------------------------------------------------------
# REST API: the other create endpoints (party, villages, work plan)


def test_api_other_create_endpoints(world, actors, village):  # noqa: F811
    secretary = grant(world, "fz_sj", Role.BRANCH_SECRETARY, "b1")
    v_secretary = grant(world, "fz_vsj", Role.BRANCH_SECRETARY, "vbranch")
    handler = actors["handler"]
    client = Client()
    targets = [
        (
            client_for(secretary).raw,
            f"{API}/party/meetings",
            {
                "org": world["b1"].pk,
                "kind": "branch_assembly",
                "held_on": "2026-11-02",
                "topic": "学习",
                "attendance": [],
            },
            ("topic", "minutes", "place"),
        ),
        (
            client_for(v_secretary).raw,
            f"{API}/villages/decisions",
            {
                "village": village.pk,
                "title": "道路硬化",
                "matter": "project",
                "summary": "3公里",
                "held_on": "2026-09-01",
            },
            ("title", "summary", "minutes"),
        ),
        (
            client_for(handler).raw,
            f"{API}/workplan/tasks/1/reports",
            {"percent": 10, "done_text": "推进中"},
            ("done_text", "problems"),
        ),
        (client_for(handler).raw, f"{API}/tokens", {"name": "x"}, ("name",)),
    ]
    for token, path, body, fields in targets:
        for field in fields:
            for name, value in {**HOSTILE, **SURROGATE}.items():
                before = rows()
                r = refused(
                    post_json(client, path, {**body, field: value}, token), f"{path} {field}={name}", (422,)
                )
                assert r.json()["field"] == field
                assert rows() == before
            for name, value in ODD.items():
                answered(post_json(client, path, {**body, field: value}, token), f"{path} {field}={name}")
        for name, raw in list(MALFORMED_JSON.items())[:5]:
            before = rows()
            refused(post_json(client, path, None, token, raw=raw), f"{path} json {name}")
            assert rows() == before


# ---------------------------------------------------------------------------------------------
# Open311


@pytest.fixture
def api_key(world):
    _, raw = api_services.issue_open311_client(name="随手拍App", contact="测试", actor=SYSTEM)
    return raw


def open311_body(api_key, category, **extra):  # noqa: F811
    return {
        "api_key": api_key,
        "service_code": category.code,
        "description": "人行道上有一堆建筑垃圾",
        "address_string": "湖东路1号",
        **extra,
    }


def parsed(response, fmt):
    if response.status_code == 404 and response["Content-Type"].startswith("text/html"):
        return None  # the URL matched no Open311 route (ids are [\w-]+): Django's own 404 page
    if fmt == "xml":
        return ET.fromstring(response.content)  # must always be well-formed
    return json.loads(response.content)


OPEN311_FIELDS = (
    "description",
    "first_name",
    "last_name",
    "address_string",
    "attribute[title]",
    "phone",
    "media_url",
)


def test_open311_post_fields(world, api_key, category):  # noqa: F811
    client = Client()
    for fmt in ("json", "xml"):
        for field in OPEN311_FIELDS:
            for name, value in HOSTILE.items():
                before = rows()
                r = refused(
                    client.post(f"{O311}/requests.{fmt}", open311_body(api_key, category, **{field: value})),
                    f"open311 {fmt} {field}={name}",
                    (400,),
                )
                parsed(r, fmt)
                assert b"\x00" not in r.content
                assert rows() == before
        for field in ("description", "attribute[title]", "first_name"):
            for name, value in ODD.items():
                r = answered(
                    client.post(f"{O311}/requests.{fmt}", open311_body(api_key, category, **{field: value})),
                    f"open311 {fmt} {field}={name}",
                )
                parsed(r, fmt)
        for name, (lon, lat) in COORDINATES.items():
            before = rows()
            r = refused(
                client.post(f"{O311}/requests.{fmt}", open311_body(api_key, category, lat=lat, long=lon)),
                f"open311 {fmt} coords {name}",
                (400,),
            )
            parsed(r, fmt)
            assert rows() == before
    far = client.post(f"{O311}/requests.json", open311_body(api_key, category, lat="39.909", long="116.397"))
    assert far.status_code == 400 and "不在本区范围内" in far.json()[0]["description"]


def test_open311_malformed_bodies(world, api_key, category):  # noqa: F811
    client = Client()
    bodies = {
        "xml_body": (
            "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a SYSTEM 'file:///etc/passwd'>]><x>&a;</x>",
            "text/xml",
        ),
        "json_body": ('{"description": "\\u0000"}', "application/json"),
        "broken_multipart": (
            '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n',
            "multipart/form-data; boundary=b",
        ),
        "bad_urlencoded": ("%zz=%00&api_key=" + api_key, "application/x-www-form-urlencoded"),
    }
    for fmt in ("json", "xml"):
        for name, (body, content_type) in bodies.items():
            before = rows()
            r = refused(
                client.post(f"{O311}/requests.{fmt}", data=body, content_type=content_type),
                f"open311 {fmt} {name}",
                (400, 403),
            )
            parsed(r, fmt)
            assert rows() == before


def test_open311_query_parameters(world):
    client = Client()
    params = ("service_request_id", "jurisdiction_id", "service_code", "start_date", "end_date", "status")
    for fmt in ("json", "xml"):
        for name in params:
            for label, value in SWEEP.items():
                r = answered(
                    client.get(f"{O311}/requests.{fmt}", {name: value}), f"open311 {fmt} ?{name}={label}"
                )
                parsed(r, fmt)
                assert b"\x00" not in r.content
                if CONTROL.search(value):
                    assert r.status_code == 400
        for path in ("requests/YL%00", "tokens/%00", "services/%00", "services"):
            r = answered(
                client.get(f"{O311}/{path}.{fmt}", {"jurisdiction_id": "\x00"}), f"open311 {fmt} {path}"
            )
            parsed(r, fmt)
            assert b"\x00" not in r.content and 400 <= r.status_code < 500


# ---------------------------------------------------------------------------------------------
# Public forms: /report/ and /track/


def report_data(world, **extra):
    return {
        "description": "小区门口垃圾堆了三天",
        "area": world["c1"].pk,
        "address": "湖东路 1 号",
        "reporter_name": "王小明",
        "reporter_phone": "13987654321",
        **extra,
    }


class ReportClient(Client):
    """Each post starts with fresh per-address report counters (the portal's limit is 5 an hour)."""

    def post(self, *args, **kwargs):
        cache.clear()
        return super().post(*args, **kwargs)


def test_public_report_form(world):
    client = ReportClient()
    for field in ("description", "title", "address", "reporter_name", "reporter_phone"):
        for name, value in HOSTILE.items():
            before = rows()
            r = refused(
                client.post("/report/", report_data(world, **{field: value})),
                f"/report/ {field}={name}",
                (400,),
            )
            page = r.content.decode()
            assert "控制字符" in page and f'id="id_{field}"' in page
            assert rows() == before
        for name, value in ODD.items():
            answered(
                client.post("/report/", report_data(world, **{field: value})), f"/report/ {field}={name}"
            )
    for name, (lon, lat) in COORDINATES.items():
        before = rows()
        data = report_data(world, area="", longitude=lon, latitude=lat)
        refused(client.post("/report/", data), f"/report/ coords {name}", (400,))
        assert rows() == before
    for name, data in IMAGES.items():
        before = rows()
        upload = SimpleUploadedFile("p.png", data, content_type="image/png")
        r = refused(
            client.post("/report/", {**report_data(world), "photos": [upload]}),
            f"/report/ photo {name}",
            (400,),
        )
        assert rows() == before
        if name == "bomb_20000":
            assert "尺寸过大" in r.content.decode()
    # Query strings of the page itself.
    refused(client.get("/report/", {"x": "\x00"}), "/report/?x=NUL", (400,))


def test_track_form(world):
    client = Client()
    for field in ("number", "t"):
        for name, value in {**HOSTILE, **ODD}.items():
            data = {"number": "YL20260101-0001", "t": "abc", field: value}
            r = answered(client.get("/track/", data), f"/track/ {field}={name}")
            if name in HOSTILE:
                assert r.status_code == 400 and "控制字符" in r.content.decode()
    r = answered(client.get("/track/YL%00/", {"t": "x"}), "/track/YL%00/")
    assert r.status_code == 400
    r = answered(client.get("/track/YL20260101-0001/", {"t": "\x00"}), "/track/…?t=NUL")
    assert r.status_code == 400


# ---------------------------------------------------------------------------------------------
# 即报即办 located by GPS only


def test_on_spot_by_gps_finds_its_grid(world, actors):  # noqa: F811
    org_services.update_org(world["g1"], actor=SYSTEM, geometry=SQUARE)
    client = Client()
    client.force_login(actors["worker"])

    def photo(name):
        return SimpleUploadedFile(name, real_png(), content_type="image/png")

    data = {
        "mode": "on_spot",
        "channel": "patrol",
        "description": "井盖松动已现场固定",
        "urgency": "ordinary",
        "area": "",
        "longitude": "112.905",
        "latitude": "28.205",
        "before_photos": [photo("b.png")],
        "after_photos": [photo("a.png")],
    }
    r = answered(client.post("/cases/new/", data), "on_spot gps")
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.grid, case.status, case.resolved_on_spot) == (world["g1"], "closed", True)

    # Outside every grid (but inside the district): a field error, the text kept.
    before = rows()
    outside = {
        **data,
        "longitude": "112.92",
        "before_photos": [photo("b.png")],
        "after_photos": [photo("a.png")],
    }
    r = answered(client.post("/cases/new/", outside), "on_spot gps outside")
    page = r.content.decode()
    assert r.status_code == 400 and "不在任何网格内" in page and "井盖松动已现场固定" in page
    assert rows() == before
