"""导出Excel of the case list: the list's filters and scope, the 台账 layout, masked numbers."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.exports import CASE_COLUMNS, mask_text
from orgs.roles import Role
from tests.conftest import grant

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def _data(sheet, header_row):
    rows = []
    for row in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        if isinstance(row[0], str) and row[0].startswith("制表人"):
            break
        rows.append(row)
    return rows


def test_mask_text():
    text = "电话13912345678,身份证430104199001011234,座机0731-88886666,门牌123号"
    masked = mask_text(text)
    assert "13912345678" not in masked and "139****5678" in masked
    assert "430104199001011234" not in masked and "4301**********1234" in masked
    assert "88886666" not in masked and "门牌123号" in masked


def test_export_is_the_scoped_filtered_list_as_a_ledger(client, world, actors, category):
    mine = new_case(world, description="路灯不亮,联系13912345678")
    walk(mine, actors, world, category, "dispatched")
    waiting = new_case(world, description="井盖缺失")
    elsewhere = new_case(world, area=world["c3"], description="桃子湖的事项")
    client.force_login(actors["dispatcher"])
    assert "导出Excel" in client.get(reverse("cases:list")).content.decode()

    sheet = _sheet(client.get(reverse("cases:export")))
    assert sheet["A1"].value == "网格事项台账"
    assert sheet["A2"].value.startswith("填报单位:")
    assert [c.value for c in sheet[3]] == [c.header for c in CASE_COLUMNS]
    assert sheet.freeze_panes == "C4"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    rows = _data(sheet, 3)
    numbers = [r[1] for r in rows]
    assert set(numbers) == {mine.number, waiting.number} and elsewhere.number not in numbers
    assert [r[0] for r in rows] == [1, 2]
    dispatched = next(r for r in rows if r[1] == mine.number)
    assert dispatched[2] is None  # 12345工单号: none for a resident's own report
    assert "13912345678" not in dispatched[6] and "139****5678" in dispatched[6]
    assert dispatched[8] == world["d1"].name  # 责任单位: the lead unit
    assert dispatched[5] and dispatched[4] == "群众上报"
    line = 4 + rows.index(dispatched)
    assert sheet.cell(row=line, column=4).number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(row=line, column=11).number_format == "yyyy-mm-dd hh:mm"

    filtered = _sheet(client.get(reverse("cases:export"), {"status": "reported"}))
    assert filtered["A3"].value == "筛选条件:状态:待受理"
    assert [r[1] for r in _data(filtered, 4)] == [waiting.number]


def test_export_refuses_non_staff(client, world, actors):
    client.force_login(grant(world, "jumin", Role.RESIDENT, "c1"))
    assert client.get(reverse("cases:export")).status_code == 404
    client.logout()
    assert client.get(reverse("cases:export")).status_code == 302


def test_formula_like_descriptions_stay_text(world):
    from cases.exports import case_list_workbook

    case = new_case(world, description='=HYPERLINK("http://x","y") 路灯坏了')
    data = case_list_workbook([case], total=1)
    sheet = load_workbook(io.BytesIO(data)).active
    cell = sheet.cell(row=4, column=7)  # 问题描述
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s" and cell.quotePrefix
    assert sheet["A5"].value == "制表人:"
