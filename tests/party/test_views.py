"""Pages: scoping matrix (an outsider gets 404), the secretary's phone form, the dashboard and its
Excel export, the CLI."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.actors import SYSTEM
from orgs.roles import Role
from party import selectors
from party.life import services
from party.models import Meeting, MeetingKind

from ..conftest import grant
from .conftest import all_present

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(branch):
    return services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=MeetingKind.THEME_DAY,
        held_on=dt.date(2026, 8, 8),
        topic="重温入党誓词",
        attendance=all_present(branch.members),
        minutes="重温入党誓词并开展志愿服务。" * 10,
    )


# role → (insider grant, outsider grant); the branch lives under w1 (望月湖街道党工委)
MATRIX = {
    Role.ORG_DEPT: ("party", "other_party"),
    Role.BRANCH_SECRETARY: ("w1", "b3"),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_scoping_matrix(client, world, branch, meeting, role):
    inside, outside = MATRIX[role]
    insider = grant(world, f"in_{role}", role, inside)
    outsider = grant(world, f"out_{role}", role, outside)
    urls = [
        reverse("party:org", args=[branch.pk]),
        reverse("party:meeting", args=[meeting.pk]),
        reverse("party:dashboard") + f"?org={branch.pk}",
    ]
    client.force_login(insider)
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("party:meeting_new", args=[branch.pk])).status_code == 404
    assert client.post(reverse("party:meeting_void", args=[meeting.pk]), {"reason": "x"}).status_code == 404
    assert not Meeting.objects.visible_to(outsider).filter(pk=meeting.pk).exists()


def test_community_staff_do_not_get_the_branch_records(client, world, branch, meeting):
    client.force_login(grant(world, "shequ", Role.COMMUNITY_STAFF, "c2"))
    assert client.get(reverse("party:org", args=[branch.pk])).status_code == 404
    assert client.get(reverse("party:meeting", args=[meeting.pk])).status_code == 404


def test_resident_has_no_party_pages(client, world, branch):
    client.force_login(grant(world, "jumin", Role.RESIDENT, "c2"))
    assert client.get(reverse("party:index")).status_code == 404
    assert client.get(reverse("party:dashboard")).status_code == 404


def test_secretary_records_a_meeting_through_the_form(client, world, branch):
    shuji = grant(world, "shuji", Role.BRANCH_SECRETARY, "w1")
    client.force_login(shuji)
    url = reverse("party:meeting_new", args=[branch.pk])
    page = client.get(url).content.decode()
    assert "复制上次出席名单" in page and branch.members[0].person.name in page
    # A date input takes only YYYY-MM-DD: today's date is filled in (not 2026/11/29, left blank).
    assert f'type="date" name="held_on" value="{selectors.today():%Y-%m-%d}"' in page
    data = {
        "kind": "branch_assembly",
        "held_on": "2026-09-12",
        "topic": "研究三季度工作",
        "minutes": "讨论了……" * 20,
        "decisions": "由支委落实",
        "vote_subject": "接收张三为预备党员",
        "vote_kind": "admission",
        "vote_yes": "8",
    }
    data.update({f"att_{m.pk}": "present" for m in branch.members})
    response = client.post(url, data)
    meeting = Meeting.objects.get(topic="研究三季度工作")
    assert response.status_code == 302 and response.url == reverse("party:meeting", args=[meeting.pk])
    assert meeting.resolutions.get().passed and meeting.recorded_by == shuji


def test_form_errors_in_chinese_name_the_field(client, world, branch):
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "w1"))
    url = reverse("party:meeting_new", args=[branch.pk])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    data = {"kind": "theme_day", "held_on": future, "topic": "主题党日"}
    data.update({f"att_{m.pk}": "present" for m in branch.members})
    page = client.post(url, data).content.decode()
    assert "召开日期不能晚于今天" in page and Meeting.objects.count() == 0
    page = client.post(url, {"kind": "", "held_on": "", "topic": ""}).content.decode()
    assert "请选择会议类型" in page and "请填写召开日期" in page and "请填写会议主题" in page
    data = {
        "kind": "theme_day",
        "held_on": "2026-09-12",
        "topic": "主题党日",
        f"att_{world.people['member3'].membership.pk}": "present",
    }
    data.update({f"att_{m.pk}": "present" for m in branch.members})
    assert "不是本组织应到会党员" in client.post(url, data).content.decode()


def test_copy_attendance_partial(client, world, branch, meeting):
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "w1"))
    url = reverse("party:attendance", args=[branch.pk]) + "?copy=1&kind=theme_day&held_on=2026-09-01"
    assert "已复制上次会议的出席情况" in client.get(url).content.decode()


def test_correction_page_keeps_history(client, world, branch, meeting):
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "w1"))
    url = reverse("party:meeting_correct", args=[meeting.pk])
    assert "请填写更正原因" in client.post(url, {"topic": "新主题", "reason": ""}).content.decode()
    client.post(url, {"topic": "新主题", "minutes": meeting.minutes, "reason": "主题笔误"})
    page = client.get(reverse("party:meeting", args=[meeting.pk])).content.decode()
    assert "新主题" in page and "主题笔误" in page and "重温入党誓词" in page


def test_dashboard_ranks_and_exports(client, world, branch):
    client.force_login(grant(world, "zuzhibu", Role.ORG_DEPT, "party"))
    page = client.get(reverse("party:dashboard")).content.decode()
    assert "下级党组织" in page and "望月湖街道工作委员会" in page
    drill = client.get(reverse("party:dashboard") + f"?org={branch.pk}").content.decode()
    assert "本支部的问题" in drill and "组织生活未按期召开" in drill
    response = client.get(reverse("party:dashboard") + "?format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["得分排名", "问题清单"]
    rows = list(book["问题清单"].values)
    assert rows[0][:3] == ("严重程度", "问题", "党组织") and len(rows) > 1
    assert not any("meeting.missing" in str(cell) for row in rows for cell in row)  # no rule codes


def test_navigation_and_home(client, world, branch):
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "b1"))
    page = client.get("/").content.decode()
    assert "组织生活" in page and "本支部组织生活" in page
    client.force_login(grant(world, "zuzhibu", Role.ORG_DEPT, "party"))
    page = client.get("/").content.decode()
    assert "党建考评" in page and "基层党组织合规检查" in page


def test_cli_prints_one_finding_per_line(world, branch, capsys):
    call_command("party", "findings", branch.name)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines and all(len(line.split("\t")) == 4 for line in lines)
    assert any(line.startswith("严重\tmeeting.missing\t中共湖西社区支部委员会\t") for line in lines)
    call_command("party", "findings", world["c2"].code or world["c2"].name)
    assert capsys.readouterr().out.strip()


def test_cli_unknown_org(world, seeded):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到组织"):
        call_command("party", "findings", "没有这个组织")


def test_rule_parameters_in_the_admin(client, world, seeded, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:party_ruleparameter_changelist")).content.decode()
    assert "meeting.branch_assembly.period" in page
    zuzhibu = grant(world, "zuzhibu", Role.ORG_DEPT, "party")
    client.force_login(zuzhibu)
    from party.models import RuleParameter

    national = RuleParameter.objects.get(code="lapse.flag_months", org__isnull=True)
    assert client.get(reverse("admin:party_ruleparameter_changelist")).status_code == 200
    response = client.post(
        reverse("admin:party_ruleparameter_change", args=[national.pk]),
        {
            "code": "lapse.flag_months",
            "name": "x",
            "value": "1",
            "value_type": "int",
            "source": "x",
            "confidence": "C",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 403
    national.refresh_from_db()
    assert national.value == "6"
    add = client.post(
        reverse("admin:party_ruleparameter_add"),
        {
            "code": "attendance.min_rate",
            "name": "出席率下限",
            "value": "0.9",
            "value_type": "decimal",
            "source": "市委组织部规定",
            "confidence": "C",
            "effective_from": "2026-01-01",
        },
    )
    assert "请选择适用组织" in add.content.decode()


def test_findings_cache_follows_any_recorded_change(world, branch):
    """Training hours (no meeting changes) move the study-hour findings: the cache must see it."""
    before = selectors.data_version()
    assert selectors.data_version() == before
    services.record_training(
        actor=SYSTEM, member=branch.members[0], title="网络培训", started_on=dt.date(2026, 9, 1), hours=4
    )
    assert selectors.data_version() != before


def test_findings_version_ignores_records_the_engine_does_not_read(world, branch):
    """A case or a supervision task changing leaves the party findings (and their snapshots)
    fresh; the organization tree and the working-day calendar do not."""
    from django.db import transaction

    from audit.events import ADMIN_CREATED
    from audit.services import Subject, record

    before = selectors.data_version()
    with transaction.atomic():
        record(Subject("cases.case", "1", label="案件"), ADMIN_CREATED)
        record(Subject("workplan.task", "1", label="任务"), ADMIN_CREATED)
    assert selectors.data_version() == before
    with transaction.atomic():
        record(Subject("workdays.calendaroverride", "1", label="调休"), ADMIN_CREATED)
    after_calendar = selectors.data_version()
    assert after_calendar != before
    with transaction.atomic():
        record(Subject("orgs.position", "1", label="职务"), ADMIN_CREATED)
    assert selectors.data_version() != after_calendar
