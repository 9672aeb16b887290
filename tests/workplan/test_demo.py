"""The demo plans: ``luoshi build_demo_workplan`` on the demo district, then the demo accounts'
view of it; a second run reuses the plans."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.verify import verify
from demo import workplan as demo
from demo.orgs import build_demo
from orgs.models import User
from tests import demo_showcase as showcase
from tests.demo_showcase import demo_activity_states
from workplan.models import Plan, Task

pytestmark = pytest.mark.django_db


def test_needs_the_demo_district():
    with pytest.raises(CommandError, match="build_demo"):
        call_command("build_demo_workplan", stdout=io.StringIO())


def test_build_demo_workplan(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    build_demo(stdout=None)
    out = io.StringIO()
    call_command("build_demo_workplan", stdout=out)
    assert "演示督办计划已生成" in out.getvalue()
    day = timezone.localdate()
    assert Plan.objects.filter(is_demo=True, state="approved").exclude(kind="activity_list").count() == 2
    # 能力作风建设年: months in every state relative to the build day.
    year_list = Plan.objects.get(kind="activity_list", year=day.year)
    assert year_list.org.name == "区委办公室"
    assert demo_activity_states(day) == []
    speech = Plan.objects.get(kind="meeting")
    assert speech.source_text.startswith("区委书记在区委重点工作推进会议上的讲话")
    training = Task.objects.get(plan=speech, title__contains="培训班")
    assert training.lead_unit.name == "区委组织部"
    # Every task status, notice kind and queue the demo accounts find (the date-spread test's list).
    assert showcase.workplan_problems(day) == []
    assert list(verify()) == []  # the audit chains of the replayed history are intact

    bumen, dudao = (User.objects.get(username=name) for name in ("bumen", "dudao"))
    client.force_login(dudao)
    board = client.get(reverse("workplan:board"))
    assert board.status_code == 200 and "背街小巷环境综合整治提质" in board.content.decode()
    client.force_login(bumen)
    assert "占道经营" in client.get(reverse("workplan:workbench")).content.decode()

    again = io.StringIO()
    summary = demo.build_demo_workplan(stdout=again)
    assert summary.reused and "直接复用" in again.getvalue()
    assert Plan.objects.filter(is_demo=True).exclude(kind="activity_list").count() == 2
