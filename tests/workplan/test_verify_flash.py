"""The flash after 核验 says what happened (issue 20 item 9): a send-back (退回) says "已退回…",
never "已核验"."""

import pytest
from django.urls import reverse

from workplan.models import Task, TaskState

from .conftest import pdf
from .test_views import live, login  # noqa: F401  (live: a fixture)

pytestmark = pytest.mark.django_db


def submit(client, wp, task):
    login(client, wp.users["bumen"])
    response = client.post(
        reverse("workplan:task_report", args=[task.pk]),
        {
            "percent": 100,
            "done_text": "整治完成",
            "evidence_kind": "文件",
            "complete": "on",
            "evidence": [pdf()],
        },
    )
    assert response.status_code == 302


def test_send_back_flash_says_sent_back(client, wp, live):  # noqa: F811
    task = live["task"]
    submit(client, wp, task)
    login(client, wp.users["dudao"])
    response = client.post(
        reverse("workplan:task_verify", args=[task.pk]),
        {"decision": "return", "note": "佐证材料不全"},
        follow=True,
    )
    page = response.content.decode()
    assert "已退回办结申请" in page and "已核验" not in page
    assert Task.objects.get(pk=task.pk).state != TaskState.DONE
    submit(client, wp, task)
    login(client, wp.users["dudao"])
    response = client.post(
        reverse("workplan:task_verify", args=[task.pk]), {"decision": "accept", "note": "属实"}, follow=True
    )
    assert "已核验,任务已办结" in response.content.decode()
