"""Excel: export the 台账 → import gives the same plan; bad sheets are refused row by row."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from orgs.imports import ImportRejected
from workplan import excel, services
from workplan.models import Plan, Task

from .conftest import make_task

pytestmark = pytest.mark.django_db


def shape(plan):
    rows = []
    for task in services.tasks_of_plan(plan):
        co = sorted(task.units.filter(active=True, role="co").values_list("org__name", flat=True))
        rows.append(
            (
                task.number,
                task.depth,
                task.title,
                task.lead_unit.name if task.lead_unit else "",
                co,
                task.leader_name,
                task.responsible_name,
                task.start_on,
                task.deadline,
                task.cadence,
                task.evidence_kinds,
                task.weight,
            )
        )
    return rows


def sheet(rows, headers=("序号", "工作任务", "牵头单位", "配合单位", "责任领导", "完成时限")):
    book = Workbook()
    ws = book.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_round_trip(wp, plan):
    parent = make_task(plan, wp, title="城市管理提质行动", deadline=dt.date(2026, 9, 30), weight=2)
    make_task(
        plan,
        wp,
        title="背街小巷整治",
        parent=parent,
        co_units=[wp["s1"], wp["s2"]],
        responsible_name="陈经办",
    )
    make_task(
        plan,
        wp,
        title="占道经营治理",
        parent=parent,
        lead_unit=wp["s1"],
        co_units=[wp["d1"]],
        cadence="weekly",
        weight=3,
    )
    make_task(
        plan,
        wp,
        title="基层党组织书记培训",
        lead_unit=wp["zzb"],
        co_units=[],
        evidence_kinds=["会议记录"],
        start_on=dt.date(2026, 4, 1),
    )
    services.approve_plan(plan, actor=wp.users["dudao"])
    leaf = services.tasks_of_plan(plan)[1]
    services.report_progress(
        leaf,
        actor=wp.users["bumen"],
        percent=45,
        done_text="完成第一阶段",
        problems="资金未到位",
        next_steps="协调财政局拨付",
    )
    data = excel.export_ledger(
        services.tasks_of_plan(plan), dt.date(2026, 5, 1), "重点工作台账", unit="区委督查室", maker="王督查"
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "重点工作台账" and ws["A2"].value == "填报单位:区委督查室"
    header = [c.value for c in ws[3]]
    assert header[:6] == ["序号", "所属计划", "编号", "工作任务", "牵头单位", "配合单位"]
    assert header[-5:] == ["进展情况", "完成进度", "状态", "存在问题", "下步打算"]
    rows = {r[3]: r for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)}
    assert [r[0] for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)] == [1, 2, 3, 4]
    assert rows["背街小巷整治"][1] == "2026年区委重点工作" and rows["背街小巷整治"][2] == "1.1"
    progress = header.index("完成进度") + 1
    assert ws.cell(row=5, column=progress).number_format == "0.0%"
    assert rows["背街小巷整治"][progress - 1] == 0.45
    assert rows["背街小巷整治"][-2:] == ("资金未到位", "协调财政局拨付")
    assert ws.cell(row=4, column=header.index("完成时限") + 1).number_format == "yyyy-mm-dd"
    assert ws["A8"].value == "制表人:王督查" and ws.freeze_panes == "E4"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    copy = excel.import_plan(
        io.BytesIO(data),
        actor=wp.users["dudao"],
        owner=wp["office"],
        title="导入的计划",
        start_on=dt.date(2026, 3, 2),
    )
    assert shape(copy) == shape(plan)


def test_errors_are_collected_with_suggestions_and_nothing_is_written(wp):
    rows = [
        ("1", "任务一", "区城市管理综合执法局", "", "", "2026-06-30"),
        ("1.1", "", "区委组织部", "区委宣转部", "", "2026-05-31"),
        ("2.1", "孤儿任务", "区委组织部", "", "", "2026-05-31"),
        ("3", "时限错误", "区委组织部", "", "", "明年"),
        ("4", "正常任务", "区委组织部", "", "", dt.date(2026, 6, 30)),
    ]
    with pytest.raises(ImportRejected) as rejected:
        excel.import_plan(
            sheet(rows), actor=wp.users["dudao"], owner=wp["office"], title="x", start_on=dt.date(2026, 3, 1)
        )
    text = [str(e) for e in rejected.value.errors]
    assert any(t.startswith("第2行 C(牵头单位)") and "区城市管理和综合执法局" in t for t in text)
    assert any(t.startswith("第3行 B(工作任务)") for t in text)
    assert any(t.startswith("第3行 D(配合单位)") and "区委宣传部" in t for t in text)
    assert any(t.startswith("第4行 A(序号)") and "找不到上级任务" in t for t in text)
    assert any(t.startswith("第5行 F(完成时限)") for t in text)
    assert Plan.objects.count() == 0 and Task.objects.count() == 0


def test_service_rules_reject_the_whole_file(wp):
    rows = [
        ("1", "上级任务", "区委组织部", "", "", "2026-05-31"),
        ("2", "开始晚于时限", "区委组织部", "", "", "2026-02-01"),
    ]
    with pytest.raises(ImportRejected) as rejected:
        excel.import_plan(
            sheet(rows), actor=wp.users["dudao"], owner=wp["office"], title="x", start_on=dt.date(2026, 3, 1)
        )
    assert "不能早于开始日期" in str(rejected.value.errors[0])
    assert Plan.objects.count() == 0


def test_missing_columns(wp):
    with pytest.raises(ImportRejected) as rejected:
        excel.read_rows(sheet([("x",)], headers=("工作任务",)))
    assert "缺少必填列" in str(rejected.value.errors[0])


def test_ledger_numbers_run_on_across_plans(wp, plan):
    make_task(plan, wp, title="第一项")
    make_task(plan, wp, title="第二项")
    other = services.create_plan(actor=wp.users["dudao"], owner=wp["office"], title="另一计划")
    make_task(other, wp, title="第三项")
    tasks = services.tasks_of_plan(plan) + services.tasks_of_plan(other)
    ws = load_workbook(io.BytesIO(excel.export_ledger(tasks, dt.date(2026, 5, 1)))).active
    rows = list(ws.iter_rows(min_row=4, max_row=6, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (1, "2026年区委重点工作", "1"),
        (2, "2026年区委重点工作", "2"),
        (3, "另一计划", "1"),
    ]
    assert ws["A7"].value.startswith("制表人")


def test_board_export_follows_the_board_filters(client, wp, plan):
    from django.urls import reverse

    make_task(plan, wp, title="城管的任务", lead_unit=wp["d1"])
    make_task(plan, wp, title="组织部的任务", lead_unit=wp["zzb"])
    services.approve_plan(plan, actor=wp.users["dudao"])
    client.force_login(wp.users["dudao"])

    def titles(**query):
        response = client.get(reverse("workplan:export"), query)
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.content)).active
        return ws["A1"].value, [r[3] for r in ws.iter_rows(min_row=4, values_only=True) if r[3]]

    assert titles(unit=wp["zzb"].pk) == ("督查督办台账", ["组织部的任务"])
    assert titles(plan=plan.pk, q="城管") == ("2026年区委重点工作督查督办台账", ["城管的任务"])
    assert titles(plan=plan.pk)[1] == ["城管的任务", "组织部的任务"]
