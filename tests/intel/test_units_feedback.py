"""责任单位建议 (responsibility list × who finally handled similar cases) and the recorded
accepted / corrected suggestions (建议采纳记录)."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Category
from core.actors import SYSTEM
from intel import feedback, suggest_for_case
from intel.models import SuggestionFeedback
from intel.units import suggest_units
from orgs.roles import Role
from tests.conftest import grant
from tests.factories import ResponsibilityFactory

pytestmark = pytest.mark.django_db

GARBAGE = "小区门口垃圾堆了三天没人清运,臭气熏天"


@pytest.fixture
def people(world):
    return {
        "dispatcher": grant(world, "jiedao", Role.DISPATCHER, "district"),
        "d1": grant(world, "bumen", Role.DEPT_HANDLER, "d1"),
        "d2": grant(world, "bumen2", Role.DEPT_HANDLER, "d2"),
        "community": grant(world, "shequ", Role.COMMUNITY_STAFF, "c1"),
        "outsider": grant(world, "waiqu", Role.DISPATCHER, "other"),
    }


@pytest.fixture
def garbage():
    return Category.objects.get(code="0301")


def _closed_case(world, people, category, first, final=None):
    """A case dispatched to ``first``; when ``final`` is given, ``first`` returns it, the return is
    upheld and ``final`` handles it. Closed through the real services."""
    case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    d = people["dispatcher"]
    case = services.register_case(case, actor=d, category=category)
    case = services.dispatch_case(case, actor=d, lead_unit=world[first])
    lead = case.assignments.get(role="lead", status="pending")
    if final:
        services.return_assignment(lead, actor=people[first], reason="not_our_duty", note="不属于本单位职责")
        case = services.adjudicate_return(
            type(case).objects.get(pk=case.pk), actor=d, upheld=True, note="改派", lead_unit=world[final]
        )
        lead = case.assignments.get(role="lead", status="pending")
    unit = final or first
    services.sign_assignment(lead, actor=people[unit])
    services.give_feedback(lead, actor=people[unit], text="已处理完毕")
    case = type(case).objects.get(pk=case.pk)
    return services.check_case(case, actor=people["community"], passed=True, note="")


def test_units_from_list_and_final_handlers(world, people, garbage):
    ResponsibilityFactory(org=world["district"], category=garbage, unit=world["d2"])
    for _ in range(2):
        _closed_case(world, people, garbage, "d2", final="d1")  # d2 returned, d1 finally handled
    _closed_case(world, people, garbage, "d1")
    case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    case = services.register_case(case, actor=people["dispatcher"], category=garbage)

    units = suggest_units(case, people["dispatcher"])
    names = [u.unit.name for u in units]
    assert names[0] == world["d1"].name  # finally handled all three similar cases
    top = units[0]
    assert top.handled == 3 and "近90天相似事项3件由区城市管理和综合执法局办结" in top.reason
    listed = units[1]
    assert listed.unit == world["d2"] and listed.in_list and listed.returned == 2
    assert "责任清单:暴露垃圾" in listed.reason and "退单成立2件" in listed.reason

    # An outsider's scope sees none of the past cases: only the responsibility list remains.
    outside = suggest_units(case, people["outsider"])
    assert [u.unit for u in outside] == [world["d2"]] and outside[0].handled == 0


def test_unit_suggestion_before_registration_uses_the_suggested_category(world, people, garbage):
    ResponsibilityFactory(org=world["district"], category=garbage, unit=world["d1"])
    case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    units = suggest_units(case)
    assert units and units[0].unit == world["d1"]
    assert units[0].reasons[0] == "按建议分类“暴露垃圾”"


def test_case_page_shows_units_with_prefill(client, world, people, garbage):
    ResponsibilityFactory(org=world["district"], category=garbage, unit=world["d1"])
    case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    client.force_login(people["dispatcher"])
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "智能辅助" in html and 'data-intel-fill="register_category"' in html
    case = services.register_case(case, actor=people["dispatcher"], category=garbage)
    html = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "责任单位建议" in html and "责任清单:暴露垃圾" in html
    assert f'data-intel-fill="dispatch_lead_unit" data-value="{world["d1"].pk}"' in html
    assert 'id="dispatch_lead_unit"' in html  # the button's target exists
    out = suggest_for_case(case, people["dispatcher"])
    assert out["unit_target"] == "dispatch_lead_unit" and out["units"][0].unit == world["d1"]


def test_register_and_dispatch_record_accepted_and_corrected(world, people, garbage):
    ResponsibilityFactory(org=world["district"], category=garbage, unit=world["d1"])
    d = people["dispatcher"]
    case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    case = services.register_case(case, actor=d, category=garbage)  # the top suggestion: accepted
    category_row = SuggestionFeedback.objects.get(case=case, kind="category")
    assert category_row.accepted and category_row.in_top3 and category_row.actor == d
    assert category_row.source == "keywords" and category_row.model_version is None
    assert category_row.suggested[0]["id"] == garbage.pk and "score" in category_row.suggested[0]

    case = services.dispatch_case(case, actor=d, lead_unit=world["d2"])  # not the suggested d1
    unit_row = SuggestionFeedback.objects.get(case=case, kind="unit")
    assert not unit_row.accepted and unit_row.final_name == world["d2"].name
    assert unit_row.suggested[0]["name"] == world["d1"].name

    lamp = Category.objects.get(code="0102")
    other = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    services.register_case(other, actor=d, category=lamp)  # corrected: the label is the final category
    corrected = SuggestionFeedback.objects.get(case=other, kind="category")
    assert not corrected.accepted and corrected.final_id == lamp.pk
    other.refresh_from_db()
    assert other.category == lamp  # what training learns from

    rates = {(r["kind"], r["source"]): r for r in feedback.acceptance(d)}
    assert rates[("分类建议", "关键词规则")]["n"] == 2 and rates[("分类建议", "关键词规则")]["rate"] == 0.5
    assert rates[("责任单位建议", "责任清单+历史办结")]["accepted"] == 0
    assert feedback.acceptance(people["outsider"]) == []  # scoped like the cases


def test_feedback_never_blocks_registration(world, people, garbage, monkeypatch):
    def boom(case, k=3):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr("intel.classify.suggest_case", boom)
    case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
    case = services.register_case(case, actor=people["dispatcher"], category=garbage)
    assert case.status == "registered"
    assert not SuggestionFeedback.objects.filter(case=case).exists()
