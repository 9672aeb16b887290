"""Work-plan files through the media view and the task page: a plan's source file, progress
evidence (photos shown on the task page) and an accountability decision document, each with the
scoping of its record; never public."""

import pytest
import time_machine
from django.urls import reverse

from core import media
from tests.mediatools import assert_images_load, body
from workplan import escalation, services

from .conftest import at, make_task, pdf, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(plan, wp):
    task = make_task(plan, wp)
    services.approve_plan(plan, actor=wp.users["dudao"])
    with time_machine.travel(at(2026, 4, 1, 10), tick=False):
        services.report_progress(
            task,
            actor=wp.users["bumen"],
            percent=40,
            done_text="已完成摸排",
            evidence=[("照片", png("现场.png")), ("文件", pdf("台账.pdf"))],
        )
    return task


def check(client, users, fieldfile, *, insiders, outsiders, content_type):
    for who in insiders:
        client.force_login(users[who])
        response = client.get(media.media_url(fieldfile))
        assert response.status_code == 200, who
        assert response["Content-Type"] == content_type and body(response)
    for who in outsiders:
        client.force_login(users[who])
        assert client.get(media.media_url(fieldfile)).status_code == 404, who
    client.logout()
    assert client.get(media.media_url(fieldfile)).status_code == 404


def test_evidence_follows_the_task(client, wp, task):
    photo = task.evidence.get(kind="照片")
    document = task.evidence.get(kind="文件")
    check(
        client,
        wp.users,
        photo.file,
        insiders=("dudao", "bumen"),
        outsiders=("bumen2", "outsider"),
        content_type="image/png",
    )
    check(
        client,
        wp.users,
        document.file,
        insiders=("dudao", "bumen"),
        outsiders=("bumen2", "outsider"),
        content_type="application/pdf",
    )


def test_task_page_shows_photo_evidence_that_loads(client, wp, task):
    client.force_login(wp.users["bumen"])
    sources = assert_images_load(client, reverse("workplan:task", args=[task.pk]), expected=1)
    response = client.get(sources[0])
    assert (
        response["Content-Disposition"].startswith("inline")
        and response["X-Content-Type-Options"] == "nosniff"
    )
    client.force_login(wp.users["bumen2"])
    assert client.get(sources[0]).status_code == 404


def test_plan_source_file(client, wp):
    plan = services.create_plan(
        actor=wp.users["dudao"],
        owner=wp["office"],
        title="2026年区委重点工作",
        source_file=pdf("会议纪要.pdf"),
    )
    check(
        client,
        wp.users,
        plan.source_file,
        insiders=("dudao",),
        outsiders=("bumen2", "outsider", "other_dudao"),
        content_type="application/pdf",
    )


def test_accountability_decision_file(client, wp, task):
    item = escalation.record_accountability(
        task,
        actor=wp.users["dudao"],
        unit=wp["d1"],
        person_name="张某",
        form="talk",
        reason="推进滞后",
        decision_no="岳督〔2026〕3号",
        decision_file=pdf("问责决定.pdf"),
    )
    check(
        client,
        wp.users,
        item.decision_file,
        insiders=("dudao", "bumen"),
        outsiders=("bumen2", "outsider", "other_dudao"),
        content_type="application/pdf",
    )
