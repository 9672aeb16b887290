"""导出Excel beside the case list's filters downloads what the list shows after htmx filtering
(static/luoshi/ledger.js takes the pushed query), as a 台账."""

import io

import pytest
from openpyxl import load_workbook

from ..cases.conftest import new_case
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_follows_the_filtered_list(staff_page, live_server, journey):
    world = journey["world"]
    wanted = new_case(world, description="路灯不亮已经一周")
    other = new_case(world, description="井盖缺失很危险")
    page = staff_page("jiedao")
    page.goto(f"{live_server.url}/cases/")
    page.wait_for_selector(f"text={other.number}")
    page.fill("#id_q", wanted.number)
    page.wait_for_url(lambda url: "q=" in url)
    page.wait_for_selector(f"#case-table >> text={other.number}", state="detached")
    screenshot(page, "ledger-case-list-export")
    with page.expect_download() as info:
        page.click("a[data-ledger-export]")
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet["A1"].value == "网格事项台账"
    assert sheet["A3"].value == f"筛选条件:搜索:{wanted.number}"
    assert sheet["B5"].value == wanted.number and sheet["A6"].value.startswith("制表人")
