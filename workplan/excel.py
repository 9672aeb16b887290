"""Excel import and export of plans in the layout offices already use (督查督办台账).

Import columns: 序号 · 工作任务 · 牵头单位 · 配合单位 · 责任领导 · 责任人 · 开始日期 · 完成时限 · 报送频次 ·
成果形式 · 权重 · 进展情况 · 完成进度 · 状态. The hierarchy is in 序号 (``1``, ``1.1``, ``1.1.2``).

The exported 台账 (``core.ledger`` layout: title, 填报单位/统计期间, frozen header, A4 landscape)
adds 所属计划, 编号 (the hierarchy; 序号 is then a running number across plans), 存在问题 and
下步打算 (from the latest report), and stores 完成进度 as a percentage number.

Import follows the house style of ``orgs.imports``: the whole sheet is read and checked first, every
problem is collected with its Excel row and column (unit names are matched to the org tree, with
"您是不是要找" suggestions for near misses), and if there is any problem nothing is written. Otherwise
the plan and tasks are created in one transaction through the ordinary services. The title block
and the progress columns of an exported 台账 are ignored on import, so export → import gives the
same plan.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font

from core.errors import ServiceError
from core.ledger import Column as LedgerColumn
from core.ledger import Ledger, as_of, ledger_bytes, percent
from core.tabular import workbook_bytes
from orgs.imports import BadCell, Column, ImportRejected, RowError, cell_date, cell_text, read_sheet
from orgs.models import Org

from . import services, status
from .models import (
    EVIDENCE_KINDS,
    Cadence,
    Plan,
    PlanKind,
    ProgressReport,
    ReportStatus,
    Task,
    TaskStatus,
    UnitRole,
)
from .units import UnitMatcher

COLUMNS = [
    Column("序号", False, "1、1.1、1.1.2 表示层级;留空则为一级任务"),
    Column("工作任务", True, "任务名称"),
    Column("牵头单位", True, "组织架构中的单位全称或简称"),
    Column("配合单位", False, "多个单位用顿号分隔"),
    Column("责任领导", False, ""),
    Column("责任人", False, ""),
    Column("开始日期", False, "YYYY-MM-DD;留空则为计划开始日期"),
    Column("完成时限", True, "YYYY-MM-DD"),
    Column("报送频次", False, "每周、每两周、每月"),
    Column("成果形式", False, "、".join(EVIDENCE_KINDS)),
    Column("权重", False, "正数,默认1"),
    Column("进展情况", False, "导出时填写,导入时忽略"),
    Column("完成进度", False, "导出时填写,导入时忽略"),
    Column("状态", False, "导出时填写,导入时忽略"),
]
CADENCE_BY_LABEL = {label: value for value, label in Cadence.choices}
NUMBER_RE = re.compile(r"^\d+(\.\d+)*$")


# ---------------------------------------------------------------------------------------------
# Export


LEDGER_COLUMNS = [
    LedgerColumn("序号", 6, "seq"),
    LedgerColumn("所属计划", 20),
    LedgerColumn("编号", 7, "code"),
    LedgerColumn("工作任务", 36),
    LedgerColumn("牵头单位", 16),
    LedgerColumn("配合单位", 18),
    LedgerColumn("责任领导", 9),
    LedgerColumn("责任人", 9),
    LedgerColumn("开始日期", 11, "date"),
    LedgerColumn("完成时限", 11, "date"),
    LedgerColumn("报送频次", 8),
    LedgerColumn("成果形式", 12),
    LedgerColumn("权重", 6, "number", "General"),
    LedgerColumn("进展情况", 30),
    LedgerColumn("完成进度", 8, "percent"),
    LedgerColumn("状态", 8),
    LedgerColumn("存在问题", 24),
    LedgerColumn("下步打算", 24),
]
# Columns an exported 台账 has besides ``COLUMNS``: read and ignored on import (``编号`` holds the
# hierarchy when present, ``序号`` is then only the running number).
LEDGER_ONLY = [
    Column("所属计划", False, "导出时填写,导入时忽略"),
    Column("编号", False, "1、1.1、1.1.2 表示层级(有此列时序号仅为顺序号)"),
    Column("存在问题", False, "导出时填写,导入时忽略"),
    Column("下步打算", False, "导出时填写,导入时忽略"),
]


def latest_reports(task_ids) -> dict[int, ProgressReport]:
    """The latest progress report of each task that was not returned (its 存在问题 and 下步打算)."""
    latest: dict[int, ProgressReport] = {}
    for report in (
        ProgressReport.objects.filter(task_id__in=list(task_ids))
        .exclude(status=ReportStatus.RETURNED)
        .only("task_id", "problems", "next_steps", "created_at")
        .order_by("task_id", "-created_at", "-pk")
    ):
        latest.setdefault(report.task_id, report)
    return latest


def export_ledger(
    tasks: list[Task],
    day: dt.date,
    title: str = "督查督办台账",
    *,
    unit: str = "",
    period: str = "",
    maker: str = "",
) -> bytes:
    """The 台账 of ``tasks`` (already scoped and in tree order) with their status on ``day``:
    序号 runs on across plans, the hierarchy number is in 编号, progress is a percentage number,
    存在问题 and 下步打算 come from each task's latest report."""
    units: dict[int, list[str]] = {}
    from .models import TaskUnit

    for row in (
        TaskUnit.objects.filter(task__in=[t.pk for t in tasks], active=True, role=UnitRole.CO)
        .select_related("org")
        .order_by("pk")
    ):
        units.setdefault(row.task_id, []).append(row.org.name)
    reports = latest_reports(t.pk for t in tasks)
    plans = {p.pk: p.title for p in Plan.objects.filter(pk__in={t.plan_id for t in tasks})}
    labels = dict(Cadence.choices)
    rows = []
    for seq, task in enumerate(tasks, start=1):
        code = status.task_status(task, day)
        report = reports.get(task.pk)
        rows.append(
            [
                seq,
                plans.get(task.plan_id, ""),
                task.number,
                task.title,
                task.lead_unit.name if task.lead_unit_id else "",
                "、".join(units.get(task.pk, [])),
                task.leader_name,
                task.responsible_name,
                task.start_on,
                task.deadline,
                labels.get(task.cadence, ""),
                task.evidence_kinds,
                task.weight,
                task.latest_summary or (task.cancel_reason and f"已取消:{task.cancel_reason}") or "",
                percent(task.progress),
                TaskStatus(code).label,
                report.problems if report else "",
                report.next_steps if report else "",
            ]
        )
    ledger = Ledger(
        title=title,
        columns=LEDGER_COLUMNS,
        rows=rows,
        unit=unit,
        period=period or as_of(day),
        maker=maker,
        made_on=day,
        freeze_columns=4,
    )
    return ledger_bytes(ledger)


# ---------------------------------------------------------------------------------------------
# Import


@dataclass
class _Row:
    row: int
    number: str
    title: str
    lead: Org | None
    co: list[Org]
    leader: str
    responsible: str
    start_on: dt.date | None
    deadline: dt.date | None
    cadence: str
    evidence_kinds: str
    weight: str


def _units(value, matcher: UnitMatcher, errors, row, column) -> list[Org]:
    orgs = []
    text = cell_text(value)
    for name in [n.strip() for n in re.split(r"[、,,;;\n]", text) if n.strip()]:
        org = matcher.match(name)
        if org is None:
            errors.append(RowError(row, column, matcher.explain_miss(name)))
        else:
            orgs.append(org)
    return orgs


def _check_seq(
    seq: str, number: int, column: str, seen_numbers: dict[str, int], errors: list[RowError]
) -> None:
    """序号: 1, 1.1, 1.1.2 …, once in the file, its parent on an earlier row."""
    if seq and not NUMBER_RE.match(seq):
        errors.append(RowError(number, column, f"序号“{seq}”应为 1、1.1、1.1.2 这样的格式"))
    elif seq in seen_numbers:
        errors.append(RowError(number, column, f"序号“{seq}”与第{seen_numbers[seq]}行重复"))
    elif seq and "." in seq and seq.rsplit(".", 1)[0] not in seen_numbers:
        errors.append(
            RowError(
                number,
                column,
                f"找不到上级任务“{seq.rsplit('.', 1)[0]}”(上级任务须在前面的行)",
            )
        )
    if seq:
        seen_numbers.setdefault(seq, number)


def _positive(weight) -> bool:
    try:
        if float(weight) <= 0:
            raise ValueError
    except ValueError:
        return False
    return True


def read_rows(fileobj, matcher: UnitMatcher | None = None) -> list[_Row]:
    sheet = read_sheet(fileobj, COLUMNS + LEDGER_ONLY)
    numbered = "编号" if "编号" in sheet.positions else "序号"
    matcher = matcher or UnitMatcher()
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen_numbers: dict[str, int] = {}
    for number, cells in sheet.rows:

        def cell(header, convert=cell_text, cells=cells, number=number, **kwargs):
            try:
                return convert(cells.get(header), **kwargs)
            except BadCell as bad:
                errors.append(RowError(number, sheet.col(header), bad.message))
                return None

        seq = (cell(numbered, max_length=20) or "").strip().rstrip(".")
        _check_seq(seq, number, sheet.col(numbered), seen_numbers, errors)
        title = cell("工作任务", max_length=300) or ""
        if not title:
            errors.append(RowError(number, sheet.col("工作任务"), "请填写工作任务"))
        lead_units = _units(cells.get("牵头单位"), matcher, errors, number, sheet.col("牵头单位"))
        if not cell_text(cells.get("牵头单位")):
            errors.append(RowError(number, sheet.col("牵头单位"), "请填写牵头单位"))
        elif len(lead_units) > 1:
            errors.append(RowError(number, sheet.col("牵头单位"), "牵头单位只能有一个,其余请填入“配合单位”"))
        co = _units(cells.get("配合单位"), matcher, errors, number, sheet.col("配合单位"))
        start_on = cell("开始日期", cell_date)
        deadline = cell("完成时限", cell_date)
        if deadline is None and not any(e.row == number and "完成时限" in e.column for e in errors):
            errors.append(RowError(number, sheet.col("完成时限"), "请填写完成时限"))
        if start_on and deadline and deadline < start_on:
            errors.append(RowError(number, sheet.col("完成时限"), "完成时限早于开始日期"))
        cadence_text = cell("报送频次") or ""
        cadence = CADENCE_BY_LABEL.get(cadence_text, Cadence.MONTHLY if not cadence_text else "")
        if not cadence:
            errors.append(
                RowError(number, sheet.col("报送频次"), f"报送频次应为:{'、'.join(CADENCE_BY_LABEL)}")
            )
        kinds = cell("成果形式") or ""
        bad_kinds = [k for k in re.split(r"[、,,]", kinds) if k.strip() and k.strip() not in EVIDENCE_KINDS]
        if bad_kinds:
            errors.append(
                RowError(
                    number,
                    sheet.col("成果形式"),
                    f"成果形式“{'、'.join(bad_kinds)}”无效,可选:{'、'.join(EVIDENCE_KINDS)}",
                )
            )
        weight = cell("权重") or "1"
        if not _positive(weight):
            errors.append(RowError(number, sheet.col("权重"), "权重应为正数"))
        rows.append(
            _Row(
                number,
                seq,
                title,
                lead_units[0] if lead_units else None,
                co,
                cell("责任领导", max_length=50) or "",
                cell("责任人", max_length=50) or "",
                start_on,
                deadline,
                cadence,
                kinds,
                weight,
            )
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    return rows


@transaction.atomic
def import_plan(
    fileobj,
    *,
    actor,
    owner: Org,
    title: str,
    start_on: dt.date,
    kind: str = PlanKind.KEY_WORK,
    source_meeting: str = "",
    document_no: str = "",
) -> Plan:
    """Create a plan from a sheet — all or nothing."""
    rows = read_rows(fileobj)
    plan = services.create_plan(
        actor=actor,
        owner=owner,
        title=title,
        kind=kind,
        year=start_on.year,
        source_meeting=source_meeting,
        document_no=document_no,
    )
    # Parents first (rows are in sheet order); deadlines of parents must cover their children.
    latest: dict[str, dt.date] = {}
    for row in rows:
        if row.number:
            parts = row.number.split(".")
            for i in range(1, len(parts)):
                key = ".".join(parts[:i])
                latest[key] = max(latest.get(key, row.deadline), row.deadline)
    by_number: dict[str, Task] = {}
    errors: list[RowError] = []
    for row in rows:
        parent = by_number.get(row.number.rsplit(".", 1)[0]) if "." in row.number else None
        deadline = max(row.deadline, latest.get(row.number, row.deadline))
        try:
            task = services.create_task(
                plan,
                actor=actor,
                parent=parent,
                number=row.number,
                title=row.title,
                lead_unit=row.lead,
                co_units=row.co,
                leader_name=row.leader,
                responsible_name=row.responsible,
                start_on=row.start_on or start_on,
                deadline=deadline,
                cadence=row.cadence,
                evidence_kinds=row.evidence_kinds,
                weight=row.weight,
            )
        except ServiceError as error:
            errors.append(RowError(row.row, "", error.message))
            continue
        if row.number:
            by_number[row.number] = task
    if errors:
        raise ImportRejected(errors)
    from audit.services import record

    record(plan, services.PLAN_IMPORTED, actor=actor, after={"rows": len(rows)})
    return plan


def template_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "任务清单"
    sheet.append([c.header for c in COLUMNS])
    sheet.append(
        [
            "1",
            "示例:开展基层党组织书记培训",
            "区委组织部",
            "各街道党工委",
            "张三",
            "李四",
            "2026-03-01",
            "2026-06-30",
            "每月",
            "文件、照片",
            1,
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return workbook_bytes(book)
