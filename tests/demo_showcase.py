"""What the demo district must show its accounts, whatever day it is built (README, "Demo accounts").

``problems()`` returns the showcase states that are missing, as readable strings, so that a
failing build date names everything it lacks at once. It reads the database as built; the caller
freezes the clock (time-machine) at the build moment.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import models
from django.utils import timezone

OUR_APPS = (
    "orgs",
    "audit",
    "core",
    "workdays",
    "cases",
    "workplan",
    "party",
    "villages",
    "intel",
    "api",
    "cadres",
    "rectify",
    "walks",
)
# Stored moments that are records of something done (not deadlines or schedules).
DONE_AT = ("created_at", "recorded_at", "submitted_at", "closed_at", "decided_at", "verified_at")
# Rule data seeded by migrations when the database is created (at the real time), not by the demo.
SEEDED = {"party.RuleParameter"}


def _future_rows(now: dt.datetime) -> list[str]:
    """Nothing the demo writes is dated after the moment it was built."""
    found = []
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.label in SEEDED:
                continue
            for f in model._meta.concrete_fields:
                if isinstance(f, models.DateTimeField) and f.name in DONE_AT:
                    later = {f"{f.name}__gt": now + dt.timedelta(minutes=1)}
                    n = model._default_manager.filter(**later).count()
                    if n:
                        found.append(f"{model._meta.label}.{f.name}: {n} 条晚于生成时刻")
    return found


def workplan_problems(day: dt.date) -> list[str]:
    from orgs.models import User
    from workplan import selectors
    from workplan.models import Accountability, Notice, Task, TaskStatus

    out = []
    statuses = set(Task.objects.filter(is_demo=True).with_status(day).values_list("status_code", flat=True))
    for code in (
        TaskStatus.IN_PROGRESS,
        TaskStatus.LAGGING,
        TaskStatus.OVERDUE,
        TaskStatus.PENDING_VERIFY,
        TaskStatus.DONE,
        TaskStatus.CLOSED,
    ):
        if code not in statuses:
            out.append(f"workplan: no task {code}")
    kinds = set(Notice.objects.values_list("kind", flat=True))
    if not {"reminder", "notice", "circular"} <= kinds:
        out.append(f"workplan: notice kinds {sorted(kinds)}")
    if not Accountability.objects.filter(status="proposed").exists():
        out.append("workplan: no accountability proposal to decide")
    bumen, jiedao = (User.objects.get(username=n) for n in ("bumen", "jiedao"))
    if selectors.workbench(bumen, day)[0].count() < 3:
        out.append("workplan: bumen leads fewer than 3 tasks")
    if not selectors.notices_to_answer(bumen):
        out.append("workplan: bumen has no notice to answer")
    if not selectors.workbench(jiedao, day)[0].exists():
        out.append("workplan: jiedao has no task")
    return out


def demo_activity_states(day: dt.date) -> list[str]:
    """能力作风建设年: an activity closed, one done, one awaiting verification and one overdue in a
    past month, and the current month's activity open."""
    from workplan import activities
    from workplan.models import Plan

    out = []
    lists = Plan.objects.filter(is_demo=True, kind="activity_list")
    if not lists.filter(year=day.year).exists():
        return ["workplan: no activity list for the year"]
    states, overdue = set(), 0
    for plan in lists:
        for column in activities.months(plan, day=day):
            overdue += column.overdue
            states |= {task.state for task in column.activities}
    if not {"closed", "done", "submitted", "active"} <= states:
        out.append(f"workplan: activity states {sorted(states)}")
    if not overdue:
        out.append("workplan: no overdue activity")
    return out


def _party(day: dt.date) -> list[str]:
    from demo.party.life import SHUJI_BRANCH
    from orgs.models import Org, User
    from party import scope, selectors
    from party.development import selectors as development_selectors
    from party.membership import reductions
    from party.membership.models import Transfer
    from party.talks import services as talks

    out = []
    branch = Org.objects.get(is_demo=True, short_name=SHUJI_BRANCH)
    shuji, zuzhibu = (User.objects.get(username=n) for n in ("shuji", "zuzhibu"))
    # 谈心谈话: this year one committee pair and two members to go.
    cover = talks.coverage(branch, day.year, day)
    if len(cover.missing_pairs) != 1 or len(cover.members_missing) != 2:
        out.append(
            f"party: shuji's talks this year miss {len(cover.missing_pairs)} pairs and "
            f"{len(cover.members_missing)} members (expected 1 and 2)"
        )
    out += _member_view(branch)
    # 发展党员: applicants at several stages, one overdue or due soon.
    board = development_selectors.board(shuji, branch, day)
    if len({row["stage"] for row in board}) < 3:
        out.append(f"party: shuji's development board has {len(board)} applicants in too few stages")
    if not any(row["overdue"] or row["due_soon"] for row in board):
        out.append("party: nothing due soon or overdue on shuji's development board")
    # 报批事项: dangwei (望月湖街道党工委) has submissions waiting, one overdue, one returned.
    dangwei = User.objects.get(username="dangwei")
    committees = development_selectors.committees_for(dangwei)
    queue = development_selectors.committee_queue(dangwei, committees[0], day) if committees else {}
    pending = queue.get("pending", [])
    if len(pending) < 2 or not any(row["overdue"] for row in pending):
        out.append(f"party: dangwei's queue has {len(pending)} submissions (expected 2+, one overdue)")
    if not any(s.state == "returned" for s in queue.get("recent", [])):
        out.append("party: no returned submission in dangwei's queue")
    # 党费减免 waiting for the organization department; a transfer pending at shuji's branch.
    if not reductions.pending_for(zuzhibu):
        out.append("party: no dues reduction waiting for zuzhibu")
    if not Transfer.objects.filter(org=branch, state="pending").exists():
        out.append("party: no transfer pending at shuji's branch")
    out += _duty_review(day, shuji, dangwei)
    # Compliance findings: the dashboard's running quarter (state rules as of the day) and the
    # two quarters before it (period rules judge finished periods).
    root = scope.top_orgs(zuzhibu)[0]
    codes = set()
    for start, end, _ in selectors.quarters(day, 2):
        codes |= {f.rule for f in selectors.findings(root, start, end)}
    for code in EXPECTED_FINDINGS:
        if code not in codes:
            out.append(f"party: no finding {code} in the last three quarters")
    out += _study_and_coverage(day, dangwei, zuzhibu)
    return out


def _member_view(branch) -> list[str]:
    from orgs.models import User

    out: list[str] = []
    # 党员 dangyuan (members' own view): a member of shuji's branch with meetings, dues and a talk;
    # the branch's QR sign-ins, one meeting disagreeing with its typed list.
    from party import me
    from party.compliance import check as compliance_check

    member = me.own_member(User.objects.get(username="dangyuan"))
    mine = me.my_year(member) if member is not None else None
    if member is None or mine is None or member.org_id != branch.pk:
        out.append("party: dangyuan is not a member of shuji's branch")
    elif not (mine.meetings and mine.dues and mine.talks):
        out.append(
            f"party: dangyuan's own view lacks meetings ({len(mine.meetings)}), dues ({len(mine.dues)}) "
            f"or talks ({len(mine.talks)})"
        )
    elif not any(row["signin"] for row in mine.meetings):
        out.append("party: dangyuan never signed in by QR")
    found = compliance_check(branch)
    if not any(f.rule == "formalism.signin_mismatch" for f in found):
        out.append("party: no sign-in disagreement at shuji's branch")
    return out


def _duty_review(day: dt.date, shuji, dangwei) -> list[str]:
    out: list[str] = []
    # 述职评议考核: last year's round published with every level and problems; this year's rating,
    # one report missing, dangwei's sheets in.
    from party.duty_review import selectors as review_selectors
    from party.duty_review.models import ReviewRound

    last = ReviewRound.objects.filter(is_demo=True, year=day.year - 1, status="published").first()
    levels = set(last.reporters.values_list("level", flat=True)) if last else set()
    if not {"good", "fair", "average", "poor"} <= levels:
        out.append(f"party: last year's 述职评议 is not published with every level ({sorted(levels)})")
    if not review_selectors.published_problems(shuji).exists():
        out.append("party: shuji sees no published 述职评议 problem")
    this = ReviewRound.objects.filter(is_demo=True, year=day.year, status="rating").first()
    if this is None or not this.reporters.filter(submitted_at__isnull=True).exists():
        out.append("party: this year's 述职评议 is not rating with a report missing")
    elif not this.raters.filter(user=dangwei, sheets__isnull=False).exists():
        out.append("party: dangwei has no sheet in this year's 述职评议")
    return out


def _study_and_coverage(day: dt.date, dangwei, zuzhibu) -> list[str]:
    """理论学习中心组: dangwei's 党工委 has a group, a plan and sessions, with a planned month missed;
    the organization department's coverage figures are all non-zero and show gaps."""
    from orgs.models import Org
    from party import scope
    from party.structure import coverage
    from party.study_group import services as study

    out = []
    committee = Org.objects.get(is_demo=True, kind="working_committee", host__name="望月湖街道")
    view = study.overview(committee, day.year, day)
    if not view.members or not view.sessions or view.plan is None:
        out.append("party: 望月湖街道党工委 has no 中心组 members, plan or sessions this year")
    previous = day.replace(day=1) - dt.timedelta(days=1)
    missed = study.overview(committee, previous.year, day).missed_months
    if previous.month not in missed:
        out.append(f"party: 望月湖街道党工委's 中心组 did not miss the planned month {previous:%Y-%m}")
    report = coverage.compute(scope.top_orgs(zuzhibu)[0], day)
    figures = report.figures()
    zero = [k for k, v in figures.items() if not v]
    if zero:
        out.append(f"party: coverage figures are zero: {zero}")
    if not (report.communities_linked and report.property_partners and report.grids_linked):
        out.append("party: 党建联盟 figures (communities, property companies, grids) have a zero")
    return out


# Findings the demo district shows the organization department in any quarter (demo/party/life.py's
# gappy, bunched, dormant and copying branches, lapses, terms, care visits, talks, dues).
EXPECTED_FINDINGS = (
    "meeting.missing",
    "meeting.bunched",
    "meeting.low_attendance",
    "study.gap",
    "member.lapse_flag",
    "formalism.thin_minutes",
    "formalism.copied_attendance",
    "formalism.duplicate_minutes",
    "formalism.reused_photo",
    "term.expired",
    "care.not_visited",
    "org.secretary_vacant",
    "dev.rush",
    "dev.overdue",
    "transfer.pending_long",
    "dues.arrears",
    "village.deviation",
    # demo/party/compliance.py: 应建未建, a branch over 50, a probationary secretary, an election
    # awaiting approval for 40 days (state rules: every quarter shows them).
    "org.should_establish",
    "org.too_large",
    "org.secretary_not_formal",
    "term.unapproved",
)


def _villages(day: dt.date) -> list[str]:
    from villages.models import Decision, DecisionStatus

    out = []
    statuses = set(Decision.objects.filter(is_demo=True).values_list("status", flat=True))
    for status in DecisionStatus.values:
        if status not in statuses:
            out.append(f"villages: no decision {status}")
    if not Decision.objects.filter(is_demo=True, task__isnull=False).exists():
        out.append("villages: no decision linked to a key task")
    return out


def rectify_problems(day: dt.date) -> list[str]:
    """巡视巡察整改: a 巡察反馈 list with items in every state (整改中, 逾期, 已完成待销号, 已销号), a
    compliance finding turned into rectification and already 销号, and last year's 述职评议
    problems of one organization turned into a list with items 整改中."""
    from rectify.models import ItemStatus, Problem, RectifyItem, item_status

    out = []
    items = RectifyItem.objects.filter(task__is_demo=True, problem__problem_list__source="xuncha")
    shown = {item_status(i.task, day) for i in items.select_related("task")}
    for status in (ItemStatus.RECTIFYING, ItemStatus.OVERDUE, ItemStatus.AWAITING, ItemStatus.CLOSED):
        if status not in shown:
            out.append(f"rectify: no 巡察 item {status.label}")
    if not Problem.objects.filter(problem_list__is_demo=True, open=False).exclude(finding_rule="").exists():
        out.append("rectify: no compliance finding rectified and 销号")
    reviewed = RectifyItem.objects.filter(
        task__is_demo=True,
        problem__problem_list__source="duty_review",
        problem__review_problem_id__isnull=False,
    ).select_related("task")
    if not any(item_status(i.task, day) == ItemStatus.RECTIFYING for i in reviewed):
        out.append("rectify: no 述职评议 problems turned into rectification (整改中)")
    return out


def _walks(day: dt.date) -> list[str]:
    """领导干部走流程: a draft, a walk with open problems, a walk with every problem 销号, a walk
    with a closed case and one with a verified task, and a leader below the yearly minimum — as
    lingdao and dudao see them."""
    from orgs.models import User
    from walks import selectors
    from walks.models import Walk, WalkStatus

    out = []
    lingdao, dudao = User.objects.get(username="lingdao"), User.objects.get(username="dudao")
    states = set()
    closed = {"case": False, "task": False}
    for walk in selectors.walks(lingdao).filter(is_demo=True):
        rows = selectors.problems_of(walk)
        states.add(selectors.walk_state(walk, rows).split("(")[0])
        for problem, progress in rows:
            if progress.closed:
                closed[problem.handover] = True
    for state in ("草稿", "问题整改中", "问题已全部销号"):
        if state not in states:
            out.append(f"walks: lingdao has no walk {state}")
    for kind, seen in closed.items():
        if not seen:
            out.append(f"walks: no walk problem {kind} 销号")
    if not Walk.objects.filter(is_demo=True, status=WalkStatus.RECORDED, problems__isnull=True).exists():
        out.append("walks: no recorded walk without problems")
    rows = selectors.yearly_counts(dudao, day.year, day)
    if not any(r.behind for r in rows) or all(r.behind for r in rows):
        out.append("walks: dudao's yearly list needs leaders both below and at the yearly minimum")
    return out


def _intel(day: dt.date) -> list[str]:
    from intel.models import HotSpotTask, ModelVersion

    out = []
    if not ModelVersion.objects.filter(active=True).exists():
        out.append("intel: no active category model")
    if not ModelVersion.objects.filter(baseline__isnull=False, baseline_f1__isnull=False).exists():
        out.append("intel: no retrained model version with its guard decision (分类模型 page)")
    if not HotSpotTask.objects.exists():
        out.append("intel: no 每月一题 hot-spot task")
    return out


def _public_reports(cases) -> list[str]:
    """公开事项 (/reports/): open and answered public cases across communities, some followed."""
    from cases import public
    from cases.models import CaseAssignment, CaseFollow, CaseStatus

    out = []
    listed = public.listed_cases().filter(pk__in=cases.values("pk"))
    if not listed.filter(status__in=public.OPEN_LISTED).exists():
        out.append("public reports: no open public case")
    answered = CaseAssignment.objects.filter(role="lead").exclude(feedback="").values("case")
    closed = listed.filter(status=CaseStatus.CLOSED, pk__in=answered)
    if closed.values("community").distinct().count() < 3:
        out.append("public reports: answered public cases in fewer than 3 communities")
    if not CaseFollow.objects.filter(case__in=listed).exists():
        out.append("public reports: no followed case")
    return out


def _cases(now: dt.datetime) -> list[str]:
    from cases.models import Case, CaseStatus
    from orgs.models import User

    out = []
    cases = Case.objects.filter(is_demo=True)
    statuses = set(cases.values_list("status", flat=True))
    for status in CaseStatus.values:
        if status not in statuses:
            out.append(f"cases: no case {status}")
    if not cases.overdue(now).exists():
        out.append("cases: nothing overdue")
    out += _public_reports(cases)
    jumin = User.objects.get(username="jumin")
    if Case.objects.visible_to(jumin).count() != 3:
        out.append("cases: jumin does not have 3 cases")
    # The tracking page shows the reporter's photo.
    if not cases.filter(reporter_user=jumin, is_public=True, attachments__stage="report").exists():
        out.append("cases: none of jumin's cases has a photo on its tracking page")
    # quzhongxin (区级调度) has district-level cases (no grid) to register and to dispatch, and
    # jiedao a callback queue.
    from cases import selectors

    district = User.objects.get(username="quzhongxin")
    waiting = selectors.workbench(district, selectors.CaseFilters(district=True))
    for status in (CaseStatus.REPORTED, CaseStatus.REGISTERED):
        if not waiting.filter(status=status).exists():
            out.append(f"cases: quzhongxin has no district-level case {status}")
    if not selectors.callback_queue(User.objects.get(username="jiedao")).exists():
        out.append("cases: jiedao's callback queue is empty")
    return out


def _cadres(day: dt.date) -> list[str]:
    """干部监督: ganbu sees files with a 考察 holding the 8小时以外 section, this year's statistics
    show both 能上 and 能下 (an unsuitable adjustment and a 问责 by 组织调整), a 问责 of a party
    organization and a read with its purpose; zuzhibu and admin see nothing."""
    from cadres import selectors, services
    from cadres.models import CadreFile, Inspection
    from orgs.models import User

    out = []
    ganbu = User.objects.get(username="ganbu")
    if CadreFile.objects.visible_to(ganbu).live().count() < 4:
        out.append("cadres: ganbu sees fewer than 4 files")
    inspections = Inspection.objects.visible_to(ganbu).live()
    if not inspections.exclude(life_circle="", social_circle="").exists():
        out.append("cadres: no 考察 with the 8小时以外 section")
    total = selectors.statistics(ganbu, day.year).total
    if not total.up_total or not total.unsuitable or not total.accountability_adjust:
        out.append(
            f"cadres: this year's statistics lack a side (能上 {total.up_total}, 能下 {total.down_total})"
        )
    if not selectors.organization_decisions(ganbu).exists():
        out.append("cadres: no 问责 of a party organization")
    from audit.models import AuditEvent

    if not AuditEvent.objects.filter(action=services.FILE_READ, actor=ganbu).exists():
        out.append("cadres: no read with a purpose")
    for name in ("zuzhibu", "admin"):
        if CadreFile.objects.visible_to(User.objects.get(username=name)).exists():
            out.append(f"cadres: {name} sees cadre files")
    return out


def problems() -> list[str]:
    now = timezone.now()
    day = timezone.localdate(now)
    found = []
    for check in (_cases, _future_rows):
        found += check(now)
    for check in (
        workplan_problems,
        demo_activity_states,
        _party,
        _villages,
        rectify_problems,
        _intel,
        _cadres,
        _walks,
    ):
        found += check(day)
    return found
