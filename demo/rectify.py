"""Demo 巡视巡察整改: a 巡察反馈 problem list of the district committee to 望月湖街道党工委 with items
in every state on any build day — 整改中, 逾期, 已完成待销号 (evidence attached), 已销号, and one
退回 with its reason — a compliance finding of 湖东社区党支部 turned into rectification and
already 销号, and the problems of one organization in last year's published 述职评议 round turned
into a problem list (转整改, items in progress). Dates are relative to the build day. Through
``rectify.services``; skips when built."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import Org
from party.compliance.dates import quarter_label, quarter_of
from party.duty_review.models import ReviewProblem, ReviewRound, RoundStatus
from rectify import services
from rectify.models import ProblemList

from . import orgs as orgs_demo

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _org(**lookup) -> Org | None:
    return Org.objects.filter(is_demo=True, archived_at__isnull=True, **lookup).order_by("path").first()


def build_demo_rectify(stdout=None) -> int:
    if ProblemList.objects.filter(is_demo=True).exists():
        if stdout:
            stdout.write("已有演示整改清单,直接复用。\n")
        return 0
    party_root = _org(kind="party_committee", depth=1, name=orgs_demo.PARTY_ROOT_NAME)
    street = _org(kind__in=("street", "town"), code=orgs_demo.DEMO_STREET_CODE)
    community = _org(kind="community", code=orgs_demo.DEMO_COMMUNITY_CODE)
    urban = _org(kind="department", name=orgs_demo.URBAN_MANAGEMENT_DEPT)
    if not (party_root and street and community and urban):
        if stdout:
            stdout.write("未找到演示组织,跳过整改演示数据(请先运行 build_demo)。\n")
        return 0
    committee = _org(kind__in=("working_committee", "party_committee"), host=street)
    branch = _org(kind="branch", host=community)
    if committee is None or branch is None:
        return 0
    today = timezone.localdate()
    with transaction.atomic():
        count = _xuncha(party_root, committee, branch, community, urban, today)
        count += _from_finding(party_root, branch, today)
        from_review = _from_review(today)
        count += from_review
    if stdout:
        lists = 3 if from_review else 2
        stdout.write(f"演示巡视巡察整改:{lists} 个问题清单、{count} 个整改事项。\n")
    return count


def _xuncha(issuer, committee, branch, community, urban, today: dt.date) -> int:
    feedback = today - dt.timedelta(days=45)
    plist = services.create_list(
        actor=SYSTEM,
        issuer=issuer,
        unit=committee,
        title=f"区委第二巡察组对{committee.name}巡察反馈问题",
        source="xuncha",
        feedback_on=feedback,
        issuer_name="区委第二巡察组",
        document_no=f"岳巡反〔{feedback.year}〕2号",
        is_demo=True,
    )
    add = services.add_problem
    p1 = add(plist, actor=SYSTEM, text="基层党组织“三会一课”被动召开、流于形式,会议记录内容雷同")
    p2 = add(plist, actor=SYSTEM, text="党建与业务“两张皮”,社区网格事项流转处置不规范")
    p3 = add(plist, actor=SYSTEM, text="党费收缴不及时,部分党员连续数月未交纳党费")

    def item(problem, measure, unit, days, who):
        return services.add_item(
            problem,
            actor=SYSTEM,
            measure=measure,
            unit=unit,
            responsible_name=who,
            start_on=feedback,
            deadline=today + dt.timedelta(days=days),
            is_demo=True,
        )

    rectifying = item(p1, "制定支部年度组织生活计划,每月召开支部委员会并如实记录", branch, 40, "支部书记")
    overdue = item(p2, "建立社区网格事项流转台账,每周研判一次", community, -3, "社区党委副书记")
    awaiting = item(p2, "规范城市管理类网格事项签收、处置和反馈时限", urban, 20, "局办公室主任")
    closed = item(p3, "逐人核对党费交纳情况并补缴,建立按月提醒机制", branch, -10, "支部组织委员")
    returned = item(p1, "开展“三会一课”专题培训,整改会议记录雷同问题", branch, 25, "支部书记")

    services.report(rectifying, actor=SYSTEM, percent=40, text="已制定年度组织生活计划,召开支部委员会2次")
    services.report(overdue, actor=SYSTEM, percent=20, text="已梳理网格事项,台账尚未建立")
    services.report(
        awaiting,
        actor=SYSTEM,
        percent=100,
        text="已印发网格事项签收处置规范,全部按时限办理",
        complete=True,
        evidence=[("文件", _pdf("网格事项签收处置规范.pdf"))],
    )
    services.report(
        closed,
        actor=SYSTEM,
        percent=100,
        text="已全部补缴,建立按月提醒机制",
        complete=True,
        evidence=[("文件", _pdf("党费补缴明细.pdf"))],
    )
    services.close_item(closed, actor=SYSTEM, note="佐证材料齐全,同意销号")
    services.report(
        returned,
        actor=SYSTEM,
        percent=100,
        text="已开展专题培训",
        complete=True,
        evidence=[("文件", _pdf("培训签到表.pdf"))],
    )
    services.return_item(returned, actor=SYSTEM, reason="缺少培训后的会议记录,请补充整改成效材料")
    return 5


def _from_finding(issuer, branch, today: dt.date) -> int:
    start, _ = quarter_of(today - dt.timedelta(days=120))
    item = services.from_finding(
        actor=SYSTEM,
        issuer=issuer,
        rule="meeting.missing",
        org=branch,
        period=quarter_label(start),
        text=f"{branch.name}:{quarter_label(start)}支部委员会会议次数不足",
        measure="补开支部委员会,完善会议记录",
        responsible_name="支部书记",
        deadline=today - dt.timedelta(days=5),
        feedback_on=today - dt.timedelta(days=60),
        is_demo=True,
    )
    services.report(
        item,
        actor=SYSTEM,
        percent=100,
        text="已补开支部委员会并完善会议记录",
        complete=True,
        evidence=[("文件", _pdf("支部委员会会议记录.pdf"))],
    )
    services.close_item(item, actor=SYSTEM, note="已整改到位")
    return 1


def _from_review(today: dt.date) -> int:
    """述职评议 → 整改: the organization with the most problems in last year's published round
    (the demo's 一般/差 branch) has them as a problem list of the round's committee; one item
    reported at 30%, the others just started — all 整改中 on any build day."""
    round_ = (
        ReviewRound.objects.filter(is_demo=True, status=RoundStatus.PUBLISHED)
        .select_related("org")
        .order_by("-year", "pk")
        .first()
    )
    if round_ is None:
        return 0
    problems = list(ReviewProblem.objects.live().filter(round=round_).select_related("round", "org"))
    by_org: dict[int, list[ReviewProblem]] = {}
    for problem in problems:
        by_org.setdefault(problem.org_id, []).append(problem)
    if not by_org:
        return 0
    chosen = max(by_org.values(), key=lambda rows: (len(rows), -rows[0].org_id))
    org = chosen[0].org
    plist = services.from_review(
        actor=SYSTEM,
        issuer=round_.org,
        org=org,
        problems=sorted(chosen, key=lambda p: p.pk),
        title=f"{org.name}{round_.year}年度书记抓基层党建述职评议反馈问题",
        measure="对照述职评议反馈问题,逐项制定整改措施,限期整改到位",
        feedback_on=today,
        deadline=today + dt.timedelta(days=60),
        issuer_name=round_.title[:100],
        responsible_name="支部书记",
        is_demo=True,
    )
    first = plist.problems.order_by("pk").first()
    item = first.items.order_by("pk").first() if first else None
    if item is not None:
        services.report(item, actor=SYSTEM, percent=30, text="已召开支部委员会专题研究,制定整改措施清单")
    return len(chosen)
