"""巡视巡察整改 through the API: a list with problems and items from another system, the items in
the caller's scope, the same permission and deadline rules as the pages."""

import pytest

from rectify.models import ProblemList, RectifyItem
from tests.rectify.conftest import rw  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/rectify"


def payload(rw):  # noqa: F811
    return {
        "issuer": rw["party"].pk,
        "unit": rw["w1"].pk,
        "title": "区委第二巡察组反馈问题",
        "source": "xuncha",
        "feedback_on": "2026-11-20",
        "issuer_name": "区委第二巡察组",
        "problems": [
            {
                "text": "“三会一课”被动召开",
                "source_ref": "XC-2026-07",
                "items": [
                    {"measure": "按月召开支部委员会", "unit": rw["b1"].pk, "responsible_name": "刘书记"}
                ],
            },
            {
                "text": "党费收缴不规范",
                "items": [{"measure": "补缴党费", "unit": rw["b1"].pk, "deadline": "2026-12-31"}],
            },
        ],
    }


def test_create_list_with_problems_and_items(rw, api_for):  # noqa: F811
    zzb = api_for(rw.users["zzb"])
    created = zzb.post(f"{BASE}/lists", payload(rw), headers={"Idempotency-Key": "rx-1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["report_due"] == "2027-01-20" and len(body["items"]) == 2
    assert body["items"][0]["deadline"] == "2027-01-20" and body["items"][0]["status"] == "rectifying"
    replay = zzb.post(f"{BASE}/lists", payload(rw), headers={"Idempotency-Key": "rx-1"})
    assert replay.json()["id"] == body["id"] and ProblemList.objects.count() == 1
    assert RectifyItem.objects.count() == 2

    shuji = api_for(rw.users["shuji"])
    items = shuji.get(f"{BASE}/items").json()
    assert [i["measure"] for i in items] == ["补缴党费", "按月召开支部委员会"]
    assert shuji.get(f"{BASE}/items", {"status": "overdue"}).json() == []
    assert api_for(rw.users["shuji3"]).get(f"{BASE}/items").json() == []
    assert api_for(rw.users["shuji3"]).get(f"{BASE}/lists/{body['id']}").status_code == 404


def test_create_refused_outside_scope_and_for_units(rw, api_for):  # noqa: F811
    other = api_for(rw.users["zzb_other"])
    assert other.post(f"{BASE}/lists", payload(rw)).status_code == 404
    shuji = api_for(rw.users["shuji"])
    assert shuji.post(f"{BASE}/lists", payload(rw)).status_code in (403, 404)
    bad = payload(rw)
    bad["feedback_on"] = "2027-01-01"
    response = api_for(rw.users["zzb"]).post(f"{BASE}/lists", bad)
    assert response.status_code == 422 and response.json()["field"] == "feedback_on"
    assert ProblemList.objects.count() == 0
