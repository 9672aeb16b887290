"""分类模型 page: model versions with their guard decision and the acceptance rate of their
suggestions, for the dispatch centre and supervisors, counted over the user's own scope."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Category
from core.actors import SYSTEM
from intel import classify, selectors
from intel.models import ModelVersion, SuggestionFeedback
from orgs.roles import Role
from tests.conftest import grant

from .conftest import registered_cases

pytestmark = pytest.mark.django_db

GARBAGE = "小区门口的垃圾桶满了好几天没人清运,臭气熏天"


def test_model_page_shows_versions_guard_and_acceptance(client, world):
    dispatcher = grant(world, "jiedao", Role.DISPATCHER, "district")
    outsider = grant(world, "waiqu", Role.DISPATCHER, "other")
    community = grant(world, "shequ", Role.COMMUNITY_STAFF, "c1")
    registered_cases(world, per_code=10)
    first = classify.train_from_cases().version
    ModelVersion.objects.create(  # a kept-out candidate, as the guard leaves it
        n_train=60,
        n_test=first.n_test,
        macro_f1=0.5,
        path="/nonexistent",
        baseline=first,
        baseline_f1=first.macro_f1,
        passed_guard=False,
        active=False,
        validation_ids=first.validation_ids,
        note="验证集F1 0.500 < 原模型,未启用",
        created_at=first.created_at,
    )
    garbage, lamp = Category.objects.get(code="0301"), Category.objects.get(code="0102")
    for category in (garbage, garbage, lamp):  # two accepted, one corrected
        case = services.report_case(channel="hotline", description=GARBAGE, area=world["g1"], actor=SYSTEM)
        services.register_case(case, actor=dispatcher, category=category)
    rows = SuggestionFeedback.objects.filter(kind="category", model_version=first)
    accepted = rows.filter(accepted=True).count()
    assert rows.count() == 3 and accepted >= 1  # the lamp registration corrects the suggestion

    client.force_login(dispatcher)
    html = client.get(reverse("intel:models")).content.decode()
    assert "第1版" in html and "当前使用" in html and "通过,已启用" in html
    assert "第2版" in html and "低于原模型,未启用" in html
    row = selectors.model_versions(dispatcher)[1]
    assert row["label"] == "第1版" and row["n"] == 3 and row["rate"] == accepted / 3
    assert f"{round(100 * accepted / 3)}%" in html  # the share of suggestions taken as they were
    assert "固定验证集" in html
    assert f"#{first.pk}" not in html  # no database ids on the page

    client.force_login(outsider)  # another district: none of these suggestions counted
    html = client.get(reverse("intel:models")).content.decode()
    assert "第1版" in html
    assert all(r["n"] == 0 for r in selectors.model_versions(outsider))

    client.force_login(community)
    assert client.get(reverse("intel:models")).status_code == 403
