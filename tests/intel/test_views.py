"""The htmx suggestion fragment (dispatch scope) and the hot-spot page (supervise scope)."""

import datetime as dt

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, Category
from core import clock
from core.actors import SYSTEM
from intel import selectors, suggest_for_case
from orgs.roles import Role
from tests.conftest import grant

pytestmark = pytest.mark.django_db

LAMP = "枫林三路连续五盏路灯不亮,晚上黑漆漆的"


def test_dispatcher_gets_top3_fragment(client, world):
    client.force_login(grant(world, "jiedao", Role.DISPATCHER, "s1"))
    response = client.get(reverse("intel:suggest"), {"text": LAMP}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "路灯损坏" in html and "<mark>路灯</mark>" in html and "关键词规则" in html
    assert "<html" not in html  # a fragment, not a page
    lamp = Category.objects.get(code="0102")
    assert f'data-category="{lamp.pk}"' in html


def test_new_case_form_suggests_while_typing_for_dispatchers_only(client, world):
    client.force_login(grant(world, "jiedao", Role.DISPATCHER, "s1"))
    page = client.get(reverse("cases:new")).content.decode()
    assert 'id="intel-live"' in page and 'hx-trigger="input changed delay:600ms from:#id_description"' in page
    assert "?fill=id_category" in page and "luoshi/intel.js" in page
    # The form sends the description field itself; 填入 targets the category select.
    html = client.get(reverse("intel:suggest"), {"description": LAMP, "fill": "id_category"}).content.decode()
    lamp = Category.objects.get(code="0102")
    assert f'data-intel-fill="id_category" data-value="{lamp.pk}"' in html
    odd = client.get(
        reverse("intel:suggest"), {"text": LAMP, "fill": 'x" onclick="alert(1)'}
    ).content.decode()
    assert "data-intel-fill" not in odd and "onclick" not in odd
    client.force_login(grant(world, "wgy", Role.GRID_WORKER, "g1"))
    assert 'id="intel-live"' not in client.get(reverse("cases:new")).content.decode()


def test_suggestions_need_dispatch_scope(client, world):
    assert client.get(reverse("intel:suggest"), {"text": LAMP}).status_code == 403  # anonymous
    client.force_login(grant(world, "wgy", Role.GRID_WORKER, "g1"))
    assert client.get(reverse("intel:suggest"), {"text": LAMP}).status_code == 403


def test_suggest_for_case(world):
    old = services.report_case(channel="hotline", description=LAMP, area=world["g1"], actor=SYSTEM)
    case = services.report_case(
        channel="hotline", description=LAMP + ",请修一下", area=world["g1"], actor=SYSTEM
    )
    dispatcher = grant(world, "jiedao", Role.DISPATCHER, "s1")
    out = suggest_for_case(case, dispatcher)
    assert out["suggestions"][0].category.code == "0102"
    assert [d.case.pk for d in out["duplicates"]] == [old.pk]
    outsider = grant(world, "jiedao2", Role.DISPATCHER, "s2")
    assert suggest_for_case(case, outsider)["duplicates"] == []


def _cases(world, code, n, area, when):
    category = Category.objects.get(code=code)
    for _ in range(n):
        case = services.report_case(
            channel="hotline", description=f"{category.name}的问题", area=area, actor=SYSTEM
        )
        Case.objects.filter(pk=case.pk).update(category=category, created_at=when)


def test_hot_spots_selector_and_page(client, world):
    this_month = selectors.month_start(clock.now().date())
    mid = dt.datetime.combine(this_month + dt.timedelta(days=2), dt.time(10), tzinfo=clock.now().tzinfo)
    earlier = dt.datetime.combine(
        selectors.add_months(this_month, -2) + dt.timedelta(days=3), dt.time(10), tzinfo=mid.tzinfo
    )
    _cases(world, "0301", 4, world["g1"], mid)  # rising: 4 now, none before
    _cases(world, "0102", 2, world["g1"], mid)  # steady: 2 now, 6 in the previous 3 months
    _cases(world, "0102", 6, world["g1"], earlier)
    _cases(world, "0503", 3, world["g3"], mid)  # another street's community

    supervisor = grant(world, "dudao", Role.SUPERVISOR, "district")
    data = selectors.hot_spots(supervisor, this_month)
    cells = [(c["category"].code, c["community"].name, c["count"]) for c in data["cells"]]
    assert cells[0] == ("0301", world["c1"].name, 4)
    assert ("0503", world["c3"].name, 3) in cells
    assert [r.category.code for r in data["rising"]] == ["0301", "0503"]
    assert data["total"] == 9

    client.force_login(supervisor)
    response = client.get(reverse("intel:hot_spots"), {"month": this_month.strftime("%Y-%m")})
    assert response.status_code == 200
    html = response.content.decode()
    assert "热点分析" in html and world["c1"].name in html and "暴露垃圾" in html

    assert client.get(reverse("intel:hot_spots"), {"month": "2026-13"}).status_code == 200  # error shown


def test_hot_spots_are_scoped(client, world):
    this_month = selectors.month_start(clock.now().date())
    _cases(world, "0301", 3, world["g1"], clock.now())
    outsider = grant(world, "dudao2", Role.SUPERVISOR, "other")
    assert selectors.hot_spots(outsider, this_month)["total"] == 0
    client.force_login(grant(world, "jiedao", Role.DISPATCHER, "s1"))  # no supervise action
    assert client.get(reverse("intel:hot_spots")).status_code == 403


def test_intel_models_are_configuration_or_scoped():
    """Counterpart of the project meta-test: intel's configuration/bookkeeping is exempt there, its
    records (feedback, hot spots turned into tasks) are scoped by place."""
    from django.apps import apps

    from orgs.scoping import ScopedQuerySetMixin

    labels = {m._meta.label_lower: m for m in apps.get_app_config("intel").get_models()}
    assert set(labels) == {
        "intel.keywordrule",
        "intel.modelversion",
        "intel.suggestionfeedback",
        "intel.hotspottask",
    }
    for label in ("intel.suggestionfeedback", "intel.hotspottask"):
        assert isinstance(labels[label]._default_manager.all(), ScopedQuerySetMixin)


def test_topics_cluster_similar_texts_within_a_hot_spot(world):
    from cases.models import Case

    lamps = [
        ("枫林三路路灯不亮", "枫林三路5号门口路灯不亮已经一周,晚上很黑"),
        ("枫林三路路灯不亮", "枫林三路5号门口的路灯一直不亮,晚上出行不便"),
        ("枫林三路路灯不亮", "枫林三路5号附近路灯不亮,请尽快维修,联系电话13912345678"),
        ("桃花岭公园灯杆倾斜", "公园东门一根灯杆被车撞歪了,随时可能倒下"),
    ]
    for title, description in lamps:
        services.report_case(
            channel="hotline", title=title, description=description, area=world["g1"], actor=SYSTEM
        )
    found = selectors.topics(Case.objects.all())
    assert [(t.title, t.count) for t in found] == [("枫林三路路灯不亮", 3)]  # the leaning pole stands alone
    assert selectors.topics(Case.objects.filter(title__startswith="桃花岭")) == []
