"""The report map's data (grid GeoJSON, place search), public reports (list, map points, case page,
follow) and "already reported nearby"; no personal data, non-public cases hidden."""

import gzip
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from cases import public
from cases.geocode import GeocodedPlace
from cases.models import CaseFollow
from core import maptiles

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db

G1 = {
    "type": "Polygon",
    "coordinates": [[[112.90, 28.20], [112.91, 28.20], [112.91, 28.21], [112.90, 28.21], [112.90, 28.20]]],
}
G2 = {
    "type": "Polygon",
    "coordinates": [[[112.91, 28.20], [112.92, 28.20], [112.92, 28.21], [112.91, 28.21], [112.91, 28.20]]],
}
INSIDE_G1 = (112.905, 28.205)


@pytest.fixture(autouse=True)
def fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mapped(world):
    world["g1"].geometry = G1
    world["g1"].save(update_fields=["geometry"])
    world["g2"].geometry = G2
    world["g2"].save(update_fields=["geometry"])
    return world


def public_case(world, actors, category, to="registered", **kwargs):
    kwargs.setdefault("longitude", INSIDE_G1[0])
    kwargs.setdefault("latitude", INSIDE_G1[1])
    kwargs.setdefault("address", "湖东路 12 号 3 栋")
    case = new_case(world, reporter_name="王小明", reporter_phone="13987654321", **kwargs)
    return walk(case, actors, world, category, to)


# ---- the grid GeoJSON and the report page's weight --------------------------------------------


def test_grids_geojson_is_cached_with_an_etag(client, mapped):
    url = reverse("portal:grids_geojson")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    data = json.loads(response.content)
    grids = [f for f in data["features"] if f["geometry"]["type"] == "Polygon"]
    labels = [f for f in data["features"] if f["properties"].get("label")]
    assert {f["properties"]["n"] for f in grids} == {"湖东社区第1网格", "湖东社区第2网格"}
    assert {f["properties"]["c"] for f in grids} == {mapped["c1"].pk}
    assert [f["properties"]["label"] for f in labels] == ["湖东社区"]
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(zipped.content) == response.content
    assert "Accept-Encoding" in zipped["Vary"] and zipped["ETag"] == response["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    mapped["g2"].geometry = None  # the grids changed: a new document, a new ETag
    mapped["g2"].save(update_fields=["geometry"])
    changed = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]


def test_the_report_page_no_longer_inlines_the_grids(client, mapped):
    page = client.get(reverse("portal:report")).content.decode()
    assert "112.9" not in page  # no coordinates in the HTML: map.js fetches them
    assert 'id="map-config"' in page and reverse("portal:grids_geojson") in page
    assert "map.js" in page and "data-place-search" in page and "data-nearby" in page


# ---- place search ------------------------------------------------------------------------------


def test_place_search_over_the_districts_own_names(client, mapped, actors, category):
    public_case(mapped, actors, category)
    new_case(mapped, address="湖西巷 5 号", longitude=112.915, latitude=28.205)  # not accepted: not public
    url = reverse("portal:places")
    results = client.get(url, {"q": "湖东"}).json()["results"]
    kinds = [(r["kind"], r["name"]) for r in results]
    assert kinds[0] == ("community", "湖东社区")  # communities before grids
    community = results[0]
    assert community["area"] == mapped["c1"].pk and community["bounds"] == [112.9, 28.2, 112.92, 28.21]
    assert community["kind_label"] == "社区/村" and community["within"] == "望月湖街道"
    assert ("grid", "湖东社区第1网格") in kinds
    assert ("road", "湖东路") in kinds  # from a public case's address, without the house number
    assert not any("12" in r["name"] for r in results)
    assert client.get(url, {"q": "湖西巷"}).json()["results"] == []  # a non-public case's road
    assert client.get(url, {"q": ""}).json()["results"] == []


def test_place_search_is_rate_limited(client, mapped, settings):
    settings.LUOSHI_PLACE_SEARCH_RATE = "2/min"
    url = reverse("portal:places")
    assert client.get(url, {"q": "湖"}).status_code == 200
    assert client.get(url, {"q": "湖"}).status_code == 200
    refused = client.get(url, {"q": "湖"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_place_search_asks_a_geocoder_for_what_it_does_not_know(mapped):
    class Fake:
        def locate(self, query):
            return GeocodedPlace(query, 112.93, 28.23)

    class Broken:
        def locate(self, query):
            raise OSError("timeout")

    (hit,) = public.search_places("岳麓书院", geocoder=Fake())
    assert hit["kind"] == "geocoder" and hit["point"] == [112.93, 28.23]
    assert public.search_places("岳麓书院", geocoder=Broken()) == []


# ---- public reports ----------------------------------------------------------------------------


def test_public_list_shows_accepted_public_cases_without_personal_data(client, mapped, actors, category):
    shown = public_case(
        mapped, actors, category, title="门口垃圾没人清运", description="门口垃圾,联系我 13987654321"
    )
    phone_in_title = public_case(mapped, actors, category, title="垃圾堆积 电话13987654321")
    hidden = public_case(mapped, actors, category, title="不公开的事项")
    services_set_public(hidden, actors)
    waiting = new_case(mapped, title="尚未受理的事项")
    page = client.get(reverse("portal:report_list")).content.decode()
    assert shown.title in page and "湖东路" in page and "望月湖街道" in page and "待派遣" in page
    assert "不公开的事项" not in page and waiting.title not in page
    for personal in ("王小明", "13987654321", "12 号", "3 栋", "联系我"):
        assert personal not in page
    assert "垃圾堆积 电话139****4321" in page  # phone numbers in a title are masked
    points = client.get(reverse("portal:report_points")).json()["points"]
    assert [p["number"] for p in points] == [phone_in_title.number, shown.number]
    assert points[0]["point"] == [112.905, 28.205] and "王小明" not in json.dumps(points, ensure_ascii=False)
    assert client.get(reverse("portal:report_detail", args=[hidden.number])).status_code == 404
    assert client.get(reverse("portal:report_detail", args=[waiting.number])).status_code == 404


def services_set_public(case, actors):
    from cases.coordination import set_public

    return set_public(case, actor=actors["dispatcher"], public=False, reason="涉及个人隐私")


def test_public_list_filters_and_the_units_answer(client, mapped, actors, category):
    answered = public_case(mapped, actors, category, to="fed_back", title="垃圾已清运的事项")
    s2_actors = {**actors, "dispatcher": actors["other_dispatcher"]}
    other = public_case(
        mapped, s2_actors, category, area=mapped["c3"], longitude=None, latitude=None, title="岳麓街道的事项"
    )
    url = reverse("portal:report_list")
    page = client.get(url, {"community": mapped["c1"].pk}).content.decode()
    assert answered.title in page and other.title not in page
    assert "已清运,现场已清洁" in page and mapped["d1"].name in page  # the lead unit's answer
    page = client.get(url, {"street": mapped["s2"].pk}).content.decode()
    assert other.title in page and answered.title not in page
    page = client.get(url, {"state": "closed"}).content.decode()
    assert "暂无符合条件的公开事项" in page
    detail = client.get(reverse("portal:report_detail", args=[answered.number])).content.decode()
    assert "办理答复" in detail and "已清运,现场已清洁" in detail and "王小明" not in detail


def test_follow_once_per_address_and_rate_limited(client, mapped, actors, category, monkeypatch):
    case = public_case(mapped, actors, category)
    url = reverse("portal:report_follow", args=[case.number])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:report_detail", args=[case.number]
    )
    client.post(url)
    assert CaseFollow.objects.filter(case=case).count() == 1
    other = client.post(url, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302 and CaseFollow.objects.filter(case=case).count() == 2
    assert (
        "<strong>2</strong> 人关注"
        in client.get(reverse("portal:report_detail", args=[case.number])).content.decode()
    )
    assert "10.0.0.9" not in "".join(CaseFollow.objects.values_list("client", flat=True))
    monkeypatch.setattr("cases.public_views.FOLLOW_LIMITS", ((1, 3600),))
    cache.clear()
    client.post(url, REMOTE_ADDR="10.0.0.10")
    client.post(url, REMOTE_ADDR="10.0.0.10")
    assert CaseFollow.objects.filter(case=case).count() == 3


# ---- nearby before submitting ------------------------------------------------------------------


def test_nearby_open_cases_of_the_same_category(client, mapped, actors, category):
    from cases.models import Category

    near = public_case(mapped, actors, category, title="附近的垃圾")
    closed = public_case(mapped, actors, category, to="closed", title="已办结的垃圾")
    other_kind = public_case(
        mapped,
        actors,
        Category.objects.exclude(pk=category.pk).filter(parent__isnull=False).first(),
        title="别的类型",
    )
    far = public_case(mapped, actors, category, longitude=112.919, latitude=28.209, title="远处的垃圾")
    url = reverse("portal:report_nearby")
    html = client.get(
        url, {"category": category.pk, "longitude": "112.9052", "latitude": "28.2051"}
    ).content.decode()
    assert "已有人反映,关注进展" in html and near.title in html and "约 " in html
    for absent in (closed, other_kind, far):
        assert absent.title not in html
    assert reverse("portal:report_detail", args=[near.number]) in html
    # no point: the same community (both grids); another community: nothing; no category: nothing
    html = client.get(url, {"category": category.pk, "area": mapped["c1"].pk}).content.decode()
    assert near.title in html and far.title in html and closed.title not in html
    assert client.get(url, {"category": category.pk, "area": mapped["c2"].pk}).content.decode().strip() == ""
    html = client.get(url, {"category": category.pk, "grid": mapped["g2"].pk}).content.decode()
    assert far.title in html and near.title not in html
    assert client.get(url, {"area": mapped["c1"].pk}).content.decode().strip() == ""
    html = client.get(url, {"category": category.pk, "longitude": "nan", "latitude": "x"}).content.decode()
    assert html.strip() == ""


# ---- base map settings -------------------------------------------------------------------------


def test_tianditu_tiles_and_their_hosts():
    base = maptiles.base_map("tianditu", key="abc123", crs="", subdomains="", attribution="")
    vec, cva = base.layers
    assert "vec_w/wmts" in vec.url and "LAYER=vec" in vec.url and "tk=abc123" in vec.url
    assert "cva_w/wmts" in cva.url and "{s}" in vec.url and vec.subdomains == "01234567"
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in vec.url
    assert base.crs == "wgs84" and base.hosts() == [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    with pytest.raises(ValueError, match="LUOSHI_TIANDITU_KEY"):
        maptiles.base_map("tianditu", key="", crs="", subdomains="", attribution="")


def test_xyz_tiles_gcj02_and_offline():
    base = maptiles.base_map(
        "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
        key="",
        crs="gcj02",
        subdomains="1234",
        attribution="高德地图",
    )
    assert base.crs == "gcj02" and base.hosts() == [f"https://webrd0{i}.is.autonavi.com" for i in "1234"]
    assert base.as_json()["tiles"][0]["attribution"] == "高德地图"
    assert maptiles.base_map("", key="k", crs="", subdomains="", attribution="").offline
    for wrong in ("ftp://x/{z}/{x}/{y}", "https://x/tiles.png"):
        with pytest.raises(ValueError):
            maptiles.base_map(wrong, key="", crs="", subdomains="", attribution="")
    with pytest.raises(ValueError, match="LUOSHI_MAP_CRS"):
        maptiles.base_map("https://x/{z}/{x}/{y}.png", key="", crs="bd09", subdomains="", attribution="")


def test_tile_hosts_enter_the_csp_only_when_configured(client, mapped, settings):
    page = client.get(reverse("portal:report"))
    assert "tianditu" not in page["Content-Security-Policy"]
    assert (
        json.loads(
            page.content.decode().split('id="map-config" type="application/json">')[1].split("</script>")[0]
        )["tiles"]
        == []
    )
    settings.LUOSHI_MAP_TILES = "tianditu"
    settings.LUOSHI_TIANDITU_KEY = "abc123"
    page = client.get(reverse("portal:report"))
    img_src = next(p for p in page["Content-Security-Policy"].split(";") if p.strip().startswith("img-src"))
    assert "https://t0.tianditu.gov.cn" in img_src and "https://t7.tianditu.gov.cn" in img_src
    assert "script-src 'self'" in page["Content-Security-Policy"]  # nothing else loosened
    list_page = client.get(reverse("portal:report_list"))
    assert "https://t3.tianditu.gov.cn" in list_page["Content-Security-Policy"]


def test_a_misconfigured_base_map_is_a_check_error_and_the_maps_go_offline(client, mapped, settings):
    from core.checks import base_map_settings

    settings.LUOSHI_MAP_TILES = "tianditu"
    settings.LUOSHI_TIANDITU_KEY = ""
    (error,) = base_map_settings(None)
    assert error.id == "luoshi.E010" and "LUOSHI_TIANDITU_KEY" in error.msg
    page = client.get(reverse("portal:report"))
    assert page.status_code == 200 and '"tiles": []' in page.content.decode()
    settings.LUOSHI_MAP_TILES = ""
    assert base_map_settings(None) == []
