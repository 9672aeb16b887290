"""The demo plans: ``luoshi build_demo_workplan`` on the demo district, then the demo accounts'
view of it; a second run reuses the plans."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.verify import verify
from orgs.demo import build_demo
from orgs.models import User
from workplan import demo, selectors
from workplan.models import Accountability, Notice, Plan, Task, TaskStatus

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
    assert Plan.objects.filter(is_demo=True, state="approved").count() == 2
    speech = Plan.objects.get(kind="meeting")
    assert speech.source_text.startswith("区委书记在区委重点工作推进会议上的讲话")
    training = Task.objects.get(plan=speech, title__contains="培训班")
    assert training.lead_unit.name == "区委组织部"
    statuses = set(Task.objects.filter(is_demo=True).with_status(day).values_list("status_code", flat=True))
    for code in (
        TaskStatus.IN_PROGRESS,
        TaskStatus.LAGGING,
        TaskStatus.OVERDUE,
        TaskStatus.PENDING_VERIFY,
        TaskStatus.DONE,
        TaskStatus.CLOSED,
    ):
        assert code in statuses, code
    kinds = set(Notice.objects.values_list("kind", flat=True))
    assert kinds == {"reminder", "notice", "circular"}
    assert Accountability.objects.filter(status="proposed").exists()
    assert list(verify()) == []  # the audit chains of the replayed history are intact

    # What the demo accounts find.
    bumen, jiedao, dudao = (User.objects.get(username=name) for name in ("bumen", "jiedao", "dudao"))
    lead, _co = selectors.workbench(bumen, day)
    assert lead.count() >= 3 and selectors.notices_to_answer(bumen)
    assert selectors.workbench(jiedao, day)[0].exists()
    client.force_login(dudao)
    board = client.get(reverse("workplan:board"))
    assert board.status_code == 200 and "背街小巷环境综合整治提质" in board.content.decode()
    client.force_login(bumen)
    assert "占道经营" in client.get(reverse("workplan:workbench")).content.decode()

    again = io.StringIO()
    summary = demo.build_demo_workplan(stdout=again)
    assert summary.reused and "直接复用" in again.getvalue()
    assert Plan.objects.filter(is_demo=True).count() == 2
