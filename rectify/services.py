"""巡视巡察整改: one function per business action.

    create_list ─► add_problem ─► add_item (a work-plan task of the list's 整改台账; the first
    item 下达s the plan) ─► report (the responsible unit: progress, completion with evidence)
    ─► close_item (销号 by the issuing body: 核验通过 + 销号) | return_item (退回 with a reason)
    from_finding: a compliance finding → a list with one problem and one item, in one step
    from_review: an organization's 述职评议 problems → a list, one problem and one item each

The issuing body holds ``rectify_issue`` over ``ProblemList.org``; the responsible unit's staff
hold ``rectify_report`` at the item's unit. Deadlines, evidence checks, verification and the
escalation ladder are the work-plan services' (``workplan.services``), called with the same actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction

from audit import events
from audit.services import record
from core import clock
from core.actors import user_or_none
from core.errors import ServiceError, StateConflict
from core.kit import clean_text, today
from orgs.models import PARTY_KINDS, UNIT_KINDS, Org
from orgs.permissions import require
from workplan import services as workplan
from workplan.models import PlanKind, PlanState, ProgressReport, TaskState

from . import sources
from .models import Problem, ProblemList, RectifyItem, Source

E = events.register
LIST_CREATED = E("rectify.list_created", "下发问题清单")
PROBLEM_ADDED = E("rectify.problem_added", "登记整改问题")
ITEM_ADDED = E("rectify.item_added", "制定整改事项")
ITEM_REPORTED = E("rectify.item_reported", "报送整改进展")
ITEM_CLOSED = E("rectify.item_closed", "整改事项销号")
ITEM_RETURNED = E("rectify.item_returned", "整改事项退回")

MAX_TEXT = 4000
FINISHED = (TaskState.DONE, TaskState.CLOSED, TaskState.CANCELLED)


def require_issuer(actor, plist: ProblemList) -> None:
    require(actor, "rectify_issue", plist.org, f"只有{plist.org.name}可以进行此操作(下发问题清单、销号)")


def _unit(org: Org | None, field: str, label: str) -> Org:
    if org is None:
        raise ServiceError(f"请选择{label}", field=field)
    if org.archived_at is not None:
        raise ServiceError(f"{label}“{org.name}”已撤销", field=field)
    if org.kind not in UNIT_KINDS | PARTY_KINDS or org.kind == "grid":
        raise ServiceError(
            f"{label}应为单位、部门或党组织,“{org.name}”是{org.get_kind_display()}", field=field
        )
    return org


@transaction.atomic
def create_list(
    *,
    actor,
    issuer: Org,
    unit: Org,
    title: str,
    source: str,
    feedback_on: dt.date,
    issuer_name: str = "",
    document_no: str = "",
    is_demo: bool = False,
) -> ProblemList:
    """问题清单 issued by ``issuer`` to ``unit``; its 整改台账 (a work plan of kind 整改) is created
    with it. The 整改情况报告 deadline comes from the source's rule data."""
    require(actor, "rectify_issue", issuer, f"您没有以{issuer.name}名义下发问题清单的权限")
    if source not in Source.values:
        raise ServiceError("问题来源无效", field="source")
    unit = _unit(unit, "unit", "被巡视/巡察单位")
    if feedback_on is None:
        raise ServiceError("请填写反馈日期", field="feedback_on")
    if feedback_on > today():
        raise ServiceError("反馈日期不能晚于今天", field="feedback_on")
    title = clean_text(title, "title", "清单名称", required=True, limit=150)
    report_due, rule = sources.report_due(source, feedback_on, unit)
    plan = workplan.create_plan(
        actor=actor,
        owner=issuer,
        title=title[:120],
        kind=PlanKind.RECTIFY,
        year=feedback_on.year,
        source_meeting=f"{Source(source).label} {issuer_name}".strip()[:200],
        document_no=document_no,
        source_date=feedback_on,
        is_demo=is_demo,
    )
    plist = ProblemList.objects.create(
        org=issuer,
        title=title,
        source=source,
        issuer_name=clean_text(issuer_name, "issuer_name", "反馈主体", required=False, limit=100),
        unit=unit,
        document_no=clean_text(document_no, "document_no", "文号", required=False, limit=60),
        feedback_on=feedback_on,
        report_due=report_due,
        report_rule=rule[:200],
        plan=plan,
        created_by=user_or_none(actor),
        created_at=clock.now(),
        is_demo=is_demo,
    )
    record(
        plist,
        LIST_CREATED,
        actor=actor,
        after={
            "title": title,
            "source": source,
            "issuer": issuer.name,
            "unit": unit.name,
            "feedback_on": feedback_on.isoformat(),
            "report_due": report_due.isoformat() if report_due else "",
        },
    )
    return plist


@transaction.atomic
def add_problem(
    plist: ProblemList,
    *,
    actor,
    text: str,
    number: str = "",
    finding: tuple[str, Org, str] | None = None,
    source_ref: str = "",
    review_problem_id: int | None = None,
) -> Problem:
    """A problem of the list. ``finding``: (rule code, organization, period) of a compliance
    finding, ``review_problem_id``: a 述职评议 problem — refused while the same finding or review
    problem is an open problem of any list."""
    plist = ProblemList.objects.select_related("org").get(pk=plist.pk)
    require_issuer(actor, plist)
    text = clean_text(text, "text", "问题描述", required=True, limit=MAX_TEXT)
    rule, org, period = finding if finding is not None else ("", None, "")
    if rule:
        existing = _still_open(open_problem_for(rule, org, period))
        if existing is not None:
            raise StateConflict(f"该问题已转整改(“{existing.problem_list.title}”),尚未销号", field="rule")
    if review_problem_id is not None:
        existing = _still_open(open_problem_for_review(review_problem_id))
        if existing is not None:
            raise StateConflict(
                f"述职评议问题“{text[:30]}”已转整改(“{existing.problem_list.title}”),尚未销号",
                field="problems",
            )
    count = plist.problems.count()
    try:
        with transaction.atomic():
            problem = Problem.objects.create(
                problem_list=plist,
                org=plist.org,
                number=clean_text(number, "number", "序号", required=False, limit=20) or str(count + 1),
                text=text,
                finding_rule=rule[:64],
                finding_org=org,
                finding_period=(period or "")[:40],
                source_ref=clean_text(source_ref, "source_ref", "来源记录", required=False, limit=100),
                review_problem_id=review_problem_id,
                created_at=clock.now(),
            )
    except IntegrityError as error:  # a concurrent 转整改 of the same finding or review problem
        raise StateConflict("该问题已转整改,尚未销号", field="rule" if rule else "problems") from error
    record(
        plist,
        PROBLEM_ADDED,
        actor=actor,
        after={"number": problem.number, "text": text[:300], "finding": rule, "period": period},
    )
    return problem


def _still_open(existing: Problem | None) -> Problem | None:
    if existing is not None and existing.items.exists() and not _unfinished(existing):
        # Its items were 销号 elsewhere (the work-plan task page): the problem is done.
        Problem.objects.filter(pk=existing.pk).update(open=False)
        return None
    return existing


def open_problem_for_review(review_problem_id: int) -> Problem | None:
    return (
        Problem.objects.filter(review_problem_id=review_problem_id, open=True)
        .select_related("problem_list")
        .first()
    )


def open_problems_for_review(review_problem_ids: Iterable[int]) -> dict[int, Problem]:
    """The open problems that 述职评议 problems became, by review problem id."""
    found = Problem.objects.filter(review_problem_id__in=list(review_problem_ids), open=True)
    return {p.review_problem_id: p for p in found.select_related("problem_list") if p.review_problem_id}


def open_problem_for(rule: str, org: Org | None, period: str) -> Problem | None:
    return (
        Problem.objects.filter(finding_rule=rule, finding_org=org, finding_period=period or "", open=True)
        .select_related("problem_list")
        .first()
    )


@transaction.atomic
def add_item(
    problem: Problem,
    *,
    actor,
    measure: str,
    unit: Org,
    deadline: dt.date | None,
    responsible_name: str = "",
    start_on: dt.date | None = None,
    is_demo: bool = False,
) -> RectifyItem:
    """整改事项: 整改措施, 责任单位, 责任人, 完成时限 (default: the list's report deadline) — a task of
    the list's 整改台账 led by the unit."""
    problem = Problem.objects.select_related("problem_list", "problem_list__org", "problem_list__plan").get(
        pk=problem.pk
    )
    plist = problem.problem_list
    require_issuer(actor, plist)
    if not problem.open:
        raise StateConflict("该问题已整改销号,不能再增加整改事项")
    unit = _unit(unit, "unit", "责任单位")
    start_on = start_on or today()
    deadline = deadline or plist.report_due
    if deadline is None:
        raise ServiceError("请填写完成时限", field="deadline")
    if deadline < start_on:
        raise ServiceError(f"完成时限不能早于{start_on:%Y-%m-%d}", field="deadline")
    task = workplan.create_task(
        plist.plan,
        actor=actor,
        title=clean_text(measure, "measure", "整改措施", required=True, limit=300),
        description=problem.text,
        lead_unit=unit,
        responsible_name=responsible_name,
        start_on=start_on,
        deadline=deadline,
        evidence_kinds=("文件", "照片", "制度", "台账"),
        tags=("整改",),
        is_demo=is_demo,
    )
    if plist.plan.state == PlanState.DRAFT:
        task.plan = workplan.approve_plan(plist.plan, actor=actor)
    item = RectifyItem.objects.create(
        problem=problem, task=task, unit=unit, org=plist.org, created_at=clock.now()
    )
    record(
        item,
        ITEM_ADDED,
        actor=actor,
        after={
            "problem": problem.number,
            "measure": task.title,
            "unit": unit.name,
            "responsible": task.responsible_name,
            "deadline": deadline.isoformat(),
        },
    )
    return item


def _locked(item: RectifyItem) -> RectifyItem:
    return RectifyItem.objects.select_related(
        "problem", "problem__problem_list", "problem__problem_list__org", "task", "unit"
    ).get(pk=item.pk)


@transaction.atomic
def report(
    item: RectifyItem,
    *,
    actor,
    percent: int,
    text: str,
    complete: bool = False,
    problems: str = "",
    evidence: Sequence[tuple[str, object]] = (),
) -> ProgressReport:
    """The responsible unit reports progress; ``complete`` (整改完成) asks for 销号 and needs
    evidence (整改佐证材料)."""
    item = _locked(item)
    require(actor, "rectify_report", item.unit, f"只有责任单位({item.unit.name})可以报送整改进展")
    report_ = workplan.report_progress(
        item.task,
        actor=actor,
        percent=percent,
        done_text=text,
        problems=problems,
        complete=complete,
        evidence=evidence,
    )
    record(
        item,
        ITEM_REPORTED,
        actor=actor,
        after={
            "percent": report_.percent,
            "complete": report_.is_completion,
            "text": report_.done_text[:300],
        },
    )
    return report_


def _unfinished(problem: Problem) -> bool:
    return RectifyItem.objects.filter(problem=problem).exclude(task__state__in=FINISHED).exists()


def _close_problem_if_done(problem: Problem) -> None:
    if not _unfinished(problem):
        Problem.objects.filter(pk=problem.pk).update(open=False)


@transaction.atomic
def close_item(item: RectifyItem, *, actor, note: str = "") -> RectifyItem:
    """销号: the issuing body accepts the completed rectification (核验通过) and takes it off the
    list. The problem is closed when all its items are."""
    item = _locked(item)
    require_issuer(actor, item.problem.problem_list)
    if item.task.state != TaskState.SUBMITTED:
        raise StateConflict(f"整改事项当前为{item.task.get_state_display()},没有待销号的整改完成报告")
    note = clean_text(note, "note", "销号意见", required=False, limit=300)
    workplan.verify_completion(item.task, actor=actor, accept=True, note=note)
    workplan.close_task(item.task, actor=actor, note=note)
    _close_problem_if_done(item.problem)
    record(item, ITEM_CLOSED, actor=actor, reason=note, after={"state": "closed"})
    item.task.refresh_from_db()
    return item


@transaction.atomic
def return_item(item: RectifyItem, *, actor, reason: str) -> RectifyItem:
    """退回: the completion is not accepted; the unit keeps rectifying (reason required)."""
    item = _locked(item)
    require_issuer(actor, item.problem.problem_list)
    if item.task.state != TaskState.SUBMITTED:
        raise StateConflict(f"整改事项当前为{item.task.get_state_display()},没有待销号的整改完成报告")
    reason = clean_text(reason, "reason", "退回理由", required=True, limit=500)
    workplan.verify_completion(item.task, actor=actor, accept=False, note=reason)
    record(item, ITEM_RETURNED, actor=actor, reason=reason, after={"state": "returned"})
    item.task.refresh_from_db()
    return item


@transaction.atomic
def from_finding(
    *,
    actor,
    issuer: Org,
    rule: str,
    org: Org,
    period: str,
    text: str,
    measure: str,
    unit: Org | None = None,
    deadline: dt.date | None = None,
    responsible_name: str = "",
    title: str = "",
    feedback_on: dt.date | None = None,
    is_demo: bool = False,
) -> RectifyItem:
    """转整改: a compliance finding (rule, organization, period) becomes a problem list with one
    problem and one item, led by the organization itself unless ``unit`` says otherwise."""
    require(actor, "rectify_issue", org, f"您不能对{org.name}的问题下发整改")
    if not rule:
        raise ServiceError("缺少问题来源", field="rule")
    day = feedback_on or today()
    plist = create_list(
        actor=actor,
        issuer=issuer,
        unit=org,
        title=title or f"{org.name}党建考评问题",
        source=Source.COMPLIANCE,
        feedback_on=day,
        is_demo=is_demo,
    )
    problem = add_problem(plist, actor=actor, text=text, finding=(rule, org, period))
    return add_item(
        problem,
        actor=actor,
        measure=measure,
        unit=unit or org,
        deadline=deadline or plist.report_due or day,
        responsible_name=responsible_name,
        start_on=min(day, today()),
        is_demo=is_demo,
    )


@transaction.atomic
def from_review(
    *,
    actor,
    issuer: Org,
    org: Org,
    problems: Sequence,
    title: str,
    measure: str,
    feedback_on: dt.date | None = None,
    deadline: dt.date | None = None,
    issuer_name: str = "",
    responsible_name: str = "",
    is_demo: bool = False,
) -> ProblemList:
    """转整改 of 述职评议: the published problems of one organization (``party.duty_review``'s
    ``ReviewProblem`` rows, read by the caller through ``published_problems``) become a problem
    list issued to the organization, each problem with one item led by the organization itself
    (the common ``measure``, due by ``deadline`` or the list's report deadline). A problem
    already an open problem of a list is refused."""
    require(actor, "rectify_issue", org, f"您不能对{org.name}的问题下发整改")
    chosen = list(problems)
    if not chosen:
        raise ServiceError("请至少选择一个问题", field="problems")
    for problem in chosen:
        if problem.org_id != org.pk or problem.withdrawn_at is not None:
            raise ServiceError(f"问题“{problem.text[:30]}”不是{org.name}的述职评议问题", field="problems")
        if problem.round.published_at is None:
            raise ServiceError("述职评议结果尚未公布,不能转整改", field="problems")
    day = feedback_on or today()
    plist = create_list(
        actor=actor,
        issuer=issuer,
        unit=org,
        title=title,
        source=Source.DUTY_REVIEW,
        feedback_on=day,
        issuer_name=issuer_name,
        is_demo=is_demo,
    )
    for problem in chosen:
        added = add_problem(plist, actor=actor, text=problem.text, review_problem_id=problem.pk)
        add_item(
            added,
            actor=actor,
            measure=measure,
            unit=org,
            deadline=deadline or plist.report_due or day,
            responsible_name=responsible_name,
            start_on=min(day, today()),
            is_demo=is_demo,
        )
    return plist


@transaction.atomic
def create_with_problems(
    *,
    actor,
    issuer: Org,
    unit: Org,
    title: str,
    source: str,
    feedback_on: dt.date,
    problems: Iterable[dict],
    issuer_name: str = "",
    document_no: str = "",
) -> ProblemList:
    """A list with its problems and their items in one transaction (the API's import from other
    systems). Each problem: ``text``, optional ``number``, ``source_ref`` and ``items`` (each
    ``measure``, ``unit`` (Org), ``deadline``, optional ``responsible_name``)."""
    plist = create_list(
        actor=actor,
        issuer=issuer,
        unit=unit,
        title=title,
        source=source,
        feedback_on=feedback_on,
        issuer_name=issuer_name,
        document_no=document_no,
    )
    for row in problems:
        problem = add_problem(
            plist,
            actor=actor,
            text=row.get("text", ""),
            number=row.get("number", ""),
            source_ref=row.get("source_ref", ""),
        )
        for entry in row.get("items", ()):
            add_item(
                problem,
                actor=actor,
                measure=entry.get("measure", ""),
                unit=entry.get("unit"),
                deadline=entry.get("deadline") or plist.report_due,
                responsible_name=entry.get("responsible_name", ""),
            )
    return plist
