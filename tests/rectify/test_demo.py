"""The demo 整改 lists: ``luoshi build_demo_rectify`` on the demo district shows every item state
and a finding already 销号, ``zuzhibu`` and ``shuji`` see them; a second run reuses them."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from demo.orgs import build_demo
from orgs.models import User
from rectify.models import ProblemList
from tests.demo_showcase import rectify_problems

pytestmark = pytest.mark.django_db


def test_build_demo_rectify(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    build_demo(stdout=None)
    out = io.StringIO()
    call_command("build_demo_rectify", stdout=out)
    assert "演示巡视巡察整改" in out.getvalue()
    assert rectify_problems(timezone.localdate()) == []
    plist = ProblemList.objects.get(source="xuncha")
    client.force_login(User.objects.get(username="zuzhibu"))
    page = client.get(reverse("rectify:detail", args=[plist.pk])).content.decode()
    for label in ("整改中", "逾期", "已完成待销号", "已销号"):
        assert label in page
    client.force_login(User.objects.get(username="shuji"))
    assert "本单位的整改事项" in client.get(reverse("rectify:index")).content.decode()
    call_command("build_demo_rectify", stdout=out)
    assert ProblemList.objects.count() == 2 and "直接复用" in out.getvalue()
