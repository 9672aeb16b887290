"""The demo 整改 lists: ``luoshi build_demo_rectify`` on the demo district shows every item state
and a finding already 销号, ``zuzhibu`` and ``shuji`` see them; a second run reuses them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from demo.orgs import build_demo
from demo.party.duty_review import build_demo_duty_review
from orgs.models import User
from party.duty_review.models import ReviewRound
from rectify.models import ProblemList
from tests.demo_showcase import rectify_problems

pytestmark = pytest.mark.django_db


def test_build_demo_rectify(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    build_demo(stdout=None)
    build_demo_duty_review()  # last year's published round, whose problems one list takes over
    out = io.StringIO()
    call_command("build_demo_rectify", stdout=out)
    assert "演示巡视巡察整改" in out.getvalue()
    assert rectify_problems(timezone.localdate()) == []
    plist = ProblemList.objects.get(source="xuncha")
    client.force_login(User.objects.get(username="zuzhibu"))
    page = client.get(reverse("rectify:detail", args=[plist.pk])).content.decode()
    for label in ("整改中", "逾期", "已完成待销号", "已销号"):
        assert label in page
    reviewed = ProblemList.objects.get(source="duty_review")
    page = client.get(reverse("rectify:detail", args=[reviewed.pk])).content.decode()
    assert "述职评议" in page and "整改中" in page
    round_ = ReviewRound.objects.get(status="published")
    page = client.get(reverse("party:duty_review_round", args=[round_.pk])).content.decode()
    assert "review-action" in page  # 转整改 for the other organizations
    client.force_login(User.objects.get(username="shuji"))
    assert "本单位的整改事项" in client.get(reverse("rectify:index")).content.decode()
    call_command("build_demo_rectify", stdout=out)
    assert ProblemList.objects.count() == 3 and "直接复用" in out.getvalue()
