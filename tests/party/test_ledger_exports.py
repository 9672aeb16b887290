"""Branch 台账 downloads in the ledger layout: 发展党员工作台账, 三会一课台账, 党费台账."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.actors import SYSTEM
from orgs.roles import Role
from party.development import services as development_services
from party.ledgers import DEVELOPMENT_COLUMNS, MEETING_COLUMNS
from party.life import services
from party.models import MeetingKind

from ..conftest import grant
from .conftest import all_present

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def _assert_layout(sheet, title_end: str, columns) -> None:
    assert sheet["A1"].value.endswith(title_end)
    assert sheet["A1"].font.b and sheet["A1"].alignment.horizontal == "center"
    assert [c.value for c in sheet[3]] == [c.header for c in columns]
    assert sheet.freeze_panes == "C4"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.print_title_rows == "$3:$3"
    last = sheet.max_row
    assert sheet.cell(row=last, column=1).value.startswith("制表人:")


def test_meetings_ledger(client, world, branch):
    for day, topic in ((dt.date(2026, 3, 5), "学习党章"), (dt.date(2026, 1, 8), "年度计划")):
        services.record_meeting(
            actor=SYSTEM,
            org=branch,
            kind=MeetingKind.BRANCH_ASSEMBLY,
            held_on=day,
            topic=topic,
            attendance=all_present(branch.members, {branch.members[7].pk: ("leave", "出差")}),
            study_hours=2,
        )
    services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=MeetingKind.COMMITTEE,
        held_on=dt.date(2025, 12, 1),
        topic="去年的会",
        attendance=all_present(branch.members[:3]),
    )
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "w1"))
    page = client.get(reverse("party:org", args=[branch.pk])).content.decode()
    assert reverse("party:meetings_export", args=[branch.pk]) in page
    sheet = _sheet(client.get(reverse("party:meetings_export", args=[branch.pk]), {"year": 2026}))
    _assert_layout(sheet, "年“三会一课”台账", MEETING_COLUMNS)
    assert sheet["A2"].value == f"填报单位:{branch.name}"
    rows = list(sheet.iter_rows(min_row=4, max_row=5, values_only=True))
    assert [(r[0], r[1].date(), r[4]) for r in rows] == [
        (1, dt.date(2026, 1, 8), "年度计划"),
        (2, dt.date(2026, 3, 5), "学习党章"),
    ]
    assert rows[0][7:10] == (8, 7, 0.875) and rows[0][10] == 2.0
    assert sheet["B4"].number_format == "yyyy-mm-dd" and sheet["J4"].number_format == "0.0%"
    assert sheet["A6"].value.startswith("制表人")  # last year's committee meeting is not listed


def test_development_ledger(client, world, branch):
    development_services.apply_for_membership(
        actor=SYSTEM,
        branch=branch,
        applied_on=dt.date(2026, 3, 1),
        name="申请人甲",
        gender="F",
        birth_date=dt.date(1995, 5, 4),
    )
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "w1"))
    board = client.get(reverse("party:development_board", args=[branch.pk])).content.decode()
    assert reverse("party:development_export", args=[branch.pk]) in board
    sheet = _sheet(client.get(reverse("party:development_export", args=[branch.pk])))
    _assert_layout(sheet, "发展党员工作台账", DEVELOPMENT_COLUMNS)
    row = [c.value for c in sheet[4]]
    assert row[0] == 1 and row[1] == "申请人甲" and row[3].date() == dt.date(2026, 3, 1)
    assert sheet["D4"].number_format == "yyyy-mm-dd"
    assert row[12].startswith("第2步")  # the next step after the application


def test_ledgers_are_scoped(client, world, branch):
    client.force_login(grant(world, "out_sec", Role.BRANCH_SECRETARY, "b3"))
    assert client.get(reverse("party:meetings_export", args=[branch.pk])).status_code == 404
    assert client.get(reverse("party:development_export", args=[branch.pk])).status_code == 404


def test_dues_ledger_layout(client, world, branch):
    client.force_login(grant(world, "shuji", Role.BRANCH_SECRETARY, "w1"))
    sheet = _sheet(client.get(reverse("party:dues_export", args=[branch.pk]), {"year": 2026}))
    assert sheet["A1"].value == f"{branch.name} 2026年党费缴纳台账"
    assert [c.value for c in sheet[3]][:4] == ["姓名", "类别", "每月应缴(元)", "1月"]
    assert sheet.freeze_panes == "B4" and sheet.page_setup.orientation == "landscape"
    totals = sheet.max_row - 1
    assert sheet.cell(row=totals, column=1).value == "合计"
    assert sheet.cell(row=totals, column=2).value == f"{len(branch.members)}人"
    assert sheet.cell(row=totals, column=4).number_format == "#,##0.00"
